"""XP, user levels, weekly streaks, consistency and badges (SCORING.md §3.5, §3.7, §3.8). Pure.

One entry point, :func:`replay`, walks the vault's interactions up to ``today`` once and
returns a frozen :class:`GameReport`; :func:`diff` says what a new log line earned
("+19 XP · Congratulations, you are now a level 5 friend of Klaus! · Badge: Connector").

Everything here is a function of (people, interactions, dated setting changes, settings,
``today``): no clock, no I/O, no randomness. Entries dated after ``today`` earn nothing.
Dates are handled as ordinals (``date.toordinal()``); "effective" days leave out paused
days (the vault's ``pauses`` plus the person's own ``paused``) through :class:`_Timeline`.

The package by concept: :mod:`.xp` (XP per entry and day), :mod:`.levels` (user and
friend levels), :mod:`.timeline` (dated settings, paused days), :mod:`.streaks` (weekly and
on-time streaks, continuity, consistency), :mod:`.badges` (the 24 badges) and :mod:`.replay`
(the replay, its report and :func:`diff`). Every name is re-exported here.
"""

from __future__ import annotations

from .badges import (
    BADGES,
    FIVE_YEARS,
    RICH_CHANNELS,
    TIER_XP,
    TIERS,
    Badge,
    BadgeDef,
    BadgeTier,
    Unlock,
)
from .badges import (
    _birthday_near as _birthday_near,
)
from .badges import (
    _nth as _nth,
)
from .badges import (
    _window as _window,
)
from .levels import (
    FriendStatus,
    LevelInfo,
    level_info,
    user_level,
    xp_for_level,
)
from .levels import (
    _friend_level_for as _friend_level_for,
)
from .replay import (
    _ARROW as _ARROW,
)
from .replay import (
    BadgeUp,
    FriendUp,
    Gain,
    GameReport,
    diff,
    replay,
)
from .replay import (
    _Contact as _Contact,
)
from .replay import (
    _Health as _Health,
)
from .replay import (
    _stem as _stem,
)
from .streaks import (
    ALPHA,
    FREEZE_EVERY,
    FREEZE_MAX,
    FREEZE_START,
    MILESTONES,
    ON_TIME_BONUS,
    ON_TIME_MIN_WEIGHT,
    ON_TIME_SHARE,
    PAUSED_WEEK_DAYS,
    REPAIR_GAP,
    WEEK_BONUS,
    Continuity,
    Streak,
    WeekState,
    consistency_of,
    continuity_of,
)
from .streaks import (
    _label as _label,
)
from .streaks import (
    _OnTime as _OnTime,
)
from .streaks import (
    _touch_streak as _touch_streak,
)
from .streaks import (
    _Week as _Week,
)
from .streaks import (
    _ws as _ws,
)
from .timeline import (
    _FAR_PAST as _FAR_PAST,
)
from .timeline import (
    Changes,
    archived_on,
    cadence_on,
    closeness_on,
)
from .timeline import (
    _archived_steps as _archived_steps,
)
from .timeline import (
    _cadence_for as _cadence_for,
)
from .timeline import (
    _closeness_steps as _closeness_steps,
)
from .timeline import (
    _group_changes as _group_changes,
)
from .timeline import (
    _level as _level,
)
from .timeline import (
    _Steps as _Steps,
)
from .timeline import (
    _Timeline as _Timeline,
)
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
    soft_cap,
    touch_xp,
)

__all__ = [
    "ALPHA",
    "BADGES",
    "BASE_XP",
    "Badge",
    "BadgeDef",
    "BadgeTier",
    "BadgeUp",
    "Changes",
    "Continuity",
    "DayXP",
    "FIVE_YEARS",
    "FLAT_XP",
    "FREEZE_EVERY",
    "FREEZE_MAX",
    "FREEZE_START",
    "FriendStatus",
    "FriendUp",
    "Gain",
    "GameReport",
    "INITIATIVE",
    "LevelInfo",
    "MILESTONES",
    "NOTE_CAP",
    "NO_CADENCE_DAYS",
    "ON_TIME_BONUS",
    "ON_TIME_MIN_WEIGHT",
    "ON_TIME_SHARE",
    "PAUSED_WEEK_DAYS",
    "REPAIR_GAP",
    "REVIVAL_YEAR",
    "RICH_CHANNELS",
    "SOCIAL_CAP",
    "Streak",
    "TIERS",
    "TIER_XP",
    "Unlock",
    "WEEK_BONUS",
    "WeekState",
    "XPItem",
    "archived_on",
    "cadence_on",
    "closeness_on",
    "consistency_of",
    "continuity_of",
    "day_xp",
    "diff",
    "freshness",
    "group_factor",
    "level_info",
    "replay",
    "revival",
    "soft_cap",
    "touch_xp",
    "user_level",
    "xp_for_level",
]
