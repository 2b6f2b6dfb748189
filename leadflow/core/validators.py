"""Field validators shared by several apps."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(
            "%(value)s is not a known IANA time zone (for example Europe/London).",
            params={"value": value},
            code="time_zone",
        )


def validate_hex_colour(value: str) -> None:
    if not _HEX_COLOUR.match(value or ""):
        raise ValidationError(
            "%(value)s is not a colour; use #RRGGBB (for example #2e7d32).",
            params={"value": value},
            code="colour",
        )


def validate_e164(value: str) -> None:
    """A phone number already in E.164 form (+ and digits) that phonenumbers calls valid."""
    message = "%(value)s is not a valid phone number in E.164 form (for example +12025550143)."
    if not value or not value.startswith("+"):
        raise ValidationError(message, params={"value": value}, code="e164")
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, params={"value": value}, code="e164") from exc
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164
    ) != value:
        raise ValidationError(message, params={"value": value}, code="e164")
