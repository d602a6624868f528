"""profile, badges, celebrations in log, quiet mode: the game through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import Run

from vaultcrm.cli import cli


def weekly_coffees(root: Path, name: str, weeks: int, minutes: int = 120) -> None:
    import datetime as dt

    today = dt.date(2026, 11, 24)
    lines = "".join(
        f"- {(today - dt.timedelta(days=7 * k + 1)).isoformat()} coffee: usual table [min:: {minutes}]\n"
        for k in range(1, weeks + 1)
    )
    (root / f"people/{name}.md").write_text(f"---\ncloseness: 1\n---\n## Log\n{lines}")


def test_log_celebrates_a_friend_level_and_the_xp(run: Run, vault: Path) -> None:
    # 24 weekly two-hour coffees over six months: 48 h, so the next one makes a level-5 friend
    weekly_coffees(vault, "Klara Vogel", 24)
    before = run.json("show", "Klara")
    assert before["friend_level"] == 4
    result = run("log", "Klara", "coffee", "long lunch", "--min", "120", "--out")
    assert result.exit_code == 0, result.output
    celebration = result.stdout.splitlines()[-1]
    assert celebration.startswith("+") and " XP · " in celebration
    assert "Congratulations, you are now a level 5 friend of Klara Vogel!" in celebration
    assert run.json("show", "Klara")["friend_level"] == 5


def test_log_json_reports_what_was_earned(run: Run) -> None:
    data = run.json("log", "Ed Miller", "call", "back in touch", "--out")
    earned = data["earned"]
    assert earned["xp"] > 0
    # Ed's previous touch was 2025-05-01: more than a year, so the Reconnector badge unlocks
    assert {"id": "reconnector", "name": "Reconnector", "tier": "bronze"} in earned["badges"]


def test_profile_json_keys_and_determinism(run: Run, vault: Path, tmp_path: Path) -> None:
    import os
    import shutil
    import time

    data = run.json("profile")
    for key in (
        "xp",
        "level",
        "streak",
        "freezes",
        "consistency",
        "longest_streak",
        "badges",
        "recent",
        "friend_levels",
        "on_time_streak",
    ):
        assert key in data, key
    assert data["xp"] > 0 and data["level"] >= 1
    copy = tmp_path / "elsewhere" / "vault copy"
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".vaultcrm"))
    later = time.time() + 3600
    for path in copy.rglob("*.md"):
        os.utime(path, (later, later))
    assert Run(copy)("profile", "--json").stdout == run("profile", "--json").stdout
    assert Run(copy)("badges", "--all", "--json").stdout == run("badges", "--all", "--json").stdout


def test_badges_all_lists_24_with_progress(run: Run) -> None:
    every = run.json("badges", "--all")
    assert len(every) == 24
    assert {"id", "name", "tier", "earned_on", "progress", "target", "next_tier"} <= set(every[0])
    earned = run.json("badges")
    assert [b["id"] for b in earned] == [b["id"] for b in every if b["tier"]]
    assert "first_hello" in [b["id"] for b in earned]
    text = run("badges", "--all").stdout
    assert "Reconnector" in text and "bronze: 0/1" in text


def test_profile_text(run: Run) -> None:
    out = run("profile").stdout
    assert out.startswith("Level ")
    assert "Keep-in-touch streak" in out and "freeze" in out and "Consistency" in out


def test_quiet_mode_hides_the_game(run: Run, vault: Path) -> None:
    (vault / "vaultcrm.yaml").write_text("gamification: off\n")
    assert "Quiet mode" in run("profile").stdout
    assert run.json("profile") == {"gamification": False, "today": "2026-11-24"}
    assert run.json("badges", "--all") == []
    logged = run("log", "Klaus", "call", "hello")
    assert "XP" not in logged.stdout
    shown = run.json("show", "Klaus")
    assert shown["friend_level"] is None and shown["continuity"] is None
    assert "friend" not in run("show", "Klaus").stdout.split("History")[0].lower().replace("friends", "")
    assert shown["health"] is not None  # health stays


def test_list_sorts_by_friend_level(run: Run, vault: Path) -> None:
    weekly_coffees(vault, "Klara Vogel", 30)
    assert run.json("list", "--sort", "friend-level")[0]["name"] == "Klara Vogel"


def test_show_says_how_long_you_have_been_in_touch(run: Run, vault: Path) -> None:
    weekly_coffees(vault, "Klara Vogel", 30)
    data = run.json("show", "Klara")
    assert data["continuity"]["since"] == "2026-04-27"
    assert "in touch for 6 months" in run("show", "Klara").stdout


def test_show_why_lists_xp_sources(run: Run) -> None:
    data = run.json("show", "Klaus", "--why")
    assert data["why"]["xp"] and all("why" in item for item in data["why"]["xp"])


def test_demo_shows_the_game(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--today", "2026-11-24", "demo", str(tmp_path / "d")])
    assert "a freeze saved" in result.stdout
    assert "You are a level 7 friend of" in result.stdout
    profile = json.loads(
        CliRunner().invoke(cli, ["--vault", str(tmp_path / "d"), "--today", "2026-11-24", "profile", "--json"]).stdout
    )
    assert len(profile["badges"]) >= 5
    assert any(int(level) >= 5 and n for level, n in profile["friend_levels"].items())
