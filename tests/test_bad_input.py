"""Bad files: every command still works, warns once per file on stderr, and never touches them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Run

BAD = {
    "people/Broken Yaml.md": (
        b"---\nname: Broken\ncloseness: [1,\n---\n",
        "people/Broken Yaml.md:3: invalid YAML",
    ),
    "people/Pickle.md": (
        b"---\nname: Pickle\nx: !!python/object/apply:os.system ['touch PWNED']\n---\n",
        "people/Pickle.md:3: unsupported YAML tag !!python/object/apply:os.system",
    ),
    "people/Binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "people/Binary.md:3: binary file"),
    "people/Latin1.md": (
        "---\nname: Jos\xe9\n---\n".encode("latin-1"),
        "people/Latin1.md:2: not UTF-8 text",
    ),
    "people/Huge.md": (
        b"---\nname: Huge\n---\n" + b"x" * (10 * 1024 * 1024),
        "people/Huge.md: file is too large (10.0 MB, over the 5 MB limit)",
    ),
    "people/Conflict.md": (
        b"---\nname: Conflict\n---\n## Log\n<<<<<<< HEAD\n- 2026-11-01 call: a\n=======\n"
        b"- 2026-11-02 call: b\n>>>>>>> other\n",
        "people/Conflict.md:5: git conflict markers",
    ),
}


@pytest.fixture
def bad_vault(vault: Path) -> Path:
    for rel, (data, _) in BAD.items():
        (vault / rel).write_bytes(data)
    return vault


def snapshot(root: Path) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in BAD}


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "Klaus"],
        ["index"],
        ["log", "Klaus", "call"],
        ["set", "Klaus", "tier", "A"],
        ["add", "New Person"],
    ],
)
def test_commands_work_and_warn_once_per_bad_file(bad_vault: Path, run: Run, args: list[str]) -> None:
    before = snapshot(bad_vault)
    result = run(*args)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == len(BAD)
    for _, expected in BAD.values():
        assert any(expected in w for w in warnings), (expected, warnings)
    assert snapshot(bad_vault) == before
    assert not (bad_vault / "PWNED").exists() and not Path("PWNED").exists()


def test_json_stays_valid_with_bad_files(bad_vault: Path, run: Run) -> None:
    result = run("list", "--json")
    assert result.exit_code == 0
    names = [p["name"] for p in json.loads(result.stdout)]
    assert "Klaus Breyer" in names and "Broken" not in names
    assert "Warning:" in result.stderr


def test_check_names_each_bad_file_and_exits_1(bad_vault: Path, run: Run) -> None:
    before = snapshot(bad_vault)
    result = run("check")
    assert result.exit_code == 1
    for _, expected in BAD.values():
        location, _, message = expected.partition(": ")
        assert any(line.startswith(location) and message in line for line in result.stdout.splitlines()), expected
    assert snapshot(bad_vault) == before
    data = json.loads(run("check", "--json").stdout)
    assert {p["path"] for p in data if p["severity"] == "error"} == set(BAD)


def test_writes_to_a_file_with_conflict_markers_are_refused(bad_vault: Path, run: Run) -> None:
    (bad_vault / "people/Klaus Breyer.md").write_bytes(
        (bad_vault / "people/Klaus Breyer.md").read_bytes() + b"<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n"
    )
    before = (bad_vault / "people/Klaus Breyer.md").read_bytes()
    result = run("log", "Klaus Breyer", "call")
    assert result.exit_code == 1
    assert "no person named" in result.stderr  # a conflicted file is skipped, so Klaus is unknown
    assert (bad_vault / "people/Klaus Breyer.md").read_bytes() == before


def test_a_wrong_type_does_not_hide_the_person(vault: Path, run: Run) -> None:
    (vault / "people/Odd.md").write_text("---\ncloseness: seven\nkin: maybe\n---\n")
    result = run("list", "--json")
    assert result.exit_code == 0
    assert "Odd" in [p["name"] for p in json.loads(result.stdout)]
    check = run("check")
    assert check.exit_code == 1
    assert "people/Odd.md:2: warning: 'closeness': expected 1, 2, 3 or 4, not 'seven'" in check.stdout


def test_a_clean_vault_checks_clean(run: Run) -> None:
    result = run("check")
    assert result.exit_code == 0, result.stdout
    assert "No problems: 6 people" in result.stdout


def test_check_finds_broken_links_duplicates_and_unknown_types(vault: Path, run: Run) -> None:
    (vault / "people/Klaus B.md").write_text(
        "---\naliases: [Klaus]\n---\n## Log\n- 2026-01-01 teleport: [[Nobody Here]]\n"
    )
    out = run("check").stdout
    assert "people/Klaus B.md:5: warning: unknown interaction type 'teleport'" in out
    assert "people/Klaus B.md:5: warning: broken link [[Nobody Here]]" in out
    assert "'klaus' is also the name or alias of people/Klaus B.md" in out


def test_broken_settings_are_an_error_with_line(vault: Path, run: Run) -> None:
    (vault / "vaultcrm.yaml").write_text("circles: [a]\ncloseness:\n  2: {cadence: 3x}\n")
    result = run("list")
    assert result.exit_code == 1
    assert "Error: vaultcrm.yaml:3: 'closeness.2.cadence': '3x' is not a duration" in result.stderr
