"""Benchmark: a time-based rule's sweep over a large campaign (PostgreSQL).

Run it on a database of its own, e.g.::

    createdb -h 127.0.0.1 -U postgres leadflow_sweepbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadflow_sweepbench leadflow migrate
    DATABASE_URL=… leadflow bench sweep --leads 1000000 --match 0.1

1. Find or generate a bench tenant with N leads in one campaign (COPY through
   ops.bulk), reused while it has the right size; its template rules removed.
2. Give exactly ``match`` of the leads weight 10 and the rest weight 0, spread evenly
   over the ids (a hash of the id): the rule "weight ≥ 5 → weight + 7" matches those.
3. The floor: the same change as one bare, hand-written UPDATE (psycopg, one
   transaction, same filter), timed on the matched set.
4. Reset the matched rows, VACUUM ANALYZE, then time ``rules_tick`` for the rule's slot:
   chunks of ``chunk`` leads, each locked, changed, given a LeadEvent, cursor moved.
5. Reset again and delete the run and its events, so the next run starts the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.services import campaign_create
from leadflow.core import clock
from leadflow.leads.models import Lead, LeadEvent
from leadflow.ops.bulk import insert_leads
from leadflow.ops.leadgen import generate_leads
from leadflow.rules.engine import RULE_EVENT_KIND
from leadflow.rules.models import Rule, RuleGroup, RuleRun, RunState
from leadflow.rules.services import rule_create, rule_group_create
from leadflow.rules.sweep import CHUNK, rules_tick
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant
from leadflow.tenants.services import tenant_create

DELTA = 7
MATCHED_WEIGHT = 10
THRESHOLD = 5
RULE_NAME = "Sweep bench: weight + 7"
ALL_DAY = {d: {"start": "00:00", "end": "23:59"}
           for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def bench_campaign(leads: int, log: Callable[[str], None], *, name: str = "bench-sweep"
                   ) -> Campaign:
    """The bench tenant's one campaign of ``leads`` leads (generated when missing)."""
    tenant_name = f"{name}-{leads}"
    tenant = Tenant.objects.filter(name=tenant_name).first()
    if tenant is not None and Lead.objects.filter(tenant=tenant).count() == leads:
        return Campaign.objects.get(tenant=tenant)
    if tenant is not None:
        log(f"{tenant_name} incomplete; regenerating")
        Lead.objects.filter(tenant=tenant).delete()
        tenant.delete()
    log(f"generating {leads} leads…")
    started = time.perf_counter()
    tenant = tenant_create(name=tenant_name, time_zone="UTC")
    campaign = campaign_create(tenant=tenant, name="Sweep bench", calling_hours=ALL_DAY,
                               time_zone="UTC", lead_lease_seconds=3600)
    RuleGroup.objects.filter(campaign=campaign).delete()  # the template rules
    status_ids = list(LeadStatus.objects.filter(campaign=campaign).order_by("position")
                      .values_list("id", flat=True))
    insert_leads(tenant_id=tenant.id, campaign_id=campaign.id,
                 rows=generate_leads(count=leads, status_ids=status_ids, now=clock.now(),
                                     seed=42))
    log(f"generated in {time.perf_counter() - started:.1f} s")
    return campaign


def _target(match: float) -> str:
    """The weight each lead starts from: ``match`` of them (by an id hash) matched."""
    cut = round(match * 10_000)
    return (f"CASE WHEN mod(id * 7919, 10000) < {cut} THEN {MATCHED_WEIGHT} ELSE 0 END")


def _reset(campaign: Campaign, match: float) -> int:
    """Every lead back to its starting weight (only rows that moved are written)."""
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET weight = {_target(match)} "
                       f"WHERE campaign_id = %s AND weight <> {_target(match)}", [campaign.id])
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"SELECT count(*) FROM {table} WHERE campaign_id = %s "
                       f"AND weight >= {THRESHOLD}", [campaign.id])
        matched = int(cursor.fetchone()[0])
    return matched


def dsn() -> str:
    """The Django database as a psycopg connection string (for bare floors)."""
    db = settings.DATABASES["default"]
    return (f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} "
            f"user={db['USER']}" + (f" password={db['PASSWORD']}" if db["PASSWORD"] else ""))


def _floor(campaign: Campaign) -> tuple[float, int]:
    """The same change and filter as one bare UPDATE in its own transaction."""
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute(f"UPDATE {Lead._meta.db_table} SET weight = weight + {DELTA} "
                           f"WHERE campaign_id = %s AND weight >= {THRESHOLD}",
                           [campaign.id])
            rows = cursor.rowcount
        return time.perf_counter() - started, rows


def _rule(campaign: Campaign, now: datetime) -> Rule:
    """The bench rule, due at ``now``'s hour, with no runs left from before."""
    hour = now.astimezone(ZoneInfo(campaign.tenant.time_zone)).hour
    rule = Rule.objects.filter(campaign=campaign, name=RULE_NAME).first()
    if rule is None:
        group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id,
                                  title="Sweep bench")
        rule = rule_create(
            tenant=campaign.tenant, group_id=group.id, name=RULE_NAME, kind="time",
            hours=[hour], conditions={"all": [{"field": "weight", "op": "gte",
                                               "value": THRESHOLD}]},
            actions=[{"type": "change_weight", "mode": "add", "value": DELTA}])
    Rule.objects.filter(id=rule.id).update(hours=[hour], weekdays=[])
    _clean(campaign)
    return rule


def _clean(campaign: Campaign) -> None:
    LeadEvent.objects.filter(tenant_id=campaign.tenant_id, kind=RULE_EVENT_KIND).delete()
    RuleRun.objects.filter(rule__campaign=campaign).delete()


def run(*, leads: int, match: float, chunk: int = CHUNK,
        log: Callable[[str], None]) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the sweep bench needs PostgreSQL (DATABASE_URL)")
    campaign = bench_campaign(leads, log)
    now = clock.now()
    rule = _rule(campaign, now)

    log("floor: one bare UPDATE…")
    matched = _reset(campaign, match)
    floor_seconds, floor_rows = _floor(campaign)
    if floor_rows != matched:
        raise RuntimeError(f"the floor changed {floor_rows} rows, {matched} match")

    log(f"sweep: rules_tick over {matched} matching leads, chunks of {chunk}…")
    _reset(campaign, match)
    started = time.perf_counter()
    rules_tick(now=now, chunk=chunk)
    seconds = time.perf_counter() - started
    sweep_run = RuleRun.objects.get(rule=rule)
    changed = Lead.objects.filter(campaign=campaign,
                                  weight=MATCHED_WEIGHT + DELTA).count()
    events = LeadEvent.objects.filter(kind=RULE_EVENT_KIND,
                                      new__rule_run=sweep_run.id).count()
    if sweep_run.state != RunState.DONE or sweep_run.matched != matched or (
            changed != matched or events != matched):
        raise RuntimeError(f"the sweep did not change each match once: run {sweep_run.state} "
                           f"{sweep_run.matched}, changed {changed}, events {events}")

    _reset(campaign, match)
    _clean(campaign)
    return {"scenario": "sweep", "leads": leads, "matched": matched, "chunk": chunk,
            "seconds": round(seconds, 3), "rows_per_s": round(matched / seconds),
            "floor_seconds": round(floor_seconds, 3),
            "floor_rows_per_s": round(matched / floor_seconds),
            "slot": sweep_run.slot.astimezone(UTC).isoformat()}


_SWEEPER = """
import os, sys, time
from datetime import UTC, datetime
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from leadflow.rules.models import RuleRun
from leadflow.rules.sweep import rule_run_advance, rule_run_start
from leadflow.rules.models import Rule
stop_file, out_file, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
rules = list(Rule.objects.filter(id__in=[int(i) for i in sys.argv[4:]]))
rows, passes, started = 0, 0, time.perf_counter()
while not os.path.exists(stop_file):
    rule = rules[passes % len(rules)]
    run = rule_run_start(rule=rule, slot=datetime(2000 + passes, 1, 1, tzinfo=UTC))
    while not os.path.exists(stop_file) and not rule_run_advance(run_id=run.id, chunk=chunk):
        pass
    rows += RuleRun.objects.get(id=run.id).matched
    passes += 1
with open(out_file, "w") as out:
    out.write(f"{rows} {time.perf_counter() - started}")
"""


class BackgroundSweep:
    """Sweeps running over ``campaigns`` in a process of their own until stopped (for
    other benches): each pass a fresh run (its own slot) of a rule "weight ≥ 0 →
    weight + 1" on the next campaign, chunk after chunk, the way ``rules_tick`` drives
    a run. A process, not a thread: in the bench's process it would share one
    interpreter lock with the claim threads and barely run."""

    def __init__(self, campaigns: list[Campaign], chunk: int = CHUNK) -> None:
        import tempfile

        self.campaigns, self.chunk = campaigns, chunk
        self.rules = [self._rule(c) for c in campaigns]
        self.dir = tempfile.mkdtemp(prefix="leadflow-bench-sweep-")
        self.process: Any = None

    @staticmethod
    def _rule(campaign: Campaign) -> Rule:
        group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id,
                                  title="Background sweep (bench)")
        return rule_create(
            tenant=campaign.tenant, group_id=group.id, name="Background sweep (bench)",
            kind="time", hours=[0], is_active=False,  # never due: driven from here only
            conditions={"all": [{"field": "weight", "op": "gte", "value": 0}]},
            actions=[{"type": "change_weight", "mode": "add", "value": 1}])

    def start(self) -> None:
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-c", _SWEEPER, f"{self.dir}/stop", f"{self.dir}/out",
             str(self.chunk), *[str(rule.id) for rule in self.rules]])

    def stop(self) -> dict[str, Any]:
        """Stop, remove the bench rules (runs, deferrals) and their events; figures."""
        import pathlib
        import shutil

        pathlib.Path(self.dir, "stop").touch()
        code = self.process.wait() if self.process is not None else 0
        out = pathlib.Path(self.dir, "out")
        rows, seconds = (out.read_text().split() if out.exists() else ("0", "0"))
        shutil.rmtree(self.dir, ignore_errors=True)
        if code != 0:
            raise RuntimeError(f"the background sweep exited with {code}")
        for rule in self.rules:
            LeadEvent.objects.filter(tenant_id=rule.tenant_id, kind=RULE_EVENT_KIND,
                                     rule_name=rule.name).delete()
            RuleGroup.objects.filter(id=rule.group_id).delete()
        return {"sweep_rows": int(rows),
                "sweep_rows_per_s": round(int(rows) / float(seconds)) if float(seconds) else 0}
