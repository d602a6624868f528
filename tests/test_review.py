"""The weekly review note: golden output, ticks that count, safe regeneration."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import Run

EXPECTED = Path(__file__).parent / "expected"
NOTE = "reviews/2026-W48.md"


def test_golden_review(run: Run, vault: Path) -> None:
    """Regenerate the golden file deliberately with:
    vaultcrm --vault tests/fixtures/vault --today 2026-11-24 review --print > tests/expected/review-2026-W48.md
    """
    result = run("review")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Wrote {NOTE}"
    assert (vault / NOTE).read_text(encoding="utf-8") == (EXPECTED / "review-2026-W48.md").read_text(encoding="utf-8")
    svg = (vault / "reviews/assets/2026-W48-activity.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 26 * 7


def test_print_writes_nothing(run: Run, vault: Path) -> None:
    out = run("review", "--print").stdout
    assert out.startswith("---\nweek: 2026-W48\n")
    assert not (vault / "reviews").exists()


def test_ticks_count_and_survive_regeneration(run: Run, vault: Path) -> None:
    (vault / "people/Zoe.md").write_text("---\ncloseness: 2\n---\n## Log\n- 2026-09-01 call: long ago\n")
    assert run("review").exit_code == 0
    text = (vault / NOTE).read_text(encoding="utf-8")
    ed = next(line for line in text.splitlines() if "[[Ed Miller]]" in line)
    zoe = next(line for line in text.splitlines() if "[[Zoe]]" in line)
    assert ed.startswith("- [ ] Call [[Ed Miller]]") and zoe.startswith("- [ ] Call [[Zoe]]")
    xp_before = run.json("profile")["xp"]
    # tick Ed in Obsidian (✅ date) and Zoe by hand (plain [x]); add lines of my own
    text = text.replace(ed, ed.replace("- [ ]", "- [x]") + " ✅ 2026-11-24")
    text = text.replace(zoe, zoe.replace("- [ ]", "- [x]"))
    text = text.replace("## Cooling\n", "## Cooling\nremember: Ana seemed tired\n")
    text = text.replace("## My notes\n", "## My notes\nA good week.\n")
    (vault / NOTE).write_text(text, encoding="utf-8")

    due = [p["name"] for p in run.json("due")["people"]]
    assert "Ed Miller" not in due and "Zoe" not in due
    assert run.json("show", "Ed Miller")["last_touch"] == "2026-11-24"
    assert run.json("show", "Zoe")["last_touch"] == "2026-11-23"  # a plain [x] counts on the week's Monday
    assert run.json("profile")["xp"] > xp_before

    assert run("review").exit_code == 0
    again = (vault / NOTE).read_text(encoding="utf-8")
    assert ed.replace("- [ ]", "- [x]") + " ✅ 2026-11-24" in again
    assert zoe.replace("- [ ]", "- [x]") in again
    assert "## Cooling\nNobody cooled down this week.\nremember: Ana seemed tired\n" in again
    assert again.endswith("## My notes\nA good week.\n")
    # running it once more changes nothing at all
    mtime = (vault / NOTE).stat().st_mtime_ns
    assert run("review").stdout.strip() == f"Unchanged: {NOTE}"
    assert (vault / NOTE).stat().st_mtime_ns == mtime


def test_review_checkboxes_are_not_open_tasks(run: Run) -> None:
    run("review")
    assert run.json("show", "Ed Miller")["tasks"] == []
    assert all(not t["path"].startswith("reviews/") for t in run.json("due", "--within", "1y")["tasks"])


def test_past_weeks_are_not_regenerated_without_force(run: Run, vault: Path) -> None:
    assert run("review", "--week", "2026-W47").exit_code == 0  # a past week that has no note yet
    note = vault / "reviews/2026-W47.md"
    assert note.read_text(encoding="utf-8").startswith("---\nweek: 2026-W47\n")
    note.write_text(note.read_text(encoding="utf-8") + "kept\n", encoding="utf-8")
    refused = run("review", "--week", "2026-W47")
    assert refused.exit_code == 2 and "past week's review" in refused.stderr
    assert run("review", "--week", "2026-W47", "--force").exit_code == 0
    assert note.read_text(encoding="utf-8").endswith("kept\n")
    assert run("review", "--week", "2027-W10").exit_code == 2
    assert run("review", "--week", "2026-W99").exit_code == 2


def test_a_template_error_names_the_template_and_line(run: Run, vault: Path) -> None:
    (vault / "templates").mkdir()
    (vault / "templates/review.md.j2").write_text("# {{ week }}\n\n{% for x in reach %}\n{{ x.name }\n")
    result = run("review")
    assert result.exit_code == 1
    assert "templates/review.md.j2:4: template error" in result.stderr
    (vault / "templates/review.md.j2").write_text("# {{ week }}\n{{ nosuchthing.attr }}\n")
    result = run("review")
    assert result.exit_code == 1 and "templates/review.md.j2:2: template error" in result.stderr


def test_a_template_without_markers_is_refused(run: Run, vault: Path) -> None:
    (vault / "templates").mkdir()
    (vault / "templates/review.md.j2").write_text("# {{ week }}\n")
    result = run("review")
    assert result.exit_code == 2 and "markers" in result.stderr
