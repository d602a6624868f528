"""Applying an import plan to files: new notes, merges into existing notes, orgs, photos."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .. import vault as vaultio
from .merge_note import Context, merge_text
from .plan import MergeInto, NewNote, Plan, context_for, photo_name
from .record import Record

if TYPE_CHECKING:
    from ..core import Vault


# ---------------------------------------------------------------------------
# Writing


@dataclass
class Applied:
    written: list[str] = field(default_factory=list)
    message: str = ""
    photos: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def apply(v: Vault, plan: Plan, *, force: bool = False, what: str = "import") -> Applied:
    """Write the plan: new notes, merges (re-applied to the file as it is now), photos, orgs.

    Wrapped in :func:`vaultcrm.bulk.guard`: in git, files with uncommitted changes are
    refused unless ``force``; outside git they are backed up first.
    """
    from .. import bulk

    ctx = plan.context or context_for(v)
    out = Applied()
    paths = plan.writes
    photos: list[tuple[str, bytes]] = []
    people_dir = v.settings.folders.people
    for photo in [n.photo for n in plan.new] + [m.photo for m in plan.merges]:
        if photo:
            photos.append((f"{people_dir}/attachments/{photo[0]}", photo[1]))
    with bulk.guard(v, paths + [p for p, _ in photos], force=force, what=what) as g:
        # thousands of notes: one flush to disk at the end instead of two per file (every
        # existing file written is restorable from git or the guard's backup meanwhile)
        each = len(paths) <= BULK_FILES
        try:
            _write_all(v, plan, ctx, out, fsync=each)
        finally:
            if not each:
                vaultio.sync_all()
        for rel, data in photos:
            target = vaultio.inside(v.root, rel)
            if target.exists():
                if target.read_bytes() != data:
                    out.problems.append(f"{rel} exists with another picture: kept it, the imported one was dropped")
                continue
            vaultio.atomic_write(target, data)
            out.photos.append(rel)
        out.message = g.message()
    if out.written and len(out.written) <= BULK_FILES:
        v.refresh(paths=out.written)  # a large import is indexed by the next command
    return out


BULK_FILES = 50  # from this many files on, an import flushes to disk once at the end


def _write_all(v: Vault, plan: Plan, ctx: Context, out: Applied, *, fsync: bool) -> None:
    for note in plan.new:
        vaultio.create_new(v.root, note.path, note.text, fsync=fsync)
        out.written.append(note.path)
    for m in plan.merges:
        stem = m.path.rsplit("/", 1)[-1][:-3]
        mctx = replace(ctx, photo_name=photo_name(stem, m.records), log_import=m.log, stem=stem)
        recs = m.records

        def change(t: str, m: MergeInto = m, recs: list[Record] = recs, mctx: Context = mctx) -> str:
            return m.text if t == m.before else merge_text(t, recs, mctx).text  # changed since: re-apply

        if vaultio.edit(v.root, m.path, change, fsync=fsync):
            out.written.append(m.path)
    for o in plan.orgs:
        if isinstance(o, NewNote):
            vaultio.create_new(v.root, o.path, o.text)
            out.written.append(o.path)
        elif o.changes:
            octx = replace(ctx, log_import=False)

            def change_org(t: str, recs: list[Record] = o.records, octx: Context = octx) -> str:
                return merge_text(t, recs, octx).text

            if vaultio.edit(v.root, o.path, change_org, fsync=fsync):
                out.written.append(o.path)
