"""A file import and a CRM's API write of the same phone, at the same moment, store one
lead (PostgreSQL: SQLite serialises every writer already)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.tests.threads import run_threads
from leadflow.leads.intake.writer import WriteOptions
from leadflow.leads.models import Lead
from leadflow.leads.services_api import leads_write
from leadflow.leads.tests.intake_support import import_file, write_file
from leadflow.tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises every writer (IMMEDIATE transactions): "
                              "the two writers cannot interleave there, so the test needs "
                              "PostgreSQL."),
]
PHONE = "+12025550143"
OTHER_PHONE_IN_THE_ZONE = "+12025550199"


@pytest.fixture
def campaign(tenant: Tenant, settings: Any, tmp_path: Path) -> Campaign:
    settings.VAR_DIR = tmp_path / "var"  # uploads go there
    return make_campaign(tenant, time_zone="America/New_York")


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction the statistics views are a snapshot taken at first use.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        row = cursor.fetchone()
    return bool(row and row[0])


def _race(import_into: Campaign, api_into: Campaign, api_options: WriteOptions,
          tmp_path: Path) -> list[str]:
    """An import batch of PHONE held uncommitted in ``import_into`` while the API writes
    PHONE to ``api_into``; returns the API's outcomes once both have committed."""
    # A committed lead in the same zone first: otherwise both writers would insert that
    # new zone set and its unique key alone would make the second one wait.
    leads_write(tenant=import_into.tenant, campaign_id=import_into.id,
                items=[{"phone": OTHER_PHONE_IN_THE_ZONE}], options=WriteOptions())
    path = write_file(tmp_path, f"phone,first_name\n{PHONE},From the file\n")
    batch_written = threading.Event()
    api_done = threading.Event()
    outcomes: list[str] = []

    def import_then_hold_the_commit() -> None:
        # The outer transaction keeps the import's batch uncommitted while the API
        # write runs: the window in which, without the scope lock, neither writer
        # sees the other's lead.
        with transaction.atomic():
            import_file(import_into, path)
            batch_written.set()
            deadline = time.monotonic() + 10
            while not (api_done.is_set() or _someone_waits_on_a_lock()):
                assert time.monotonic() < deadline, "the API write neither ran nor waited"
                time.sleep(0.02)

    def api_write() -> None:
        assert batch_written.wait(10)
        report = leads_write(tenant=api_into.tenant, campaign_id=api_into.id,
                             items=[{"phone": PHONE, "first_name": "From the CRM"}],
                             options=api_options)
        outcomes.extend(result.outcome for result in report.results)
        api_done.set()

    errors = run_threads(2, lambda index: (import_then_hold_the_commit, api_write)[index]())
    assert errors == []
    return outcomes


def test_an_api_write_waits_for_an_uncommitted_import_batch_of_the_same_phone_and_skips_it(
        campaign: Campaign, tmp_path: Path) -> None:
    assert _race(campaign, campaign, WriteOptions(), tmp_path) == ["duplicate"]
    assert list(Lead.objects.filter(phone=PHONE).values_list("first_name", flat=True)) == [
        "From the file"]


def test_a_tenant_wide_dedupe_waits_for_an_import_into_another_campaign(
        campaign: Campaign, tmp_path: Path) -> None:
    other = make_campaign(campaign.tenant, name="Other", time_zone="America/New_York")
    outcomes = _race(campaign, other, WriteOptions(dedupe_scope="tenant"), tmp_path)
    assert outcomes == ["duplicate"]
    assert list(Lead.objects.filter(phone=PHONE).values_list("campaign_id", flat=True)) == [
        campaign.id]
