"""The lead import pages: upload, mapping with preview, progress, result, history."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.http.multipartparser import MultiPartParser
from django.test import Client

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.intake.engine import import_run
from leadflow.leads.models import CampaignField, ImportJob, ImportState, Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.leads.tests.pages_support import (
    SAMPLE_FILE,
    column_index,
    form_defaults,
    job_from_redirect,
    text_of,
    upload,
)

pytestmark = pytest.mark.django_db

SMALL_CSV = (
    b"Phone,First Name,Last Name,Email,Score\r\n"
    b"+1 202 555 0143,Ann,Able,ann@example.com,7\r\n"
    b"(202) 555-0144,Bob,Baker,bob@example.com,3\r\n"
    b"not a phone,Cy,Cole,cy@example.com,1\r\n"
    b"+12025550143,Ann,Again,ann2@example.com,7\r\n"
    b"+44 20 7946 0123,Dee,Dunn,=cmd|' /C calc'!A0,9\r\n"
)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "uploads"


def _stored_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def _map_page(client: Client, job: ImportJob) -> Any:
    response = client.get(f"/campaigns/imports/{job.id}/mapping/")
    assert response.status_code == 200
    return response


def _start(client: Client, job: ImportJob, **changes: Any) -> Any:
    data = form_defaults(_map_page(client, job))
    data.update(changes)
    return client.post(f"/campaigns/imports/{job.id}/mapping/", data)


# --- upload ----------------------------------------------------------------------------

def test_an_admin_uploads_a_csv_and_the_mapping_page_guesses_each_columns_target(
    admin_client, tenant
):
    campaign = make_campaign(tenant, name="Spring")
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    assert (job.campaign_id, job.state, job.headers) == (
        campaign.id, ImportState.UPLOADED, ["Phone", "First Name", "Last Name", "Email", "Score"])

    response = _map_page(admin_client, job)
    form = response.context["form"]
    assert [form[f"target_{i}"].value() for i in range(5)] == [
        "phone", "first_name", "last_name", "email", "weight"]
    assert form["custom_key_4"].value() == "score"
    page = text_of(response)
    assert "CSV, utf_8, comma-separated" in page
    assert "+12025550143" in page  # the preview, in E.164


def test_the_campaigns_import_link_preselects_the_campaign(admin_client, tenant):
    campaign = make_campaign(tenant, name="Preselected")
    response = admin_client.get(f"/campaigns/imports/new/?campaign={campaign.id}")
    assert response.status_code == 200
    assert response.context["form"]["campaign"].value() == campaign.id
    assert f'<option value="{campaign.id}" selected>' in response.content.decode()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "file is empty."),
    ("header.csv", b"Phone,Name\r\n", "The file has a header but no rows."),
    ("mojibake.csv", b"\x81\x8d\x8f\x90\x9d" * 200, "text encoding is not recognised"),
    ("utf16.csv", "Phone,Name\n+12025550143,Ann\n".encode("utf-16-le"), "not CSV text"),
    ("broken.xlsx", b"PK\x03\x04 this is not a workbook", "XLSX file cannot be opened"),
    ("old.xls", b"\xd0\xcf\x11\xe0 legacy", "Old Excel .xls files cannot be read"),
])
def test_a_bad_file_is_a_form_error_naming_the_problem_and_no_job_is_created(
    admin_client, tenant, tmp_path, name, content, message
):
    campaign = make_campaign(tenant)
    response = upload(admin_client, content, name=name, campaign_id=campaign.id)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()
    assert _stored_files(tmp_path) == []


def test_an_upload_without_a_campaign_asks_for_one(admin_client, tenant):
    response = upload(admin_client, SMALL_CSV)
    assert response.status_code == 400
    assert response.context["form"].errors["campaign"] == ["This field is required."]


def test_an_upload_declaring_more_than_the_limit_is_refused_before_its_body_is_read(
    admin_client, tenant, tmp_path, settings, monkeypatch
):
    settings.LEADFLOW_MAX_UPLOAD_MB = 5
    campaign = make_campaign(tenant)

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(MultiPartParser, "parse", never)
    response = upload(admin_client, SMALL_CSV, campaign_id=campaign.id,
                      CONTENT_LENGTH=str(2 * 1024 ** 3))  # "2 GB on its way"
    assert response.status_code == 413
    error = response.context["size_error"]
    assert "The upload is 2,048 MB" in error and "limited to 5 MB" in error
    assert "LEADFLOW_MAX_UPLOAD_MB" in error
    assert not ImportJob.objects.exists()
    assert _stored_files(tmp_path) == []


def test_a_body_over_the_limit_is_cut_off_while_it_streams_in(
    admin_client, tenant, tmp_path, settings
):
    # The declared length passes (the envelope allowance), the bytes themselves do not:
    # the counting upload handler stops the upload at the limit.
    settings.LEADFLOW_MAX_UPLOAD_MB = 1
    campaign = make_campaign(tenant)
    body = b"Phone\r\n" + b"+12025550143\r\n" * (1024 * 1024 // 14 + 1000)
    response = upload(admin_client, body, campaign_id=campaign.id)
    assert response.status_code == 413
    assert "limited to 1 MB" in response.context["size_error"]
    assert not ImportJob.objects.exists()
    assert _stored_files(tmp_path) == []


# --- mapping ---------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"target_0": "ignore"}, None, "Map one column to Phone."),
    ({"target_2": "first_name"}, None, "both map to first_name"),
    ({"target_4": "custom", "custom_key_4": "Lead Score!"}, "custom_key_4",
     "Use lowercase letters a–z, digits and _"),
    ({"campaign": ""}, "campaign", "This field is required."),
    ({"default_region": "XX"}, "default_region", "Select a valid choice"),
])
def test_a_mapping_error_is_shown_on_the_form_and_nothing_starts(
    admin_client, tenant, changes, field, message
):
    campaign = make_campaign(tenant)
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    response = _start(admin_client, job, **changes)
    assert response.status_code == 400
    errors = response.context["form"].errors.get(field or "__all__", [])
    assert any(message in e for e in errors), response.context["form"].errors
    job.refresh_from_db()
    assert (job.state, job.mapping) == (ImportState.UPLOADED, {})
    assert not CampaignField.objects.exists()


def test_the_preview_shows_e164_numbers_and_each_refused_rows_problems(admin_client, tenant):
    campaign = make_campaign(tenant, time_zone="Europe/Berlin")
    csv_text = (b"Phone,Name,Country,Tier\r\n"
                b"+1 212 555 0143,Ann,US,Gold\r\n"
                b"(212) 555-0144,Bob,,Silver\r\n"
                b"12345,Cy,US,Bronze\r\n"
                b"+1 212 555 0143,Ann again,US,Gold\r\n")
    job = job_from_redirect(upload(admin_client, csv_text, campaign_id=campaign.id))
    response = _map_page(admin_client, job)
    rows = response.context["preview"].rows
    assert [r.lead.phone if r.lead else None for r in rows] == [
        "+12125550143", None, None, "+12125550143"]
    assert rows[0].lead.zones == ("America/New_York",)
    assert rows[1].problems[0].reason == "no country code, and no default region to read it in"
    assert "wrong number of digits" in rows[2].problems[0].reason or \
        "not a valid number" in rows[2].problems[0].reason
    assert rows[3].notes == ["repeats row 1: counted as a duplicate"]
    html = response.content.decode()
    assert 'data-ok="false"' in html and "no default region" in html

    # htmx posts the form on every change: a default country and Tier as a number field.
    data = form_defaults(response) | {"default_region": "US", "target_3": "custom",
                                      "custom_key_3": "tier", "custom_type_3": "text"}
    fragment = admin_client.post(f"/campaigns/imports/{job.id}/preview/", data,
                                 HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    rows = fragment.context["preview"].rows
    assert rows[1].lead.phone == "+12125550144"
    assert rows[0].lead.custom_fields == {"tier": "Gold"}
    body = fragment.content.decode()
    assert "<html" not in body and "+12125550144" in body and "<b>tier</b> Gold" in body


def test_the_preview_marks_a_number_on_the_do_not_call_list(admin_client, tenant):
    from leadflow.leads.dnc import dnc_entry_add

    campaign = make_campaign(tenant)
    dnc_entry_add(tenant=tenant, phone="+12025550143", reason="asked")
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    rows = _map_page(admin_client, job).context["preview"].rows
    assert "on the do-not-call list: skipped" in rows[0].notes


def test_the_mapping_page_shows_the_files_warnings_for_xlsx_sheets_and_repeated_headers(
    admin_client, tenant
):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Phone", "Name", "Name"])
    sheet.append(["+12025550143", "Ann", "Annie"])
    workbook.create_sheet("Notes").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    campaign = make_campaign(tenant)
    job = job_from_redirect(upload(admin_client, buffer.getvalue(), name="leads.xlsx",
                                   campaign_id=campaign.id))
    page = text_of(_map_page(admin_client, job))
    assert "Excel workbook" in page
    assert "The workbook has 2 sheets; only the first" in page
    assert "repeats the header “Name” of column 2" in page
    assert "+12025550143" in page


def test_a_stored_file_that_went_missing_is_explained_not_a_500(admin_client, tenant):
    campaign = make_campaign(tenant)
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    Path(job.file_path).unlink()
    response = admin_client.get(f"/campaigns/imports/{job.id}/mapping/")
    assert response.status_code == 410
    assert "upload it again" in text_of(response)
    assert admin_client.post(f"/campaigns/imports/{job.id}/preview/", {}).status_code == 410


def test_a_started_imports_mapping_page_sends_you_to_its_progress(admin_client, tenant):
    campaign = make_campaign(tenant)
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    assert _start(admin_client, job).status_code == 302
    response = admin_client.get(f"/campaigns/imports/{job.id}/mapping/")
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/imports/{job.id}/"


# --- run, progress, result -------------------------------------------------------------

def test_the_whole_flow_counts_add_up_and_the_error_report_neutralises_formulas(
    admin_client, tenant
):
    campaign = make_campaign(tenant, name="Summer")
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    response = _start(admin_client, job, default_region="US", target_4="custom",
                      custom_key_4="score", custom_type_4="number")
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/imports/{job.id}/"
    job.refresh_from_db()
    assert job.state == ImportState.QUEUED
    assert job.mapping["columns"] == ["phone", "first_name", "last_name", "email",
                                      "custom.score"]
    assert CampaignField.objects.get(campaign=campaign, key="score").field_type == "number"

    queued = admin_client.get(f"/campaigns/imports/{job.id}/")
    assert 'hx-trigger="every 1s"' in queued.content.decode()
    assert "Waiting for the worker" in text_of(queued)

    import_run(job_id=job.id)  # what the worker does
    response = admin_client.get(f"/campaigns/imports/{job.id}/")
    job.refresh_from_db()
    assert (job.imported, job.updated, job.duplicates, job.rejected, job.dnc_skipped) == (
        2, 0, 1, 2, 0)
    page = text_of(response)
    assert "hx-trigger" not in response.content.decode()  # no more polling
    assert "2 + 0 + 1 + 2 + 0 = 5 = the file's 5 rows ✓" in page
    assert response.context["percent"] == 100
    assert f'href="/campaigns/#campaign-{campaign.id}"' in response.content.decode()
    assert [e.row_number for e in response.context["errors"]] == [3, 5]
    assert "Download error report (CSV)" in page
    assert Lead.objects.get(campaign=campaign, first_name="Ann").custom_fields == {"score": 7}

    report = admin_client.get(f"/campaigns/imports/{job.id}/errors.csv")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert report["Content-Disposition"] == f'attachment; filename="import-{job.id}-errors.csv"'
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert ["5", "Email", "'=cmd|' /C calc'!A0", "not an email address"] in rows
    assert rows[1][:3] == ["3", "Phone", "not a phone"]


def test_the_status_fragment_polls_while_the_job_runs_and_stops_with_the_result(
    admin_client, tenant
):
    campaign = make_campaign(tenant)
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    _start(admin_client, job, default_region="US")
    ImportJob.objects.filter(id=job.id).update(state=ImportState.RUNNING, total_rows=5,
                                               processed_rows=2)
    running = admin_client.get(f"/campaigns/imports/{job.id}/status/", HTTP_HX_REQUEST="true")
    html = running.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="40"' in html
    assert "2 of 5 rows" in text_of(running) and "<html" not in html

    ImportJob.objects.filter(id=job.id).update(state=ImportState.QUEUED, processed_rows=0)
    import_run(job_id=job.id)
    done = admin_client.get(f"/campaigns/imports/{job.id}/status/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()
    assert 'aria-valuenow="100"' in done.content.decode()
    assert "5 of 5 rows" in text_of(done)


def test_a_failed_import_shows_its_error_message(admin_client, tenant):
    campaign = make_campaign(tenant)
    job = job_from_redirect(upload(admin_client, SMALL_CSV, campaign_id=campaign.id))
    _start(admin_client, job)
    ImportJob.objects.filter(id=job.id).update(
        state=ImportState.FAILED, error_message="Line 9: unexpected end of data.")
    page = text_of(admin_client.get(f"/campaigns/imports/{job.id}/"))
    assert "The import failed: Line 9: unexpected end of data." in page
    assert "Nothing was imported." in page


def test_the_sample_file_imports_with_the_guessed_mapping_and_tier_as_a_custom_field(
    admin_client, tenant
):
    campaign = make_campaign(tenant, name="Sample")
    job = job_from_redirect(upload(admin_client, SAMPLE_FILE.read_bytes(),
                                   name="leads-sample.csv", campaign_id=campaign.id))
    defaults = form_defaults(_map_page(admin_client, job))
    targets = [defaults[f"target_{i}"] for i in range(len(job.headers))]
    assert targets == ["first_name", "last_name", "phone", "email", "country", "region",
                       "source", "ignore"]
    tier = column_index(job, "Tier")
    response = _start(admin_client, job, default_region="US", **{
        f"target_{tier}": "custom", f"custom_key_{tier}": "tier"})
    assert response.status_code == 302
    import_run(job_id=job.id)
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.total_rows == 302
    assert job.outcome_total == 302
    assert (job.imported, job.duplicates, job.rejected) == (290, 5, 7)
    assert Lead.objects.filter(campaign=campaign).count() == 290
    assert {c for (c,) in Lead.objects.filter(campaign=campaign).values_list("country")} == {
        "US", "GB", "DE", "IN", "AU"}
    assert Lead.objects.filter(campaign=campaign, custom_fields__tier="Gold").exists()


# --- history, tenancy, roles -----------------------------------------------------------

def test_the_imports_list_shows_each_job_with_its_file_campaign_user_state_and_counts(
    admin_client, tenant
):
    campaign = make_campaign(tenant, name="Listed")
    job = job_from_redirect(upload(admin_client, SMALL_CSV, name="monday.csv",
                                   campaign_id=campaign.id))
    _start(admin_client, job, default_region="US")
    import_run(job_id=job.id)
    other = job_from_redirect(upload(admin_client, SMALL_CSV, name="tuesday.csv",
                                     campaign_id=campaign.id))
    response = admin_client.get("/campaigns/imports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [j.id for j in response.context["page"]] == [other.id, job.id]
    page = text_of(response)
    assert "monday.csv" in page and "tuesday.csv" in page and "Listed" in page
    assert "boss" in page and "Done" in page and "Uploaded" in page
    assert f'href="/campaigns/imports/{job.id}/"' in html
    assert f'href="/campaigns/imports/{other.id}/mapping/"' in html


def test_another_tenants_import_is_a_404_on_every_page(admin_client, tenant, other_tenant):
    from leadflow.leads.imports import import_job_create

    rival = make_campaign(other_tenant)
    job = import_job_create(tenant=other_tenant, source=io.BytesIO(SMALL_CSV),
                            file_name="rival.csv", created_by=None, campaign_id=rival.id)
    for url in (f"/campaigns/imports/{job.id}/", f"/campaigns/imports/{job.id}/mapping/",
                f"/campaigns/imports/{job.id}/status/",
                f"/campaigns/imports/{job.id}/errors.csv"):
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post(f"/campaigns/imports/{job.id}/preview/", {}).status_code == 404
    assert admin_client.post(f"/campaigns/imports/{job.id}/mapping/", {}).status_code == 404


def test_an_upload_naming_another_tenants_campaign_is_refused(admin_client, tenant,
                                                              other_tenant):
    rival = make_campaign(other_tenant)
    response = upload(admin_client, SMALL_CSV, campaign_id=rival.id)
    assert response.status_code == 400
    assert "Select a valid choice" in response.context["form"].errors["campaign"][0]


def test_agents_get_403_and_supervisors_may_import(agent_client, supervisor_client, tenant):
    campaign = make_campaign(tenant)
    LeadFactory(campaign=campaign)
    for url in ("/campaigns/imports/", "/campaigns/imports/new/"):
        assert agent_client.get(url).status_code == 403
    assert upload(agent_client, SMALL_CSV, campaign_id=campaign.id).status_code == 403
    assert not ImportJob.objects.exists()
    job = job_from_redirect(upload(supervisor_client, SMALL_CSV, campaign_id=campaign.id))
    for url in (f"/campaigns/imports/{job.id}/mapping/", f"/campaigns/imports/{job.id}/"):
        assert agent_client.get(url).status_code == 403
    assert supervisor_client.get(f"/campaigns/imports/{job.id}/mapping/").status_code == 200
