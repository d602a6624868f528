"""sync: commit, pull --rebase and push the vault with git; the hidden merge-driver command."""

from __future__ import annotations

from pathlib import Path

import click

from . import App, cli, json_option, output, pass_app


@cli.command()
@click.option("--message", "-m", metavar="M", help="The commit message (default: generated from the changes).")
@click.option("--no-push", is_flag=True, help="Commit and pull, but do not push.")
@json_option
@pass_app
def sync(app: App, message: str | None, no_push: bool) -> None:
    """Sync the vault with git: commit its changes, pull --rebase, push.

    Stages every change inside the vault (never the .vaultcrm/ cache; vault
    plugins in .vaultcrm/plugins/ are included), commits with a message that
    says what changed, rebases onto the remote branch when it exists and
    pushes (setting the upstream the first time). It uses your own git
    settings: remotes, credentials, hooks, signing. Without a remote it
    commits only.

    Two machines that logged different lines for the same person do not
    conflict: a merge driver (set up by sync in .git/config and
    .gitattributes) keeps both sides' lines in ## Log and ## Tasks, in date
    order. Two machines that both wrote this week's review note do not
    conflict either: a second driver keeps every tick and every line of
    yours from both. Any other conflict stops sync in git's ordinary rebase
    state and names the files; exit code 1.

    \b
    Examples:
      vaultcrm sync
      vaultcrm sync --message "after the conference"
      vaultcrm sync --no-push --json
    """
    from .. import settings as settings_mod
    from .. import sync as sync_mod
    from ..vault import find_root

    root = find_root(explicit=app.vault_opt)
    folders = settings_mod.load(root).folders
    report = sync_mod.sync(root, people=folders.people, reviews=folders.reviews, message=message, push=not no_push)
    if app.json:
        output.emit_json(report.to_json())
        if report.conflicts:
            raise SystemExit(1)
        return
    for warning in report.warnings:
        output.warn(warning)
    for item in report.configured:
        click.echo(f"Set up: {item}")
    if report.committed:
        noun = "file" if report.files == 1 else "files"
        click.echo(f"Committed {report.files} {noun}: {report.message}")
    else:
        click.echo("Nothing to commit.")
    if report.remote is None:
        click.echo("No git remote: committed here only (add one with 'git remote add origin URL', see docs/sync.md).")
        return
    where = f"{report.remote}/{report.remote_branch}"
    if report.conflicts:
        _conflict(report.conflicts, where)
        raise SystemExit(1)
    if report.pulled:
        click.echo(f"Pulled {report.pulled} commit{'s' if report.pulled != 1 else ''} from {where}.")
    if report.pushed:
        click.echo(f"Pushed to {where}.")
    elif report.push_skipped == "up-to-date":
        click.echo(f"Up to date with {where}.")
    elif report.push_skipped == "no-push":
        click.echo("Not pushed (--no-push).")


def _conflict(files: list[str], where: str) -> None:
    label = output.style("Conflict:", fg="red", bold=True)
    lines = [
        f"{label} both sides changed the same lines, outside what vaultcrm merges by itself, in:",
        *(f"  {f}" for f in files),
        f"Nothing is lost: git stopped in the middle of a rebase of your commits onto {where}.",
        "To finish, in the vault folder: edit each file (keep what you want and delete the",
        "<<<<<<<, ======= and >>>>>>> lines), then 'git add FILE' and 'git rebase --continue',",
        "then run 'vaultcrm sync' again. To go back instead: 'git rebase --abort'.",
        "In the markers, 'ours' is the version already on the remote and 'theirs' is this machine's.",
    ]
    click.echo("\n".join(lines), err=True)


@cli.command("merge-driver", hidden=True)
@click.option("--review", is_flag=True, help="The file is a weekly review note (or its heatmap), not a person file.")
@click.argument("base", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("marker_size", required=False, default=7, type=click.IntRange(min=1))
@click.argument("path", nargs=-1)
def merge_driver(base: Path, ours: Path, theirs: Path, marker_size: int, path: tuple[str, ...], review: bool) -> None:
    """The git merge driver for person files (git runs it; you do not need to).

    Merges BASE, OURS and THEIRS into OURS: the ## Log and ## Tasks sections
    keep every line either side added, in date order; the rest merges like
    git does. With --review, for weekly review notes: the generated block
    from one side, every tick and every line of yours from both. Exits 1
    and leaves conflict markers when something else conflicts. PATH is the
    file's path, for messages. `vaultcrm sync` sets both up (.git/config
    and .gitattributes); see docs/sync.md.

    \b
    Example (.git/config):
      [merge "vaultcrm-log"]
        driver = python -m vaultcrm merge-driver %O %A %B %L %P
      [merge "vaultcrm-review"]
        driver = python -m vaultcrm merge-driver --review %O %A %B %L %P
    """
    from ..mergedriver import run_driver

    conflicts = run_driver(base, ours, theirs, marker_size, review=review)
    if conflicts:
        click.echo(f"vaultcrm: {' '.join(path) or ours}: conflict markers left in the file", err=True)
        raise SystemExit(1)
