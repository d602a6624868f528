"""XP, user levels, weekly streaks, consistency and badges (SCORING.md §3.5, §3.7, §3.8). Pure.

One entry point, :func:`replay`, walks the vault's interactions up to ``today`` once and
returns a frozen :class:`GameReport`; :func:`diff` says what a new log line earned
("+19 XP · Congratulations, you are now a level 5 friend of Klaus! · Badge: Connector").

Everything here is a function of (people, interactions, dated setting changes, settings,
``today``): no clock, no I/O, no randomness. Entries dated after ``today`` earn nothing.
Dates are handled as ordinals (``date.toordinal()``); "effective" days leave out paused
days (the vault's ``pauses`` plus the person's own ``paused``) through :class:`_Timeline`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import cadence, events, scoring
from .events import Interaction
from .model import Entry, Person, chronological
from .settings import WEEKDAYS, Settings

# -- constants (SCORING.md) ---------------------------------------------------

BASE_XP = 30.0
INITIATIVE = {"out": 1.0, "mutual": 0.8, "in": 0.6}
NO_CADENCE_DAYS = 90  # c := 90 for XP (and continuity) when a contact has no cadence
REVIVAL_YEAR = 365
FLAT_XP = {"social": 3.0, "like": 1.0, "note": 2.0}  # non-touch entries
SOCIAL_CAP = 10.0  # social + like, per day
NOTE_CAP = 10.0  # notes and unreached attempts, per day
WEEK_BONUS = 25
ON_TIME_BONUS = 25
MILESTONES = ((4, 50), (13, 150), (26, 300), (52, 600), (104, 1000))
TIER_XP = {"bronze": 50, "silver": 150, "gold": 400}
TIERS = ("bronze", "silver", "gold")
FREEZE_START = 1
FREEZE_MAX = 2
FREEZE_EVERY = 4  # kept weeks per earned freeze
REPAIR_GAP = 8  # weeks between two catch-up repairs
PAUSED_WEEK_DAYS = 4  # of 7
ON_TIME_SHARE = 0.80
ON_TIME_MIN_WEIGHT = 3.0
ALPHA = 2 ** (-1 / 8)  # consistency: half-life 8 weeks
FIVE_YEARS = 1826  # days (5 × 365.25, rounded up)
RICH_CHANNELS = ("meet", "video", "call")
_FAR_PAST = -(10**9)


# -- small pure formulas --------------------------------------------------------


def xp_for_level(level: int) -> int:
    """Total XP needed to reach user ``level``: 50·(L−1)²."""
    return 50 * (max(1, level) - 1) ** 2


def user_level(xp: int | float) -> int:
    """1 + ⌊√(XP/50)⌋, computed exactly on integers."""
    return 1 + math.isqrt(max(0, int(xp)) // 50)


def soft_cap(x: float) -> float:
    """The daily soft cap on the day's total X (§3.5)."""
    return min(x, 150.0) + 0.5 * min(max(x - 150.0, 0.0), 150.0) + 0.1 * max(0.0, x - 300.0)


def day_xp(x: float) -> int:
    """Day XP = floor(X' + 0.5)."""
    return scoring.round_half_up(soft_cap(x))


def freshness(gap: int | None, c: int) -> float:
    """φ(gap) = min(1, 0.25 + 0.75·gap/c); 1 for a first-ever touch."""
    if gap is None:
        return 1.0
    return min(1.0, 0.25 + 0.75 * gap / c)


def revival(gap: int | None, c: int) -> float:
    """ρ(gap) = 2 after a year, 1.5 beyond the grace window (1.5c), else 1."""
    if gap is None:
        return 1.0
    if gap >= REVIVAL_YEAR:
        return 2.0
    if 2 * gap > 3 * c:
        return 1.5
    return 1.0


def touch_xp(w: float, direction: str, gap: int | None, c: int) -> float:
    """xp_ij = 30 · ŵ · ι(dir) · φ(gap) · ρ(gap) for one contact of a touch entry."""
    return BASE_XP * w * INITIATIVE.get(direction, 0.8) * freshness(gap, c) * revival(gap, c)


def group_factor(n: int) -> float:
    """min(2, 1 + 0.25·(n−1)) for n ≥ 2 vault people; 1 for one."""
    return min(2.0, 1.0 + 0.25 * (n - 1)) if n >= 2 else 1.0


# -- dated settings -------------------------------------------------------------

Changes = Mapping[str, Sequence[Entry]] | Iterable[Entry]


def _level(raw: str | None) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= 4 else None


class _Steps:
    """A value that changes on dates: ``at(ordinal)`` is the value in force on that day."""

    __slots__ = ("ords", "vals")

    def __init__(self, ords: list[int], vals: list[Any]) -> None:
        self.ords = ords
        self.vals = vals

    def at(self, o: int) -> Any:
        if len(self.vals) == 1:
            return self.vals[0]
        return self.vals[bisect.bisect_right(self.ords, o) - 1]


def _closeness_steps(person: Person, changes: Iterable[Entry]) -> _Steps:
    hist = [e for e in chronological(list(changes)) if e.reserved and e.type == "closeness"]
    if not hist:
        return _Steps([_FAR_PAST], [person.closeness])
    ords = [_FAR_PAST]
    vals: list[int | None] = [_level(hist[0].old)]
    for k, e in enumerate(hist):
        # from the last dated change on, the frontmatter (the current value) is in force
        vals.append(person.closeness if k == len(hist) - 1 else _level(e.new))
        ords.append(e.date.toordinal())
    return _Steps(ords, vals)


def _archived_steps(changes: Iterable[Entry]) -> _Steps:
    hist = [e for e in chronological(list(changes)) if e.reserved and e.type in ("archived", "unarchived")]
    ords, vals = [_FAR_PAST], [False]
    for e in hist:
        ords.append(e.date.toordinal())
        vals.append(e.type == "archived")
    return _Steps(ords, vals)


def closeness_on(person: Person, changes: Iterable[Entry], day: dt.date) -> int | None:
    """The closeness level in force on ``day``.

    Dated ``closeness: a → b`` lines (``vaultcrm set``) split time: before the first change
    the old value applies, between changes the newer one, and from the last change on the
    frontmatter's current value. Without history the current value applies to all dates.
    A change counts from its own date.
    """
    level: int | None = _closeness_steps(person, changes).at(day.toordinal())
    return level


def archived_on(changes: Iterable[Entry], day: dt.date) -> bool:
    """Whether ``archived`` / ``unarchived`` lines dated on or before ``day`` leave the person archived."""
    return bool(_archived_steps(changes).at(day.toordinal()))


def _cadence_for(person: Person, level: int | None, settings: Settings) -> int | None:
    """:func:`cadence.cadence_of` with the closeness of a given date."""
    if person.cadence_none or level is None:
        return None
    if person.cadence is not None:
        return person.cadence
    return settings.cadence_for(level)


def cadence_on(person: Person, changes: Iterable[Entry], settings: Settings, day: dt.date) -> int | None:
    """The person's cadence in days on ``day`` (None: no cadence then)."""
    return _cadence_for(person, closeness_on(person, changes, day), settings)


def _group_changes(changes: Changes | None) -> dict[str, list[Entry]]:
    if changes is None:
        return {}
    if isinstance(changes, Mapping):
        return {str(k): list(v) for k, v in changes.items()}
    out: dict[str, list[Entry]] = {}
    for e in changes:
        out.setdefault(e.owner or e.path, []).append(e)
    return out


# -- effective days -------------------------------------------------------------


class _Timeline:
    """Paused days as merged ordinal intervals; ``tau`` is the effective-day clock.

    ``tau(b) − tau(a)`` = (b − a) − paused days D with a < D ≤ b, the same count as
    :func:`cadence.paused_days`, in O(log spans).
    """

    __slots__ = ("starts", "ends", "before")

    def __init__(self, spans: Iterable[tuple[dt.date, dt.date]]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted((s.toordinal(), e.toordinal()) for s, e in spans if e >= s):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]
        self.before: list[int] = []
        total = 0
        for a, b in merged:
            self.before.append(total)
            total += b - a + 1

    def paused_upto(self, o: int) -> int:
        """Paused days on or before ordinal ``o``."""
        i = bisect.bisect_right(self.starts, o) - 1
        if i < 0:
            return 0
        return self.before[i] + min(o, self.ends[i]) - self.starts[i] + 1

    def tau(self, o: int) -> int:
        return o - self.paused_upto(o) if self.starts else o

    def is_paused(self, o: int) -> bool:
        i = bisect.bisect_right(self.starts, o) - 1
        return i >= 0 and o <= self.ends[i]

    def paused_in(self, lo: int, hi: int) -> int:
        """Paused days in [lo, hi]."""
        return self.paused_upto(hi) - self.paused_upto(lo - 1) if self.starts else 0


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


# -- the report -----------------------------------------------------------------


class XPItem(NamedTuple):
    """One source of XP, for ``--why``: an entry (before the daily cap) or a bonus."""

    date: dt.date
    source: str  # touch | social | like | note | week | on_time | milestone | badge
    xp: float
    people: tuple[str, ...] = ()  # person paths
    type: str = ""  # the type word as written (entries)
    text: str = ""
    why: str = ""
    parts: tuple[tuple[str, float], ...] = ()  # (person path, xp_ij) for touches
    where: tuple[tuple[str, int], ...] = ()  # (path, line) that logged it

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "source": self.source,
            "xp": round(self.xp, 6),
            "people": list(self.people),
            "type": self.type,
            "text": self.text,
            "why": self.why,
            "where": [list(w) for w in self.where],
        }


class DayXP(NamedTuple):
    date: dt.date
    raw: float  # the day's entry XP X (social/like and note caps applied, before the soft cap)
    entries: int  # floor(X' + 0.5)
    bonus: int  # weeks, milestones, badges
    total: int


class LevelInfo(NamedTuple):
    level: int
    xp: int
    floor: int  # XP where this level starts
    next: int  # XP where the next level starts
    into: int  # XP earned inside this level
    needed: int  # XP still needed for the next level
    progress: float  # 0..1 inside this level


def level_info(xp: int) -> LevelInfo:
    level = user_level(xp)
    lo, hi = xp_for_level(level), xp_for_level(level + 1)
    return LevelInfo(level, xp, lo, hi, xp - lo, hi - xp, scoring.r6((xp - lo) / (hi - lo)))


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


class BadgeTier(NamedTuple):
    tier: str
    threshold: int
    earned_on: dt.date | None


@dataclass(frozen=True)
class Badge:
    id: str
    name: str  # the name of the highest tier earned (else of the next tier)
    description: str
    tier: str | None  # highest tier earned
    earned_on: dt.date | None  # when that tier was earned
    progress: int
    target: int  # threshold of the next tier (of the top tier once all are earned)
    next_tier: str | None
    tiers: tuple[BadgeTier, ...]

    @property
    def earned(self) -> bool:
        return self.tier is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "tier": self.tier,
            "earned_on": self.earned_on.isoformat() if self.earned_on else None,
            "progress": self.progress,
            "target": self.target,
            "next_tier": self.next_tier,
            "description": self.description,
            "tiers": [
                {
                    "tier": t.tier,
                    "threshold": t.threshold,
                    "earned_on": t.earned_on.isoformat() if t.earned_on else None,
                }
                for t in self.tiers
            ],
        }


class FriendStatus(NamedTuple):
    path: str
    name: str
    level: int
    title: str
    stars: int
    hours: float
    months: int
    since: dt.date | None  # when this level was reached (None: declared history only)


class Continuity(NamedTuple):
    """§3.7 C: "in touch with Klaus for 14 months"."""

    path: str
    since: dt.date  # first touch of the current run
    last: dt.date
    span_days: int
    periods: int  # floor(span / c) + 1
    cadence: int


class Unlock(NamedTuple):
    date: dt.date
    kind: str  # badge | friend_level | level
    id: str  # badge id, person path, or "level"
    name: str  # badge name, person name, or ""
    value: str  # tier, or the level reached
    text: str


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


# -- badge definitions (§3.8) ------------------------------------------------------


class BadgeDef(NamedTuple):
    id: str
    name: str
    tiers: tuple[tuple[str, int], ...]
    description: str
    names: tuple[str, ...] = ()  # a name per tier, when it changes with the tier


BADGES: tuple[BadgeDef, ...] = (
    BadgeDef("first_hello", "First Hello", (("bronze", 1),), "the first touch ever logged"),
    BadgeDef(
        "icebreaker",
        "Icebreaker",
        (("bronze", 1), ("silver", 10)),
        "a first-ever meet, video or call with a contact added ≥ 14 days earlier",
    ),
    BadgeDef("regular", "Regular", (("bronze", 10), ("silver", 50), ("gold", 200)), "meet entries"),
    BadgeDef("dial_tone", "Dial Tone", (("bronze", 25), ("silver", 100), ("gold", 400)), "call and video entries"),
    BadgeDef("pen_pal", "Pen Pal", (("bronze", 5), ("silver", 25), ("gold", 100)), "letter entries"),
    BadgeDef("connector", "Connector", (("bronze", 1),), "an intro linking two vault contacts"),
    BadgeDef(
        "super_connector",
        "Super-Connector",
        (("silver", 10), ("gold", 50)),
        "intros covering distinct pairs of contacts",
    ),
    BadgeDef(
        "reconnector",
        "Reconnector",
        (("bronze", 1), ("silver", 10), ("gold", 25)),
        "touches with a contact after ≥ 365 effective days of silence",
    ),
    BadgeDef("phoenix", "Phoenix", (("silver", 1),), "a contact's health from < 20 to ≥ 60 within 13 weeks"),
    BadgeDef(
        "inner_circle_keeper",
        "Inner Circle Keeper",
        (("silver", 8), ("gold", 26)),
        "consecutive week ends with every closeness-1 contact (≥ 3) not overdue",
    ),
    BadgeDef("support_clique", "Support Clique", (("silver", 5),), "contacts with health ≥ 80 at one week end"),
    BadgeDef("sympathy_group", "Sympathy Group", (("gold", 15),), "contacts with health ≥ 60 at one week end"),
    BadgeDef("good_friends", "Good Friends", (("silver", 50),), "distinct contacts touched within 180 days"),
    BadgeDef("dunbars_number", "Dunbar's Number", (("gold", 150),), "distinct contacts touched within 365 days"),
    BadgeDef(
        "weak_tie_weaver",
        "Weak-Tie Weaver",
        (("silver", 20),),
        "distinct closeness-3 contacts touched within 90 days",
    ),
    BadgeDef(
        "showing_up",
        "Year of Showing Up",
        (("bronze", 13), ("silver", 26), ("gold", 52)),
        "keep-in-touch streak in weeks",
        ("Quarter of Showing Up", "Half-Year of Showing Up", "Year of Showing Up"),
    ),
    BadgeDef("punctual", "Punctual", (("silver", 13), ("gold", 52)), "on-time streak in weeks"),
    BadgeDef(
        "clean_slate",
        "Clean Slate",
        (("silver", 10),),
        "a week end with no contact overdue, among ≥ 10 active cadence contacts",
    ),
    BadgeDef("level_5_friend", "Level 5 Friend", (("silver", 5),), "the first contact at friend level 5"),
    BadgeDef("close_friend", "Close Friend", (("gold", 10),), "the first contact at friend level 10"),
    BadgeDef(
        "long_haul",
        "Long Haul",
        (("silver", 365), ("gold", FIVE_YEARS)),
        "days of unbroken continuity with one contact",
    ),
    BadgeDef(
        "give_and_take",
        "Give and Take",
        (("bronze", 10),),
        "directed touches with one contact in 365 days, with balance P ≥ 0.8",
    ),
    BadgeDef(
        "birthday_buddy",
        "Birthday Buddy",
        (("bronze", 5), ("silver", 20)),
        "distinct contacts touched on their birthday (±1 day)",
    ),
    BadgeDef("host", "Host", (("bronze", 5),), "vault contacts at one meet"),
)


# -- per-contact replay state -----------------------------------------------------


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
        self.health: _Health | None = None
        self.last_low: int | None = None  # last week index with health < 20 (Phoenix)

    def level_at(self, o: int) -> int | None:
        level: int | None = self.levels.at(o)
        return level

    def cadence_at(self, o: int) -> int | None:
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


# -- streak machines (§3.7) ---------------------------------------------------------


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


def consistency_of(states: Iterable[WeekState]) -> float:
    """Loop-style consistency (§3.7 D) over the keep-in-touch weeks."""
    value = 0.0
    for s in states:
        if s.state == "kept":
            value = value * ALPHA + (1 - ALPHA)
        elif s.state in ("missed", "broken"):
            value *= ALPHA
    return scoring.r6(value)


# -- helpers for the badge replay ---------------------------------------------------


def _nth(dates: list[int], n: int) -> int | None:
    """The date on which a count of sorted event dates reaches ``n``."""
    return dates[n - 1] if len(dates) >= n else None


def _window(events_: list[tuple[int, str]], days: int, need: int) -> tuple[int | None, int]:
    """First date with ≥ ``need`` distinct people touched within ``days`` days, and the best count."""
    queue: deque[tuple[int, str]] = deque()
    seen: Counter[str] = Counter()
    best = 0
    found: int | None = None
    i = 0
    while i < len(events_):
        day = events_[i][0]
        while i < len(events_) and events_[i][0] == day:
            queue.append(events_[i])
            seen[events_[i][1]] += 1
            i += 1
        while queue and queue[0][0] <= day - days:
            _, who = queue.popleft()
            seen[who] -= 1
            if not seen[who]:
                del seen[who]
        best = max(best, len(seen))
        if found is None and len(seen) >= need:
            found = day
    return found, best


def _friend_level_for(hours: float, months: int) -> tuple[int, str]:
    level, title = 1, scoring.FRIEND_LEVELS[0][1]
    for lv, name, need_h, need_m in scoring.FRIEND_LEVELS:
        if hours >= need_h and months >= need_m:
            level, title = lv, name
    return level, title


def _birthday_near(birthday: str | None, o: int) -> bool:
    if not birthday:
        return False
    parts = cadence.birthday_parts(birthday)
    if parts is None:
        return False
    _, month, day = parts
    year = dt.date.fromordinal(o).year
    for y in (year - 1, year, year + 1):
        try:
            when = cadence.birthday_in(y, month, day).toordinal()
        except ValueError:
            return False
        if abs(when - o) <= 1:
            return True
    return False


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


def _label(o: int) -> str:
    year, week, _ = dt.date.fromordinal(o + 3).isocalendar()
    return f"{year}-W{week:02d}"


_ARROW = {"out": "→", "in": "←", "mutual": "↔"}


# -- the replay ---------------------------------------------------------------------


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
            for path in it.participants:
                c_ = contacts[path]
                w = c_.by_idx[i].w
                prev = c_.prev_touch(o)
                c = c_.cadence_at(o) or NO_CADENCE_DAYS
                gap = None if prev is None else c_.tl.tau(o) - c_.touch_taus[prev]
                x = touch_xp(w, direction, gap, c)
                parts.append((path, x))
                gap_text = "first touch" if gap is None else f"{gap} of {c} days"
                iota = INITIATIVE.get(direction, 0.8)
                why_parts.append(
                    f"{names[path]}: 30 × ŵ {w:.2f} × {iota:.1f} ({_ARROW.get(direction, '↔')})"
                    f" × freshness {freshness(gap, c):.2f} ({gap_text}) × revival {revival(gap, c):.1f} = {x:.2f}"
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
    started: list[_Contact] = []
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
    for week in weeks:
        we = week.end
        if we > t_ord:
            on_time.week(week, t_ord, 0, 0.0, 0.0)
            continue
        while nxt < len(ordered) and (ordered[nxt].first or 10**9) <= we:
            if not (ordered[nxt].constant and ordered[nxt].const_cadence is None):
                started.append(ordered[nxt])  # a contact that never has a cadence never counts here
            nxt += 1
        need_health = phoenix_on is None or support_on is None or sympathy_on is None
        total = on = 0.0
        active = overdue = l1 = l1_late = h80 = h60 = 0
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
    for path, c_ in contacts.items():
        p = c_.person
        ords, taus = c_.touch_ords, c_.touch_taus
        if not ords:
            continue
        first_touch.append(ords[0])
        rich_first = next((x.date.toordinal() for x in c_.weighted if x.touch and x.kind in RICH_CHANNELS), None)
        if rich_first is not None and p.added is not None and rich_first - p.added.toordinal() >= 14:
            icebreaks.append(rich_first)
        bday = next((o for o in ords if _birthday_near(p.birthday, o)), None)
        if bday is not None:
            birthdays.append(bday)
        run_from = ords[0]
        for k, o in enumerate(ords):
            window_events.append((o, path))
            if c_.level_at(o) == 3:
                l3_events.append((o, path))
            if k:
                gap = taus[k] - taus[k - 1]
                if gap >= REVIVAL_YEAR:
                    reconnects.append(o)
                c = c_.cadence_at(o) or NO_CADENCE_DAYS
                if 2 * gap > 3 * c:
                    run_from = o
            span = o - run_from
            long_best = max(long_best, span)
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
        health = c_.health or _Health(p, wl, c_.tl)
        hours = p.history_hours
        months: set[tuple[int, int]] = set()
        f_level, f_title = _friend_level_for(scoring.r6(hours), p.history_months)
        if f_level > 1:
            friend_ups.append((ords[0], path, f_level, f_title))
        for o, group in itertools.groupby((xw for xw in wl if xw.touch), key=lambda xw: xw.date.toordinal()):
            for xw in group:
                hours += xw.hours
                months.add((xw.date.year, xw.date.month))
            new, title = _friend_level_for(scoring.r6(hours), len(months) + p.history_months)
            if new > f_level:
                friend_ups.append((o, path, new, title))
                f_level = new
            lo = bisect.bisect_left(w_ords, o - 364)
            hi = bisect.bisect_right(w_ords, o)
            n_dir = directed[hi] - directed[lo]
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


# -- what a new log line earned -------------------------------------------------------


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
