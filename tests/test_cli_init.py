"""init (with a real git) and demo."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultcrm.cli import cli

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git_env(monkeypatch: pytest.MonkeyPatch, home: Path, identity: bool) -> None:
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for var in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(var, raising=False)
    config = "[init]\n\tdefaultBranch = main\n"
    if identity:
        config += "[user]\n\tname = Test User\n\temail = test@example.com\n"
    else:
        config += "[user]\n\tuseConfigOnly = true\n"
    (home / ".gitconfig").write_text(config)


@needs_git
def test_init_makes_a_vault_and_a_first_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git_env(monkeypatch, tmp_path / "home", identity=True)
    target = tmp_path / "people"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for rel in ("vaultcrm.yaml", "people/Ada Example.md", "templates/person.md.j2", ".gitignore"):
        assert (target / rel).is_file(), rel
    log = subprocess.run(["git", "log", "--oneline"], cwd=target, capture_output=True, text=True, check=True)
    assert "vaultcrm: new vault" in log.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True)
    assert status.stdout == ""
    # the cache is ignored, vault plugins are not
    assert CliRunner().invoke(cli, ["--vault", str(target), "list"]).exit_code == 0
    (target / ".vaultcrm/plugins").mkdir(parents=True)
    (target / ".vaultcrm/plugins/mine.py").write_text("# plugin\n")
    status = subprocess.run(
        ["git", "status", "--porcelain", "-uall"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.strip() == "?? .vaultcrm/plugins/mine.py"


@needs_git
def test_init_without_git_identity_warns_and_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git_env(monkeypatch, tmp_path / "home", identity=False)
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "git has no identity" in warnings[0]
    assert (tmp_path / "v/.git").is_dir() and (tmp_path / "v/vaultcrm.yaml").is_file()


def test_init_without_git_binary_warns_and_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    assert "Warning: git is not installed" in result.stderr
    assert (tmp_path / "v/vaultcrm.yaml").is_file() and not (tmp_path / "v/.git").exists()


def test_init_keeps_existing_files_and_refuses_a_second_time(tmp_path: Path) -> None:
    target = tmp_path / "obsidian"
    (target / ".obsidian").mkdir(parents=True)
    (target / ".obsidian/app.json").write_text("{}")
    (target / "people").mkdir()
    (target / "people/Ada Example.md").write_text("mine\n")
    result = CliRunner().invoke(cli, ["init", str(target), "--no-git"])
    assert result.exit_code == 0, result.output
    assert (target / "people/Ada Example.md").read_text() == "mine\n"
    assert (target / ".obsidian/app.json").read_text() == "{}"
    again = CliRunner().invoke(cli, ["init", str(target), "--no-git"])
    assert again.exit_code == 1 and "already a vault" in again.stderr


def test_the_template_vault_is_clean(tmp_path: Path) -> None:
    target = tmp_path / "v"
    assert CliRunner().invoke(cli, ["init", str(target), "--no-git"]).exit_code == 0
    result = CliRunner().invoke(cli, ["--vault", str(target), "--today", "2026-11-24", "check"])
    assert result.exit_code == 0, result.output


def test_demo_makes_a_rich_clean_vault_and_tours_it(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["--today", "2026-11-24", "demo", str(target)])
    assert result.exit_code == 0, result.output
    assert "Most overdue: reach out this week" in result.stdout
    people = json.loads(
        CliRunner().invoke(cli, ["--vault", str(target), "--today", "2026-11-24", "list", "--json"]).stdout
    )
    assert len(people) >= 40
    assert {p["closeness"] for p in people} == {1, 2, 3, 4, None}
    assert {p["status"] for p in people} >= {"fresh", "due", "overdue", "lapsed", "not started", "snoozed"}
    assert len({p["circle"] for p in people}) >= 4 and len({p["stage"] for p in people}) >= 5
    assert max(p["friend_level"] for p in people) >= 5
    check = CliRunner().invoke(cli, ["--vault", str(target), "--today", "2026-11-24", "check"])
    assert check.exit_code == 0, check.stdout
    # the dates follow today, and a second run recreates the demo
    again = CliRunner().invoke(cli, ["--today", "2027-03-01", "demo", str(target)])
    assert again.exit_code == 0, again.output
    due = json.loads(CliRunner().invoke(cli, ["--vault", str(target), "--today", "2027-03-01", "due", "--json"]).stdout)
    assert due["people"] and due["tasks"] and due["birthdays"]


def test_demo_refuses_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/notes.md").write_text("precious\n")
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "mine")])
    assert result.exit_code == 1 and "is not a demo vault" in result.stderr
    assert (tmp_path / "mine/notes.md").read_text() == "precious\n"


def test_demo_is_deterministic() -> None:
    import datetime as dt

    from vaultcrm.demo import demo_files

    assert demo_files(dt.date(2026, 11, 24)) == demo_files(dt.date(2026, 11, 24))
    assert all("[[" not in name for name in demo_files(dt.date(2026, 11, 24)))
