"""Phone numbers: parse to E.164 with phonenumbers, keep extensions apart, find zones."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers import timezone as phone_timezones
from phonenumbers.phonenumberutil import (  # private helpers: see _region_and_type
    COUNTRY_CODE_TO_REGION_CODE,
    _number_type_helper,
    is_number_type_geographical,
    national_significant_number,
)
from phonenumbers.re_util import re_compile

_UNKNOWN_ZONE = "Etc/Unknown"
_NON_GEO = "001"  # phonenumbers' region of non-geographic numbers (+800, +882…)
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


def _region_and_type(number: phonenumbers.PhoneNumber) -> tuple[str, int]:
    """The number's region and its type there (UNKNOWN: not valid for that region).

    Exactly ``region_code_for_number`` followed by ``number_type`` (which is what
    ``is_valid_number_for_region`` and ``time_zones_for_number`` each compute again), but
    the type, the costly part (up to ~10 regex matches), is computed once instead of up
    to four times: ~35 instead of ~55 µs a number. Checked against the public functions
    number by number in test_intake_fast_paths."""
    country_code = number.country_code or 0
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        return "", PhoneNumberType.UNKNOWN
    nsn = national_significant_number(number)
    region = ""
    if len(regions) == 1:
        region = regions[0]
    else:
        for candidate in regions:
            metadata = PhoneMetadata.metadata_for_region(candidate.upper(), None)
            if metadata is None:
                continue
            if metadata.leading_digits is not None:
                if re_compile(metadata.leading_digits).match(nsn):
                    region = candidate
                    break
            else:
                number_type = _number_type_helper(nsn, metadata)
                if number_type != PhoneNumberType.UNKNOWN:
                    return candidate, number_type  # the type the search just computed
        if not region:
            return "", PhoneNumberType.UNKNOWN
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None or (region != _NON_GEO and country_code
                            != phonenumbers.country_code_for_valid_region(region)):
        return region, PhoneNumberType.UNKNOWN
    return region, _number_type_helper(nsn, metadata)


# Answers by (raw text, default region): parse_phone is a pure function of the two, and
# a file repeats numbers (its duplicates, one placeholder typed in many rows). Cleared
# when full, which bounds it to a few MB per process.
_MEMO: dict[tuple[str, str], ParsedPhone | str] = {}
MEMO_SIZE = 20_000


def parse_phone(raw: str, default_region: str = "") -> ParsedPhone:
    """1. Parse, reading national numbers in ``default_region``.
    2. Refuse impossible or invalid numbers, naming why.
    3. Return E.164, the extension, the number's region and its candidate zones.
    """
    key = (raw, default_region)
    known = _MEMO.get(key)
    if known is None:
        try:
            known = _parse_phone(raw, default_region)
        except PhoneError as exc:
            known = str(exc)
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = known
    if isinstance(known, str):
        raise PhoneError(known)
    return known


def _parse_phone(raw: str, default_region: str) -> ParsedPhone:
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
    number_region, number_type = _region_and_type(number)
    if number_type == PhoneNumberType.UNKNOWN:
        if not phonenumbers.is_possible_number(number):
            raise PhoneError("wrong number of digits for its country")
        raise PhoneError("not a valid number for its country")
    if number.extension and len(number.extension) > MAX_EXTENSION_DIGITS:
        raise PhoneError(f"extension is longer than {MAX_EXTENSION_DIGITS} digits")
    # time_zones_for_number() without its own number_type(): the type is known.
    if is_number_type_geographical(number_type, number.country_code or 0):
        found = phone_timezones.time_zones_for_geographical_number(number)
    else:
        found = phone_timezones._country_level_time_zones_for_number(number)
    return ParsedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        extension=number.extension or "",
        country=number_region if number_region != _NON_GEO else "",
        zones=tuple(sorted(z for z in found if z != _UNKNOWN_ZONE)),
    )
