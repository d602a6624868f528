"""Vault-level commands: init, demo, check, index."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import click

from ..errors import VaultCRMError
from . import App, cli, json_option, output, pass_app

DEMO_MARKER = "DEMO.md"


def _template_files() -> dict[str, bytes]:
    """The starter vault shipped in the package: relative path → bytes."""
    from importlib.resources import files

    try:
        root: Any = files("vaultcrm.vault_template")  # installed from a wheel
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parents[2] / "vault-template"  # a source checkout
        if not root.is_dir():
            raise VaultCRMError("the starter vault is missing from this installation") from None
    out: dict[str, bytes] = {}

    def walk(node: Any, prefix: str) -> None:
        for child in node.iterdir():
            name = child.name
            if name in ("__pycache__", "__init__.py") or name.endswith(".pyc"):
                continue
            rel = f"{prefix}{name}"
            if child.is_dir():
                walk(child, rel + "/")
            else:
                out[rel] = child.read_bytes()

    walk(root, "")
    return out


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def git_first_commit(root: Path, message: str) -> str | None:
    """``git init`` and a first commit; returns a warning, or None when all went well."""
    if shutil.which("git") is None:
        return "git is not installed: the vault was created without version control"
    inside = _git(["rev-parse", "--is-inside-work-tree"], root)
    if inside.returncode == 0 and inside.stdout.strip() == "true":
        return "the folder is already in a git repository: nothing was committed"
    init = _git(["init", "--quiet"], root)
    if init.returncode != 0:
        return f"git init failed: {init.stderr.strip().splitlines()[-1] if init.stderr.strip() else 'unknown error'}"
    _git(["add", "-A"], root)
    commit = _git(["commit", "--quiet", "-m", message], root)
    if commit.returncode != 0:
        err = commit.stderr.strip()
        if "identity" in err or "user.email" in err or "user.name" in err:
            return (
                "git has no identity (user.name, user.email): the vault is a git repository "
                "but nothing was committed yet"
            )
        return f"git commit failed: {err.splitlines()[-1] if err else 'unknown error'}"
    return None


def write_template(root: Path, overwrite: bool = False) -> tuple[list[str], list[str]]:
    """Copy the starter vault into ``root``; never overwrite unless asked. (written, skipped)."""
    from .. import vault as vaultio

    written, skipped = [], []
    for rel, data in sorted(_template_files().items()):
        target = root / rel
        if target.exists() and not overwrite:
            skipped.append(rel)
            continue
        vaultio.atomic_write(target, data)
        written.append(rel)
    return written, skipped


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-git", is_flag=True, help="Do not run git init.")
@json_option
@pass_app
def init(app: App, directory: Path, no_git: bool) -> None:
    """Create a new vault in DIRECTORY (default: here) from the starter template.

    Writes vaultcrm.yaml (commented), people/ with one example person,
    templates/, journal/, .gitignore; existing files are never overwritten,
    so you can turn an existing Obsidian vault into a vaultcrm vault. Then
    `git init` and a first commit when git is available.

    \b
    Examples:
      vaultcrm init ~/people
      vaultcrm init               # the current folder, e.g. your Obsidian vault
    """
    root = directory.expanduser()
    if (root / "vaultcrm.yaml").exists():
        raise VaultCRMError(f"'{root}' is already a vault (it has a vaultcrm.yaml)")
    root.mkdir(parents=True, exist_ok=True)
    written, skipped = write_template(root)
    warning = None if no_git else git_first_commit(root, "vaultcrm: new vault")
    if app.json:
        output.emit_json(
            {
                "path": str(root.resolve()),
                "written": written,
                "skipped": skipped,
                "git": warning is None and not no_git,
                "warning": warning,
            }
        )
        return
    if warning:
        output.warn(warning)
    click.echo(f"New vault in {root}")
    for rel in written:
        click.echo(f"  + {rel}")
    for rel in skipped:
        click.echo(f"  = {rel} (exists, kept)")
    click.echo('Next: cd into it and run `vaultcrm add "A Name" --closeness 2`')


@cli.command()
@click.argument("directory", default="vaultcrm-demo", type=click.Path(file_okay=False, path_type=Path))
@pass_app
def demo(app: App, directory: Path) -> None:
    """Write a demo vault of fictional people with a year of history, and tour it.

    DIRECTORY defaults to ./vaultcrm-demo; running demo again recreates a
    demo vault there (any other non-empty folder is refused).

    \b
    Examples:
      vaultcrm demo
      vaultcrm demo /tmp/demo && vaultcrm --vault /tmp/demo list
    """
    import datetime as dt

    from .. import vault as vaultio
    from ..core import Vault, today_in
    from ..demo import demo_files

    root = directory.expanduser()
    if root.exists() and any(root.iterdir()):
        if not (root / DEMO_MARKER).exists():
            raise VaultCRMError(
                f"'{root}' exists and is not a demo vault: choose another folder",
                hint="vaultcrm demo /tmp/vaultcrm-demo",
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    today: dt.date = app.today or today_in(None)
    write_template(root)
    (root / "people" / "Ada Example.md").unlink(missing_ok=True)
    files = demo_files(today)
    files[DEMO_MARKER] = (
        "# vaultcrm demo vault\n\nEverybody here is fictional. The dates are relative to the day "
        f"the demo was made ({today.isoformat()}).\nRun `vaultcrm demo` again to make a fresh one.\n"
    )
    for rel, text in files.items():
        vaultio.atomic_write(root / rel, text.encode("utf-8"))
    warning = git_first_commit(root, "vaultcrm: demo vault")
    if warning and "identity" not in warning:
        output.warn(warning)

    v = Vault(root, today)
    progress = output.Progress("Indexing")
    try:
        v.refresh(progress=progress)
    finally:
        progress.close()
    _demo_reviews(v)
    _demo_tour(v, root)
    v.close()


def _demo_reviews(v: Any) -> None:
    """Two past weeks' reviews with a few boxes ticked, and this week's, as a user would have them."""
    import datetime as dt

    from .. import review as review_mod
    from .. import vault as vaultio
    from ..core import Vault

    for weeks_ago in (2, 1):
        day = v.today - dt.timedelta(days=7 * weeks_ago)
        past = Vault(v.root, day, v.settings)
        past.refresh()
        year, wk = review_mod.week_of(day)
        rel, _ = review_mod.write_review(past, review_mod.week_label(year, wk))
        ticked = 0

        def tick(text: str, day: dt.date = day) -> str:
            """Tick the three least urgent suggestions (as a user would: the easy ones first)."""
            nonlocal ticked
            lines = text.split("\n")
            boxes = [
                i
                for i, line in enumerate(lines)
                if line.startswith("- [ ] ") and "[[" in line and not line.startswith("- [ ] Intro ")
            ]
            for n, i in enumerate(boxes[-3:]):
                when = day + dt.timedelta(days=n)
                lines[i] = lines[i].replace("- [ ] ", "- [x] ", 1) + (f" ✅ {when.isoformat()}" if n != 1 else "")
                ticked += 1
            return "\n".join(lines).replace("## My notes\n", "## My notes\nCalled more people than I planned. 🙂\n")

        vaultio.edit(v.root, rel, tick)
        past.close()

    v.refresh()
    review_mod.write_review(v)


def _hours_to_next(f: Any) -> float | None:
    """Bond hours still missing for the next friend level, when the months gate is already met."""
    from ..scoring import FRIEND_LEVELS

    if f.level >= 10:
        return None
    _, _, hours, months = FRIEND_LEVELS[f.level]
    if f.months < months:
        return None
    return max(0.0, hours - f.hours)


def _demo_tour(v: Any, root: Path) -> None:
    from collections import Counter

    st = output.style
    people = v.people()
    touches = v.touches()
    infos = {p.path: v.due_info(p, touches) for p in people}
    click.echo(st(f"Demo vault written to {root}", bold=True))
    by_close = Counter(p.closeness for p in people)
    click.echo(
        f"{len(people)} people · "
        + " · ".join(f"{by_close.get(n, 0)} at closeness {n}" for n in (1, 2, 3, 4))
        + f" · {by_close.get(None, 0)} unclassified"
    )
    click.echo(f"{len(v.interactions())} interactions logged over the last year")
    click.echo("")
    due = [
        (p, infos[p.path])
        for p in people
        if infos[p.path].status in ("due", "overdue", "lapsed") and not infos[p.path].snoozed and not v.is_archived(p)
    ]
    tier_rank = {t: i for i, t in enumerate(v.settings.tiers)}
    due.sort(key=lambda x: (-x[1].priority, tier_rank.get(x[0].tier, 99), x[0].name))
    click.echo(st("Most overdue: reach out this week", bold=True))
    rows = []
    for p, info in due[:10]:
        health = v.health(p)
        rows.append(
            (
                p.name,
                p.closeness,
                info.status,
                f"{info.days_overdue}d",
                info.last_touch,
                info.last_type,
                f"{health.value} {health.band}" if health else "-",
            )
        )
    output.table(["name", "closeness", "status", "past due", "last touch", "type", "health"], rows)
    if v.gamification:
        report = v.game()
        streak = report.touch_streak
        frozen = [w.label for w in streak.weeks if w.state in ("frozen", "repaired")]
        click.echo("")
        click.echo(
            st(f"Level {report.level.level}", bold=True) + f" · {report.xp:,} XP · "
            f"keep-in-touch streak {streak.current} weeks"
            + (f" (a freeze saved {frozen[-1]})" if frozen else "")
            + f" · {len(report.earned())} of {len(report.badges)} badges"
        )
        friends = sorted(report.friend_levels.values(), key=lambda f: (-f.level, -f.hours, f.name))
        if friends:
            best = friends[0]
            click.echo(
                f"You are a level {best.level} friend of {best.name} ({best.title}, {best.hours:.0f} bond hours)"
            )
        gaps = [(gap, f) for f in friends if (gap := _hours_to_next(f)) is not None and gap <= 5]
        if gaps:
            gap, f = gaps[0]
            click.echo(f"{f.name} is {gap:.1f} bond hours from friend level {f.level + 1}")
    click.echo("")
    from .. import review as review_mod

    year, wk = review_mod.week_of(v.today)
    click.echo(f"This week's review: {root / review_mod.review_path(v, year, wk)} (open it in Obsidian)")
    click.echo("")
    click.echo("Try next:")
    click.echo(f"  cd {root}")
    if due:
        first = due[0][0].name
        click.echo(f'  vaultcrm show "{first}" --why')
        click.echo(f'  vaultcrm log "{first}" call "caught up"')
    click.echo("  vaultcrm due")
    click.echo("  vaultcrm profile")
    click.echo("  vaultcrm badges --all")
    click.echo("  vaultcrm list --closeness 1 --sort priority")
    click.echo("  vaultcrm deals")
    click.echo("  vaultcrm ab                 # which reconnect message gets replies")
    click.echo('  vaultcrm path "Alan Okoro"  # who can introduce you')


@cli.command()
@json_option
@pass_app
def check(app: App) -> None:
    """Check the vault: unparseable files, wrong types, unknown interaction types,
    broken [[links]], two files for one name, git conflict markers.

    Exits 1 when it finds problems, 0 when the vault is clean.

    \b
    Examples:
      vaultcrm check
      vaultcrm check --json | jq '.[] | .path'
    """
    from ..checks import run_checks

    v = app.vault(refresh=False)
    progress = output.Progress("Indexing")
    try:
        v.refresh(progress=progress)
    finally:
        progress.close()
    problems = run_checks(v)
    if app.json:
        output.emit_json([p.to_json() for p in problems])
    else:
        for p in problems:
            label = output.style(p.severity, fg="red" if p.severity == "error" else "yellow")
            click.echo(f"{p.location}: {label}: {p.message}")
        people = len(v.people())
        if problems:
            click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in a vault of {people} people")
        else:
            click.echo(f"No problems: {people} {'person' if people == 1 else 'people'}, all files readable.")
    if problems:
        raise SystemExit(1)


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Forget the cache and parse every file again.")
@json_option
@pass_app
def index_cmd(app: App, rebuild: bool) -> None:
    """Refresh the index (.vaultcrm/index.sqlite), or rebuild it from scratch.

    Every command refreshes it anyway; this is for scripts and for a cold
    start on a large vault. The cache is rebuildable: deleting it loses nothing.

    \b
    Examples:
      vaultcrm index
      vaultcrm index --rebuild --json
    """
    v = app.vault(refresh=False)
    progress = output.Progress("Rebuilding index" if rebuild else "Indexing")
    try:
        stats = v.rebuild(progress=progress) if rebuild else v.refresh(progress=progress)
    finally:
        progress.close()
    for d in v.unreadable():
        output.warn(f"{d} (skipped)")
    data = {
        "files": stats.scanned,
        "parsed": stats.parsed,
        "hashed": stats.hashed,
        "removed": stats.removed,
        "rebuilt": stats.rebuilt,
        "people": v.index.count_people(),
        "unreadable": len(v.unreadable()),
    }
    if app.json:
        output.emit_json(data)
        return
    verb = "Rebuilt" if rebuild else "Refreshed"
    click.echo(
        f"{verb} the index: {stats.scanned} files, {stats.parsed} parsed, {stats.removed} removed; "
        f"{data['people']} people in {stats.seconds:.2f} s"
    )
