"""Benchmark: the next-lead claim under concurrency (PostgreSQL).

1. Find or generate a bench tenant with N leads over 10 campaigns open 00:00–23:59 every
   day (COPY through ops.bulk); A agent users.
2. (a) in-process: A threads call ``lead_claim`` for S seconds;
   (b) the floor: the same claim statement (compiled by the service once) run bare
   with psycopg from A threads, plus the hand-out row, no Django;
   (c) HTTP: gunicorn (``--http-workers`` processes × ``--http-threads`` gthread
   threads, as ``leadflow run --workers`` serves) in a subprocess, A client threads
   calling POST /api/agent/next-lead with an API key acting for each agent, after
   ``HTTP_WARMUP_SECONDS`` of the same unmeasured; with ``--paced-rate R`` once more,
   the agents asking at R claims/s in all (open loop: latency at a given load).
   Leases are cleared between scenarios.
   (d) ``--during-sweep``: (a) again while a time-based rule sweeps the same campaigns
   in a process of its own (``bench.sweep.BackgroundSweep``): the claims' p99 with and
   without a sweep, side by side, and the rows the sweep changed meanwhile.
3. ``duplicates``: a lead handed out twice while its first lease ran; ``violations``:
   handed-out leads that broke an eligibility reason other than the lease itself,
   checked after the run in SQL.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.services import campaign_create
from leadflow.core import clock
from leadflow.dialing.claim import (
    _plan,
    claim_cache_clear,
    lead_claim,
    pool_sources,
    prepare_generic_plans,
    tenant_contexts,
)
from leadflow.dialing.eligibility import Reason, campaign_context, reason_qs
from leadflow.dialing.pgexec import ClaimCursor, ClaimPlan
from leadflow.leads.models import Lead
from leadflow.ops.bulk import insert_leads
from leadflow.ops.leadgen import generate_leads
from leadflow.ops.serve import default_workers, gunicorn_command, wait_until_listening
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Membership, Role, Tenant
from leadflow.tenants.services import api_key_create, tenant_create, user_create

CAMPAIGNS = 10
HTTP_WARMUP_SECONDS = 5.0
ALL_DAY = {d: {"start": "00:00", "end": "23:59"}
           for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _bench_tenant(leads: int, agents: int, log: Callable[[str], None]) -> Tenant:
    name = f"bench-next-lead-{leads}"
    tenant = Tenant.objects.filter(name=name).first()
    if tenant is None or Lead.objects.filter(tenant=tenant).count() != leads:
        if tenant is not None:
            log(f"{name} incomplete; regenerating")
            Lead.objects.filter(tenant=tenant).delete()
            tenant.delete()
        log(f"generating {leads} leads over {CAMPAIGNS} campaigns…")
        started = time.perf_counter()
        tenant = tenant_create(name=name, time_zone="UTC")
        now = clock.now()
        per, extra = divmod(leads, CAMPAIGNS)
        for index in range(CAMPAIGNS):
            campaign = campaign_create(tenant=tenant, name=f"Dial bench {index + 1}",
                                       calling_hours=ALL_DAY, time_zone="UTC",
                                       lead_lease_seconds=3600)
            status_ids = list(LeadStatus.objects.filter(campaign=campaign)
                              .order_by("position").values_list("id", flat=True))
            insert_leads(tenant_id=tenant.id, campaign_id=campaign.id,
                         rows=generate_leads(count=per + (1 if index < extra else 0),
                                             status_ids=status_ids, now=now, seed=100 + index))
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Lead._meta.db_table}")
        log(f"generated in {time.perf_counter() - started:.1f} s")
    have = Membership.objects.filter(tenant=tenant, role=Role.AGENT).count()
    for i in range(have, agents):
        user_create(tenant=tenant, username=f"nl{tenant.id}_agent{i}", password="bench",
                    role=Role.AGENT)
    return tenant


def _agents(tenant: Tenant, agents: int) -> list[Any]:
    return list(User.objects.filter(memberships__tenant=tenant, memberships__role=Role.AGENT)
                .order_by("id")[:agents])


def _reset_leases(tenant: Tenant) -> None:
    Lead.objects.filter(tenant=tenant, lease_token__isnull=False).update(
        leased_by=None, lease_token=None, lease_expires_at=None)
    # Each scenario starts from a vacuumed table, as autovacuum would keep it: the
    # previous scenario's dead index entries would otherwise slow the next one.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Lead._meta.db_table}")


def _threads(count: int, seconds: float, claim_once: Callable[[int], int | None],
             rate: float | None = None) -> tuple[list[float], list[int]]:
    """``count`` agents claiming for ``seconds``; latencies in ms and the leads handed.

    Closed loop (``rate`` None): each agent asks again the moment it has an answer,
    which measures capacity; latency then is ``count`` / throughput by Little's law,
    whatever the server does. Paced (``rate`` claims/s in all): each agent asks on a
    fixed schedule, staggered across agents, the way agents between calls do; latency
    runs from the scheduled moment, so time spent behind schedule counts (no
    coordinated omission)."""
    latencies: list[float] = []
    handed: list[int] = []
    guard = threading.Lock()
    barrier = threading.Barrier(count + 1)
    stop = [0.0]

    def body(index: int) -> None:
        mine_l: list[float] = []
        mine_h: list[int] = []
        try:
            barrier.wait()
            interval = count / rate if rate else 0.0
            begin, slot = stop[0] - seconds, 0
            while time.perf_counter() < stop[0]:
                started = time.perf_counter()
                if rate:
                    # Slots counted, not summed: no float drift past the run's end.
                    offset = interval * (index / count + slot)
                    if offset >= seconds - 1e-9:
                        break
                    if begin + offset > started:
                        time.sleep(begin + offset - started)
                    started, slot = begin + offset, slot + 1
                lead_id = claim_once(index)
                mine_l.append((time.perf_counter() - started) * 1000)
                if lead_id is not None:
                    mine_h.append(lead_id)
        finally:
            connection.close()  # the thread's own Django connection, if it opened one
            with guard:
                latencies.extend(mine_l)
                handed.extend(mine_h)

    pool = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in pool:
        thread.start()
    stop[0] = time.perf_counter() + seconds
    barrier.wait()
    for thread in pool:
        thread.join()
    return latencies, handed


def _violations(tenant: Tenant, handed: list[int], at: datetime) -> int:
    """Handed-out leads some reason other than the lease forbade at the run's start."""
    ids = list(set(handed))
    bad = 0
    for campaign in Campaign.objects.filter(tenant=tenant):
        ctx = campaign_context(campaign)
        forbidden = Q(pk__lt=0)
        for reason, q in reason_qs(ctx, at).items():
            if reason != Reason.LEASED:
                forbidden |= q
        for start in range(0, len(ids), 5000):
            bad += Lead.objects.filter(campaign=campaign, id__in=ids[start:start + 5000]
                                       ).filter(forbidden).count()
    return bad


def _duplicates(handed: list[int]) -> int:
    # Leases last an hour and nothing releases them during a run: any lead handed out
    # twice was handed out while leased.
    return sum(n - 1 for n in Counter(handed).values() if n > 1)


def _figures(latencies: list[float], handed: list[int], seconds: float) -> dict[str, Any]:
    latencies.sort()
    if not latencies:
        return {"claims_per_s": 0, "p50_ms": None, "p99_ms": None}
    return {"claims_per_s": round(len(handed) / seconds, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2)}


def _inproc(tenant: Tenant, agents: list[Any], seconds: float
            ) -> tuple[list[float], list[int]]:
    sources = {a.pk: pool_sources(tenant, agent_id=a.pk) for a in agents}

    def claim_once(index: int) -> int | None:
        agent = agents[index]
        claim = lead_claim(tenant=tenant, agent=agent, sources=sources[agent.pk],
                           at=clock.now())
        return claim.lead.id if claim else None

    return _threads(len(agents), seconds, claim_once)


def _floor_statement(tenant: Tenant, agent: Any, at: datetime
                     ) -> tuple[datetime, ClaimPlan]:
    """The service's own claim statement for this agent (compiled by the service)."""
    return _plan(tenant=tenant, contexts=tenant_contexts(tenant.id), agent_id=agent.pk,
                 sources=pool_sources(tenant, agent_id=agent.pk), at=at, personal_queue="")


def _floor(tenant: Tenant, agents: list[Any], seconds: float
           ) -> tuple[list[float], list[int]]:
    import psycopg

    db = settings.DATABASES["default"]
    dsn = (f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} "
           f"user={db['USER']}" + (f" password={db['PASSWORD']}" if db["PASSWORD"] else ""))
    # Compile every minute the run can touch up front, in this thread: the floor
    # threads must not open Django connections (nor spend time compiling).
    at = clock.now()
    minutes = int(seconds // 60) + 2
    plans = {(a.pk, m): _floor_statement(tenant, a, at + timedelta(minutes=m))
             for a in agents for m in range(minutes)}
    start_minute = at.replace(second=0, microsecond=0)
    # autocommit: the statement (claim + its LeadEvent) is its own transaction, as in
    # the service.
    conns = [psycopg.connect(dsn, autocommit=True) for _ in agents]
    for conn in conns:
        prepare_generic_plans(conn)  # as the service does: planned once per connection

    def claim_once(index: int) -> int | None:
        now = clock.now()
        offset = int((now.replace(second=0, microsecond=0) - start_minute).total_seconds() // 60)
        minute, plan = plans[(agents[index].pk, min(offset, minutes - 1))]
        # The service's cursor (cached placeholder conversion) and shared parameters:
        # the floor stays a floor.
        with ClaimCursor(conns[index]) as cursor:
            cursor.execute(plan.sql, plan.bind(now - minute, uuid.uuid4(), agents[index].pk),
                           prepare=True)
            row = cursor.fetchone()
        return None if row is None else int(row[0])

    try:
        return _threads(len(agents), seconds, claim_once)
    finally:
        for conn in conns:
            conn.close()


def _http(tenant: Tenant, agents: list[Any], seconds: float, log: Callable[[str], None],
          *, workers: int, threads: int, rate: float | None = None
          ) -> tuple[list[float], list[int]] | None:
    import http.client

    _, raw_key = api_key_create(tenant=tenant, name=f"bench {uuid.uuid4().hex[:6]}",
                                created_by=None)
    port = 18765
    # The production server: gunicorn, ``workers`` processes of ``threads`` threads
    # (``ops.serve``). One process (waitress, the old setting) capped HTTP at what one
    # GIL can do; each worker here has its own GIL and its own claim caches. Threads
    # per worker stay few: a request holds its GIL for a few ms and waits on the
    # database for about as long, so more threads only queue inside the process.
    server = subprocess.Popen(
        gunicorn_command(host="127.0.0.1", port=port, workers=workers, threads=threads),
        env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_until_listening(f"http://127.0.0.1:{port}/api/docs"):
            log("HTTP server did not start; skipping the HTTP scenario")
            return None
        conns: dict[int, Any] = {}

        def claim_once(index: int) -> int | None:
            conn = conns.get(index)
            if conn is None:
                conn = conns[index] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = json.dumps({"agent_id": agents[index].pk})
            conn.request("POST", "/api/agent/next-lead", body=body,
                         headers={"X-API-Key": raw_key, "Content-Type": "application/json"})
            response = conn.getresponse()
            data = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"next-lead answered {response.status}: {data}")
            return data["lead"]["id"] if data["lead"] else None

        # Warm up first, unmeasured: a fresh worker process spends its first second
        # or two loading code and building its per-process caches and prepared
        # plans, and the backlog that builds meanwhile took seconds to drain.
        _threads(len(agents), HTTP_WARMUP_SECONDS, claim_once, rate)
        return _threads(len(agents), seconds, claim_once, rate)
    finally:
        server.terminate()  # gunicorn's graceful stop: the workers close their connections
        server.wait(timeout=40)


def _during_sweep(tenant: Tenant, users: list[Any], seconds: float, started_at: datetime,
                  log: Callable[[str], None]) -> dict[str, Any]:
    """In-process claims again, while a time-based rule sweeps the same campaigns."""
    from leadflow.ops.bench.sweep import BackgroundSweep

    _reset_leases(tenant)
    sweep = BackgroundSweep(list(Campaign.objects.filter(tenant=tenant).order_by("id")))
    log("in-process during a sweep: lead_claim while rules sweep the same leads…")
    sweep.start()
    try:
        latencies, handed = _inproc(tenant, users, seconds)
    finally:
        swept = sweep.stop()
    figures = _figures(latencies, handed, seconds)
    return {"sweep_inproc_claims_per_s": figures["claims_per_s"],
            "sweep_inproc_p50_ms": figures["p50_ms"], "sweep_inproc_p99_ms": figures["p99_ms"],
            "sweep_duplicates": _duplicates(handed),
            "sweep_violations": _violations(tenant, handed, started_at), **swept}


def run(*, leads: int, agents: int, seconds: float, http: bool,
        log: Callable[[str], None], during_sweep: bool = False,
        http_workers: int | None = None, http_threads: int | None = None,
        paced_rate: float | None = None) -> dict[str, Any]:
    """``http_workers``/``http_threads``: the gunicorn server's processes and threads
    per process (default: one process per core, at least two; 4 threads).
    ``paced_rate``: also HTTP with the agents asking at that many claims/s in all."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the next-lead bench needs PostgreSQL (DATABASE_URL)")
    tenant = _bench_tenant(leads, agents, log)
    users = _agents(tenant, agents)
    claim_cache_clear()
    started_at = clock.now()

    _reset_leases(tenant)
    log("floor: bare claim SQL with psycopg…")
    f_lat, f_handed = _floor(tenant, users, seconds)
    floor = _figures(f_lat, f_handed, seconds)
    _reset_leases(tenant)
    log("in-process: lead_claim…")
    i_lat, i_handed = _inproc(tenant, users, seconds)
    inproc = _figures(i_lat, i_handed, seconds)
    duplicates = _duplicates(f_handed) + _duplicates(i_handed)
    violations = _violations(tenant, i_handed + f_handed, started_at)
    main = inproc
    workers = http_workers or default_workers()
    threads = http_threads or int(os.environ.get("LEADFLOW_BENCH_HTTP_THREADS", "4"))
    server: dict[str, Any] = {}
    if http:
        _reset_leases(tenant)
        log(f"HTTP: gunicorn {workers} × {threads} threads + POST /api/agent/next-lead…")
        got = _http(tenant, users, seconds, log, workers=workers, threads=threads)
        if got is not None:
            main = _figures(*got, seconds)
            server = {"server": "gunicorn-gthread", "http_workers": workers,
                      "http_threads": threads}
            duplicates += _duplicates(got[1])
            violations += _violations(tenant, got[1], started_at)
        if paced_rate:
            _reset_leases(tenant)
            log(f"HTTP paced: {paced_rate} claims/s offered…")
            paced = _http(tenant, users, seconds, log, workers=workers, threads=threads,
                          rate=paced_rate)
            if paced is not None:
                figures = _figures(*paced, seconds)
                server.update({"paced_offered_per_s": paced_rate,
                               "paced_claims_per_s": figures["claims_per_s"],
                               "paced_p50_ms": figures["p50_ms"],
                               "paced_p99_ms": figures["p99_ms"]})
                duplicates += _duplicates(paced[1])
                violations += _violations(tenant, paced[1], started_at)
    swept = _during_sweep(tenant, users, seconds, started_at, log) if during_sweep else {}
    _reset_leases(tenant)
    with connection.cursor() as cursor:
        # At 10 million leads the table outgrows PostgreSQL's default 128 MB cache:
        # the figures mean little without it.
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "scenario": "next-lead", "leads": Lead.objects.filter(tenant=tenant).count(),
        "pg_shared_buffers": shared_buffers,
        "agents": agents, "seconds": seconds, "via": "http" if http and main is not inproc
        else "in-process", **server,
        **main, "duplicates": duplicates, "violations": violations,
        "inproc_claims_per_s": inproc["claims_per_s"], "inproc_p50_ms": inproc["p50_ms"],
        "inproc_p99_ms": inproc["p99_ms"],
        "floor_claims_per_s": floor["claims_per_s"], "floor_p50_ms": floor["p50_ms"],
        "floor_p99_ms": floor["p99_ms"], **swept,
    }
