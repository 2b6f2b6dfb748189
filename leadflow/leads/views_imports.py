"""Pages: file import (upload → mapping with a live preview → progress → result), the
error report download and the imports list. Do-not-call files use the same pages."""

from __future__ import annotations

from datetime import timedelta
from itertools import chain
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.leads.forms import MappingForm, UploadForm
from leadflow.leads.import_preview import Preview, import_preview
from leadflow.leads.imports import (
    describe,
    error_report_rows,
    import_job_configure,
    import_job_create,
    import_job_get,
    import_job_start,
    import_jobs_for_tenant,
    import_progress,
)
from leadflow.leads.intake.reader import FileInfo, FileProblem, sniff
from leadflow.leads.models import CampaignField, ImportJob, ImportKind, ImportState
from leadflow.leads.uploads import (
    SizeLimitUploadHandler,
    declared_length,
    declared_too_large,
    install_size_limit,
    too_large_message,
)
from leadflow.leads.views import in_tenant_time
from leadflow.tenants.models import Tenant
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, posted, tenant_of

ERRORS_SHOWN = 50
SNIFF_CACHE_SECONDS = 15 * 60


def _job_or_404(request: HttpRequest, job_id: int) -> ImportJob:
    return or_404(import_job_get, tenant=tenant_of(request), job_id=job_id)


# --- Step 1: upload ------------------------------------------------------------------

def _upload_form(request: HttpRequest, kind: str, *args: Any, **kwargs: Any) -> UploadForm:
    return UploadForm(*args, tenant=tenant_of(request), kind=kind,
                      max_mb=settings.LEADFLOW_MAX_UPLOAD_MB, **kwargs)


def _render_upload(request: HttpRequest, kind: str, form: UploadForm, *,
                   size_error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "leads/import_upload.html", {
        "form": form, "kind": kind, "size_error": size_error, "is_dnc": kind == ImportKind.DNC,
        "max_mb": settings.LEADFLOW_MAX_UPLOAD_MB,
    }, status=status)


def upload_page(request: HttpRequest, kind: str) -> HttpResponse:
    """The upload form (GET) or an upload (POST), for leads and DNC files alike.

    The view is CSRF-exempt so that nothing reads the body before 1. the declared
    Content-Length is checked and 2. the counting upload handler is in place; the CSRF
    check then runs in ``_receive_upload`` as the body is parsed.
    """
    if request.method != "POST":
        campaign = request.GET.get("campaign", "")
        initial = {"campaign": int(campaign)} if campaign.isdecimal() else {}
        return _render_upload(request, kind, _upload_form(request, kind, initial=initial))
    if declared_too_large(request):
        return _render_upload(request, kind, _upload_form(request, kind), status=413,
                              size_error=too_large_message(settings.LEADFLOW_MAX_UPLOAD_MB,
                                                           declared_length(request)))
    return _receive_upload(request, kind, install_size_limit(request))


@csrf_protect
def _receive_upload(request: HttpRequest, kind: str,
                    limit: SizeLimitUploadHandler) -> HttpResponse:
    form = _upload_form(request, kind, request.POST, request.FILES)
    if limit.exceeded:
        return _render_upload(request, kind, _upload_form(request, kind), status=413,
                              size_error=too_large_message(settings.LEADFLOW_MAX_UPLOAD_MB))
    if form.is_valid():
        upload = form.cleaned_data["file"]
        campaign = form.cleaned_data.get("campaign")
        try:
            job = import_job_create(
                tenant=tenant_of(request), source=upload, file_name=upload.name,
                created_by=cast(User, request.user), kind=ImportKind(kind),
                campaign_id=campaign.id if campaign else None)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, {"campaign_id": "campaign"})
        else:
            return redirect("import_map", job.id)
    return _render_upload(request, kind, form, status=400)


@csrf_exempt
@manager_required
def import_upload(request: HttpRequest) -> HttpResponse:
    return upload_page(request, ImportKind.LEADS)


# --- Step 2: mapping, options and the live preview -------------------------------------

def _stored_file(job: ImportJob) -> FileInfo:
    """Sniff the stored file again: the mapping page needs its sample rows.

    The result is cached for a while: the preview asks on every change of the mapping,
    and opening a big workbook costs seconds.
    """
    key = f"leadflow:import-sniff:{job.id}:{job.file_path}"
    cached = cache.get(key)
    if isinstance(cached, FileInfo):
        return cached
    try:
        info = sniff(Path(job.file_path), job.file_name)
    except OSError as exc:
        raise FileProblem("The uploaded file is no longer on the server; upload it "
                          "again.") from exc
    cache.set(key, info, SNIFF_CACHE_SECONDS)
    return info


def _definitions(tenant: Tenant, campaign_id: Any) -> dict[str, CampaignField]:
    if not str(campaign_id or "").isdecimal():
        return {}
    return {d.key: d for d in CampaignField.objects.filter(tenant=tenant,
                                                           campaign_id=int(campaign_id))}


def _mapping_form(request: HttpRequest, job: ImportJob) -> MappingForm:
    data = posted(request)
    campaign_id = data.get("campaign") if data is not None else job.campaign_id
    return MappingForm(data, job=job, tenant=tenant_of(request),
                       definitions=_definitions(tenant_of(request), campaign_id))


def _preview(request: HttpRequest, job: ImportJob, form: MappingForm,
             info: FileInfo) -> Preview:
    columns, types, region, campaign_id, problems = form.preview_inputs()
    dnc_policy = str(form["dnc_policy"].value()) if "dnc_policy" in form.fields else "skip"
    return import_preview(tenant=tenant_of(request), job=job, sample_rows=info.sample_rows,
                          columns=columns, custom_types=types, default_region=region,
                          campaign_id=campaign_id or job.campaign_id, dnc_policy=dnc_policy,
                          mapping_problems=problems)


def _mapping_on_top(error: ValidationError | DomainError) -> ValidationError | DomainError:
    """The service's "mapping" errors are about the whole table: show them on top."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return ValidationError({"__all__" if name == "mapping" else name: errors
                                for name, errors in error.error_dict.items()})
    return error


@manager_required
@in_tenant_time  # a DNC file's expiry is typed in the tenant's time
def import_map(request: HttpRequest, job_id: int) -> HttpResponse:
    """Columns ↔ targets and options; on submit configure the job and start it."""
    tenant = tenant_of(request)
    job = _job_or_404(request, job_id)
    if job.state != ImportState.UPLOADED:
        return redirect("import_detail", job.id)
    try:
        info = _stored_file(job)
    except FileProblem as exc:
        return render(request, "leads/import_map.html", {"job": job, "file_error": str(exc)},
                      status=410)
    form = _mapping_form(request, job)
    if request.method == "POST" and form.is_valid():
        try:
            import_job_configure(tenant=tenant, job_id=job.id, columns=form.columns(),
                                 options=form.options(), campaign_id=form.campaign_id(),
                                 custom_types=form.custom_types())
            import_job_start(tenant=tenant, job_id=job.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, _mapping_on_top(exc), {"campaign_id": "campaign"})
        else:
            messages.success(request, f"Import #{job.id} started.")
            return redirect("import_detail", job.id)
    return render(request, "leads/import_map.html", {
        "job": job, "form": form, "info": info, "file_description": describe(info),
        "columns": form.column_rows(info.sample_rows),
        "preview": _preview(request, job, form, info), "is_dnc": job.kind == ImportKind.DNC,
    }, status=400 if form.errors else 200)


@require_POST
@manager_required
def import_preview_fragment(request: HttpRequest, job_id: int) -> HttpResponse:
    """htmx: the preview table for the mapping currently on screen."""
    job = _job_or_404(request, job_id)
    try:
        info = _stored_file(job)
    except FileProblem as exc:
        return HttpResponse(format_html('<p class="error">{}</p>', str(exc)), status=410)
    form = _mapping_form(request, job)
    return render(request, "leads/_import_preview.html", {
        "job": job, "preview": _preview(request, job, form, info),
        "is_dnc": job.kind == ImportKind.DNC})


# --- Steps 3 and 4: progress, then the result ------------------------------------------

def _duration(delta: timedelta | None) -> str:
    """A short human duration: "45 s", "3 min 05 s", "1 h 02 min"."""
    if delta is None:
        return ""
    seconds = max(round(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _status_context(job: ImportJob) -> dict[str, Any]:
    finished = job.state in (ImportState.DONE, ImportState.FAILED)
    progress = import_progress(job)
    context: dict[str, Any] = {
        "job": job, "progress": progress, "finished": finished,
        "is_dnc": job.kind == ImportKind.DNC, "eta": _duration(progress["eta"]),
        "percent": 100 if job.state == ImportState.DONE else progress["percent"],
        "took": _duration(job.finished_at - job.started_at
                          if job.finished_at and job.started_at else None),
    }
    if finished:
        context["errors"] = list(job.row_errors.all()[:ERRORS_SHOWN])
        context["error_count"] = job.row_errors.count()
        context["adds_up"] = job.outcome_total == job.total_rows
    return context


@manager_required
@in_tenant_time
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    if job.state == ImportState.UPLOADED:
        return redirect("import_map", job.id)
    return render(request, "leads/import_detail.html", _status_context(job))


@manager_required
@in_tenant_time
def import_status_fragment(request: HttpRequest, job_id: int) -> HttpResponse:
    """htmx, every second while the job runs: the bar, or the result once it is done."""
    return render(request, "leads/_import_status.html",
                  _status_context(_job_or_404(request, job_id)))


@manager_required
def import_errors_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    """The whole error report, streamed (a BOM first, so Excel reads it as UTF-8)."""
    job = _job_or_404(request, job_id)
    response = StreamingHttpResponse(chain(["\ufeff"], error_report_rows(job)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.id}-errors.csv"'
    # The role guard is typed for HttpResponse; a streaming response serves the same way.
    return cast(HttpResponse, response)


@manager_required
@in_tenant_time
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = import_jobs_for_tenant(tenant_of(request))
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "leads/import_list.html", {"page": page})
