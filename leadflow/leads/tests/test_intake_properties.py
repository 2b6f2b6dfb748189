"""Property: whatever bytes a CSV upload holds, the import never raises; a finished
import's outcomes add up to its rows, and importing the same file again changes nothing."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.intake import engine
from leadflow.leads.intake.engine import Batching
from leadflow.leads.intake.reader import guess_mapping
from leadflow.leads.models import DncEntry, ImportJob, ImportState
from leadflow.leads.tests.intake_support import (
    configure_job,
    counts_add_up,
    create_job,
    lead_rows,
    run_job,
)
from leadflow.tenants.models import Tenant

VALID_PHONES = ["+12125550101", "(212) 555-0101", "212.555.0102", "+44 20 7946 0958",
                "+1 907 555 0100", "1-800-555-0100", "+91 98765 43210",
                "+1 212 555 0143 ext. 12", "020 7946 0958"]
INVALID_PHONES = ["", "12", "abc", "+999 1", "=SUM(A1:A3)", "+1 212 555", "0" * 41, "\x00",
                  "+1 212 555 0143 ext. 123456789012", "phone", "-", "@x"]
HEADERS = ["phone", "Phone", "first name", "email", "", "tier", "x,y", 'quo"te', "mobile",
           "id", "weight", "country", "time zone", "region"]

# Mostly names a person would type (accents, €), sometimes any character at all.
words = st.text(alphabet="abcXYZ éüñ€'-.", max_size=10)
wild = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
cell = st.one_of(st.sampled_from(VALID_PHONES), st.sampled_from(VALID_PHONES),
                 st.sampled_from(INVALID_PHONES), words, wild,
                 st.sampled_from(["a\nb", 'say "hi"', "a,b;c\td", "é€ñ", "\r", "US", "GB",
                                  "NY", "Europe/Paris", "3", "-1", "x@y.io"]))


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    first = draw(st.one_of(st.sampled_from(["phone", "Phone", "mobile", "tel"]), words, wild))
    headers = [first, *draw(st.lists(st.one_of(st.sampled_from(HEADERS), words, wild),
                                     max_size=4))]
    # Rows mostly start with a phone, so the first column (mapped to phone) imports some.
    row = st.one_of(st.lists(cell, max_size=7),
                    st.builds(lambda phone, rest: [phone, *rest], st.sampled_from(VALID_PHONES),
                              st.lists(cell, max_size=6)))
    rows = draw(st.lists(row, min_size=1, max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    out = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(
            st.sampled_from(["\n", "\r\n", "\r"])),
            quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
        writer.writerow(headers)
        writer.writerows(rows)
    else:  # hand-made: no quoting at all, so delimiters and newlines inside cells break rows
        out.write("\n".join(delimiter.join(line) for line in [headers, *rows]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    data = out.getvalue().encode(encoding, errors="replace")
    if draw(st.integers(0, 2)) == 0:  # stray bytes: NUL, a lone quote, invalid UTF-8, a BOM
        insert = draw(st.sampled_from([b"\x00", b'"', b"\xff\xfe", b"\xe9", b"\xef\xbb\xbf",
                                       b"\r", b"\x1a"]))
        at = draw(st.integers(0, len(data)))
        data = data[:at] + insert + data[at:]
    return data


_names = itertools.count()


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=csv_files(), dedupe_scope=st.sampled_from(["campaign", "tenant"]),
       on_duplicate=st.sampled_from(["skip", "update"]),
       dnc_policy=st.sampled_from(["skip", "blacklist"]), batch_rows=st.sampled_from([2, 5000]))
def test_any_csv_imports_cleanly_adds_up_and_imports_again_idempotently(
    tenant: Tenant, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, data: bytes,
    dedupe_scope: str, on_duplicate: str, dnc_policy: str, batch_rows: int,
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(engine, "batching_for", lambda total: Batching(batch_rows, workers=0))
    if not DncEntry.objects.filter(tenant=tenant).exists():
        dnc_entry_add(tenant=tenant, phone="+12125550102")
    campaign = make_campaign(tenant)
    path = tmp_path / f"upload-{next(_names)}.csv"
    path.write_bytes(data)
    options: dict[str, Any] = {"default_region": "US", "dedupe_scope": dedupe_scope,
               "on_duplicate": on_duplicate, "dnc_policy": dnc_policy}

    def import_once() -> ImportJob | None:
        try:
            job = create_job(tenant, path, campaign)
        except ValidationError as exc:
            assert exc.message_dict["file"][0]
            event("refused at upload")
            return None
        columns = guess_mapping(list(job.headers))
        if "phone" not in columns:
            columns[0] = "phone"
        try:
            configure_job(job, campaign, columns, **options)
        except ValidationError as exc:  # e.g. two columns guessed as the same target
            assert exc.message_dict
            event("refused at mapping")
            return None
        job = run_job(job)
        event(f"import {job.state}, {'some' if job.imported else 'no'} leads imported")
        assert job.state in (ImportState.DONE, ImportState.FAILED)
        if job.state == ImportState.FAILED:
            assert job.error_message
            assert "internal error" not in job.error_message, job.error_message
        else:
            assert counts_add_up(job), (job.total_rows, job.outcome_total)
        return job

    first = import_once()
    if first is None or first.state != ImportState.DONE:
        return
    before = lead_rows(tenant=tenant)
    again = import_once()
    assert again is not None and again.state == ImportState.DONE
    assert again.imported == 0 and again.total_rows == first.total_rows
    assert again.rejected == first.rejected
    assert lead_rows(tenant=tenant) == before
