"""Writes for lead statuses and the tenant's CRM status mappings.

Every write validates fully (``full_clean()``) before saving. The workflow's writes are
in ``statuses.workflow``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from leadflow.campaigns.selectors import campaign_get
from leadflow.core.errors import save_unique
from leadflow.leads.models import Lead
from leadflow.statuses.defaults import DEFAULT_STATUSES
from leadflow.statuses.models import LeadStatus, StatusApiMapping
from leadflow.statuses.selectors import api_mapping_get, searchable_ids, status_get
from leadflow.statuses.workflow import workflow_create_defaults
from leadflow.tenants.models import Tenant

if TYPE_CHECKING:
    from leadflow.campaigns.models import Campaign

STATUS_FIELDS: frozenset[str] = frozenset({
    "name", "description", "position", "color", "max_call_after_days", "api_mapping_id",
    "required_fields", "affects_permanent_assignment", "allow_call_after", "is_dialable",
    "is_do_not_call", "is_final", "is_default_for_new_leads",
})
MAPPING_FIELDS: frozenset[str] = frozenset({"code", "description"})


def _reject_unknown(fields: Iterable[str], known: frozenset[str], what: str) -> None:
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError({name: f"Unknown {what} field." for name in unknown})


def _save_unique(instance: LeadStatus | StatusApiMapping, label: str) -> None:
    save_unique(instance, message=f"“{label}” conflicts with a change made at the same time.",
                field="code" if isinstance(instance, StatusApiMapping) else "name")


# --- defaults --------------------------------------------------------------------------

def statuses_create_defaults(*, campaign: Campaign) -> list[LeadStatus]:
    """Give a new campaign the default status set, in order, and the default workflow.
    Runs inside ``campaign_create``'s transaction: a campaign never exists without them."""
    statuses = [
        LeadStatus(tenant_id=campaign.tenant_id, campaign=campaign, position=position, **spec)
        for position, spec in enumerate(DEFAULT_STATUSES)
    ]
    created = LeadStatus.objects.bulk_create(statuses)
    workflow_create_defaults(campaign=campaign, statuses=created)
    return created


# --- statuses --------------------------------------------------------------------------

def _apply_status_fields(tenant: Tenant, status: LeadStatus, fields: dict[str, Any]) -> None:
    if "api_mapping_id" in fields:
        mapping_id = fields.pop("api_mapping_id")
        if mapping_id is None:
            status.api_mapping = None
        else:
            mapping = StatusApiMapping.objects.filter(
                tenant=tenant, id__in=searchable_ids([mapping_id])).first()
            if mapping is None:
                raise ValidationError(
                    {"api_mapping_id": f"CRM status mapping {mapping_id} not found."})
            status.api_mapping = mapping
    for name, value in fields.items():
        setattr(status, name, value)


def _take_default_role(status: LeadStatus) -> None:
    """Make ``status`` the campaign's only default for new leads. The previous default
    loses the flag first, so the one-default-per-campaign index is never violated."""
    (LeadStatus.objects.filter(campaign_id=status.campaign_id, is_default_for_new_leads=True)
     .exclude(pk=status.pk).update(is_default_for_new_leads=False))


# One transaction: the previous default loses its flag only if the new status is saved.
@transaction.atomic
def status_create(*, tenant: Tenant, campaign_id: int, **fields: Any) -> LeadStatus:
    """Add a status at the end of the campaign's list. It is in no workflow cell yet:
    agents can choose it once the workflow allows it."""
    _reject_unknown(fields, STATUS_FIELDS, "status")
    # The campaign row lock orders this write after a concurrent delete or workflow save.
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id, for_update=True)
    last = LeadStatus.objects.filter(campaign=campaign).aggregate(m=Max("position"))["m"]
    status = LeadStatus(tenant=tenant, campaign=campaign,
                        position=0 if last is None else last + 1)
    _apply_status_fields(tenant, status, dict(fields))
    status.full_clean()
    if status.is_default_for_new_leads:
        _take_default_role(status)
    _save_unique(status, status.name)
    return status


# One transaction: handing over the default role (two rows) happens entirely or not at all,
# and the campaign lock taken inside holds until the change is committed.
@transaction.atomic
def status_update(*, tenant: Tenant, status_id: int, **fields: Any) -> LeadStatus:
    """Change a status. Making it the default takes the role from the previous default;
    a default cannot be switched off here (another status must become the default)."""
    _reject_unknown(fields, STATUS_FIELDS, "status")
    status = status_get(tenant=tenant, status_id=status_id)
    # Lock the campaign first, then the status: the order every status write uses.
    campaign_get(tenant=tenant, campaign_id=status.campaign_id, for_update=True)
    status = status_get(tenant=tenant, status_id=status_id, for_update=True)
    was_default = status.is_default_for_new_leads
    _apply_status_fields(tenant, status, dict(fields))
    if was_default and not status.is_default_for_new_leads:
        raise ValidationError({"is_default_for_new_leads": (
            "A campaign needs a default status for new leads: make another status the "
            "default instead.")})
    status.full_clean()
    if status.is_default_for_new_leads and not was_default:
        _take_default_role(status)
    _save_unique(status, status.name)
    return status


@transaction.atomic
def status_delete(*, tenant: Tenant, status_id: int, move_leads_to: int | None = None,
                  new_default_status_id: int | None = None) -> int:
    """Delete a status; return how many leads moved. One transaction, so the leads never
    point at a deleted status and the campaign never lacks its default:
    1. leads in the status move to ``move_leads_to`` (a status of the same campaign),
       required when there are any;
    2. deleting the default for new leads requires ``new_default_status_id`` (another
       status of the campaign; ignored when the deleted status is not the default);
    3. its workflow cells go with it (cascade)."""
    status = status_get(tenant=tenant, status_id=status_id)
    campaign = campaign_get(tenant=tenant, campaign_id=status.campaign_id, for_update=True)
    status = status_get(tenant=tenant, status_id=status_id, for_update=True)
    siblings = {s.id: s for s in LeadStatus.objects.filter(campaign=campaign).exclude(pk=status.pk)}
    errors: dict[str, str] = {}

    def sibling(value: int | None, field: str) -> LeadStatus | None:
        if value is None:
            return None
        found = siblings.get(value)
        if found is None:
            errors[field] = (f"Status {value} is not another status of “{campaign.name}”.")
        return found

    target = sibling(move_leads_to, "move_leads_to")
    new_default = sibling(new_default_status_id, "new_default_status_id")
    lead_count = Lead.objects.filter(tenant=tenant, status=status).count()
    if lead_count and move_leads_to is None:
        errors["move_leads_to"] = (
            f"{lead_count} lead{'s are' if lead_count != 1 else ' is'} in “{status.name}”: "
            "choose the status of this campaign they move to.")
    if status.is_default_for_new_leads and new_default_status_id is None:
        errors["new_default_status_id"] = (
            f"“{status.name}” is the default status for new leads: choose the status that "
            "becomes the default.")
    if errors:
        raise ValidationError(errors)
    moved = 0
    if target is not None:
        moved = Lead.objects.filter(tenant=tenant, status=status).update(status=target)
    if status.is_default_for_new_leads and new_default is not None:
        # Off first, then on: the one-default-per-campaign index holds at every statement.
        status.is_default_for_new_leads = False
        status.save(update_fields=["is_default_for_new_leads"])
        LeadStatus.objects.filter(pk=new_default.pk).update(is_default_for_new_leads=True)
    status.delete()
    return moved


# --- CRM status mappings ----------------------------------------------------------------

def api_mapping_create(*, tenant: Tenant, code: str, description: str = "") -> StatusApiMapping:
    # One INSERT: no transaction of its own beyond _save_unique's savepoint; the unique
    # index turns a race on the code into a 409.
    mapping = StatusApiMapping(tenant=tenant, code=code, description=description)
    mapping.full_clean()
    _save_unique(mapping, mapping.code)
    return mapping


def api_mapping_update(*, tenant: Tenant, mapping_id: int, **fields: Any) -> StatusApiMapping:
    _reject_unknown(fields, MAPPING_FIELDS, "mapping")
    mapping = api_mapping_get(tenant=tenant, mapping_id=mapping_id)
    for name, value in fields.items():
        setattr(mapping, name, value)
    mapping.full_clean()
    _save_unique(mapping, mapping.code)
    return mapping


@transaction.atomic
def api_mapping_delete(*, tenant: Tenant, mapping_id: int) -> int:
    """Delete a mapping; its statuses become "[Without Mapping]". Returns how many.
    One transaction: the count and the delete see the same statuses."""
    mapping = api_mapping_get(tenant=tenant, mapping_id=mapping_id)
    unmapped = LeadStatus.objects.filter(tenant=tenant, api_mapping=mapping).update(
        api_mapping=None)
    mapping.delete()
    return unmapped


def status_set_api_mapping(*, tenant: Tenant, status_id: int,
                           api_mapping_id: int | None) -> LeadStatus:
    """Connect a status to a CRM mapping (None: "[Without Mapping]")."""
    return status_update(tenant=tenant, status_id=status_id, api_mapping_id=api_mapping_id)
