"""User levels from XP (SCORING.md §3.5) and friend ("bond") levels (§3.6). Pure."""

from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

from .. import scoring

# -- user levels --------------------------------------------------------------------------


def xp_for_level(level: int) -> int:
    """Total XP needed to reach user ``level``: 50·(L−1)²."""
    return 50 * (max(1, level) - 1) ** 2


def user_level(xp: int | float) -> int:
    """1 + ⌊√(XP/50)⌋, computed exactly on integers."""
    return 1 + math.isqrt(max(0, int(xp)) // 50)


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


# -- friend levels ------------------------------------------------------------------------


class FriendStatus(NamedTuple):
    path: str
    name: str
    level: int
    title: str
    stars: int
    hours: float
    months: int
    since: dt.date | None  # when this level was reached (None: declared history only)


def _friend_level_for(hours: float, months: int) -> tuple[int, str]:
    level, title = 1, scoring.FRIEND_LEVELS[0][1]
    for lv, name, need_h, need_m in scoring.FRIEND_LEVELS:
        if hours >= need_h and months >= need_m:
            level, title = lv, name
    return level, title
