"""REST endpoints: statuses, CRM status mappings, the status-mapping read, the workflow grid."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Body, Router, Status

from leadflow.api.auth import request_tenant
from leadflow.campaigns.selectors import campaign_get
from leadflow.statuses import selectors, services
from leadflow.statuses.models import LeadStatus, StatusApiMapping, StatusTransition
from leadflow.statuses.schemas import (
    ApiMappingDeleted,
    ApiMappingIn,
    ApiMappingOut,
    ApiMappingPatch,
    CampaignStatusMappingOut,
    MappingRef,
    StatusDeleted,
    StatusIn,
    StatusMappingOut,
    StatusOut,
    StatusPatch,
    TransitionIn,
    TransitionOut,
    status_payload,
)
from leadflow.statuses.workflow import TransitionSpec, WorkflowError, workflow_save

router = Router(tags=["statuses"])
# The workflow grid travels as a bare JSON list (the same shape GET returns).
_GRID_BODY = Body(...)


def _status_out(status: LeadStatus) -> StatusOut:
    return StatusOut(
        id=status.id, campaign_id=status.campaign_id, name=status.name,
        description=status.description, position=status.position, color=status.color,
        max_call_after_days=status.max_call_after_days, api_mapping_id=status.api_mapping_id,
        required_fields=status.required_fields,
        affects_permanent_assignment=status.affects_permanent_assignment,
        allow_call_after=status.allow_call_after, is_dialable=status.is_dialable,
        is_do_not_call=status.is_do_not_call, is_final=status.is_final,
        is_default_for_new_leads=status.is_default_for_new_leads, is_system=status.is_system,
    )


def _transition_out(t: StatusTransition | TransitionSpec) -> TransitionOut:
    return TransitionOut(from_status_id=t.from_status_id, to_status_id=t.to_status_id,
                         exclude_from_day=t.exclude_from_day, exclude_to_day=t.exclude_to_day,
                         exclude_mode=t.exclude_mode)


# --- CRM status mappings ----------------------------------------------------------------

@router.get("/status-api-mappings", response=list[ApiMappingOut])
def list_api_mappings(request: HttpRequest) -> list[StatusApiMapping]:
    return list(selectors.api_mappings_for_tenant(request_tenant(request)))


@router.post("/status-api-mappings", response={201: ApiMappingOut})
def create_api_mapping(request: HttpRequest,
                       payload: ApiMappingIn) -> Status[StatusApiMapping]:
    return Status(201, services.api_mapping_create(tenant=request_tenant(request),
                                                  **payload.model_dump()))


@router.get("/status-api-mappings/{mapping_id}", response=ApiMappingOut)
def get_api_mapping(request: HttpRequest, mapping_id: int) -> StatusApiMapping:
    return selectors.api_mapping_get(tenant=request_tenant(request), mapping_id=mapping_id)


@router.patch("/status-api-mappings/{mapping_id}", response=ApiMappingOut)
def update_api_mapping(request: HttpRequest, mapping_id: int,
                       payload: ApiMappingPatch) -> StatusApiMapping:
    fields = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return services.api_mapping_update(tenant=request_tenant(request), mapping_id=mapping_id,
                                       **fields)


@router.delete("/status-api-mappings/{mapping_id}", response=ApiMappingDeleted)
def delete_api_mapping(request: HttpRequest, mapping_id: int) -> ApiMappingDeleted:
    unmapped = services.api_mapping_delete(tenant=request_tenant(request), mapping_id=mapping_id)
    return ApiMappingDeleted(statuses_unmapped=unmapped)


@router.get("/status-mapping", response=list[CampaignStatusMappingOut])
def get_status_mapping(request: HttpRequest,
                       campaign_id: int | None = None) -> list[CampaignStatusMappingOut]:
    """What a remote adapter reads: per campaign, each status with its CRM mapping (null:
    "[Without Mapping]"). ``campaign_id`` narrows it to one campaign."""
    table = selectors.status_mapping_table(tenant=request_tenant(request),
                                           campaign_id=campaign_id)
    return [
        CampaignStatusMappingOut(
            campaign_id=row.campaign.id, campaign_name=row.campaign.name,
            statuses=[StatusMappingOut(
                status_id=s.id, name=s.name, color=s.color,
                mapping=MappingRef(id=s.api_mapping.id, code=s.api_mapping.code,
                                   description=s.api_mapping.description)
                if s.api_mapping else None,
            ) for s in row.statuses],
        )
        for row in table
    ]


# --- statuses ---------------------------------------------------------------------------

@router.get("/campaigns/{campaign_id}/statuses", response=list[StatusOut])
def list_statuses(request: HttpRequest, campaign_id: int) -> list[StatusOut]:
    tenant = request_tenant(request)
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    return [_status_out(s) for s in selectors.statuses_for_campaign(tenant=tenant,
                                                                    campaign=campaign)]


@router.post("/campaigns/{campaign_id}/statuses", response={201: StatusOut})
def create_status(request: HttpRequest, campaign_id: int,
                  payload: StatusIn) -> Status[StatusOut]:
    status = services.status_create(tenant=request_tenant(request), campaign_id=campaign_id,
                                    **status_payload(payload))
    return Status(201, _status_out(status))


@router.get("/statuses/{status_id}", response=StatusOut)
def get_status(request: HttpRequest, status_id: int) -> StatusOut:
    return _status_out(selectors.status_get(tenant=request_tenant(request), status_id=status_id))


@router.patch("/statuses/{status_id}", response=StatusOut)
def update_status(request: HttpRequest, status_id: int, payload: StatusPatch) -> StatusOut:
    return _status_out(services.status_update(tenant=request_tenant(request),
                                              status_id=status_id, **status_payload(payload)))


@router.delete("/statuses/{status_id}", response=StatusDeleted)
def delete_status(request: HttpRequest, status_id: int, move_leads_to: int | None = None,
                  new_default_status_id: int | None = None) -> StatusDeleted:
    """Delete a status. Its leads move to ``move_leads_to`` (required when it has leads);
    deleting the default for new leads requires ``new_default_status_id``."""
    moved = services.status_delete(tenant=request_tenant(request), status_id=status_id,
                                   move_leads_to=move_leads_to,
                                   new_default_status_id=new_default_status_id)
    return StatusDeleted(moved_leads=moved)


# --- the workflow -----------------------------------------------------------------------

@router.get("/campaigns/{campaign_id}/workflow", response=list[TransitionOut])
def get_workflow(request: HttpRequest, campaign_id: int) -> list[TransitionOut]:
    """The grid: one entry per ticked cell (from → to), with its time exclusion."""
    tenant = request_tenant(request)
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    return [_transition_out(t) for t in selectors.workflow_transitions(tenant=tenant,
                                                                       campaign=campaign)]


@router.put("/campaigns/{campaign_id}/workflow", response={200: list[TransitionOut]})
def put_workflow(request: HttpRequest, campaign_id: int,
                 payload: list[TransitionIn] = _GRID_BODY) -> HttpResponse | list[TransitionOut]:
    """Replace the whole grid. Any bad entry refuses all of it (422, each problem with the
    entry's index in ``loc``); nothing is half-saved."""
    specs = [TransitionSpec(**entry.model_dump()) for entry in payload]
    try:
        saved = workflow_save(tenant=request_tenant(request), campaign_id=campaign_id,
                              transitions=specs)
    except WorkflowError as exc:
        detail = [{"loc": ["body", "payload", cell.index, cell.field], "msg": cell.message,
                   "type": "value_error",
                   "entry": {"from_status_id": cell.from_status_id,
                             "to_status_id": cell.to_status_id}}
                  for cell in exc.cells]
        return JsonResponse({"detail": detail}, status=422)
    return [_transition_out(t) for t in saved]
