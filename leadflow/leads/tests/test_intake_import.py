"""A whole import: outcomes that add up to the file's rows, deduplication in the file and
against the database, do-not-call policies, typed custom fields, the error report, the CLI.
The same outcomes on SQLite (ORM path) and PostgreSQL (COPY + one merge statement)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.imports import error_report_rows, import_job_configure, neutralise
from leadflow.leads.intake import engine
from leadflow.leads.intake.engine import Batching
from leadflow.leads.models import CampaignField, DncEntry, ImportJob, ImportState, Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.leads.tests.intake_support import (
    counts_add_up,
    create_job,
    errors_of,
    import_file,
    lead_rows,
    write_file,
)
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, time_zone="America/New_York")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 3 rows, so a small file crosses several transactions."""
    monkeypatch.setattr(engine, "batching_for", lambda total: Batching(rows=3, workers=0))


def _csv(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def _by_phone(campaign: Campaign) -> dict[str, Lead]:
    return {lead.phone: lead for lead in Lead.objects.filter(campaign=campaign)}


MIXED = _csv(
    "phone,first name,last name,email",
    "(212) 555-0101,Ann,Lee,ann@example.com",   # 1 imported
    "+1 212 555 0102,Bob,Ray,",                  # 2 imported
    "212.555.0101,Ann,Again,",                   # 3 in-file duplicate of row 1
    "not a phone,Cy,,",                          # 4 rejected
    "212 555 0103,Dee,,not-an-email",            # 5 rejected
    "212 555 0104,Eve,,",                        # 6 duplicate of a stored lead
    "212 555 0105,Fay,,",                        # 7 on the do-not-call list
    "2125550102,Bob,Twice,",                     # 8 in-file duplicate of row 2
    "212 555 0106,Gus,,",                        # 9 imported
)


def test_every_row_gets_exactly_one_outcome_and_they_add_up(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    LeadFactory(campaign=campaign, phone="+12125550104", first_name="Stored")
    dnc_entry_add(tenant=tenant, phone="+12125550105")
    job = import_file(campaign, write_file(tmp_path, MIXED), default_region="US")
    assert job.state == ImportState.DONE and counts_add_up(job)
    assert (job.total_rows, job.imported, job.updated, job.duplicates, job.rejected,
            job.dnc_skipped) == (9, 3, 0, 3, 2, 1)
    assert errors_of(job) == [
        (4, "phone", "not a phone number (The string supplied did not seem to be a phone "
                     "number.)"),
        (5, "email", "not an email address"),
    ]
    stored = _by_phone(campaign)
    assert sorted(stored) == ["+12125550101", "+12125550102", "+12125550104", "+12125550106"]
    assert (stored["+12125550101"].last_name, stored["+12125550102"].last_name) == ("Lee", "Ray")
    assert stored["+12125550104"].first_name == "Stored"
    assert job.finished_at is not None and job.started_at is not None


def test_the_same_outcomes_when_the_file_spans_many_batches(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, small_batches: None,
) -> None:
    LeadFactory(campaign=campaign, phone="+12125550104", first_name="Stored")
    dnc_entry_add(tenant=tenant, phone="+12125550105")
    job = import_file(campaign, write_file(tmp_path, MIXED), default_region="US")
    assert (job.total_rows, job.imported, job.updated, job.duplicates, job.rejected,
            job.dnc_skipped) == (9, 3, 0, 3, 2, 1)
    assert counts_add_up(job)


def test_new_leads_get_the_campaigns_default_status_and_entry_time(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    before = clock.now()
    import_file(campaign, write_file(tmp_path, _csv("phone", "+12125550101", "+12125550102")))
    new = LeadStatus.objects.get(campaign=campaign, is_default_for_new_leads=True)
    leads = list(Lead.objects.filter(campaign=campaign))
    assert len(leads) == 2
    assert all(lead.status_id == new.id for lead in leads)
    assert all(lead.created_at >= before and lead.weight == 0 and not lead.is_blacklisted
               for lead in leads)
    assert all(lead.tenant_id == tenant.id for lead in leads)


def test_dedupe_by_phone_against_the_campaign_or_the_whole_tenant(
    tenant: Tenant, other_tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    sister = make_campaign(tenant)
    LeadFactory(campaign=sister, phone="+12125550101")
    LeadFactory(campaign=make_campaign(other_tenant), phone="+12125550102")
    path = write_file(tmp_path, _csv("phone", "+12125550101", "+12125550102"))

    by_tenant = import_file(campaign, path, dedupe_scope="tenant")
    # The sister campaign's lead counts; the other tenant's lead never does.
    assert (by_tenant.imported, by_tenant.duplicates) == (1, 1)
    assert list(Lead.objects.filter(campaign=campaign).values_list("phone", flat=True)) == [
        "+12125550102"]
    by_campaign = import_file(make_campaign(tenant), path, dedupe_scope="campaign")
    assert (by_campaign.imported, by_campaign.duplicates) == (2, 0)


def test_dedupe_by_external_id_when_the_row_has_one(tenant: Tenant, campaign: Campaign,
                                                   tmp_path: Path) -> None:
    LeadFactory(campaign=campaign, phone="+12125550101", external_id="CRM-1", first_name="Old")
    path = write_file(tmp_path, _csv(
        "phone,external id,first name",
        "+12125550199,CRM-1,New",   # same CRM id, new phone: the stored lead
        "+12125550101,CRM-2,Other",  # same phone, another CRM id: another lead
        "+12125550198,CRM-2,Again",  # CRM-2 again in the file: in-file duplicate
    ))
    skipped = import_file(campaign, path)
    assert (skipped.imported, skipped.duplicates) == (1, 2)
    assert Lead.objects.get(external_id="CRM-1").first_name == "Old"
    assert Lead.objects.get(external_id="CRM-2").phone == "+12125550101"

    updated = import_file(campaign, path, on_duplicate="update")
    assert (updated.imported, updated.updated, updated.duplicates) == (0, 2, 1)
    crm1 = Lead.objects.get(external_id="CRM-1")
    assert (crm1.first_name, crm1.phone) == ("New", "+12125550101")  # the phone is kept


def test_update_changes_values_but_never_erases_them_with_an_empty_cell(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    LeadFactory(campaign=campaign, phone="+12125550101", first_name="Ann", last_name="Lee",
                email="ann@example.com", weight=5, alt_phones=["+12125550177"],
                custom_fields={"tier": "gold", "notes": "old"}, source="fair")
    path = write_file(tmp_path, _csv(
        "phone,first name,last name,email,weight,mobile,tier,plan",
        "+12125550101,Anne,,,,+12125550188,,pro",
    ))
    job = import_file(campaign, path, columns=["phone", "first_name", "last_name", "email",
                                               "weight", "alt_phone", "custom.tier",
                                               "custom.plan"], on_duplicate="update")
    assert (job.updated, job.imported) == (1, 0)
    lead = Lead.objects.get(phone="+12125550101")
    assert (lead.first_name, lead.last_name, lead.email, lead.weight, lead.source) == (
        "Anne", "Lee", "ann@example.com", 5, "fair")
    assert lead.alt_phones == ["+12125550177", "+12125550188"]
    assert lead.custom_fields == {"tier": "gold", "notes": "old", "plan": "pro"}


def test_skip_leaves_a_stored_lead_untouched(tenant: Tenant, campaign: Campaign,
                                            tmp_path: Path) -> None:
    LeadFactory(campaign=campaign, phone="+12125550101", first_name="Ann")
    before = lead_rows(campaign=campaign)
    job = import_file(campaign, write_file(tmp_path, _csv("phone,first name",
                                                          "+12125550101,Zed")))
    assert (job.duplicates, job.updated) == (1, 0)
    assert lead_rows(campaign=campaign) == before


def test_two_rows_matching_one_stored_lead_both_apply_in_file_order(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    LeadFactory(campaign=campaign, phone="+12125550101", external_id="CRM-1", first_name="A",
                last_name="B", custom_fields={})
    path = write_file(tmp_path, _csv(
        "phone,external id,first name,last name,tier",
        "+12125550101,,First,,x",       # matches by phone
        "+12125550199,CRM-1,,Second,y",  # matches by CRM id: the same lead
    ))
    job = import_file(campaign, path, columns=["phone", "external_id", "first_name",
                                               "last_name", "custom.tier"],
                      on_duplicate="update")
    assert (job.updated, job.imported, job.duplicates) == (2, 0, 0)
    lead = Lead.objects.get(external_id="CRM-1")
    assert (lead.first_name, lead.last_name, lead.custom_fields) == ("First", "Second",
                                                                    {"tier": "y"})


@pytest.mark.parametrize("on_duplicate", ["skip", "update"])
def test_importing_the_same_file_again_changes_nothing(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, on_duplicate: str,
) -> None:
    dnc_entry_add(tenant=tenant, phone="+12125550105")
    path = write_file(tmp_path, _csv(
        "phone,first name,mobile,external id,tier,weight",
        "+12125550101,Ann,+12125550181,,gold,3",
        "+12125550102,Bob,+12125550182,CRM-2,,",
        "+12125550101,Ann,,,,",
        "bad,Cy,,,,",
        "+12125550105,Dnc,,,,",
        "+44 20 7946 0958,Eve,+44 20 7946 0959,CRM-5,silver,1",
    ))
    columns = ["phone", "first_name", "alt_phone", "external_id", "custom.tier", "weight"]
    first = import_file(campaign, path, columns=columns, on_duplicate=on_duplicate)
    assert (first.imported, first.duplicates, first.rejected, first.dnc_skipped) == (3, 1, 1, 1)
    before = lead_rows(campaign=campaign)

    again = import_file(campaign, path, columns=columns, on_duplicate=on_duplicate)
    assert again.state == ImportState.DONE and counts_add_up(again)
    assert lead_rows(campaign=campaign) == before
    assert (again.imported, again.rejected, again.dnc_skipped) == (0, 1, 1)
    if on_duplicate == "skip":
        assert again.duplicates == 4
    else:
        assert (again.updated, again.duplicates) == (3, 1)


def test_do_not_call_rows_are_skipped_or_imported_blacklisted(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    other = make_campaign(tenant)
    dnc_entry_add(tenant=tenant, phone="+12125550101")  # tenant-wide
    dnc_entry_add(tenant=tenant, phone="+12125550102", campaign_id=campaign.id)
    dnc_entry_add(tenant=tenant, phone="+12125550103", campaign_id=other.id)  # not this one
    DncEntry.objects.create(tenant=tenant, phone="+12125550104",  # expired: ignored
                            expires_at=clock.now() - timedelta(minutes=1))
    dnc_entry_add(tenant=tenant, phone="+12125550105",  # expires later: still active
                  expires_at=clock.now() + timedelta(days=1))
    path = write_file(tmp_path, _csv("phone", *(f"+1212555010{n}" for n in range(1, 7))))

    skipped = import_file(campaign, path, dnc_policy="skip")
    assert (skipped.imported, skipped.dnc_skipped, skipped.blacklisted) == (3, 3, 0)
    assert sorted(_by_phone(campaign)) == ["+12125550103", "+12125550104", "+12125550106"]

    fresh = make_campaign(tenant)
    dnc_entry_add(tenant=tenant, phone="+12125550102", campaign_id=fresh.id)
    blacklisted = import_file(fresh, path, dnc_policy="blacklist")
    assert (blacklisted.imported, blacklisted.dnc_skipped, blacklisted.blacklisted) == (6, 0, 3)
    flags = {phone: lead.is_blacklisted for phone, lead in _by_phone(fresh).items()}
    assert flags == {"+12125550101": True, "+12125550102": True, "+12125550103": False,
                     "+12125550104": False, "+12125550105": True, "+12125550106": False}
    assert counts_add_up(skipped) and counts_add_up(blacklisted)


def test_custom_fields_are_typed_by_their_campaign_definition(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    CampaignField.objects.create(tenant=tenant, campaign=campaign, key="age", label="Age",
                                 field_type="number")
    path = write_file(tmp_path, _csv(
        "phone,age,income,born,vip,notes",
        "+12125550101,42,\"1,250.50\",1990-05-17,yes,hello",
        "+12125550102,forty,10,1990-02-30,maybe,",
        "+12125550103,,1.5e999,,N,",
        "+12125550104,7,,,,",
    ))
    job = create_job(tenant, path, campaign)
    import_job_configure(
        tenant=tenant, job_id=job.id,
        columns=["phone", "custom.age", "custom.income", "custom.born", "custom.vip",
                 "custom.notes"],
        # "age" is already a number field: its definition wins over the request.
        custom_types={"age": "text", "income": "number", "born": "date", "vip": "boolean"},
        options={})
    ImportJob.objects.filter(id=job.id).update(state=ImportState.QUEUED)
    job = engine.import_run(job_id=job.id)
    assert (job.imported, job.rejected) == (2, 2) and counts_add_up(job)
    assert errors_of(job) == [
        (2, "age", "not a number"), (2, "born", "not a date written YYYY-MM-DD"),
        (2, "vip", "not yes/no"), (3, "income", "number is out of range"),
    ]
    assert Lead.objects.get(phone="+12125550101").custom_fields == {
        "age": 42, "income": 1250.5, "born": "1990-05-17", "vip": True, "notes": "hello"}
    assert Lead.objects.get(phone="+12125550104").custom_fields == {"age": 7}
    types = dict(CampaignField.objects.filter(campaign=campaign)
                 .values_list("key", "field_type"))
    assert types == {"age": "number", "income": "number", "born": "date", "vip": "boolean",
                     "notes": "text"}


def test_the_error_report_neutralises_cells_a_spreadsheet_would_run(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, _csv(
        "phone,first name,email",
        "=HYPERLINK(\"http://evil\"),Ann,",
        "+cmd|' /C calc'!A0,Bob,",
        "-2+3,Cy,",
        "@SUM(1+1),Dee,",
        "+12125550101,Eve,=1+1",
    ))
    job = import_file(campaign, path)
    assert job.rejected == 5
    report = list(csv.reader(io.StringIO("".join(error_report_rows(job)))))
    assert report[0] == ["row", "column", "value", "reason"]
    values = [row[2] for row in report[1:]]
    assert values == ["'=HYPERLINK(\"http://evil\")", "'+cmd|' /C calc'!A0", "'-2+3",
                      "'@SUM(1+1)", "'=1+1"]
    assert [row[0] for row in report[1:]] == ["1", "2", "3", "4", "5"]
    assert neutralise("\tx") == "'\tx" and neutralise("Ann") == "Ann"


def test_a_job_runs_once_a_second_run_changes_nothing(tenant: Tenant, campaign: Campaign,
                                                     tmp_path: Path) -> None:
    job = import_file(campaign, write_file(tmp_path, _csv("phone", "+12125550101")))
    before = lead_rows(campaign=campaign)
    again = engine.import_run(job_id=job.id)
    assert again.state == ImportState.DONE and again.imported == 1
    assert lead_rows(campaign=campaign) == before


def test_an_unexpected_error_fails_the_job_with_a_message_keeping_committed_batches(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_write = engine.write_batch
    calls = iter(range(100))

    def failing_second_batch(**kwargs: Any) -> Any:
        if next(calls) == 1:
            raise ValueError("a value the database refuses")
        return real_write(**kwargs)

    monkeypatch.setattr(engine, "write_batch", failing_second_batch)
    path = write_file(tmp_path, _csv("phone", *(f"+1212555010{n}" for n in range(8))))
    job = import_file(campaign, path)
    assert job.state == ImportState.FAILED and job.finished_at is not None
    assert job.error_message == (
        "The import stopped at row 4 on an internal error (ValueError); the 3 rows before it "
        "are imported. Importing the file again skips them.")
    assert (job.processed_rows, job.imported) == (3, 3)
    assert Lead.objects.filter(campaign=campaign).count() == 3


def test_a_lost_database_connection_leaves_the_job_running_for_a_retry_to_resume(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError

    real_write = engine.write_batch
    calls = iter(range(100))

    def dropped_connection(**kwargs: Any) -> Any:
        if next(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_write(**kwargs)

    monkeypatch.setattr(engine, "write_batch", dropped_connection)
    path = write_file(tmp_path, _csv("phone", *(f"+1212555010{n}" for n in range(8))))
    with pytest.raises(OperationalError):
        import_file(campaign, path)
    job = ImportJob.objects.get()
    assert job.state == ImportState.RUNNING and job.processed_rows == 3
    resumed = engine.import_run(job_id=job.id)  # what the task's retry does
    assert resumed.state == ImportState.DONE and counts_add_up(resumed)
    assert (resumed.imported, resumed.duplicates) == (8, 0)


@pytest.mark.django_db(transaction=True)
def test_a_big_file_normalised_in_worker_processes_gives_the_same_outcomes(
    tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "batching_for", lambda total: Batching(rows=40, workers=2))
    campaign = make_campaign(tenant)
    rows = [f"+1212555{n % 150:04d},Name{n}" for n in range(200)] + ["oops,Bad"]
    job = import_file(campaign, write_file(tmp_path, _csv("phone,first name", *rows)))
    assert job.state == ImportState.DONE, job.error_message
    assert (job.imported, job.duplicates, job.rejected) == (150, 50, 1) and counts_add_up(job)
    assert Lead.objects.filter(campaign=campaign).count() == 150


# --- The CLI -----------------------------------------------------------------------------


def test_the_cli_prints_the_summary_and_writes_the_error_report(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_file(tmp_path, _csv("Tel,Given,Tier", "212 555 0101,Ann,gold",
                                     "=1+1,Bob,", "212 555 0101,Ann,", "212 555 0102,Cy,"))
    report = tmp_path / "errors.csv"
    call_command("import", str(path), "--campaign", str(campaign.id), "--region", "US",
                 "--mapping", json.dumps({"Given": "first_name", "Tier": "custom.tier"}),
                 "--errors", str(report))
    out, err = capsys.readouterr()
    summary = json.loads(out)
    job = ImportJob.objects.get()
    assert summary == {"import_id": job.id, "rows": 4, "imported": 2, "updated": 0,
                       "duplicates": 1, "rejected": 1, "dnc_skipped": 0, "blacklisted": 0,
                       "error_report": str(report)}
    assert "2/4 rows" not in err or "4/4 rows" in err  # the bar ends at the total
    assert "4/4 rows" in err
    assert list(csv.reader(report.open())) == [
        ["row", "column", "value", "reason"],
        ["2", "Tel", "'=1+1", "not a phone number (The string supplied did not seem to be a "
                              "phone number.)"]]
    assert Lead.objects.get(phone="+12125550101").custom_fields == {"tier": "gold"}


def test_the_cli_writes_no_report_when_no_row_is_rejected(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_file(tmp_path, _csv("phone", "+12125550101"))
    call_command("import", str(path), "--campaign", str(campaign.id), "--dedupe", "tenant",
                 "--on-duplicate", "update", "--dnc", "blacklist")
    summary = json.loads(capsys.readouterr().out)
    assert summary["imported"] == 1 and summary["error_report"] is None
    assert not (tmp_path / "leads.csv.errors.csv").exists()
    assert ImportJob.objects.get().options == {
        "default_region": "", "dedupe_scope": "tenant", "on_duplicate": "update",
        "dnc_policy": "blacklist"}


@pytest.mark.parametrize("arguments, message", [
    (["--mapping", "[1]"], '--mapping must be a JSON object {"header": "target"}'),
    (["--mapping", '{"Phone": "phone"}'], "--mapping names columns the file does not have: "
                                          "Phone (its columns: tel, name)"),
    (["--mapping", '{"tel": "ignore"}'], "mapping: Map one column to Phone."),
    (["--region", "XX"], "default_region: 'XX' is not a country code (e.g. US, GB)."),
])
def test_the_cli_refuses_a_bad_mapping_or_option_with_the_reason(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, arguments: list[str], message: str,
) -> None:
    path = write_file(tmp_path, _csv("tel,name", "+12125550101,Ann"))
    with pytest.raises(CommandError) as caught:
        call_command("import", str(path), "--campaign", str(campaign.id), *arguments)
    assert str(caught.value) == message
    assert not Lead.objects.exists()


def test_the_cli_refuses_a_broken_file_or_a_missing_campaign(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    with pytest.raises(CommandError, match="file: The file is empty."):
        call_command("import", str(write_file(tmp_path, b"")), "--campaign", str(campaign.id))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", str(tmp_path / "missing.csv"), "--campaign", str(campaign.id))
    with pytest.raises(CommandError, match="Campaign 999999 not found."):
        call_command("import", str(write_file(tmp_path, _csv("phone", "+12125550101"))),
                     "--campaign", "999999")


def test_the_cli_reports_a_job_that_fails_while_running(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    rows = "".join(f"+1212555{n:04d}\n" for n in range(20))
    path = write_file(tmp_path, "phone\n" + rows + '"' + "x" * 1_000_001 + '"\n')
    with pytest.raises(CommandError, match="a cell is longer than 1,000,000 characters"):
        call_command("import", str(path), "--campaign", str(campaign.id))
    assert ImportJob.objects.get().state == ImportState.FAILED and not Lead.objects.exists()
