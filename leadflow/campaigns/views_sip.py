"""Pages: a campaign's SIP Forward URIs (Rare > SIP Forward URIs), add, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leadflow.campaigns.forms import SipForwardUriForm
from leadflow.campaigns.models import SipForwardUri
from leadflow.campaigns.sip_forward import (
    sip_forward_uri_create,
    sip_forward_uri_delete,
    sip_forward_uri_get,
    sip_forward_uri_update,
    sip_forward_uris_of,
)
from leadflow.campaigns.views import campaign_or_404
from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, posted, tenant_of


@manager_required
def sip_forward_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    forwards = sip_forward_uris_of(tenant=tenant_of(request), campaign_id=campaign.id)
    return render(request, "campaigns/sip_forward_list.html",
                  {"campaign": campaign, "forwards": forwards})


def _form_page(request: HttpRequest, campaign_id: int,
               forward: SipForwardUri | None) -> HttpResponse:
    tenant = tenant_of(request)
    campaign = campaign_or_404(request, campaign_id)
    initial = ({name: getattr(forward, name) for name in SipForwardUriForm.base_fields}
               if forward else None)
    form = SipForwardUriForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if forward is None:
                saved = sip_forward_uri_create(tenant=tenant, campaign_id=campaign.id,
                                               **form.cleaned_data)
            else:
                saved = sip_forward_uri_update(tenant=tenant, campaign_id=campaign.id,
                                               uri_id=forward.id, **form.cleaned_data)
            messages.success(request, f"SIP forward URI “{saved.name}” saved.")
            return redirect("sip_forward_list", campaign.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "campaigns/sip_forward_form.html",
                  {"campaign": campaign, "forward": forward, "form": form},
                  status=400 if form.errors else 200)


@manager_required
def sip_forward_create(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _form_page(request, campaign_id, None)


@manager_required
def sip_forward_edit(request: HttpRequest, campaign_id: int, uri_id: int) -> HttpResponse:
    forward = or_404(sip_forward_uri_get, tenant=tenant_of(request), campaign_id=campaign_id,
                     uri_id=uri_id)
    return _form_page(request, campaign_id, forward)


@manager_required
def sip_forward_delete(request: HttpRequest, campaign_id: int, uri_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    forward = or_404(sip_forward_uri_get, tenant=tenant, campaign_id=campaign_id, uri_id=uri_id)
    if request.method == "POST":
        sip_forward_uri_delete(tenant=tenant, campaign_id=campaign_id, uri_id=uri_id)
        messages.success(request, f"SIP forward URI “{forward.name}” deleted.")
        return redirect("sip_forward_list", campaign_id)
    return render(request, "campaigns/sip_forward_confirm_delete.html",
                  {"campaign": forward.campaign, "forward": forward})
