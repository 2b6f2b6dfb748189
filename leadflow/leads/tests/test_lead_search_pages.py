"""The back-office Leads pages: search (text, campaign, status, flags, keyset paging) and
one lead's detail (fields, "Dialable now?", events and calls)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.dialing.models import Call
from leadflow.leads.models import CallbackKind, Lead, LeadEvent, LeadEventKind
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.leads.tests.pages_support import text_of

pytestmark = pytest.mark.django_db

SEARCH = "/campaigns/leads/"
NOON = datetime(2031, 3, 5, 17, 0, tzinfo=UTC)  # Wednesday noon in New York
NIGHT = datetime(2031, 3, 5, 7, 0, tzinfo=UTC)  # 02:00 in New York: outside every window


def detail(lead: Lead) -> str:
    return f"/campaigns/leads/{lead.id}/"


def found(client: Any, **params: Any) -> list[int]:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return [lead.id for lead in response.context["leads"]]


@pytest.fixture
def campaign(tenant: Any) -> Any:
    return make_campaign(tenant, name="Spring")


def test_a_full_e164_number_finds_exactly_that_lead(admin_client, campaign):
    wanted = make_lead(campaign, phone="+12025550143")
    make_lead(campaign, phone="+12025550144")
    make_lead(campaign, phone="+112025550143")  # contains the same digits, another number

    assert found(admin_client, q="+1 202-555-0143") == [wanted.id]
    assert found(admin_client, q="+12025550143") == [wanted.id]


def test_partial_digits_find_every_lead_whose_number_contains_them(admin_client, campaign):
    first = make_lead(campaign, phone="+12025550143")
    second = make_lead(campaign, phone="+12025550144")
    make_lead(campaign, phone="+13125550199")

    assert found(admin_client, q="555014") == [second.id, first.id]
    assert found(admin_client, q="(202) 555-0144") == [second.id]


def test_a_name_matches_first_or_last_name_in_any_case(admin_client, campaign):
    ada = make_lead(campaign, first_name="Ada", last_name="Lovelace")
    grace = make_lead(campaign, first_name="Grace", last_name="Hopper")

    assert found(admin_client, q="lovel") == [ada.id]
    assert found(admin_client, q="GRACE") == [grace.id]
    assert found(admin_client, q="ada lovelace") == [ada.id]
    assert found(admin_client, q="ada hopper") == []


def test_an_email_fragment_finds_the_lead(admin_client, campaign):
    lead = make_lead(campaign, email="pat.smith@Example.org")
    make_lead(campaign, email="someone@else.net")

    assert found(admin_client, q="example.ORG") == [lead.id]


def test_an_external_id_matches_exactly_and_only_exactly(admin_client, campaign):
    lead = make_lead(campaign, external_id="CRM-77", phone="+12025550101")
    digits_id = make_lead(campaign, external_id="900713", phone="+12025550102")

    assert found(admin_client, q="CRM-77") == [lead.id]
    assert found(admin_client, q="CRM-7") == []
    assert found(admin_client, q="900713") == [digits_id.id]


def test_campaign_and_status_narrow_the_results(admin_client, tenant, campaign):
    other = make_campaign(tenant, name="Autumn")
    busy = make_lead(campaign, status=status_named(campaign, "Busy"))
    new = make_lead(campaign)
    elsewhere = make_lead(other, status=status_named(other, "Busy"))

    assert found(admin_client, campaign=campaign.id) == [new.id, busy.id]
    assert found(admin_client, campaign=other.id) == [elsewhere.id]
    busy_id = status_named(campaign, "Busy").id
    assert found(admin_client, campaign=campaign.id, status=busy_id) == [busy.id]

    response = admin_client.get(SEARCH, {"campaign": campaign.id})
    assert 'name="status"' in response.content.decode()
    assert 'name="status"' not in admin_client.get(SEARCH).content.decode()


def test_each_flag_keeps_only_the_leads_it_names(admin_client, campaign, tenant):
    now = datetime.now(UTC)
    agent = User.objects.create(username="ann")
    plain = make_lead(campaign)
    frozen = make_lead(campaign, frozen_until=now + timedelta(days=1))
    make_lead(campaign, frozen_until=now - timedelta(days=1))  # was frozen: not now
    blacklisted = make_lead(campaign, is_blacklisted=True)
    assigned = make_lead(campaign, assigned_agent=agent)
    callback = make_lead(campaign, callback_at=now + timedelta(hours=2),
                         callback_kind=CallbackKind.GENERAL)

    assert found(admin_client, frozen="on") == [frozen.id]
    assert found(admin_client, blacklisted="on") == [blacklisted.id]
    assert found(admin_client, assigned="on") == [assigned.id]
    assert found(admin_client, callback="on") == [callback.id]
    assert plain.id in found(admin_client)

    page = text_of(admin_client.get(SEARCH))
    assert "Frozen" in page and "DNC" in page and "Assigned to ann" in page
    assert "general" in page


def test_keyset_pages_show_the_newest_50_then_the_rest_without_overlap(admin_client, campaign):
    ids = [make_lead(campaign).id for _ in range(55)]
    newest_first = sorted(ids, reverse=True)

    first = admin_client.get(SEARCH)
    first_ids = [lead.id for lead in first.context["leads"]]
    assert first_ids == newest_first[:50]
    next_url = first.context["next_url"]
    assert next_url == f"?before={first_ids[-1]}"
    assert "Next 50" in text_of(first)

    second = admin_client.get(SEARCH + next_url)
    second_ids = [lead.id for lead in second.context["leads"]]
    assert second_ids == newest_first[50:]
    assert not set(first_ids) & set(second_ids)
    assert second.context["next_url"] == ""


def test_the_next_page_link_keeps_the_search(admin_client, campaign):
    for _ in range(51):
        make_lead(campaign, first_name="Zed")
    response = admin_client.get(SEARCH, {"q": "zed", "campaign": campaign.id})
    assert response.context["next_url"].startswith("?q=zed&campaign=")
    assert "before=" in response.context["next_url"]


def test_another_tenants_leads_are_never_shown_and_their_detail_is_404(
        admin_client, campaign, other_tenant):
    mine = make_lead(campaign, phone="+12025550143")
    theirs = make_lead(make_campaign(other_tenant, name="Rival"), phone="+12025550143")

    assert found(admin_client) == [mine.id]
    assert found(admin_client, q="+12025550143") == [mine.id]
    assert found(admin_client, q="5550143") == [mine.id]
    assert admin_client.get(detail(theirs)).status_code == 404
    assert admin_client.get("/campaigns/leads/999999999/").status_code == 404


def test_agents_get_403_and_supervisors_see_both_pages(agent_client, supervisor_client,
                                                       campaign):
    lead = make_lead(campaign)
    assert agent_client.get(SEARCH).status_code == 403
    assert agent_client.get(detail(lead)).status_code == 403
    assert supervisor_client.get(SEARCH).status_code == 200
    assert supervisor_client.get(detail(lead)).status_code == 200


def test_the_campaigns_menu_links_to_the_leads_search(admin_client):
    assert f'<a href="{SEARCH}">Leads</a>' in admin_client.get("/campaigns/").content.decode()


@pytest.mark.parametrize("params", [
    {"before": "abc"}, {"before": "-5"}, {"before": "99999999999999999999999"},
    {"before": "0"}, {"before": "١٢"}, {"campaign": "987654"}, {"campaign": "x"},
    {"q": "x" * 10_000}, {"q": "5" * 10_000}, {"q": "pat\x00"}, {"q": "\x00"},
    {"campaign": "\x00"}, {"before": "1\x00"}, {"frozen": "\x00"}, {"q": "%_\\"},
])
def test_bad_input_never_gives_a_server_error(admin_client, campaign, params):
    make_lead(campaign)
    response = admin_client.get(SEARCH, params)
    assert response.status_code == 200


def test_invalid_fields_are_reported_and_left_out_of_the_search(admin_client, tenant, campaign):
    other = make_campaign(tenant, name="Autumn")
    lead = make_lead(campaign)
    foreign_status = status_named(other, "Busy").id

    response = admin_client.get(SEARCH, {"campaign": campaign.id, "status": foreign_status})
    assert "status" in response.context["form"].errors
    assert [x.id for x in response.context["leads"]] == [lead.id]

    response = admin_client.get(SEARCH, {"q": "x" * 10_000})
    assert "q" in response.context["form"].errors
    assert "Search: Ensure this value has at most 100 characters" in text_of(response)
    assert [x.id for x in response.context["leads"]] == [lead.id]


def test_the_detail_shows_the_leads_fields_and_links_back(admin_client, campaign):
    agent = User.objects.create(username="ann")
    lead = make_lead(campaign, phone="+12025550143", first_name="Ada", last_name="Lovelace",
                     email="ada@example.org", region="NY", postal_code="10001",
                     language="en", external_id="CRM-1", source="Affiliate X", weight=7,
                     assigned_agent=agent, custom_fields={"tier": "gold"},
                     callback_at=datetime(2031, 3, 6, 15, 0, tzinfo=UTC),
                     callback_kind=CallbackKind.PERSONAL, callback_zone="America/New_York")
    page = admin_client.get(detail(lead))
    assert page.status_code == 200
    text = text_of(page)
    for expected in ("+12025550143", "Ada", "Lovelace", "ada@example.org", "NY", "10001",
                     "CRM-1", "Affiliate X", "America/New_York", "ann", "tier", "gold",
                     "Personal (the assigned agent)",
                     "2031-03-06 15:00",  # the tenant's zone: London, GMT in March
                     "2031-03-06 10:00"):  # the callback's own zone
        assert expected in text, expected
    html = page.content.decode()
    assert f'href="{SEARCH}"' in html
    assert f'href="/campaigns/{campaign.id}/stats/"' in html


def test_the_search_links_each_result_to_its_detail(admin_client, campaign):
    lead = make_lead(campaign)
    assert f'href="{detail(lead)}"' in admin_client.get(SEARCH).content.decode()


def reasons_on(client: Any, lead: Lead, at: datetime,
               monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The detail's reason codes and text as of ``at`` (the session stays valid: only the
    clock the page asks is moved, not the one sessions expire by)."""
    monkeypatch.setattr(clock, "now", lambda: at)
    response = client.get(detail(lead))
    assert response.status_code == 200
    return str(response.context["reason_codes"]), text_of(response)


def test_a_dialable_lead_says_yes(admin_client, campaign, monkeypatch):
    codes, text = reasons_on(admin_client, make_lead(campaign), NOON, monkeypatch)
    assert codes == "[]"
    assert "Yes, dialable now." in text


def test_a_frozen_lead_says_it_is_frozen(admin_client, campaign, monkeypatch):
    lead = make_lead(campaign, frozen_until=NOON + timedelta(days=2))
    codes, text = reasons_on(admin_client, lead, NOON, monkeypatch)
    assert codes == "['frozen']"
    assert "It is frozen until the time shown above." in text


def test_a_lead_outside_calling_hours_says_so(admin_client, campaign, monkeypatch):
    codes, text = reasons_on(admin_client, make_lead(campaign), NIGHT, monkeypatch)
    assert "outside_calling_hours" in codes
    assert "It is outside calling hours in the lead" in text


def test_the_detail_lists_the_leads_events_and_calls_newest_first(admin_client, campaign,
                                                                  tenant):
    agent = User.objects.create(username="ann")
    lead = make_lead(campaign)
    new, busy = status_named(campaign, "New"), status_named(campaign, "Busy")
    LeadEvent.objects.create(tenant=tenant, lead=lead, kind=LeadEventKind.FEEDBACK,
                             old={"status_id": new.id}, new={"status_id": busy.id},
                             actor=agent, created_at=NOON)
    LeadEvent.objects.create(tenant=tenant, lead=lead, kind=LeadEventKind.RULE_APPLIED,
                             old={"weight": 0}, new={"weight": 5}, rule_name="Boost",
                             created_at=NOON + timedelta(minutes=1))
    older = Call.objects.create(tenant=tenant, lead=lead, campaign=campaign, agent=agent,
                                number_dialled=lead.phone, started_at=NOON - timedelta(hours=1),
                                dial_result="no_answer", lease_token=uuid.uuid4())
    newer = Call.objects.create(tenant=tenant, lead=lead, campaign=campaign, agent=agent,
                                number_dialled=lead.phone, started_at=NOON,
                                dial_result="answered", status=busy, comment="Call later",
                                lease_token=uuid.uuid4())
    page = admin_client.get(detail(lead))
    events = page.context["events"]
    assert [e.kind for e, _ in events] == ["rule_applied", "feedback"]
    assert events[1][1] == [("status", "New", "Busy")]
    assert [c.id for c in page.context["calls"]] == [newer.id, older.id]
    text = text_of(page)
    for expected in ("Rule applied", "rule “Boost”", "Feedback", "New → Busy", "weight 0 → 5",
                     "No answer", "Answered", "Call later", "ann"):
        assert expected in text, expected
    assert not page.context["more_events"] and not page.context["more_calls"]


def test_the_history_stops_at_200_of_each_and_says_so(admin_client, campaign, tenant):
    lead = make_lead(campaign)
    LeadEvent.objects.bulk_create([
        LeadEvent(tenant=tenant, lead=lead, kind=LeadEventKind.CLAIMED,
                  created_at=NOON + timedelta(seconds=i)) for i in range(201)])
    page = admin_client.get(detail(lead))
    assert len(page.context["events"]) == 200
    assert "Only the newest 200 events are shown." in text_of(page)
    assert not page.context["more_calls"]
