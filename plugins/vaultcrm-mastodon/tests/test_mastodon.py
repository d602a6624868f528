"""vaultcrm-mastodon, end to end through the vaultcrm CLI (the plugin must be installed).

Run with ``pytest plugins/vaultcrm-mastodon/tests`` after ``pip install ./plugins/vaultcrm-mastodon``;
without the plugin installed these tests skip.
"""

from __future__ import annotations

import csv
import io
import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

if not any(ep.name == "mastodon" for ep in entry_points(group="vaultcrm")):
    pytest.skip("vaultcrm-mastodon is not installed", allow_module_level=True)

from vaultcrm_mastodon import MastodonFollows, parse_account, profile_url  # noqa: E402

from vaultcrm.cli import cli  # noqa: E402
from vaultcrm.importers.record import ImportFormatError, Record, Skipped  # noqa: E402

TODAY = "2026-11-24"
EXPORT = (
    "Account address,Show boosts,Notify on new posts,Languages\n"
    "klaus@mastodon.social,true,false,\n"
    '@anna@Chaos.Social,true,true,"de,en"\n'
    "not an address,true,false,\n"
)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "mastodon")
    monkeypatch.setenv("VAULTCRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("VAULTCRM_VAULT", raising=False)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("# settings\n", encoding="utf-8")
    (root / "people" / "Klaus Breyer.md").write_text(
        "---\nname: Klaus Breyer\ncloseness: 2\nhandles: {mastodon: klaus@mastodon.social}\n---\n\n## Log\n",
        encoding="utf-8",
    )
    return root


def run(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, *args], catch_exceptions=False)


def test_reads_following_accounts_csv() -> None:
    src = MastodonFollows()
    assert src.sniff("following_accounts.csv", EXPORT.encode())
    assert src.sniff("renamed.csv", EXPORT.encode())
    assert not src.sniff("Connections.csv", b"First Name,Last Name,URL\n")
    items = list(src.read("following_accounts.csv", EXPORT.encode()))
    records = [i for i in items if isinstance(i, Record)]
    assert [(r.handles, r.urls, r.locator.split("#")[1]) for r in records] == [
        ({"mastodon": "klaus@mastodon.social"}, ["https://mastodon.social/@klaus"], "row=2"),
        ({"mastodon": "anna@chaos.social"}, ["https://chaos.social/@anna"], "row=3"),
    ]
    assert records[1].extra == {"languages": ["de", "en"]}
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert skipped == [Skipped("mastodon/following_accounts.csv#row=4", skipped[0].reason, 4)]


def test_a_wrong_file_is_a_format_error() -> None:
    with pytest.raises(ImportFormatError, match="following_accounts.csv:1: expected a header"):
        list(MastodonFollows().read("following_accounts.csv", b"Name,Email\nx,y\n"))


@given(
    user=st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,15}", fullmatch=True),
    host=st.from_regex(r"[a-z0-9]{1,10}\.[a-z]{2,6}", fullmatch=True),
    at=st.booleans(),
)
def test_every_account_address_round_trips(user: str, host: str, at: bool) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Account address", "Show boosts", "Notify on new posts", "Languages"])
    writer.writerow([("@" if at else "") + f"{user}@{host.upper()}", "true", "false", ""])
    (record,) = MastodonFollows().read("following_accounts.csv", buf.getvalue().encode())
    assert isinstance(record, Record)
    assert record.handles == {"mastodon": f"{user}@{host}"}
    assert parse_account(record.handles["mastodon"]) == (user, host)
    assert profile_url(record.handles["mastodon"]) == f"https://{host}/@{user}"


def test_import_matches_by_handle_and_adds_new_people(vault: Path, tmp_path: Path) -> None:
    export = tmp_path / "following_accounts.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = run(vault, "import", str(export), "--yes")
    assert result.exit_code == 0, result.output
    anna = next((vault / "people").glob("anna*.md")).read_text(encoding="utf-8")
    assert "anna@chaos.social" in anna and "sources: [mastodon/following_accounts.csv#row=3]" in anna
    assert not (vault / "people" / "klaus.md").exists()  # Klaus matched by his handle
    rows = json.loads(run(vault, "mastodon", "--json").stdout)
    assert sorted(r["url"] for r in rows) == ["https://chaos.social/@anna", "https://mastodon.social/@klaus"]


def test_mastodon_command_shows_one_person(vault: Path) -> None:
    result = run(vault, "mastodon", "Klaus")
    assert result.stdout == "Klaus Breyer  @klaus@mastodon.social  https://mastodon.social/@klaus\n"


def test_toot_is_an_interaction_type_that_is_not_a_touch(vault: Path) -> None:
    result = run(vault, "log", "Klaus", "boost", "his post on the offsite")
    assert result.exit_code == 0, result.output
    text = (vault / "people" / "Klaus Breyer.md").read_text(encoding="utf-8")
    assert "- 2026-11-24 boost: his post on the offsite" in text
    shown = json.loads(run(vault, "show", "Klaus", "--json").stdout)
    assert shown["last_touch"] is None  # a boost shows you care; it does not keep you in touch
