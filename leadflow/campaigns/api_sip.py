"""REST endpoints for a campaign's SIP forward URIs (what a PBX integration reads)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from leadflow.api.auth import request_tenant
from leadflow.campaigns.models import SipForwardUri
from leadflow.campaigns.schemas import StrictSchema
from leadflow.campaigns.sip_forward import (
    sip_forward_uri_create,
    sip_forward_uri_delete,
    sip_forward_uri_get,
    sip_forward_uri_update,
    sip_forward_uris_of,
)

router = Router(tags=["SIP forward URIs"])
CallerIdMode = Literal["lead_phone", "fixed"]


class SipForwardUriIn(StrictSchema):
    name: str = Field(min_length=1, max_length=80)
    uri: str = Field(min_length=1, max_length=255, examples=["sip:closers@pbx.example.com"])
    conference_caller_id_mode: CallerIdMode = "lead_phone"
    conference_caller_id: str = Field(default="", max_length=21)
    is_active: bool = True


class SipForwardUriPatch(StrictSchema):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    uri: str | None = Field(default=None, min_length=1, max_length=255)
    conference_caller_id_mode: CallerIdMode | None = None
    conference_caller_id: str | None = Field(default=None, max_length=21)
    is_active: bool | None = None


class SipForwardUriOut(Schema):
    id: int
    campaign_id: int
    name: str
    uri: str
    conference_caller_id_mode: CallerIdMode
    conference_caller_id: str
    is_active: bool


class SipForwardUriDeleted(Schema):
    deleted: bool


@router.get("/campaigns/{campaign_id}/sip-forward-uris", response=list[SipForwardUriOut])
def list_sip_forward_uris(request: HttpRequest, campaign_id: int) -> list[SipForwardUri]:
    return list(sip_forward_uris_of(tenant=request_tenant(request), campaign_id=campaign_id))


@router.post("/campaigns/{campaign_id}/sip-forward-uris", response={201: SipForwardUriOut})
def create_sip_forward_uri(request: HttpRequest, campaign_id: int,
                           payload: SipForwardUriIn) -> Status[SipForwardUri]:
    forward = sip_forward_uri_create(tenant=request_tenant(request), campaign_id=campaign_id,
                                     **payload.model_dump())
    return Status(201, forward)


@router.get("/campaigns/{campaign_id}/sip-forward-uris/{uri_id}", response=SipForwardUriOut)
def get_sip_forward_uri(request: HttpRequest, campaign_id: int, uri_id: int) -> SipForwardUri:
    return sip_forward_uri_get(tenant=request_tenant(request), campaign_id=campaign_id,
                               uri_id=uri_id)


@router.patch("/campaigns/{campaign_id}/sip-forward-uris/{uri_id}", response=SipForwardUriOut)
def update_sip_forward_uri(request: HttpRequest, campaign_id: int, uri_id: int,
                           payload: SipForwardUriPatch) -> SipForwardUri:
    return sip_forward_uri_update(tenant=request_tenant(request), campaign_id=campaign_id,
                                  uri_id=uri_id, **payload.model_dump(exclude_unset=True))


@router.delete("/campaigns/{campaign_id}/sip-forward-uris/{uri_id}",
               response=SipForwardUriDeleted)
def delete_sip_forward_uri(request: HttpRequest, campaign_id: int,
                           uri_id: int) -> SipForwardUriDeleted:
    sip_forward_uri_delete(tenant=request_tenant(request), campaign_id=campaign_id,
                           uri_id=uri_id)
    return SipForwardUriDeleted(deleted=True)
