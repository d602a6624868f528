"""What every import source yields: one :class:`Record` per contact, never a file write.

A source module (``vaultcrm/importers/<source>.py``) turns an export into records and
:class:`Skipped` notices; matching, merging and writing are :mod:`vaultcrm.importers.merge`'s
job. Records keep values as the export had them (phones as written, emails as written): the
merge step normalises for comparison only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import VaultCRMError


@dataclass(frozen=True)
class Interaction:
    """A dated touch found in an export (a LinkedIn message, say)."""

    date: dt.date
    type: str  # an interaction type of DESIGN.md: message, call, meeting …
    text: str = ""
    time: str | None = None  # "HH:MM"
    direction: str | None = None  # "in" (they wrote) | "out" (you wrote)
    via: str | None = None  # "linkedin", "facebook" …


@dataclass
class Record:
    """One contact (or one organisation) from one place in one export file.

    ``locator`` is the provenance string written to the person's ``sources:`` list:
    ``<source>/<file name>#<where>``, e.g. ``linkedin/Connections.csv#row=20``,
    ``vcard/contacts.vcf#card=3``, ``facebook/your_friends.json#friends_v2[0]``,
    ``twitter/following.js#accountId=123``, ``obsidian/Klaus.md#file``.
    """

    source: str
    locator: str
    name: str | None = None  # the display name, "Given Middle Family" or as the export has it
    given: str | None = None
    middle: str | None = None
    family: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    nickname: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)  # {"linkedin": "klausbreyer", "twitter": "kb"}
    urls: list[str] = field(default_factory=list)
    company: str | None = None
    role: str | None = None
    location: str | None = None
    addresses: list[str] = field(default_factory=list)
    birthday: str | None = None  # "1980-04-15" or "--04-15"
    met: dt.date | None = None  # connected on / friends since
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    photo: bytes | None = None
    photo_type: str | None = None  # "jpeg", "png"
    interactions: list[Interaction] = field(default_factory=list)
    is_org: bool = False  # an organisation alone: a note in orgs/
    extra: dict[str, Any] = field(default_factory=dict)  # other fields, kept under their own keys

    def has_identity(self) -> bool:
        """A name, an email or a profile: anything less is skipped and reported."""
        return bool(
            (self.name and self.name.strip())
            or self.given
            or self.family
            or self.emails
            or self.handles
            or self.urls
            or (self.is_org and self.company)
        )


@dataclass(frozen=True)
class Skipped:
    """A record that was not imported, and why (shown in the plan and the report)."""

    locator: str
    reason: str
    line: int | None = None  # the 1-based line in the file, when known


class ImportFormatError(VaultCRMError):
    """The file is not what the source expects (truncated, wrong format, unreadable).

    A :class:`VaultCRMError`, so the CLI shows it as one ``Error: file:line: reason`` line.
    """

    def __init__(self, filename: str, message: str, line: int | None = None) -> None:
        super().__init__(message, path=filename, line=line)
        self.filename = filename


class Source(Protocol):
    """An import source: recognises its files and reads them into records."""

    name: str  # "linkedin", "google", …: the SOURCE argument and the prefix of locators

    def sniff(self, filename: str, head: bytes) -> bool:
        """True when this file (its base name and its first 64 KiB) is this source's."""
        ...

    def read(self, filename: str, data: bytes) -> Iterator[Record | Skipped]:
        """Every record of the file, in file order. Never writes anything."""
        ...
