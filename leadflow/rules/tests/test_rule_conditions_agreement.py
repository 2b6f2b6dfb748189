"""Property: a rule condition selects the same leads compiled to SQL (sweeps, dry runs)
and evaluated in Python (event rules), sliding-window counts over real calls included.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.conditions import compile_predicate, compile_q
from leadflow.core.tests.condition_strategies import (
    DATETIMES,
    NOW,
    ORDERED_OPS,
    SMALL_INTS,
    _leaf,
    lead_leaves,
    trees,
)
from leadflow.dialing.models import Call, DialResult
from leadflow.leads.models import Lead
from leadflow.leads.services import zone_set_id_for
from leadflow.leads.tests.factories import LeadFactory
from leadflow.rules.fields import RULE_FIELDS, recent_calls, rule_values
from leadflow.statuses.models import LeadStatus

COUNTS = st.integers(min_value=-1, max_value=4)
# Calls at the window edges too: exactly 12 h / 1 day before NOW, a microsecond inside.
CALL_TIMES = st.sampled_from([
    NOW, NOW - timedelta(hours=1), NOW - timedelta(hours=12),
    NOW - timedelta(hours=12) + timedelta(microseconds=1), NOW - timedelta(hours=13),
    NOW - timedelta(days=1), NOW - timedelta(days=2), NOW - timedelta(days=40)])


@pytest.fixture
def campaign(tenant: Any) -> Campaign:
    campaign = make_campaign(tenant)
    zone_set_id_for(("America/New_York",))  # outside the per-example savepoints
    return campaign


def rule_leaves(status_ids: list[int]) -> st.SearchStrategy[Any]:
    windows = [f"calls.{result}.12h" for result in ("no_answer", "busy")] + [
        f"status_count.{status_ids[0]}.1d", f"status_count.{status_ids[1]}.12h"]
    return st.one_of(
        lead_leaves(status_ids),
        *[_leaf(name, ORDERED_OPS, COUNTS) for name in windows],
        _leaf("hours_since_status_change", ORDERED_OPS,
              st.sampled_from([0, 1, 5, 12, 24, 100])),
        _leaf("campaign", ("eq", "ne", "in", "not_in"), st.integers(0, 3)),
    )


def call_records(status_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "dial_result": st.sampled_from([DialResult.NO_ANSWER, DialResult.BUSY,
                                        DialResult.ANSWERED]),
        "started_at": CALL_TIMES,
        "status": st.one_of(st.none(), st.sampled_from(status_ids[:2])),
    })


def lead_records(status_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "weight": SMALL_INTS,
        "last_status_change_at": st.one_of(st.none(), DATETIMES),
        "status": st.one_of(st.none(), st.sampled_from(status_ids)),
        "calls": st.lists(call_records(status_ids), max_size=5),
    })


def _save(campaign: Campaign, records: list[dict[str, Any]]) -> None:
    statuses = {s.pk: s for s in LeadStatus.objects.filter(campaign=campaign)}
    for record in records:
        lead = cast(Lead, LeadFactory(campaign=campaign, weight=record["weight"],
                                      last_status_change_at=record["last_status_change_at"],
                                      status=statuses.get(record["status"])))
        for call in record["calls"]:
            feedback_at = call["started_at"] + timedelta(seconds=30)
            Call.objects.create(tenant=campaign.tenant, lead=lead, campaign=campaign,
                                number_dialled=str(lead.phone), started_at=call["started_at"],
                                dial_result=call["dial_result"],
                                status=statuses.get(call["status"]) if call["status"] else None,
                                feedback_at=feedback_at if call["status"] else None,
                                lease_token="00000000-0000-0000-0000-000000000000")


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_rule_conditions_agree_in_sql_and_python_windows_included(
        campaign: Campaign, data: st.DataObject) -> None:
    status_ids = sorted(LeadStatus.objects.filter(campaign=campaign)
                        .values_list("pk", flat=True))
    tree = data.draw(trees(rule_leaves(status_ids), depth=2), label="tree")
    records = data.draw(st.lists(lead_records(status_ids), min_size=2, max_size=8),
                        label="leads")
    with transaction.atomic():
        _save(campaign, records)
        leads = list(Lead.objects.filter(campaign=campaign))
        predicate = compile_predicate(tree, RULE_FIELDS, NOW)
        expected = {lead.pk for lead in leads
                    if predicate(rule_values(lead, calls=recent_calls(lead.pk, NOW)))}
        actual = set(Lead.objects.filter(campaign=campaign)
                     .filter(compile_q(tree, RULE_FIELDS, NOW)).values_list("pk", flat=True))
        assert actual == expected, f"{tree!r}: SQL only {actual - expected}, " \
                                   f"Python only {expected - actual}"
        transaction.set_rollback(True)
