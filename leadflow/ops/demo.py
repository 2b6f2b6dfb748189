"""The demo tenant loaded by ``make run`` into an empty database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from leadflow.campaigns.services import campaign_create, campaign_group_create
from leadflow.campaigns.sip_forward import sip_forward_uri_create
from leadflow.core import clock
from leadflow.ops.bulk import insert_leads
from leadflow.ops.leadgen import generate_leads
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import tenant_create, user_create

DEMO_PASSWORD = "demo"
DEMO_TENANT_NAME = "Demo Call Center"
AGENT_COUNT = 10

GROUPS = {
    "Brand A – Forex": "Retail trading leads of brand A",
    "Brand B – Insurance": "Car and home insurance quotes",
    "Retention": "Existing customers: renewals and win-backs",
}
# (name, group, active, share of the demo's leads)
CAMPAIGNS = [
    ("Forex EN – New", "Brand A – Forex", True, 0.22),
    ("Forex EN – Recycle", "Brand A – Forex", True, 0.12),
    ("Forex DE", "Brand A – Forex", False, 0.06),
    ("Insurance – Web Quotes", "Brand B – Insurance", True, 0.18),
    ("Insurance – Partners", "Brand B – Insurance", True, 0.10),
    ("Renewals 2026", "Retention", True, 0.14),
    ("Win-back", None, True, 0.10),
    ("Surveys", None, True, 0.08),
]


@dataclass
class DemoResult:
    tenant: Tenant
    users: list[str]
    leads: int


@transaction.atomic
def demo_load(*, total_leads: int = 20_000) -> DemoResult:
    """1. Tenant and users. 2. Groups. 3. Campaigns (with default statuses and a SIP
    forward URI to the closers' desk). 4. Leads."""
    tenant = tenant_create(name=DEMO_TENANT_NAME, time_zone="Europe/London")
    users = ["admin", "supervisor"] + [f"agent{i}" for i in range(1, AGENT_COUNT + 1)]
    for username in users:
        role = (Role.ADMIN if username == "admin" else
                Role.SUPERVISOR if username == "supervisor" else Role.AGENT)
        user_create(tenant=tenant, username=username, password=DEMO_PASSWORD, role=role)
    groups = {name: campaign_group_create(tenant=tenant, name=name, description=description)
              for name, description in GROUPS.items()}
    now = clock.now()
    inserted = 0
    for seed, (name, group_name, active, share) in enumerate(CAMPAIGNS, start=1):
        campaign = campaign_create(
            tenant=tenant, name=name, is_active=active,
            group_id=groups[group_name].id if group_name else None,
            description=f"Demo campaign {name}",
        )
        sip_forward_uri_create(tenant=tenant, campaign_id=campaign.id, name="Closers desk",
                               uri="sip:closers@pbx.demo.invalid",
                               conference_caller_id_mode="lead_phone")
        status_ids = list(LeadStatus.objects.filter(campaign=campaign)
                          .order_by("position").values_list("id", flat=True))
        inserted += insert_leads(
            tenant_id=tenant.id, campaign_id=campaign.id,
            rows=generate_leads(count=int(total_leads * share), status_ids=status_ids, now=now,
                                seed=seed),
        )
    return DemoResult(tenant=tenant, users=users, leads=inserted)
