"""Property: the Django Q and the Python predicate select exactly the same leads.

Runs against the real database (SQLite by default, PostgreSQL with DATABASE_URL):
random trees over a few lead fields, random leads saved through the factory, and
``Lead.objects.filter(compile_q(...))`` compared with the leads whose
``lead_values`` pass ``compile_predicate(...)``. ``now`` is pinned in both.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.conditions import LEAD_FIELDS, compile_predicate, compile_q, lead_values
from leadflow.core.tests.condition_strategies import NOW, lead_leaves, lead_records, new_lead, trees
from leadflow.leads.models import Lead
from leadflow.leads.services import zone_set_id_for
from leadflow.statuses.models import LeadStatus


@pytest.fixture
def campaign(tenant: Any) -> Campaign:
    campaign = make_campaign(tenant)
    # The factory caches zone-set ids per process; create the row here, outside the
    # per-example savepoints, so a rolled-back example cannot leave a stale id behind.
    zone_set_id_for(("America/New_York",))
    return campaign


def _save_leads(campaign: Campaign, records: list[dict[str, Any]]) -> None:
    statuses = {s.pk: s for s in LeadStatus.objects.filter(campaign=campaign)}
    for record in records:
        status_id = record["status"]
        new_lead(campaign=campaign, **{k: v for k, v in record.items() if k != "status"},
                    status=statuses[status_id] if status_id is not None else None)


def assert_agree(campaign: Campaign, tree: Any) -> None:
    leads = Lead.objects.filter(campaign=campaign)
    predicate = compile_predicate(tree, LEAD_FIELDS, NOW)
    expected = {lead.pk for lead in leads if predicate(lead_values(lead))}
    actual = set(leads.filter(compile_q(tree, LEAD_FIELDS, NOW)).values_list("pk", flat=True))
    # Shown by --hypothesis-show-statistics: most examples should split the leads.
    event("matched none" if not expected else
          "matched all" if len(expected) == len(leads) else "matched some")
    assert actual == expected, (
        f"tree {tree!r}: only in SQL {sorted(actual - expected)}, "
        f"only in Python {sorted(expected - actual)}; leads "
        f"{[lead_values(lead) for lead in leads if lead.pk in actual ^ expected]}"
    )


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_q_and_predicate_select_the_same_leads(campaign: Campaign, data: st.DataObject) -> None:
    status_ids = sorted(LeadStatus.objects.filter(campaign=campaign)
                        .values_list("pk", flat=True))
    tree = data.draw(trees(lead_leaves(status_ids)), label="tree")
    records = data.draw(st.lists(lead_records(status_ids), min_size=2, max_size=15), label="leads")
    # Each example's leads live in a savepoint rolled back at the end, so examples
    # never see each other's rows.
    with transaction.atomic():
        _save_leads(campaign, records)
        assert_agree(campaign, tree)
        transaction.set_rollback(True)
