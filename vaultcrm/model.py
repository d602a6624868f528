"""Records parsed from a vault's text: people, log entries, tasks, diagnostics.

:func:`parse_file` is pure (text in, records out). What depends on the vault's
settings (which words are interaction types, which circles exist) is resolved
later, when records are used, so the cached index never goes stale when
``vaultcrm.yaml`` changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import document, logline
from .settings import Folders, parse_bool, parse_duration

DATE_STEM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEK_STEM = re.compile(r"^(\d{4})-W(\d{2})$")
_TASK_START = re.compile(r"[-*+][ \t]+\[.\][ \t]")
BIRTHDAY = re.compile(r"^(?:(\d{4})|-)-(\d{2})-(\d{2})$")


class Diagnostic(NamedTuple):
    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error": the file was skipped; "warning": a field was ignored
    code: str = "invalid"

    def __str__(self) -> str:
        loc = f"{self.path}:{self.line}" if self.line else self.path
        return f"{loc}: {self.message}"


class Knows(NamedTuple):
    who: str  # link target (a name)
    closeness: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Person:
    path: str
    name: str
    aliases: tuple[str, ...] = ()
    closeness: int | None = None
    circle: str | None = None
    stage: str | None = None
    tier: str | None = None
    cadence: int | None = None  # days, from the file's `cadence:` (None: default by closeness)
    cadence_none: bool = False  # `cadence: none` was written
    kin: bool = False
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: dict[str, str] = field(default_factory=dict)
    company: str | None = None
    role: str | None = None
    location: str | None = None
    birthday: str | None = None  # YYYY-MM-DD or --MM-DD
    tags: tuple[str, ...] = ()
    knows: tuple[Knows, ...] = ()
    introduced_by: str | None = None
    snooze_until: dt.date | None = None
    paused: tuple[tuple[dt.date, dt.date], ...] = ()
    added: dt.date | None = None
    met: dt.date | None = None
    history_hours: float = 0.0
    history_months: int = 0
    meta: dict[str, Any] = field(default_factory=dict)  # the whole frontmatter, JSON-safe

    @property
    def stem(self) -> str:
        return self.path.rsplit("/", 1)[-1][:-3]

    def all_names(self) -> tuple[str, ...]:
        names = [self.name]
        if self.stem != self.name:
            names.append(self.stem)
        names.extend(a for a in self.aliases if a not in names)
        return tuple(names)

    def to_json(self) -> dict[str, Any]:
        data = {f: getattr(self, f) for f in _PERSON_FIELDS}
        for key in ("snooze_until", "added", "met"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["paused"] = [[a.isoformat(), b.isoformat()] for a, b in self.paused]
        data["knows"] = [[k.who, k.closeness, k.note] for k in self.knows]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Person:
        d = dict(data)
        for key in ("snooze_until", "added", "met"):
            if d.get(key):
                d[key] = dt.date.fromisoformat(d[key])
        d["paused"] = tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in d.get("paused", ()))
        d["knows"] = tuple(Knows(*k) for k in d.get("knows", ()))
        for key in ("aliases", "emails", "phones", "tags"):
            d[key] = tuple(d.get(key, ()))
        return cls(**d)


_PERSON_FIELDS = tuple(Person.__dataclass_fields__)


class Entry(NamedTuple):
    """A dated line: an interaction (``reserved`` False) or a setting change.

    A NamedTuple rather than a dataclass: a vault of 10k people holds 100k of
    these and they are built on every command.
    """

    path: str
    line: int
    source: str  # "log" (a person's ## Log), "daily" (a date-named note) or "task"
    date: dt.date
    type: str  # the word as written; or the reserved key/word
    text: str
    time: str | None = None
    fields: dict[str, str] = {}  # noqa: RUF012 - never mutated
    links: tuple[str, ...] = ()  # [[links]] in the text (outside inline fields)
    with_: tuple[str, ...] = ()  # [[links]] in [with:: …]
    tags: tuple[str, ...] = ()
    owner: str | None = None  # the person file this entry lives in
    reserved: bool = False
    old: str | None = None
    new: str | None = None
    norm: str = ""  # the text normalised for event identity (logline.normalise_text)

    @property
    def direction(self) -> str:
        value = self.fields.get("dir", "").strip().lower() if self.fields else ""
        if value in ("in", "←", "<-"):
            return "in"
        if value in ("out", "→", "->"):
            return "out"
        return "mutual"

    @property
    def reached(self) -> bool:
        if not self.fields:
            return True
        return self.fields.get("reached", "").strip().lower() not in ("no", "false", "off", "0")

    @property
    def minutes(self) -> int | None:
        raw = self.fields.get("min", "").strip() if self.fields else ""
        try:
            value = float(raw)
        except ValueError:
            return None
        return int(value) if value > 0 else None


def chronological(entries: list[Entry]) -> list[Entry]:
    """One file's dated lines, oldest first; lines of the same date in the order they were written.

    Logs run newest first (vaultcrm's default, new lines go on top) or oldest first; the
    file's own order of differently dated lines tells which, and the same-day lines follow it.
    """
    newest_first = True
    by_line = sorted(entries, key=lambda e: e.line)
    for a, b in zip(by_line, by_line[1:], strict=False):
        if a.date != b.date:
            newest_first = a.date > b.date
            break
    return sorted(entries, key=lambda e: (e.date, -e.line if newest_first else e.line))


class Task(NamedTuple):
    path: str
    line: int
    status: str
    text: str
    due: dt.date | None = None
    done: dt.date | None = None
    scheduled: dt.date | None = None
    links: tuple[str, ...] = ()
    owner: str | None = None
    type: str | None = None  # [type:: …]

    @property
    def is_open(self) -> bool:
        return self.status in (" ", "/")

    @property
    def description(self) -> str:
        """The task's text for people to read: no dates, signifiers, fields or link brackets."""
        return logline.readable(logline.task_description(logline.inline_fields(self.text)[1]))


@dataclass
class ParsedFile:
    path: str
    kind: str  # person | daily | review | note
    person: Person | None = None
    frontmatter: dict[str, Any] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    mentions: list[tuple[str, int]] = field(default_factory=list)  # (target, line)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    body: str = ""  # the text after the frontmatter (the index's full-text search reads it)

    @property
    def fatal(self) -> Diagnostic | None:
        return next((d for d in self.diagnostics if d.severity == "error"), None)


def json_safe(value: Any) -> Any:
    if type(value) is str:  # most values: answer before the other checks
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def classify(path: str, folders: Folders) -> str:
    stem = path.rsplit("/", 1)[-1][:-3]
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    if folder == folders.people or folder.startswith(folders.people + "/"):
        return "person"
    if DATE_STEM.match(stem):
        return "daily"
    if WEEK_STEM.match(stem) and (folder == folders.reviews or folder.startswith(folders.reviews + "/")):
        return "review"
    return "note"


def week_monday(stem: str) -> dt.date | None:
    m = WEEK_STEM.match(stem)
    if not m:
        return None
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return None


# ---------------------------------------------------------------------------


def parse_file(path: str, text: str, folders: Folders) -> ParsedFile:
    """Parse one Markdown file's text into records; never raises for bad content."""
    kind = classify(path, folders)
    out = ParsedFile(path, kind)
    conflict = document.conflict_line(text)
    if conflict:
        out.diagnostics.append(
            Diagnostic(
                path,
                conflict,
                "git conflict markers: resolve the conflict, then run vaultcrm again",
                code="conflict",
            )
        )
        return out
    doc = document.split(text)
    if doc.unclosed:
        out.diagnostics.append(Diagnostic(path, 1, "frontmatter starts with '---' but is never closed", code="yaml"))
        return out
    out.body = doc.body
    fm: dict[str, Any] = {}
    header_text = doc.header or ""
    known_lines: dict[str, int] = {}

    def key_line(key: str) -> int | None:
        """The file line of a frontmatter key (parsed again only when a problem needs it)."""
        if not known_lines and header_text.strip():
            from . import yamlio as _y

            known_lines.update({k: v + doc.header_line - 1 for k, v in _y.key_lines(header_text).items()})
        return known_lines.get(key)

    if doc.header is not None and doc.header.strip():
        from . import yamlio

        try:
            data = yamlio.load(doc.header)
        except yamlio.YAMLProblem as exc:
            line = exc.line + doc.header_line - 1 if exc.line else doc.header_line
            out.diagnostics.append(Diagnostic(path, line, exc.reason, code="yaml"))
            return out
        if data is None:
            data = {}
        if not isinstance(data, dict):
            out.diagnostics.append(
                Diagnostic(
                    path,
                    doc.header_line,
                    "frontmatter is not a mapping of keys to values",
                    code="yaml",
                )
            )
            return out
        fm = {str(k): v for k, v in data.items()}
    out.frontmatter = json_safe(fm)

    all_lines = document.lines(text)
    first_body = document.body_start(doc)
    if doc.header and "[[" in doc.header:
        for i in range(1, first_body):
            for target in logline.links(all_lines[i]):
                out.mentions.append((target, i + 1))
    stem = path.rsplit("/", 1)[-1][:-3]

    if kind == "person":
        out.person = _person(path, stem, fm, key_line, out.diagnostics, out.frontmatter)
        log = document.find_section(all_lines, "Log", first_body)
        if log is not None:
            _log_entries(path, all_lines, log, out)

    daily_date = None
    if kind == "daily":
        try:
            daily_date = dt.date.fromisoformat(stem)
        except ValueError:
            out.diagnostics.append(Diagnostic(path, None, f"'{stem}' is not a valid date", "warning", "date"))
    review_monday = week_monday(stem) if kind == "review" else None
    owner = path if kind == "person" else None

    for i, text_line in document.visible_lines(all_lines, first_body, len(all_lines)):
        stripped = text_line.lstrip()
        lineno = i + 1
        if "[[" in text_line:
            for target in logline.links(text_line):
                out.mentions.append((target, lineno))
        if _TASK_START.match(stripped):
            task = logline.parse_task(text_line)
            if task is not None:
                _task(path, lineno, task, owner, review_monday, out)
                continue
        if daily_date is not None:
            _daily_item(path, lineno, text_line, daily_date, out)
    out.diagnostics.sort(key=lambda d: d.line or 0)
    return out


def _log_entries(path: str, all_lines: list[str], sec: document.Section, out: ParsedFile) -> None:
    parse = logline.parse
    normalise = logline.normalise_text
    append = out.entries.append
    for i, line in document.visible_lines(all_lines, sec.start + 1, sec.end):
        if "-" not in line and "*" not in line and "+" not in line:
            continue  # not a list item (the cold index parses a million of these lines)
        try:
            p = parse(line)
        except logline.LineError as exc:
            out.diagnostics.append(Diagnostic(path, i + 1, str(exc), "warning", "logline"))
            continue
        if p is None:
            continue
        # positional: the same fields as _entry, without its keyword handling
        append(
            Entry(
                path,
                i + 1,
                "log",
                p.date,
                p.type,
                p.text,
                p.time,
                p.fields,
                p.links,
                p.with_,
                p.tags,
                path,
                p.reserved,
                p.old,
                p.new,
                "" if p.reserved else normalise(p.plain, plain=True),
            )
        )


def _entry(path: str, lineno: int, source: str, p: logline.LogLine, owner: str | None) -> Entry:
    return Entry(
        path=path,
        line=lineno,
        source=source,
        date=p.date,
        type=p.type,
        text=p.text,
        time=p.time,
        fields=p.fields,
        links=p.links,
        with_=p.with_,
        tags=p.tags,
        owner=owner,
        reserved=p.reserved,
        old=p.old,
        new=p.new,
        norm="" if p.reserved else logline.normalise_text(p.plain, plain=True),
    )


def _daily_item(path: str, lineno: int, line: str, day: dt.date, out: ParsedFile) -> None:
    item = logline.list_item(line)
    if item is None:
        return
    try:
        dated = logline.parse(line)
    except logline.LineError:
        dated = None
    if dated is not None and not dated.reserved:
        if dated.links or dated.with_:
            out.entries.append(_entry(path, lineno, "daily", dated, None))
        return
    if "[[" not in item:
        return
    loose = logline.parse_loose(item)
    if loose is None:
        return
    word, rest = loose
    fields, plain = logline.inline_fields(rest)
    out.entries.append(
        _loose_entry(path, lineno, "daily", day, word, rest, fields, logline.links(plain), logline.tags(rest), None)
    )


def _loose_entry(
    path: str,
    lineno: int,
    source: str,
    day: dt.date,
    word: str,
    text: str,
    fields: dict[str, str],
    links: tuple[str, ...],
    tags: tuple[str, ...],
    owner: str | None,
) -> Entry:
    """An interaction written without the log grammar (a daily-note item, a ticked task)."""
    return Entry(
        path=path,
        line=lineno,
        source=source,
        date=day,
        type=word,
        text=text,
        fields=fields,
        links=links,
        with_=logline.links(fields.get("with", "")),
        tags=tags,
        owner=owner,
        norm=logline.normalise_text(text),
    )


def _task(
    path: str,
    lineno: int,
    task: logline.TaskLine,
    owner: str | None,
    review_monday: dt.date | None,
    out: ParsedFile,
) -> None:
    fields, plain = logline.inline_fields(task.text)
    task_links = logline.links(plain) + tuple(t for t in logline.links(fields.get("with", "")) if t not in plain)
    done = task.dates.get("done")
    if task.done and done is None and review_monday is not None:
        done = review_monday
    out.tasks.append(
        Task(
            path=path,
            line=lineno,
            status=task.status,
            text=task.text,
            due=task.dates.get("due"),
            done=done if task.done else None,
            scheduled=task.dates.get("scheduled"),
            links=task_links,
            owner=owner,
            type=fields.get("type"),
        )
    )
    if not task.done or done is None:
        return
    desc = logline.task_description(plain)
    type_word = fields.get("type")
    text = desc
    if type_word is None:
        loose = logline.parse_loose(desc)
        if loose is None:
            return
        type_word, text = loose
    if not task_links and owner is None:
        return
    clean_fields = {k: v for k, v in fields.items() if k != "type"}
    out.entries.append(
        _loose_entry(
            path,
            lineno,
            "task",
            done,
            type_word,
            text,
            clean_fields,
            logline.links(text) or task_links,
            logline.tags(task.text),
            owner,
        )
    )


# ---------------------------------------------------------------------------
# Person frontmatter → Person, with a diagnostic for every wrong type

_STRINGS = ("circle", "stage", "role", "location")


def _person(
    path: str,
    stem: str,
    fm: dict[str, Any],
    key_line: Callable[[str], int | None],
    diags: list[Diagnostic],
    meta: dict[str, Any],
) -> Person:
    def bad(key: str, message: str) -> None:
        diags.append(Diagnostic(path, key_line(key), f"'{key}': {message}", "warning", "type"))

    kw: dict[str, Any] = {}
    name = fm.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        kw["name"] = stem
    elif isinstance(name, str | int | float) and not isinstance(name, bool):
        kw["name"] = str(name).strip()
    else:
        bad("name", "expected text")
        kw["name"] = stem

    for key in ("aliases", "emails", "phones", "tags"):
        if fm.get(key) is None:
            continue
        value = fm[key]
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list) and all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value if v is not None
        ):
            items = [str(v).strip() for v in value if v is not None and str(v).strip()]
            if key == "tags":
                items = [t.lstrip("#") for t in items]
            kw[key] = tuple(items)
        else:
            bad(key, "expected a list of text values")

    for key in _STRINGS:
        value = fm.get(key)
        if value is None:
            continue
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            kw[key] = str(value).strip() or None
        else:
            bad(key, "expected text")

    if fm.get("tier") is not None:
        value = fm["tier"]
        if isinstance(value, str | int) and not isinstance(value, bool):
            kw["tier"] = str(value).strip().upper() or None
        else:
            bad("tier", "expected a tier such as A, B, C or D")

    for key in ("company", "introduced_by"):
        value = fm.get(key)
        if value is None:
            continue
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
            value = value[0]  # [[Name]] unquoted parses as a nested list
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
            value = value[0]
        if isinstance(value, str):
            found = logline.links(value)
            kw[key] = found[0] if found else value.strip() or None
        else:
            bad(key, 'expected a name or a link such as "[[Acme GmbH]]"')

    if fm.get("closeness") is not None:
        value = fm["closeness"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
            kw["closeness"] = value
        else:
            bad("closeness", f"expected 1, 2, 3 or 4, not {value!r}")

    if "cadence" in fm:
        value = fm["cadence"]
        try:
            days = parse_duration(value)
            if days is None:
                kw["cadence_none"] = True
            else:
                kw["cadence"] = days
        except ValueError as exc:
            bad("cadence", str(exc))

    if fm.get("kin") is not None:
        try:
            kw["kin"] = parse_bool(fm["kin"])
        except ValueError as exc:
            bad("kin", str(exc))

    if fm.get("handles") is not None:
        value = fm["handles"]
        if isinstance(value, dict):
            kw["handles"] = {str(k): str(v) for k, v in value.items() if v is not None}
        else:
            bad("handles", "expected a mapping such as {linkedin: name, twitter: name}")

    if fm.get("birthday") is not None:
        value = fm["birthday"]
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            kw["birthday"] = value.isoformat()
        elif isinstance(value, str) and _valid_birthday(value.strip()):
            kw["birthday"] = value.strip()
        else:
            bad("birthday", f"expected YYYY-MM-DD or --MM-DD, not {value!r}")

    for key in ("snooze_until", "added", "met"):
        value = fm.get(key)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value.strip())
        if isinstance(value, dt.date):
            kw[key] = value
        else:
            bad(key, f"expected a date YYYY-MM-DD, not {value!r}")

    if fm.get("history_hours") is not None:
        value = fm["history_hours"]
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            kw["history_hours"] = float(value)
        else:
            bad("history_hours", "expected a number of hours")
    if fm.get("history_months") is not None:
        value = fm["history_months"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            kw["history_months"] = value
        else:
            bad("history_months", "expected a whole number of months")

    if fm.get("paused") is not None:
        value = fm["paused"]
        if isinstance(value, dict):
            value = [value]
        spans = []
        ok = isinstance(value, list)
        for item in value if ok else ():
            start = _as_date(item.get("from")) if isinstance(item, dict) else None
            end = _as_date(item.get("to")) if isinstance(item, dict) else None
            if start is not None and end is not None and end >= start:
                spans.append((start, end))
                continue
            ok = False
        if ok:
            kw["paused"] = tuple(spans)
        else:
            bad("paused", "expected a list of {from: YYYY-MM-DD, to: YYYY-MM-DD}")

    if fm.get("knows") is not None:
        value = fm["knows"]
        if isinstance(value, str | dict):
            value = [value]
        knows: list[Knows] = []
        if not isinstance(value, list):
            bad("knows", 'expected a list of "[[Name]]" or {who: "[[Name]]", closeness: 1-4}')
        else:
            for item in value:
                if isinstance(item, list) and len(item) == 1 and isinstance(item[0], list):
                    item = item[0]
                if isinstance(item, list) and len(item) == 1 and isinstance(item[0], str):
                    item = item[0]
                if isinstance(item, str):
                    found = logline.links(item)
                    knows.append(Knows(found[0] if found else item.strip()))
                elif isinstance(item, dict) and isinstance(item.get("who"), str | list):
                    who = item["who"]
                    if isinstance(who, list):
                        who = str(who[0][0] if who and isinstance(who[0], list) else who[0])
                    found = logline.links(who)
                    close = item.get("closeness")
                    if close is not None and not (isinstance(close, int) and 1 <= close <= 4):
                        bad("knows", f"closeness of {who!r} must be 1, 2, 3 or 4")
                        close = None
                    knows.append(Knows(found[0] if found else who.strip(), close, str(item.get("note") or "")))
                else:
                    bad("knows", f"cannot read entry {item!r}")
            kw["knows"] = tuple(k for k in knows if k.who)

    kw["meta"] = meta
    return Person(path=path, **kw)


def _as_date(value: Any) -> dt.date | None:
    """A date, also from a quoted 'YYYY-MM-DD' string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value.strip())
    return None


def _valid_birthday(value: str) -> bool:
    m = BIRTHDAY.match(value)
    if not m:
        return False
    year = int(m.group(1)) if m.group(1) else 2000  # a leap year accepts --02-29
    try:
        dt.date(year, int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True
