"""The lead import in a real Chromium: upload the shipped sample file, map it, preview it,
start it, watch the bar reach 100 %, read the report, see the campaign's count change.

The import goes through the real queue: starting it puts ``run_import_task`` on the
project's Huey (here with a private queue file, so no other test run sees the task), and
the test plays the worker, taking the task off the queue and executing it while the
page polls. Executing in the test thread keeps SQLite's shared in-memory test database
on one connection; the consumer's own threads are covered by ``ops/tests/test_worker``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huey import Huey, SqliteHuey
from huey.contrib.djhuey import HUEY
from playwright.sync_api import Page, expect

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.models import CampaignField, ImportJob, ImportState, Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.leads.tests.pages_support import SAMPLE_FILE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Huey]:
    settings.VAR_DIR = tmp_path  # uploads go to the test's own folder
    private = SqliteHuey(name="import-browser-test", filename=str(tmp_path / "queue.sqlite3"))
    monkeypatch.setattr(HUEY, "storage", private.storage)
    yield HUEY


def work_off_one_task(huey: Huey) -> None:
    """What the worker does: take the next task off the queue and run it."""
    task = huey.dequeue()
    assert task is not None, "nothing was queued"
    assert task.name.endswith("run_import_task")
    huey.execute(task)


def leads_count(page: Page, campaign_id: int) -> Any:
    return page.locator(f"#campaign-{campaign_id}").get_by_test_id("leads-count")


def test_an_admin_imports_the_sample_file_and_sees_the_campaigns_leads_count_change(
    page: Page, tenant, admin_user, log_in, queue
):
    campaign = make_campaign(tenant, name="Sample Import")
    for phone in ("+12025550101", "+12025550102", "+12025550103"):
        LeadFactory(campaign=campaign, phone=phone)
    log_in(admin_user)

    # All Campaigns: 3 leads; the campaign's Frequent menu leads to the import.
    page.goto("/campaigns/")
    page.get_by_test_id("expand-all").click()
    expect(leads_count(page, campaign.id)).to_have_text("3")
    row = page.locator(f"#campaign-{campaign.id}")
    row.get_by_test_id("frequent-menu").click()
    row.get_by_role("link", name="Import leads").click()

    # Step 1: the campaign is preselected; upload the sample file.
    expect(page.get_by_role("heading", level=1)).to_have_text("Import leads")
    expect(page.get_by_label("Campaign")).to_have_value(str(campaign.id))
    page.get_by_label("File").set_input_files(SAMPLE_FILE)
    page.get_by_test_id("upload-submit").click()

    # Step 2: the guess maps every column but Tier; the preview is in E.164.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Map the columns")
    expect(page.get_by_test_id("file-facts")).to_contain_text("CSV, utf_8, comma-separated")
    expected = {"First Name": "first_name", "Last Name": "last_name", "Phone": "phone",
                "Email": "email", "Country": "country", "State": "region",
                "Affiliate": "source", "Tier": "ignore"}
    for header, target in expected.items():
        expect(page.get_by_label(header, exact=True)).to_have_value(target)
    preview = page.get_by_test_id("preview")
    first = preview.locator('[data-testid="preview-row"][data-row="1"]')
    expect(first.get_by_test_id("preview-phone")).to_have_text("+16155550184")
    expect(first.get_by_test_id("preview-zones")).to_have_text("America/Chicago")
    national = preview.locator('[data-testid="preview-row"][data-row="4"]')
    expect(national).to_have_attribute("data-ok", "false")
    expect(national).to_contain_text("no country code, and no default region")

    # A default country: the national number of row 4 is read in it (htmx refreshes).
    page.get_by_label("Default country").select_option("US")
    expect(national).to_have_attribute("data-ok", "true")
    expect(national.get_by_test_id("preview-phone")).to_have_text("+16025550148")

    # Tier becomes a custom field: its key box appears, already "tier", and the preview
    # shows the values under it.
    key_box = page.get_by_label("Tier: custom field key")
    expect(key_box).to_be_hidden()
    page.get_by_label("Tier", exact=True).select_option("custom")
    expect(key_box).to_be_visible()
    expect(key_box).to_have_value("tier")
    expect(first.get_by_test_id("preview-custom")).to_have_text("tier Silver")

    page.get_by_test_id("start-import").click()

    # Step 3: queued until a worker takes it; the page polls every second.
    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-state", "queued")
    expect(page.get_by_test_id("progress-figures")).to_contain_text("Waiting for the worker")
    job = ImportJob.objects.get(tenant=tenant)
    assert job.state == ImportState.QUEUED
    with page.expect_response(re.compile(rf"/campaigns/imports/{job.id}/status/$")):
        pass  # a poll went out while the job was still queued
    work_off_one_task(queue)

    expect(status).to_have_attribute("data-state", "done", timeout=15_000)
    expect(page.get_by_test_id("progress-percent")).to_have_text("100 %")
    expect(page.get_by_test_id("progress-bar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("progress-figures")).to_contain_text("302 of 302 rows")
    job.refresh_from_db()
    assert (job.imported, job.updated, job.duplicates, job.rejected, job.dnc_skipped) == (
        290, 0, 5, 7, 0)
    expect(page.get_by_test_id("count-imported")).to_have_text("290")
    expect(page.get_by_test_id("count-duplicates")).to_have_text("5")
    expect(page.get_by_test_id("count-rejected")).to_have_text("7")
    expect(page.get_by_test_id("sum")).to_have_text(
        "290 + 0 + 5 + 7 + 0 = 302 = the file's 302 rows ✓")
    expect(page.get_by_test_id("error-row")).to_have_count(job.row_errors.count())
    expect(page.get_by_test_id("error-table")).to_contain_text("not an email address")
    assert CampaignField.objects.get(campaign=campaign, key="tier").field_type == "text"

    # The error report downloads as CSV with spreadsheet formulas neutralised.
    with page.expect_download() as download_info:
        page.get_by_test_id("error-report").click()
    download = download_info.value
    assert download.suggested_filename == f"import-{job.id}-errors.csv"
    report = Path(download.path()).read_text(encoding="utf-8-sig")
    assert report.startswith("row,column,value,reason")
    assert "'=HYPERLINK" in report

    # The campaign on All Campaigns: its group opens on the link, the count is 3 + 290.
    page.get_by_test_id("campaign-link").click()
    expect(page).to_have_url(re.compile(rf"/campaigns/#campaign-{campaign.id}$"))
    expect(leads_count(page, campaign.id)).to_be_visible()
    expect(leads_count(page, campaign.id)).to_have_text("293")
    assert Lead.objects.filter(campaign=campaign).count() == 293
