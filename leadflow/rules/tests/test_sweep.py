"""Time-based rules: each (rule, hour slot) changes each matching lead exactly once —
in chunks, with two workers, across ``kill -9``, across DST, around agents' leases."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.core.tests.subprocess_db import (
    committed_row,
    shared_database_file,
    shared_database_restore,
    subprocess_env,
)
from leadflow.core.tests.threads import run_threads
from leadflow.crm.models import OutboxMessage
from leadflow.dialing.claim import Claim, LeadSource, claim_cache_clear, lead_claim
from leadflow.dialing.services import call_report_result, call_start, feedback_submit
from leadflow.dialing.tests.conftest import ALL_DAY, AT
from leadflow.leads.models import Lead, LeadEvent
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.ops.bulk import insert_leads
from leadflow.ops.leadgen import generate_leads
from leadflow.rules.engine import RULE_EVENT_KIND
from leadflow.rules.models import Rule, RuleDeferral, RuleRun, RunState
from leadflow.rules.services import (
    rule_create,
    rule_group_create,
    rule_group_update,
    rule_update,
)
from leadflow.rules.sweep import due_slots, rule_run_start, rules_tick, slot_of
from leadflow.rules.tests.support import clear_template_rules
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

WEIGHT_AT_LEAST_5 = {"all": [{"field": "weight", "op": "gte", "value": 5}]}
ADD_7_AND_MARK = [{"type": "change_weight", "mode": "add", "value": 7},
                  {"type": "set_field", "field": "custom.swept", "value": "yes"}]
# Wednesday 4 March 2026 15:20 UTC: 15:20 in London (the tenant's zone), hour 15.
NOW = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def time_rule(campaign: Campaign, *, hours: list[int], weekdays: list[int] | None = None,
              conditions: dict[str, Any] | None = None,
              actions: list[dict[str, Any]] | None = None, group_id: int | None = None,
              ) -> Rule:
    if group_id is None:
        group_id = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id,
                                     title="Hourly").id
    return rule_create(tenant=campaign.tenant, group_id=group_id, name="Sweep: weight +7",
                       kind="time", hours=hours, weekdays=weekdays or [],
                       conditions=WEIGHT_AT_LEAST_5 if conditions is None else conditions,
                       actions=ADD_7_AND_MARK if actions is None else actions)


def fresh_campaign(tenant: Tenant) -> Campaign:
    campaign = make_campaign(tenant, calling_hours=ALL_DAY, time_zone="America/New_York")
    clear_template_rules(campaign)
    return campaign


def leads_with_weights(campaign: Campaign, weights: list[int]) -> list[Lead]:
    return [make_lead(campaign, weight=weight) for weight in weights]


def run_events(run: RuleRun) -> list[LeadEvent]:
    return list(LeadEvent.objects.filter(kind=RULE_EVENT_KIND, new__rule_run=run.id)
                .order_by("lead_id", "id"))


def state(campaign: Campaign) -> dict[int, tuple[int, dict[str, Any]]]:
    return {lead_id: (weight, custom) for lead_id, weight, custom in
            Lead.objects.filter(campaign=campaign).values_list("id", "weight", "custom_fields")}


def outcome(campaign: Campaign, rule: Rule) -> dict[str, Any]:
    """What a sweep left, with lead ids replaced by their position in the campaign."""
    position = {lead_id: n for n, lead_id in enumerate(
        Lead.objects.filter(campaign=campaign).order_by("id").values_list("id", flat=True))}
    run = RuleRun.objects.get(rule=rule)
    return {
        "leads": [(w, c) for _, (w, c) in sorted(state(campaign).items())],
        "events": [(position[e.lead_id], e.old, {k: v for k, v in e.new.items()
                                                 if k != "rule_run"})
                   for e in run_events(run)],
        "run": (run.state, position[run.cursor], run.matched),
    }


# --- one slot, set-based ------------------------------------------------------------------

def test_a_time_rule_changes_every_matching_lead_once_and_leaves_the_others_alone(
        tenant: Tenant, campaign: Campaign) -> None:
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[15])
    leads = leads_with_weights(campaign, [0, 5, 4, 9, 12, 1, 5, 100, 3])
    matching = [lead for lead in leads if lead.weight >= 5]
    before = state(campaign)

    assert rules_tick(now=NOW) == 1

    run = RuleRun.objects.get(rule=rule)
    assert run.slot == datetime(2026, 3, 4, 15, tzinfo=UTC)
    assert (run.state, run.cursor, run.matched) == (RunState.DONE, matching[-1].id,
                                                     len(matching))
    after = state(campaign)
    for lead in leads:
        weight, custom = before[lead.id]
        expected = (weight + 7, {**custom, "swept": "yes"}) if lead in matching else (
            weight, custom)
        assert after[lead.id] == expected
    events = run_events(run)
    assert [e.lead_id for e in events] == [lead.id for lead in matching]
    for event in events:
        assert event.old["weight"] + 7 == event.new["weight"]
        assert event.new["custom_fields"] == {"swept": "yes"}
        assert event.new["actions"] == ["change_weight", "set_field"]
        assert event.rule_name == rule.name

    # The same hour again (the next minute's tick, a restarted worker): nothing more.
    assert rules_tick(now=NOW + timedelta(minutes=1)) == 0
    assert rules_tick(now=NOW.replace(minute=59)) == 0
    assert state(campaign) == after
    assert RuleRun.objects.filter(rule=rule).count() == 1
    assert LeadEvent.objects.filter(kind=RULE_EVENT_KIND).count() == len(matching)


def test_a_time_rule_updating_the_crm_queues_one_message_per_lead_with_its_final_status(
        tenant: Tenant, campaign: Campaign) -> None:
    clear_template_rules(campaign)
    busy = status_named(campaign, "Busy")
    rule = time_rule(campaign, hours=[15], actions=[
        {"type": "update_crm"}, {"type": "set_status", "status": busy.id}])
    leads = leads_with_weights(campaign, [5, 6, 7])
    rules_tick(now=NOW)
    rules_tick(now=NOW + timedelta(minutes=1))
    run = RuleRun.objects.get(rule=rule)
    messages = list(OutboxMessage.objects.order_by("lead_id"))
    assert [m.lead_id for m in messages] == [lead.id for lead in leads]
    assert {m.payload["status_name"] for m in messages} == {"Busy"}
    assert all(m.idempotency_key.split(":")[1] == f"run{run.id}" for m in messages)


def test_a_sweep_in_chunks_of_three_leaves_exactly_what_one_chunk_leaves(
        tenant: Tenant) -> None:
    weights = [5, 0, 6, 7, 1, 8, 9, 2, 10, 11, 3, 12, 13, 4, 14]  # 10 match, 5 do not
    in_one, in_chunks = fresh_campaign(tenant), fresh_campaign(tenant)
    one_rule, chunked_rule = time_rule(in_one, hours=[15]), time_rule(in_chunks, hours=[16])
    leads_with_weights(in_one, weights)
    leads_with_weights(in_chunks, weights)

    rules_tick(now=NOW)  # only in_one's rule is due at 15:xx
    rules_tick(now=NOW + timedelta(hours=1), chunk=3)

    assert outcome(in_chunks, chunked_rule) == outcome(in_one, one_rule)
    assert RuleRun.objects.get(rule=chunked_rule).matched == 10


# --- two workers ----------------------------------------------------------------------------

WORKER = """
import os, sys, time
from datetime import datetime
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.db import connection
from leadflow.rules.sweep import rules_tick
connection.ensure_connection()
ready, go = sys.argv[1] + ".ready", sys.argv[1] + ".go"
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.0005)
print(rules_tick(now=datetime.fromisoformat(sys.argv[2]), chunk=int(sys.argv[3])))
"""


def _two_workers_ran_once(rule: Rule, leads: list[Lead],
                          before: dict[int, tuple[int, dict[str, Any]]]) -> None:
    run = RuleRun.objects.get(rule=rule)
    assert run.state == RunState.DONE and run.matched == len(leads)
    after = state(rule.campaign)
    assert all(after[lead.id][0] == before[lead.id][0] + 7 for lead in leads)
    assert sorted(e.lead_id for e in run_events(run)) == sorted(lead.id for lead in leads)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_ticking_at_the_same_moment_run_a_slot_once(
        tenant: Tenant, campaign: Campaign, tmp_path: Path) -> None:
    """Two real processes, released together once both are connected: on PostgreSQL
    they race on the unique ledger row and the run-row lock; on SQLite (a file in WAL
    mode) IMMEDIATE transactions make them take turns. The outcome must not differ."""
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[15])
    leads = leads_with_weights(campaign, [5 + n % 20 for n in range(120)])
    before = state(campaign)
    sqlite_file = shared_database_file(tmp_path)
    env = subprocess_env(tmp_path, sqlite_file)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / f"w{n}"),
                                 NOW.isoformat(), "7"], cwd=django_settings.BASE_DIR,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for n in range(2)]
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"w{n}.ready").exists() for n in range(2)):
            assert all(w.poll() is None for w in workers), workers[0].communicate()
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.01)
        for n in range(2):
            (tmp_path / f"w{n}.go").touch()
        outputs = [w.communicate(timeout=120) for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert [w.returncode for w in workers] == [0, 0], [err.decode()[-2000:]
                                                       for _, err in outputs]
    shared_database_restore(sqlite_file)
    _two_workers_ran_once(rule, leads, before)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite's shared in-memory test database refuses a second "
                           "writer thread outright ('table is locked'): the two-process "
                           "test above covers SQLite.")
def test_two_worker_threads_ticking_at_the_same_moment_run_a_slot_once(
        tenant: Tenant, campaign: Campaign) -> None:
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[15])
    leads = leads_with_weights(campaign, [5 + n % 20 for n in range(60)])
    before = state(campaign)

    assert run_threads(2, lambda index: rules_tick(now=NOW, chunk=7)) == []

    _two_workers_ran_once(rule, leads, before)


# --- kill -9 ----------------------------------------------------------------------------------

SWEEP = [sys.executable, "-m", "leadflow.cli", "rules-sweep", "--once", "--chunk", "50"]
KILLS = 6


def _run_progress(run_id: int, sqlite_file: Path | None) -> tuple[str, int]:
    found = committed_row(f"SELECT state, cursor FROM {RuleRun._meta.db_table} WHERE id = %s",
                          (run_id,), sqlite_file)
    assert found is not None
    return str(found[0]), int(found[1])


def _sweep_until_killed(run_id: int, env: dict[str, str], sqlite_file: Path | None,
                        delay: float | None) -> tuple[str, int]:
    """Start ``rules-sweep --once``; once it has committed a chunk past where the run
    stood, wait ``delay`` more seconds and SIGKILL it (unless it finished first).
    ``delay`` None: let it run to its end."""
    _, start_cursor = _run_progress(run_id, sqlite_file)
    process = subprocess.Popen(SWEEP, cwd=django_settings.BASE_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        if delay is None:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err.decode()[-2000:]
            return _run_progress(run_id, sqlite_file)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                _, err = process.communicate()
                assert process.returncode == 0, err.decode()[-2000:]
                return _run_progress(run_id, sqlite_file)
            run_state, cursor = _run_progress(run_id, sqlite_file)
            if cursor > start_cursor or run_state == RunState.DONE:
                time.sleep(delay)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return _run_progress(run_id, sqlite_file)
            time.sleep(0.002)
        pytest.fail("the sweep made no progress in 120 s")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_again_and_again_changes_every_lead_exactly_once(
        tenant: Tenant, campaign: Campaign, tmp_path: Path) -> None:
    clear_template_rules(campaign)
    # An hour far from now: the subprocess must only finish the run started below.
    local_hour = clock.now().astimezone(ZoneInfo(tenant.time_zone)).hour
    rule = time_rule(campaign, hours=[(local_hour + 12) % 24])
    status_ids = list(LeadStatus.objects.filter(campaign=campaign)
                      .values_list("id", flat=True))
    insert_leads(tenant_id=tenant.id, campaign_id=campaign.id,
                 rows=generate_leads(count=3_200, status_ids=status_ids, now=clock.now(),
                                     seed=11))
    before = state(campaign)
    matching = {lead_id for lead_id, (weight, _) in before.items() if weight >= 5}
    assert len(matching) > 2_800
    run = rule_run_start(rule=rule, slot=datetime(2026, 1, 5, 3, tzinfo=UTC))

    sqlite_file = shared_database_file(tmp_path)
    env = subprocess_env(tmp_path, sqlite_file)
    rng = random.Random(20261203)
    killed_mid_run: list[int] = []
    for _ in range(KILLS):
        run_state, cursor = _sweep_until_killed(run.id, env, sqlite_file,
                                                delay=rng.uniform(0, 0.05))
        if run_state == RunState.DONE:
            break
        killed_mid_run.append(cursor)
    while _run_progress(run.id, sqlite_file)[0] != RunState.DONE:
        _sweep_until_killed(run.id, env, sqlite_file, delay=None)
    shared_database_restore(sqlite_file)

    assert len(killed_mid_run) >= 2, "the kills must land while the run is under way"
    assert killed_mid_run == sorted(killed_mid_run)
    run.refresh_from_db()
    assert (run.state, run.matched, run.cursor) == (RunState.DONE, len(matching),
                                                     max(matching))
    after = state(campaign)
    for lead_id, (weight, custom) in before.items():
        if lead_id in matching:
            assert after[lead_id] == (weight + 7, {**custom, "swept": "yes"}), lead_id
        else:
            assert after[lead_id] == (weight, custom), lead_id
    events = run_events(run)
    assert len(events) == len(matching)
    assert {e.lead_id for e in events} == matching


# --- daylight saving time -------------------------------------------------------------------

def _new_york(tenant: Tenant) -> None:
    Tenant.objects.filter(id=tenant.id).update(time_zone="America/New_York")


def _ticks(start: datetime, end: datetime, every: timedelta) -> list[datetime]:
    moments, at = [], start
    while at < end:
        moments.append(at)
        at += every
    return moments


def test_an_hour_the_clock_repeats_in_autumn_runs_once_at_its_first_occurrence(
        tenant: Tenant, campaign: Campaign) -> None:
    _new_york(tenant)
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[1])
    lead = make_lead(campaign, weight=10)
    # Sunday 1 November 2026: 01:00–01:59 EDT (05:00 UTC), then 01:00–01:59 EST again.
    first, second = datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert first.astimezone(NEW_YORK).hour == second.astimezone(NEW_YORK).hour == 1
    assert slot_of(1, second.astimezone(NEW_YORK), NEW_YORK) == first

    for moment in _ticks(first - timedelta(hours=1), second + timedelta(hours=2),
                         timedelta(minutes=10)):
        due = [slot for due_rule, slot in due_slots(now=moment) if due_rule.id == rule.id]
        assert due == ([first] if first <= moment < second else []), moment
        rules_tick(now=moment)

    assert list(RuleRun.objects.filter(rule=rule).values_list("slot", flat=True)) == [first]
    assert Lead.objects.get(id=lead.id).weight == 17


def test_an_hour_the_clock_skips_in_spring_still_runs_when_the_clock_jumps(
        tenant: Tenant, campaign: Campaign) -> None:
    _new_york(tenant)
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[2])
    lead = make_lead(campaign, weight=10)
    # Sunday 8 March 2026: 01:59:59 EST is followed by 03:00 EDT (07:00 UTC).
    jump = datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert (jump - timedelta(seconds=1)).astimezone(NEW_YORK).hour == 1
    assert jump.astimezone(NEW_YORK).hour == 3
    assert slot_of(2, jump.astimezone(NEW_YORK), NEW_YORK) == jump

    for moment in _ticks(jump - timedelta(hours=2), jump + timedelta(hours=3),
                         timedelta(minutes=10)):
        due = [slot for due_rule, slot in due_slots(now=moment) if due_rule.id == rule.id]
        assert due == ([jump] if jump <= moment < jump + timedelta(hours=1) else []), moment
        rules_tick(now=moment)

    assert list(RuleRun.objects.filter(rule=rule).values_list("slot", flat=True)) == [jump]
    assert Lead.objects.get(id=lead.id).weight == 17


def test_a_rule_runs_only_on_its_weekdays_in_the_tenants_zone(
        tenant: Tenant, campaign: Campaign) -> None:
    _new_york(tenant)
    clear_template_rules(campaign)
    mondays = time_rule(campaign, hours=[22], weekdays=[0])
    lead = make_lead(campaign, weight=10)
    # Monday 2 March 2026 22:30 in New York is already Tuesday 03:30 in UTC.
    monday_night = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
    assert [r.id for r, _ in due_slots(now=monday_night)] == [mondays.id]
    assert due_slots(now=monday_night + timedelta(days=1)) == []
    assert due_slots(now=monday_night - timedelta(days=1)) == []
    for day in range(7):
        rules_tick(now=monday_night + timedelta(days=day))
    assert RuleRun.objects.filter(rule=mondays).count() == 1
    assert Lead.objects.get(id=lead.id).weight == 17


# --- leads an agent holds ---------------------------------------------------------------

def _claim_lead(tenant: Tenant, campaign: Campaign, agent: Any, lead: Lead) -> Claim:
    claim = lead_claim(tenant=tenant, agent=agent, at=AT,
                       sources=[LeadSource(q=Q(campaign_id=campaign.id, id=lead.id))])
    assert claim is not None and claim.lead.id == lead.id
    return claim


def _feedback(tenant: Tenant, campaign: Campaign, agent: Any, claim: Claim,
              status: str) -> None:
    call = call_start(tenant=tenant, agent=agent, lead_id=claim.lead.id,
                      lease_token=claim.lease_token, at=AT + timedelta(seconds=1))
    call_report_result(tenant=tenant, agent=agent, call_id=call.id, dial_result="answered",
                       at=AT + timedelta(seconds=20))
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=claim.lease_token,
                    status_id=status_named(campaign, status).id, at=AT + timedelta(seconds=30))


def test_a_lead_an_agent_holds_is_deferred_and_changed_once_after_the_feedback(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[15])  # AT is 15:00 in London
    held, free = make_lead(campaign, weight=10), make_lead(campaign, weight=10)
    with time_machine.travel(AT, tick=False):
        claim = _claim_lead(tenant, campaign, agent, held)
        rules_tick(now=AT)
        run = RuleRun.objects.get(rule=rule)
        assert Lead.objects.get(id=held.id).weight == 10
        assert Lead.objects.get(id=free.id).weight == 17
        assert list(RuleDeferral.objects.values_list("run_id", "lead_id")) == [
            (run.id, held.id)]
        assert [e.lead_id for e in run_events(run)] == [free.id]

        _feedback(tenant, campaign, agent, claim, "Busy")
        lead = Lead.objects.get(id=held.id)
        assert (lead.weight, lead.custom_fields) == (17, {"swept": "yes"})
        assert not RuleDeferral.objects.exists()
        event = LeadEvent.objects.get(lead=held, kind=RULE_EVENT_KIND)
        assert event.new["rule_run"] == run.id and event.new["deferred"] is True

        rules_tick(now=AT + timedelta(minutes=5))
    assert Lead.objects.get(id=held.id).weight == 17
    assert len(run_events(run)) == 2


def test_a_deferred_match_the_feedback_made_false_is_not_applied_but_consumed(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    clear_template_rules(campaign)
    new = LeadStatus.objects.get(campaign=campaign, is_default_for_new_leads=True)
    rule = time_rule(campaign, hours=[15],
                     conditions={"all": [{"field": "status", "op": "eq", "value": new.id}]})
    held = make_lead(campaign, weight=10)
    with time_machine.travel(AT, tick=False):
        claim = _claim_lead(tenant, campaign, agent, held)
        rules_tick(now=AT)
        assert RuleDeferral.objects.filter(lead=held).exists()
        _feedback(tenant, campaign, agent, claim, "Busy")  # no longer "New"
    assert Lead.objects.get(id=held.id).weight == 10
    assert not RuleDeferral.objects.exists()
    assert run_events(RuleRun.objects.get(rule=rule)) == []


def test_a_deferred_match_is_applied_once_when_the_lease_runs_out_without_feedback(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(lead_lease_seconds=60)
    claim_cache_clear()
    clear_template_rules(campaign)
    rule = time_rule(campaign, hours=[15])
    held = make_lead(campaign, weight=10)
    with time_machine.travel(AT, tick=False) as traveller:
        claim = _claim_lead(tenant, campaign, agent, held)
        rules_tick(now=AT)
        traveller.move_to(claim.lease_expires_at - timedelta(seconds=1))
        rules_tick()
        assert Lead.objects.get(id=held.id).weight == 10  # still held
        traveller.move_to(claim.lease_expires_at + timedelta(seconds=1))
        rules_tick()
        rules_tick()
    assert Lead.objects.get(id=held.id).weight == 17
    assert not RuleDeferral.objects.exists()
    [event] = run_events(RuleRun.objects.get(rule=rule))
    assert event.lead_id == held.id and event.new["deferred"] is True


# --- switched off -----------------------------------------------------------------------

def test_a_disabled_group_an_inactive_rule_and_a_paused_campaign_do_not_run(
        tenant: Tenant) -> None:
    in_disabled_group, inactive, paused, control = (fresh_campaign(tenant) for _ in range(4))
    rules = [time_rule(c, hours=[15]) for c in (in_disabled_group, inactive, paused, control)]
    rule_group_update(tenant=tenant, group_id=rules[0].group_id, is_enabled=False)
    rule_update(tenant=tenant, rule_id=rules[1].id, is_active=False)
    Campaign.objects.filter(id=paused.id).update(is_active=False)
    for campaign in (in_disabled_group, inactive, paused, control):
        make_lead(campaign, weight=10)

    assert [rule.id for rule, _ in due_slots(now=NOW)] == [rules[3].id]
    rules_tick(now=NOW)

    assert list(RuleRun.objects.values_list("rule_id", flat=True)) == [rules[3].id]
    assert dict(Lead.objects.values_list("campaign_id", "weight")) == {
        in_disabled_group.id: 10, inactive.id: 10, paused.id: 10, control.id: 17}
