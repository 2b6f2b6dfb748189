"""The mapping page's preview: the file's first rows as the import would store them.

The rows go through the importer's own code (``shape_row``, ``normalise_row``) with the
mapping and options on screen, and are checked against the do-not-call list, so what the
preview shows is what the import does with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from leadflow.campaigns.models import Campaign
from leadflow.leads.dnc import dnc_blocked_phones
from leadflow.leads.intake.engine import shape_row
from leadflow.leads.intake.normalise import (
    NormaliseContext,
    NormalisedLead,
    RowProblem,
    normalise_row,
)
from leadflow.leads.models import ImportJob, ImportKind, TimeZoneSource
from leadflow.tenants.models import Tenant

_SOURCE_LABELS = dict(TimeZoneSource.choices)


@dataclass
class PreviewRow:
    number: int  # 1 = the first data row, as in the error report
    lead: NormalisedLead | None
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.lead.first_name} {self.lead.last_name}".strip() if self.lead else ""

    @property
    def tz_source_label(self) -> str:
        return _SOURCE_LABELS.get(self.lead.tz_source, "") if self.lead else ""


@dataclass
class Preview:
    rows: list[PreviewRow]
    mapping_problems: list[str]
    default_zone: str
    custom_keys: list[str]

    @property
    def accepted(self) -> int:
        return sum(1 for row in self.rows if row.lead is not None)


def import_preview(
    *, tenant: Tenant, job: ImportJob, sample_rows: list[list[str]], columns: list[str],
    custom_types: dict[str, str], default_region: str, campaign_id: int | None,
    dnc_policy: str = "skip", mapping_problems: list[str] | None = None,
) -> Preview:
    """1. Shape and normalise each sample row with the mapping on screen. 2. Mark rows
    repeating an earlier sample row's phone (or CRM id). 3. Mark numbers the do-not-call
    list blocks for the chosen campaign (leads only)."""
    campaign = (Campaign.objects.filter(tenant=tenant, id=campaign_id).first()
                if campaign_id is not None else None)
    default_zone = campaign.time_zone if campaign else tenant.time_zone
    context = NormaliseContext(default_region=default_region, campaign_zone=default_zone,
                               custom_types=custom_types)
    headers = list(job.headers)
    rows: list[PreviewRow] = []
    first_seen: dict[str, int] = {}
    for number, cells in enumerate(sample_rows, start=1):
        triples, shape_problem = shape_row(headers, columns, cells)
        outcome: NormalisedLead | list[RowProblem] = (
            [RowProblem("", "", shape_problem)] if shape_problem
            else normalise_row(triples, context))
        if isinstance(outcome, list):
            rows.append(PreviewRow(number, None, outcome))
            continue
        row = PreviewRow(number, outcome)
        key = outcome.phone if job.kind == ImportKind.DNC else outcome.dedupe_key
        if key in first_seen:
            row.notes.append(f"repeats row {first_seen[key]}: counted as a duplicate")
        else:
            first_seen[key] = number
        rows.append(row)
    if job.kind == ImportKind.LEADS and campaign is not None:
        blocked = dnc_blocked_phones(tenant=tenant, campaign_id=campaign.id,
                                     phones=[r.lead.phone for r in rows if r.lead])
        for row in rows:
            if row.lead and row.lead.phone in blocked:
                row.notes.append("on the do-not-call list: "
                                 + ("imported as blacklisted" if dnc_policy == "blacklist"
                                    else "skipped"))
    custom_keys = sorted({c.split(".", 1)[1] for c in columns if c.startswith("custom.")})
    return Preview(rows=rows, mapping_problems=list(mapping_problems or []),
                   default_zone=default_zone, custom_keys=custom_keys)
