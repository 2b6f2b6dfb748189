"""The import's shortcuts answer exactly as the plain way does.

``parse_phone`` computes a number's type once instead of four times and remembers its
answers: checked against the public phonenumbers functions for every region's example
numbers of every type, written several ways, and near-miss variants of them. Leads
pickle by their field values (worker processes send them back): checked field by field.
"""

from __future__ import annotations

import dataclasses
import pickle
import random
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as phone_timezones

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.intake import engine, phones
from leadflow.leads.intake.normalise import NormalisedLead
from leadflow.leads.intake.phones import (
    MAX_EXTENSION_DIGITS,
    ParsedPhone,
    PhoneError,
    parse_phone,
)
from leadflow.leads.intake.reader import FileProblem
from leadflow.leads.models import Lead
from leadflow.leads.tests.intake_support import import_file, write_file
from leadflow.tenants.models import Tenant


def _reference(raw: str, default_region: str) -> ParsedPhone | str:
    """The straightforward composition of public functions parse_phone must equal."""
    try:
        number = phonenumbers.parse(raw.strip(), default_region or None)
    except phonenumbers.NumberParseException:
        return "parse error"
    region = phonenumbers.region_code_for_number(number) or ""
    if not region or not phonenumbers.is_valid_number_for_region(number, region):
        if not phonenumbers.is_possible_number(number):
            return "wrong number of digits for its country"
        return "not a valid number for its country"
    if number.extension and len(number.extension) > MAX_EXTENSION_DIGITS:
        return f"extension is longer than {MAX_EXTENSION_DIGITS} digits"
    zones = phone_timezones.time_zones_for_number(number)
    return ParsedPhone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        extension=number.extension or "", country=region if region != "001" else "",
        zones=tuple(sorted(z for z in zones if z != "Etc/Unknown")))


def _actual(raw: str, default_region: str) -> ParsedPhone | str:
    try:
        return parse_phone(raw, default_region)
    except PhoneError as exc:
        return "parse error" if str(exc).startswith(("not a phone", "no country")) \
            else str(exc)


def _samples() -> list[tuple[str, str]]:
    rng = random.Random(3)
    samples: list[tuple[str, str]] = []
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    types = [getattr(PhoneNumberType, name) for name in dir(PhoneNumberType)
             if name.isupper() and name != "UNKNOWN"]
    for region in regions:
        for number_type in types:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
            samples += [(e164, ""), (national, region), (e164, "US"),
                        (e164[:-1], ""), (e164 + "7", ""), (e164 + " ext. 12", ""),
                        (e164[:-3] + f"{rng.randrange(1000):03d}", ""),
                        (national, rng.choice(regions))]
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            samples.append((phonenumbers.format_number(example, PhoneNumberFormat.E164), ""))
    # NANP, the code shared by 25 regions: random numbers over many area codes.
    samples += [(f"+1{rng.randrange(200, 999)}{rng.randrange(10**7):07d}", "")
                for _ in range(3000)]
    return samples


def test_parse_phone_answers_exactly_as_the_public_phonenumbers_functions() -> None:
    samples = _samples()
    assert len(samples) > 5000
    phones._MEMO.clear()
    mismatches = [(raw, region, _actual(raw, region), _reference(raw, region))
                  for raw, region in samples if _actual(raw, region) != _reference(raw, region)]
    assert mismatches == []
    # Asked again, the remembered answers (and refusals) are the same.
    assert [_actual(raw, region) for raw, region in samples[:500]] \
        == [_reference(raw, region) for raw, region in samples[:500]]


def test_the_remembered_answers_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phones, "MEMO_SIZE", 10)
    phones._MEMO.clear()
    for n in range(25):
        parse_phone(f"+1212555{n:04d}")
    assert 0 < len(phones._MEMO) <= 10
    with pytest.raises(PhoneError, match="wrong number of digits"):
        parse_phone("12345", "US")
    with pytest.raises(PhoneError, match="wrong number of digits"):
        parse_phone("12345", "US")


def test_a_lead_pickles_with_every_field() -> None:
    values: dict[str, Any] = {f.name: f"v-{f.name}" for f in dataclasses.fields(NormalisedLead)}
    lead = NormalisedLead(**values)
    assert pickle.loads(pickle.dumps(lead)) == lead


@pytest.mark.django_db
def test_values_holding_tabs_backslashes_and_line_breaks_are_stored_as_written(
    tenant: Tenant, tmp_path: Path,
) -> None:
    """PostgreSQL's staging rows are written as COPY text, escaped only when needed."""
    campaign = make_campaign(tenant)
    odd = ["tab\there", "back\\slash", "line\nbreak", "carriage\rreturn", "\\N", "plain"]
    lines = ["phone,first name,last name,note"]
    for n, value in enumerate(odd):
        quoted = '"' + value.replace('"', '""') + '"'
        lines.append(f"+1212555{n:04d},{quoted},{quoted},{quoted}")
    path = write_file(tmp_path, "\n".join(lines) + "\n")
    job = import_file(campaign, path, ["phone", "first_name", "last_name", "custom.note"],
                      default_region="US")
    assert job.imported == len(odd), job.error_message
    stored = list(Lead.objects.filter(campaign=campaign).order_by("phone")
                  .values_list("first_name", "last_name", "custom_fields"))
    assert stored == [(value, value, {"note": value}) for value in odd]


def _batches(count: int, fail: bool = False) -> Generator[Any, None, None]:
    for n in range(count):
        yield [(n, [])]
    if fail:
        raise FileProblem("Line 9: broken.")


def _helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-read-ahead"]


def test_batches_read_ahead_arrive_in_order_and_a_read_error_after_them() -> None:
    received = []
    with pytest.raises(FileProblem, match="Line 9"):
        for batch in engine._read_ahead(_batches(5, fail=True), depth=2):
            received.append(batch[0][0])
    assert received == [0, 1, 2, 3, 4]
    assert _helpers() == []


def test_a_consumer_that_stops_early_stops_the_read_ahead_helper() -> None:
    with pytest.raises(RuntimeError):
        for batch in engine._read_ahead(_batches(1000), depth=2):
            if batch[0][0] == 3:
                raise RuntimeError("the write failed")
    assert _helpers() == []
