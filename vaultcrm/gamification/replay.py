"""The chronological replay of the whole history (:func:`replay`), the report it returns,
and :func:`diff`: what a new log line earned. Pure."""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import cadence, events, scoring
from ..events import Interaction
from ..model import Entry, Person
from ..settings import WEEKDAYS, Settings
from .badges import (
    BADGES,
    FIVE_YEARS,
    RICH_CHANNELS,
    TIER_XP,
    TIERS,
    Badge,
    BadgeTier,
    Unlock,
    _first_near_birthday,
    _nth,
    _window,
)
from .levels import FriendStatus, LevelInfo, _friend_level_for, level_info, user_level
from .streaks import (
    MILESTONES,
    ON_TIME_BONUS,
    PAUSED_WEEK_DAYS,
    WEEK_BONUS,
    Continuity,
    Streak,
    _label,
    _OnTime,
    _touch_streak,
    _Week,
    consistency_of,
)
from .timeline import Changes, _archived_steps, _cadence_for, _closeness_steps, _group_changes, _Timeline
from .xp import (
    BASE_XP,
    FLAT_XP,
    INITIATIVE,
    NO_CADENCE_DAYS,
    NOTE_CAP,
    REVIVAL_YEAR,
    SOCIAL_CAP,
    DayXP,
    XPItem,
    day_xp,
    freshness,
    group_factor,
    revival,
)

# -- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GameReport:
    today: dt.date
    scoring_version: int
    xp: int
    level: LevelInfo
    days: tuple[DayXP, ...]
    xp_by_source: dict[str, int]
    items: tuple[XPItem, ...]  # the "why": every entry and bonus that produced XP
    touch_streak: Streak
    on_time_streak: Streak
    consistency: float  # 0..1 (§3.7 D)
    badges: tuple[Badge, ...]  # all 24, in SCORING.md order
    friend_levels: dict[str, FriendStatus]
    continuity: dict[str, Continuity]
    unlocks: tuple[Unlock, ...]  # badges, friend levels and user levels, oldest first
    names: dict[str, str] = field(default_factory=dict)  # person path → name

    @property
    def xp_by_day(self) -> dict[dt.date, int]:
        return {d.date: d.total for d in self.days}

    @property
    def freezes(self) -> int:
        return self.touch_streak.freezes

    def earned(self) -> list[Badge]:
        return [b for b in self.badges if b.earned]

    def badge(self, badge_id: str) -> Badge:
        return next(b for b in self.badges if b.id == badge_id)

    def recent(self, n: int = 5) -> list[Unlock]:
        return list(reversed(self.unlocks[-n:])) if n > 0 else []

    def why(self, path: str | None = None, since: dt.date | None = None) -> list[XPItem]:
        """The XP sources, optionally for one person and from a date on."""
        return [it for it in self.items if (path is None or path in it.people) and (since is None or it.date >= since)]

    def to_json(self) -> dict[str, Any]:
        return {
            "xp": self.xp,
            "level": self.level.level,
            "level_xp": self.level.floor,
            "next_level_xp": self.level.next,
            "level_progress": self.level.progress,
            "streak": self.touch_streak.current,
            "longest_streak": self.touch_streak.longest,
            "streak_state": self.touch_streak.state,
            "freezes": self.touch_streak.freezes,
            "on_time_streak": self.on_time_streak.current,
            "on_time_longest": self.on_time_streak.longest,
            "on_time_freezes": self.on_time_streak.freezes,
            "consistency": math.floor(100 * scoring.r6(self.consistency) + 0.5),
            "xp_by_source": dict(self.xp_by_source),
            "badges": [b.to_json() for b in self.badges if b.earned],
            "recent": [
                {"date": u.date.isoformat(), "kind": u.kind, "id": u.id, "value": u.value, "text": u.text}
                for u in self.recent(10)
            ],
            "scoring_version": self.scoring_version,
        }


# -- per-contact replay state -------------------------------------------------------------


class _Health:
    """Week-end health (§3.4) for one contact, incrementally: O(1) amortised per week end.

    Mirrors :func:`scoring.health` (tests check it value for value) with the decayed volume
    carried from one week end to the next and the 365-day sums from prefix arrays.
    """

    def __init__(self, person: Person, weighted: list[scoring.Weighted], tl: _Timeline) -> None:
        self.k = 2 if person.kin else 1
        self.met = person.met.toordinal() if person.met else None
        self.met_tau = tl.tau(self.met) if self.met is not None else 0
        self.ords = [x.date.toordinal() for x in weighted]
        self.taus = [tl.tau(o) for o in self.ords]
        self.ws = [x.w for x in weighted]
        them = [0.0]
        me = [0.0]
        total = [0.0]
        rich = [0.0]
        for x in weighted:
            half = x.w / 2 if x.direction == "mutual" else 0.0
            them.append(them[-1] + (x.w if x.direction == "in" else half))
            me.append(me[-1] + (x.w if x.direction == "out" else half))
            total.append(total[-1] + x.w)
            rich.append(rich[-1] + (x.w if x.rich else 0.0))
        self.them, self.me, self.total, self.rich = them, me, total, rich
        self.big_h = 0
        self.vol = 0.0
        self.hi = 0
        self.tau_at = 0

    def balance(self, lo: int, hi: int) -> float:
        """P over entries [lo, hi)."""
        w_them = self.them[hi] - self.them[lo]
        w_me = self.me[hi] - self.me[lo]
        s = (w_them + 1) / (w_me + w_them + 2)
        return 1 - 2 * abs(s - 0.5)

    def at(self, e: int, tau_e: int, c: int, first: int, first_tau: int, last_tau: int) -> int:
        k = self.k
        big_h = 2 * k * c
        hi = bisect.bisect_right(self.ords, e)
        taus, ws = self.taus, self.ws
        if big_h != self.big_h:
            vol = 0.0
            for i in range(hi):
                vol += ws[i] * 2 ** (-(tau_e - taus[i]) / big_h)
        else:
            vol = self.vol * 2 ** (-(tau_e - self.tau_at) / big_h) if self.vol else 0.0
            for i in range(self.hi, hi):
                vol += ws[i] * 2 ** (-(tau_e - taus[i]) / big_h)
        self.big_h, self.vol, self.hi, self.tau_at = big_h, vol, hi, tau_e
        if self.met is not None and self.met < first:
            start, start_tau = self.met, self.met_tau
        else:
            start, start_tau = first, first_tau
        recency = 2 ** (-(tau_e - last_tau) / (k * c))
        e_ref = 2.414 * max(0.293, 1 - 2 ** (-(tau_e - start_tau) / big_h))
        fill = min(1.0, vol / e_ref)
        tenure = 1 - 2 ** (-((e - start) / 365.25) / 2)
        lo = bisect.bisect_left(self.ords, e - 364)
        balance = self.balance(lo, hi)
        w_all = self.total[hi] - self.total[lo]
        w_rich = self.rich[hi] - self.rich[lo]
        depth = (w_rich + 1) / (w_all + 2)
        q = 0.70 + 0.15 * balance + 0.15 * depth
        raw = 100 * q * (0.45 * recency + 0.40 * fill + 0.15 * tenure)
        return max(0, min(100, scoring.round_half_up(raw)))


class _Contact:
    """One person's entries and dated settings, prepared once for the replay."""

    def __init__(
        self,
        person: Person,
        items: list[tuple[int, Interaction]],
        changes: list[Entry],
        settings: Settings,
        today: dt.date,
        timelines: dict[tuple[tuple[dt.date, dt.date], ...], _Timeline],
        global_spans: tuple[tuple[dt.date, dt.date], ...],
    ) -> None:
        self.person = person
        self.path = person.path
        spans = global_spans + tuple(person.paused)
        tl = timelines.get(spans)
        if tl is None:
            tl = timelines[spans] = _Timeline(spans)
        self.tl = tl
        self.own = _Timeline(person.paused) if person.paused else None
        self.levels = _closeness_steps(person, changes)
        self.archived = _archived_steps(changes)
        self.settings = settings
        # weigh() reports each result's input position: map ŵ back to the entries
        self.by_idx: dict[int, scoring.Weighted] = {}
        weighted = scoring.weigh(person.path, [it for _, it in items], settings, today)
        for x in weighted:
            self.by_idx[items[x.position][0]] = x
        self.weighted = weighted
        touch_days = sorted({x.date.toordinal() for x in weighted if x.touch})
        self.touch_ords = touch_days
        self.touch_taus = [tl.tau(o) for o in touch_days]
        self.first = touch_days[0] if touch_days else None
        self.ptr = -1  # index of the last touch day ≤ the week end being evaluated
        # most people never change closeness and are never archived: skip the date lookups then
        self.constant = len(self.levels.vals) == 1 and len(self.archived.vals) == 1 and not self.archived.vals[0]
        self.const_level: int | None = self.levels.vals[0] if self.constant else None
        self.const_cadence = _cadence_for(person, self.const_level, settings) if self.constant else None
        # constant, with a cadence and no own pauses: its week ends are counted in ranges
        self.fast = self.constant and self.const_cadence is not None and self.own is None
        # one closeness for all dates (archiving aside): the cadence needs no date lookup
        self.fixed = len(self.levels.vals) == 1
        self.fixed_level: int | None = self.levels.vals[0] if self.fixed else None
        self.fixed_cadence = _cadence_for(person, self.fixed_level, settings) if self.fixed else None
        self.health: _Health | None = None
        self.last_low: int | None = None  # last week index with health < 20 (Phoenix)

    def level_at(self, o: int) -> int | None:
        level: int | None = self.levels.at(o)
        return level

    def cadence_at(self, o: int) -> int | None:
        if self.fixed:
            return self.fixed_cadence
        return _cadence_for(self.person, self.levels.at(o), self.settings)

    def prev_touch(self, o: int) -> int | None:
        """Index of the last touch day strictly before ordinal ``o``."""
        i = bisect.bisect_left(self.touch_ords, o) - 1
        return i if i >= 0 else None

    def advance(self, e: int) -> int:
        ords = self.touch_ords
        while self.ptr + 1 < len(ords) and ords[self.ptr + 1] <= e:
            self.ptr += 1
        return self.ptr


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


_ARROW = {"out": "→", "in": "←", "mutual": "↔"}


# -- the replay ---------------------------------------------------------------------------


def replay(
    people: Iterable[Person],
    interactions: Iterable[Interaction],
    changes: Changes | None,
    settings: Settings,
    today: dt.date,
    *,
    deduplicated: bool = False,
) -> GameReport:
    """Score the whole game as of ``today``: XP, levels, streaks, consistency, badges.

    ``deduplicated``: the interactions come from :func:`events.resolve` (already one per event).

    ``interactions`` are the vault's (``Vault.interactions()``); they are de-duplicated
    and put in canonical order again here, so their order and repeats never matter.
    ``changes`` are the reserved setting-change lines, either a mapping from person path
    to that person's lines (``Vault.settings_changes``) or one flat iterable of them.
    """
    # The replay allocates a few hundred thousand small objects (XP items, tuples, lists) and
    # frees almost none of them: the cyclic collector would re-scan the whole vault's
    # interactions many times over for nothing (about a third of the time at 10k people).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _replay(people, interactions, changes, settings, today, deduplicated=deduplicated)
    finally:
        if enabled:
            gc.enable()


def _replay(
    people: Iterable[Person],
    interactions: Iterable[Interaction],
    changes: Changes | None,
    settings: Settings,
    today: dt.date,
    *,
    deduplicated: bool,
) -> GameReport:
    t_ord = today.toordinal()
    types = settings.types
    goal = max(1, settings.weekly_goal)
    by_path: dict[str, Person] = {p.path: p for p in people}
    kept = [it for it in interactions if it.date <= today and it.kind in types and it.participants]
    items = kept if deduplicated else events.dedupe(kept)
    change_map = _group_changes(changes)

    mine: dict[str, list[tuple[int, Interaction]]] = {}
    for i, it in enumerate(items):
        for path in it.participants:
            mine.setdefault(path, []).append((i, it))
            if path not in by_path:
                by_path[path] = Person(path=path, name=_stem(path))
    global_spans = tuple((p.start, p.end) for p in settings.pauses)
    timelines: dict[tuple[tuple[dt.date, dt.date], ...], _Timeline] = {}
    global_tl = _Timeline(global_spans)
    timelines[global_spans] = global_tl
    contacts: dict[str, _Contact] = {
        path: _Contact(by_path[path], lst, change_map.get(path, []), settings, today, timelines, global_spans)
        for path, lst in sorted(mine.items())
    }
    names = {path: p.name for path, p in by_path.items()}

    # ---- XP per entry (§3.5) -------------------------------------------------------
    out_items: list[XPItem] = []
    day_sums: dict[int, list[float]] = {}  # ordinal → [touch XP, social+like XP, note XP]
    counts: dict[str, list[int]] = {"meet": [], "calls": [], "letter": []}
    connector: list[int] = []
    pairs: dict[tuple[str, str], int] = {}
    hosts: list[int] = []
    best_host = 0
    for i, it in enumerate(items):
        e = it.entry
        o = e.date.toordinal()
        t = types[it.kind]
        reached = e.reached
        sums = day_sums.setdefault(o, [0.0, 0.0, 0.0])
        where = it.sources
        if t.touch and reached:
            parts: list[tuple[str, float]] = []
            why_parts: list[str] = []
            direction = e.direction
            iota = INITIATIVE.get(direction, 0.8)
            arrow = _ARROW.get(direction, "↔")
            for path in it.participants:
                c_ = contacts[path]
                w = c_.by_idx[i].w
                prev = c_.prev_touch(o)
                c = (c_.fixed_cadence if c_.fixed else c_.cadence_at(o)) or NO_CADENCE_DAYS
                gap = None if prev is None else c_.tl.tau(o) - c_.touch_taus[prev]
                fresh = freshness(gap, c)
                rev = revival(gap, c)
                x = BASE_XP * w * iota * fresh * rev  # touch_xp(w, direction, gap, c)
                parts.append((path, x))
                gap_text = "first touch" if gap is None else f"{gap} of {c} days"
                why_parts.append(
                    f"{names[path]}: 30 × ŵ {w:.2f} × {iota:.1f} ({arrow})"
                    f" × freshness {fresh:.2f} ({gap_text}) × revival {rev:.1f} = {x:.2f}"
                )
            n = len(parts)
            xp = parts[0][1] if n == 1 else group_factor(n) * sum(x for _, x in parts) / n
            why = (
                why_parts[0]
                if n == 1
                else (f"group of {n}: {group_factor(n):.2f} × mean ({'; '.join(why_parts)}) = {xp:.2f}")
            )
            sums[0] += xp
            out_items.append(XPItem(e.date, "touch", xp, it.participants, e.type, e.text, why, tuple(parts), where))
            if it.kind == "meet":
                counts["meet"].append(o)
                best_host = max(best_host, n)
                if n >= 5:
                    hosts.append(o)
            elif it.kind in ("call", "video"):
                counts["calls"].append(o)
            elif it.kind == "letter":
                counts["letter"].append(o)
            elif it.kind == "intro" and n >= 2:
                connector.append(o)
                for pair in itertools.combinations(it.participants, 2):
                    pairs.setdefault(pair, o)
        else:
            if reached and it.kind in ("social", "like"):
                source, flat, slot = it.kind, FLAT_XP[it.kind], 1
                why = f"{it.kind}: {flat:g} XP (social and likes: at most {SOCIAL_CAP:g} a day)"
            else:
                source, flat, slot = "note", FLAT_XP["note"], 2
                what = "an attempt that did not reach them" if not reached and t.touch else it.kind
                why = f"{what}: scored like a note, {flat:g} XP (notes: at most {NOTE_CAP:g} a day)"
            sums[slot] += flat
            out_items.append(XPItem(e.date, source, flat, it.participants, e.type, e.text, why, (), where))

    bonus: dict[int, int] = {}

    def add_bonus(o: int, source: str, xp: int, why: str, people_: tuple[str, ...] = ()) -> None:
        bonus[o] = bonus.get(o, 0) + xp
        out_items.append(XPItem(dt.date.fromordinal(o), source, float(xp), people_, "", "", why))

    # ---- weeks: streaks and week-end badges (§3.7, §3.8) -------------------------
    offset = WEEKDAYS.index(settings.week_start) if settings.week_start in WEEKDAYS else 0
    firsts = [c_.first for c_ in contacts.values() if c_.first is not None]
    weeks: list[_Week] = []
    cd_by_week: dict[int, list[int]] = {}
    for c_ in contacts.values():
        for o in c_.touch_ords:
            cd_by_week.setdefault((o - 1 - offset) // 7, []).append(o)
    if firsts:
        first_wk = (min(firsts) - 1 - offset) // 7
        cur_wk = (t_ord - 1 - offset) // 7
        for wk in range(first_wk, cur_wk + 1):
            s = wk * 7 + 1 + offset
            end = s + 6
            weeks.append(
                _Week(
                    wk,
                    s,
                    end,
                    _label(s),
                    end < t_ord,
                    global_tl.paused_in(s, end) >= PAUSED_WEEK_DAYS,
                    sorted(cd_by_week.get(wk, ())),
                )
            )
    touch_streak, run_events, kept_weeks = _touch_streak(weeks, goal)
    for o, kw in kept_weeks:
        add_bonus(o, "week", WEEK_BONUS, f"week {kw.label} kept ({len(kw.days)} touch contact-days, goal {goal})")
    unlock_dates: dict[str, list[int | None]] = {}
    progress: dict[str, int] = {}
    for m, xp in MILESTONES:
        hit = next((o for o, run in run_events if run >= m), None)
        if hit is not None:
            add_bonus(hit, "milestone", xp, f"keep-in-touch streak reached {m} weeks")

    def tiers_from_events(evs: list[tuple[int, int]], badge: str) -> None:
        d = next(b for b in BADGES if b.id == badge)
        unlock_dates[badge] = [next((o for o, run in evs if run >= th), None) for _, th in d.tiers]
        progress[badge] = max((run for _, run in evs), default=0)

    tiers_from_events(run_events, "showing_up")

    on_time = _OnTime()
    ordered = sorted(contacts.values(), key=lambda c_: c_.first if c_.first is not None else 10**9)
    # Most contacts have one closeness, no own pauses and are never archived: their
    # week-end counts (active, overdue, closeness 1) change only at their touches, so they
    # are added over ranges of weeks (difference arrays) instead of week by week; only
    # their health is evaluated week by week, and only while a health badge is unearned.
    # The others ("slow") go through the full week-by-week evaluation.
    ends = [w.end for w in weeks if w.end <= t_ord]
    n_ends = len(ends)
    end_taus = [global_tl.tau(we) for we in ends]
    d_total = [0] * (n_ends + 1)  # Σ ω of active contacts
    d_late_w = [0] * (n_ends + 1)  # Σ ω of overdue ones
    d_active = [0] * (n_ends + 1)
    d_overdue = [0] * (n_ends + 1)
    d_l1 = [0] * (n_ends + 1)
    d_l1_late = [0] * (n_ends + 1)
    for c_ in ordered:
        if c_.first is None or not c_.fast:
            continue
        lvl, cad = c_.const_level, c_.const_cadence
        if lvl not in (1, 2, 3) or cad is None:
            continue
        omi = int(cadence.OMEGA[lvl])
        lo = bisect.bisect_left(ends, c_.first)
        if lo >= n_ends:
            continue
        d_total[lo] += omi
        d_total[n_ends] -= omi
        d_active[lo] += 1
        d_active[n_ends] -= 1
        if lvl == 1:
            d_l1[lo] += 1
            d_l1[n_ends] -= 1
        t_ords, t_taus = c_.touch_ords, c_.touch_taus
        last = len(t_ords) - 1
        for k, t_tau in enumerate(t_taus):
            # the week ends whose last touch is touch k: late once 2·(τ(we) − τ_k) > 3c
            a = bisect.bisect_left(ends, t_ords[k], lo)
            b = n_ends if k == last else bisect.bisect_left(ends, t_ords[k + 1], a)
            if a >= b:
                continue
            late_from = bisect.bisect_left(end_taus, t_tau + (3 * cad) // 2 + 1, a, b)
            if late_from < b:
                d_late_w[late_from] += omi
                d_late_w[b] -= omi
                d_overdue[late_from] += 1
                d_overdue[b] -= 1
                if lvl == 1:
                    d_l1_late[late_from] += 1
                    d_l1_late[b] -= 1
    started: list[_Contact] = []  # slow contacts that have started
    started_fast: list[_Contact] = []
    nxt = 0
    ic_run = ic_best = 0
    ic_dates: list[int | None] = [None, None]
    clean_on: int | None = None
    clean_best = 0
    phoenix_on: int | None = None
    support_on: int | None = None
    support_best = 0
    sympathy_on: int | None = None
    sympathy_best = 0
    f_total = f_late_w = f_active = f_overdue = f_l1 = f_l1_late = 0
    for wi, week in enumerate(weeks):
        we = week.end
        if we > t_ord:
            on_time.week(week, t_ord, 0, 0.0, 0.0)
            continue
        while nxt < len(ordered) and (ordered[nxt].first or 10**9) <= we:
            if ordered[nxt].fast:
                started_fast.append(ordered[nxt])
            elif not (ordered[nxt].constant and ordered[nxt].const_cadence is None):
                started.append(ordered[nxt])  # a contact that never has a cadence never counts here
            nxt += 1
        need_health = phoenix_on is None or support_on is None or sympathy_on is None
        f_total += d_total[wi]
        f_late_w += d_late_w[wi]
        f_active += d_active[wi]
        f_overdue += d_overdue[wi]
        f_l1 += d_l1[wi]
        f_l1_late += d_l1_late[wi]
        total = float(f_total)
        on = float(f_total - f_late_w)
        active, overdue, l1, l1_late = f_active, f_overdue, f_l1, f_l1_late
        h80 = h60 = 0
        tau_cache: dict[int, int] = {}
        for c_ in started:
            if c_.constant:
                lvl, cad = c_.const_level, c_.const_cadence
                if cad is None:
                    continue
            else:
                lvl = c_.level_at(we)
                cad = _cadence_for(c_.person, lvl, settings)
                if cad is None or c_.archived.at(we):
                    continue
            ptr = c_.advance(we)
            tl = c_.tl
            tau_e = tau_cache.get(id(tl))
            if tau_e is None:
                tau_e = tau_cache[id(tl)] = tl.tau(we)
            last_tau = c_.touch_taus[ptr]
            late = int(2 * (tau_e - last_tau) > 3 * cad)
            if lvl in (1, 2, 3) and not (c_.own is not None and c_.own.is_paused(we)):
                om = cadence.OMEGA[lvl]
                total += om
                active += 1
                if late:
                    overdue += 1
                else:
                    on += om
                if lvl == 1:
                    l1 += 1
                    l1_late += late
            if need_health:
                if c_.health is None:
                    c_.health = _Health(c_.person, c_.weighted, tl)
                h = c_.health.at(we, tau_e, cad, c_.touch_ords[0], c_.touch_taus[0], last_tau)
                if h >= 80:
                    h80 += 1
                if h >= 60:
                    h60 += 1
                    if phoenix_on is None and c_.last_low is not None and week.wk - c_.last_low <= 13:
                        phoenix_on = we
                if h < 20:
                    c_.last_low = week.wk
        if need_health:
            tau_e = end_taus[wi]
            for c_ in started_fast:
                cad = c_.const_cadence
                if cad is None:  # never: fast contacts have a cadence
                    continue
                ptr = c_.advance(we)
                if c_.health is None:
                    c_.health = _Health(c_.person, c_.weighted, c_.tl)
                h = c_.health.at(we, tau_e, cad, c_.touch_ords[0], c_.touch_taus[0], c_.touch_taus[ptr])
                if h >= 80:
                    h80 += 1
                if h >= 60:
                    h60 += 1
                    if phoenix_on is None and c_.last_low is not None and week.wk - c_.last_low <= 13:
                        phoenix_on = we
                if h < 20:
                    c_.last_low = week.wk
        on_time.week(week, t_ord, active, total, on)
        if l1 >= 3 and l1_late == 0:
            ic_run += 1
            ic_best = max(ic_best, ic_run)
            for k, need in enumerate((8, 26)):
                if ic_dates[k] is None and ic_run >= need:
                    ic_dates[k] = we
        else:
            ic_run = 0
        if overdue == 0:
            clean_best = max(clean_best, active)
            if clean_on is None and active >= 10:
                clean_on = we
        if need_health:
            support_best = max(support_best, h80)
            sympathy_best = max(sympathy_best, h60)
            if support_on is None and h80 >= 5:
                support_on = we
            if sympathy_on is None and h60 >= 15:
                sympathy_on = we
    on_time_streak = on_time.result()
    for o, run in on_time.events:
        w_label = _label(o - 6)
        add_bonus(o, "on_time", ON_TIME_BONUS, f"week {w_label} on time (on-time streak {run})")
    tiers_from_events(on_time.events, "punctual")
    unlock_dates["inner_circle_keeper"] = ic_dates
    progress["inner_circle_keeper"] = ic_best
    unlock_dates["clean_slate"] = [clean_on]
    progress["clean_slate"] = clean_best
    unlock_dates["phoenix"] = [phoenix_on]
    progress["phoenix"] = 1 if phoenix_on is not None else 0
    unlock_dates["support_clique"] = [support_on]
    progress["support_clique"] = 5 if support_on is not None else support_best
    unlock_dates["sympathy_group"] = [sympathy_on]
    progress["sympathy_group"] = 15 if sympathy_on is not None else sympathy_best

    # ---- per-contact badges and friend levels ------------------------------------
    first_touch: list[int] = []
    icebreaks: list[int] = []
    reconnects: list[int] = []
    birthdays: list[int] = []
    window_events: list[tuple[int, str]] = []
    l3_events: list[tuple[int, str]] = []
    long_haul: list[int | None] = [None, None]
    long_best = 0
    give_on: int | None = None
    give_best = 0
    friend_ups: list[tuple[int, str, int, str]] = []  # (ordinal, path, level, title)
    level_firsts: dict[int, int] = {}  # friend level → first ordinal any contact reached it
    continuity: dict[str, Continuity] = {}
    top_level = scoring.FRIEND_LEVELS[-1][0]
    for path, c_ in contacts.items():
        p = c_.person
        ords, taus = c_.touch_ords, c_.touch_taus
        if not ords:
            continue
        first_touch.append(ords[0])
        rich_first = next((x.date.toordinal() for x in c_.weighted if x.touch and x.kind in RICH_CHANNELS), None)
        if rich_first is not None and p.added is not None and rich_first - p.added.toordinal() >= 14:
            icebreaks.append(rich_first)
        bday = _first_near_birthday(p.birthday, ords)
        if bday is not None:
            birthdays.append(bday)
        run_from = ords[0]
        fixed_c = (c_.fixed_cadence or NO_CADENCE_DAYS) if c_.fixed else None
        window_events.extend((o, path) for o in ords)
        if c_.fixed:
            if c_.fixed_level == 3:
                l3_events.extend((o, path) for o in ords)
        else:
            l3_events.extend((o, path) for o in ords if c_.level_at(o) == 3)
        for k, o in enumerate(ords):
            if k:
                gap = taus[k] - taus[k - 1]
                if gap >= REVIVAL_YEAR:
                    reconnects.append(o)
                c = fixed_c or c_.cadence_at(o) or NO_CADENCE_DAYS
                if 2 * gap > 3 * c:
                    run_from = o
            span = o - run_from
            if span > long_best:
                long_best = span
            if span >= 365:
                for j, need in enumerate((365, FIVE_YEARS)):
                    if span >= need and (long_haul[j] is None or o < long_haul[j]):  # type: ignore[operator]
                        long_haul[j] = o
        c_now = c_.cadence_at(t_ord) or NO_CADENCE_DAYS
        if 2 * (c_.tl.tau(t_ord) - taus[-1]) <= 3 * c_now:
            span = ords[-1] - run_from
            continuity[path] = Continuity(
                path, dt.date.fromordinal(run_from), dt.date.fromordinal(ords[-1]), span, span // c_now + 1, c_now
            )
        # friend levels over time, and Give and Take
        wl = c_.weighted
        w_ords = [x.date.toordinal() for x in wl]
        directed = [0]
        for xw in wl:
            directed.append(directed[-1] + (1 if xw.touch and xw.direction in ("in", "out") else 0))
        health = c_.health
        hours = p.history_hours
        months: set[tuple[int, int]] = set()
        f_level, f_title = _friend_level_for(scoring.r6(hours), p.history_months)
        if f_level > 1:
            friend_ups.append((ords[0], path, f_level, f_title))
        for o, group in itertools.groupby((xw for xw in wl if xw.touch), key=lambda xw: xw.date.toordinal()):
            for xw in group:
                hours += xw.hours
                months.add((xw.date.year, xw.date.month))
            if f_level < top_level:
                _lv, _title, need_h, need_m = scoring.FRIEND_LEVELS[f_level]  # the next level's thresholds
                if len(months) + p.history_months >= need_m and scoring.r6(hours) >= need_h:
                    new, title = _friend_level_for(scoring.r6(hours), len(months) + p.history_months)
                    if new > f_level:
                        friend_ups.append((o, path, new, title))
                        f_level = new
            lo = bisect.bisect_left(w_ords, o - 364)
            hi = bisect.bisect_right(w_ords, o)
            n_dir = directed[hi] - directed[lo]
            if n_dir <= give_best and (n_dir < 10 or (give_on is not None and o >= give_on)):
                continue  # the balance could change nothing here
            if health is None:
                health = _Health(p, wl, c_.tl)
            if scoring.r6(health.balance(lo, hi)) >= 0.8:
                give_best = max(give_best, n_dir)
                if n_dir >= 10 and (give_on is None or o < give_on):
                    give_on = o
    for o, _path, lv, _t in friend_ups:
        for lv_ in range(2, lv + 1):
            if lv_ not in level_firsts or o < level_firsts[lv_]:
                level_firsts[lv_] = o
    ups_of: dict[str, dict[int, int]] = {}
    for o, path, lv, _t in friend_ups:
        ups_of.setdefault(path, {})[lv] = o
    friend_levels: dict[str, FriendStatus] = {}
    for path, p in sorted(by_path.items()):
        c_opt = contacts.get(path)
        fl = scoring.friend_level(p, c_opt.weighted if c_opt else [])
        since = ups_of.get(path, {}).get(fl.level)
        # declared history alone (no touch yet): the level counts from the person's `added` date
        if since is None and fl.level > 1 and p.added is not None and p.added <= today:
            since = p.added.toordinal()
            for lv_ in range(2, fl.level + 1):
                if lv_ not in level_firsts or since < level_firsts[lv_]:
                    level_firsts[lv_] = since
        friend_levels[path] = FriendStatus(
            path,
            p.name,
            fl.level,
            fl.title,
            fl.stars,
            fl.hours,
            fl.months,
            dt.date.fromordinal(since) if since is not None else None,
        )
    window_events.sort()
    l3_events.sort()
    gf_on, gf_best = _window(window_events, 180, 50)
    db_on, db_best = _window(window_events, 365, 150)
    wt_on, wt_best = _window(l3_events, 90, 20)
    first_touch.sort()
    icebreaks.sort()
    reconnects.sort()
    birthdays.sort()
    pair_dates = sorted(pairs.values())
    best_friend_level = max((f.level for f in friend_levels.values()), default=1)

    def count_badge(badge: str, dates: list[int], value: int | None = None) -> None:
        d = next(b for b in BADGES if b.id == badge)
        unlock_dates[badge] = [_nth(dates, th) for _, th in d.tiers]
        progress[badge] = len(dates) if value is None else value

    count_badge("first_hello", first_touch[:1])
    count_badge("icebreaker", icebreaks)
    count_badge("regular", counts["meet"])
    count_badge("dial_tone", counts["calls"])
    count_badge("pen_pal", counts["letter"])
    count_badge("connector", connector[:1])
    count_badge("super_connector", pair_dates)
    count_badge("reconnector", reconnects)
    count_badge("birthday_buddy", birthdays)
    unlock_dates["good_friends"] = [gf_on]
    progress["good_friends"] = gf_best
    unlock_dates["dunbars_number"] = [db_on]
    progress["dunbars_number"] = db_best
    unlock_dates["weak_tie_weaver"] = [wt_on]
    progress["weak_tie_weaver"] = wt_best
    unlock_dates["level_5_friend"] = [level_firsts.get(5)]
    progress["level_5_friend"] = best_friend_level
    unlock_dates["close_friend"] = [level_firsts.get(10)]
    progress["close_friend"] = best_friend_level
    unlock_dates["long_haul"] = long_haul
    progress["long_haul"] = long_best
    unlock_dates["give_and_take"] = [give_on]
    progress["give_and_take"] = give_best
    unlock_dates["host"] = [hosts[0] if hosts else None]
    progress["host"] = best_host

    # ---- badges and their XP -----------------------------------------------------
    badges: list[Badge] = []
    unlocks: list[Unlock] = []
    for d in BADGES:
        dates = unlock_dates.get(d.id, [None] * len(d.tiers))
        tiers: list[BadgeTier] = []
        earned_tier: str | None = None
        earned_on: int | None = None
        name = d.names[0] if d.names else d.name
        next_tier: str | None = None
        target = d.tiers[-1][1]
        for k, ((tier, threshold), when) in enumerate(zip(d.tiers, dates, strict=True)):
            tiers.append(BadgeTier(tier, threshold, dt.date.fromordinal(when) if when is not None else None))
            tier_name = d.names[k] if d.names else d.name
            if when is not None:
                earned_tier, earned_on, name = tier, when, tier_name
                add_bonus(when, "badge", TIER_XP[tier], f"badge {tier_name} ({tier})")
                unlocks.append(Unlock(dt.date.fromordinal(when), "badge", d.id, tier_name, tier, f"Badge: {tier_name}"))
            elif next_tier is None:
                next_tier, target, name = tier, threshold, (tier_name if earned_tier is None else name)
        badges.append(
            Badge(
                d.id,
                name,
                d.description,
                earned_tier,
                dt.date.fromordinal(earned_on) if earned_on is not None else None,
                progress.get(d.id, 0),
                target,
                next_tier,
                tuple(tiers),
            )
        )
    for o, path, lv, title in friend_ups:
        unlocks.append(
            Unlock(
                dt.date.fromordinal(o),
                "friend_level",
                path,
                names[path],
                str(lv),
                f"level {lv} friend of {names[path]} ({title})",
            )
        )

    # ---- days, totals and levels ---------------------------------------------------
    days: list[DayXP] = []
    source_totals = {"interactions": 0, "weeks": 0, "on_time": 0, "milestones": 0, "badges": 0}
    bonus_keys = {"week": "weeks", "on_time": "on_time", "milestone": "milestones", "badge": "badges"}
    for item in out_items:
        if item.source in bonus_keys:
            source_totals[bonus_keys[item.source]] += int(item.xp)
    total_xp = 0
    user_lv = 1
    for o in sorted(set(day_sums) | set(bonus)):
        touch, social, note = day_sums.get(o, (0.0, 0.0, 0.0))
        raw = touch + min(social, SOCIAL_CAP) + min(note, NOTE_CAP)
        entries = day_xp(raw) if o in day_sums else 0
        b = bonus.get(o, 0)
        source_totals["interactions"] += entries
        days.append(DayXP(dt.date.fromordinal(o), scoring.r6(raw), entries, b, entries + b))
        total_xp += entries + b
        new_level = user_level(total_xp)
        if new_level > user_lv:
            unlocks.append(
                Unlock(dt.date.fromordinal(o), "level", "level", "", str(new_level), f"you reached level {new_level}")
            )
            user_lv = new_level
    kind_order = {"level": 0, "friend_level": 1, "badge": 2}
    unlocks.sort(key=lambda u: (u.date, kind_order[u.kind], u.id, u.value))
    out_items.sort(key=lambda item: (item.date, item.source in bonus_keys, item.source))

    return GameReport(
        today=today,
        scoring_version=settings.scoring_version,
        xp=total_xp,
        level=level_info(total_xp),
        days=tuple(days),
        xp_by_source=source_totals,
        items=tuple(out_items),
        touch_streak=touch_streak,
        on_time_streak=on_time_streak,
        consistency=consistency_of(touch_streak.weeks),
        badges=tuple(badges),
        friend_levels=friend_levels,
        continuity=continuity,
        unlocks=tuple(unlocks),
        names=names,
    )


# -- what a new log line earned -----------------------------------------------------------


class FriendUp(NamedTuple):
    path: str
    name: str
    old: int
    new: int
    title: str


class BadgeUp(NamedTuple):
    id: str
    name: str
    tier: str


@dataclass(frozen=True)
class Gain:
    xp: int
    level_before: int
    level_after: int
    friend_ups: tuple[FriendUp, ...]
    badges: tuple[BadgeUp, ...]  # one per badge, its highest newly earned tier

    @property
    def level_up(self) -> bool:
        return self.level_after > self.level_before

    def messages(self) -> list[str]:
        out: list[str] = []
        if self.xp > 0:
            out.append(f"+{self.xp} XP")
        if self.level_up:
            out.append(f"Level up: you are now level {self.level_after}")
        for f in self.friend_ups:
            out.append(f"Congratulations, you are now a level {f.new} friend of {f.name}!")
        for b in self.badges:
            out.append(f"Badge: {b.name}" + ("" if b.tier == "bronze" else f" ({b.tier})"))
        return out

    def __str__(self) -> str:
        return " · ".join(self.messages())

    def to_json(self) -> dict[str, Any]:
        return {
            "xp": self.xp,
            "level": self.level_after,
            "level_up": self.level_up,
            "friend_levels": [
                {"path": f.path, "name": f.name, "from": f.old, "to": f.new, "title": f.title} for f in self.friend_ups
            ],
            "badges": [{"id": b.id, "name": b.name, "tier": b.tier} for b in self.badges],
        }


def diff(before: GameReport, after: GameReport) -> Gain:
    """What changed between two reports: the integer XP rise, friend-level ups, new badge tiers."""
    ups: list[FriendUp] = []
    for path, now in sorted(after.friend_levels.items()):
        old = before.friend_levels.get(path)
        old_level = old.level if old is not None else 1
        if now.level > old_level:
            ups.append(FriendUp(path, now.name, old_level, now.level, now.title))
    old_badges = {b.id: b for b in before.badges}
    new_badges: list[BadgeUp] = []
    for b in after.badges:
        was = old_badges.get(b.id)
        was_rank = TIERS.index(was.tier) if was is not None and was.tier else -1
        if b.tier is not None and TIERS.index(b.tier) > was_rank:
            new_badges.append(BadgeUp(b.id, b.name, b.tier))
    return Gain(
        max(0, after.xp - before.xp),
        before.level.level,
        after.level.level,
        tuple(ups),
        tuple(new_badges),
    )
