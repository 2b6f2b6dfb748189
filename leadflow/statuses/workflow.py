"""Writes for the lead status workflow: the whole grid at once, and the default grid.

The grid is a list of ticked cells (``TransitionSpec``). Saving replaces the campaign's
cells in one transaction after checking every entry; a bad entry is reported with its
index and cell (``CellError``) so a page can mark it on the cell and the API can name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from leadflow.campaigns.selectors import campaign_get
from leadflow.statuses.defaults import DEFAULT_EXCLUSIONS, DEFAULT_WORKFLOW
from leadflow.statuses.exclusion import MAX_EXCLUDE_DAY, ExcludeMode
from leadflow.statuses.models import LeadStatus, StatusTransition
from leadflow.statuses.selectors import searchable_ids
from leadflow.tenants.models import Tenant

if TYPE_CHECKING:
    from leadflow.campaigns.models import Campaign


@dataclass(frozen=True)
class TransitionSpec:
    """One ticked cell: agents may go from ``from_status_id`` to ``to_status_id``."""

    from_status_id: int
    to_status_id: int
    exclude_from_day: int | None = None
    exclude_to_day: int | None = None
    exclude_mode: str = ExcludeMode.IGNORE


@dataclass(frozen=True)
class CellError:
    """What is wrong with entry ``index`` of the grid (the cell from → to), on ``field``."""

    index: int
    from_status_id: int
    to_status_id: int
    field: str
    message: str

    def describe(self) -> str:
        return (f"Entry {self.index} ({self.from_status_id} → {self.to_status_id}), "
                f"{self.field}: {self.message}")


class WorkflowError(ValidationError):
    """The grid was refused; ``cells`` holds one ``CellError`` per problem."""

    def __init__(self, cells: list[CellError]) -> None:
        self.cells = cells
        super().__init__({"transitions": [cell.describe() for cell in cells]})


def _range_errors(spec: TransitionSpec) -> list[tuple[str, str]]:
    """(field, message) for a bad exclusion range or mode."""
    problems: list[tuple[str, str]] = []
    days = {"exclude_from_day": spec.exclude_from_day, "exclude_to_day": spec.exclude_to_day}
    for field, value in days.items():
        if value is not None and value < 0:
            problems.append((field, f"A day cannot be negative ({value}); days start at 0."))
        elif value is not None and value > MAX_EXCLUDE_DAY:
            problems.append((field, f"A day can be at most {MAX_EXCLUDE_DAY}."))
    if problems:
        return problems
    low, high = spec.exclude_from_day, spec.exclude_to_day
    if (low is None) != (high is None):
        missing = "exclude_to_day" if high is None else "exclude_from_day"
        problems.append((missing, "Give both days of the range (from and to), or neither."))
    elif low is not None and high is not None and low > high:
        problems.append(("exclude_from_day",
                         f"The range starts after it ends: day {low} is after day {high}."))
    if spec.exclude_mode not in ExcludeMode.values:
        problems.append(("exclude_mode", f"Unknown mode “{spec.exclude_mode}”; use one of "
                                         f"{', '.join(ExcludeMode.values)}."))
    return problems


def workflow_check(*, tenant: Tenant, campaign: Campaign,
                   transitions: Sequence[TransitionSpec]) -> list[CellError]:
    """Every problem of the grid, each naming its entry. Cycles are fine (No Answer →
    No Answer is the usual case); statuses must be this campaign's, each cell listed once."""
    own = set(LeadStatus.objects.filter(tenant=tenant, campaign=campaign)
              .values_list("id", flat=True))
    foreign_ids = {i for t in transitions for i in (t.from_status_id, t.to_status_id)} - own
    # Within the tenant, "another campaign" helps; another tenant's id is just "not found".
    elsewhere = set(LeadStatus.objects.filter(tenant=tenant, id__in=searchable_ids(foreign_ids))
                    .values_list("id", flat=True))
    errors: list[CellError] = []
    seen: dict[tuple[int, int], int] = {}
    for index, spec in enumerate(transitions):
        def problem(field: str, message: str, index: int = index,
                    spec: TransitionSpec = spec) -> None:
            errors.append(CellError(index, spec.from_status_id, spec.to_status_id, field,
                                    message))

        for field, status_id in (("from_status_id", spec.from_status_id),
                                 ("to_status_id", spec.to_status_id)):
            if status_id not in own:
                problem(field, f"Status {status_id} belongs to another campaign."
                        if status_id in elsewhere else f"Status {status_id} not found.")
        key = (spec.from_status_id, spec.to_status_id)
        if key in seen:
            problem("to_status_id", f"The cell {key[0]} → {key[1]} is listed twice "
                                    f"(entries {seen[key]} and {index}).")
        seen.setdefault(key, index)
        for field, message in _range_errors(spec):
            problem(field, message)
    return errors


@transaction.atomic
def workflow_save(*, tenant: Tenant, campaign_id: int,
                  transitions: Sequence[TransitionSpec]) -> list[StatusTransition]:
    """Replace the campaign's whole grid with ``transitions``, or change nothing.

    One transaction: the old cells are deleted and the new ones inserted together, so an
    agent never sees a half-saved grid and a refused grid leaves the old one intact. The
    campaign row is locked first, so two saves of the same grid (or a save and a status
    deletion) run one after the other instead of interleaving.
    """
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id, for_update=True)
    errors = workflow_check(tenant=tenant, campaign=campaign, transitions=transitions)
    if errors:
        raise WorkflowError(errors)
    StatusTransition.objects.filter(tenant=tenant, campaign=campaign).delete()
    return StatusTransition.objects.bulk_create([
        StatusTransition(
            tenant=tenant, campaign=campaign, from_status_id=spec.from_status_id,
            to_status_id=spec.to_status_id, exclude_from_day=spec.exclude_from_day,
            exclude_to_day=spec.exclude_to_day, exclude_mode=spec.exclude_mode,
        )
        for spec in transitions
    ])


def workflow_create_defaults(*, campaign: Campaign,
                             statuses: Sequence[LeadStatus]) -> list[StatusTransition]:
    """The default grid (``defaults.DEFAULT_WORKFLOW``) among the given default statuses.
    Called by ``statuses_create_defaults`` inside the campaign's creation transaction."""
    by_name = {s.name: s for s in statuses}
    cells = []
    for from_name, to_names in DEFAULT_WORKFLOW.items():
        from_status = by_name.get(from_name)
        if from_status is None:
            continue
        for to_name in to_names:
            to_status = by_name.get(to_name)
            if to_status is None:
                continue
            cells.append(StatusTransition(
                tenant_id=campaign.tenant_id, campaign=campaign, from_status=from_status,
                to_status=to_status, **DEFAULT_EXCLUSIONS.get(to_name, {}),
            ))
    return StatusTransition.objects.bulk_create(cells)
