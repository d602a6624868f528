"""The plugin hooks: what a vaultcrm plugin can add, as typed pluggy hook specifications.

A plugin is a module (or any object) with functions named like the hooks below, marked
with :data:`hookimpl`::

    from vaultcrm.hooks import hookimpl

    @hookimpl
    def vaultcrm_interaction_types():
        return [InteractionType("toot", weight=0.1, touch=False)]

Plugins implement only the hooks they need. The "register" hooks return lists; the
plugin manager (:mod:`vaultcrm.plugins`) collects them one plugin at a time, so that a
plugin that raises is reported by name and the others still count, and resolves name
clashes the same way on every machine: built-ins win, then plugins in alphabetical order
of their names; every clash is reported in one warning line naming both.

This module stays light (pluggy and dataclasses only): it is imported by every plugin at
start-up. docs/plugins.md documents every hook (a test checks it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from .core import Vault
    from .events import Interaction
    from .importers.record import Source
    from .logline import LogLine
    from .model import Person
    from .settings import Settings

PROJECT = "vaultcrm"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------
# What the register hooks return


@dataclass(frozen=True)
class InteractionType:
    """A new interaction type word: ``kind`` is the word (``toot``), ``aliases`` more words.

    ``weight`` (0–1) is how much the touch counts towards health and XP (meet is 1.0,
    message 0.3); ``touch`` says whether it counts as keeping in touch at all (a ``like``
    does not). A vault's ``vaultcrm.yaml`` ``types:`` can still tune a plugin's type.
    """

    kind: str
    weight: float = 0.3
    aliases: tuple[str, ...] = ()
    touch: bool = True
    rich: bool = False  # a real conversation (meet, video, call): counts for the rich-channel rules
    minutes: int | None = None  # default duration, for bond hours
    hours: float = 0.1  # bond hours per entry when no duration is given


@dataclass(frozen=True)
class History:
    """What a plugin badge sees: the replayed history of the vault as of ``today``.

    ``interactions`` are de-duplicated events (one per real-world event), oldest first,
    none after ``today``; each has ``date``, ``type``, ``kind``, ``text``, ``direction``,
    ``reached``, ``participants`` (person paths) and ``entry`` (the parsed line).
    """

    today: dt.date
    interactions: tuple[Interaction, ...]
    people: Mapping[str, Person]  # person path → person
    settings: Settings
    root: Path | None = None  # the vault folder, for badges over other files (deals/)

    def touches(self) -> list[Interaction]:
        """The interactions that count as keeping in touch (and reached the person)."""
        types = self.settings.types
        return [it for it in self.interactions if it.kind in types and types[it.kind].touch and it.reached]


@dataclass(frozen=True)
class Badge:
    """A plugin badge: ``progress(history)`` returns the dates on which progress was made.

    ``tiers`` are ``(tier, threshold)`` pairs such as ``(("bronze", 1), ("silver", 5))``: a
    tier is earned on the date of the ``threshold``-th progress date. The function must be
    pure (same history → same dates): the badge list is the same on every machine that has
    the plugin. Plugin badges show in ``badges``, ``log`` and the review but give no XP,
    so that XP stays the same whether or not a plugin is installed.
    """

    id: str
    name: str
    tiers: tuple[tuple[str, int], ...]
    progress: Callable[[History], Iterable[dt.date]]
    description: str = ""


@dataclass(frozen=True)
class ReviewSection:
    """A section of the weekly review: ``## {title}`` and the rendered ``template``.

    ``template`` is a Jinja2 fragment (sandboxed, like the review template) rendered with
    ``context(vault, monday)`` plus ``week``, ``monday``, ``sunday`` and ``today``. Sections
    come after the built-in ones, inside the generated part of the note (ticks are kept).
    """

    title: str
    template: str
    context: Callable[[Vault, dt.date], Mapping[str, Any]] = field(default=lambda v, monday: {})


# ---------------------------------------------------------------------------
# The hooks


@hookspec
def vaultcrm_commands(cli: click.Group) -> None:
    """Add click commands: ``@cli.command()`` on the group you are given.

    The group collects your commands; a command whose name a built-in command or an
    earlier plugin already uses is skipped with a warning. Keep the module's top level
    light and import heavy libraries inside the command: every command (and ``--help``)
    loads plugins first.
    """


@hookspec
def vaultcrm_importers() -> Sequence[Source]:
    """Return import sources (objects with ``name``, ``sniff(filename, head)`` and
    ``read(filename, data)``, see :class:`vaultcrm.importers.record.Source`).

    ``vaultcrm import`` finds them by name or by sniffing the file; the built-in sources
    are registered through this same hook. A name already taken is skipped with a warning.
    """
    return []


@hookspec
def vaultcrm_interaction_types() -> Sequence[InteractionType]:
    """Return new interaction types (:class:`InteractionType`), merged into the vault's
    type table: built-in kinds and aliases win, ``vaultcrm.yaml`` can tune a plugin's type."""
    return []


@hookspec
def vaultcrm_badges() -> Sequence[Badge]:
    """Return badges (:class:`Badge`): an id, a name, tiers and a pure function over the
    replayed :class:`History` returning the dates on which progress was made."""
    return []


@hookspec
def vaultcrm_review_sections() -> Sequence[ReviewSection]:
    """Return weekly-review sections (:class:`ReviewSection`): a title, a Jinja2 fragment and
    a context function; they are rendered after the built-in sections."""
    return []


@hookspec
def vaultcrm_after_log(vault: Vault, person: Person, entry: LogLine) -> None:
    """React after ``vaultcrm log`` wrote an interaction: ``entry`` is the parsed line
    (``date``, ``type``, ``text``, ``fields``). Print to stderr (``click.echo(..., err=True)``)
    so that ``--json`` output stays valid; write files only through ``vault``'s methods."""
