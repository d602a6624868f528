"""The address book and the calendar back out: vCard 4.0, Google Contacts CSV, iCalendar.

Pure text builders over :class:`~vaultcrm.model.Person` records (no click, no
clock: ``today`` is passed in), so the same vault and date give the same bytes.

* **vCard 4.0** (RFC 6350): CRLF lines folded at 75 octets (never inside a UTF-8
  character), text values escaped (``\\`` ``,`` ``;`` newlines), one stable
  ``UID`` per person. Phones take them, and so does vaultcrm's own importer.
* **Google Contacts CSV**, current format: Google's header order, several values
  of one field in one cell joined by `` ::: ``. Spreadsheet formula injection is
  defused: a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading ``'`` — phone numbers such as ``+49 …`` included
  (Google's own export leaves them bare; we prefer that no cell can ever run as
  a formula in whatever program opens the file).
* **iCalendar** (RFC 5545): one all-day event per person's next due date (today
  when overdue) and one yearly event per birthday, with UIDs derived from the
  person's file and the kind of event, so a re-export updates a subscribed
  calendar instead of duplicating it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import document
from .logline import link_target

if TYPE_CHECKING:
    from .core import Vault
    from .model import Person

CRLF = "\r\n"
_NAMESPACE = uuid.UUID("5b0e7a4e-2f1c-4c55-9a59-1c2b7e0d7a11")  # vaultcrm's own UUID namespace
NOTE_MAX = 500  # characters of free notes in a vCard NOTE / CSV Notes

PROFILE_URLS = {
    "linkedin": "https://www.linkedin.com/in/{}",
    "twitter": "https://x.com/{}",
    "x": "https://x.com/{}",
    "xing": "https://www.xing.com/profile/{}",
    "github": "https://github.com/{}",
    "instagram": "https://www.instagram.com/{}",
    "facebook": "https://www.facebook.com/{}",
    "bluesky": "https://bsky.app/profile/{}",
    "threads": "https://www.threads.net/@{}",
}


# ---------------------------------------------------------------------------
# What is exported of a person


@dataclass(frozen=True)
class Card:
    """The contact fields of one person, as exports need them."""

    path: str
    name: str
    given: str
    family: str
    middle: str
    prefix: str
    suffix: str
    nickname: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    birthday: str | None  # YYYY-MM-DD or --MM-DD
    org: str
    title: str
    urls: tuple[str, ...]
    profiles: tuple[tuple[str, str], ...]  # (network, profile URL)
    location: str
    tags: tuple[str, ...]
    note: str


def _strs(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(x).strip() for x in value if x is not None and str(x).strip()]
    return [str(value).strip()] if str(value).strip() else []


def split_name(name: str) -> tuple[str, str]:
    """(given, family): the last word is the family name ("José Müller" → José, Müller)."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def profile_url(network: str, handle: str) -> str:
    """A handle as a profile URL (``linkedin``, ``klausbreyer`` → ``https://www.linkedin.com/in/klausbreyer``)."""
    h = handle.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", h, re.I):
        return h
    net = network.strip().lower()
    m = re.fullmatch(r"@?([^@\s]+)@([^@\s]+)", h)
    if net == "mastodon" and m:
        return f"https://{m.group(2)}/@{m.group(1)}"
    pattern = PROFILE_URLS.get(net)
    return pattern.format(h.lstrip("@")) if pattern else h


def free_notes(text: str) -> str:
    """The free notes of a person file: the body before the first heading, on one paragraph."""
    body = document.split(text).body
    kept: list[str] = []
    for line in body.splitlines():
        s = line.strip()
        if s.startswith("#") and re.match(r"^#{1,6}\s", s):
            break
        if s.startswith(("<!--", "![[")):
            continue
        kept.append(s)
    note = " ".join(" ".join(kept).split())
    if len(note) > NOTE_MAX:
        note = note[: NOTE_MAX - 1].rstrip() + "…"
    return note


def card_of(p: Person, body_text: str = "") -> Card:
    """The exportable fields of ``p``; ``body_text`` is the file's text (for the notes)."""
    meta = p.meta
    given, family = split_name(p.name)
    given = str(meta.get("given") or meta.get("first_name") or given)
    family = str(meta.get("family") or meta.get("last_name") or family)
    handles = p.handles if isinstance(p.handles, dict) else {}
    profiles = tuple((str(net), profile_url(str(net), str(h))) for net, h in handles.items() if h not in (None, ""))
    urls = tuple(dict.fromkeys(_strs(meta.get("urls")) + _strs(meta.get("url")) + _strs(meta.get("website"))))
    company = p.company or ""
    org = link_target(company[2:-2].split("|")[0]) if company.startswith("[[") and company.endswith("]]") else company
    return Card(
        path=p.path,
        name=p.name,
        given=given,
        family=family,
        middle=str(meta.get("middle") or ""),
        prefix=str(meta.get("prefix") or ""),
        suffix=str(meta.get("suffix") or ""),
        nickname=str(meta.get("nickname") or ""),
        emails=tuple(p.emails),
        phones=tuple(p.phones),
        birthday=p.birthday,
        org=org,
        title=p.role or "",
        urls=urls,
        profiles=profiles,
        location=p.location or "",
        tags=tuple(t.lstrip("#") for t in p.tags),
        note=free_notes(body_text) if body_text else "",
    )


def cards(v: Vault, *, archived: bool = False, notes: bool = True) -> list[Card]:
    """Every person of the vault (archived ones only with ``archived``), by name."""
    from . import vault as vaultio

    out: list[Card] = []
    for p in sorted(v.people(), key=lambda p: (p.name.casefold(), p.path)):
        if not archived and v.is_archived(p):
            continue
        text = ""
        if notes:
            try:
                text = vaultio.decode(vaultio.read_bytes(v.root / p.path))
            except (OSError, vaultio.ReadProblem):
                text = ""
        out.append(card_of(p, text))
    return out


def stable_uid(path: str, kind: str) -> str:
    """The same UID for the same person and kind on every export and every machine."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{path}"))


# ---------------------------------------------------------------------------
# vCard 4.0


def escape_text(value: str) -> str:
    """RFC 6350 §3.4 text escaping: backslash, comma, semicolon and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str, limit: int = 75) -> str:
    """One content line, folded at ``limit`` octets (CRLF + space), never inside a character."""
    raw = line.encode("utf-8")
    if len(raw) <= limit:
        return line + CRLF
    parts: list[str] = []
    chunk: list[str] = []
    size = 0
    room = limit
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > room:
            parts.append("".join(chunk))
            chunk, size, room = [], 0, limit - 1  # continuation lines start with a space
        chunk.append(ch)
        size += n
    parts.append("".join(chunk))
    return (CRLF + " ").join(parts) + CRLF


def _param(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9-]+", value) else '"' + value.replace('"', "'") + '"'


def _vcard_date(birthday: str | None) -> str | None:
    if not birthday:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", birthday)
    if m:
        return "".join(m.groups())
    m = re.fullmatch(r"--(\d{2})-?(\d{2})", birthday)
    if m:
        return f"--{m.group(1)}{m.group(2)}"
    return None


def vcard_of(c: Card) -> str:
    """One ``BEGIN:VCARD`` … ``END:VCARD`` block."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:urn:uuid:{stable_uid(c.path, 'contact')}"]
    lines.append("FN:" + escape_text(c.name))
    n = [c.family, c.given, c.middle, c.prefix, c.suffix]
    lines.append("N:" + ";".join(escape_text(x) for x in n))
    if c.nickname:
        lines.append("NICKNAME:" + escape_text(c.nickname))
    for i, email in enumerate(c.emails):
        lines.append(("EMAIL;PREF=1:" if i == 0 and len(c.emails) > 1 else "EMAIL:") + escape_text(email))
    for i, phone in enumerate(c.phones):
        lines.append(("TEL;PREF=1:" if i == 0 and len(c.phones) > 1 else "TEL:") + escape_text(phone))
    bday = _vcard_date(c.birthday)
    if bday:
        lines.append(f"BDAY:{bday}")
    if c.org:
        lines.append("ORG:" + escape_text(c.org))
    if c.title:
        lines.append("TITLE:" + escape_text(c.title))
    for url in c.urls:
        lines.append("URL:" + url)
    for net, url in c.profiles:
        lines.append(f"X-SOCIALPROFILE;TYPE={_param(net)}:{url}")
    if c.location:
        lines.append("ADR;TYPE=home:;;;" + escape_text(c.location) + ";;;")
    if c.tags:
        lines.append("CATEGORIES:" + ",".join(escape_text(t) for t in c.tags))
    if c.note:
        lines.append("NOTE:" + escape_text(c.note))
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def vcard(people: Iterable[Card]) -> str:
    """A ``.vcf`` file of every card (UTF-8, CRLF)."""
    return "".join(vcard_of(c) for c in people)


# ---------------------------------------------------------------------------
# Google Contacts CSV

JOIN = " ::: "
_HEAD = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Birthday",
    "Notes",
    "Photo",
    "Labels",
]
_ADDRESS = ["Formatted", "Street", "City", "PO Box", "Region", "Postal Code", "Country", "Extended Address"]
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    """A cell that a spreadsheet could run as a formula gets a leading ``'``."""
    return "'" + cell if cell.startswith(_DANGEROUS) else cell


def google_header(websites: int = 1) -> list[str]:
    """Google Contacts' current CSV header, with ``websites`` Website groups."""
    head = list(_HEAD)
    head += ["E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value"]
    head += ["Address 1 - Label"] + [f"Address 1 - {part}" for part in _ADDRESS]
    for i in range(1, max(websites, 1) + 1):
        head += [f"Website {i} - Label", f"Website {i} - Value"]
    return head


def _websites(c: Card) -> list[tuple[str, str]]:
    return [("Homepage" if i == 0 else "Other", u) for i, u in enumerate(c.urls)] + [
        (net.capitalize() if net.lower() != "linkedin" else "LinkedIn", url) for net, url in c.profiles
    ]


def google_csv(people: Iterable[Card]) -> str:
    """Google Contacts CSV (current format): one row per person, `` ::: `` joins, formulas defused."""
    rows = list(people)
    websites = max((len(_websites(c)) for c in rows), default=1)
    header = google_header(websites)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=CRLF)
    writer.writerow(header)
    for c in rows:
        values: dict[str, str] = {
            "First Name": c.given,
            "Middle Name": c.middle,
            "Last Name": c.family,
            "Name Prefix": c.prefix,
            "Name Suffix": c.suffix,
            "Nickname": c.nickname,
            "Organization Name": c.org,
            "Organization Title": c.title,
            "Birthday": c.birthday or "",
            "Notes": c.note,
            "Labels": JOIN.join(["* myContacts", *c.tags]),
        }
        if c.emails:
            values["E-mail 1 - Label"] = "* Other"
            values["E-mail 1 - Value"] = JOIN.join(c.emails)
        if c.phones:
            values["Phone 1 - Label"] = "Mobile"
            values["Phone 1 - Value"] = JOIN.join(c.phones)
        if c.location:
            values["Address 1 - Label"] = "Home"
            values["Address 1 - Formatted"] = c.location
        for i, (label, url) in enumerate(_websites(c), 1):
            values[f"Website {i} - Label"] = label
            values[f"Website {i} - Value"] = url
        writer.writerow([defuse(values.get(col, "").replace("\r\n", "\n")) for col in header])
    return out.getvalue()


# ---------------------------------------------------------------------------
# iCalendar


@dataclass(frozen=True)
class Event:
    uid: str
    date: dt.date
    summary: str
    description: str = ""
    yearly: bool = False


def _ics_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping (like vCard's, without touching ':' )."""
    return escape_text(value)


def calendar_events(v: Vault) -> list[Event]:
    """Each non-archived person's next due date (today when overdue) and birthdays."""
    from .summary import query_summaries

    events: list[Event] = []
    for d, _raw in query_summaries(v, "archived = 0", [], "name_key, path"):
        name, path = d["name"], d["path"]
        if d.get("next_due"):
            due = dt.date.fromisoformat(d["next_due"])
            when = max(due, v.today)
            last = f"last touch {d['last_touch']} ({d['last_type']})" if d.get("last_touch") else "never in touch yet"
            overdue = f"overdue since {due.isoformat()}; " if due < v.today else ""
            suggested = f"suggested: {d['suggested']}; " if d.get("suggested") else ""
            events.append(
                Event(
                    uid=f"{stable_uid(path, 'due')}@vaultcrm",
                    date=when,
                    summary=f"Get in touch with {name}",
                    description=f"{overdue}{suggested}every {d['cadence']} days; {last}. {path}",
                )
            )
        birthday = d.get("birthday")
        if birthday:
            start = _birthday_start(birthday)
            if start is not None:
                events.append(
                    Event(
                        uid=f"{stable_uid(path, 'birthday')}@vaultcrm",
                        date=start,
                        summary=f"{name}'s birthday",
                        description=path,
                        yearly=True,
                    )
                )
    return events


def _birthday_start(birthday: str) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", birthday)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"--(\d{2})-?(\d{2})", birthday)
        if m:
            return dt.date(2000, int(m.group(1)), int(m.group(2)))  # a leap year: --02-29 fits
    except ValueError:
        return None
    return None


def ics(events: Iterable[Event], today: dt.date, name: str = "vaultcrm") -> str:
    """An iCalendar file of all-day events; DTSTAMP is ``today`` (no clock read)."""
    stamp = today.strftime("%Y%m%d") + "T000000Z"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//vaultcrm//export//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:" + _ics_text(name),
    ]
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{e.date.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(e.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            "SUMMARY:" + _ics_text(e.summary),
        ]
        if e.yearly:
            if (e.date.month, e.date.day) == (2, 29):
                lines.append("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")  # Feb 28 in other years
            else:
                lines.append("RRULE:FREQ=YEARLY")
        if e.description:
            lines.append("DESCRIPTION:" + _ics_text(e.description))
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
