"""show, list and index through the CLI, and the JSON scripts rely on."""

from __future__ import annotations

from pathlib import Path

from conftest import Run

SHOW_KEYS = {
    "name",
    "path",
    "closeness",
    "circle",
    "stage",
    "tier",
    "health",
    "band",
    "friend_level",
    "friend_title",
    "last_touch",
    "next_due",
    "status",
}


def test_show_json_has_the_documented_keys(run: Run) -> None:
    data = run.json("show", "Klaus Breyer")
    assert set(data) >= SHOW_KEYS
    assert data["path"] == "people/Klaus Breyer.md"
    assert (data["closeness"], data["circle"], data["stage"], data["tier"]) == (
        2,
        "creatives",
        "connection",
        "B",
    )
    assert isinstance(data["health"], int) and 0 <= data["health"] <= 100
    assert isinstance(data["friend_level"], int)
    assert data["last_touch"] == "2026-11-20"
    # the log's coffee and the daily note's coffee have different texts: two events
    assert [h["date"] for h in data["history"]].count("2026-11-20") == 2


def test_one_event_logged_in_three_places_counts_once(run: Run, vault: Path) -> None:
    assert run("log", "Klaus", "dinner", "--with", "Anna", "--date", "2026-11-22").exit_code == 0
    assert run("log", "Anna", "dinner", "--with", "Klaus", "--date", "2026-11-22").exit_code == 0
    (vault / "journal/2026-11-22.md").write_text("- dinner with [[Klaus Breyer]] and [[Anna Schmidt]]\n")
    for name in ("Klaus", "Anna"):
        history = run.json("show", name)["history"]
        assert [h["date"] for h in history].count("2026-11-22") == 1, name


def test_show_counts_a_ticked_task_in_a_daily_note(run: Run) -> None:
    data = run.json("show", "José")
    assert (data["last_touch"], data["last_type"]) == ("2026-11-21", "call")


def test_show_resolves_aliases_case_and_prefix(run: Run) -> None:
    for query in ("Anni", "anna schmidt", "Anna", "Schm", "[[Anna Schmidt]]"):
        assert run.json("show", query)["name"] == "Anna Schmidt", query


def test_show_uses_a_clear_fuzzy_match_and_says_so(run: Run) -> None:
    result = run("show", "Klaus Breier")
    assert result.exit_code == 0
    assert "(showing Klaus Breyer for 'Klaus Breier')" in result.stderr


def test_show_why_explains_the_numbers(run: Run) -> None:
    result = run("show", "Klaus", "--why")
    assert result.exit_code == 0
    assert "health: " in result.stdout and "recency" in result.stdout
    assert "bond hours" in result.stdout


def test_person_without_cadence_has_no_health(run: Run) -> None:
    data = run.json("show", "Alan Vance")
    assert (data["health"], data["band"], data["status"]) == (None, None, "no cadence")


def test_list_filters_and_sorts(run: Run) -> None:
    names = lambda rows: [r["name"] for r in rows]  # noqa: E731
    assert names(run.json("list")) == [
        "Alan Vance",
        "Anna Schmidt",
        "Ed Miller",
        "José Müller",
        "Klaus Breyer",
        "No Header",
    ]
    assert names(run.json("list", "--closeness", "3")) == ["Anna Schmidt", "Ed Miller"]
    assert names(run.json("list", "--closeness", "none")) == ["No Header"]
    assert names(run.json("list", "--circle", "creatives", "--tag", "berlin")) == [
        "Anna Schmidt",
        "Klaus Breyer",
    ]
    assert names(run.json("list", "--tier", "a")) == ["José Müller"]
    by_priority = names(run.json("list", "--sort", "priority"))
    assert by_priority[0] == "Ed Miller"  # a closeness-3 friend not touched since 2025-05
    assert names(run.json("list", "--status", "lapsed")) == ["Ed Miller"]


def test_list_plain_output_is_a_table(run: Run) -> None:
    result = run("list", "--closeness", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "name",
        "closeness",
        "circle",
        "stage",
        "tier",
        "status",
        "last",
        "touch",
    ]
    assert lines[1].startswith("José Müller")
    assert lines[-1] == "1 person"


def test_json_is_identical_across_runs_and_vault_copies(run: Run, vault: Path, tmp_path: Path) -> None:
    import shutil

    from conftest import Run as R

    first = run("list", "--json").stdout
    copy = tmp_path / "copy"
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".vaultcrm"))
    assert R(copy)("list", "--json").stdout == first
    assert run("list", "--json").stdout == first


def test_root_json_flag_works_too(run: Run) -> None:
    import json

    result = run.runner.invoke(
        __import__("vaultcrm.cli", fromlist=["cli"]).cli,
        ["--vault", str(run.root), "--today", "2026-11-24", "--json", "show", "Klaus"],
    )
    assert json.loads(result.stdout)["name"] == "Klaus Breyer"


def test_vault_is_found_from_a_subfolder(vault: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from vaultcrm.cli import cli

    monkeypatch.chdir(vault / "people")
    result = CliRunner().invoke(cli, ["--today", "2026-11-24", "show", "Klaus", "--json"])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(vault.parent)
    monkeypatch.setenv("VAULTCRM_VAULT", str(vault))
    assert CliRunner().invoke(cli, ["show", "Klaus"]).exit_code == 0


def test_no_vault_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from vaultcrm.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no vault here (no vaultcrm.yaml in this folder or any parent)")


def test_today_comes_from_the_environment(run: Run, monkeypatch) -> None:
    from click.testing import CliRunner

    from vaultcrm.cli import cli

    monkeypatch.setenv("VAULTCRM_TODAY", "2027-06-01")
    result = CliRunner().invoke(cli, ["--vault", str(run.root), "show", "Klaus", "--json"])
    import json

    assert json.loads(result.stdout)["status"] == "lapsed"
    bad = CliRunner().invoke(cli, ["--vault", str(run.root), "--today", "someday", "list"])
    assert bad.exit_code == 2 and "'someday' is not a date" in bad.stderr


def test_index_command_and_rebuild(run: Run) -> None:
    first = run.json("index")
    assert first["people"] == 6 and first["files"] == 8
    again = run.json("index")
    assert again["parsed"] == 0
    rebuilt = run.json("index", "--rebuild")
    assert rebuilt["parsed"] == 8 and rebuilt["rebuilt"] is True


def test_vault_option_needs_a_vault(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vaultcrm.cli import cli

    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "list"])
    assert result.exit_code == 1
    assert "is not a vault (it has no vaultcrm.yaml)" in result.stderr
    assert not (tmp_path / ".vaultcrm").exists()


def test_an_unclassified_person_has_no_cadence_even_with_an_override(run: Run, vault: Path) -> None:
    (vault / "people/Cad.md").write_text("---\ncadence: 7d\n---\n## Log\n- 2026-01-01 call: x\n")
    data = run.json("show", "Cad")
    assert (data["cadence"], data["status"], data["health"]) == (None, "no cadence", None)
    assert "Cad" in [p["name"] for p in run.json("due")["unclassified"]]


def test_check_reports_unknown_settings(run: Run, vault: Path) -> None:
    (vault / "vaultcrm.yaml").write_text("circles: [pals]\ncircels: [typo]\n")
    out = run("check").stdout
    assert "vaultcrm.yaml:2: warning: unknown setting 'circels'" in out
