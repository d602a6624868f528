"""Cleaning up after an import: rename a person everywhere, the triage queue, setting many at once.

No click here: the commands in :mod:`vaultcrm.cli.cleanup` ask and print; this
module decides and writes (through :mod:`vaultcrm.vault`, one atomic write per
file).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import document, yamlio
from . import vault as vaultio
from .errors import UsageError, VaultCRMError, WriteRefused
from .index import name_key
from .links import plan_link_rewrites, rewrite_links

if TYPE_CHECKING:
    from .core import Vault
    from .model import Person

# ---------------------------------------------------------------------------
# aliases: add one, keeping the list's style

_ALIASES = re.compile(r"^aliases[ \t]*:")


def add_alias(text: str, alias: str) -> str:
    """``text`` with ``alias`` appended to the frontmatter ``aliases``, in the list's own style.

    ``aliases: [Klaus]`` becomes ``aliases: [Klaus, Klaus Breyer]``; a block list
    (``- Klaus`` lines) gets one more line with the same indent and quoting; a
    missing key is added as a flow list. Already there (any case): unchanged.
    """
    doc = document.split(text)
    before = _header_data(text)
    current = before.get("aliases")
    items: list[Any] = [] if current is None else (list(current) if isinstance(current, list) else [current])
    if any(isinstance(a, str) and name_key(a) == name_key(alias) for a in items):
        return text
    wanted = [*items, alias]
    out = _append_alias(doc, alias) if doc.header is not None else None
    if out is not None:
        after = _header_data(out)
        rest_before = {k: v for k, v in before.items() if k != "aliases"}
        rest_after = {k: v for k, v in after.items() if k != "aliases"}
        if after.get("aliases") == wanted and rest_before == rest_after:
            return out
    return document.set_key(text, "aliases", wanted)  # flow list, verified by set_key


def _header_data(text: str) -> dict[str, Any]:
    doc = document.split(text)
    if doc.header is None:
        return {}
    data = yamlio.load(doc.header)
    return data if isinstance(data, dict) else {}


def _append_alias(doc: document.Document, alias: str) -> str | None:
    """The surgical edit, or None when the list's form is not one we edit in place."""
    assert doc.header is not None
    hlines = document.lines(doc.header)
    idx = next((i for i, ln in enumerate(hlines) if _ALIASES.match(ln)), None)
    if idx is None:
        return None
    first = hlines[idx]
    eol = document.eol_of(first) or doc.newline
    rest = document.strip_eol(first)[first.index(":") + 1 :]
    lead, token, gap, comment = document._split_value_comment(rest)
    if token.startswith("[") and token.endswith("]"):
        inner = token[1:-1]
        quote = inner.strip()[:1] if inner.strip()[:1] in ("'", '"') else ""
        rendered = document.render_value(alias, quote, in_flow=True)
        new_token = f"[{rendered}]" if not inner.strip() else f"{token[:-1].rstrip()}, {rendered}]"
        tail = (gap or " ") + comment if comment else ""
        hlines[idx] = first[: first.index(":") + 1] + (lead or " ") + new_token + tail + eol
    elif not token:
        items = []
        j = idx + 1
        while j < len(hlines):
            s = document.strip_eol(hlines[j])
            m = re.match(r"^([ \t]*-[ \t]+)(.*)$", s)
            if m:
                items.append(j)
            elif s.strip() and not s.lstrip().startswith("#"):
                break
            j += 1
        if not items:
            return None
        last = hlines[items[-1]]
        m = re.match(r"^([ \t]*-[ \t]+)(.*)$", document.strip_eol(last))
        assert m is not None
        value = m.group(2)
        quote = value[:1] if value[:1] in ("'", '"') else ""
        line = m.group(1) + document.render_value(alias, quote) + (document.eol_of(last) or eol)
        if not document.eol_of(last):
            hlines[items[-1]] = last + eol
        hlines.insert(items[-1] + 1, line)
    else:
        return None
    from dataclasses import replace

    return document.join(replace(doc, header="".join(hlines)))


# ---------------------------------------------------------------------------
# rename


@dataclass
class RenamePlan:
    """What a rename will do; nothing is written until :func:`apply_rename`."""

    person: Person
    new_name: str
    old_path: str
    new_path: str
    link_files: dict[str, str] = field(default_factory=dict)  # other files whose links change

    @property
    def paths(self) -> list[str]:
        """Every existing file the rename changes (the new file does not exist yet)."""
        return [self.old_path, *sorted(p for p in self.link_files if p != self.old_path)]


@dataclass
class RenameResult:
    plan: RenamePlan
    rewritten: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def plan_rename(v: Vault, person: Person, new_name: str) -> RenamePlan:
    """Check that ``person`` can become ``new_name`` and find every file linking to them."""
    new_name = " ".join(new_name.split())
    if not new_name:
        raise UsageError("the new name is empty")
    stem = vaultio.safe_stem(new_name)
    folder = person.path.rsplit("/", 1)[0] if "/" in person.path else v.settings.folders.people
    new_path = f"{folder}/{stem}.md"
    if new_path == person.path and new_name == person.name:
        raise UsageError(f"{person.name} already has that name")
    for other in v.people():
        if other.path == person.path:
            continue
        if name_key(new_name) in (name_key(n) for n in other.all_names()) or name_key(stem) == name_key(other.stem):
            raise WriteRefused(
                f"'{new_name}' is already a name of {other.name}",
                path=other.path,
                hint="merge them with 'vaultcrm merge', or pick a distinguishing name",
            )
    if new_path.casefold() != person.path.casefold() and os.path.lexists(v.root / new_path):
        raise WriteRefused("a file with this name already exists", path=new_path)
    plan = RenamePlan(person, new_name, person.path, new_path)
    for old in _old_link_names(person):
        for rel, text in plan_link_rewrites(v, old, stem).items():
            base = plan.link_files.get(rel)
            plan.link_files[rel] = text if base is None else rewrite_links(base, old, stem)
    plan.link_files.pop(person.path, None)
    return plan


def _old_link_names(person: Person) -> list[str]:
    """The names a link to the person may use that go away: the file stem and the display name."""
    names = [person.stem]
    if name_key(person.name) != name_key(person.stem):
        names.append(person.name)
    return names


def _renamed_text(text: str, plan: RenamePlan) -> str:
    """The person's own file after the rename: name, aliases and self-links."""
    p = plan.person
    stem = plan.new_path.rsplit("/", 1)[-1][:-3]
    data = _header_data(text)
    if "name" in data or plan.new_name != stem:
        text = document.set_key(text, "name", plan.new_name)
    if name_key(p.name) != name_key(plan.new_name):
        text = add_alias(text, p.name)
    for old in _old_link_names(p):
        text = rewrite_links(text, old, stem)
    return text


def apply_rename(v: Vault, plan: RenamePlan, progress: Callable[[int, int], None] | None = None) -> RenameResult:
    """Write the renamed file, remove the old one, then rewrite the links in other files.

    The new file is complete (atomically written) before the old one goes, and
    the old name is kept in ``aliases``: at every moment each file is either as
    it was or as it will be, and vaultcrm still finds the person under both
    names. A file that cannot be rewritten (conflict markers, not UTF-8) is
    reported, never half-written.
    """
    root = v.root
    result = RenameResult(plan)
    old_abs = vaultio.inside(root, plan.old_path)
    new_abs = vaultio.inside(root, plan.new_path)
    if plan.new_path == plan.old_path or plan.new_path.casefold() == plan.old_path.casefold():
        vaultio.edit(root, plan.old_path, lambda t: _renamed_text(t, plan))
        if plan.new_path != plan.old_path:
            os.replace(old_abs, new_abs)  # a change of case only
    else:
        with vaultio.file_lock(root, plan.old_path):
            raw = vaultio.read_bytes(old_abs)
            try:
                text = vaultio.decode(raw)
            except vaultio.ReadProblem as exc:
                raise WriteRefused(f"not renamed: {exc.reason}", path=plan.old_path, line=exc.line) from None
            line = document.conflict_line(text)
            if line:
                raise WriteRefused("not renamed: the file has git conflict markers", path=plan.old_path, line=line)
            vaultio.create_new(root, plan.new_path, _renamed_text(text, plan))
            if vaultio.read_bytes(old_abs) != raw:  # saved meanwhile: keep both, say so
                os.unlink(new_abs)
                raise WriteRefused("the file changed while it was renamed; try again", path=plan.old_path)
            os.unlink(old_abs)
    total = len(plan.link_files)
    names = _old_link_names(plan.person)
    stem = plan.new_path.rsplit("/", 1)[-1][:-3]

    def change(text: str) -> str:
        for old in names:
            text = rewrite_links(text, old, stem)
        return text

    for i, rel in enumerate(sorted(plan.link_files), 1):
        try:
            if vaultio.edit(root, rel, change):
                result.rewritten.append(rel)
        except VaultCRMError as exc:
            result.failed.append((rel, exc.message))
        if progress:
            progress(i, total)
    v.refresh()
    return result


# ---------------------------------------------------------------------------
# triage


@dataclass(frozen=True)
class Candidate:
    """An unclassified person and what makes them worth classifying first."""

    person: Person
    last: dt.date | None
    count: int
    last_text: str = ""


def triage_queue(v: Vault) -> list[Candidate]:
    """Unclassified people (no closeness, not archived), most promising first.

    The order: people you have interacted with come first, the most recent
    interaction first, then the most interactions; then by tier (A first, no
    tier last); then the most recently added (a fresh import, while you still
    remember them); then by name.
    """
    people = [p for p in v.people() if p.closeness is None and not v.is_archived(p)]
    if not people:
        return []
    tiers = {t: i for i, t in enumerate(v.settings.tiers)}
    out: list[Candidate] = []
    for p in people:
        items = [it for it in v.interactions_of(p) if it.date <= v.today]
        last = max(items, key=lambda it: it.date, default=None)
        text = ""
        if last is not None:
            from .logline import inline_fields, readable

            text = f"{last.type}: {readable(inline_fields(last.text)[1])}".rstrip(": ")
        out.append(Candidate(p, last.date if last else None, len(items), text))

    def key(c: Candidate) -> tuple[Any, ...]:
        p = c.person
        return (
            c.last is None,
            -(c.last.toordinal() if c.last else 0),
            -c.count,
            tiers.get(p.tier or "", len(tiers)),
            -(p.added.toordinal() if p.added else 0),
            name_key(p.name),
            p.path,
        )

    return sorted(out, key=key)


def choice_keys(options: Iterable[str], reserved: Iterable[str] = ("s", "q")) -> dict[str, str]:
    """One key per option (key → option): its first free letter, else a free digit.

    ``customers, creatives, pals, family`` → ``c, r, p, f``.
    """
    used = set(reserved)
    keys: dict[str, str] = {}
    for option in options:
        pick = next((ch for ch in option.lower() if ch.isalnum() and ch not in used), None)
        if pick is None:
            pick = next(d for d in "123456789" + "abcdefghijklmnopqrstuvwxyz" if d not in used)
        used.add(pick)
        keys[pick] = option
    return keys


# ---------------------------------------------------------------------------
# set --where

FILTER_KEYS = ("circle", "closeness", "stage", "tier", "tag", "status", "band", "near", "archived")


def parse_where(filters: Iterable[str]) -> dict[str, list[str]]:
    """``["circle=pals,tag=berlin", "tag=founder"]`` → ``{"circle": ["pals"], "tag": ["berlin", "founder"]}``.

    Each ``key=value`` is one of `list`'s options: the same key twice means what
    the option given twice means there (any of the circles; all of the tags).
    """
    out: dict[str, list[str]] = {}
    for text in filters:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            key = key.strip().lower().lstrip("-")
            value = value.strip()
            if not sep or not value:
                raise UsageError(
                    f"--where: '{part}' is not KEY=VALUE", hint="for example --where circle=pals,tag=berlin"
                )
            if key not in FILTER_KEYS:
                raise UsageError(f"--where: unknown filter '{key}'", hint="filters: " + ", ".join(FILTER_KEYS))
            out.setdefault(key, []).append(value)
    if not out:
        raise UsageError("--where needs at least one KEY=VALUE filter")
    return out


def person_matches(v: Vault, p: Person, f: dict[str, list[str]]) -> bool:
    """Whether ``p`` passes the `--where` filters, exactly as `list`'s summary query decides.

    Only for the filters read from the file (circle, closeness, stage, tier, tag, near,
    archived); ``status`` and ``band`` need the summary table (the caller uses it then).
    """
    if "circle" in f and (p.circle or "").casefold() not in {c.casefold() for c in f["circle"]}:
        return False
    if "closeness" in f:
        levels = {int(c) for c in f["closeness"] if c != "none"}
        if not (p.closeness in levels or (p.closeness is None and "none" in f["closeness"])):
            return False
    if "stage" in f and (p.stage or "").casefold() not in {s.casefold() for s in f["stage"]}:
        return False
    if "tier" in f and (p.tier or "").upper() not in {t.upper() for t in f["tier"]}:
        return False
    if "tag" in f:
        have = {t.casefold() for t in p.tags}
        if any(t.casefold().lstrip("#") not in have for t in f["tag"]):
            return False
    if "near" in f and " ".join(f["near"]).casefold() not in (p.location or "").casefold():
        return False
    archived = any(a.lower() in ("yes", "true", "on", "1") for a in f.get("archived", []))
    return archived or not v.is_archived(p)


PARALLEL_MIN = 200  # fewer files than this are written in this process


def _set_one(job: tuple[str, str, str, Any, str | None, dt.date]) -> tuple[str, bool, str | None]:
    """Worker: apply `set`'s edit to one file (module-level, so it can run in another process)."""
    from .core import apply_set

    root, rel, key, value, change_line, today = job
    try:
        written = vaultio.edit(
            Path(root), rel, lambda text: apply_set(text, key, value, change_line, today), fsync=False
        )
    except VaultCRMError as exc:
        return rel, False, str(exc)
    return rel, written, None


def set_many(
    v: Vault,
    people: list[Person],
    key: str,
    raw: str,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> tuple[list[str], list[tuple[str, str]]]:
    """Set ``key`` to ``raw`` on every person, as `vaultcrm set` does each; return (written, failed).

    Each file gets the same edit (`core.apply_set`) under its own lock, atomically
    (temp file + rename: a killed process leaves each file old or new); the data is
    flushed to disk once at the end rather than twice per file, as `import` does.
    Many files are spread over worker processes (the work is YAML checks). A file that
    refuses (conflict markers, not UTF-8) is reported and the others go on. The index is
    not refreshed here: the caller decides.
    """
    from .core import RESERVED_SET_KEYS
    from .logline import format_change

    value = v.coerce(key, raw)
    jobs = []
    for p in people:
        change_line = None
        if key in RESERVED_SET_KEYS:
            old = getattr(p, key)
            if old != value:
                change_line = format_change(v.today, key, old, value)
        jobs.append((str(v.root), p.path, key, value, change_line, v.today))
    written: list[str] = []
    failed: list[tuple[str, str]] = []
    n = (os.cpu_count() or 1) if workers is None else workers
    try:
        return _set_all(jobs, n, progress, written, failed)
    finally:
        vaultio.sync_all()


def _set_all(
    jobs: list[tuple[str, str, str, Any, str | None, dt.date]],
    n: int,
    progress: Callable[[int, int], None] | None,
    written: list[str],
    failed: list[tuple[str, str]],
) -> tuple[list[str], list[tuple[str, str]]]:
    if len(jobs) < PARALLEL_MIN:
        results: Iterable[tuple[str, bool, str | None]] = map(_set_one, jobs)
        return _collect(results, len(jobs), progress, written, failed)
    import concurrent.futures
    import multiprocessing

    chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
    if n <= 1:
        flat = (r for chunk in chunks for r in _set_chunk(chunk))
        return _collect(flat, len(jobs), progress, written, failed)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with concurrent.futures.ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
        flat = (r for part in pool.map(_set_chunk, chunks) for r in part)
        return _collect(flat, len(jobs), progress, written, failed)


_CHUNK = 64  # files per task handed to a worker process
_THREADS = 8  # concurrent writes in each worker: fsyncs then share the file system's journal commits


def _set_chunk(chunk: list[tuple[str, str, str, Any, str | None, dt.date]]) -> list[tuple[str, bool, str | None]]:
    """Worker: one chunk of files, written by a few threads at once (fsync waits overlap)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        return list(pool.map(_set_one, chunk))


def _collect(
    results: Iterable[tuple[str, bool, str | None]],
    total: int,
    progress: Callable[[int, int], None] | None,
    written: list[str],
    failed: list[tuple[str, str]],
) -> tuple[list[str], list[tuple[str, str]]]:
    for i, (rel, ok, error) in enumerate(results, 1):
        if error is not None:
            failed.append((rel, error))
        elif ok:
            written.append(rel)
        if progress:
            progress(i, total)
    return written, failed
