"""Phones become E.164 with their extension apart; zones come explicit → region → postal
code → phone → campaign default, and the lead records which one decided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import timezone as phone_timezones

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.intake.normalise import NormaliseContext, NormalisedLead, normalise_row
from leadflow.leads.intake.phones import PhoneError, parse_phone
from leadflow.leads.intake.zones import derive_zones, zone_for_postal_code, zone_for_region
from leadflow.leads.models import Lead, TimeZoneSource
from leadflow.leads.tests.intake_support import import_file, write_file
from leadflow.tenants.models import Tenant

NEW_YORK = "America/New_York"
CONTEXT = NormaliseContext(default_region="US", campaign_zone="Europe/London")


def _normalise(context: NormaliseContext = CONTEXT, **cells: str) -> NormalisedLead:
    outcome = normalise_row([(target, target, value) for target, value in cells.items()],
                            context)
    assert isinstance(outcome, NormalisedLead), outcome
    return outcome


def _reasons(context: NormaliseContext = CONTEXT, **cells: str) -> list[tuple[str, str]]:
    outcome = normalise_row([(target, target, value) for target, value in cells.items()],
                            context)
    assert isinstance(outcome, list), outcome
    return [(problem.column, problem.reason) for problem in outcome]


# --- Phones ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["(212) 555-0143", "212.555.0143", "2125550143", "212 555 0143"])
def test_a_national_number_is_read_in_the_default_region(raw: str) -> None:
    parsed = parse_phone(raw, "US")
    assert parsed.e164 == "+12125550143"
    assert parsed.country == "US" and parsed.extension == ""


def test_a_national_number_means_different_numbers_in_different_regions() -> None:
    assert parse_phone("020 7946 0958", "GB").e164 == "+442079460958"
    assert parse_phone("030 123456", "DE").e164 == "+4930123456"


@pytest.mark.parametrize("raw", ["+44 20 7946 0958", "+442079460958", "+44 (0)20 7946 0958"])
def test_a_plus_prefixed_number_ignores_the_default_region(raw: str) -> None:
    for region in ("", "US", "FR"):
        parsed = parse_phone(raw, region)
        assert parsed.e164 == "+442079460958" and parsed.country == "GB"


def test_the_default_region_is_case_insensitive() -> None:
    assert parse_phone("2125550143", "us").e164 == "+12125550143"


@pytest.mark.parametrize("raw, extension", [
    ("+1 212 555 0143 ext. 12", "12"),
    ("+1 212 555 0143 x 7", "7"),
    ("(212) 555-0143 extension 4521", "4521"),
])
def test_an_extension_is_kept_apart_from_the_number(raw: str, extension: str) -> None:
    parsed = parse_phone(raw, "US")
    assert parsed.e164 == "+12125550143"
    assert parsed.extension == extension


def test_an_extension_longer_than_the_stored_ten_digits_is_refused_with_the_reason() -> None:
    with pytest.raises(PhoneError, match="extension is longer than 10 digits"):
        parse_phone("+1 212 555 0143 ext. 123456789012", "US")


@pytest.mark.parametrize("raw, reason", [
    ("", "phone is empty"),
    ("   ", "phone is empty"),
    ("12", "wrong number of digits for its country"),
    ("+1 212 555", "wrong number of digits for its country"),
    ("+1 212 555 01433333", "wrong number of digits for its country"),
    ("+1 011 555 0143", "not a valid number for its country"),
    ("call me maybe", "not a phone number"),
    ("n/a", "not a phone number"),
    ("2125550143", "no country code, and no default region to read it in"),
    ("1" * 41, "longer than 40 characters"),
])
def test_a_number_that_cannot_be_called_is_refused_with_the_reason(raw: str,
                                                                   reason: str) -> None:
    region = "" if reason.startswith("no country code") else "US"
    with pytest.raises(PhoneError, match=reason):
        parse_phone(raw, region)


def test_an_unknown_default_region_is_refused() -> None:
    with pytest.raises(PhoneError, match="unknown default region 'XX'"):
        parse_phone("2125550143", "XX")


def test_a_non_geographic_number_has_no_country_and_no_zone() -> None:
    parsed = parse_phone("+800 1234 5678")
    assert parsed.e164 == "+80012345678"
    assert parsed.country == "" and parsed.zones == ()


# --- Zones ----------------------------------------------------------------------------


def test_an_explicit_zone_wins_over_everything_else() -> None:
    derived = derive_zones(explicit="Asia/Tokyo", country="US", region="NY", postal_code="10001",
                           phone_zones=(NEW_YORK,), campaign_zone="Europe/London")
    assert derived.zones == ("Asia/Tokyo",) and derived.source == TimeZoneSource.EXPLICIT


@pytest.mark.parametrize("country, region", [("US", "NY"), ("", "US-NY"), ("us", "ny"),
                                             ("US", "US-NY")])
def test_a_region_that_lies_in_one_zone_comes_next(country: str, region: str) -> None:
    assert zone_for_region(country, region) == NEW_YORK
    derived = derive_zones(explicit="", country=country, region=region, postal_code="",
                           phone_zones=("America/Chicago",), campaign_zone="Europe/London")
    assert derived.zones == (NEW_YORK,) and derived.source == TimeZoneSource.REGION


def test_a_region_split_between_zones_or_unknown_does_not_decide() -> None:
    assert zone_for_region("US", "FL") is None  # Florida spans Eastern and Central
    assert zone_for_region("", "NY") is None  # no country: "NY" alone names nothing
    derived = derive_zones(explicit="", country="US", region="FL", postal_code="",
                           phone_zones=("America/Chicago",), campaign_zone="Europe/London")
    assert derived.source == TimeZoneSource.PHONE and derived.zones == ("America/Chicago",)


def test_a_postal_code_pins_the_zone_of_a_one_zone_country() -> None:
    assert zone_for_postal_code("DE", "10115") == "Europe/Berlin"
    assert zone_for_postal_code("DE", " ") is None
    assert zone_for_postal_code("US", "10001") is None  # several zones: not decided by ZIP
    derived = derive_zones(explicit="", country="DE", region="", postal_code="10115",
                           phone_zones=("Europe/Paris",), campaign_zone="Europe/London")
    assert derived.zones == ("Europe/Berlin",) and derived.source == TimeZoneSource.POSTAL


def test_a_number_spanning_zones_keeps_all_of_them() -> None:
    # Alaska's area code 907 covers Anchorage and the Aleutians (Adak), an hour apart.
    number = phonenumbers.parse("+1 907 555 0100")
    assert len(phone_timezones.time_zones_for_number(number)) > 1
    parsed = parse_phone("+1 907 555 0100")
    assert parsed.zones == ("America/Adak", "America/Anchorage")
    derived = derive_zones(explicit="", country="US", region="", postal_code="",
                           phone_zones=parsed.zones, campaign_zone="Europe/London")
    assert derived.zones == ("America/Adak", "America/Anchorage")
    assert derived.source == TimeZoneSource.PHONE


def test_a_mobile_of_a_country_with_several_zones_keeps_the_countrys_zones() -> None:
    parsed = parse_phone("+61 412 345 678")  # Australian mobiles are not tied to a state
    assert {"Australia/Perth", "Australia/Sydney"} <= set(parsed.zones)


def test_a_toll_free_number_whose_zones_span_the_whole_nanp_falls_back_to_the_campaign() -> None:
    # +1 toll-free numbers get all 42 zones of the calling code, Guam to Newfoundland: no
    # calling window is open in all of them, and the set does not fit a ZoneSet key.
    assert len(phone_timezones.time_zones_for_number(phonenumbers.parse("+18005550100"))) > 40
    lead = _normalise(phone="1-800-555-0100")
    assert lead.phone == "+18005550100"
    assert lead.zones == ("Europe/London",) and lead.tz_source == TimeZoneSource.CAMPAIGN


def test_the_campaign_default_decides_when_nothing_else_does() -> None:
    lead = _normalise(phone="+800 1234 5678")
    assert lead.zones == ("Europe/London",) and lead.tz_source == TimeZoneSource.CAMPAIGN


def test_an_indian_number_gets_the_half_hour_zone_from_the_phone() -> None:
    lead = _normalise(phone="+91 98765 43210")
    assert lead.tz_source == TimeZoneSource.PHONE and len(lead.zones) == 1
    offset = datetime(2025, 1, 15, 12, tzinfo=UTC).astimezone(ZoneInfo(lead.zones[0])).utcoffset()
    assert offset == timedelta(hours=5, minutes=30)


def test_the_normaliser_follows_the_derivation_order_row_by_row() -> None:
    assert _normalise(phone="2125550143", time_zone="Asia/Tokyo", region="CA").tz_source == \
        TimeZoneSource.EXPLICIT
    by_region = _normalise(phone="2125550143", region="CA")
    assert by_region.zones == ("America/Los_Angeles",) and by_region.country == "US"
    assert by_region.tz_source == TimeZoneSource.REGION
    by_postal = _normalise(phone="+49 30 123456", postal_code="10115", country="DE")
    assert by_postal.tz_source == TimeZoneSource.POSTAL
    by_phone = _normalise(phone="(212) 555-0143 ext. 12")
    assert by_phone.zones == (NEW_YORK,) and by_phone.tz_source == TimeZoneSource.PHONE
    assert by_phone.phone_extension == "12"


def test_a_region_with_its_country_prefix_overrides_a_mismatching_phone() -> None:
    lead = _normalise(phone="+1 212 555 0143", region="US-WA")
    assert lead.zones == ("America/Los_Angeles",) and lead.tz_source == TimeZoneSource.REGION


def test_the_country_column_is_the_region_national_numbers_are_read_in() -> None:
    lead = _normalise(phone="020 7946 0958", country="gb")
    assert lead.phone == "+442079460958" and lead.country == "GB"
    assert lead.zones == ("Europe/London",)


def test_a_bad_phone_time_zone_or_country_is_reported_per_cell() -> None:
    assert _reasons(phone="nope") == [
        ("phone", "not a phone number (The string supplied did not seem to be a phone number.)")]
    assert _reasons(phone="2125550143", time_zone="Mars/Olympus") == [
        ("time_zone", "not an IANA time zone")]
    assert _reasons(phone="2125550143", country="U1") == [
        ("country", "not a two-letter country code")]
    assert _reasons(phone="2125550143", country="UK") == [
        ("country", "not an ISO country code (for example GB, US)")]
    assert _reasons(phone="2125550143", alt_phone="123") == [
        ("alt_phone", "alternative phone: wrong number of digits for its country")]


def test_alternative_phones_are_stored_in_e164_without_repeating_the_main_phone() -> None:
    context = CONTEXT
    outcome = normalise_row([("phone", "Phone", "212 555 0143"),
                             ("alt_phone", "Mobile", "(212) 555-0199"),
                             ("alt_phone", "Home", "+1 212 555 0143"),
                             ("alt_phone", "Work", "212.555.0199"),
                             ("alt_phone", "Other", "")], context)
    assert isinstance(outcome, NormalisedLead)
    assert outcome.alt_phones == ["+12125550199"]


# --- Stored on the lead ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_stores_e164_extension_zones_and_their_source(
    tenant: Tenant, tmp_path: Path, settings: Any,
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    campaign = make_campaign(tenant, time_zone="Europe/Madrid")
    path = write_file(tmp_path, (
        "phone,region,time zone,country\n"
        "+1 212 555 0143 ext. 12,,,\n"
        "2135550100,NY,,\n"
        "+1 907 555 0100,,,\n"
        "+91 98765 43210,,,\n"
        "+800 1234 5678,,,\n"
        "3125550100,,Asia/Tokyo,\n"
        "+49 30 123456,,,\n"
        "1-800-555-0100,,,\n"
    ))
    job = import_file(campaign, path, default_region="US")
    assert job.state == "done" and job.imported == 8, job.error_message
    stored = {lead.phone: lead for lead in Lead.objects.filter(campaign=campaign)
              .select_related("zone_set")}
    assert stored["+12125550143"].phone_extension == "12"
    expected = {
        "+12125550143": (NEW_YORK, "phone"),
        "+12135550100": (NEW_YORK, "region"),
        "+19075550100": ("America/Adak|America/Anchorage", "phone"),
        "+919876543210": ("Asia/Calcutta", "phone"),
        "+80012345678": ("Europe/Madrid", "campaign"),
        "+13125550100": ("Asia/Tokyo", "explicit"),
        "+4930123456": ("Europe/Berlin", "phone"),
        "+18005550100": ("Europe/Madrid", "campaign"),
    }
    assert {phone: (lead.zone_set.key if lead.zone_set else "", lead.tz_source)
            for phone, lead in stored.items()} == expected
