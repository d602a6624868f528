"""Outlook's CSV export (Outlook.com "Manage contacts → Export", and desktop Outlook's
"Import/Export → Export to a file → Comma Separated Values").

Header (Outlook.com; desktop Outlook quotes every cell and orders them differently)::

    First Name,Middle Name,Last Name,Title,Suffix,Nickname,…,E-mail Address,E-mail 2 Address,
    E-mail 3 Address,Home Phone,…,Business Phone,…,Mobile Phone,…,Job Title,Department,
    Company,…,Business Street,Business City,…,Home Street,Home City,…,Web Page,Birthday,
    Anniversary,Notes[,Categories]

Quirks: usually Windows-1252, not UTF-8 (the encoding is detected); ``0/0/00`` means "no
date"; dates are ``M/D/YYYY`` in the US export (a first number above 12 is read as a day,
German ``15.4.1980`` is read too); desktop Outlook writes Exchange addresses
(``/o=ExchangeLabs/ou=…``) in ``E-mail Address`` with ``E-mail Type`` ``EX``: they are not
e-mail addresses and are left out. ``Categories`` (desktop) become tags.
"""

from __future__ import annotations

from collections.abc import Iterator

from .common import (
    CsvRow,
    add_unique,
    add_url,
    multiline,
    one_line,
    parse_birthday,
    read_csv_records,
    sniff_csv,
)
from .encoding import decode
from .record import Record, Skipped

name = "outlook"

_PHONES = (
    "Mobile Phone",
    "Primary Phone",
    "Home Phone",
    "Home Phone 2",
    "Business Phone",
    "Business Phone 2",
    "Other Phone",
    "Car Phone",
    "Pager",
    "Company Main Phone",
    "Callback",
    "Radio Phone",
    "Assistant's Phone",
)
_ADDRESSES = ("Home", "Business", "Other")


def _is_header(fields: list[str]) -> bool:
    cols = {f.strip() for f in fields}
    return {"First Name", "Last Name", "E-mail Address"} <= cols and ("Job Title" in cols or "Business Phone" in cols)


def sniff(filename: str, head: bytes) -> bool:
    """A CSV whose first line is Outlook's header."""
    return sniff_csv(filename, decode(head, repair=False), _is_header)


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    return read_csv_records(name, filename, decode(data), _is_header, _record)


def _record(row: CsvRow, locator: str) -> Record | Skipped:
    cells = row.cells

    def get(key: str) -> str | None:
        return one_line(cells.get(key))

    record = Record(source=name, locator=locator)
    record.prefix = get("Title")
    record.given = get("First Name")
    record.middle = get("Middle Name")
    record.family = get("Last Name")
    record.suffix = get("Suffix")
    record.nickname = get("Nickname")
    record.name = " ".join(p for p in (record.given, record.middle, record.family) if p) or None
    if record.name is None:
        display = get("E-mail Display Name")
        if display and "@" not in display:
            record.name = display

    for n, key in enumerate(("E-mail Address", "E-mail 2 Address", "E-mail 3 Address"), 1):
        value = get(key)
        kind = (get("E-mail Type" if n == 1 else f"E-mail {n} Type") or "SMTP").upper()
        if value and kind != "EX" and not value.startswith("/o=") and "@" in value:
            add_unique(record.emails, value)
    for key in _PHONES:
        add_unique(record.phones, get(key))
    for key in ("Web Page", "Personal Web Page"):
        add_url(record.urls, record.handles, get(key))

    for kind in _ADDRESSES:
        town = " ".join(p for p in (get(f"{kind} Postal Code"), get(f"{kind} City")) if p)
        parts = [get(f"{kind} {field}") for field in ("Street", "Street 2", "Street 3")]
        parts += [town, get(f"{kind} State"), get(f"{kind} Country/Region")]
        text = ", ".join(p for p in parts if p)
        if text:
            add_unique(record.addresses, text)
            if record.location is None:
                record.location = get(f"{kind} City")
    record.location = record.location or get("Location")

    record.company = get("Company")
    record.role = get("Job Title")
    for key, extra in (("Department", "department"), ("Spouse", "spouse"), ("Manager's Name", "manager")):
        value = get(key)
        if value:
            record.extra[extra] = value
    birthday = get("Birthday")
    record.birthday = parse_birthday(birthday)
    if birthday and record.birthday is None and birthday not in ("0/0/00", "0/0/0000", "00.00.00"):
        record.extra["birthday_text"] = birthday
    anniversary = parse_birthday(get("Anniversary"))
    if anniversary:
        record.extra["anniversary"] = anniversary
    record.notes = multiline(cells.get("Notes"))
    for tag in (get("Categories") or "").split(";"):
        add_unique(record.tags, tag)

    if not (record.name or record.emails or record.urls) and record.company:
        record.is_org = True  # a row with only a company: an organisation note
        record.name = record.company
    if not record.has_identity():
        return Skipped(locator, "no name, e-mail or web page", row.line)
    return record
