"""An RFC 5545 calendar of birthdays: deterministic (the same vault and date give the same bytes)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaultcrm.model import Person

PRODID = "-//vaultcrm//vaultcrm-birthdays 0.1//EN"


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = ch, n, 74  # continuation lines start with a space
        else:
            current += ch
            size += n
    parts.append(current)
    return "\r\n ".join(parts)


def feed(people: Iterable[Person], today: dt.date) -> str:
    """One yearly all-day VEVENT per person with a readable birthday, sorted by month and day."""
    from vaultcrm.cadence import birthday_parts

    rows = []
    for p in people:
        if not p.birthday:
            continue
        parts = birthday_parts(p.birthday)
        if parts is None:
            continue
        year, month, day = parts
        rows.append((month, day, p.name, p.path, year))
    rows.sort()
    stamp = today.strftime("%Y%m%dT000000Z")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Birthdays (vaultcrm)",
    ]
    for month, day, name, path, year in rows:
        start_year = year if year else 2000  # a leap year: 29 February stays a real date
        try:
            start = dt.date(start_year, month, day)
        except ValueError:
            continue
        uid = hashlib.sha1(f"{path}#birthday".encode()).hexdigest()[:20]
        rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1" if (month, day) == (2, 29) else "FREQ=YEARLY"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@vaultcrm-birthdays",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{start.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(start + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"RRULE:{rule}",
            fold(f"SUMMARY:{escape(name)}'s birthday" + (f" (born {year})" if year else "")),
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
