"""The interaction-line grammar (DESIGN.md), parsed and formatted.

    - YYYY-MM-DD[ HH:MM] TYPE: free text [key:: value]…

plus the reserved setting-change lines written by ``vaultcrm set``
(``- 2026-11-23 closeness: 3 → 2``) and ``vaultcrm archive`` (``- 2026-11-23 archived``),
Obsidian Tasks items (``- [ ] text 📅 2026-12-01``), ``[[links]]``, ``#tags`` and
Dataview inline fields (``[key:: value]`` and ``(key:: value)``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

RESERVED_KEYS = ("closeness", "stage", "tier", "circle")
RESERVED_WORDS = ("archived", "unarchived")

_ITEM = re.compile(r"^[ \t]{0,3}[-*+][ \t]+(?P<rest>.*?)[ \t]*$")
_DATED = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[ \t]+(?P<time>\d{1,2}:\d{2}))?(?:[ \t]+(?P<rest>.*))?$")
_TYPED = re.compile(r"^(?P<type>[^\W\d_][\w-]*)[ \t]*:(?:[ \t]+(?P<text>.*)|$)")
_RESERVED = re.compile(
    r"^(?P<key>closeness|stage|tier|circle)[ \t]*:[ \t]*(?P<old>.*?)[ \t]*(?:→|->)[ \t]*(?P<new>.*?)[ \t]*$",
    re.IGNORECASE,
)
_ARCHIVED = re.compile(r"^(?P<word>archived|unarchived)\b[ \t]*:?[ \t]*(?P<text>.*)$", re.IGNORECASE)
_LINK = re.compile(r"!?\[\[([^\[\]|#^]*)(?:#[^\[\]|]*)?(?:\|[^\[\]]*)?\]\]")
_TAG = re.compile(r"(?<![\w/#&\]\[])#([^\s#\[\](){},;:!?\"'`.]*[^\W\d][^\s#\[\](){},;:!?\"'`.]*)")
_TASK = re.compile(r"^[ \t]*[-*+][ \t]+\[(?P<status>.)\][ \t]+(?P<text>.*?)[ \t]*$")
_EMOJI_DATE = re.compile(r"(📅|✅|⏳|🛫|➕|❌)\uFE0F?[ \t]*(\d{4}-\d{2}-\d{2})")
_FIRST_WORD = re.compile(r"^(?P<type>[^\W\d_][\w-]*)(?:[ \t]*:)?(?:[ \t]+(?P<text>.*)|$)")
_EMOJI_NAMES = {
    "📅": "due",
    "✅": "done",
    "⏳": "scheduled",
    "🛫": "start",
    "➕": "created",
    "❌": "cancelled",
}


class LogLine(NamedTuple):
    """One dated list item: an interaction, or a reserved setting change."""

    date: dt.date
    time: str | None
    type: str  # as written (an interaction type word), or the reserved key / word
    text: str
    fields: dict[str, str] = {}  # noqa: RUF012 - never mutated
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    reserved: bool = False
    old: str | None = None  # reserved changes only
    new: str | None = None
    plain: str = ""  # the text without inline fields
    with_: tuple[str, ...] = ()  # [[links]] in [with:: …]


class LineError(ValueError):
    """A line that looks like a log entry but is malformed."""


def link_target(raw: str) -> str:
    """``people/Klaus Breyer.md`` → ``Klaus Breyer``."""
    name = raw.strip().rsplit("/", 1)[-1]
    if name.lower().endswith(".md"):
        name = name[:-3]
    return name.strip()


def links(text: str) -> tuple[str, ...]:
    """The ``[[link]]`` targets in ``text``, in order, without duplicates."""
    if "[[" not in text:
        return ()
    seen: dict[str, None] = {}
    for m in _LINK.finditer(text):
        target = link_target(m.group(1))
        if target:
            seen.setdefault(target, None)
    return tuple(seen)


_FIELD = re.compile(
    r"(?<!\[)\[(?!\[)[ \t]*([^\W\d_]?[\w][\w -]*?)[ \t]*::[ \t]*((?:\[\[[^\[\]]*\]\]|[^\[\]])*?)[ \t]*\]"
    r"|\([ \t]*([^\W\d_]?[\w][\w -]*?)[ \t]*::[ \t]*((?:\[\[[^\[\]]*\]\]|[^()])*?)[ \t]*\)"
)


def inline_fields(text: str) -> tuple[dict[str, str], str]:
    """Dataview ``[key:: value]`` / ``(key:: value)`` fields, and the text without them.

    Values may hold ``[[links]]``: ``[with:: [[A]], [[B]]]``. Later keys win;
    keys are lower-cased, spaces in keys become ``-``.
    """
    if "::" not in text:
        return {}, text.strip()
    out: dict[str, str] = {}
    for m in _FIELD.finditer(text):
        key = m.group(1) if m.group(1) is not None else m.group(3)
        value = m.group(2) if m.group(1) is not None else m.group(4)
        out[key.strip().lower().replace(" ", "-")] = value.strip()
    rest = _FIELD.sub("", text)
    return out, _SPACES.sub(" ", rest).strip()


_SPACES = re.compile(r"[ \t]{2,}")


def tags(text: str) -> tuple[str, ...]:
    """``#tags`` in ``text`` (outside links), lower-cased, without duplicates."""
    if "#" not in text:
        return ()
    clean = _LINK.sub(" ", text) if "[[" in text else text
    seen: dict[str, None] = {}
    for m in _TAG.finditer(clean):
        seen.setdefault(m.group(1).lower(), None)
    return tuple(seen)


def parse_date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise LineError(f"'{s}' is not a valid date") from None


_DATED_LINE = re.compile(r"^[ \t]{0,3}[-*+][ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+(\d{1,2}:\d{2}))?(?:[ \t]+(.*?))?[ \t]*$")


# The common case in one pass: a dated item with a (non-reserved) type word. Whatever this
# does not match goes through the general path below, which gives the same answer for every
# line this does match (tests/test_logline_fast.py checks that on generated lines).
_TYPED_LINE = re.compile(
    r"^[ \t]{0,3}[-*+][ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+(\d{1,2}:\d{2}))?[ \t]+"
    r"([^\W\d_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$"
)
_RESERVED_TYPES = frozenset(RESERVED_KEYS + RESERVED_WORDS)


def parse(line: str) -> LogLine | None:
    """Parse one line; ``None`` when it is not a dated list item at all.

    Raises :class:`LineError` for a dated item that breaks the grammar (a bad
    date or time, no ``TYPE:``). ``links`` are the [[links]] of the text outside
    inline fields; ``with_`` those inside ``[with:: …]``.
    """
    line = line.rstrip("\r\n")
    m = _TYPED_LINE.match(line)
    if m is not None:
        date_s, time, type_, text = m.groups()
        if type_.lower() not in _RESERVED_TYPES:
            date = parse_date(date_s)
            if time is not None:
                hh, mm = time.split(":")
                if int(hh) > 23 or int(mm) > 59:
                    raise LineError(f"'{time}' is not a valid time")
                time = f"{int(hh):02d}:{mm}"
            if text is None:
                text = ""
            if "::" in text:
                fields, plain = inline_fields(text)
                with_links = links(fields["with"]) if "with" in fields else ()
            else:
                fields, plain, with_links = {}, text.strip(), ()
            return LogLine(
                date, time, type_, text, fields, links(plain), tags(plain), False, None, None, plain, with_links
            )
    return _parse_general(line)


def _parse_general(line: str) -> LogLine | None:
    d = _DATED_LINE.match(line)
    if not d:
        return None
    date = parse_date(d.group(1))
    time = d.group(2)
    if time is not None:
        hh, mm = time.split(":")
        if int(hh) > 23 or int(mm) > 59:
            raise LineError(f"'{time}' is not a valid time")
        time = f"{int(hh):02d}:{mm}"
    body = d.group(3) or ""
    t = _TYPED.match(body)
    if t is None or t.group("type").lower() in RESERVED_KEYS or t.group("type").lower() in RESERVED_WORDS:
        r = _RESERVED.match(body)
        if r:
            return LogLine(
                date, time, r.group("key").lower(), body, reserved=True, old=r.group("old"), new=r.group("new")
            )
        a = _ARCHIVED.match(body)
        if a:
            return LogLine(date, time, a.group("word").lower(), a.group("text"), reserved=True)
    if not t:
        raise LineError("expected 'TYPE: text' after the date (for example '2026-11-20 call: …')")
    text = t.group("text") or ""
    fields, plain = inline_fields(text)
    with_links = links(fields["with"]) if "with" in fields else ()
    return LogLine(date, time, t.group("type"), text, fields, links(plain), tags(plain), plain=plain, with_=with_links)


def parse_loose(text: str) -> tuple[str, str] | None:
    """A daily-note item's leading word and the rest: ``coffee with [[K]]`` → (coffee, …)."""
    m = _FIRST_WORD.match(text)
    if not m:
        return None
    return m.group("type"), m.group("text") or ""


def list_item(line: str) -> str | None:
    """The text of a list item (without the bullet), or None."""
    m = _ITEM.match(line.rstrip("\r\n"))
    return m.group("rest") if m else None


class TaskLine(NamedTuple):
    status: str  # the character between the brackets
    text: str
    dates: dict[str, dt.date]

    @property
    def done(self) -> bool:
        return self.status in ("x", "X")

    @property
    def open(self) -> bool:
        return self.status in (" ", "/")


def parse_task(line: str) -> TaskLine | None:
    m = _TASK.match(line.rstrip("\r\n"))
    if not m:
        return None
    text = m.group("text")
    dates: dict[str, dt.date] = {}
    for em in _EMOJI_DATE.finditer(text):
        try:
            dates[_EMOJI_NAMES[em.group(1)]] = dt.date.fromisoformat(em.group(2))
        except ValueError:
            continue
    return TaskLine(m.group("status"), text, dates)


def task_description(text: str) -> str:
    """A task's text without its emoji dates and other Tasks signifiers."""
    out = _EMOJI_DATE.sub("", text)
    out = re.sub(r"[🔺⏫🔼🔽⏬]\uFE0F?|🔁\uFE0F?[^📅✅⏳🛫➕❌]*", "", out)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def readable(text: str) -> str:
    """Text with ``[[Target|Alias]]`` shown as ``Alias`` and ``[[Target]]`` as ``Target``."""
    if "[[" not in text:
        return text
    return _SHOWN_LINK.sub(lambda m: m.group(2) or link_target(m.group(1)), text)


_SHOWN_LINK = re.compile(r"!?\[\[([^\[\]|#^]*)(?:#[^\[\]|]*)?(?:\|([^\[\]]*))?\]\]")


def format_line(
    date: dt.date,
    type_: str,
    text: str = "",
    fields: dict[str, str] | None = None,
    time: str | None = None,
) -> str:
    """Format an interaction line: ``- 2026-11-24 call: text [dir:: out]``."""
    parts = [f"- {date.isoformat()}"]
    if time:
        parts.append(f" {time}")
    parts.append(f" {type_}:")
    body = " ".join(text.split())
    for key, value in (fields or {}).items():
        body = f"{body} [{key}:: {value}]" if body else f"[{key}:: {value}]"
    if body:
        parts.append(f" {body}")
    return "".join(parts)


def format_change(date: dt.date, key: str, old: object, new: object) -> str:
    """``- 2026-11-23 closeness: 3 → 2``; ``old`` None is written as ``none``."""
    return f"- {date.isoformat()} {key}: {_plain(old)} → {_plain(new)}"


def _plain(value: object) -> str:
    return "none" if value is None or value == "" else str(value)


def normalise_text(text: str, *, plain: bool = False) -> str:
    """For event identity: lower case; links, tags, fields and punctuation removed.

    ``plain``: the text has no inline fields already.
    """
    rest = text if plain else inline_fields(text)[1]
    if "[[" in rest:
        rest = _LINK.sub(" ", rest)
    if "#" in rest:
        rest = _TAG.sub(" ", rest)
    rest = _PUNCT.sub(" ", rest.lower())
    # "with [[A]] and [[B]]" says nothing once the links are gone
    return " ".join(w for w in rest.split() if w not in _FILLER)


_FILLER = frozenset({"with", "and"})
_PUNCT = re.compile(r"[^\w\s]")
