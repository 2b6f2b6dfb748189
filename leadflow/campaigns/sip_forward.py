"""SIP forward URIs of a campaign: services (writes) and selectors (reads).

A PBX integration reads them (``GET /api/campaigns/{id}/sip-forward-uris``) to forward or
conference a call, with the caller ID the third side should see.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from leadflow.campaigns.models import SipForwardUri
from leadflow.campaigns.selectors import campaign_get
from leadflow.core.errors import NotFoundError, save_unique
from leadflow.tenants.models import Tenant

SIP_FORWARD_FIELDS: frozenset[str] = frozenset({
    "name", "uri", "conference_caller_id_mode", "conference_caller_id", "is_active",
})


def sip_forward_uris_of(*, tenant: Tenant, campaign_id: int) -> QuerySet[SipForwardUri]:
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    return SipForwardUri.objects.filter(tenant=tenant, campaign=campaign)


def sip_forward_uri_get(*, tenant: Tenant, campaign_id: int, uri_id: int,
                        for_update: bool = False) -> SipForwardUri:
    forwards = SipForwardUri.objects.filter(tenant=tenant, campaign_id=campaign_id, id=uri_id)
    found = (forwards.select_for_update() if for_update else forwards).first()
    if found is None:
        raise NotFoundError(f"SIP forward URI {uri_id} not found.")
    return found


def _save(forward: SipForwardUri, fields: dict[str, Any]) -> SipForwardUri:
    """1. Refuse unknown fields. 2. Apply and validate everything. 3. Save; a lost race
    on the unique name reads like the validation message."""
    unknown = sorted(set(fields) - SIP_FORWARD_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown SIP forward URI field." for name in unknown})
    for name, value in fields.items():
        setattr(forward, name, value)
    forward.full_clean()
    save_unique(forward, message=f"“{forward.name}” already exists.", field="name")
    return forward


def sip_forward_uri_create(*, tenant: Tenant, campaign_id: int,
                           **fields: Any) -> SipForwardUri:
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    return _save(SipForwardUri(tenant=tenant, campaign=campaign), fields)


@transaction.atomic
def sip_forward_uri_update(*, tenant: Tenant, campaign_id: int, uri_id: int,
                           **fields: Any) -> SipForwardUri:
    # Locked: two concurrent edits apply one after the other, never half of each.
    forward = sip_forward_uri_get(tenant=tenant, campaign_id=campaign_id, uri_id=uri_id,
                                  for_update=True)
    return _save(forward, fields)


def sip_forward_uri_delete(*, tenant: Tenant, campaign_id: int, uri_id: int) -> None:
    sip_forward_uri_get(tenant=tenant, campaign_id=campaign_id, uri_id=uri_id).delete()
