"""Import commands: import, dupes, merge."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError
from . import App, cli, json_option, output, pass_app

if TYPE_CHECKING:
    from ..importers.merge import Plan


def _interactive() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _print_plan(plan: Plan, limit: int = 50) -> None:
    def more(n: int) -> None:
        if n > limit:
            click.echo(f"  … and {n - limit} more (--json lists all)")

    if plan.new:
        click.echo(output.style(f"New people ({len(plan.new)}):", bold=True))
        for n in plan.new[:limit]:
            src = ", ".join(r.locator for r in n.records[:3]) + (" …" if len(n.records) > 3 else "")
            why = f"  ({n.why})" if n.why else ""
            click.echo(f"  + {n.name} → {n.path}  [{src}]{why}")
        more(len(plan.new))
    if plan.merges:
        click.echo(output.style(f"Merges into existing people ({len(plan.merges)}):", bold=True))
        for m in plan.merges[:limit]:
            click.echo(f"  ~ {m.name} ({m.path}) by {m.key}: {', '.join(m.changes) or 'sources'}")
        more(len(plan.merges))
    if plan.unchanged:
        click.echo(f"Already imported, unchanged: {len(plan.unchanged)}")
    orgs = [o for o in plan.orgs if getattr(o, "changes", True)]
    if orgs:
        click.echo(output.style(f"Organisations ({len(orgs)}):", bold=True))
        for o in orgs[:limit]:
            click.echo(f"  + {o.name} → {o.path}")
        more(len(orgs))
    if plan.suggestions:
        click.echo(output.style(f"Suggestions, not merged ({len(plan.suggestions)}):", bold=True))
        for s in plan.suggestions[:limit]:
            click.echo(f"  ? {s.a} / {s.b}  {s.score}  {s.reason}")
        more(len(plan.suggestions))
        click.echo("  (merge one pair with: vaultcrm merge A B)")
    if plan.skipped:
        click.echo(output.style(f"Skipped ({len(plan.skipped)}):", bold=True))
        for sk in plan.skipped[:limit]:
            line = f" line {sk.line}" if sk.line else ""
            click.echo(f"  - {sk.locator}{line}: {sk.reason}")
        more(len(plan.skipped))
    for p in plan.problems:
        output.warn(p)
    if plan.interactions:
        click.echo(f"Interactions in the import: {plan.interactions}")


@cli.command("import")
@click.argument("args", nargs=-1, required=True, metavar="[SOURCE] PATH...")
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option("--yes", "-y", is_flag=True, help="Write without asking (on a terminal it asks first).")
@click.option("--force", is_flag=True, help="Write even files with uncommitted changes in git (they are backed up).")
@json_option
@pass_app
def import_(app: App, args: tuple[str, ...], dry_run: bool, yes: bool, force: bool) -> None:
    """Import contacts from exports and merge them into your people.

    SOURCE is linkedin, google, outlook, vcard, facebook, twitter or obsidian;
    without it each file's source is detected (export ZIPs are read directly).
    Records that share an email, phone number or profile with someone are merged
    into that person's note, keeping every value; similar names are only
    suggested. Importing the same files again changes nothing. On a terminal
    the plan is shown and confirmed first; piped, it is applied.

    \b
    Examples:
      vaultcrm import ~/Downloads/Basic_LinkedInDataExport.zip --dry-run
      vaultcrm import google contacts.csv --yes
      vaultcrm import contacts.vcf Connections.csv
      vaultcrm import obsidian ~/OldVault/People
    """
    from ..importers import read_paths, sources

    known = set(sources()) | {"obsidian"}
    source: str | None = None
    paths = list(args)
    if paths and paths[0] in known and not Path(paths[0]).exists():
        source = paths.pop(0)
    if not paths:
        raise UsageError("name at least one file or folder to import")
    v = app.vault()
    progress = output.Progress("Matching")
    folder_plan = None
    try:
        if source == "obsidian":
            from ..importers import obsidian

            folder_plan = obsidian.plan_folder(v, [Path(p).expanduser() for p in paths])
            plan = folder_plan.plan
        else:
            from ..importers.merge import build_plan

            items = list(read_paths([Path(p).expanduser() for p in paths], source))
            plan = build_plan(v, items, progress=progress)
    finally:
        progress.close()
    copies = folder_plan.copies if folder_plan else []
    data: dict[str, Any] = plan.to_json()
    data["copies"] = [c for c, _ in copies]
    nothing = not plan.writes and not copies
    if not app.json:
        _print_plan(plan)
        for rel, _ in copies:
            click.echo(f"  = copied unchanged: {rel}")
        if nothing:
            click.echo("Nothing to change: everything is imported already." if plan.records else "Nothing to import.")
    if dry_run or nothing:
        if app.json:
            data["applied"] = False
            output.emit_json(data)
        elif dry_run and not nothing:
            click.echo("Dry run: nothing written.")
        return
    if not yes and _interactive():
        click.confirm("Write these changes?", abort=True, default=True, err=True)
    from .. import bulk
    from .. import vault as vaultio
    from ..importers.merge import apply

    if copies:
        with bulk.guard(v, [c for c, _ in copies], force=force, what="import"):
            for rel, text in copies:
                vaultio.create_new(v.root, rel, text)
    result = apply(v, plan, force=force)
    data["applied"] = True
    data["written"] = result.written + [c for c, _ in copies]
    data["photos"] = result.photos
    data["problems"] = plan.problems + result.problems
    if app.json:
        output.emit_json(data)
        return
    for p in result.problems:
        output.warn(p)
    click.echo(
        f"Imported {plan.records} record{'s' if plan.records != 1 else ''}: "
        f"{len(plan.new)} new, {len(plan.merges)} merged, {len(plan.unchanged)} unchanged, "
        f"{len(plan.skipped)} skipped; {len(data['written'])} files written."
    )
    if result.message:
        click.echo(result.message)


# ---------------------------------------------------------------------------
# dupes


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Show at most N pairs.")
@json_option
@pass_app
def dupes(app: App, limit: int) -> None:
    """List people who are likely the same person, with a score and the reason.

    A shared email, phone number or profile scores 100; equal names, nicknames
    (Bob/Robert) and similar spellings score lower. People whose emails and
    companies (or profiles) differ are namesakes and not listed. Notes whose
    frontmatter cannot be parsed are listed beside the person of the same name.

    \b
    Examples:
      vaultcrm dupes
      vaultcrm dupes --json
      vaultcrm merge "Robert Miller" "Bob Miller"   # then merge a pair
    """
    from ..importers import match
    from ..importers import normalize as norm
    from ..importers.merge import region_of

    v = app.vault()
    region = region_of(v)
    people = v.people()
    names = {p.path: p.name for p in people}
    entities = [match.meta_entity(p.path, p.name, p.meta, region) for p in people]
    found = match.find_dupes(entities)
    people_dir = v.settings.folders.people + "/"
    by_key: dict[str, list[str]] = {}
    for p in people:
        for n in p.all_names():
            by_key.setdefault(norm.name_key(n), []).append(p.path)
    broken: list[match.Suggestion] = []
    for d in v.unreadable():
        if d.path.startswith(people_dir):
            stem = d.path.rsplit("/", 1)[-1].removesuffix(".md")
            for path in by_key.get(norm.name_key(stem), []):
                broken.append(match.Suggestion(path, d.path, 100, f"{d.path} cannot be parsed: {d.message}"))
            if not by_key.get(norm.name_key(stem)):
                # a note beside it: "Anna Schmidt 2.md", "Anna Schmidt (Globex).md"
                for key, paths in by_key.items():
                    if key.startswith(norm.name_key(stem)):
                        for path in paths:
                            broken.append(match.Suggestion(path, d.path, 90, f"{d.path} cannot be parsed"))
    found = broken + found
    rows = [
        {
            "a": s.a,
            "a_name": names.get(s.a, s.a),
            "b": s.b,
            "b_name": names.get(s.b, s.b),
            "score": s.score,
            "reason": s.reason,
        }
        for s in found[:limit]
    ]
    if app.json:
        output.emit_json(rows)
        return
    if not rows:
        click.echo("No likely duplicates.")
        return
    output.table(
        ["score", "person", "and", "reason"],
        [(r["score"], r["a_name"], r["b_name"], r["reason"]) for r in rows],
        title=f"Likely duplicates: {len(found)}",
    )
    click.echo("Merge a pair with: vaultcrm merge A B  (B goes into A)")


# ---------------------------------------------------------------------------
# merge


@cli.command("merge")
@click.argument("a")
@click.argument("b")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="Write even files with uncommitted changes in git (they are backed up).")
@json_option
@pass_app
def merge_cmd(app: App, a: str, b: str, dry_run: bool, force: bool) -> None:
    """Merge person B into person A, keeping every field and log line.

    Emails, phones, tags and handles are unioned; a value of B that differs
    from A's goes to A's `previous:` list; B's name becomes an alias of A; both
    logs are combined in date order and B's other notes are appended. Every
    [[B]] link in the vault is rewritten to [[A]], and B's file is removed only
    after A is written. In git, undo it with `git checkout` (outside git a backup
    is kept in .vaultcrm/backups/).

    \b
    Examples:
      vaultcrm merge "Robert Miller" "Bob Miller" --dry-run
      vaultcrm merge Klaus "K. Breyer"
    """
    from ..importers import merge as merging

    v = app.vault()
    pa = v.resolve(a)
    pb = v.resolve(b)
    if pa.path == pb.path:
        raise UsageError(f"'{a}' and '{b}' are the same person ({pa.path})")
    plan = merging.plan_merge(v, pa, pb)
    data = {
        "into": pa.path,
        "from": pb.path,
        "changes": plan.changes,
        "links": sorted(plan.rewrites),
        "removed": pb.path,
        "applied": False,
    }
    if dry_run:
        if app.json:
            output.emit_json(data)
            return
        click.echo(f"Would merge {pb.name} ({pb.path}) into {pa.name} ({pa.path}):")
        click.echo(f"  {pa.path}: {', '.join(plan.changes) or 'no new values'}")
        for rel in sorted(plan.rewrites):
            click.echo(f"  {rel}: links to [[{pb.name}]] → [[{plan.new_link}]]")
        click.echo(f"  {pb.path}: removed")
        click.echo("Dry run: nothing written.")
        return
    message = merging.apply_merge(v, plan, force=force)
    data["applied"] = True
    if app.json:
        output.emit_json(data)
        return
    n = len(plan.rewrites)
    click.echo(
        f"Merged {pb.name} into {pa.name} ({pa.path}); {n} file{'s' if n != 1 else ''} with links rewritten; "
        f"{pb.path} removed."
    )
    click.echo(message)
