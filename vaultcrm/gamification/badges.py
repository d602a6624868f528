"""The 24 badges and their tiers (SCORING.md §3.8), and the helpers that date them. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import cadence

# -- constants ----------------------------------------------------------------------------


TIER_XP = {"bronze": 50, "silver": 150, "gold": 400}
TIERS = ("bronze", "silver", "gold")
FIVE_YEARS = 1826  # days (5 × 365.25, rounded up)
RICH_CHANNELS = ("meet", "video", "call")


# -- results ------------------------------------------------------------------------------


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


class Unlock(NamedTuple):
    date: dt.date
    kind: str  # badge | friend_level | level
    id: str  # badge id, person path, or "level"
    name: str  # badge name, person name, or ""
    value: str  # tier, or the level reached
    text: str


# -- badge definitions (§3.8) -------------------------------------------------------------


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


# -- helpers for the badge replay ---------------------------------------------------------


def _nth(dates: list[int], n: int) -> int | None:
    """The date on which a count of sorted event dates reaches ``n``."""
    return dates[n - 1] if len(dates) >= n else None


def _window(events_: list[tuple[int, str]], days: int, need: int) -> tuple[int | None, int]:
    """First date with ≥ ``need`` distinct people touched within ``days`` days, and the best count.

    Evaluated on the event dates (sorted ``events_``): on day d the window holds the events
    dated d − days < e ≤ d. Each person's events cover the days [e, e + days − 1]; their
    merged spans go into a difference array, so the count on any day is a prefix sum.
    """
    if not events_:
        return None, 0
    first, last = events_[0][0], events_[-1][0]
    by_who: dict[str, list[int]] = {}
    for o, who in events_:
        by_who.setdefault(who, []).append(o)
    diff = [0] * (last - first + 2)
    for ords in by_who.values():
        start = ords[0]
        end = start + days - 1
        for o in ords:
            if o <= end + 1:
                end = o + days - 1
            else:
                diff[start - first] += 1
                diff[min(end, last) - first + 1] -= 1
                start, end = o, o + days - 1
        diff[start - first] += 1
        diff[min(end, last) - first + 1] -= 1
    best = 0
    found: int | None = None
    at = first  # ``count`` is diff summed up to and including day ``at``
    count = diff[0]
    prev_day: int | None = None
    for day, _ in events_:
        if day == prev_day:
            continue
        prev_day = day
        while at < day:
            at += 1
            count += diff[at - first]
        if count > best:
            best = count
        if found is None and count >= need:
            found = day
    return found, best


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


def _first_near_birthday(birthday: str | None, ords: list[int]) -> int | None:
    """The first of ``ords`` within a day of the birthday: :func:`_birthday_near` for each,
    with the birthday parsed once and its date per year computed once."""
    if not birthday:
        return None
    parts = cadence.birthday_parts(birthday)
    if parts is None:
        return None
    _, month, day = parts
    on: dict[int, int | None] = {}  # year → ordinal of the birthday (None: not a date)
    for o in ords:
        year = dt.date.fromordinal(o).year
        for y in (year - 1, year, year + 1):
            if y not in on:
                try:
                    on[y] = cadence.birthday_in(y, month, day).toordinal()
                except ValueError:
                    on[y] = None
            when = on[y]
            if when is None:
                break  # as _birthday_near: a date that does not exist ends the search for o
            if abs(when - o) <= 1:
                return o
    return None
