"""Cadence, due dates and status (SCORING.md §3.1 and §3.3). Pure functions.

``today`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DueInfo:
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
    if person.cadence_none:
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
    last = max(past, key=lambda t: (t.date, t.kind), default=None)
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
