"""Stats and the cultivation plan (SCORING.md §3.1 capacity check). Pure functions.

Inputs are people, their de-duplicated interactions, their setting-change
lines, per-person due information, the settings and ``today``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from .cadence import DueInfo, cadence_of
from .events import Interaction
from .model import Entry, Person, chronological
from .settings import Settings

MONTHS = 12


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_months(today: dt.date, n: int = MONTHS) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out[::-1]


def is_touch(it: Interaction, settings: Settings) -> bool:
    return settings.types[it.kind].touch and it.reached


def stage_on(person: Person, changes: list[Entry], day: dt.date) -> str | None:
    """The person's stage in effect on ``day``, from the dated stage lines (DESIGN.md)."""
    lines = [e for e in chronological(changes) if e.type == "stage"]
    before = [e for e in lines if e.date <= day]
    if before:
        return _norm_value(before[-1].new)
    after = [e for e in lines if e.date > day]
    if after:
        return _norm_value(after[0].old)
    return person.stage


def _norm_value(value: str | None) -> str | None:
    if value is None or value.strip().lower() in ("", "none", "-"):
        return None
    return value.strip()


def stats(
    people: list[Person],
    interactions: list[Interaction],
    changes: dict[str, list[Entry]],
    infos: dict[str, DueInfo],
    archived: set[str],
    settings: Settings,
    today: dt.date,
) -> dict[str, Any]:
    active = [p for p in people if p.path not in archived]
    by_path = {p.path: p for p in active}
    levels = settings.levels

    # Dunbar layers: closeness 1 against 15, 1–2 against 50, 1–3 against 150
    layers = []
    for top in (1, 2, 3):
        count = sum(1 for p in active if p.closeness is not None and p.closeness <= top)
        size = levels[top].layer if top in levels else 0
        layers.append({"closeness": list(range(1, top + 1)), "people": count, "size": size, "over": count > size})
    per_level = Counter(p.closeness for p in active)

    circles = Counter((p.circle or "none") for p in active)
    tiers = Counter((p.tier or "none") for p in active)

    recent = [it for it in interactions if 0 <= (today - it.date).days < 90 and is_touch(it, settings)]
    a_tier = settings.tiers[0] if settings.tiers else "A"
    touches_a = sum(1 for it in recent if any(by_path.get(p) and by_path[p].tier == a_tier for p in it.participants))
    share_a = round(touches_a / len(recent), 6) if recent else None

    # the stage funnel, now, and the moves of the last 12 months
    stages = list(settings.stages)
    funnel = Counter(p.stage for p in active if p.stage)
    window_start = today - dt.timedelta(days=365)
    moves: Counter[tuple[str, str]] = Counter()
    reached_stage: dict[str, set[str]] = defaultdict(set)
    for p in active:
        mine = changes.get(p.path, [])
        start_stage = stage_on(p, mine, window_start)
        if start_stage:
            reached_stage[start_stage.lower()].add(p.path)
        for e in mine:
            if e.type != "stage" or not (window_start < e.date <= today):
                continue
            old, new = _norm_value(e.old), _norm_value(e.new)
            if new:
                reached_stage[new.lower()].add(p.path)
            if old and new:
                moves[(old.lower(), new.lower())] += 1
    rank = {s.lower(): i for i, s in enumerate(stages)}
    conversions = []
    for i, s in enumerate(stages[:-1]):
        base = len(reached_stage.get(s.lower(), set()))
        moved = sum(n for (a, b), n in moves.items() if a == s.lower() and rank.get(b, -1) > i)
        conversions.append(
            {
                "from": s,
                "to": stages[i + 1],
                "people": base,
                "moved_on": moved,
                "rate": round(moved / base, 6) if base else None,
            }
        )

    months = last_months(today)
    per_month = Counter(
        month_key(it.date)
        for it in interactions
        if is_touch(it, settings) and it.date <= today and month_key(it.date) in months
    )

    overdue: Counter[str] = Counter()
    for p in active:
        info = infos.get(p.path)
        if info and info.status in ("overdue", "lapsed") and not info.snoozed:
            overdue[p.circle or "none"] += 1

    return {
        "today": today.isoformat(),
        "people": len(active),
        "archived": len(people) - len(active),
        "unclassified": sum(1 for p in active if p.closeness is None),
        "closeness": {str(k): per_level.get(k, 0) for k in (1, 2, 3, 4)},
        "layers": layers,
        "circles": {c: circles.get(c, 0) for c in [*settings.circles, *sorted(set(circles) - set(settings.circles))]},
        "tiers": {t: tiers.get(t, 0) for t in [*settings.tiers, *sorted(set(tiers) - set(settings.tiers))]},
        "a_tier_touch_share_90d": share_a,
        "touches_90d": len(recent),
        "stages": {s: funnel.get(s, 0) for s in [*stages, *sorted(set(funnel) - set(stages))]},
        "conversions_12m": conversions,
        "touches_per_month": [{"month": m, "touches": per_month.get(m, 0)} for m in months],
        "overdue_per_circle": dict(sorted(overdue.items())),
    }


# ---------------------------------------------------------------------------
# The plan


def weekly_load(people: Iterable[Person], settings: Settings, archived: set[str]) -> float:
    """Σ 7/c over people with a cadence: touches a week the cadences ask for."""
    total = 0.0
    for p in people:
        if p.path in archived:
            continue
        c = cadence_of(p, settings)
        if c:
            total += 7 / c
    return round(total, 6)


def schedule(
    people: list[Person],
    infos: dict[str, DueInfo],
    settings: Settings,
    today: dt.date,
    weeks: int,
    archived: set[str],
) -> list[dict[str, Any]]:
    """Spread the touches the cadences ask for over ``weeks`` weeks, evenly.

    Every occurrence due within the horizon (overdue ones first) is placed, most
    urgent first, into the earliest week that is not yet full; each week holds
    the same share (the total over the horizon divided by the weeks, rounded
    down or up), so a pile of people due at once is spread out instead of landing in
    week one. A person's next occurrence follows their scheduled one by their
    cadence.
    """
    monday = today - dt.timedelta(days=today.weekday())
    horizon_end = monday + dt.timedelta(days=7 * weeks)
    heap: list[tuple[dt.date, str, str, int]] = []
    cadences: dict[str, int] = {}
    for p in people:
        if p.path in archived:
            continue
        c = cadence_of(p, settings)
        info = infos.get(p.path)
        if not c or info is None:
            continue
        first = info.next_due or today
        if p.snooze_until and p.snooze_until > first:
            first = p.snooze_until
        cadences[p.path] = c
        heapq.heappush(heap, (first, p.name, p.path, 0))
    # how many occurrences the horizon holds, to size the weeks
    total = 0
    probe = list(heap)
    for due, _, path, _ in probe:
        when = max(due, monday)
        while when < horizon_end:
            total += 1
            when += dt.timedelta(days=cadences[path])
    base, extra = divmod(total, weeks) if weeks else (0, 0)
    quota = [base + (1 if w < extra else 0) for w in range(weeks)]
    slots: list[list[dict[str, Any]]] = [[] for _ in range(weeks)]
    w = 0
    while heap and w < weeks:
        due, name, path, n = heapq.heappop(heap)
        week_start = monday + dt.timedelta(days=7 * w)
        if due >= horizon_end:
            continue
        while w < weeks and len(slots[w]) >= quota[w]:
            w += 1
            week_start = monday + dt.timedelta(days=7 * w)
        if w >= weeks:
            break
        slots[w].append(
            {"name": name, "path": path, "due": due.isoformat(), "late_days": max(0, (week_start - due).days)}
        )
        placed = max(due, week_start)
        heapq.heappush(heap, (placed + dt.timedelta(days=cadences[path]), name, path, n + 1))
    return [
        {
            "week": _iso_week(monday + dt.timedelta(days=7 * i)),
            "start": (monday + dt.timedelta(days=7 * i)).isoformat(),
            "count": len(slot),
            "people": slot,
        }
        for i, slot in enumerate(slots)
    ]


def _iso_week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def reach_rates(interactions: list[Interaction], settings: Settings, today: dt.date) -> dict[str, Any]:
    """Of the touches attempted in the last 12 months: how many reached the person, and led on."""
    start = today - dt.timedelta(days=365)
    attempts = [
        it for it in interactions if start < it.date <= today and settings.types[it.kind].touch and it.kind != "meet"
    ]
    reached = [it for it in attempts if it.reached]
    meets: dict[str, list[dt.date]] = defaultdict(list)
    for it in interactions:
        if it.kind == "meet" and it.reached:
            for p in it.participants:
                meets[p].append(it.date)
    led = 0
    for it in reached:
        if any(0 < (d - it.date).days <= 30 for p in it.participants for d in meets.get(p, ())):
            led += 1
    return {
        "attempts_12m": len(attempts),
        "reached_12m": len(reached),
        "reach_rate": round(len(reached) / len(attempts), 6) if attempts else None,
        "led_to_meeting_12m": led,
        "meeting_rate": round(led / len(reached), 6) if reached else None,
    }


def closeness_suggestions(
    people: list[Person], touches: dict[str, list[dt.date]], archived: set[str]
) -> list[dict[str, Any]]:
    """SCORING.md §3.1 layer suggestion from the median gap of the last 6 touches. Never applied."""
    out = []
    for p in people:
        if p.path in archived:
            continue
        dates = sorted(set(touches.get(p.path, ())))[-7:]
        if len(dates) < 4:
            continue
        gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
        median = statistics.median(gaps)
        suggested = 1 if median <= 10 else 2 if median <= 40 else 3 if median <= 120 else None
        if suggested is not None and suggested != p.closeness:
            out.append(
                {
                    "name": p.name,
                    "path": p.path,
                    "closeness": p.closeness,
                    "suggested": suggested,
                    "median_gap_days": median,
                }
            )
    return out
