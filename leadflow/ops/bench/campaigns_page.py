"""Benchmark: server-side render time of All Campaigns at scale.

1. Find or generate a bench tenant with N leads over M campaigns (COPY on PostgreSQL).
2. ANALYZE/VACUUM so the planner and index-only scans see the real data.
3. Render /campaigns/ through the full Django stack (middleware, session, template)
   ``warmup`` times, then ``runs`` times measured; report p50 and p95.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.services import campaign_create, campaign_group_create
from leadflow.core import clock
from leadflow.leads.models import Lead
from leadflow.ops.bulk import insert_leads
from leadflow.ops.leadgen import generate_leads
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import tenant_create, user_create

BENCH_PASSWORD = "bench"  # noqa: S105 - a throwaway local benchmark login


@dataclass
class BenchTenant:
    tenant: Tenant
    username: str


def _bench_tenant(leads: int, campaigns: int, log: Any) -> BenchTenant:
    name = f"bench-{leads}-{campaigns}"
    username = f"bench_{leads}_{campaigns}"
    tenant = Tenant.objects.filter(name=name).first()
    if tenant is not None and Lead.objects.filter(tenant=tenant).count() == leads:
        return BenchTenant(tenant, username)
    if tenant is not None:
        log(f"bench tenant {name} is incomplete; regenerating")
        Lead.objects.filter(tenant=tenant).delete()
        tenant.delete()
        User.objects.filter(username=username).delete()
    log(f"generating {leads} leads over {campaigns} campaigns…")
    started = time.perf_counter()
    tenant = tenant_create(name=name, time_zone="UTC")
    user_create(tenant=tenant, username=username, password=BENCH_PASSWORD, role=Role.ADMIN)
    groups = [campaign_group_create(tenant=tenant, name=f"Group {g + 1}") for g in range(10)]
    now = clock.now()
    per_campaign, remainder = divmod(leads, campaigns)
    for index in range(campaigns):
        campaign = campaign_create(
            tenant=tenant, name=f"Bench campaign {index + 1}",
            group_id=groups[index % len(groups)].id if index % 7 else None,
            is_active=index % 10 != 9,
        )
        status_ids = list(LeadStatus.objects.filter(campaign=campaign)
                          .order_by("position").values_list("id", flat=True))
        count = per_campaign + (1 if index < remainder else 0)
        insert_leads(tenant_id=tenant.id, campaign_id=campaign.id,
                     rows=generate_leads(count=count, status_ids=status_ids, now=now,
                                         seed=index))
    _analyze()
    log(f"generated in {time.perf_counter() - started:.1f} s")
    return BenchTenant(tenant, username)


def _analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM sets the visibility map that index-only scans rely on.
            cursor.execute(f"VACUUM ANALYZE {Lead._meta.db_table}")
        else:
            cursor.execute("ANALYZE")


def run(*, leads: int, campaigns: int, runs: int, warmup: int, log: Any) -> dict[str, Any]:
    bench = _bench_tenant(leads, campaigns, log)
    client = Client()
    if not client.login(username=bench.username, password=BENCH_PASSWORD):
        raise RuntimeError("bench user cannot log in")
    timings: list[float] = []
    for attempt in range(warmup + runs):
        started = time.perf_counter()
        response = client.get("/campaigns/")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"/campaigns/ answered {response.status_code}")
        if attempt >= warmup:
            timings.append(elapsed)
    timings.sort()
    return {
        "scenario": "campaigns-page",
        "database": connection.vendor,
        "leads": Lead.objects.filter(tenant=bench.tenant).count(),
        "campaigns": Campaign.objects.filter(tenant=bench.tenant).count(),
        "runs": runs,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)], 1),
        "max_ms": round(timings[-1], 1),
    }
