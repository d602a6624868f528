"""vaultcrm-pipeline, end to end through the vaultcrm CLI (the plugin must be installed).

Run with ``pytest plugins/vaultcrm-pipeline/tests`` after ``pip install ./plugins/vaultcrm-pipeline``;
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

if not any(ep.name == "pipeline" for ep in entry_points(group="vaultcrm")):
    pytest.skip("vaultcrm-pipeline is not installed", allow_module_level=True)

from vaultcrm_pipeline import read_deals  # noqa: E402

from vaultcrm.cli import cli  # noqa: E402
from vaultcrm.settings import Settings  # noqa: E402

TODAY = "2026-11-24"

DEALS = {
    "Acme audit": "---\ncontact: '[[Klaus Breyer]]'\nstage: proposal\nvalue: 12000\ncurrency: EUR\n"
    "close: 2026-12-15\n---\n\n## Log\n- 2026-10-01 stage: none → lead\n- 2026-11-02 stage: lead → proposal\n",
    "Beta retainer": "---\ncontact: '[[Anna Schmidt]]'\nstage: won\nvalue: 2500.5\ncurrency: USD\n---\n\n"
    "## Log\n- 2026-09-01 stage: none → lead\n- 2026-11-23 stage: proposal → won\n",
    "Gamma pilot": "---\ncontact: '[[Anna Schmidt]]'\nstage: lead\nvalue: 3000\n# a comment\n---\n",
    "Broken": "---\nstage: [unclosed\n---\n",
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "pipeline")
    monkeypatch.setenv("VAULTCRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("VAULTCRM_VAULT", raising=False)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / "people").mkdir(parents=True)
    (root / "deals").mkdir()
    (root / "vaultcrm.yaml").write_text("# settings\n", encoding="utf-8")
    for name in ("Klaus Breyer", "Anna Schmidt"):
        (root / "people" / f"{name}.md").write_text(
            f"---\nname: {name}\ncloseness: 2\n---\n\n## Log\n- 2026-11-01 call: hello\n", encoding="utf-8"
        )
    for title, text in DEALS.items():
        (root / "deals" / f"{title}.md").write_text(text, encoding="utf-8")
    return root


def run(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, *args], catch_exceptions=False)


def test_reads_deals_with_the_safe_loader(vault: Path) -> None:
    deals = {d.title: d for d in read_deals(vault, Settings())}
    assert set(deals) == {"Acme audit", "Beta retainer", "Gamma pilot"}  # the broken file is passed over
    assert deals["Beta retainer"].won_on == dt.date(2026, 11, 23)
    assert deals["Gamma pilot"].currency == "EUR" and deals["Gamma pilot"].value == 3000
    assert deals["Acme audit"].won_on is None


def test_review_shows_the_pipeline_and_this_weeks_wins(vault: Path) -> None:
    result = run(vault, "review", "--print")
    assert result.exit_code == 0, result.output
    text = result.stdout
    section = text[text.index("## Deals pipeline") : text.index("<!-- vaultcrm:end")]
    assert section.splitlines() == [
        "## Deals pipeline",
        "| Stage | Deals | Value |",
        "| --- | ---: | ---: |",
        "| lead | 1 | 3,000 EUR |",
        "| proposal | 1 | 12,000 EUR |",
        "| won | 1 | 2,500.5 USD |",
        "",
        "Won this week: [[Beta retainer]] (2,500.5 USD) 🎉",
    ]


def test_review_without_deals_says_how_to_start(vault: Path) -> None:
    for f in (vault / "deals").iterdir():
        f.unlink()
    text = run(vault, "review", "--print").stdout
    assert "## Deals pipeline\nNo deals yet: `vaultcrm deal add` starts one.\n" in text


def test_first_win_badge_is_dated_by_the_won_move(vault: Path) -> None:
    every = json.loads(run(vault, "badges", "--all", "--json").stdout)
    badge = next(b for b in every if b["id"] == "first_win")
    assert (badge["tier"], badge["earned_on"], badge["progress"]) == ("bronze", "2026-11-23", 1)


def test_no_won_deal_no_badge(vault: Path) -> None:
    (vault / "deals" / "Beta retainer.md").unlink()
    every = json.loads(run(vault, "badges", "--all", "--json").stdout)
    badge = next(b for b in every if b["id"] == "first_win")
    assert badge["tier"] is None and badge["progress"] == 0 and badge["target"] == 1
