"""``vaultcrm import obsidian DIR``: people notes written however their users wrote them.

A note becomes a :class:`Record` (for matching) read from whatever it has: YAML or JSON
frontmatter (``name``, ``aliases``/``alias``, ``tags``/``tag`` as a list or a string,
``email``/``emails``, ``phone``/``phones``, wikilinks as values), Dataview inline fields in
the body (``birthday:: 1990-04-15``), dated log lines. The note itself is never re-rendered:

* a note already inside the vault's people folder is **adopted in place**: the keys vaultcrm
  reads are added next to the user's own (``tag`` stays, ``tags`` is added), ``sources:``
  records the adoption, and nothing else changes;
* a note from elsewhere is **copied** byte for byte into the people folder and adopted there,
  unless it matches someone who already has a note: then that note stays the target and
  receives the values, the log lines and the text of the imported one (appended);
* a note whose frontmatter cannot be parsed is kept unchanged and reported (and copied
  unchanged when it comes from outside the vault, so nothing is lost).

Notes are never renamed or deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import document, logline
from .. import vault as vaultio
from . import merge
from . import normalize as norm
from .record import Interaction, Record, Skipped

if TYPE_CHECKING:
    from ..core import Vault

name = "obsidian"

_INLINE = re.compile(r"^\s*(?:[-*+]\s+)?([A-Za-z][\w -]{0,40}?)::\s*(.+?)\s*$")
_KEY_MAP = {
    "birthday": "birthday",
    "born": "birthday",
    "geburtstag": "birthday",
    "email": "emails",
    "emails": "emails",
    "e-mail": "emails",
    "mail": "emails",
    "phone": "phones",
    "phones": "phones",
    "mobile": "phones",
    "tel": "phones",
    "telefon": "phones",
    "company": "company",
    "org": "company",
    "organisation": "company",
    "organization": "company",
    "role": "role",
    "title": "role",
    "job": "role",
    "location": "location",
    "city": "location",
    "tags": "tags",
    "tag": "tags",
    "alias": "aliases",
    "aliases": "aliases",
    "met": "met",
}
_OWN_KEYS = {
    "name",
    "aliases",
    "alias",
    "tags",
    "tag",
    "email",
    "emails",
    "phone",
    "phones",
    "mobile",
    "handles",
    "company",
    "role",
    "location",
    "birthday",
    "met",
    "urls",
    "url",
    "sources",
    "previous",
    "added",
}


def sniff(filename: str, head: bytes) -> bool:
    """Never guessed from one file: a folder of notes is named explicitly."""
    return False


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out += _values(v)
        return out
    if isinstance(value, dict):
        return []
    if isinstance(value, dt.date):
        return [value.isoformat()]
    s = str(value).strip()
    found = logline.links(s)
    return list(found) if found else ([s] if s else [])


def _split_tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t.lstrip("#") for t in re.split(r"[,\s]+", value) if t.strip("#")]
    return [t.lstrip("#") for t in _values(value)]


def _first(fields: dict[str, list[str]], key: str) -> str | None:
    values = fields.get(key)
    return values[0] if values else None


def read_note(locator: str, stem: str, text: str) -> tuple[Record | None, str | None]:
    """The record a note stands for, or (None, why its frontmatter cannot be read)."""
    doc = document.split(text)
    if doc.unclosed:
        return None, "the frontmatter starts with '---' but is never closed"
    try:
        fm = merge.Front(text).data
    except merge.FrontmatterError as exc:
        return None, exc.message
    fields: dict[str, list[str]] = {}

    def put(key: str, values: list[str]) -> None:
        fields.setdefault(key, [])
        for v in values:
            if v and v not in fields[key]:
                fields[key].append(v)

    for k, v in fm.items():
        key = _KEY_MAP.get(str(k).lower())
        if key == "tags":
            put("tags", _split_tags(v))
        elif key:
            put(key, _values(v))
    interactions: list[Interaction] = []
    notes: list[str] = []
    for line in document.lines(doc.body):
        raw = line.rstrip("\r\n")
        m = _INLINE.match(raw)
        if m and "[" not in m.group(1):
            key = _KEY_MAP.get(m.group(1).strip().lower())
            if key:
                put(key, _split_tags(m.group(2)) if key == "tags" else _values(m.group(2)))
        try:
            parsed = logline.parse(raw)
        except logline.LineError:
            parsed = None
        if parsed is not None and not parsed.reserved:
            fields_, plain = logline.inline_fields(parsed.text)
            interactions.append(
                Interaction(parsed.date, parsed.type, parsed.text, parsed.time, fields_.get("dir"), fields_.get("via"))
            )
            continue
        notes.append(raw)
    raw_name = fm.get("name")
    display = _values(raw_name)[0] if _values(raw_name) else stem
    handles = fm.get("handles")
    extra: dict[str, Any] = {k: v for k, v in fm.items() if str(k).lower() not in _OWN_KEYS}
    extra = json.loads(json.dumps(extra, default=str))
    if fields.get("aliases"):
        extra["aliases"] = fields["aliases"]
    rec = Record(
        source=name,
        locator=locator,
        name=norm.display_name(display),
        emails=fields.get("emails", []),
        phones=fields.get("phones", []),
        handles={str(k): str(v) for k, v in handles.items() if v is not None} if isinstance(handles, dict) else {},
        urls=_values(fm.get("urls")) + _values(fm.get("url")),
        company=_first(fields, "company"),
        role=_first(fields, "role"),
        location=_first(fields, "location"),
        birthday=_first(fields, "birthday"),
        tags=fields.get("tags", []),
        notes="\n".join(notes).strip() or None,
        interactions=interactions,
        extra=extra,
    )
    met = _first(fields, "met")
    if met:
        try:
            rec.met = dt.date.fromisoformat(met[:10])
        except ValueError:
            rec.extra["met"] = met
    return rec, None


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    """One note as a record (the Source protocol; folders go through :func:`plan_folder`)."""
    text = data.decode("utf-8", errors="replace")
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    rec, why = read_note(f"{name}/{base}#file", base.removesuffix(".md"), text)
    if rec is None:
        yield Skipped(f"{name}/{base}#file", why or "cannot be read")
    else:
        yield rec


@dataclass
class Note:
    source: Path
    rel: str  # relative to DIR, POSIX
    text: str
    record: Record | None
    problem: str | None = None
    vault_rel: str | None = None  # its path in the vault when it is already there


@dataclass
class FolderPlan:
    plan: merge.Plan
    copies: list[tuple[str, str]] = field(default_factory=list)  # (vault path, text): written unchanged first
    adopted: list[str] = field(default_factory=list)


def _notes(v: Vault, folder: Path) -> Iterator[Note]:
    root = v.root.resolve()
    for path in sorted(folder.rglob("*.md")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            text = vaultio.decode(vaultio.read_bytes(path))
        except (OSError, vaultio.ReadProblem) as exc:
            yield Note(path, rel, "", None, f"cannot be read: {exc}")
            continue
        rec, why = read_note(f"{name}/{path.name}#file", path.stem, text)
        vault_rel = None
        with contextlib.suppress(ValueError):
            vault_rel = path.resolve().relative_to(root).as_posix()
        yield Note(path, rel, text, rec, why, vault_rel)


def plan_folder(v: Vault, folders: list[Path]) -> FolderPlan:
    """The plan for importing folders of notes (see the module docstring)."""
    people_dir = v.settings.folders.people
    items: list[Record | Skipped] = []
    extra: dict[str, list[Record]] = {}
    copies: list[tuple[str, str]] = []
    problems: list[str] = []
    adopted: list[str] = []
    taken = {p.lower() for p in vaultio.walk(v.root, skip=(v.settings.folders.templates,))}
    originals: dict[int, str] = {}  # a record → the text of its note, copied as it is
    for folder in folders:
        if not folder.is_dir():
            from .record import ImportFormatError

            raise ImportFormatError(str(folder), "not a folder (import obsidian takes a folder of notes)")
        for note in _notes(v, folder):
            in_people = note.vault_rel is not None and note.vault_rel.startswith(people_dir + "/")
            if note.vault_rel is not None and not in_people:
                # a daily note, a review, a template …: vaultcrm's own files are never copied around
                problems.append(f"{note.vault_rel}: in the vault but not in {people_dir}/, not imported")
                continue
            if note.record is None:
                if in_people:
                    problems.append(f"{note.vault_rel}: {note.problem}; kept unchanged")
                else:
                    target = f"{people_dir}/{note.rel.rsplit('/', 1)[-1]}"
                    if target.lower() in taken or note.vault_rel is not None:
                        problems.append(f"{note.source}: {note.problem}; not imported")
                    else:
                        taken.add(target.lower())
                        copies.append((target, note.text))
                        problems.append(f"{target}: {note.problem}; copied unchanged, fix it by hand")
                continue
            if in_people and note.vault_rel is not None:
                extra.setdefault(note.vault_rel, []).extend(_adopt(note.record))
                adopted.append(note.vault_rel)
            else:
                items.append(note.record)
                originals[id(note.record)] = note.text
    plan = merge.build_plan(v, items, extra_targets=extra)
    # a copied note keeps its own text: it is written unchanged, then the record is merged into it
    for new in plan.new:
        recs = new.records
        if len(recs) == 1 and recs[0].source == name:
            original = originals.get(id(recs[0]))
            if original is not None:
                stem = Path(recs[0].locator.split("#", 1)[0]).stem
                new.path = _free(people_dir, stem, taken, new.path)
                ctx = replace(plan.context or merge.context_for(v), log_import=False, stem=Path(new.path).stem)
                res = merge.merge_text(original, _adopt(recs[0]), ctx)
                new.text = res.text
    plan.problems += problems
    return FolderPlan(plan, copies, adopted)


def _adopt(rec: Record) -> list[Record]:
    """What adopting a note adds to its own text: its keys in vaultcrm's spelling, not its body."""
    own = Record(**{**rec.__dict__, "notes": None, "interactions": [], "extra": {}})
    if rec.extra.get("aliases"):
        own.extra = {"aliases": rec.extra["aliases"]}
    return [own]


def _free(people_dir: str, stem: str, taken: set[str], planned: str) -> str:
    taken.discard(planned.lower())
    for c in [stem, *(f"{stem} {n}" for n in range(2, 1000))]:
        rel = f"{people_dir}/{vaultio.safe_stem(c)}.md"
        if rel.lower() not in taken:
            taken.add(rel.lower())
            return rel
    return planned
