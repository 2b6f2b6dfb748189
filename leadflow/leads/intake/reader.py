"""Read lead files: sniff CSV encoding and delimiter, or open XLSX; iterate rows.

Every problem with the file as a whole is a FileProblem with a message for the admin;
problems of single rows are left to the normaliser.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

SNIFF_BYTES = 256 * 1024
MAX_FIELD_CHARS = 1_000_000  # csv's own limit; longer cells are refused per row anyway
SUPPORTED_ENCODINGS = ("utf_8", "utf_8_sig", "cp1252", "latin_1", "iso8859_15", "ascii")
DELIMITERS = ",;\t|"
_ENCODING_NAMES = {"utf_8": "UTF-8", "utf_8_sig": "UTF-8", "cp1252": "Windows-1252",
                   "latin_1": "Latin-1", "iso8859_15": "Latin-9", "ascii": "ASCII"}

csv.field_size_limit(MAX_FIELD_CHARS)


class FileProblem(Exception):
    """A file that cannot be imported at all; the message says why, for the admin."""


@dataclass
class FileInfo:
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    sample_rows: list[list[str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def detect_format(path: Path, file_name: str) -> str:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


# Bytes no text file holds (NUL and the C0 controls other than tab, newlines, form feed).
_BINARY_BYTES = bytes([*range(0, 9), *range(14, 32)])
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc) files


def _refuse_non_text(head: bytes) -> None:
    if head.startswith(_OLE_MAGIC):
        raise FileProblem("This is an old Excel (.xls) file, which is not supported; save it "
                          "as .xlsx or as UTF-8 CSV.")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileProblem("The file is UTF-32 text, which is not supported; save it as UTF-8 "
                          "CSV.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem("The file is UTF-16 text, which is not supported; save it as UTF-8 "
                          "CSV.")
    controls = len(head) - len(head.translate(None, _BINARY_BYTES))
    if controls > len(head) // 20:
        raise FileProblem("The file is not CSV text: it is full of NUL or control bytes, as "
                          "binary files and UTF-16 text are. Upload a UTF-8 CSV or an XLSX "
                          "file.")


def _detect_encoding(head: bytes, complete: bool) -> str:
    """``head`` is the file's first bytes; ``complete`` when it is the whole file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf_8_sig"
    _refuse_non_text(head)
    try:
        # Incremental: a multibyte character cut at the end of the sample is no error,
        # but the last line of a whole small file is checked like every other line.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf_8"
    except UnicodeDecodeError as exc:
        line = head[:exc.start].count(b"\n") + 1
        not_utf8 = f"it is not UTF-8 (line {line} holds the byte 0x{head[exc.start]:02X})"
    # Trim a line possibly cut at the end of the sample (\n or old Mac \r endings).
    end = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    trimmed = head if complete else head[:end] or head
    best = from_bytes(trimmed, cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    if best is None:
        raise FileProblem(f"The file's text encoding is not recognised: {not_utf8}, nor "
                          "does it read as Windows-1252 or Latin-1 text. Save it as UTF-8 CSV.")
    encoding = codecs.lookup(best.encoding).name.replace("-", "_")
    if encoding not in SUPPORTED_ENCODINGS:
        raise FileProblem(f"The file looks {best.encoding}-encoded, which is not supported; "
                          "save it as UTF-8 CSV.")
    return encoding


def _detect_delimiter(sample: str) -> str:
    lines = sample.splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column, or no delimiter the sniffer trusts: take the most frequent one.
        counts = {d: lines[0].count(d) for d in DELIMITERS} if lines else {}
        best = max(counts, key=lambda d: counts[d]) if counts else ","
        return best if counts.get(best) else ","


def _unique_headers(raw: list[str], warnings: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    headers = []
    for index, name in enumerate(raw, start=1):
        # Line breaks in a quoted header read as spaces; NUL and other control characters
        # are dropped (PostgreSQL cannot store NUL).
        printable = "".join(ch if ch.isprintable() else " " if ch.isspace() else ""
                            for ch in name)
        clean = " ".join(printable.split()) or f"Column {index}"
        key = clean.lower()
        if key in seen:
            renamed = f"{clean} ({index})"
            suffix = 2
            while renamed.lower() in seen:  # a later header may already read "Phone (2)"
                renamed = f"{clean} ({index}.{suffix})"
                suffix += 1
            warnings.append(f"Column {index} repeats the header “{clean}” of column "
                            f"{seen[key]}; it is shown as “{renamed}”.")
            clean = renamed
        seen[clean.lower()] = index
        headers.append(clean)
    return headers


def _open_csv(path: Path, encoding: str) -> io.TextIOWrapper:
    # newline="" lets csv handle \r\n, \n, \r and newlines inside quoted cells.
    return open(path, encoding=encoding, newline="", errors="strict")  # noqa: SIM115


def sniff(path: Path, file_name: str) -> FileInfo:
    """Work out the format, encoding, delimiter and headers; read a sample of rows."""
    if path.stat().st_size == 0:
        raise FileProblem("The file is empty.")
    file_format = detect_format(path, file_name)
    info = FileInfo(file_format=file_format)
    if file_format == "xlsx":
        rows = iter_xlsx(path, info.warnings)
    else:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        info.encoding = _detect_encoding(head, complete=len(head) < SNIFF_BYTES)
        text = head.decode(info.encoding, errors="ignore")
        info.delimiter = _detect_delimiter(text)
        rows = iter_csv(path, info.encoding, info.delimiter)
    try:
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header[1]):
            raise FileProblem("The file has no header row.")
        info.headers = _unique_headers(header[1], info.warnings)
        for _, cells in rows:
            info.sample_rows.append(cells)
            if len(info.sample_rows) == 10:
                break
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    if not info.sample_rows:
        raise FileProblem("The file has a header but no rows.")
    return info


def iter_csv(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number of the row's start, cells) for every non-blank row."""
    with _open_csv(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for cells in reader:
                if cells and any(cell.strip() for cell in cells):
                    yield reader.line_num, cells
        except UnicodeDecodeError as exc:
            # Text is decoded in blocks: the bad bytes are somewhere after this line.
            where = f"After line {reader.line_num}, the" if reader.line_num else "The"
            name = _ENCODING_NAMES.get(encoding, encoding)
            raise FileProblem(
                f"{where} file holds bytes that are not valid {name} text; save the file "
                "as UTF-8."
            ) from exc
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FileProblem(
                    f"Line {reader.line_num}: a cell is longer than {MAX_FIELD_CHARS:,} "
                    "characters, so the file cannot be read; check its quotes."
                ) from exc
            raise FileProblem(f"Line {reader.line_num}: {exc}.") from exc


def _xlsx_cell(value: Any) -> str:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if value is None:
        return ""
    if isinstance(value, ArrayFormula):
        return str(value.text or "=")  # the formula's text, like a plain formula cell
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()  # Excel dates are datetimes at midnight
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def iter_xlsx(path: Path, warnings: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (sheet row number, cells) of the first sheet; formulas stay as "=…" text."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise FileProblem(f"The XLSX file cannot be opened ({type(exc).__name__}); "
                          "save it again or export it as CSV.") from exc
    try:
        sheets = workbook.sheetnames
        if len(sheets) > 1:
            warnings.append(f"The workbook has {len(sheets)} sheets; only the first, "
                            f"“{sheets[0]}”, is imported.")
        sheet = workbook[sheets[0]]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                number, row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # a damaged sheet fails while it is read
                raise FileProblem(f"The XLSX file is damaged ({type(exc).__name__}); save it "
                                  "again or export it as CSV.") from exc
            cells = [_xlsx_cell(v) for v in row]
            if any(cell.strip() for cell in cells):
                yield number, cells
    finally:
        workbook.close()


def iter_file_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    if info.file_format == "xlsx":
        return iter_xlsx(path, [])
    return iter_csv(path, info.encoding, info.delimiter)


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "phone number", "phonenumber", "mobile", "tel", "telephone", "msisdn",
              "number", "cell"),
    "alt_phone": ("alt phone", "alternative phone", "phone 2", "phone2", "second phone",
                  "other phone", "landline"),
    "first_name": ("first name", "firstname", "first", "fname", "given name"),
    "last_name": ("last name", "lastname", "last", "lname", "surname", "family name"),
    "email": ("email", "e-mail", "email address", "mail"),
    "country": ("country", "country code", "iso country"),
    "region": ("region", "state", "province", "county"),
    "postal_code": ("postal code", "postcode", "zip", "zip code", "zipcode"),
    "language": ("language", "lang", "locale"),
    "time_zone": ("time zone", "timezone", "tz"),
    "external_id": ("external id", "crm id", "id", "lead id", "customer id"),
    "source": ("source", "affiliate", "affiliate id", "campaign source"),
    "weight": ("weight", "priority", "score"),
}


def guess_mapping(headers: list[str]) -> list[str]:
    """A first guess of each column's target by its header; unknown columns are ignored."""
    taken: set[str] = set()
    guesses = []
    for header in headers:
        key = header.strip().lower().replace("_", " ")
        target = next((t for t, names in _SYNONYMS.items() if key in names), "ignore")
        if target in taken and target != "alt_phone":
            target = "ignore"
        taken.add(target)
        guesses.append(target)
    return guesses
