"""plugins: what is loaded and from where; trust or untrust a vault plugin on this machine."""

from __future__ import annotations

from pathlib import Path

import click

from . import App, cli, json_option, output, pass_app


def _root(app: App) -> Path:
    from ..vault import find_root

    return find_root(explicit=app.vault_opt)


@cli.group(invoke_without_command=True)
@json_option
@pass_app
def plugins(app: App) -> None:
    """List the plugins: built-in parts, installed packages (entry-point group
    'vaultcrm') and vault plugins (.vaultcrm/plugins/*.py), where each comes from and
    which hooks it implements. Untrusted vault plugins are listed but never run.

    VAULTCRM_LOAD_PLUGINS restricts installed and vault plugins: unset loads all,
    empty loads none, a comma list loads only those.

    \b
    Examples:
      vaultcrm plugins
      vaultcrm plugins --json
      vaultcrm plugins trust .vaultcrm/plugins/standup.py
      VAULTCRM_LOAD_PLUGINS=birthdays vaultcrm plugins
    """
    ctx = click.get_current_context()
    if ctx.invoked_subcommand is not None:
        return
    from .. import plugins as plugins_mod

    rows = plugins_mod.current().listing()
    if app.json:
        output.emit_json([row.to_json() for row in rows])
        return
    for row in rows:
        state = "" if row.loaded else (" (not trusted: not run)" if row.trusted is False else " (not loaded)")
        click.echo(f"{row.name}  ·  {row.where()}{state}")
        if row.hooks:
            click.echo(f"    hooks: {', '.join(row.hooks)}")
        for error in row.errors:
            click.echo(f"    error: {error}")
        if row.trusted is False:
            click.echo(f"    trust it on this machine: vaultcrm plugins trust {row.path}")


@plugins.command("trust")
@click.argument("file")
@json_option
@pass_app
def trust_cmd(app: App, file: str) -> None:
    """Trust a vault plugin on this machine, so that it runs with every command.

    A vault plugin is Python code that came with the vault's files: read it first,
    it can do anything you can. Trust is kept outside the vault, per machine, keyed
    by the file's SHA-256: if the file changes (a pull, an edit), it stops running
    until you trust it again.

    \b
    Examples:
      vaultcrm plugins trust .vaultcrm/plugins/standup.py
      vaultcrm plugins trust standup.py
    """
    from .. import plugins as plugins_mod

    rel, digest = plugins_mod.trust(_root(app), file)
    if app.json:
        output.emit_json({"path": rel, "sha256": digest, "trusted": True})
        return
    click.echo(f"Trusted {rel} (sha256 {digest[:12]}…) on this machine: it runs from the next command on.")


@plugins.command("untrust")
@click.argument("file")
@json_option
@pass_app
def untrust_cmd(app: App, file: str) -> None:
    """Stop running a vault plugin on this machine (forget its trust).

    \b
    Examples:
      vaultcrm plugins untrust .vaultcrm/plugins/standup.py
    """
    from .. import plugins as plugins_mod

    rel, removed = plugins_mod.untrust(_root(app), file)
    if app.json:
        output.emit_json({"path": rel, "trusted": False, "removed": removed})
        return
    click.echo(f"Untrusted {rel}: it no longer runs." if removed else f"{rel} was not trusted here.")
