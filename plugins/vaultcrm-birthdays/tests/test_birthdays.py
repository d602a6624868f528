"""vaultcrm-birthdays, end to end through the vaultcrm CLI (the plugin must be installed).

Run with ``pytest plugins/vaultcrm-birthdays/tests`` after ``pip install ./plugins/vaultcrm-birthdays``;
without the plugin installed these tests skip.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

if not any(ep.name == "birthdays" for ep in entry_points(group="vaultcrm")):
    pytest.skip("vaultcrm-birthdays is not installed", allow_module_level=True)

from vaultcrm_birthdays import birthday_near, remembered  # noqa: E402

from vaultcrm.cli import cli  # noqa: E402

TODAY = "2026-11-24"  # a Tuesday: the week runs Mon 23 – Sun 29 November

PEOPLE = {
    "Klaus Breyer": (
        "birthday: 1980-11-25\ncloseness: 2\n",
        ["- 2025-11-26 call: happy birthday!", "- 2024-11-25 message: happy birthday", "- 2026-10-01 coffee: catch-up"],
    ),
    "Anna Schmidt": ("birthday: --11-28\ncloseness: 1\n", ["- 2026-06-01 lunch: plans"]),
    "Ed Miller": ("birthday: 1975-04-15\ncloseness: 3\n", ["- 2026-04-14 message: early wishes"]),
    "José Müller": ("closeness: 2\n", ["- 2026-11-20 call: no birthday known"]),
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "birthdays")
    monkeypatch.setenv("VAULTCRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("VAULTCRM_VAULT", raising=False)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("# settings\n", encoding="utf-8")
    for name, (front, log) in PEOPLE.items():
        text = f"---\nname: {name}\n{front}---\n\n## Log\n" + "\n".join(log) + "\n"
        (root / "people" / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def run(root: Path, *args: str, today: str = TODAY) -> Any:
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", today, *args], catch_exceptions=False)


def test_listed_as_an_installed_plugin(vault: Path) -> None:
    data = json.loads(run(vault, "plugins", "--json").stdout)
    mine = next(p for p in data if p["name"] == "birthdays")
    assert mine["origin"] == "package" and mine["package"] == "vaultcrm-birthdays"
    assert mine["hooks"] == ["vaultcrm_commands", "vaultcrm_badges", "vaultcrm_review_sections"]


def test_review_section_lists_this_weeks_birthdays(vault: Path) -> None:
    result = run(vault, "review", "--print")
    assert result.exit_code == 0, result.output
    text = result.stdout
    section = text[text.index("## Birthdays remembered") : text.index("<!-- vaultcrm:end")]
    assert section.splitlines() == [
        "## Birthdays remembered",
        "- 25 Nov: [[Klaus Breyer]] (46) · coming up: a message on the day counts",
        "- 28 Nov: [[Anna Schmidt]] · coming up: a message on the day counts",
        "1 birthday remembered this year.",  # Ed, in April
    ]


def test_a_birthday_touch_is_remembered_in_the_review(vault: Path) -> None:
    assert run(vault, "log", "Klaus", "call", "happy birthday", "--date", "2026-11-25").exit_code == 0
    result = run(vault, "review", "--print", "--week", "2026-W48", today="2026-11-26")
    assert "- 25 Nov: [[Klaus Breyer]] (46) · ✓ remembered (25 Nov)" in result.stdout
    assert "- 28 Nov: [[Anna Schmidt]] · coming up: a message on the day counts" in result.stdout
    assert "2 birthdays remembered this year." in result.stdout


def test_badge_counts_every_birthday_remembered(vault: Path) -> None:
    every = json.loads(run(vault, "badges", "--all", "--json").stdout)
    badge = next(b for b in every if b["id"] == "birthday_rememberer")
    # Klaus 2024 (on the day) and 2025 (a day late); Ed 2026 (a day early)
    assert badge["progress"] == 3
    assert badge["tier"] == "bronze" and badge["earned_on"] == "2024-11-25"
    assert badge["next_tier"] == "silver" and badge["target"] == 5


def test_logging_a_birthday_touch_can_earn_the_badge(tmp_path: Path) -> None:
    root = tmp_path / "v2"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("# settings\n", encoding="utf-8")
    (root / "people" / "Mia Wolf.md").write_text("---\nbirthday: --11-24\ncloseness: 2\n---\n", encoding="utf-8")
    result = run(root, "log", "Mia", "call", "happy birthday!")
    assert result.exit_code == 0, result.output
    assert "Birthday Rememberer" in result.output


def test_ics_feed_holds_birthdays_only(vault: Path, tmp_path: Path) -> None:
    icalendar = pytest.importorskip("icalendar")
    out = tmp_path / "birthdays.ics"
    result = run(vault, "birthdays-ics", "--out", str(out))
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = [(str(e["SUMMARY"]), e["DTSTART"].dt, str(e["RRULE"].to_ical(), "ascii")) for e in cal.walk("VEVENT")]
    assert events == [
        ("Ed Miller's birthday (born 1975)", dt.date(1975, 4, 15), "FREQ=YEARLY"),
        ("Klaus Breyer's birthday (born 1980)", dt.date(1980, 11, 25), "FREQ=YEARLY"),
        ("Anna Schmidt's birthday", dt.date(2000, 11, 28), "FREQ=YEARLY"),
    ]
    assert b"\r\n" in out.read_bytes()
    assert run(vault, "birthdays-ics").stdout.replace("\n", "\r\n").encode() == out.read_bytes().replace(b"\r\r", b"\r")


def test_birthday_near_handles_year_ends_and_leap_days() -> None:
    assert birthday_near("--12-31", dt.date(2027, 1, 1)) == dt.date(2026, 12, 31)
    assert birthday_near("1992-02-29", dt.date(2027, 3, 1)) == dt.date(2027, 2, 28)
    assert birthday_near("--06-10", dt.date(2027, 6, 12)) is None
    found = remembered("--06-10", [dt.date(2026, 6, 9), dt.date(2026, 6, 10)])
    assert found == {dt.date(2026, 6, 10): dt.date(2026, 6, 9)}
