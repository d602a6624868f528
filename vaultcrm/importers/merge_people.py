"""Merging two people of the vault (`vaultcrm merge A B`): B's note goes into A's."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .. import document, logline
from .. import vault as vaultio
from ..errors import WriteRefused
from .frontmatter import FrontmatterError
from .merge_note import log_keys, merge_text, strs
from .plan import context_for
from .record import Record

if TYPE_CHECKING:
    from ..core import Vault


# ---------------------------------------------------------------------------
# Merging two people of the vault (`vaultcrm merge A B`)


@dataclass
class PeopleMerge:
    """B into A: A's new text, what it gains, and every other file whose links change."""

    into: str  # A's path
    gone: str  # B's path
    name_b: str
    stem_a: str
    text: str
    changes: list[str]
    rewrites: dict[str, str]  # path → new text (A and B excluded)
    new_link: str


def _person_record(v: Vault, person: Any, text: str) -> Record:
    from . import obsidian

    rec, why = obsidian.read_note("", person.stem, text)
    if rec is None:
        raise FrontmatterError(why or "cannot be read", path=person.path)
    rec.notes = None
    rec.interactions = []
    rec.extra["aliases"] = [person.name, person.stem, *person.aliases]
    rec.extra["sources"] = strs(person.meta.get("sources"))
    rec.name = None
    return rec


def _carry_body(text_a: str, text_b: str, name_b: str, today: dt.date) -> tuple[str, int, int]:
    """A's text with B's log lines (in date order) and B's other body lines appended."""
    doc_b = document.split(text_b)
    b_lines = document.lines(text_b)
    first = document.body_start(doc_b)
    log = document.find_section(b_lines, "Log", first)
    log_range = range(log.start, log.end) if log else range(0)
    tasks = document.find_section(b_lines, "Tasks", first)
    logged = log_keys(text_a)
    present = {document.strip_eol(ln).strip() for ln in document.lines(text_a)}
    out = text_a
    n_log = n_other = 0
    for i in range(first, len(b_lines)):
        raw = document.strip_eol(b_lines[i])
        if i in log_range:
            if i == log.start if log else False:
                continue
            try:
                parsed = logline.parse(raw)
            except logline.LineError:
                parsed = None
            if parsed is not None:
                key = (parsed.date.isoformat(), parsed.type.lower(), logline.normalise_text(parsed.text))
                if raw.strip() in present or (not parsed.reserved and key in logged):
                    continue
                logged.add(key)
                out = document.add_to_section(out, "Log", raw, parsed.date.isoformat())
                n_log += 1
                continue
        if tasks is not None and i == tasks.start:
            continue
        if not raw.strip() or raw.strip() in present:
            continue
        h = re.match(r"^ {0,3}(#{1,6})[ \t]+(.*)$", raw)
        if h:
            raw = "#" * max(3, len(h.group(1))) + " " + h.group(2)
        title = "Tasks" if tasks is not None and tasks.start < i < tasks.end else f"From {name_b}"
        out = document.add_to_section(out, title, raw)
        present.add(raw.strip())
        n_other += 1
    return out, n_log, n_other


def plan_merge(v: Vault, a: Any, b: Any) -> PeopleMerge:
    """What merging person ``b`` into ``a`` changes (nothing is written)."""
    from .. import links

    text_a = vaultio.decode(vaultio.read_bytes(v.root / a.path))
    text_b = vaultio.decode(vaultio.read_bytes(v.root / b.path))
    new_text, changes = _merged_text(v, a, b, text_a, text_b)
    new_link = a.stem
    rewrites: dict[str, str] = {}
    for old in dict.fromkeys([b.name, b.stem]):
        for rel, text in links.plan_link_rewrites(v, old, new_link).items():
            if rel in (b.path,):
                continue
            base = rewrites.get(rel)
            rewrites[rel] = links.rewrite_links(base, old, new_link) if base is not None else text
    if a.path in rewrites:
        for old in dict.fromkeys([b.name, b.stem]):
            new_text = links.rewrite_links(new_text, old, new_link)
        del rewrites[a.path]
    return PeopleMerge(a.path, b.path, b.name, a.stem, new_text, changes, rewrites, new_link)


def _merged_text(v: Vault, a: Any, b: Any, text_a: str, text_b: str) -> tuple[str, list[str]]:
    ctx = replace(context_for(v), log_import=False, stem=a.stem)
    res = merge_text(text_a, [_person_record(v, b, text_b)], ctx)
    out, n_log, n_other = _carry_body(res.text, text_b, b.name, v.today)
    changes = list(res.changes)
    if n_log:
        changes.append(f"{n_log} log line{'s' if n_log != 1 else ''}")
    if n_other:
        changes.append(f"{n_other} note line{'s' if n_other != 1 else ''}")
    line = f"- {v.today.isoformat()} note: merged the note of {b.name} ({b.path}) into this one [via:: merge]"
    out = document.add_to_section(out, "Log", line, v.today.isoformat())
    return out, changes


def apply_merge(v: Vault, plan: PeopleMerge, *, force: bool = False) -> str:
    """Write A, rewrite the links, then remove B; returns how to undo it."""
    import os

    from .. import bulk, links

    a = v.person_at(plan.into)
    b = v.person_at(plan.gone)
    if a is None or b is None:
        raise WriteRefused("the people changed while merging; run the command again")
    paths = [plan.into, plan.gone, *plan.rewrites]
    with bulk.guard(v, paths, force=force, what="merge") as g:
        text_b = vaultio.decode(vaultio.read_bytes(v.root / plan.gone))

        def change_a(text: str) -> str:
            new, _ = _merged_text(v, a, b, text, text_b)
            for old in dict.fromkeys([b.name, b.stem]):
                new = links.rewrite_links(new, old, plan.new_link)
            return new

        vaultio.edit(v.root, plan.into, change_a)
        for rel in sorted(plan.rewrites):

            def change(text: str) -> str:
                for old in dict.fromkeys([b.name, b.stem]):
                    text = links.rewrite_links(text, old, plan.new_link)
                return text

            vaultio.edit(v.root, rel, change)
        os.remove(vaultio.inside(v.root, plan.gone))  # only after A is written
        message = g.message()
    v.refresh()
    return f"Reversible: {message}"
