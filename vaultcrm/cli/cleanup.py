"""Cleanup commands: rename, triage, and the body of `set --where` (the option lives on `set`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError, VaultCRMError
from . import App, cli, json_option, output, pass_app

if TYPE_CHECKING:
    from ..cleanup import Candidate
    from ..core import Vault


# ---------------------------------------------------------------------------
# rename


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--dry-run", is_flag=True, help="Show which files would change; write nothing.")
@click.option("--force", is_flag=True, help="Write even over uncommitted edits in git.")
@json_option
@pass_app
def rename(app: App, old: str, new: str, dry_run: bool, force: bool) -> None:
    """Rename a person: their file, `name:`, and every [[link]] to them in the vault.

    The old name is added to `aliases` (so searches and old notes still find
    them); links in person files, daily notes, reviews and frontmatter lists
    are rewritten, keeping shown text (`[[Old|Klaus]]` → `[[New|Klaus]]`).
    NEW is cleaned up as `add` does for file names; an existing NEW is refused.
    In git, files with uncommitted edits are refused unless --force; outside
    git, every file is backed up to .vaultcrm/backups/ first.

    \b
    Examples:
      vaultcrm rename "Klaus" "Klaus Breyer"
      vaultcrm rename "J. Miller" "Jane Miller" --dry-run
    """
    from ..bulk import guard
    from ..cleanup import apply_rename, plan_rename

    v = app.vault()
    person = v.resolve(old)
    plan = plan_rename(v, person, new)
    data: dict[str, Any] = {
        "name": person.name,
        "new_name": plan.new_name,
        "path": plan.old_path,
        "new_path": plan.new_path,
        "links": sorted(plan.link_files),
        "dry_run": dry_run,
    }
    if dry_run:
        if app.json:
            output.emit_json(data)
            return
        click.echo(f"Would rename {plan.old_path} → {plan.new_path}")
        n = len(plan.link_files)
        click.echo(f"and rewrite links in {n} file{'' if n == 1 else 's'}" + (":" if n else "."))
        for rel in sorted(plan.link_files):
            click.echo(f"  {rel}")
        return
    with guard(v, plan.paths, force=force, what="rename") as g:
        progress = output.Progress("Rewriting links")
        try:
            result = apply_rename(v, plan, progress)
        finally:
            progress.close()
    for rel, reason in result.failed:
        output.warn(f"{rel}: links not rewritten: {reason}")
    data.update(
        rewritten=result.rewritten,
        failed=[{"path": p, "reason": r} for p, r in result.failed],
        undo=g.message(),
        backup=g.backup_dir.relative_to(v.root).as_posix() if g.backup_dir else None,
    )
    if app.json:
        output.emit_json(data)
    else:
        click.echo(f"Renamed {person.name} → {plan.new_name} ({plan.new_path})")
        n = len(result.rewritten)
        click.echo(f"Rewrote links in {n} file{'' if n == 1 else 's'}; '{person.name}' is kept in aliases.")
        undo = g.message() + (f" and delete {plan.new_path}" if g.in_git and plan.new_path != plan.old_path else "")
        click.echo(undo)
    if result.failed:
        files = ", ".join(p for p, _ in result.failed)
        stem = plan.new_path.rsplit("/", 1)[-1][:-3]
        raise VaultCRMError(
            f"the links to '{person.name}' in {len(result.failed)} file(s) were not rewritten: {files}",
            hint=f"vaultcrm still finds them through the alias; change them to [[{stem}]] by hand",
        )


# ---------------------------------------------------------------------------
# triage

CLOSENESS_WORDS = {"1": "meet regularly", "2": "now and then", "3": "remote/old", "4": "not yet met"}
_QUIT = ("q", "\x03", "\x04", "\x1b", "")  # q, Ctrl-C, Ctrl-D, Esc, end of input


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many people.")
@click.option("--force", is_flag=True, help="Write even over uncommitted edits in git.")
@pass_app
def triage(app: App, limit: int | None, force: bool) -> None:
    """Classify unclassified people (no closeness yet) with single key presses.

    People come most promising first: those you have interacted with (most
    recent first, then most often), then by tier, then the most recently
    added. For each, press a closeness (1-4), then a circle key and a tier
    key (Enter keeps what is there). `s` skips a person, `q` quits; every
    answer is written at once, as `vaultcrm set` writes it (with its dated log
    line), so quitting loses nothing.

    \b
    Examples:
      vaultcrm triage
      vaultcrm triage --limit 20
    """
    from ..bulk import guard
    from ..cleanup import choice_keys, triage_queue

    v = app.vault()
    queue = triage_queue(v)
    total = len(queue)
    if limit:
        queue = queue[:limit]
    if not queue:
        click.echo("Nobody to triage: everyone has a closeness.")
        return
    circle_keys = choice_keys(v.settings.circles)
    tier_keys = choice_keys(v.settings.tiers)
    with guard(v, [c.person.path for c in queue], force=force, what="triage") as g:
        click.echo(f"{total} unclassified {'person' if total == 1 else 'people'}. {g.message()}")
        done = skipped = 0
        for i, cand in enumerate(queue, 1):
            outcome, classified = _triage_one(v, cand, i, len(queue), circle_keys, tier_keys)
            done += classified
            skipped += outcome == "skip"
            if outcome == "quit":
                break
    click.echo(f"Classified {done}, skipped {skipped}; {total - done} still unclassified.")


def _key() -> str:
    """One key press; from standard input when there is no terminal (keys piped in)."""
    import sys

    try:
        return click.getchar()
    except OSError:  # no /dev/tty: read the next character of the piped input ("" at its end)
        return sys.stdin.read(1)


def _ask(prompt: str, allowed: set[str]) -> str:
    """One key press from ``allowed`` (lower case), a quit key, or Enter ("\\r")."""
    click.echo(prompt + " ", nl=False)
    while True:
        ch = _key()
        if ch in _QUIT:
            click.echo("q")
            return "q"
        ch = "\r" if ch in ("\r", "\n") else ch.lower()
        if ch in allowed or ch == "\r":
            click.echo("" if ch == "\r" else ch)
            return ch


def _card(v: Vault, cand: Candidate, i: int, n: int) -> None:
    p = cand.person
    st = output.style
    click.echo("")
    click.echo(f"{st(p.name, bold=True)}  {st(f'({i}/{n}) {p.path}', dim=True)}")
    company = p.company.strip("[]") if p.company else None
    about = " · ".join(x for x in (p.role, company, p.location) if x)
    if about:
        click.echo(f"  {about}")
    contact = " · ".join([*p.emails[:2], *p.phones[:1]])
    if contact:
        click.echo(f"  {contact}")
    if p.tags:
        click.echo("  tags: " + ", ".join(p.tags))
    if cand.last:
        times = f"{cand.count} interaction{'' if cand.count == 1 else 's'}"
        click.echo(f"  {times}, last {cand.last.isoformat()} {cand.last_text}".rstrip())
    else:
        click.echo("  no interactions yet")
    bits = [f"circle {p.circle}" if p.circle else "", f"tier {p.tier}" if p.tier else ""]
    bits.append(f"added {p.added.isoformat()}" if p.added else "")
    shown = " · ".join(b for b in bits if b)
    if shown:
        click.echo(f"  {shown}")


def _triage_one(
    v: Vault, cand: Candidate, i: int, n: int, circle_keys: dict[str, str], tier_keys: dict[str, str]
) -> tuple[str, bool]:
    """Ask about one person: ("quit" | "skip" | "done", whether a closeness was written)."""
    _card(v, cand, i, n)
    p = cand.person
    levels = "  ".join(f"{k} {w}" for k, w in CLOSENESS_WORDS.items())
    ch = _ask(f"closeness? {levels}  s skip  q quit:", {*CLOSENESS_WORDS, "s"})
    if ch == "q":
        return "quit", False
    if ch in ("s", "\r"):
        return "skip", False
    _write(v, p, "closeness", ch)
    for key, keys in (("circle", circle_keys), ("tier", tier_keys)):
        current = getattr(v.person_at(p.path) or p, key)
        shown = "  ".join(f"{k} {opt}" for k, opt in keys.items())
        keep = f"Enter keep {current}" if current else "Enter none"
        ch = _ask(f"{key}? {shown}  {keep}  s next  q quit:", {*keys, "s"})
        if ch == "q":
            return "quit", True
        if ch == "s":
            return "done", True
        if ch != "\r":
            person = v.person_at(p.path) or p
            _write(v, person, key, keys[ch])
    return "done", True


def _write(v: Vault, person: Any, key: str, value: str) -> None:
    """The same write as `vaultcrm set` (one key, plus the dated log line)."""
    _old, _new, logged = v.set_value(person, key, value)
    click.echo(output.style(f"  → {key} {value}" + (f"  ({logged.strip('- ')})" if logged else ""), dim=True))


# ---------------------------------------------------------------------------
# set --where (called from `set` in people.py)


def set_where(app: App, filters: tuple[str, ...], key: str, value: str, *, dry_run: bool, force: bool) -> None:
    """Set KEY to VALUE on everyone matching ``filters`` (`list`'s filters as KEY=VALUE)."""
    import re

    from ..bulk import guard
    from ..cleanup import parse_where, person_matches, set_many
    from ..core import RESERVED_SET_KEYS
    from ..summary import ensure_summaries
    from .people import STATUSES, people_filter

    if not re.fullmatch(r"[A-Za-z_][\w-]*", key):
        raise UsageError(f"'{key}' is not a frontmatter key")
    if key == "name":
        raise UsageError("names are changed one at a time: vaultcrm rename OLD NEW")
    f = parse_where(filters)
    for c in f.get("closeness", []):
        if c not in ("1", "2", "3", "4", "none"):
            raise UsageError(f"--where: closeness must be 1-4 or none, not '{c}'")
    for s in f.get("status", []):
        if s not in STATUSES:
            raise UsageError(f"--where: unknown status '{s}'", hint="statuses: " + ", ".join(STATUSES))
    archived = any(a.lower() in ("yes", "true", "on", "1") for a in f.get("archived", []))
    v = app.vault()
    new = v.coerce(key, value)  # a wrong value fails before anything is written
    if "status" in f or "band" in f:  # computed columns: ask the summary table, as `list` does
        where, params = people_filter(
            f.get("circle", []),
            f.get("closeness", []),
            f.get("stage", []),
            f.get("tier", []),
            f.get("tag", []),
            f.get("status", []),
            f.get("band", []),
            " ".join(f["near"]) if "near" in f else None,
            archived,
        )
        ensure_summaries(v)
        found = v.index.query_summary(" AND ".join(where) or "1", params, "name_key, path", "path")
        by_path = {p.path: p for p in v.people()}
        matched = [by_path[row[0]] for row in found if row[0] in by_path]
    else:  # the same test on the records themselves: no summaries to compute first
        matched = sorted((p for p in v.people() if person_matches(v, p, f)), key=lambda p: (p.name.casefold(), p.path))
    changing = []
    for p in matched:
        old = getattr(p, key) if key in RESERVED_SET_KEYS else p.meta.get(key)
        if old != new and not (old is not None and str(old) == str(new) and not isinstance(new, list)):
            changing.append((p, old))
    rows: list[dict[str, Any]] = [{"name": p.name, "path": p.path, "old": old, "new": new} for p, old in changing]
    if dry_run or not changing:
        if app.json:
            output.emit_json(
                {"key": key, "matched": len(matched), "changed": 0, "would_change": rows, "dry_run": dry_run}
            )
            return
        if not changing:
            click.echo(f"{len(matched)} matched; nobody needs a change ({key} is already {value}).")
            return
        click.echo(f"Would set {key} = {value} on {len(changing)} of {len(matched)} matched:")
        for p, old in changing:
            click.echo(f"  {p.name}: {'none' if old is None else old} → {value}")
        return
    with guard(v, [p.path for p, _ in changing], force=force, what="set --where") as g:
        progress = output.Progress(f"Setting {key}")
        try:
            written, failed = set_many(v, [p for p, _ in changing], key, value, progress)
        finally:
            progress.close()
    for _rel, reason in failed:
        output.warn(f"not changed: {reason}")
    if app.json:
        output.emit_json(
            {
                "key": key,
                "matched": len(matched),
                "changed": len(written),
                "people": rows,
                "failed": [{"path": p, "reason": r} for p, r in failed],
                "undo": g.message(),
                "backup": g.backup_dir.relative_to(v.root).as_posix() if g.backup_dir else None,
            }
        )
        return
    who = "person" if len(matched) == 1 else "people"
    click.echo(f"Set {key} = {value} on {len(written)} of {len(matched)} matched {who}.")
    click.echo(g.message())
