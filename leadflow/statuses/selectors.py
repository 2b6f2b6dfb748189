"""Reads for statuses, CRM status mappings, the workflow, and what an agent may choose."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet

from leadflow.campaigns.models import Campaign
from leadflow.core.errors import NotFoundError
from leadflow.leads.models import Lead
from leadflow.statuses.exclusion import call_day, describe_exclusion, is_excluded
from leadflow.statuses.models import LeadStatus, StatusApiMapping, StatusTransition
from leadflow.tenants.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

MAX_ID = 2**63 - 1  # BigAutoField; a larger id cannot exist (and overflows SQLite)


def searchable_ids(ids: Iterable[int]) -> set[int]:
    """The ids that could exist at all; the others are simply not found."""
    return {i for i in ids if isinstance(i, int) and 0 < i <= MAX_ID}


# --- statuses --------------------------------------------------------------------------

def status_get(*, tenant: Tenant, status_id: int, for_update: bool = False) -> LeadStatus:
    queryset = LeadStatus.objects.filter(tenant=tenant, id__in=searchable_ids([status_id])
                                         ).select_related("campaign", "api_mapping")
    if for_update:
        # Lock the status row only: PostgreSQL cannot lock the nullable side of the outer
        # join to api_mapping, and the campaign is locked by the caller first.
        queryset = queryset.select_for_update(of=("self",))
    status = queryset.first()
    if status is None:
        raise NotFoundError(f"Status {status_id} not found.")
    return status


def status_get_in_campaign(*, tenant: Tenant, campaign: Campaign, status_id: int) -> LeadStatus:
    """A status of this campaign; another campaign's or tenant's answers "not found"."""
    status = status_get(tenant=tenant, status_id=status_id)
    if status.campaign_id != campaign.id:
        raise NotFoundError(f"Status {status_id} not found in campaign “{campaign.name}”.")
    return status


def statuses_for_campaign(*, tenant: Tenant, campaign: Campaign) -> QuerySet[LeadStatus]:
    return (LeadStatus.objects.filter(tenant=tenant, campaign=campaign)
            .select_related("api_mapping").order_by("position", "id"))


def status_lead_counts(*, tenant: Tenant, campaign: Campaign) -> dict[int, int]:
    """How many leads each status of the campaign holds (statuses without leads: absent)."""
    rows = (Lead.objects.filter(tenant=tenant, campaign=campaign, status__isnull=False)
            .values("status_id").annotate(n=Count("*")).order_by()
            .values_list("status_id", "n"))
    return dict(rows)


# --- CRM status mappings ----------------------------------------------------------------

def api_mapping_get(*, tenant: Tenant, mapping_id: int) -> StatusApiMapping:
    mapping = StatusApiMapping.objects.filter(
        tenant=tenant, id__in=searchable_ids([mapping_id])).first()
    if mapping is None:
        raise NotFoundError(f"CRM status mapping {mapping_id} not found.")
    return mapping


def api_mappings_for_tenant(tenant: Tenant) -> QuerySet[StatusApiMapping]:
    """The tenant's mappings, each annotated with ``status_count`` (statuses using it)."""
    return (StatusApiMapping.objects.filter(tenant=tenant)
            .annotate(status_count=Count("statuses")).order_by("code", "id"))


@dataclass
class CampaignStatusMappings:
    campaign: Campaign
    statuses: list[LeadStatus]


def status_mapping_table(*, tenant: Tenant,
                         campaign_id: int | None = None) -> list[CampaignStatusMappings]:
    """Every campaign status with its mapping: the *Lead Statuses API Mapping* page and
    what a remote adapter reads. Two queries whatever the number of campaigns."""
    campaigns = Campaign.objects.filter(tenant=tenant).order_by("id")
    if campaign_id is not None:
        campaigns = campaigns.filter(id__in=searchable_ids([campaign_id]))
    rows = {c.id: CampaignStatusMappings(campaign=c, statuses=[]) for c in campaigns}
    statuses = (LeadStatus.objects.filter(tenant=tenant, campaign_id__in=list(rows))
                .select_related("api_mapping").order_by("campaign_id", "position", "id"))
    for status in statuses:
        rows[status.campaign_id].statuses.append(status)
    return list(rows.values())


# --- the workflow -----------------------------------------------------------------------

def workflow_transitions(*, tenant: Tenant, campaign: Campaign) -> list[StatusTransition]:
    return list(StatusTransition.objects.filter(tenant=tenant, campaign=campaign)
                .select_related("from_status", "to_status"))


# --- what an agent may choose -----------------------------------------------------------

class Refusal(StrEnum):
    NOT_IN_WORKFLOW = "not_in_workflow"
    EXCLUDED_BY_TIME = "excluded_by_time"
    SYSTEM_STATUS = "system_status"
    ASSIGNED_LIMIT_REACHED = "assigned_limit_reached"


@dataclass(frozen=True)
class RefusalReason:
    code: Refusal
    message: str


@dataclass
class RefusedStatus:
    status: LeadStatus
    reasons: list[RefusalReason]


@dataclass
class StatusChoices:
    """The statuses an agent may choose now, and every other status with why not."""

    allowed: list[LeadStatus] = field(default_factory=list)
    refused: list[RefusedStatus] = field(default_factory=list)
    day: int = 0  # the call's day in the campaign (see statuses.exclusion)
    from_status: LeadStatus | None = None

    def is_allowed(self, status_id: int) -> bool:
        return any(s.id == status_id for s in self.allowed)

    def reasons_for(self, status_id: int) -> list[RefusalReason]:
        return next((r.reasons for r in self.refused if r.status.id == status_id), [])

    def status(self, status_id: int) -> LeadStatus | None:
        every = self.allowed + [r.status for r in self.refused]
        return next((s for s in every if s.id == status_id), None)


def _from_status(lead: Lead, statuses: list[LeadStatus]) -> LeadStatus | None:
    """The workflow row of the lead: its status, or the campaign's default status for a
    lead without one (that is the status it would have been given on entry)."""
    by_id = {s.id: s for s in statuses}
    if lead.status_id is not None:
        return by_id.get(lead.status_id)
    return next((s for s in statuses if s.is_default_for_new_leads), None)


@dataclass(frozen=True)
class CampaignWorkflow:
    """A campaign's statuses (in order), its transitions by from-status, and its
    Assigned Limit: everything ``statuses_allowed`` reads that is not per agent.
    Hot paths (next-lead) cache it briefly instead of loading it per request."""

    statuses: list[LeadStatus]
    cells: dict[int, dict[int, StatusTransition]]  # from status id → to status id → cell
    assigned_limit: int
    # The system statuses, found once per load: ``is_system`` runs a satisfiability
    # search over the required fields (~0.1 ms a status), too much to redo on every
    # next-lead. None: not computed, ask each status.
    system_ids: frozenset[int] | None = None


def campaign_workflow(*, tenant_id: int, campaign_id: int) -> CampaignWorkflow:
    """Three queries: statuses, every transition of the campaign, the campaign's limit."""
    statuses = list(LeadStatus.objects.filter(tenant_id=tenant_id, campaign_id=campaign_id)
                    .order_by("position", "id"))
    cells: dict[int, dict[int, StatusTransition]] = {}
    for cell in StatusTransition.objects.filter(tenant_id=tenant_id, campaign_id=campaign_id):
        cells.setdefault(cell.from_status_id, {})[cell.to_status_id] = cell
    limit = Campaign.objects.filter(id=campaign_id).values_list(
        "assigned_limit", flat=True).first() or 0
    return CampaignWorkflow(statuses, cells, limit,
                            frozenset(s.id for s in statuses if s.is_system))


def statuses_allowed(*, lead: Lead, agent: AbstractBaseUser | Any,
                     at: datetime, workflow: CampaignWorkflow | None = None) -> StatusChoices:
    """Which statuses ``agent`` may choose for ``lead`` after a call at ``at``.

    A status is left out, with one reason per problem, when
    1. the workflow has no cell from the lead's current status to it;
    2. that cell's time exclusion covers the call's day (and the mode applies);
    3. it is a system status (its required fields can never be met);
    4. it affects permanent assignment, the campaign has an Assigned Limit and the agent
       already holds that many *other* leads of the campaign permanently.
    Three queries: statuses, the row's transitions, and (only if needed) the agent's count;
    with a ``workflow`` already loaded (``campaign_workflow``), only the count if needed.
    """
    system_ids: frozenset[int] | None = None
    if workflow is not None:
        statuses = workflow.statuses
        system_ids = workflow.system_ids
        from_status = _from_status(lead, statuses)
        cells: dict[int, StatusTransition] = (
            workflow.cells.get(from_status.id, {}) if from_status is not None else {})
        limit = workflow.assigned_limit
    else:
        statuses = list(LeadStatus.objects.filter(tenant_id=lead.tenant_id,
                                                  campaign_id=lead.campaign_id)
                        .order_by("position", "id"))
        from_status = _from_status(lead, statuses)
        cells = {}
        if from_status is not None:
            cells = {t.to_status_id: t for t in StatusTransition.objects.filter(
                tenant_id=lead.tenant_id, campaign_id=lead.campaign_id,
                from_status=from_status)}
        limit = Campaign.objects.filter(id=lead.campaign_id).values_list(
            "assigned_limit", flat=True).first() or 0
    day = call_day(entered_at=lead.created_at, call_at=at)
    permanent = lead.assigned_agent_id is not None
    held: int | None = None

    choices = StatusChoices(day=day, from_status=from_status)
    for status in statuses:
        reasons: list[RefusalReason] = []
        cell = cells.get(status.id)
        if cell is None:
            after = f"“{from_status.name}”" if from_status else "a lead without a status"
            reasons.append(RefusalReason(
                Refusal.NOT_IN_WORKFLOW,
                f"“{status.name}” cannot follow {after} in the lead status workflow."))
        elif is_excluded(from_day=cell.exclude_from_day, to_day=cell.exclude_to_day,
                         mode=cell.exclude_mode, day=day, permanent=permanent):
            window = describe_exclusion(from_day=cell.exclude_from_day,
                                        to_day=cell.exclude_to_day, mode=cell.exclude_mode)
            reasons.append(RefusalReason(
                Refusal.EXCLUDED_BY_TIME,
                f"“{status.name}” is excluded on this call: the lead is on day {day} in the "
                f"campaign and the workflow excludes {window}."))
        if (status.id in system_ids) if system_ids is not None else status.is_system:
            reasons.append(RefusalReason(
                Refusal.SYSTEM_STATUS,
                f"“{status.name}” is a system status: its required fields can never be met, "
                "so agents can't choose it."))
        if status.affects_permanent_assignment and limit > 0:
            if held is None:
                held = (Lead.objects.filter(tenant_id=lead.tenant_id, campaign_id=lead.campaign_id,
                                            assigned_agent_id=agent.pk)
                        .exclude(pk=lead.pk).count())
            if held >= limit:
                reasons.append(RefusalReason(
                    Refusal.ASSIGNED_LIMIT_REACHED,
                    f"“{status.name}” assigns the lead to you, and you already hold {held} "
                    f"lead{'s' if held != 1 else ''} of this campaign (Assigned Limit {limit})."))
        if reasons:
            choices.refused.append(RefusedStatus(status=status, reasons=reasons))
        else:
            choices.allowed.append(status)
    return choices
