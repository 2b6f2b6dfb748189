"""Bad input: every broken file gets a clear message before the import (no job) or a
per-row reason in the report, never an exception and never a half-imported file."""

from __future__ import annotations

import codecs
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.imports import describe
from leadflow.leads.intake.reader import SNIFF_BYTES, sniff
from leadflow.leads.models import ImportJob, ImportState, Lead
from leadflow.leads.tests.intake_support import (
    configure_job,
    counts_add_up,
    create_job,
    errors_of,
    import_file,
    run_job,
    write_file,
)
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, time_zone="America/New_York")


def _refusal(tenant: Tenant, path: Path, file_name: str | None = None) -> str:
    """The message a file is refused with at upload; no job and no stored file remain."""
    with pytest.raises(ValidationError) as caught:
        create_job(tenant, path, file_name=file_name)
    assert not ImportJob.objects.exists()
    uploads = Path(str(path.parent / "var" / "uploads"))
    assert not uploads.exists() or not any(uploads.iterdir())
    return " ".join(caught.value.message_dict["file"])


def _names(campaign: Campaign) -> list[tuple[str, str]]:
    return sorted(Lead.objects.filter(campaign=campaign).values_list("phone", "first_name"))


def _xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


# --- Refused before the import ---------------------------------------------------------


def test_an_empty_file_is_refused(tenant: Tenant, tmp_path: Path) -> None:
    assert _refusal(tenant, write_file(tmp_path, b"")) == "The file is empty."


def test_a_file_of_blank_lines_has_no_header(tenant: Tenant, tmp_path: Path) -> None:
    assert _refusal(tenant, write_file(tmp_path, "\n \n,,\n")) == "The file has no header row."


def test_a_header_without_rows_is_refused(tenant: Tenant, tmp_path: Path) -> None:
    path = write_file(tmp_path, "phone,first name\n\n")
    assert _refusal(tenant, path) == "The file has a header but no rows."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_or_utf32_text_is_refused_asking_for_utf8(tenant: Tenant, tmp_path: Path,
                                                        encoding: str) -> None:
    path = write_file(tmp_path, "phone,name\n+12125550143,Zoë\n", encoding=encoding)
    message = _refusal(tenant, path)
    assert "save it as UTF-8 CSV" in message or "Upload a UTF-8 CSV" in message


def test_random_binary_bytes_are_refused_as_not_text(tenant: Tenant, tmp_path: Path) -> None:
    path = write_file(tmp_path, random.Random(7).randbytes(20_000), name="photo.csv")
    assert _refusal(tenant, path).startswith("The file is not CSV text")


def test_text_in_no_supported_encoding_is_refused_naming_the_first_bad_byte(
    tenant: Tenant, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, b"phone,name\n+12125550143,Ann\n" + b"\x81\x8d\x8f\x90\x9d" * 200)
    assert _refusal(tenant, path) == (
        "The file's text encoding is not recognised: it is not UTF-8 (line 3 holds the byte "
        "0x81), nor does it read as Windows-1252 or Latin-1 text. Save it as UTF-8 CSV.")


def test_an_old_xls_workbook_is_refused_asking_for_xlsx(tenant: Tenant, tmp_path: Path) -> None:
    path = write_file(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), name="a.xls")
    assert "old Excel (.xls)" in _refusal(tenant, path)


def test_a_damaged_xlsx_is_refused(tenant: Tenant, tmp_path: Path) -> None:
    path = write_file(tmp_path, b"PK\x03\x04 not really a zip", name="leads.xlsx")
    assert "The XLSX file cannot be opened" in _refusal(tenant, path)


def test_a_file_over_the_size_limit_is_refused_and_not_kept(
    tenant: Tenant, tmp_path: Path, settings: Any,
) -> None:
    settings.LEADFLOW_MAX_UPLOAD_MB = 1
    path = write_file(tmp_path, "phone\n" + "+12125550143\n" * 120_000)  # 1.6 MB
    assert _refusal(tenant, path) == "The file is larger than the limit of 1 MB."


def test_a_file_just_under_the_size_limit_is_accepted(
    tenant: Tenant, tmp_path: Path, settings: Any,
) -> None:
    settings.LEADFLOW_MAX_UPLOAD_MB = 1
    path = write_file(tmp_path, "phone\n" + "+12125550143\n" * 80_000)  # 1.04 MB decimal
    assert path.stat().st_size < 1024 * 1024
    assert create_job(tenant, path).file_size == path.stat().st_size


def test_a_cell_over_the_csv_limit_in_the_first_rows_is_refused_at_upload(
    tenant: Tenant, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, "phone,notes\n+12125550143,\"" + "x" * 1_000_001 + "\"\n")
    message = _refusal(tenant, path)
    assert message == ("Line 2: a cell is longer than 1,000,000 characters, so the file "
                       "cannot be read; check its quotes.")


def test_a_cell_over_the_csv_limit_later_fails_the_job_before_anything_is_written(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    rows = "".join(f"+1212555{n:04d},ok\n" for n in range(50))
    path = write_file(tmp_path, "phone,notes\n" + rows + '+12125559999,"' + "x" * 1_000_001
                      + '"\n')
    job = import_file(campaign, path)
    assert job.state == ImportState.FAILED
    assert "a cell is longer than 1,000,000 characters" in job.error_message
    assert job.processed_rows == 0 and not Lead.objects.exists()


def test_bytes_that_are_not_utf8_far_into_the_file_fail_the_job_before_anything_is_written(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    rows = "".join(f"+1212555{n % 10_000:04d},Ann\n" for n in range(SNIFF_BYTES // 17 + 100))
    path = write_file(tmp_path, ("phone,first name\n" + rows).encode() + b"+12125550100,Ren\xe9\n")
    job = import_file(campaign, path)
    assert job.state == ImportState.FAILED
    assert "holds bytes that are not valid UTF-8 text; save the file as UTF-8" in \
        job.error_message
    assert not Lead.objects.exists()


def test_a_file_deleted_before_the_run_fails_the_job_with_a_message(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    job = create_job(tenant, write_file(tmp_path, "phone\n+12125550143\n"), campaign)
    configure_job(job, campaign)
    Path(job.file_path).unlink()
    job = run_job(job)
    assert job.state == ImportState.FAILED
    assert job.error_message.startswith("The uploaded file cannot be read")


# --- Mapping -----------------------------------------------------------------------------


def test_a_mapping_without_a_phone_column_is_refused(tenant: Tenant, campaign: Campaign,
                                                     tmp_path: Path) -> None:
    job = create_job(tenant, write_file(tmp_path, "first name,last name\nAnn,Lee\n"), campaign)
    with pytest.raises(ValidationError) as caught:
        configure_job(job, campaign, ["first_name", "last_name"])
    assert caught.value.message_dict["mapping"] == ["Map one column to Phone."]
    job.refresh_from_db()
    assert job.state == ImportState.UPLOADED and job.mapping == {}


@pytest.mark.parametrize("columns, message", [
    (["phone"], "Give a target for each of the 2 columns (1 given)."),
    (["phone", "phone"], "Columns “phone” and “mobile” both map to phone."),
    (["phone", "shoe_size"], "Column “mobile”: unknown target 'shoe_size'."),
    (["phone", "custom.Shoe Size"], "Column “mobile”: a custom field key uses a–z, 0–9 and _ "
                                    "(at most 50)."),
    (["phone", 7], "Column “mobile”: the target must be text, not 7."),
])
def test_a_mapping_that_cannot_work_is_refused_with_the_reason(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, columns: list[Any], message: str,
) -> None:
    job = create_job(tenant, write_file(tmp_path, "phone,mobile\n+12125550143,\n"), campaign)
    with pytest.raises(ValidationError) as caught:
        configure_job(job, campaign, columns)
    assert caught.value.message_dict["mapping"] == [message]


# --- Encodings ---------------------------------------------------------------------------


def test_utf8_with_a_bom_reads_the_first_header_without_it(tenant: Tenant, campaign: Campaign,
                                                          tmp_path: Path) -> None:
    path = write_file(tmp_path, codecs.BOM_UTF8 + "phone,first name\n+12125550143,Zoë\n"
                      .encode())
    job = create_job(tenant, path, campaign)
    assert job.headers == ["phone", "first name"] and job.encoding == "utf_8_sig"
    configure_job(job, campaign)
    assert run_job(job).imported == 1
    assert _names(campaign) == [("+12125550143", "Zoë")]


def test_a_cp1252_file_keeps_accents_and_the_euro_sign(tenant: Tenant, campaign: Campaign,
                                                       tmp_path: Path) -> None:
    path = write_file(tmp_path, "phone;first name;custom\n+12125550143;Renée;5 €\n"
                      "+12125550144;Chloë;“quoted”\n", encoding="cp1252")
    job = create_job(tenant, path, campaign)
    assert job.encoding == "cp1252" and job.delimiter == ";"
    configure_job(job, campaign, ["phone", "first_name", "custom.price"])
    assert run_job(job).imported == 2
    assert _names(campaign) == [("+12125550143", "Renée"), ("+12125550144", "Chloë")]
    assert Lead.objects.get(phone="+12125550143").custom_fields == {"price": "5 €"}
    assert Lead.objects.get(phone="+12125550144").custom_fields == {"price": "“quoted”"}


@pytest.mark.parametrize("last_line_end", ["\n", ""])
def test_a_latin1_file_is_read_correctly_even_when_only_its_last_line_is_accented(
    tenant: Tenant, campaign: Campaign, tmp_path: Path, last_line_end: str,
) -> None:
    text = "phone,first name\n+12125550143,Bob\n+12125550144,Ann\n+12125550145,Müller Peña"
    path = write_file(tmp_path, text + last_line_end, encoding="latin-1")
    job = create_job(tenant, path, campaign)
    assert job.encoding in ("cp1252", "latin_1", "iso8859_15")
    configure_job(job, campaign)
    job = run_job(job)
    assert job.state == ImportState.DONE and job.imported == 3, job.error_message
    assert ("+12125550145", "Müller Peña") in _names(campaign)


def test_the_sniffed_file_is_described_for_the_admin(tmp_path: Path) -> None:
    path = write_file(tmp_path, "phone;name\n+12125550143;Ann\n")
    assert describe(sniff(path, "leads.csv")) == "CSV, utf_8, semicolon-separated"


# --- Shapes ------------------------------------------------------------------------------


def test_mixed_line_endings_in_one_file_give_one_row_per_line(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, b"phone,first name\r\n+12125550141,A\n+12125550142,B\r"
                                b"+12125550143,C\r\n+12125550144,D")
    job = import_file(campaign, path)
    assert (job.total_rows, job.imported) == (4, 4)
    assert [name for _, name in _names(campaign)] == ["A", "B", "C", "D"]


def test_quoted_newlines_and_delimiters_stay_inside_their_cell(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, 'phone,"first\nname",notes\n'
                                '+12125550141,"Ann, Jr.","line one\nline two\r\nline ""three"""\n'
                                '+12125550142,Bob,plain\n')
    job = import_file(campaign, path, columns=["phone", "first_name", "custom.notes"])
    assert job.headers == ["phone", "first name", "notes"]  # a header's line break: a space
    assert (job.total_rows, job.imported) == (2, 2)
    ann = Lead.objects.get(phone="+12125550141")
    assert ann.first_name == "Ann, Jr."
    assert ann.custom_fields == {"notes": 'line one\nline two\r\nline "three"'}


def test_a_100000_character_field_rejects_only_its_row(tenant: Tenant, campaign: Campaign,
                                                       tmp_path: Path) -> None:
    path = write_file(tmp_path, "phone,first name\n+12125550141,Ann\n"
                                f"+12125550142,{'y' * 100_000}\n+12125550143,Cy\n")
    job = import_file(campaign, path)
    assert (job.imported, job.rejected, job.total_rows) == (2, 1, 3)
    assert errors_of(job) == [(2, "first name", "longer than 80 characters (100000)")]
    assert job.row_errors.get().value == "y" * 80 + "…"


def test_a_100000_character_phone_gets_one_reason_only(tenant: Tenant, campaign: Campaign,
                                                       tmp_path: Path) -> None:
    path = write_file(tmp_path, f"phone\n{'1' * 100_000}\n+12125550143\n")
    job = import_file(campaign, path)
    assert (job.imported, job.rejected) == (1, 1)
    assert errors_of(job) == [(1, "phone", "longer than 1000 characters (100000)")]


def test_a_row_with_more_cells_than_the_header_is_rejected_naming_the_counts(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, "phone,first name\n+12125550141,Ann,extra,more\n"
                                "+12125550142,Bob,,\n+12125550143\n")
    job = import_file(campaign, path)
    assert (job.imported, job.rejected, job.total_rows) == (2, 1, 3)
    assert errors_of(job) == [(1, "", "the row has 4 cells but the header has 2")]
    # Trailing empty cells are no problem; a short row reads its missing cells as empty.
    assert _names(campaign) == [("+12125550142", "Bob"), ("+12125550143", "")]


def test_duplicated_headers_are_renamed_with_a_warning_and_both_columns_map(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = write_file(tmp_path, "Phone,phone,Phone (2),\n+12125550141,+12125550199,x,y\n")
    job = create_job(tenant, path, campaign)
    assert job.headers == ["Phone", "phone (2)", "Phone (2) (3)", "Column 4"]
    assert job.warnings == [
        "Column 2 repeats the header “phone” of column 1; it is shown as “phone (2)”.",
        "Column 3 repeats the header “Phone (2)” of column 2; it is shown as “Phone (2) (3)”.",
    ]
    configure_job(job, campaign, ["phone", "alt_phone", "custom.code", "ignore"])
    assert run_job(job).imported == 1
    lead = Lead.objects.get()
    assert (lead.phone, lead.alt_phones, lead.custom_fields) == (
        "+12125550141", ["+12125550199"], {"code": "x"})


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe"),
                                             (",", "comma")])
def test_the_delimiter_is_sniffed(tenant: Tenant, campaign: Campaign, tmp_path: Path,
                                  delimiter: str, name: str) -> None:
    lines = [["phone", "first name", "last name"], ["+1 212 555 0141", "Ann, Jr.", "Lee"],
             ["+1 212 555 0142", "Bob", "Ray; Sr."]]
    text = "".join(delimiter.join(f'"{c}"' if "," in c or ";" in c else c for c in line)
                   + "\n" for line in lines)
    job = create_job(tenant, write_file(tmp_path, text), campaign)
    assert job.delimiter == delimiter and job.headers == lines[0]
    configure_job(job, campaign)
    assert run_job(job).imported == 2
    assert Lead.objects.get(phone="+12125550142").last_name == "Ray; Sr."


def test_a_nul_character_rejects_its_row_and_is_dropped_from_headers(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    body = "".join(f"+1212555{n:04d},Ann\n" for n in range(200))
    path = write_file(tmp_path, "pho\x00ne,first name\n+12125559999,Bo\x00b\n" + body)
    job = create_job(tenant, path, campaign)
    assert job.headers == ["phone", "first name"]
    configure_job(job, campaign)
    job = run_job(job)
    assert job.state == ImportState.DONE and (job.imported, job.rejected) == (200, 1)
    assert errors_of(job) == [(1, "first name", "contains a NUL character")]
    assert job.row_errors.get().value == "Bo\N{SYMBOL FOR NULL}b"


# --- XLSX --------------------------------------------------------------------------------


def test_an_xlsx_formula_rejects_its_row_with_a_clear_reason(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = _xlsx(tmp_path / "leads.xlsx", {"Leads": [
        ["Phone", "First name", "Score"],
        [12125550141, "Ann", 3],
        ["=SUM(A2:A2)", "Bob", 4],
        ["+1 212 555 0143", "=UPPER(\"cy\")", "=C2+C3"],
        [12125550144.0, "Dee", None],
        [ArrayFormula("A6:A6", "=MAX(A2:A5)"), "Eve", 5],
    ]})
    job = create_job(tenant, path, campaign)
    assert job.file_format == "xlsx" and job.headers == ["Phone", "First name", "Score"]
    configure_job(job, campaign, ["phone", "first_name", "custom.score"],
                  custom_types={"score": "number"}, default_region="US")
    job = run_job(job)
    assert (job.imported, job.rejected) == (2, 3) and counts_add_up(job)
    reason = "the cell holds a formula, not a value; save the sheet with values only"
    assert errors_of(job) == [(2, "Phone", reason), (3, "First name", reason),
                              (3, "Score", reason), (5, "Phone", reason)]
    assert _names(campaign) == [("+12125550141", "Ann"), ("+12125550144", "Dee")]
    assert Lead.objects.get(phone="+12125550141").custom_fields == {"score": 3}


def test_an_xlsx_with_several_sheets_imports_the_first_and_warns(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    path = _xlsx(tmp_path / "book.xlsx", {
        "March": [["phone", "first name"], ["+12125550141", "Ann"], [None, None],
                  ["+12125550142", "Bob"]],
        "April": [["phone", "first name"], ["+12125550199", "Zed"]],
        "Notes": [["nothing here"]],
    })
    job = create_job(tenant, path, campaign)
    assert job.warnings == ["The workbook has 3 sheets; only the first, “March”, is imported."]
    configure_job(job, campaign)
    job = run_job(job)
    assert (job.total_rows, job.imported) == (2, 2)
    assert _names(campaign) == [("+12125550141", "Ann"), ("+12125550142", "Bob")]


def test_an_xlsx_with_dates_and_booleans_stores_their_text(
    tenant: Tenant, campaign: Campaign, tmp_path: Path,
) -> None:
    from datetime import date

    path = _xlsx(tmp_path / "typed.xlsx", {"Leads": [
        ["phone", "born", "vip"], ["+12125550141", date(1990, 5, 17), True]]})
    job = import_file(campaign, path, columns=["phone", "custom.born", "custom.vip"],
                      custom_types={"born": "date", "vip": "boolean"})
    assert job.imported == 1, errors_of(job)
    assert Lead.objects.get().custom_fields == {"born": "1990-05-17", "vip": True}
