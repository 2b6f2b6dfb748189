"""A lead's time zone, derived in order: explicit → region/postal → phone → campaign."""

from __future__ import annotations

from dataclasses import dataclass

from leadflow.core.validators import available_time_zones
from leadflow.leads.models import TimeZoneSource, ZoneSet
from leadflow.leads.services import zone_set_key

# A zone set is stored as its names joined by "|". Only the country-level answer for
# +1 numbers without a geographic prefix (toll-free, some Caribbean mobiles) is longer:
# 42 zones from Guam to Newfoundland, which no calling window is ever open in at once.
# Such a number says nothing about where the lead is, so the campaign default decides.
MAX_ZONE_SET_KEY = ZoneSet._meta.get_field("key").max_length or 500

# Regions (ISO 3166-2 subdivision codes, without the country prefix) that lie in one
# zone. States split between zones (e.g. US-FL, US-TN, US-KY, US-IN) are left out on
# purpose: the phone number or the campaign default decides for them.
_REGION_ZONES: dict[str, dict[str, str]] = {
    "US": {
        "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
        "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
        "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
        "GA": "America/New_York", "HI": "Pacific/Honolulu", "IL": "America/Chicago",
        "IA": "America/Chicago", "LA": "America/Chicago", "ME": "America/New_York",
        "MD": "America/New_York", "MA": "America/New_York", "MN": "America/Chicago",
        "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
        "NH": "America/New_York", "NJ": "America/New_York", "NM": "America/Denver",
        "NY": "America/New_York", "NC": "America/New_York", "OH": "America/New_York",
        "OK": "America/Chicago", "PA": "America/New_York", "RI": "America/New_York",
        "SC": "America/New_York", "UT": "America/Denver", "VT": "America/New_York",
        "VA": "America/New_York", "WA": "America/Los_Angeles", "WV": "America/New_York",
        "WI": "America/Chicago", "WY": "America/Denver", "PR": "America/Puerto_Rico",
    },
    "CA": {
        "BC": "America/Vancouver", "AB": "America/Edmonton", "SK": "America/Regina",
        "MB": "America/Winnipeg", "ON": "America/Toronto", "QC": "America/Toronto",
        "NB": "America/Moncton", "NS": "America/Halifax", "PE": "America/Halifax",
        "NL": "America/St_Johns", "YT": "America/Whitehorse",
    },
    "AU": {
        "NSW": "Australia/Sydney", "VIC": "Australia/Melbourne", "QLD": "Australia/Brisbane",
        "SA": "Australia/Adelaide", "WA": "Australia/Perth", "TAS": "Australia/Hobart",
        "ACT": "Australia/Sydney", "NT": "Australia/Darwin",
    },
    "BR": {"SP": "America/Sao_Paulo", "RJ": "America/Sao_Paulo", "MG": "America/Sao_Paulo",
           "BA": "America/Bahia", "AM": "America/Manaus", "PE": "America/Recife"},
    "MX": {"CMX": "America/Mexico_City", "JAL": "America/Mexico_City",
           "NLE": "America/Monterrey", "BCN": "America/Tijuana", "ROO": "America/Cancun"},
}

# Countries whose postal codes pin a zone by their first digits: US ZIP codes by their
# first three digits would need a table of ~900 prefixes; we ship the unambiguous
# one-zone countries instead, where any postal code pins the zone.
_ONE_ZONE_COUNTRIES: dict[str, str] = {
    "GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin", "FR": "Europe/Paris",
    "ES": "Europe/Madrid", "IT": "Europe/Rome", "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels", "CH": "Europe/Zurich", "AT": "Europe/Vienna",
    "PL": "Europe/Warsaw", "SE": "Europe/Stockholm", "NO": "Europe/Oslo",
    "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki", "IL": "Asia/Jerusalem",
    "IN": "Asia/Kolkata", "JP": "Asia/Tokyo", "ZA": "Africa/Johannesburg",
    "NP": "Asia/Kathmandu", "AE": "Asia/Dubai", "SG": "Asia/Singapore",
}


@dataclass(frozen=True)
class DerivedZones:
    zones: tuple[str, ...]
    source: TimeZoneSource


def zone_for_region(country: str, region: str) -> str | None:
    code = region.strip().upper()
    if "-" in code:  # accept "US-NY" as well as "NY"
        prefix, _, code = code.partition("-")
        country = country or prefix
    return _REGION_ZONES.get(country.upper(), {}).get(code)


def zone_for_postal_code(country: str, postal_code: str) -> str | None:
    if not postal_code.strip():
        return None
    return _ONE_ZONE_COUNTRIES.get(country.upper())


def derive_zones(
    *, explicit: str, country: str, region: str, postal_code: str,
    phone_zones: tuple[str, ...], campaign_zone: str,
) -> DerivedZones:
    """1. An explicit IANA zone (validated by the caller). 2. A region or postal code that
    pins one zone. 3. All zones of the phone number (calling hours then intersect).
    4. The campaign's default zone."""
    if explicit:
        return DerivedZones((explicit,), TimeZoneSource.EXPLICIT)
    if region and (zone := zone_for_region(country, region)):
        return DerivedZones((zone,), TimeZoneSource.REGION)
    if postal_code and (zone := zone_for_postal_code(country, postal_code)):
        return DerivedZones((zone,), TimeZoneSource.POSTAL)
    known = tuple(z for z in phone_zones if z in available_time_zones())
    if known and len(zone_set_key(known)) <= MAX_ZONE_SET_KEY:
        return DerivedZones(known, TimeZoneSource.PHONE)
    return DerivedZones((campaign_zone,), TimeZoneSource.CAMPAIGN)
