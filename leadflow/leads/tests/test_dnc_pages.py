"""The do-not-call page: add, search, remove, and DNC files through the importer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadflow.campaigns.selectors import campaign_figures
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.intake.engine import import_run
from leadflow.leads.models import DncEntry, ImportKind, ImportState, Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.leads.tests.pages_support import form_defaults, job_from_redirect, text_of, upload
from leadflow.ui.tests.conftest import OPEN_ALL_WEEK

pytestmark = pytest.mark.django_db

NOON = datetime(2031, 3, 5, 17, 0, tzinfo=UTC)  # noon in New York: inside the federal hours


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _available(campaign: Any) -> int:
    return campaign_figures(tenant=campaign.tenant, campaigns=[campaign],
                            at=NOON)[campaign.id].available_count


def _dialable_campaign(tenant: Any, name: str) -> Any:
    return make_campaign(tenant, name=name, calling_hours=OPEN_ALL_WEEK)


def test_an_admin_adds_a_number_and_its_leads_stop_being_available(admin_client, tenant):
    campaign = _dialable_campaign(tenant, "Autumn")
    LeadFactory(campaign=campaign, phone="+12025550143")
    LeadFactory(campaign=campaign, phone="+12025550144")
    assert _available(campaign) == 2

    response = admin_client.post("/campaigns/do-not-call/add/", {
        "phone": "(202) 555-0143", "default_region": "US", "campaign": "",
        "expires_at": "", "reason": "Asked on the phone"})
    assert response.status_code == 302 and response["Location"] == "/campaigns/do-not-call/"
    entry = DncEntry.objects.get(tenant=tenant)
    assert (entry.phone, entry.campaign_id, entry.reason, entry.added_via) == (
        "+12025550143", None, "Asked on the phone", "manual")
    assert entry.added_by is not None and entry.added_by.username == "boss"
    assert Lead.objects.get(phone="+12025550143").is_blacklisted
    assert _available(campaign) == 1

    page = admin_client.get("/campaigns/do-not-call/")
    assert "+12025550143 is on the do-not-call list (every campaign)." in text_of(page)
    assert [e.phone for e in page.context["page"]] == ["+12025550143"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"phone": "12345", "default_region": "US"}, "phone", "wrong number of digits"),
    ({"phone": "202 555 0143"}, "phone", "no country code"),
    ({"phone": "+12025550143", "expires_at": "2001-01-01T10:00"}, "expires_at",
     "The expiry must be in the future."),
    ({"phone": ""}, "phone", "This field is required."),
])
def test_a_bad_entry_is_shown_inline_and_nothing_is_added(admin_client, tenant, data, field,
                                                          message):
    response = admin_client.post("/campaigns/do-not-call/add/", data)
    assert response.status_code == 400
    errors = " ".join(response.context["add_form"].errors[field])
    assert message in errors
    assert not DncEntry.objects.exists()


def test_an_entry_with_an_expiry_is_read_in_the_tenants_time_zone(admin_client, tenant):
    # The tenant is in Europe/London: 2031-07-01 10:00 there is 09:00 UTC (summer time).
    response = admin_client.post("/campaigns/do-not-call/add/", {
        "phone": "+442079460123", "expires_at": "2031-07-01T10:00", "reason": "complaint"})
    assert response.status_code == 302
    entry = DncEntry.objects.get()
    assert entry.expires_at == datetime(2031, 7, 1, 9, 0, tzinfo=UTC)
    assert "2031-07-01 10:00" in text_of(admin_client.get("/campaigns/do-not-call/"))


def test_the_list_is_searched_by_digits_or_reason_and_filtered_by_scope(admin_client, tenant):
    campaign = make_campaign(tenant, name="Winter")
    dnc_entry_add(tenant=tenant, phone="+12025550143", reason="lawyer letter")
    dnc_entry_add(tenant=tenant, phone="+442079460123", reason="asked", campaign_id=campaign.id)
    dnc_entry_add(tenant=tenant, phone="+4930123456", reason="wrong person")

    def phones(query: str) -> set[str]:
        response = admin_client.get(f"/campaigns/do-not-call/?{query}")
        assert response.status_code == 200
        return {e.phone for e in response.context["page"]}

    assert phones("") == {"+12025550143", "+442079460123", "+4930123456"}
    assert phones("q=555-0143") == {"+12025550143"}
    assert phones("q=LAWYER") == {"+12025550143"}
    assert phones("scope=tenant") == {"+12025550143", "+4930123456"}
    assert phones(f"scope={campaign.id}") == {"+442079460123"}
    assert phones(f"q=49&scope={campaign.id}") == set()
    page = text_of(admin_client.get("/campaigns/do-not-call/?q=nobody"))
    assert "No entry matches." in page


def test_remove_confirms_then_removes_the_entry_and_the_leads_are_available_again(
    admin_client, tenant
):
    campaign = _dialable_campaign(tenant, "Removal")
    LeadFactory(campaign=campaign, phone="+12025550143")
    entry = dnc_entry_add(tenant=tenant, phone="+12025550143")
    assert _available(campaign) == 0

    listing = admin_client.get("/campaigns/do-not-call/").content.decode()
    assert f'action="/campaigns/do-not-call/{entry.id}/remove/"' in listing
    assert 'data-confirm="Remove +12025550143 from the do-not-call list?' in listing
    confirm = admin_client.get(f"/campaigns/do-not-call/{entry.id}/remove/")
    assert "Remove +12025550143 from the do-not-call list?" in text_of(confirm)
    assert DncEntry.objects.exists()

    response = admin_client.post(f"/campaigns/do-not-call/{entry.id}/remove/",
                                 {"next": "/campaigns/do-not-call/?q=555"})
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/do-not-call/?q=555"
    assert not DncEntry.objects.exists()
    assert not Lead.objects.get().is_blacklisted
    assert _available(campaign) == 1


def test_remove_never_redirects_off_site(admin_client, tenant):
    entry = dnc_entry_add(tenant=tenant, phone="+12025550143")
    response = admin_client.post(f"/campaigns/do-not-call/{entry.id}/remove/",
                                 {"next": "https://evil.example/"})
    assert response["Location"] == "/campaigns/do-not-call/"


DNC_FILE = (
    b"Number;Note\r\n"
    b"+1 202 555 0143;asked\r\n"
    b"(202) 555-0144;lawyer\r\n"
    b"+12025550143;again\r\n"
    b"nope;typo\r\n"
    b"+44 20 7946 0123;uk\r\n"
)


def _upload_dnc(client: Any) -> Any:
    return job_from_redirect(upload(client, DNC_FILE, name="dnc.csv",
                                    url="/campaigns/do-not-call/upload/"))


def test_a_dnc_file_goes_through_the_importer_and_blacklists_matching_leads(
    admin_client, tenant
):
    campaign = _dialable_campaign(tenant, "Upload")
    other = _dialable_campaign(tenant, "Elsewhere")
    LeadFactory(campaign=campaign, phone="+12025550143")
    LeadFactory(campaign=other, phone="+12025550144")
    LeadFactory(campaign=campaign, phone="+12025550199")
    assert (_available(campaign), _available(other)) == (2, 1)

    job = _upload_dnc(admin_client)
    assert (job.kind, job.campaign_id, job.delimiter) == (ImportKind.DNC, None, ";")
    mapping = admin_client.get(f"/campaigns/imports/{job.id}/mapping/")
    form = mapping.context["form"]
    assert [value for value, _ in form.fields["target_0"].choices] == ["phone", "ignore"]
    assert (form["target_0"].value(), form["target_1"].value()) == ("phone", "ignore")
    assert [r.lead.phone if r.lead else None for r in mapping.context["preview"].rows] == [
        "+12025550143", None, "+12025550143", None, "+442079460123"]

    data = form_defaults(mapping) | {"scope": "tenant", "default_region": "US",
                                     "reason": "Spring clean-up", "expires_at": ""}
    response = admin_client.post(f"/campaigns/imports/{job.id}/mapping/", data)
    assert response.status_code == 302
    import_run(job_id=job.id)
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert (job.imported, job.updated, job.duplicates, job.rejected) == (3, 0, 1, 1)
    assert job.outcome_total == job.total_rows == 5
    assert job.blacklisted == 2
    entries = DncEntry.objects.filter(tenant=tenant)
    assert {e.phone for e in entries} == {"+12025550143", "+12025550144", "+442079460123"}
    assert {(e.campaign_id, e.reason, e.added_via) for e in entries} == {
        (None, "Spring clean-up", f"upload #{job.id}")}
    assert (_available(campaign), _available(other)) == (1, 0)

    result = text_of(admin_client.get(f"/campaigns/imports/{job.id}/"))
    assert "3 + 0 + 1 + 1 = 5 = the file's 5 rows ✓" in result
    assert "Leads blacklisted 2" in result

    # The same file again changes nothing: every number is listed already.
    again = _upload_dnc(admin_client)
    admin_client.post(f"/campaigns/imports/{again.id}/mapping/",
                      form_defaults(admin_client.get(f"/campaigns/imports/{again.id}/mapping/"))
                      | {"scope": "tenant", "default_region": "US"})
    import_run(job_id=again.id)
    again.refresh_from_db()
    assert (again.imported, again.duplicates, again.rejected) == (0, 4, 1)
    assert DncEntry.objects.count() == 3


def test_a_dnc_file_for_one_campaign_blacklists_only_that_campaigns_leads(
    admin_client, tenant
):
    campaign = _dialable_campaign(tenant, "Scoped")
    other = _dialable_campaign(tenant, "Untouched")
    LeadFactory(campaign=campaign, phone="+12025550143")
    LeadFactory(campaign=other, phone="+12025550143")
    job = _upload_dnc(admin_client)
    data = form_defaults(admin_client.get(f"/campaigns/imports/{job.id}/mapping/")) | {
        "scope": "campaign", "campaign": campaign.id, "default_region": "US",
        "expires_at": "2031-07-01T10:00"}  # London summer time: 09:00 UTC
    assert admin_client.post(f"/campaigns/imports/{job.id}/mapping/", data).status_code == 302
    import_run(job_id=job.id)
    assert set(DncEntry.objects.values_list("campaign_id", flat=True)) == {campaign.id}
    assert set(DncEntry.objects.values_list("expires_at", flat=True)) == {
        datetime(2031, 7, 1, 9, 0, tzinfo=UTC)}
    assert (_available(campaign), _available(other)) == (0, 1)


def test_a_dnc_mapping_takes_only_phone_or_ignore_and_a_campaign_scope_needs_a_campaign(
    admin_client, tenant
):
    job = _upload_dnc(admin_client)
    defaults = form_defaults(admin_client.get(f"/campaigns/imports/{job.id}/mapping/"))
    response = admin_client.post(f"/campaigns/imports/{job.id}/mapping/",
                                 defaults | {"target_1": "first_name"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.context["form"].errors["target_1"][0]
    response = admin_client.post(f"/campaigns/imports/{job.id}/mapping/",
                                 defaults | {"scope": "campaign", "campaign": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["campaign"] == [
        "Choose the campaign, or make the numbers tenant-wide."]
    response = admin_client.post(f"/campaigns/imports/{job.id}/mapping/",
                                 defaults | {"scope": "tenant", "expires_at": "2001-01-01T00:00"})
    assert response.status_code == 400
    assert response.context["form"].errors["expires_at"] == ["The expiry must be in the future."]
    job.refresh_from_db()
    assert job.state == ImportState.UPLOADED


def test_an_expired_entry_uploaded_again_is_renewed(admin_client, tenant):
    entry = dnc_entry_add(tenant=tenant, phone="+12025550143",
                          expires_at=datetime.now(UTC) + timedelta(seconds=1))
    DncEntry.objects.filter(id=entry.id).update(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    job = _upload_dnc(admin_client)
    admin_client.post(f"/campaigns/imports/{job.id}/mapping/",
                      form_defaults(admin_client.get(f"/campaigns/imports/{job.id}/mapping/"))
                      | {"scope": "tenant", "default_region": "US", "reason": "renewed"})
    import_run(job_id=job.id)
    job.refresh_from_db()
    assert (job.imported, job.updated, job.duplicates, job.rejected) == (2, 1, 1, 1)
    entry.refresh_from_db()
    assert (entry.expires_at, entry.reason, entry.added_via) == (
        None, "renewed", f"upload #{job.id}")


def test_another_tenants_entry_is_a_404_and_agents_get_403(admin_client, agent_client, tenant,
                                                           other_tenant):
    rival = dnc_entry_add(tenant=other_tenant, phone="+12025550143")
    assert admin_client.get(f"/campaigns/do-not-call/{rival.id}/remove/").status_code == 404
    assert admin_client.post(f"/campaigns/do-not-call/{rival.id}/remove/").status_code == 404
    assert DncEntry.objects.filter(id=rival.id).exists()
    assert rival.phone not in admin_client.get("/campaigns/do-not-call/").content.decode()
    for url in ("/campaigns/do-not-call/", f"/campaigns/do-not-call/{rival.id}/remove/"):
        assert agent_client.get(url).status_code == 403
    assert agent_client.post("/campaigns/do-not-call/add/",
                             {"phone": "+12025550199"}).status_code == 403
    assert upload(agent_client, DNC_FILE, url="/campaigns/do-not-call/upload/").status_code == 403
    assert DncEntry.objects.count() == 1


def test_a_dnc_import_killed_between_batches_resumes_without_counting_twice(
    admin_client, tenant, monkeypatch
):
    from django.db import OperationalError

    from leadflow.leads.intake import dnc_writer, engine

    job = _upload_dnc(admin_client)
    admin_client.post(f"/campaigns/imports/{job.id}/mapping/",
                      form_defaults(admin_client.get(f"/campaigns/imports/{job.id}/mapping/"))
                      | {"scope": "tenant", "default_region": "US"})
    monkeypatch.setattr(engine, "batching_for", lambda rows: engine.Batching(rows=2, workers=0))
    real_write = dnc_writer.write_dnc_batch
    calls = {"n": 0}

    def dies_on_the_second_batch(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("the database went away")
        return real_write(**kwargs)

    monkeypatch.setattr(dnc_writer, "write_dnc_batch", dies_on_the_second_batch)
    with pytest.raises(OperationalError):
        import_run(job_id=job.id)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.imported) == (ImportState.RUNNING, 2, 2)

    import_run(job_id=job.id)  # the task's retry
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert (job.imported, job.duplicates, job.rejected) == (3, 1, 1)
    assert job.outcome_total == job.total_rows == 5
    assert DncEntry.objects.count() == 3
