"""Printing: JSON for scripts, rich tables and colour on a terminal, plain text when piped."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click


def use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def emit_json(data: Any) -> None:
    """JSON on stdout: indented on a terminal, one fast compact line when piped."""
    if _stdout_tty():
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))
    else:
        click.echo(json.dumps(data, ensure_ascii=False, default=_default))


def emit_json_texts(items: list[str]) -> None:
    """A JSON list of already-encoded JSON values (fast for large lists)."""
    if _stdout_tty():
        emit_json([json.loads(item) for item in items])
    else:
        click.echo("[" + ", ".join(items) + "]")


def _stdout_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _default(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def warn(message: str) -> None:
    prefix = click.style("Warning:", fg="yellow", bold=True) if _err_color() else "Warning:"
    click.echo(f"{prefix} {message}", err=True)


def note(message: str) -> None:
    click.echo(message, err=True)


def _err_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def style(text: str, **kw: Any) -> str:
    return click.style(text, **kw) if use_color() else text


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    """A table: rich on a terminal, aligned plain text otherwise."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if use_color():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, header_style="bold", box=None, pad_edge=False)
        for col in columns:
            t.add_column(col, overflow="fold")
        for row in cells:
            t.add_row(*row)
        Console().print(t)
        return
    if title:
        click.echo(title)
    widths = [len(c) for c in columns]
    for row in cells:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    click.echo("  ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip())


class Progress:
    """A rich progress bar for long index work, shown only on a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._progress: Any = None
        self._task: Any = None
        self.enabled = use_color_stderr()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 300:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def use_color_stderr() -> bool:
    return _err_color()
