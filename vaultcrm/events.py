"""From log entries to interactions: who took part, which kind, one event one count.

Pure: takes entries, the vault settings and a name lookup; DESIGN.md
"Who took part" and "One event, one count".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import NamedTuple

from .model import Entry
from .settings import Settings


class Interaction(NamedTuple):
    entry: Entry
    kind: str
    participants: tuple[str, ...]  # person file paths, sorted
    sources: tuple[tuple[str, int], ...] = ()  # every (path, line) that logged this event

    @property
    def date(self) -> dt.date:
        return self.entry.date

    @property
    def type(self) -> str:
        return self.entry.type

    @property
    def text(self) -> str:
        return self.entry.text

    @property
    def direction(self) -> str:
        return self.entry.direction

    @property
    def reached(self) -> bool:
        return self.entry.reached


Lookup = Callable[[str], str | None]


def participants(entry: Entry, kind: str, lookup: Lookup) -> tuple[str, ...]:
    """Person paths that took part in ``entry`` (DESIGN.md "Who took part")."""
    people: set[str] = set()
    if entry.owner:
        people.add(entry.owner)
    for name in entry.with_:
        p = lookup(name)
        if p:
            people.add(p)
    if entry.source != "log" or kind == "intro":
        for name in entry.links:
            p = lookup(name)
            if p:
                people.add(p)
    return tuple(sorted(people))


def resolve(entries: Iterable[Entry], settings: Settings, lookup: Lookup) -> list[Interaction]:
    """Interactions with known types and at least one person, de-duplicated, in canonical order."""
    found: list[Interaction] = []
    for e in entries:
        if e.reserved:
            continue
        kind = settings.kind_of(e.type)
        if kind is None:
            continue
        who = participants(e, kind, lookup)
        if not who:
            continue
        found.append(Interaction(e, kind, who, ((e.path, e.line),)))
    return dedupe(found)


def dedupe(items: list[Interaction]) -> list[Interaction]:
    """Merge entries that are the same event; keep the most detailed text."""
    groups: dict[tuple[dt.date, str, tuple[str, ...]], list[tuple[str, Interaction]]] = {}
    for it in items:
        key = (it.date, it.kind, it.participants)
        norm = it.entry.norm
        bucket = groups.setdefault(key, [])
        for i, (other_norm, other) in enumerate(bucket):
            if norm == other_norm or not norm or not other_norm:
                keep = it if len(norm) > len(other_norm) else other
                bucket[i] = (
                    norm if keep is it else other_norm,
                    Interaction(keep.entry, keep.kind, keep.participants, other.sources + it.sources),
                )
                break
        else:
            bucket.append((norm, it))
    out = [it for bucket in groups.values() for _, it in bucket]
    out.sort(
        key=lambda it: (
            it.entry.date,
            it.participants,
            it.kind,
            it.entry.direction,
            it.entry.norm,
            it.entry.path,
            it.entry.line,
        )
    )
    return out
