"""LinkedIn's data export: ``Connections.csv`` (people) and ``messages.csv`` (interactions).

``Connections.csv`` starts with a "Notes:" preamble (a line, a quoted paragraph about
missing e-mail addresses, a blank line) before the header
``First Name,Last Name,URL,Email Address,Company,Position,Connected On``. Older exports lack
``URL``. E-mail addresses are mostly empty (members choose whether to share them). Dates are
``24 Nov 2026``. Row numbers count records after the header, so the preamble never shifts them.

``messages.csv`` (``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,
RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,…``) has no column saying who the
account owner is. The rule: **the owner is the participant (sender or recipient, keyed by
profile URL, else name) found in the most conversations**, since the owner is in every one;
on a tie, the one who sent the most messages. A message whose sender is the owner is ``out``
to every other participant; any other message is ``in`` from its sender. One record per
other participant carries their name, profile URL and every message as an
:class:`Interaction` (UTC date and time, ``via="linkedin"``, type ``message``), located at
the first row they appear in. Drafts and the SPAM folder are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

from .common import (
    CsvRow,
    add_unique,
    add_url,
    base_name,
    clean,
    csv_rows,
    has_header,
    one_line,
    parse_day_month_year,
    read_csv_records,
)
from .encoding import decode
from .record import Interaction, Record, Skipped

name = "linkedin"

_CONNECTION_COLUMNS = {"first name", "last name", "connected on"}
_MESSAGE_COLUMNS = {"conversation id", "from", "date", "content"}
# "Schmidt, PhD" / "Vance MBA": credentials LinkedIn members put after their last name
_CREDENTIALS = re.compile(r"^(?P<name>.*?)(?:,\s*|\s+)(?P<creds>(?:(?:[A-Z][A-Za-z]{0,4}\.?){1,3}(?:,\s*|\s+)?)+)$")
_CREDENTIAL_WORDS = {"PhD", "MBA", "CFA", "CPA", "MD", "MSc", "BSc", "PMP", "MA", "BA", "LLM", "CISSP", "FRM", "Dr."}


def _is_connections_header(fields: list[str]) -> bool:
    return {f.strip().lower() for f in fields} >= _CONNECTION_COLUMNS


def _is_messages_header(fields: list[str]) -> bool:
    return {f.strip().lower() for f in fields} >= _MESSAGE_COLUMNS


def sniff(filename: str, head: bytes) -> bool:
    """A CSV whose header (after any preamble) has LinkedIn's columns."""
    if not base_name(filename).lower().endswith(".csv"):
        return False
    text = decode(head, repair=False)
    return has_header(text, _is_connections_header) or has_header(text, _is_messages_header)


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    """Connections or messages, whichever the header says."""
    text = decode(data)
    if has_header(text, _is_messages_header):
        yield from _read_messages(filename, text)
    else:
        yield from _read_connections(filename, text)


def _lower(cells: dict[str, str]) -> dict[str, str]:
    """Cells keyed by lower-case column name: LinkedIn has changed the case of its headers."""
    return {k.lower(): v for k, v in cells.items()}


def _column(cells: dict[str, str], *names: str) -> str | None:
    """The first non-empty cell of these columns, on one line (``cells`` from :func:`_lower`)."""
    for n in names:
        value = one_line(cells.get(n.lower()))
        if value:
            return value
    return None


def _split_credentials(family: str) -> tuple[str, str | None]:
    m = _CREDENTIALS.match(family)
    if not m:
        return family, None
    creds = [c for c in re.split(r"[,\s]+", m.group("creds")) if c]
    if creds and all(c in _CREDENTIAL_WORDS or c.rstrip(".") in _CREDENTIAL_WORDS for c in creds) and m.group("name"):
        return m.group("name").strip(), ", ".join(creds)
    return family, None


def _read_connections(filename: str, text: str) -> Iterator[Record | Skipped]:
    return read_csv_records(name, filename, text, _is_connections_header, _connection)


def _connection(row: CsvRow, locator: str) -> Record | Skipped:
    cells = _lower(row.cells)
    given = _column(cells, "First Name")
    family = _column(cells, "Last Name")
    suffix = None
    if family:
        family, suffix = _split_credentials(family)
    record = Record(source=name, locator=locator, given=given, family=family, suffix=suffix)
    record.name = " ".join(p for p in (given, family) if p) or None
    add_unique(record.emails, _column(cells, "Email Address", "E-mail Address"))
    add_url(record.urls, record.handles, _column(cells, "URL", "Profile URL"))
    record.company = _column(cells, "Company")
    record.role = _column(cells, "Position")
    connected = _column(cells, "Connected On")
    record.met = parse_day_month_year(connected)
    if connected and record.met is None:
        record.extra["connected_on"] = connected
    if not record.has_identity() and record.company:
        record.is_org = True  # a row with only a company: an organisation note
        record.name = record.company
    if not record.has_identity():
        return Skipped(locator, "no name, e-mail or profile URL", row.line)
    return record


def _read_messages(filename: str, text: str) -> Iterator[Record | Skipped]:
    base = base_name(filename)
    _header, rows = csv_rows(text, filename, is_header=_is_messages_header)
    messages: list[tuple[CsvRow, str, list[tuple[str, str | None]]]] = []
    skipped: list[Skipped] = []
    for row in rows:
        locator = f"{name}/{base}#row={row.number}"
        if row.error:
            skipped.append(Skipped(locator, row.error, row.line))
            continue
        row.cells = _lower(row.cells)
        if (_column(row.cells, "FOLDER") or "").upper() == "SPAM":
            continue
        if (_column(row.cells, "IS MESSAGE DRAFT") or "").lower() in ("yes", "true"):
            continue
        sender = _column(row.cells, "FROM")
        sender_url = _column(row.cells, "SENDER PROFILE URL")
        if not (sender or sender_url):
            skipped.append(Skipped(locator, "a message without a sender", row.line))
            continue
        recipients = _recipients(_column(row.cells, "TO"), _column(row.cells, "RECIPIENT PROFILE URLS"))
        messages.append((row, _key(sender, sender_url), [(sender or "", sender_url), *recipients]))

    owner = _owner(messages)
    people: dict[str, Record] = {}
    for row, sender_key, participants in messages:
        date, time = _when(_column(row.cells, "DATE"))
        locator = f"{name}/{base}#row={row.number}"
        if date is None:
            skipped.append(Skipped(locator, f"unreadable DATE {_column(row.cells, 'DATE')!r}", row.line))
            continue
        summary = _summary(row.cells.get("subject"), row.cells.get("content"))
        if sender_key == owner:
            targets = participants[1:]
            direction = "out"
        else:
            targets = participants[:1]
            direction = "in"
        for person_name, url in targets:
            key = _key(person_name, url)
            if key == owner or not key:
                continue
            record = people.get(key)
            if record is None:
                record = Record(source=name, locator=locator, name=clean(person_name))
                add_url(record.urls, record.handles, url)
                people[key] = record
            elif not record.name and clean(person_name):
                record.name = clean(person_name)
            record.interactions.append(
                Interaction(date=date, type="message", text=summary, time=time, direction=direction, via=name)
            )
    # in file order of first appearance; skip notices at their rows
    out: list[tuple[int, Record | Skipped]] = [(_row_of(r.locator), r) for r in people.values()]
    out += [(_row_of(s.locator), s) for s in skipped]
    for _n, item in sorted(out, key=lambda pair: pair[0]):
        yield item


def _row_of(locator: str) -> int:
    return int(locator.rsplit("=", 1)[1])


def _key(person_name: str | None, url: str | None) -> str:
    url = clean(url)
    if url:
        return url.rstrip("/").lower().replace("http://", "https://")
    return (clean(person_name) or "").lower()


def _recipients(names: str | None, urls: str | None) -> list[tuple[str, str | None]]:
    url_list = [u.strip() for u in re.split(r"[;,]\s*(?=https?://)|;", urls or "") if u.strip()]
    if not names:
        return [("", u) for u in url_list]
    name_list = [n.strip() for n in names.split(",")] if len(url_list) > 1 else [names.strip()]
    if len(name_list) != len(url_list):
        if not url_list:
            return [(n, None) for n in name_list]
        if len(url_list) == 1:
            return [(names.strip(), url_list[0])]
        return [("", u) for u in url_list]
    return list(zip(name_list, url_list, strict=True))


def _owner(messages: list[tuple[CsvRow, str, list[tuple[str, str | None]]]]) -> str | None:
    """The participant of the most conversations; ties go to whoever sent the most."""
    conversations: dict[str, set[str]] = {}
    sent: Counter[str] = Counter()
    for row, sender_key, participants in messages:
        conversation = _column(row.cells, "CONVERSATION ID") or f"row{row.number}"
        sent[sender_key] += 1
        for person_name, url in participants:
            key = _key(person_name, url)
            if key:
                conversations.setdefault(key, set()).add(conversation)
    if not conversations:
        return None
    return max(conversations, key=lambda k: (len(conversations[k]), sent[k], k))


def _when(value: str | None) -> tuple[dt.date | None, str | None]:
    """``2026-11-03 14:05:09 UTC`` → (date, "14:05")."""
    if not value:
        return None, None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?", value)
    if not m:
        return None, None
    try:
        date = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None, None
    time = f"{m.group(4)}:{m.group(5)}" if m.group(4) else None
    return date, time


def _summary(subject: str | None, content: str | None, limit: int = 100) -> str:
    """One short line for the log: the text without HTML and line breaks, cut at a word."""
    text = content or subject or ""
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text
