"""Relationship health (SCORING.md §3.4) and friend levels (§3.6). Pure functions.

Inputs are one person's de-duplicated interactions, the vault settings and
``today``; every number comes with a "why" string.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import NamedTuple

from . import cadence
from .events import Interaction
from .model import Person
from .settings import Settings

BANDS = ((80, "thriving"), (60, "warm"), (40, "cooling"), (20, "fading"), (0, "dormant"))
FRIEND_LEVELS = (
    # level, title, hours, months
    (1, "acquaintance", 0, 0),
    (2, "contact", 3, 1),
    (3, "familiar", 10, 2),
    (4, "buddy", 25, 3),
    (5, "casual friend", 50, 4),
    (6, "regular", 70, 6),
    (7, "friend", 90, 8),
    (8, "good friend", 120, 10),
    (9, "trusted friend", 160, 12),
    (10, "close friend", 200, 18),
)


def r6(x: float) -> float:
    return round(x, 6)


def round_half_up(x: float) -> int:
    return math.floor(r6(x) + 0.5)


def band_of(value: int) -> str:
    for floor_, name in BANDS:
        if value >= floor_:
            return name
    return "dormant"


class Weighted(NamedTuple):
    """One interaction as it counts for one person (after all modifiers)."""

    date: dt.date
    kind: str
    type: str
    w: float  # ŵ: weight after duration, tags, group and same-day rules
    hours: float  # bond hours (capped per contact-day)
    direction: str
    rich: bool
    touch: bool
    n: int  # vault participants
    position: int = -1  # where the interaction was in the list given to weigh()


def weigh(person_path: str, items: Iterable[Interaction], settings: Settings, today: dt.date) -> list[Weighted]:
    """Apply §3.2's modifiers to one person's interactions up to ``today``."""
    by_day: dict[dt.date, list[Weighted]] = {}
    types = settings.types
    note = types.get("note")
    note_w = note.weight if note else 0.0
    for position, it in enumerate(items):
        e = it.entry
        if e.date > today:
            continue
        t = types[it.kind]
        fields = e.fields
        reached = e.reached if fields else True
        touch = t.touch and reached
        w = t.weight if reached else note_w
        hours = 0.0
        if touch:
            minutes = e.minutes if fields else None
            if minutes and t.minutes:
                w *= min(1.5, max(0.5, math.sqrt(minutes / t.minutes)))
                hours = minutes / 60
            else:
                hours = t.hours
            if "help" in e.tags:
                w += 0.2
        n = len(it.participants)
        if n >= 5:
            w /= 2
            hours /= 2
        rich = touch and (t.rich or "deep" in e.tags)
        x = Weighted(e.date, it.kind, e.type, w, hours, e.direction if fields else "mutual", rich, touch, n, position)
        same_day = by_day.get(e.date)
        if same_day is None:
            by_day[e.date] = [x]
        else:
            same_day.append(x)
    out: list[Weighted] = []
    factors = (1.0, 0.5, 0.25)
    for day in sorted(by_day):
        entries = by_day[day]
        if len(entries) == 1 and entries[0].w <= 1.5 and entries[0].hours <= 10.0:
            out.append(entries[0])
            continue
        entries.sort(key=lambda x: -x.w)
        total_w = 0.0
        total_h = 0.0
        for k, x in enumerate(entries):
            a = factors[k] if k < len(factors) else 0.0
            w = min(x.w * a, max(0.0, 1.5 - total_w))
            h = min(x.hours, max(0.0, 10.0 - total_h))
            total_w += w
            total_h += h
            out.append(x._replace(w=w, hours=h))
    return out


class Health(NamedTuple):
    value: int
    raw: float
    band: str
    why: str


def health(person: Person, weighted: list[Weighted], settings: Settings, today: dt.date) -> Health | None:
    """Health 0–100, or None for a person without a cadence or without touches."""
    c = cadence.cadence_of(person, settings)
    if c is None:
        return None
    touches = [x for x in weighted if x.touch]
    if not touches:
        return None
    spans = cadence.paused_spans(person, settings)

    def eff(a: dt.date, b: dt.date) -> int:
        if not spans:
            return (b - a).days
        return (b - a).days - cadence.paused_days(spans, a, b)

    k = 2 if person.kin else 1
    big_h = 2 * k * c
    last = max(x.date for x in touches)
    first = min(x.date for x in touches)
    start = min(first, person.met) if person.met else first
    d_last = eff(last, today)
    recency = 2 ** (-d_last / (k * c))
    volume = sum(x.w * 2 ** (-eff(x.date, today) / big_h) for x in weighted)
    age = eff(start, today)
    e_ref = 2.414 * max(0.293, 1 - 2 ** (-age / big_h))
    fill = min(1.0, volume / e_ref)
    years = (today - start).days / 365.25
    tenure = 1 - 2 ** (-years / 2)
    recent = [x for x in weighted if (today - x.date).days < 365]
    w_them = sum(x.w for x in recent if x.direction == "in") + sum(x.w / 2 for x in recent if x.direction == "mutual")
    w_me = sum(x.w for x in recent if x.direction == "out") + sum(x.w / 2 for x in recent if x.direction == "mutual")
    s = (w_them + 1) / (w_me + w_them + 2)
    balance = 1 - 2 * abs(s - 0.5)
    w_all = sum(x.w for x in recent)
    w_rich = sum(x.w for x in recent if x.rich)
    depth = (w_rich + 1) / (w_all + 2)
    q = 0.70 + 0.15 * balance + 0.15 * depth
    raw = 100 * q * (0.45 * recency + 0.40 * fill + 0.15 * tenure)
    value = max(0, min(100, round_half_up(raw)))
    why = (
        f"{value} = Q {q:.2f} × (45×{recency:.2f} recency + 40×{fill:.2f} volume + 15×{tenure:.2f} tenure); "
        f"Q = 0.70 + 0.15×{balance:.2f} balance + 0.15×{depth:.2f} depth; "
        f"last touch {d_last} days ago, cadence {c} days{' (kin: half-speed decay)' if person.kin else ''}"
    )
    return Health(value, r6(raw), band_of(value), why)


class FriendLevel(NamedTuple):
    level: int
    title: str
    stars: int
    hours: float
    months: int
    declared_hours: float
    why: str


def friend_level(person: Person, weighted: list[Weighted]) -> FriendLevel:
    """Friend level 1–10 (+★) from bond hours and active months; never decreases."""
    touches = [x for x in weighted if x.touch]
    hours = sum(x.hours for x in touches) + person.history_hours
    months = len({(x.date.year, x.date.month) for x in touches}) + person.history_months
    bh, m = r6(hours), months
    level, title = 1, "acquaintance"
    for lv, name, need_h, need_m in FRIEND_LEVELS:
        if bh >= need_h and m >= need_m:
            level, title = lv, name
    stars = 0
    if level == 10:
        stars = max(0, min(int((bh - 200) // 100), (m - 18) // 12))
    declared = f" (incl. {person.history_hours:g} h declared)" if person.history_hours else ""
    why = f"{hours:.1f} bond hours{declared} over {months} active months: level {level} ({title})"
    if level < 10:
        _, name, need_h, need_m = FRIEND_LEVELS[level]
        why += f"; level {level + 1} ({name}) needs {need_h} h and {need_m} months"
    if stars:
        why += f"; {'★' * stars} beyond level 10"
    return FriendLevel(level, title, stars, r6(hours), months, person.history_hours, why)
