"""Cadence, due dates and status (SCORING.md §3.1 and §3.3). Pure functions.

``today`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from .model import Person
from .settings import Settings

OMEGA = {1: 3.0, 2: 2.0, 3: 1.0}
STATUS_ORDER = ("lapsed", "overdue", "due", "upcoming", "ok", "fresh")


class Touch(NamedTuple):
    """A touch with one person: the minimum the cadence needs to know."""

    date: dt.date
    type: str
    kind: str


class DueInfo(NamedTuple):
    cadence: int | None
    last_touch: dt.date | None
    last_type: str | None
    days: int | None  # effective days since the last touch (paused days excluded)
    next_due: dt.date | None
    status: str  # fresh | ok | upcoming | due | overdue | lapsed | not started | no cadence
    days_overdue: int
    priority: float
    snoozed: bool = False
    paused: bool = False


def cadence_of(person: Person, settings: Settings) -> int | None:
    """The person's cadence in days; None without one (and always None while unclassified)."""
    if person.cadence_none or person.closeness is None:
        return None
    if person.cadence is not None:
        return person.cadence
    return settings.cadence_for(person.closeness)


def paused_spans(person: Person, settings: Settings) -> list[tuple[dt.date, dt.date]]:
    spans = [(p.start, p.end) for p in settings.pauses]
    spans += list(person.paused)
    return spans


def paused_days(spans: Iterable[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> int:
    """Paused calendar days D with ``start < D <= end`` (overlapping spans counted once)."""
    if end <= start:
        return 0
    days: set[int] = set()
    lo, hi = start.toordinal() + 1, end.toordinal()
    for a, b in spans:
        days.update(range(max(lo, a.toordinal()), min(hi, b.toordinal()) + 1))
    return len(days)


def is_paused(spans: Iterable[tuple[dt.date, dt.date]], day: dt.date) -> bool:
    return any(a <= day <= b for a, b in spans)


def status_for(d: int, c: int) -> str:
    if d > 3 * c:
        return "lapsed"
    if d > 1.5 * c:
        return "overdue"
    if d >= c:
        return "due"
    if c - d <= min(7.0, 0.25 * c):
        return "upcoming"
    if d < 0.5 * c:
        return "fresh"
    return "ok"


def next_due(last: dt.date, c: int, spans: list[tuple[dt.date, dt.date]]) -> dt.date:
    """``last + c + paused days in [last, next_due)``, resolved iteratively."""
    nd = last + dt.timedelta(days=c)
    for _ in range(1000):
        extra = paused_days(spans, last - dt.timedelta(days=1), nd - dt.timedelta(days=1))
        new = last + dt.timedelta(days=c + extra)
        if new == nd:
            break
        nd = new
    return nd


def due_info(person: Person, touches: list[Touch], settings: Settings, today: dt.date) -> DueInfo:
    """Where a person stands against their cadence on ``today``."""
    c = cadence_of(person, settings)
    spans = paused_spans(person, settings)
    past = [t for t in touches if t.date <= today]
    weight = {k: t.weight for k, t in settings.types.items()}
    last = max(past, key=lambda t: (t.date, weight.get(t.kind, 0.0), t.kind), default=None)
    snoozed = person.snooze_until is not None and person.snooze_until > today
    paused_now = is_paused(person.paused, today)
    if last is None:
        nd = person.added + dt.timedelta(days=c) if (c and person.added) else None
        status = "not started" if c else "no cadence"
        return DueInfo(c, None, None, None, nd, status, 0, 0.0, snoozed, paused_now)
    d = (today - last.date).days - paused_days(spans, last.date, today)
    if c is None:
        return DueInfo(None, last.date, last.type, d, None, "no cadence", 0, 0.0, snoozed, paused_now)
    status = status_for(d, c)
    omega = OMEGA.get(person.closeness or 0, 1.0)
    priority = round(d / c * omega, 6)
    return DueInfo(
        c,
        last.date,
        last.type,
        d,
        next_due(last.date, c, spans),
        status,
        max(0, d - c),
        priority,
        snoozed,
        paused_now,
    )


# ---------------------------------------------------------------------------
# Birthdays


def birthday_parts(birthday: str) -> tuple[int | None, int, int] | None:
    """``1980-04-15`` → (1980, 4, 15); ``--04-15`` → (None, 4, 15); anything else → None."""
    b = birthday.strip()
    try:
        if b.startswith("--"):
            month, day = int(b[2:4]), int(b[5:7])
            year = None
        else:
            year, month, day = int(b[0:4]), int(b[5:7]), int(b[8:10])
    except ValueError:
        return None
    return year, month, day


def birthday_in(year: int, month: int, day: int) -> dt.date:
    """The date a birthday falls on in ``year``: 29 February is 28 February in other years."""
    if month == 2 and day == 29:
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 2, 28)
    return dt.date(year, month, day)


def next_birthday(birthday: str, today: dt.date) -> tuple[dt.date, int | None] | None:
    """The next birthday on or after ``today`` and the age reached then (None without a year)."""
    parts = birthday_parts(birthday)
    if parts is None:
        return None
    year, month, day = parts
    try:
        when = birthday_in(today.year, month, day)
        if when < today:
            when = birthday_in(today.year + 1, month, day)
    except ValueError:
        return None
    age = when.year - year if year else None
    return when, age
