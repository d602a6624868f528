"""Dated settings (closeness and archiving over time) and effective days (pauses). Pure.

Dates are handled as ordinals (``date.toordinal()``); "effective" days leave out paused
days (the vault's ``pauses`` plus the person's own ``paused``) through :class:`_Timeline`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..model import Entry, Person, chronological
from ..settings import Settings

# -- dated settings -----------------------------------------------------------------------


_FAR_PAST = -(10**9)
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


# -- effective days -----------------------------------------------------------------------


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
