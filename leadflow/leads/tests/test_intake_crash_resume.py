"""A killed import (worker killed mid-file) resumes, and never duplicates leads.

The import runs in a real subprocess against the test database and is killed with
SIGKILL between two committed batches; the job is then run again in this process. On
SQLite the test database lives in memory, which no other process can open: the test
copies it to a file for the subprocess and copies the killed process's file back before
resuming (``core.tests.subprocess_db``), so both backends run the same scenario.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db.models import Count

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.tests.subprocess_db import (
    committed_row,
    shared_database_file,
    shared_database_restore,
    subprocess_env,
)
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.intake.engine import import_run
from leadflow.leads.intake.phones import PhoneError, parse_phone
from leadflow.leads.models import ImportJob, ImportState, Lead
from leadflow.leads.tests.intake_support import configure_job, counts_add_up, create_job
from leadflow.tenants.models import Tenant

ROWS = 30_000
SUBPROCESS_BATCH = 1_000  # rows per transaction in the killed process: 30 checkpoints
OPTIONS: dict[str, Any] = {"default_region": "US", "on_duplicate": "update", "dnc_policy": "skip"}
AREAS = ("212", "312", "415", "646", "718")

RUNNER = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from leadflow.leads.intake import engine
batch = int(os.environ["LEADFLOW_TEST_BATCH_ROWS"])
engine.batching_for = lambda total: engine.Batching(rows=batch, workers=0)
engine.import_run(job_id=int(sys.argv[1]))
"""


def _lead_file(path: Path) -> tuple[Path, dict[str, tuple[str, dict[str, str]]], int]:
    """~30,000 rows: mostly new numbers, some invalid, and in-file duplicates whose first
    occurrence is thousands of rows earlier (so it is often before the checkpoint).

    Returns the file, each valid number's expected (first name, custom fields) — those of
    its first row — and the number of invalid rows."""
    lines = ["phone,first name,tier"]
    phones: list[str] = []
    expected: dict[str, tuple[str, dict[str, str]]] = {}
    invalid = 0
    for index in range(ROWS):
        if index % 37 == 5:
            phone = "555-01"  # rejected
        elif index % 11 == 3 and len(phones) > 8_000:
            phone = phones[len(phones) - 7_919]  # repeats an earlier row
        else:
            serial = len(phones)
            phone = f"({AREAS[serial // 9_000]}) 555-{serial % 9_000 + 1_000:04d}"
            phones.append(phone)
        lines.append(f"{phone},Name {index},t{index % 3}")
        try:
            e164 = parse_phone(phone, "US").e164
        except PhoneError:
            invalid += 1
        else:
            expected.setdefault(e164, (f"Name {index}", {"tier": f"t{index % 3}"}))
    path.write_text("\n".join(lines) + "\n")
    return path, expected, invalid


def _prepared_job(tenant: Tenant, campaign: Campaign, path: Path) -> ImportJob:
    job = create_job(tenant, path, campaign)
    configure_job(job, campaign, ["phone", "first_name", "custom.tier"], **OPTIONS)
    ImportJob.objects.filter(id=job.id).update(state=ImportState.QUEUED)
    return job


def _subprocess_env(tmp_path: Path, sqlite_file: Path | None) -> dict[str, str]:
    return subprocess_env(tmp_path, sqlite_file,
                          LEADFLOW_TEST_BATCH_ROWS=str(SUBPROCESS_BATCH))


def _progress(job_id: int, sqlite_file: Path | None) -> tuple[int, int]:
    """(processed_rows, total_rows) as committed, read the way another process sees it."""
    found = committed_row("SELECT processed_rows, total_rows FROM leads_importjob "
                          "WHERE id = %s", (job_id,), sqlite_file)
    assert found is not None
    return int(found[0]), int(found[1])


def _kill_mid_file(job_id: int, env: dict[str, str]) -> None:
    """Start the import in a subprocess; SIGKILL it once some batches are committed."""
    process = subprocess.Popen([sys.executable, "-c", RUNNER, str(job_id)],
                               cwd=django_settings.BASE_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sqlite_file = Path(env["LEADFLOW_SQLITE_PATH"]) if "LEADFLOW_SQLITE_PATH" in env else None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                _, err = process.communicate()
                pytest.fail(f"the import ended before it could be killed: {err.decode()[-2000:]}")
            processed, total = _progress(job_id, sqlite_file)
            if 3 * SUBPROCESS_BATCH <= processed < total - 3 * SUBPROCESS_BATCH:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                assert process.returncode == -signal.SIGKILL
                return
            time.sleep(0.005)
        pytest.fail("the import made no progress in 120 s")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _duplicated_phones(campaign: Campaign) -> list[str]:
    return list(Lead.objects.filter(campaign=campaign).values("phone")
                .annotate(n=Count("id")).filter(n__gt=1).values_list("phone", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_resumes_where_it_stopped_and_never_duplicates_leads(
    tenant: Tenant, tmp_path: Path, settings: Any,
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    campaign = make_campaign(tenant, time_zone="America/Chicago")
    dnc_entry_add(tenant=tenant, phone="(212) 555-1500", default_region="US")
    path, expected, invalid = _lead_file(tmp_path / "big.csv")
    job = _prepared_job(tenant, campaign, path)

    sqlite_file = shared_database_file(tmp_path)
    _kill_mid_file(job.id, _subprocess_env(tmp_path, sqlite_file))
    shared_database_restore(sqlite_file)

    killed = ImportJob.objects.get(id=job.id)
    assert killed.state == ImportState.RUNNING
    assert 0 < killed.processed_rows < killed.total_rows == ROWS
    assert killed.processed_rows % SUBPROCESS_BATCH == 0  # whole batches, nothing half-done
    assert killed.outcome_total == killed.processed_rows
    assert Lead.objects.filter(campaign=campaign).count() == killed.imported
    assert killed.row_errors.values("row_number").distinct().count() == killed.rejected

    resumed = import_run(job_id=job.id)
    assert resumed.state == ImportState.DONE, resumed.error_message
    assert counts_add_up(resumed) and resumed.total_rows == ROWS
    assert _duplicated_phones(campaign) == []
    del expected["+12125551500"]  # on the do-not-call list
    assert Lead.objects.filter(campaign=campaign).count() == len(expected)
    # Exactly the outcomes of an uninterrupted run: a row repeating one from before the
    # checkpoint is an in-file duplicate, not an update of the lead its twin created.
    assert (resumed.imported, resumed.updated, resumed.rejected, resumed.dnc_skipped) == (
        len(expected), 0, invalid, 1)
    assert resumed.row_errors.values("row_number").distinct().count() == invalid
    stored = {phone: (name, custom) for phone, name, custom in
              Lead.objects.filter(campaign=campaign).values_list("phone", "first_name",
                                                                  "custom_fields")}
    assert stored == expected


@pytest.mark.django_db(transaction=True)
def test_a_resumed_import_rebuilds_its_in_file_duplicates_in_worker_processes(
    tenant: Tenant, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped after its first batches (a lost connection), the job resumes with worker
    processes; a row repeating one from before the checkpoint is still a duplicate."""
    from django.db import OperationalError

    from leadflow.leads.intake import engine

    settings.VAR_DIR = tmp_path / "var"
    campaign = make_campaign(tenant)
    rows = [f"+1212555{n:04d},First{n},t" for n in range(100, 112)]
    rows += [f"+1212555{n:04d},Again{n},u" for n in range(100, 112)]  # all repeats
    path = tmp_path / "repeats.csv"
    path.write_text("phone,first name,tier\n" + "\n".join(rows) + "\n")
    job = _prepared_job(tenant, campaign, path)

    real_write = engine.write_batch
    calls = iter(range(100))

    def lose_connection_on_third_batch(**kwargs: Any) -> Any:
        if next(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_write(**kwargs)

    monkeypatch.setattr(engine, "batching_for", lambda total: engine.Batching(rows=5,
                                                                             workers=0))
    monkeypatch.setattr(engine, "write_batch", lose_connection_on_third_batch)
    with pytest.raises(OperationalError):
        import_run(job_id=job.id)
    assert ImportJob.objects.get(id=job.id).processed_rows == 10

    monkeypatch.setattr(engine, "batching_for", lambda total: engine.Batching(rows=5,
                                                                             workers=2))
    resumed = import_run(job_id=job.id)
    assert resumed.state == ImportState.DONE and counts_add_up(resumed)
    assert (resumed.imported, resumed.updated, resumed.duplicates) == (12, 0, 12)
    assert sorted(Lead.objects.filter(campaign=campaign).values_list("first_name", flat=True)) \
        == sorted(f"First{n}" for n in range(100, 112))
