"""Google Contacts CSV, in both the current and the older export format.

Current (contacts.google.com → Export → Google CSV)::

    First Name,Middle Name,Last Name,Phonetic First Name,…,Name Prefix,Name Suffix,Nickname,
    File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,
    Labels,E-mail 1 - Label,E-mail 1 - Value,…,Phone 1 - Label,Phone 1 - Value,…,
    Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,…,
    Website 1 - Label,Website 1 - Value,…

Older (the "Google CSV" of the previous Contacts app, UTF-16 LE with a BOM)::

    Name,Given Name,Additional Name,Family Name,…,Nickname,…,Birthday,…,Notes,…,
    Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,…,
    Organization 1 - Name,Organization 1 - Title,…,Website 1 - Type,Website 1 - Value

One cell may hold several values joined by `` ::: `` (two e-mails of the same label).
``Labels``/``Group Membership`` become tags, without Google's system groups
(``* myContacts``, ``* starred``, ``* coworkers`` …, all starting with ``* ``). Birthdays are
``1980-04-15`` or ``--04-15`` (no year). The ``Photo`` column is a URL on Google's servers:
vaultcrm never downloads, so it is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .common import (
    CsvRow,
    add_unique,
    add_url,
    clean,
    multiline,
    one_line,
    parse_birthday,
    read_csv_records,
    sniff_csv,
)
from .encoding import decode
from .record import Record, Skipped

name = "google"

_SEP = " ::: "
_NUMBERED = re.compile(r"^(E-mail|Phone|Address|Website|Organization|Relation|Event|IM|Custom Field) (\d+) - (.+)$")


def _is_header(fields: list[str]) -> bool:
    cols = {f.strip() for f in fields}
    current = {"First Name", "Last Name", "Labels"} <= cols and any(c.startswith("E-mail 1 - ") for c in cols)
    older = {"Name", "Given Name", "Family Name"} <= cols and "Group Membership" in cols
    return current or older


def sniff(filename: str, head: bytes) -> bool:
    """A CSV whose first line is Google's two headers."""
    return sniff_csv(filename, decode(head, repair=False), _is_header)


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    return read_csv_records(name, filename, decode(data), _is_header, _record)


def _values(cell: str | None) -> list[str]:
    return [v.strip() for v in (cell or "").split(":::") if v.strip()]


def _numbered(cells: dict[str, str]) -> dict[str, dict[int, dict[str, str]]]:
    """``{"E-mail": {1: {"Label": "* Home", "Value": "a@b ::: c@d"}}}``."""
    groups: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in cells.items():
        m = _NUMBERED.match(key)
        if m:
            groups.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = value
    return groups


def _record(row: CsvRow, locator: str) -> Record | Skipped:
    cells = row.cells

    def get(*keys: str) -> str | None:
        for key in keys:
            value = one_line(cells.get(key))
            if value:
                return value
        return None

    groups = _numbered(cells)
    record = Record(source=name, locator=locator)
    record.given = get("First Name", "Given Name")
    record.middle = get("Middle Name", "Additional Name")
    record.family = get("Last Name", "Family Name")
    record.prefix = get("Name Prefix")
    record.suffix = get("Name Suffix")
    record.nickname = get("Nickname")
    full = get("Name")  # older format: the display name, possibly "Family, Given"
    parts = " ".join(p for p in (record.given, record.middle, record.family) if p)
    record.name = parts or full or None
    if full and parts and full != parts and "," not in full:
        record.extra["display_name"] = full

    for item in groups.get("E-mail", {}).values():
        for value in _values(item.get("Value")):
            add_unique(record.emails, value)
    for item in groups.get("Phone", {}).values():
        for value in _values(item.get("Value")):
            add_unique(record.phones, value)
    for item in groups.get("Website", {}).values():
        for value in _values(item.get("Value")):
            add_url(record.urls, record.handles, value)
    for item in groups.get("Address", {}).values():
        formatted = clean(item.get("Formatted"))
        if not formatted:
            fields = ("Street", "Extended Address", "PO Box", "Postal Code", "City", "Region", "Country")
            formatted = ", ".join(v for k in fields if (v := clean(item.get(k))))
        if formatted:
            add_unique(record.addresses, ", ".join(line.strip() for line in formatted.splitlines() if line.strip()))
        if record.location is None:
            record.location = one_line(item.get("City"))
    for item in groups.get("IM", {}).values():
        service = (clean(item.get("Service")) or "").lower().lstrip("* ")
        for value in _values(item.get("Value")):
            if service and service not in record.handles:
                record.handles[service] = value

    orgs = groups.get("Organization", {})
    first_org = orgs[min(orgs)] if orgs else {}
    record.company = get("Organization Name") or one_line(first_org.get("Name"))
    record.role = get("Organization Title") or one_line(first_org.get("Title"))
    department = get("Organization Department") or one_line(first_org.get("Department"))
    if department:
        record.extra["department"] = department

    birthday = get("Birthday")
    record.birthday = parse_birthday(birthday)
    if birthday and record.birthday is None:
        record.extra["birthday_text"] = birthday
    record.notes = multiline(cells.get("Notes"))
    for label in _values(cells.get("Labels") or cells.get("Group Membership")):
        if not label.startswith("*"):  # Google's system groups: * myContacts, * starred …
            add_unique(record.tags, label)

    if not (record.name or record.emails or record.handles or record.urls) and record.company:
        record.is_org = True  # a row with only a company: an organisation note
        record.name = record.company
    if not record.has_identity():
        if record.phones:
            return Skipped(locator, "only a phone number, no name", row.line)
        return Skipped(locator, "no name, e-mail or profile", row.line)
    return record
