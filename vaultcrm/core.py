"""The library's front door: :class:`Vault` ties settings, the index and safe writes together.

The CLI is a thin layer over this class; scripts and plugins can use it too::

    from vaultcrm import Vault
    v = Vault.open("~/people", today=date(2026, 11, 24))
    klaus = v.resolve("Klaus")
    v.log(klaus, "coffee", "talked about pricing")
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from . import cadence, document, events, logline, scoring
from . import settings as settings_mod
from . import vault as vaultio
from .errors import AmbiguousName, NameNotFound, UsageError, VaultCRMError, WriteRefused
from .index import Index, RefreshStats, name_key
from .model import Diagnostic, Entry, Person, Task, chronological

RESERVED_SET_KEYS = ("closeness", "stage", "tier", "circle")
STRUCTURED_KEYS = ("paused", "knows", "handles")


class Match(NamedTuple):
    person: Person
    how: str  # exact | alias | case | prefix | fuzzy


class Vault:
    """One vault on disk, as of ``today``."""

    def __init__(
        self,
        root: Path,
        today: dt.date | None = None,
        settings: settings_mod.Settings | None = None,
    ) -> None:
        self.root = Path(root)
        self.settings = settings if settings is not None else settings_mod.load(self.root)
        self.today = today or today_in(self.settings.timezone)
        self._index: Index | None = None
        self._people: list[Person] | None = None
        self._lookup: dict[str, list[str]] | None = None
        self._interactions: list[events.Interaction] | None = None
        self._by_person: dict[str, list[events.Interaction]] | None = None
        self._weighted: dict[str, list[scoring.Weighted]] | None = None
        self._touches: dict[str, list[cadence.Touch]] | None = None
        self._changes: dict[str, list[Entry]] | None = None
        self._one: dict[str, list[events.Interaction]] = {}
        self._game: Any = None
        self.last_refresh: RefreshStats | None = None

    @classmethod
    def open(cls, path: str | Path | None = None, today: dt.date | None = None) -> Vault:
        root = vaultio.find_root(explicit=str(path) if path is not None else None)
        return cls(root, today)

    # -- the index ----------------------------------------------------------

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = Index(self.root, self.settings.folders)
        return self._index

    def refresh(
        self, progress: Callable[[int, int], None] | None = None, paths: list[str] | None = None
    ) -> RefreshStats:
        stats = self.index.refresh(progress=progress, paths=paths)
        if stats.changed:
            self._forget()
        self.last_refresh = stats
        return stats

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        stats = self.index.rebuild(progress=progress)
        self._forget()
        self.last_refresh = stats
        return stats

    def _forget(self) -> None:
        self._people = None
        self._lookup = None
        self._interactions = None
        self._by_person = None
        self._weighted = None
        self._touches = None
        self._changes = None
        self._one = {}
        self._game = None

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def unreadable(self) -> list[Diagnostic]:
        """Files skipped because they cannot be parsed (one per file)."""
        seen: dict[str, Diagnostic] = {}
        for d in self.index.diagnostics():
            if d.severity == "error":
                seen.setdefault(d.path, d)
        return list(seen.values())

    # -- people and names ---------------------------------------------------

    def people(self) -> list[Person]:
        if self._people is None:
            self._people = self.index.people()
        return self._people

    def person_at(self, path: str) -> Person | None:
        return next((p for p in self.people() if p.path == path), None)

    def _names(self) -> dict[str, list[str]]:
        if self._lookup is None:
            table: dict[str, list[str]] = defaultdict(list)
            for name, path in self.index.names():
                if path not in table[name]:
                    table[name].append(path)
            self._lookup = dict(table)
        return self._lookup

    def lookup(self, name: str) -> str | None:
        """The person path a link target names, when exactly one person has that name."""
        paths = self._names().get(name_key(name))
        if paths and len(paths) == 1:
            return paths[0]
        return None

    def match(self, query: str, *, allow_fuzzy: bool = False) -> Match:
        """Find one person: exact name, alias, any case, unique prefix, then fuzzy.

        Raises :class:`NameNotFound` (with suggestions) or :class:`AmbiguousName`
        (listing the candidates); never picks one of several silently. A fuzzy
        match is only returned with ``allow_fuzzy`` (read-only commands).
        """
        q = unicodedata.normalize("NFC", query.strip())
        if not q:
            raise NameNotFound("no name given")
        link = logline.links(q)
        if link:
            q = link[0]
        if self._people is None:
            # fast path on a large vault: a name or alias that names exactly one person
            quick = self._quick_match(q)
            if quick is not None:
                return quick
        people = self.people()
        by_path = {p.path: p for p in people}
        if q.lower().endswith(".md") and q in by_path:
            return Match(by_path[q], "exact")
        exact = [p for p in people if nfc(p.name) == q or nfc(p.stem) == q]
        if len(exact) == 1:
            return Match(exact[0], "exact")
        if len(exact) > 1:
            raise self._ambiguous(q, exact)
        alias = [p for p in people if q in (nfc(a) for a in p.aliases)]
        if len(alias) == 1:
            return Match(alias[0], "alias")
        ql = name_key(q)
        case = [by_path[path] for path in self._names().get(ql, ()) if path in by_path]
        if len(case) == 1:
            return Match(case[0], "case")
        if len(case) > 1 or len(alias) > 1:
            raise self._ambiguous(q, case or alias)
        prefix: dict[str, Person] = {}
        for p in people:
            for n in p.all_names():
                words = name_key(n).split()
                if name_key(n).startswith(ql) or (len(ql) >= 2 and any(w.startswith(ql) for w in words[1:])):
                    prefix[p.path] = p
        if len(prefix) == 1:
            return Match(next(iter(prefix.values())), "prefix")
        if len(prefix) > 1:
            raise self._ambiguous(q, list(prefix.values()))
        suggestions = self.suggest(q)
        if allow_fuzzy and suggestions:
            best = suggestions[0]
            close = [s for s in suggestions if s[1] >= best[1] - 5]
            if best[1] >= 88 and len(close) == 1:
                return Match(best[0], "fuzzy")
        hint = None
        if suggestions:
            hint = "did you mean " + ", ".join(f"'{p.name}'" for p, _ in suggestions[:5]) + "?"
        elif not people:
            hint = "the vault has no people yet: add one with 'vaultcrm add NAME'"
        raise NameNotFound(f"no person named '{query}'", hint=hint)

    def _quick_match(self, q: str) -> Match | None:
        paths = self.index.paths_named(q)
        if len(paths) != 1:
            return None
        person = self.index.person(paths[0])
        if person is None:
            return None
        if nfc(person.name) == q or nfc(person.stem) == q:
            return Match(person, "exact")
        if q in (nfc(a) for a in person.aliases):
            return Match(person, "alias")
        # another person may carry q exactly in a different case: only the slow path knows
        return None

    def resolve(self, query: str, *, allow_fuzzy: bool = False) -> Person:
        return self.match(query, allow_fuzzy=allow_fuzzy).person

    def suggest(self, query: str, limit: int = 5) -> list[tuple[Person, float]]:
        from rapidfuzz import fuzz, process, utils

        people = self.people()
        choices: dict[str, Person] = {}
        for p in people:
            for n in p.all_names():
                choices.setdefault(n, p)
        found = process.extract(
            query,
            list(choices),
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=limit * 3,
            score_cutoff=70,
        )
        out: list[tuple[Person, float]] = []
        for name, score, _ in found:
            person = choices[name]
            if all(person.path != o.path for o, _ in out):
                out.append((person, float(score)))
        return out[:limit]

    def _ambiguous(self, query: str, people: list[Person]) -> AmbiguousName:
        listing = ", ".join(f"'{p.name}' ({p.path})" for p in sorted(people, key=lambda p: p.path)[:8])
        more = f" and {len(people) - 8} more" if len(people) > 8 else ""
        return AmbiguousName(
            f"'{query}' matches {len(people)} people: {listing}{more}",
            hint="use the full name or the file path",
        )

    # -- interactions -------------------------------------------------------

    def entries(self, paths: list[str] | None = None) -> list[Entry]:
        return self.index.entries(paths)

    def interactions(self) -> list[events.Interaction]:
        if self._interactions is None:
            self._interactions = events.resolve(self.index.entries(), self.settings, self.lookup)
        return self._interactions

    def interactions_between(self, start: dt.date, end: dt.date) -> list[events.Interaction]:
        """Interactions dated ``start``..``end`` (read from the index by date, not the whole vault)."""
        if self._interactions is not None:
            return [it for it in self._interactions if start <= it.date <= end]
        return events.resolve(self.index.entries(between=(start, end)), self.settings, self.lookup)

    def interactions_of(self, person: Person) -> list[events.Interaction]:
        if self._interactions is None and self._by_person is None:
            return self._interactions_of_one(person)
        if self._by_person is None:
            table: dict[str, list[events.Interaction]] = defaultdict(list)
            for it in self.interactions():
                for path in it.participants:
                    table[path].append(it)
            self._by_person = dict(table)
        return self._by_person.get(person.path, [])

    def _interactions_of_one(self, person: Person) -> list[events.Interaction]:
        """One person's interactions without loading the whole vault's (same result)."""
        cached = self._one.get(person.path)
        if cached is not None:
            return cached
        paths = {person.path, *self.index.paths_linking(person.all_names())}
        found = events.resolve(self.index.entries(sorted(paths)), self.settings, self.lookup)
        mine = [it for it in found if person.path in it.participants]
        self._one[person.path] = mine
        return mine

    def settings_changes(self, person: Person) -> list[Entry]:
        """The reserved log lines (setting changes, archiving) in a person's file."""
        if self._changes is None and self._people is None:
            return [e for e in self.index.entries([person.path]) if e.reserved]
        if self._changes is None:
            table: dict[str, list[Entry]] = defaultdict(list)
            for e in self.index.reserved_entries():
                table[e.path].append(e)
            self._changes = dict(table)
        return self._changes.get(person.path, [])

    def is_archived(self, person: Person) -> bool:
        state = False
        for e in chronological(self.settings_changes(person)):
            if e.date > self.today:
                continue
            if e.type == "archived":
                state = True
            elif e.type == "unarchived":
                state = False
        return state

    def touches(self) -> dict[str, list[cadence.Touch]]:
        """Person path → their touches (real contact that reached them), oldest first."""
        if self._touches is not None:
            return self._touches
        out: dict[str, list[cadence.Touch]] = defaultdict(list)
        types = self.settings.types
        for it in self.interactions():
            if not types[it.kind].touch or not it.reached:
                continue
            for path in it.participants:
                out[path].append(cadence.Touch(it.date, it.type, it.kind))
        self._touches = dict(out)
        return self._touches

    def due_info(self, person: Person, touches: dict[str, list[cadence.Touch]] | None = None) -> cadence.DueInfo:
        if touches is None and self._touches is None:
            mine = self._touches_of(self.interactions_of(person))
        else:
            mine = (touches if touches is not None else self.touches()).get(person.path, [])
        return cadence.due_info(person, mine, self.settings, self.today)

    def _touches_of(self, items: list[events.Interaction]) -> list[cadence.Touch]:
        types = self.settings.types
        return [cadence.Touch(it.date, it.type, it.kind) for it in items if types[it.kind].touch and it.reached]

    def tasks(self) -> list[Task]:
        return self.index.tasks()

    def lookup_any(self, names: tuple[str, ...] | list[str]) -> str | None:
        """The first of ``names`` that is a person."""
        for name in names:
            path = self.lookup(name)
            if path:
                return path
        return None

    def weighted(self, person: Person) -> list[scoring.Weighted]:
        if self._weighted is None:
            self._weighted = {}
        found = self._weighted.get(person.path)
        if found is None:
            found = scoring.weigh(person.path, self.interactions_of(person), self.settings, self.today)
            self._weighted[person.path] = found
        return found

    def health(self, person: Person) -> scoring.Health | None:
        return scoring.health(person, self.weighted(person), self.settings, self.today)

    def friend_level(self, person: Person) -> scoring.FriendLevel:
        return scoring.friend_level(person, self.weighted(person))

    # -- the game (SCORING.md §3.5–3.8) ----------------------------------------

    @property
    def gamification(self) -> bool:
        """False in quiet mode (`gamification: off`): no XP, levels, streaks or badges anywhere."""
        return self.settings.gamification

    def game(self) -> Any:
        """The replay of the whole history up to today (a ``gamification.GameReport``)."""
        if self._game is None:
            from . import gamification

            people = self.people()
            changes = {p.path: self.settings_changes(p) for p in people}
            self._game = gamification.replay(
                people, self.interactions(), changes, self.settings, self.today, deduplicated=True
            )
            from .plugins import current

            self._game = current().add_badges(self._game, self)  # plugin badges (vaultcrm_badges)
        return self._game

    # -- derived results, cached in the index --------------------------------

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``'s JSON-able result, cached until any file, the settings or today change."""
        import json

        from . import __version__

        key = json.dumps([self.index.generation(), self.today.isoformat(), self.settings_digest, __version__])
        hit = self.index.derived_get(name, key)
        if hit is not None:
            return json.loads(hit)
        value = compute()
        self.index.derived_put(name, key, json.dumps(value, ensure_ascii=False))
        return value

    @property
    def settings_digest(self) -> str:
        import hashlib

        try:
            raw = (self.root / settings_mod.SETTINGS_FILE).read_bytes()
        except OSError:
            raw = b""
        from .plugins import current

        raw += current().fingerprint().encode()  # loaded plugins change types, badges and sections
        return hashlib.blake2b(raw, digest_size=12).hexdigest()

    # -- writing ------------------------------------------------------------

    def _after_write(self, rel: str) -> None:
        self.refresh(paths=[rel])

    def log(
        self,
        person: Person,
        type_word: str,
        text: str = "",
        *,
        date: dt.date | None = None,
        time: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> str:
        """Add an interaction line to the person's ``## Log``; return the line written."""
        kind = self.settings.kind_of(type_word)
        if kind is None:
            raise UsageError(
                f"unknown interaction type '{type_word}'",
                hint="known types: " + ", ".join(self.settings.type_words()),
            )
        when = date or self.today
        if "\n" in text or "\r" in text:
            raise UsageError("the text must be a single line")
        line = logline.format_line(when, type_word.lower(), text, fields, time)
        parsed = logline.parse(line)
        if parsed is None or parsed.reserved:
            raise UsageError(f"'{line}' would not read back as an interaction")
        vaultio.edit(
            self.root,
            person.path,
            lambda t: document.add_to_section(t, "Log", line, when.isoformat()),
        )
        self._after_write(person.path)
        return line

    def archive(self, person: Person, archived: bool = True, note: str = "") -> str | None:
        """Write a dated ``archived`` (or ``unarchived``) line; None when already in that state."""
        if self.is_archived(person) == archived:
            return None
        word = "archived" if archived else "unarchived"
        line = f"- {self.today.isoformat()} {word}" + (f": {' '.join(note.split())}" if note.strip() else "")
        vaultio.edit(self.root, person.path, lambda t: document.add_to_section(t, "Log", line, self.today.isoformat()))
        self._after_write(person.path)
        return line

    def set_value(self, person: Person, key: str, raw: Any, *, refresh: bool = True) -> tuple[Any, Any, str | None]:
        """Set a frontmatter key; closeness/stage/tier/circle also get a dated log line.

        Returns (old value, new value, the reserved log line or None). A bulk
        caller passes ``refresh=False`` and refreshes the index once at the end.
        """
        value = self.coerce(key, raw)
        old_raw = person.meta.get(key)
        change_line: str | None = None
        if key in RESERVED_SET_KEYS:
            old = getattr(person, key)
            if old != value:
                change_line = logline.format_change(self.today, key, old, value)

        vaultio.edit(self.root, person.path, lambda text: apply_set(text, key, value, change_line, self.today))
        if refresh:
            self._after_write(person.path)
        return old_raw, value, change_line

    def coerce(self, key: str, raw: Any) -> Any:
        """Turn a command-line value into the typed value for ``key``; reject wrong ones."""
        s = self.settings
        if not isinstance(raw, str):
            return raw
        if key in STRUCTURED_KEYS:
            raise UsageError(
                f"'{key}' holds a list of entries: edit it in the file", hint="see docs/format.md for its form"
            )
        text = raw.strip()
        if text.lower() in ("", "none", "null", "-") and key not in ("cadence",):
            if key == "name":
                raise UsageError("a person needs a name")
            return None
        if key == "closeness":
            if text not in ("1", "2", "3", "4"):
                raise UsageError(f"closeness must be 1, 2, 3 or 4, not '{text}'")
            return int(text)
        if key == "tier":
            tier = text.upper()
            if tier not in s.tiers:
                raise UsageError(f"unknown tier '{text}'", hint="tiers: " + ", ".join(s.tiers))
            return tier
        for k, allowed in (("stage", s.stages), ("circle", s.circles)):
            if key == k:
                found = next((a for a in allowed if a.lower() == text.lower()), None)
                if found is None:
                    raise UsageError(
                        f"unknown {k} '{text}'",
                        hint=f"{k}s: " + ", ".join(allowed) + " (add more in vaultcrm.yaml)",
                    )
                return found
        if key == "cadence":
            try:
                days = settings_mod.parse_duration(text or "none")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            return text.lower().replace(" ", "") if days else "none"
        if key == "kin":
            try:
                return settings_mod.parse_bool(text)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        if key in ("added", "met", "snooze_until"):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise UsageError(f"{key} must be a date YYYY-MM-DD, not '{text}'") from None
        if key == "birthday":
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                from .model import _valid_birthday

                if _valid_birthday(text):
                    return text
                raise UsageError(f"birthday must be YYYY-MM-DD or --MM-DD, not '{text}'") from None
        if key in ("aliases", "emails", "phones", "tags"):
            return [v.strip() for v in text.split(",") if v.strip()]
        if key == "introduced_by":
            targets = logline.links(text)
            return f"[[{self.resolve(targets[0] if targets else text).name}]]"
        if key == "company":
            targets = logline.links(text)
            return f"[[{targets[0] if targets else text}]]"
        if key in ("history_hours",):
            try:
                return float(text) if "." in text else int(text)
            except ValueError:
                raise UsageError(f"{key} must be a number") from None
        if key in ("history_months",):
            if not text.isdigit():
                raise UsageError(f"{key} must be a whole number")
            return int(text)
        return text

    def add_person(self, name: str, fields: dict[str, Any], notes: str = "") -> str:
        """Create ``people/<safe name>.md`` from the person template; return its path."""
        name = " ".join(name.split())
        if not name:
            raise UsageError("a person needs a name")
        for p in self.people():
            if name_key(name) in (name_key(n) for n in p.all_names()):
                raise WriteRefused(
                    f"'{p.name}' already exists",
                    path=p.path,
                    hint="use 'vaultcrm show' or 'vaultcrm set', or add a distinguishing name",
                )
        rel = f"{self.settings.folders.people}/{vaultio.safe_stem(name)}.md"
        if (self.root / rel).exists():
            raise WriteRefused("a file with this name already exists", path=rel)
        typed = {k: self.coerce(k, v) if isinstance(v, str) else v for k, v in fields.items()}
        typed = {k: v for k, v in typed.items() if v not in (None, [], "")}
        from .templating import render_person

        text = render_person(self.root, self.settings, name, typed, self.today, notes)
        from . import model

        parsed = model.parse_file(rel, text, self.settings.folders)
        if parsed.fatal or parsed.person is None or parsed.person.name != name:
            problem = parsed.fatal.message if parsed.fatal else "the name does not read back"
            raise VaultCRMError(
                f"the person template produced an invalid file: {problem}",
                path=f"{self.settings.folders.templates}/person.md.j2",
            )
        vaultio.create_new(self.root, rel, text)
        self._after_write(rel)
        return rel


def apply_set(text: str, key: str, value: Any, change_line: str | None, today: dt.date) -> str:
    """The edit `set` makes to a file's text: the key (removed when None) and the reserved log line.

    Pure and module-level, so that `set --where` can run it in worker processes.
    """
    out = document.remove_key(text, key) if value is None else document.set_key(text, key, value)
    if change_line and out != text:
        out = document.add_to_section(out, "Log", change_line, today.isoformat())
    return out


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def today_in(timezone: str | None) -> dt.date:
    """Today's date in the vault's time zone (the machine's when none is set)."""
    if timezone:
        import zoneinfo

        return dt.datetime.now(zoneinfo.ZoneInfo(timezone)).date()
    return dt.date.today()
