"""watch: keep the index current while you edit, and cheer as it happens."""

from __future__ import annotations

import json

import click

from . import App, cli, json_option, output, pass_app


class _Printer:
    """Turns the watcher's reports into lines: cheers in green, the rest quiet."""

    def __init__(self, root: object, as_json: bool, progress: output.Progress) -> None:
        self.root = root
        self.as_json = as_json
        self.progress = progress

    def __call__(self, report: object) -> None:
        from ..watch import Report

        assert isinstance(report, Report)
        if report.kind == "ready":
            self.progress.close()
        if self.as_json:
            if report.kind in ("notice", "error", "ready"):
                self._human(report)
            else:
                click.echo(json.dumps(report.to_json(), ensure_ascii=False))
            return
        self._human(report)

    def _human(self, report: object) -> None:
        from ..watch import Report

        assert isinstance(report, Report)
        kind = report.kind
        if kind == "ready":
            output.note(f"Watching {self.root} (Ctrl-C to stop)")
        elif kind == "indexed":
            click.echo(output.style(describe(report.indexed, report.removed, report.paths), dim=True))
        elif kind == "gain":
            click.echo(output.style(report.message, fg="green", bold=True))
        elif kind == "unreadable":
            output.warn(f"{report.diagnostic} (skipped)")
        elif kind == "readable":
            click.echo(output.style(f"{report.path} can be read again", dim=True))
        elif kind == "review":
            click.echo(output.style(f"Updated {report.path}", dim=True))
        elif kind == "error":
            output.warn(report.message)
        else:
            output.note(report.message)


def describe(indexed: int, removed: int, paths: tuple[str, ...]) -> str:
    """``Indexed people/Ada.md`` / ``Indexed 3 files, removed 1``: what one refresh did."""
    if len(paths) == 1 and indexed + removed == 1:
        return f"{'Indexed' if indexed else 'Removed'} {paths[0]}"
    parts = []
    if indexed:
        parts.append(f"Indexed {indexed} file{'s' if indexed != 1 else ''}")
    if removed:
        parts.append(f"{'removed' if indexed else 'Removed'} {removed} file{'s' if removed != 1 else ''}")
    return ", ".join(parts)


@cli.command()
@click.option("--review", is_flag=True, help="Also rewrite this week's review note when something changes.")
@json_option
@pass_app
def watch(app: App, review: bool) -> None:
    """Keep the index current while you edit, and cheer as it happens.

    Watches the vault folder and re-indexes every saved, added, renamed or deleted
    note within a fraction of a second (a git pull of a thousand files is one
    refresh). Prints "Indexed …" for each change and, when gamification is on, the
    XP, friend levels and badges you just earned. Files that cannot be read are
    reported once. Other commands run while it watches trust its index and skip
    their own scan. Stop it with Ctrl-C.

    With --json, prints one JSON object per line for each change.

    \b
    Examples:
      vaultcrm watch
      vaultcrm watch --review
      vaultcrm watch --json
    """
    import warnings

    from ..watch import Watcher

    # watchdog warns when a new folder's watch is added twice (a folder made with its subfolders
    # at once); harmless, and not for the user's terminal
    warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
    v = app.vault(refresh=False)  # the watcher indexes (and reports) itself
    root, settings = v.root, v.settings
    v.close()
    progress = output.Progress("Indexing")
    watcher = Watcher(
        root,
        today=app.today,
        settings=settings,
        review=review,
        report=_Printer(root, app.json, progress),
        progress=progress,
    )
    try:
        watcher.run()
    finally:
        progress.close()
    output.note("Stopped watching.")
