"""Pages: the do-not-call list (search, add, remove) and DNC file uploads."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadflow.core import clock
from leadflow.core.errors import DomainError, NotFoundError
from leadflow.core.forms import add_service_errors
from leadflow.leads.dnc import dnc_entries_search, dnc_entry_add, dnc_entry_remove
from leadflow.leads.forms import DncEntryForm, DncSearchForm, UploadForm
from leadflow.leads.models import DncEntry, ImportKind
from leadflow.leads.views import in_tenant_time
from leadflow.leads.views_imports import upload_page
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import tenant_of


def _dnc_page(request: HttpRequest, add_form: DncEntryForm, status: int = 200) -> HttpResponse:
    tenant = tenant_of(request)
    search = DncSearchForm(request.GET, tenant=tenant)
    query, scope = "", ""
    if search.is_valid():
        query, scope = search.cleaned_data["q"], search.cleaned_data["scope"]
    entries = dnc_entries_search(tenant=tenant, query=query,
                                 campaign_id=int(scope) if scope.isdecimal() else None)
    if scope == "tenant":
        entries = entries.filter(campaign__isnull=True)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    now = clock.now()
    page.object_list = rows = list(page.object_list)
    for entry in rows:
        entry.is_expired = entry.expires_at is not None and entry.expires_at <= now  # type: ignore[attr-defined]
    upload_form = UploadForm(tenant=tenant, kind=ImportKind.DNC,
                             max_mb=settings.LEADFLOW_MAX_UPLOAD_MB)
    return render(request, "leads/dnc_list.html", {
        "search": search, "page": page, "add_form": add_form, "upload_form": upload_form,
        "filtered": bool(query or scope),
    }, status=status)


@manager_required
@in_tenant_time
def dnc_list(request: HttpRequest) -> HttpResponse:
    return _dnc_page(request, DncEntryForm(tenant=tenant_of(request)))


@require_POST
@manager_required
@in_tenant_time
def dnc_add(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    form = DncEntryForm(request.POST, tenant=tenant)
    if form.is_valid():
        try:
            entry = dnc_entry_add(tenant=tenant, added_by=cast(User, request.user),
                                  added_via="manual", **form.service_fields())
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, {"campaign_id": "campaign"})
        else:
            scope = entry.campaign.name if entry.campaign else "every campaign"
            messages.success(request, f"{entry.phone} is on the do-not-call list ({scope}).")
            return redirect("dnc_list")
    return _dnc_page(request, form, status=400)


def _entry_or_404(request: HttpRequest, entry_id: int) -> DncEntry:
    entry = (DncEntry.objects.filter(tenant=tenant_of(request), id=entry_id)
             .select_related("campaign").first())
    if entry is None:
        raise Http404(f"Do-not-call entry {entry_id} not found.")
    return entry


@manager_required
def dnc_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    """GET asks for confirmation (the list's button confirms in the browser); POST removes
    the entry and un-blacklists the leads no other entry covers."""
    entry = _entry_or_404(request, entry_id)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = ""
    if request.method == "POST":
        try:
            dnc_entry_remove(tenant=tenant_of(request), entry_id=entry.id)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
        messages.success(request, f"{entry.phone} removed from the do-not-call list.")
        return redirect(back or "dnc_list")
    return render(request, "leads/dnc_confirm_remove.html", {"entry": entry, "next": back})


@csrf_exempt
@manager_required
def dnc_upload(request: HttpRequest) -> HttpResponse:
    """A file of numbers: the lead importer's pages, restricted to phone / ignore."""
    return upload_page(request, ImportKind.DNC)
