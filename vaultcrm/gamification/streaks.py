"""Weekly streaks with freezes and repairs, the on-time streak, continuity and consistency
(SCORING.md §3.7). Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import scoring
from ..model import Entry, Person
from ..settings import Settings
from .timeline import _cadence_for, _closeness_steps, _Timeline
from .xp import NO_CADENCE_DAYS

# -- constants (SCORING.md §3.7) ----------------------------------------------------------


WEEK_BONUS = 25
ON_TIME_BONUS = 25
MILESTONES = ((4, 50), (13, 150), (26, 300), (52, 600), (104, 1000))
FREEZE_START = 1
FREEZE_MAX = 2
FREEZE_EVERY = 4  # kept weeks per earned freeze
REPAIR_GAP = 8  # weeks between two catch-up repairs
PAUSED_WEEK_DAYS = 4  # of 7
ON_TIME_SHARE = 0.80
ON_TIME_MIN_WEIGHT = 3.0
ALPHA = 2 ** (-1 / 8)  # consistency: half-life 8 weeks


# -- results ------------------------------------------------------------------------------


class WeekState(NamedTuple):
    start: dt.date
    end: dt.date
    label: str  # 2026-W47
    # touch streak: kept | frozen | repaired | paused | missed | broken | at_risk | pending
    # on-time streak: kept | frozen | paused | neutral | missed | broken | pending
    state: str
    n: int  # touch contact-days (touch streak) or active cadence contacts (on-time)
    share: float | None  # OT (on-time streak only)
    streak: int  # run length after this week
    freezes: int  # bank after this week


@dataclass(frozen=True)
class Streak:
    kind: str  # "touch" (keep-in-touch, §3.7 A) or "on_time" (§3.7 B)
    current: int  # kept weeks in the current run
    longest: int
    freezes: int
    state: str  # kept (this week already kept) | pending | at_risk | none
    needs: int  # touch contact-days still needed this week (keep / catch-up); 0 otherwise
    started: dt.date | None  # Monday of the current run's first kept week
    weeks: tuple[WeekState, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "longest": self.longest,
            "freezes": self.freezes,
            "state": self.state,
            "needs": self.needs,
            "started": self.started.isoformat() if self.started else None,
        }


class Continuity(NamedTuple):
    """§3.7 C: "in touch with Klaus for 14 months"."""

    path: str
    since: dt.date  # first touch of the current run
    last: dt.date
    span_days: int
    periods: int  # floor(span / c) + 1
    cadence: int


# -- continuity (§3.7 C) ------------------------------------------------------------------


def continuity_of(
    person: Person, touch_dates: Iterable[dt.date], changes: Iterable[Entry], settings: Settings, today: dt.date
) -> Continuity | None:
    """§3.7 C for one person, without a full replay ("in touch with Klaus for 14 months").

    The same rule as the replay: the longest current suffix of touch dates whose gaps are
    all ≤ 1.5 c (effective days, c of the later touch's date; 90 days without a cadence).
    """
    spans = tuple((p.start, p.end) for p in settings.pauses) + tuple(person.paused)
    tl = _Timeline(spans)
    ords = sorted({d.toordinal() for d in touch_dates if d <= today})
    if not ords:
        return None
    levels = _closeness_steps(person, changes)

    def cad(o: int) -> int:
        return _cadence_for(person, levels.at(o), settings) or NO_CADENCE_DAYS

    run_from = ords[0]
    for k in range(1, len(ords)):
        if 2 * (tl.tau(ords[k]) - tl.tau(ords[k - 1])) > 3 * cad(ords[k]):
            run_from = ords[k]
    t = today.toordinal()
    c_now = cad(t)
    if 2 * (tl.tau(t) - tl.tau(ords[-1])) > 3 * c_now:
        return None
    span = ords[-1] - run_from
    return Continuity(
        person.path, dt.date.fromordinal(run_from), dt.date.fromordinal(ords[-1]), span, span // c_now + 1, c_now
    )


# -- streak machines (§3.7 A, B) ----------------------------------------------------------


class _Week(NamedTuple):
    wk: int
    start: int  # ordinal
    end: int
    label: str
    complete: bool  # today is past the week's last day
    paused: bool  # ≥ 4 of its 7 days in the vault's pauses
    days: list[int]  # touch contact-days (one ordinal per (person, day)), sorted


def _ws(w: _Week, state: str, count: int, share: float | None, run: int, bank: int) -> WeekState:
    return WeekState(dt.date.fromordinal(w.start), dt.date.fromordinal(w.end), w.label, state, count, share, run, bank)


def _label(o: int) -> str:
    year, week, _ = dt.date.fromordinal(o + 3).isocalendar()
    return f"{year}-W{week:02d}"


def _touch_streak(weeks: list[_Week], goal: int) -> tuple[Streak, list[tuple[int, int]], list[tuple[int, _Week]]]:
    """The keep-in-touch streak: states, run-length events (ordinal, run) and kept weeks (ordinal, week)."""
    run = longest = counter = 0
    bank = FREEZE_START
    last_repair: int | None = None
    risk: int | None = None  # index in ``states`` of a missed week awaiting its catch-up
    states: list[WeekState] = []
    run_events: list[tuple[int, int]] = []
    kept_weeks: list[tuple[int, _Week]] = []
    run_start: int | None = None
    for w in weeks:
        n = len(w.days)
        kept = n >= goal
        kept_on = w.days[goal - 1] if kept else 0
        if kept and not w.paused:
            kept_weeks.append((kept_on, w))
        event_on = kept_on
        if risk is not None and not w.paused:
            if n >= 2 * goal:  # catch-up week: the missed week is repaired
                states[risk] = states[risk]._replace(state="repaired")
                last_repair = weeks[0].wk + risk
                risk = None
                event_on = w.days[2 * goal - 1]
            elif not w.complete:  # still repairable until this week ends
                states.append(_ws(w, "kept" if kept else "pending", n, None, run, bank))
                continue
            else:  # no catch-up: the streak broke at the missed week
                states[risk] = states[risk]._replace(state="broken", streak=0)
                risk = None
                run = counter = 0
                run_start = None
                event_on = w.end + 1
        if w.paused:
            states.append(_ws(w, "paused", n, None, run, bank))
        elif kept:
            run += 1
            counter += 1
            if counter % FREEZE_EVERY == 0:
                bank = min(FREEZE_MAX, bank + 1)
            if run == 1:
                run_start = w.start
            longest = max(longest, run)
            run_events.append((event_on, run))
            states.append(_ws(w, "kept", n, None, run, bank))
        elif not w.complete:
            states.append(_ws(w, "pending", n, None, run, bank))
        elif run == 0:
            states.append(_ws(w, "missed", n, None, run, bank))
        elif bank > 0:
            bank -= 1
            states.append(_ws(w, "frozen", n, None, run, bank))
        elif last_repair is None or w.wk - last_repair > REPAIR_GAP:
            risk = len(states)
            states.append(_ws(w, "at_risk", n, None, run, bank))
        else:
            run = counter = 0
            run_start = None
            states.append(_ws(w, "broken", n, None, run, bank))
    needs = 0
    if risk is not None:
        state = "at_risk"
        last = weeks[-1]
        needs = max(0, 2 * goal - len(last.days)) if not last.complete and not last.paused else 2 * goal
    elif states and states[-1].state == "kept" and not weeks[-1].complete:
        state = "kept"
    elif run > 0:
        state = "pending"
        needs = max(0, goal - len(weeks[-1].days)) if weeks and not weeks[-1].paused else 0
    else:
        state = "none"
        needs = max(0, goal - len(weeks[-1].days)) if weeks else goal
    started = dt.date.fromordinal(run_start) if run_start is not None and run > 0 else None
    streak = Streak("touch", run, longest, bank, state, needs, started, tuple(states))
    return streak, run_events, kept_weeks


class _OnTime:
    """The on-time streak (§3.7 B), fed one week at a time."""

    def __init__(self) -> None:
        self.run = self.longest = self.counter = 0
        self.bank = FREEZE_START
        self.states: list[WeekState] = []
        self.events: list[tuple[int, int]] = []  # (week end ordinal, run)
        self.run_start: int | None = None

    def week(self, w: _Week, today: int, count: int, total: float, on: float) -> None:
        share = scoring.r6(on / total) if total else None
        if w.end > today:
            self.states.append(_ws(w, "pending", count, share, self.run, self.bank))
            return
        if w.paused:
            state = "paused"
        elif total < ON_TIME_MIN_WEIGHT:
            state = "neutral"
        elif share is not None and share >= ON_TIME_SHARE:
            state = "kept"
            self.run += 1
            self.counter += 1
            if self.counter % FREEZE_EVERY == 0:
                self.bank = min(FREEZE_MAX, self.bank + 1)
            if self.run == 1:
                self.run_start = w.start
            self.longest = max(self.longest, self.run)
            self.events.append((w.end, self.run))
        elif w.end == today:
            state = "pending"  # a touch later today can still keep it
        elif self.run == 0:
            state = "missed"
        elif self.bank > 0:
            self.bank -= 1
            state = "frozen"
        else:
            state = "broken"
            self.run = self.counter = 0
            self.run_start = None
        self.states.append(_ws(w, state, count, share, self.run, self.bank))

    def result(self) -> Streak:
        last = self.states[-1].state if self.states else "none"
        state = "kept" if last == "kept" else ("pending" if self.run > 0 else "none")
        started = dt.date.fromordinal(self.run_start) if self.run_start is not None and self.run else None
        return Streak("on_time", self.run, self.longest, self.bank, state, 0, started, tuple(self.states))


# -- consistency (§3.7 D) -----------------------------------------------------------------


def consistency_of(states: Iterable[WeekState]) -> float:
    """Loop-style consistency (§3.7 D) over the keep-in-touch weeks."""
    value = 0.0
    for s in states:
        if s.state == "kept":
            value = value * ALPHA + (1 - ALPHA)
        elif s.state in ("missed", "broken"):
            value *= ALPHA
    return scoring.r6(value)
