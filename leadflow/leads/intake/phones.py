"""Phone numbers: parse to E.164 with phonenumbers, keep extensions apart, find zones."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezones

_UNKNOWN_ZONE = "Etc/Unknown"
MAX_EXTENSION_DIGITS = 10  # Lead.phone_extension holds ten characters


@dataclass(frozen=True)
class ParsedPhone:
    e164: str
    extension: str
    country: str  # ISO 3166 region of the number ("" for non-geographic numbers)
    zones: tuple[str, ...]  # every zone the number may be in; empty when unknown


class PhoneError(ValueError):
    """The reason a value is not a callable phone number, worded for an error report."""


@lru_cache(maxsize=64)
def _known_region(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


def parse_phone(raw: str, default_region: str = "") -> ParsedPhone:
    """1. Parse, reading national numbers in ``default_region``.
    2. Refuse impossible or invalid numbers, naming why.
    3. Return E.164, the extension, the number's region and its candidate zones.
    """
    text = (raw or "").strip()
    if not text:
        raise PhoneError("phone is empty")
    if len(text) > 40:
        raise PhoneError("phone is longer than 40 characters")
    region = default_region.upper() if default_region else None
    if region and not _known_region(region):
        raise PhoneError(f"unknown default region {default_region!r}")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise PhoneError("no country code, and no default region to read it in") from exc
        raise PhoneError(f"not a phone number ({exc.args[0] if exc.args else exc})") from exc
    number_region = phonenumbers.region_code_for_number(number) or ""
    if not number_region or not phonenumbers.is_valid_number_for_region(number, number_region):
        if not phonenumbers.is_possible_number(number):
            raise PhoneError("wrong number of digits for its country")
        raise PhoneError("not a valid number for its country")
    if number.extension and len(number.extension) > MAX_EXTENSION_DIGITS:
        raise PhoneError(f"extension is longer than {MAX_EXTENSION_DIGITS} digits")
    zones = tuple(z for z in phone_timezones.time_zones_for_number(number) if z != _UNKNOWN_ZONE)
    return ParsedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        extension=number.extension or "",
        country=number_region if number_region != "001" else "",
        zones=tuple(sorted(zones)),
    )
