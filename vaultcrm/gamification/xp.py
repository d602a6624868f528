"""XP per entry and per day (SCORING.md §3.5): the formulas and the "why" items. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from .. import scoring

# -- constants (SCORING.md §3.5) ----------------------------------------------------------


BASE_XP = 30.0
INITIATIVE = {"out": 1.0, "mutual": 0.8, "in": 0.6}
NO_CADENCE_DAYS = 90  # c := 90 for XP (and continuity) when a contact has no cadence
REVIVAL_YEAR = 365
FLAT_XP = {"social": 3.0, "like": 1.0, "note": 2.0}  # non-touch entries
SOCIAL_CAP = 10.0  # social + like, per day
NOTE_CAP = 10.0  # notes and unreached attempts, per day


# -- small pure formulas ------------------------------------------------------------------


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


# -- what produced XP ---------------------------------------------------------------------


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
