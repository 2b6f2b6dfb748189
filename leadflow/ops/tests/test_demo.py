"""The demo tenant that `make run` loads into an empty database."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from leadflow.campaigns.models import Campaign, CampaignGroup, SipForwardUri
from leadflow.leads.models import Lead, ZoneSet
from leadflow.ops.demo import demo_load
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Membership, Role, Tenant

pytestmark = pytest.mark.django_db


def test_demo_has_groups_campaigns_statuses_and_users_with_the_demo_password() -> None:
    result = demo_load(total_leads=1_500)
    tenant = result.tenant

    assert CampaignGroup.objects.filter(tenant=tenant).count() == 3
    campaigns = Campaign.objects.filter(tenant=tenant)
    assert campaigns.count() == 8
    assert campaigns.filter(is_active=False).count() == 1
    assert campaigns.filter(group__isnull=True).exists()
    assert LeadStatus.objects.filter(tenant=tenant).exclude(color="").count() == 8 * 11
    assert SipForwardUri.objects.filter(tenant=tenant).count() == 8  # one per campaign
    roles = dict(Membership.objects.filter(tenant=tenant).values_list("user__username", "role"))
    assert roles["admin"] == Role.ADMIN and roles["supervisor"] == Role.SUPERVISOR
    assert [f"agent{i}" for i in range(1, 11)] == sorted(
        (u for u, r in roles.items() if r == Role.AGENT), key=lambda u: int(u[5:]))
    assert authenticate(username="agent7", password="demo") is not None


def test_demo_leads_span_twelve_zones_with_half_hour_ones_and_some_frozen_or_blacklisted() -> None:
    result = demo_load(total_leads=1_500)
    leads = Lead.objects.filter(tenant=result.tenant)

    assert leads.count() == result.leads >= 1_400
    zone_keys = set(ZoneSet.objects.filter(
        id__in=leads.values("zone_set_id")).values_list("key", flat=True))
    zones = {z for key in zone_keys for z in key.split("|")}
    assert len(zones) >= 12
    now = timezone.now()
    offsets = {ZoneInfo(z).utcoffset(now.replace(tzinfo=None)) for z in zones}
    assert any(o is not None and o % timedelta(hours=1) for o in offsets), "no half-hour zone"
    assert leads.filter(frozen_until__gt=now).exists()
    assert leads.filter(is_blacklisted=True).exists()
    assert not leads.filter(status__isnull=True).exists()


def test_demo_command_loads_only_into_an_empty_database() -> None:
    call_command("demo", leads=300, stdout=StringIO())
    call_command("demo", leads=300, if_empty=True, stdout=StringIO())
    assert Tenant.objects.count() == 1
