"""The command-line interface: a thin click layer over :class:`vaultcrm.core.Vault`.

Global options come before the command (``--vault``, ``--today``, ``--debug``);
``--json`` comes after a data command (``vaultcrm list --json``), and the root
group accepts it too. User errors become one line on stderr and exit 1; usage
errors exit 2; a crash prints one line and asks for ``--debug``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import __version__
from ..errors import VaultCRMError
from . import output

if TYPE_CHECKING:
    from ..core import Vault

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """What the root options decided, shared by every command (click's ``ctx.obj``)."""

    def __init__(self, vault: str | None, today: dt.date | None, debug: bool, json_mode: bool) -> None:
        self.vault_opt = vault
        self.today = today
        self.debug = debug
        self.json = json_mode
        self._vault: Vault | None = None

    def vault(self, refresh: bool = True) -> Vault:
        """Open the vault, refresh its index and warn once about files that cannot be read."""
        if self._vault is None:
            from ..core import Vault
            from ..vault import find_root

            root = find_root(explicit=self.vault_opt)
            self._vault = Vault(root, self.today)
            if refresh and not _watched(root):
                progress = output.Progress("Indexing")
                try:
                    stats = self._vault.refresh(progress=progress)
                finally:
                    progress.close()
                if stats.parsed:
                    from ..yamlio import HAS_LIBYAML

                    if not HAS_LIBYAML:
                        output.warn(
                            "PyYAML has no libyaml: indexing is 5-7x slower (pip install --force-reinstall pyyaml)"
                        )
                if self._vault.index.notice:
                    output.note(f"Notice: {self._vault.index.notice}")
                for d in self._vault.unreadable():
                    output.warn(f"{d} (skipped)")
        return self._vault

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()


def _watched(root: Any) -> bool:
    """True when a running ``vaultcrm watch`` keeps the index current: no stat walk needed."""
    if os.environ.get("VAULTCRM_NO_WATCHER"):
        return False
    from ..watch import watcher_is_current

    return watcher_is_current(root)


def json_option(f: F) -> F:
    """Add ``--json`` to a data command; the root group's ``--json`` also applies."""

    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @functools.wraps(f)
    def wrapper(*args: Any, as_json: bool = False, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app: App = ctx.obj
        app.json = app.json or as_json
        return f(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def pass_app(f: F) -> F:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return f(click.get_current_context().obj, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _parse_today(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    source = "--today"
    if not value and os.environ.get("VAULTCRM_TODAY"):
        value, source = os.environ["VAULTCRM_TODAY"], "VAULTCRM_TODAY"
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        if source == "VAULTCRM_TODAY":
            raise click.UsageError(f"VAULTCRM_TODAY: '{value}' is not a date (YYYY-MM-DD)") from None
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


class VaultGroup(click.Group):
    """The root group: one exit point for every error (jrnl's habit)."""

    _plugin_commands: tuple[str, ...] = ()

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        # plugins load before parsing, so that their commands are in --help and can run
        from .. import plugins as manager

        for name in self._plugin_commands:  # the previous invocation's (one process, many runs in tests)
            self.commands.pop(name, None)
        loaded = manager.load(manager.vault_root_from_args(args), warn=output.warn)
        self._plugin_commands = tuple(loaded.install_commands(self))
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VaultCRMError as exc:
            app = ctx.obj
            if isinstance(app, App) and app.debug:
                raise
            label = click.style("Error:", fg="red", bold=True) if output._err_color() else "Error:"
            click.echo(f"{label} {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)
        except Exception as exc:
            app = ctx.obj
            if isinstance(app, App) and app.debug:
                raise
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {exc} (re-run with --debug for details)",
                err=True,
            )
            ctx.exit(1)
        finally:
            if isinstance(ctx.obj, App):
                ctx.obj.close()


@click.group(cls=VaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--vault",
    "vault",
    metavar="DIR",
    help="The vault folder (else $VAULTCRM_VAULT, else the nearest parent with vaultcrm.yaml).",
)
@click.option(
    "--today",
    callback=_parse_today,
    metavar="YYYY-MM-DD",
    help="Pretend today is this date (else $VAULTCRM_TODAY, else the clock).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON for scripts (same as --json after the command).",
)
@click.version_option(__version__, prog_name="vaultcrm")
@click.pass_context
def cli(ctx: click.Context, vault: str | None, today: dt.date | None, debug: bool, as_json: bool) -> None:
    """vaultcrm: a personal CRM that is a folder of Markdown files.

    Each person is a Markdown file in people/; vaultcrm tells you who is due
    for a call, keeps your log, and never changes a byte it does not mean to.

    \b
    Examples:
      vaultcrm init ~/people          # a new vault
      vaultcrm demo                   # try it on fictional people
      vaultcrm add "Klaus Breyer" --closeness 2 --circle creatives
      vaultcrm log Klaus coffee "talked about his startup"
      vaultcrm show Klaus
      vaultcrm list --closeness 1 --json
    """
    ctx.obj = App(vault, today, debug, as_json)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="vaultcrm")


# the commands register themselves on import
from . import (  # noqa: E402
    cleanup,
    deals,
    due,
    export,
    game,
    imports,
    insights,
    messages,
    network,
    people,
    plugins,
    review,
    search,
    setup,
    sync,
    watch,
)

__all__ = [
    "App",
    "cli",
    "main",
    "cleanup",
    "deals",
    "due",
    "export",
    "game",
    "imports",
    "insights",
    "messages",
    "network",
    "people",
    "plugins",
    "review",
    "search",
    "setup",
    "sync",
    "watch",
]
