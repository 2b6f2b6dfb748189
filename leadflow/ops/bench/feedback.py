"""Benchmark: one feedback submission firing many event rules (in-process).

1. Find or make a bench tenant: one campaign, an agent, a few thousand leads (COPY),
   and ``rules`` event rules triggered by ``feedback_submitted`` whose conditions all
   hold: weight, status, custom-field and text conditions in turn, and one
   sliding-window count (answered calls in the last 24 h, which the call itself makes
   at least 1). Each applies one cheap action: weight + 1.
2. Each run: lease a lead to the agent (written directly: the claim is not measured),
   start a call, report "answered", then time ``feedback_submit`` alone — the status,
   the attempt, the release and the ``rules`` applications in one transaction.
3. Report p50/p99 over ``runs`` after ``warmup`` unmeasured submissions, and check each
   measured submission wrote exactly ``rules`` rule_applied events.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.dialing.services import call_report_result, call_start, feedback_submit
from leadflow.leads.models import Lead, LeadEvent
from leadflow.ops.bench.sweep import bench_campaign
from leadflow.rules.engine import RULE_EVENT_KIND
from leadflow.rules.models import Rule, RuleGroup
from leadflow.rules.services import rule_create, rule_group_create
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Role
from leadflow.tenants.services import user_create

LEADS = 5_000
WINDOW_FIELD = "calls.answered.24h"


def _conditions(index: int, statuses: list[int]) -> dict[str, Any]:
    """A condition that holds on every bench lead after its feedback, of kind ``index``."""
    if index == 0:
        return {"all": [{"field": WINDOW_FIELD, "op": "gte", "value": 1}]}
    kind = index % 4
    if kind == 0:
        return {"all": [{"field": "weight", "op": "gte", "value": -1_000_000 + index}]}
    if kind == 1:
        return {"all": [{"field": "status", "op": "in", "value": statuses}]}
    if kind == 2:
        return {"all": [{"field": "custom.bench_tier", "op": "ne", "value": f"x{index}"}]}
    return {"any": [{"field": "country", "op": "not_empty"},
                    {"field": "weight", "op": "lt", "value": index}]}


def _rules(campaign: Campaign, count: int) -> None:
    have = Rule.objects.filter(campaign=campaign, kind="event")
    if have.count() == count and all("bench" in r.name for r in have):
        return
    RuleGroup.objects.filter(campaign=campaign).delete()
    statuses = list(LeadStatus.objects.filter(campaign=campaign).values_list("id", flat=True))
    group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id,
                              title="Feedback bench")
    for index in range(count):
        rule_create(tenant=campaign.tenant, group_id=group.id, name=f"bench rule {index + 1}",
                    kind="event", triggers=[{"event": "feedback_submitted"}],
                    conditions=_conditions(index, statuses),
                    actions=[{"type": "change_weight", "mode": "add", "value": 1}])


def _agent(campaign: Campaign) -> User:
    username = f"fb{campaign.tenant_id}_agent"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(tenant=campaign.tenant, username=username, password="bench",
                           role=Role.AGENT).user
    return user


def _one(campaign: Campaign, agent: User, lead_id: int, status_id: int, start_status: int,
         ) -> tuple[float, int]:
    """Lease, call, report; then time the feedback. Returns (ms, rule events)."""
    now = clock.now()
    token = uuid.uuid4()
    # From the campaign's default status, so the workflow allows the outcome.
    Lead.objects.filter(id=lead_id).update(leased_by=agent, lease_token=token,
                                           lease_expires_at=now + timedelta(hours=1),
                                           status_id=start_status)
    tenant = campaign.tenant
    call = call_start(tenant=tenant, agent=agent, lead_id=lead_id, lease_token=token, at=now)
    call_report_result(tenant=tenant, agent=agent, call_id=call.id, dial_result="answered",
                       at=now + timedelta(milliseconds=1))
    before = LeadEvent.objects.filter(lead_id=lead_id, kind=RULE_EVENT_KIND).count()
    started = time.perf_counter()
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=token,
                    status_id=status_id, at=now + timedelta(milliseconds=2))
    elapsed = (time.perf_counter() - started) * 1000
    fired = LeadEvent.objects.filter(lead_id=lead_id, kind=RULE_EVENT_KIND).count() - before
    return elapsed, fired


def run(*, rules: int, runs: int, warmup: int, log: Callable[[str], None]) -> dict[str, Any]:
    campaign = bench_campaign(LEADS, log, name="bench-feedback")
    _rules(campaign, rules)
    agent = _agent(campaign)
    # An ordinary outcome: no callback, no permanent assignment, no do-not-call.
    status = (LeadStatus.objects.filter(campaign=campaign, name="Busy").first()
              or LeadStatus.objects.filter(campaign=campaign, is_do_not_call=False,
                                           affects_permanent_assignment=False).first())
    assert status is not None
    start = LeadStatus.objects.get(campaign=campaign, is_default_for_new_leads=True).id
    lead_ids = list(Lead.objects.filter(campaign=campaign, is_blacklisted=False)
                    .order_by("?")
                    .values_list("id", flat=True)[:runs + warmup])
    log(f"feedback with {rules} rules: {warmup} warm-up + {runs} measured submissions…")
    latencies: list[float] = []
    wrong = 0
    for number, lead_id in enumerate(lead_ids):
        elapsed, fired = _one(campaign, agent, lead_id, status.id, start)
        if number >= warmup:
            latencies.append(elapsed)
            wrong += fired != rules
    latencies.sort()
    return {"scenario": "feedback", "rules": rules, "runs": len(latencies),
            "database": connection.vendor,
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
            "runs_with_other_than_all_rules_applied": wrong}
