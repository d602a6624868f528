"""The docs keep up with the code: every command documented, every --help with an example."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vaultcrm.cli import cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(cli.commands)


def test_there_are_commands() -> None:
    assert {"init", "demo", "add", "log", "show", "list", "set", "check", "index"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_docs_commands(name: str) -> None:
    text = (ROOT / "docs/commands.md").read_text(encoding="utf-8")
    assert re.search(rf"^## vaultcrm {re.escape(name)}\b", text, re.MULTILINE), f"docs/commands.md lacks {name}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_help_has_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout, f"vaultcrm {name} --help has no example"
    assert f"vaultcrm {name}" in result.stdout


def test_every_option_of_every_command_is_documented() -> None:
    text = (ROOT / "docs/commands.md").read_text(encoding="utf-8")
    missing = []
    for name in COMMANDS:
        section = text.split(f"## vaultcrm {name}", 1)[1].split("\n## ", 1)[0]
        command = cli.commands[name]
        for param in command.params:
            documented = any(opt in section for opt in getattr(param, "opts", ()))
            if isinstance(param, click.Option) and param.name != "as_json" and not documented:
                missing.append(f"{name} {param.opts[0]}")
    assert missing == []


def test_readme_quickstart() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && vaultcrm demo" in readme
    assert "pip install -e '.[test]' && pytest" in readme


def test_vault_template_settings_are_the_defaults() -> None:
    from vaultcrm import settings

    parsed = settings.parse((ROOT / "vault-template/vaultcrm.yaml").read_text(encoding="utf-8"))
    default = settings.Settings()
    for attr in (
        "circles",
        "levels",
        "stages",
        "tiers",
        "types",
        "pauses",
        "week_start",
        "gamification",
        "weekly_goal",
        "due_within",
        "folders",
        "deal_stages",
    ):
        assert getattr(parsed, attr) == getattr(default, attr), attr


def test_packaged_person_template_matches_the_vault_template() -> None:
    assert (ROOT / "vaultcrm/templates/person.md.j2").read_bytes() == (
        ROOT / "vault-template/templates/person.md.j2"
    ).read_bytes()
