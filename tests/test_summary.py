"""The per-person summaries behind `list` and `due`, kept current after edits.

After an edit only the people the edited files concern are recomputed; these tests check
that the result is always what a from-scratch computation gives.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import Run


def fresh_list(run: Run) -> list[dict[str, Any]]:
    """`list --json` computed from scratch (no index, no cached summaries)."""
    shutil.rmtree(run.root / ".vaultcrm", ignore_errors=True)
    result: list[dict[str, Any]] = run.json("list")
    return result


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


def add_log(path: Path, line: str) -> None:
    """Write ``line`` at the top of the file's ``## Log``, as an editor would."""
    text = path.read_text(encoding="utf-8")
    assert "## Log\n" in text
    path.write_text(text.replace("## Log\n", "## Log\n" + line + "\n", 1), encoding="utf-8")


def test_a_link_added_in_another_file_updates_the_linked_person(run: Run, vault: Path) -> None:
    before = by_name(run.json("list"))
    assert before["Ed Miller"]["last_touch"] != "2026-11-23"
    add_log(
        vault / "people" / "Anna Schmidt.md", "- 2026-11-23 coffee: by the river [with:: [[Ed Miller]]] [dir:: out]"
    )
    after = run.json("list")
    assert by_name(after)["Ed Miller"]["last_touch"] == "2026-11-23"
    assert by_name(after)["Anna Schmidt"]["last_touch"] == "2026-11-23"
    assert after == fresh_list(run)


def test_a_link_removed_from_a_daily_note_updates_the_person_it_named(run: Run, vault: Path) -> None:
    note = vault / "journal" / "2026-11-20.md"
    assert by_name(run.json("list"))["Klaus Breyer"]["last_touch"] is not None
    note.write_text(note.read_text(encoding="utf-8").replace("[[Klaus Breyer]]", "Klaus"), encoding="utf-8")
    after = run.json("list")
    assert after == fresh_list(run)


def test_edits_renames_and_deletions_in_a_row_match_a_fresh_computation(run: Run, vault: Path) -> None:
    people = vault / "people"
    run.json("list")
    add_log(people / "Klaus Breyer.md", "- 2026-11-22 call: about the trip [with:: [[José Müller]]] #deep")
    assert run.json("list") == fresh_list(run)
    run.json("list")
    text = (people / "Ed Miller.md").read_text(encoding="utf-8")
    text = text.replace("closeness: 3", "closeness: 3\naliases: [Eddie]")
    (people / "Ed Miller.md").write_text(text, encoding="utf-8")
    assert run.json("list") == fresh_list(run)
    run.json("list")
    (vault / "journal" / "2026-11-20.md").unlink()
    assert run.json("list") == fresh_list(run)
    run.json("list", "--archived")
    add_log(people / "Anna Schmidt.md", "- 2026-11-10 archived")
    rows = run.json("list", "--archived")
    shutil.rmtree(vault / ".vaultcrm")
    assert rows == run.json("list", "--archived")
    assert by_name(rows)["Anna Schmidt"]["status"] == "archived"


def test_a_new_day_recomputes_everyone(run: Run) -> None:
    today = by_name(run.json("list"))
    later = by_name(run.json("list", today="2027-03-01"))
    assert any(later[n]["days_since"] != today[n]["days_since"] for n in today if today[n]["days_since"] is not None)
