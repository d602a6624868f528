"""Helpers the CSV and JSON sources share: CSV records with line numbers, profile URLs, dates.

Every reader reports where it is in the file: :func:`csv_rows` yields each CSV *record*
(a quoted field spanning lines is still one record) with its 1-based number after the header
and the line it starts on, so a bad row becomes a ``Skipped`` with a line number and the rest
of the file goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .record import ImportFormatError, Record, Skipped

HEAD_BYTES = 64 * 1024


def base_name(filename: str) -> str:
    """The file's base name, the part that goes into a locator (``Connections.csv``)."""
    return re.split(r"[/\\]", filename)[-1]


def clean(value: str | None) -> str | None:
    """Trimmed text, or None for an empty cell."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def multiline(value: str | None) -> str | None:
    """Free text (notes) with LF line ends, trimmed; None if empty."""
    if value is None:
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() or None


def one_line(value: str | None) -> str | None:
    """Trimmed text with every run of whitespace (line breaks too) as one space; None if empty."""
    if value is None:
        return None
    return " ".join(value.split()) or None


@dataclass
class CsvRow:
    """One CSV record: its number after the header, the line it starts on, its cells by column."""

    number: int
    line: int
    cells: dict[str, str]
    error: str | None = None  # set when the record cannot be used (wrong field count, bad quoting)


def csv_rows(
    text: str,
    filename: str,
    *,
    is_header: Callable[[list[str]], bool] | None = None,
) -> tuple[list[str], Iterator[CsvRow]]:
    """The header and an iterator over the records after it.

    ``is_header`` finds the header among leading lines (LinkedIn writes a "Notes:" preamble
    before it); by default the first non-empty record is the header. Blank lines are not
    records. A record whose field count differs from the header's, or that the csv module
    cannot parse (a quote that never closes: a truncated file), comes back with ``error``.
    """
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, delimiter=_delimiter(text, is_header), strict=False)
    header: list[str] | None = None
    header_line = 0
    last_line = 0
    while header is None:
        try:
            fields = next(reader)
        except StopIteration:
            raise ImportFormatError(filename, "no header row found (is the file empty?)") from None
        except csv.Error as exc:
            raise ImportFormatError(filename, f"cannot read the header: {exc}", last_line + 1) from None
        start = last_line + 1
        last_line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if is_header is None or is_header(fields):
            header = [h.strip().lstrip("\ufeff") for h in fields]
            header_line = start
    assert header is not None

    def rows() -> Iterator[CsvRow]:
        number = 0
        end = reader.line_num
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                end = reader.line_num
                yield CsvRow(number, start, {}, f"unreadable CSV record: {exc}")
                continue
            end = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line is not a record (a row of empty cells is)
            number += 1
            if len(fields) != len(header):
                # never guess which cell moved: a shifted row would put a company in a name
                why = "truncated?" if len(fields) < len(header) else "an unquoted comma?"
                yield CsvRow(
                    number,
                    start,
                    dict(zip(header, fields, strict=False)),
                    f"{len(fields)} fields where the header (line {header_line}) has {len(header)} ({why})",
                )
                continue
            cells: dict[str, str] = {}
            for key, value in zip(header, fields, strict=True):
                if key and key not in cells:
                    cells[key] = value
            yield CsvRow(number, start, cells)

    return header, rows()


# A spreadsheet that re-saved the export may have changed the delimiter: German Excel writes
# semicolons, Excel's "Unicode text" tabs.
_DELIMITERS = (",", ";", "\t")


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text[:HEAD_BYTES], newline=""), delimiter=delimiter, strict=False)
    out: list[list[str]] = []
    try:
        for fields in reader:
            out.append(fields)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def _delimiter(text: str, is_header: Callable[[list[str]], bool] | None) -> str:
    """The delimiter whose parse finds the header (or the widest first record)."""
    if is_header is not None:
        for delimiter in _DELIMITERS:
            if any(is_header([f.strip().lstrip("\ufeff") for f in r]) for r in _records(text, delimiter, 15)):
                return delimiter
        return ","
    widths = {d: len(next((r for r in _records(text, d, 15) if any(f.strip() for f in r)), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (widths[d], d == ","))


def sniff_csv(filename: str, head: str, is_header: Callable[[list[str]], bool]) -> bool:
    """A ``.csv`` file whose first record is a header ``is_header`` accepts."""
    return base_name(filename).lower().endswith(".csv") and is_header(first_record(head))


def read_csv_records(
    source: str,
    filename: str,
    text: str,
    is_header: Callable[[list[str]], bool],
    make: Callable[[CsvRow, str], Record | Skipped],
) -> Iterator[Record | Skipped]:
    """Every record of a one-row-per-contact CSV: ``make(row, locator)``, or a skip with its line."""
    base = base_name(filename)
    _header, rows = csv_rows(text, filename, is_header=is_header)
    for row in rows:
        locator = f"{source}/{base}#row={row.number}"
        if row.error:
            yield Skipped(locator, row.error, row.line)
            continue
        yield make(row, locator)


def has_header(text: str, is_header: Callable[[list[str]], bool]) -> bool:
    """True when one of the first records (any delimiter) is a header ``is_header`` accepts."""
    return any(is_header([f.strip().lstrip("\ufeff") for f in r]) for d in _DELIMITERS for r in _records(text, d, 15))


def first_record(text: str) -> list[str]:
    """The first CSV record of a text, in whichever delimiter makes it widest (for sniffing a header)."""
    best: list[str] = []
    for delimiter in _DELIMITERS:
        records = _records(text, delimiter, 1)
        if records and len(records[0]) > len(best):
            best = records[0]
    return [f.strip().lstrip("\ufeff") for f in best]


# --- profiles ------------------------------------------------------------------------------

_PROFILE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("linkedin", re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com/in/([^/?#\s]+)", re.I)),
    (
        "twitter",
        re.compile(
            r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/(?!intent/|i/|home\b)([A-Za-z0-9_]{1,15})/?(?:[?#].*)?$",
            re.I,
        ),
    ),
    ("github", re.compile(r"^(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9-]+)/?$", re.I)),
    ("xing", re.compile(r"^(?:https?://)?(?:www\.)?xing\.com/profile/([^/?#\s]+)", re.I)),
    ("instagram", re.compile(r"^(?:https?://)?(?:www\.)?instagram\.com/([A-Za-z0-9_.]+)/?$", re.I)),
    ("facebook", re.compile(r"^(?:https?://)?(?:www\.|m\.)?facebook\.com/(?!profile\.php)([A-Za-z0-9.]+)/?$", re.I)),
    ("mastodon", re.compile(r"^(?:https?://)?([a-z0-9.-]+\.[a-z]{2,})/@([A-Za-z0-9_]+)/?$", re.I)),
)
_TWITTER_ID = re.compile(r"(?:twitter|x)\.com/intent/user\?user_id=(\d+)", re.I)


def handle_from_url(url: str) -> tuple[str, str] | None:
    """``https://www.linkedin.com/in/klaus-b-123/`` → ``("linkedin", "klaus-b-123")``.

    Known profile sites only; anything else is just a URL. LinkedIn slugs are
    percent-decoded (``j%C3%B6rg`` → ``jörg``).
    """
    from urllib.parse import unquote

    url = url.strip()
    if not url:
        return None
    m = _TWITTER_ID.search(url)
    if m:
        return ("twitter_id", m.group(1))
    for network, pattern in _PROFILE_PATTERNS:
        m = pattern.match(url)
        if m:
            if network == "mastodon":
                return ("mastodon", f"@{m.group(2)}@{m.group(1).lower()}")
            return (network, unquote(m.group(1)))
    return None


def add_url(urls: list[str], handles: dict[str, str], url: str | None) -> None:
    """Keep a URL once, and its profile handle when it is a known profile site."""
    url = clean(url)
    if not url:
        return
    if url not in urls:
        urls.append(url)
    found = handle_from_url(url)
    if found and found[0] not in handles:
        handles[found[0]] = found[1]


def add_unique(values: list[str], value: str | None) -> None:
    """Append a one-line value (an e-mail, a phone, a tag) unless empty or already there."""
    value = one_line(value)
    if value and value not in values:
        values.append(value)


# --- dates ---------------------------------------------------------------------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}


def parse_birthday(value: str | None) -> str | None:
    """``1980-04-15``, ``--04-15``, ``--0415``, ``19800415``, ``4/15/1980`` → ISO or ``--MM-DD``.

    A value it cannot read returns None (callers keep the raw text elsewhere).
    """
    value = clean(value)
    if not value:
        return None
    value = value.split("T", 1)[0]
    m = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", value)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"--(\d{2})-?(\d{2})", value)
    if m:
        return _iso(None, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", value)
    if m:  # Outlook, US order; a first number above 12 can only be a day
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a == 0 or b == 0:
            return None  # 0/0/00: Outlook's "no birthday"
        month, day = (b, a) if a > 12 else (a, b)
        if len(m.group(3)) == 2:
            year += 1900 if year > 30 else 2000
        return _iso(year, month, day)
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    if m:  # German Outlook
        return _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return None


def _iso(year: int | None, month: int, day: int) -> str | None:
    try:
        dt.date(year if year else 2000, month, day)  # 2000: a leap year, so --02-29 passes
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def parse_day_month_year(value: str | None) -> dt.date | None:
    """LinkedIn's ``24 Nov 2026`` (older exports: ``24-Nov-26``, ``11/24/26``)."""
    value = clean(value)
    if not value:
        return None
    m = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3})[a-z]*[ -](\d{2}|\d{4})", value)
    if m and m.group(2).lower() in _MONTHS:
        year = int(m.group(3))
        if year < 100:
            year += 2000
        try:
            return dt.date(year, _MONTHS[m.group(2).lower()], int(m.group(1)))
        except ValueError:
            return None
    iso = parse_birthday(value)
    if iso and not iso.startswith("--"):
        return dt.date.fromisoformat(iso)
    return None
