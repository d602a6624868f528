"""`vaultcrm import`, `dupes` and `merge` through the CLI, on real files."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from conftest import Run

from vaultcrm.core import Vault
from vaultcrm.importers import normalize as norm
from vaultcrm.importers import sources

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
CROWD = FIXTURES / "crowd"


def hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultcrm" not in p.parts
    }


@pytest.fixture
def empty(tmp_path: Path) -> Run:
    """A new vault whose phone numbers without a country code are German."""
    root = tmp_path / "fresh"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("import:\n  default_region: DE\n", encoding="utf-8")
    return Run(root)


def people(root: Path) -> list:
    v = Vault(root)
    v.refresh()
    found = v.people()
    v.close()
    return found


# ---------------------------------------------------------------------------
# plan, dry run, --yes


def test_dry_run_prints_the_plan_and_writes_nothing(run: Run, vault: Path) -> None:
    before = hashes(vault)
    result = run("import", str(FIXTURES / "linkedin" / "Connections.csv"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "New people" in result.stdout
    assert "Skipped" in result.stdout and "line " in result.stdout  # per-row problems with their line
    assert "Dry run: nothing written." in result.stdout
    assert hashes(vault) == before


def test_dry_run_json_lists_new_merges_and_skips(run: Run) -> None:
    data = run.json("import", "linkedin", str(FIXTURES / "linkedin" / "Connections.csv"), "--dry-run")
    assert data["applied"] is False
    assert data["new"] and all(n["path"].startswith("people/") for n in data["new"])
    assert all(s["reason"] for s in data["skipped"])
    assert {"merges", "suggestions", "orgs", "interactions"} <= set(data)


def test_yes_writes_and_a_second_run_changes_nothing(run: Run, vault: Path) -> None:
    files = [str(FIXTURES / "linkedin" / "Connections.csv"), str(FIXTURES / "linkedin" / "messages.csv")]
    result = run("import", *files, "--yes")
    assert result.exit_code == 0, result.output
    assert "Imported" in result.stdout and "Backed up" in result.stdout or "Nothing to back up" in result.stdout
    snapshot = hashes(vault)
    again = run("import", *files, "--yes")
    assert again.exit_code == 0
    assert "Nothing to change" in again.stdout
    assert hashes(vault) == snapshot


# ---------------------------------------------------------------------------
# the cross-source scenario


def _truth() -> list[dict[str, object]]:
    rows = []
    for line in (CROWD / "TRUTH.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (\d+) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.+) \|$", line)
        if not m:
            continue
        name = re.split(r" \(| —", m.group(2))[0].strip()
        emails = [] if m.group(3) == "–" else [e.strip() for e in m.group(3).split(",")]
        phones = [] if m.group(4) == "–" else [p.strip() for p in m.group(4).split(",")]
        handles = {}
        if m.group(5) != "–":
            for item in m.group(5).split(","):
                k, val = item.split(":")
                handles[k.strip()] = val.strip()
        rows.append({"name": name, "emails": emails, "phones": phones, "handles": handles})
    return rows


def test_cross_source_people_count_and_values_equal_the_truth(empty: Run) -> None:
    assert {"linkedin", "google", "outlook", "vcard", "facebook", "twitter"} <= set(sources())
    result = empty("import", str(CROWD), "--yes")
    assert result.exit_code == 0, result.output
    truth = _truth()
    assert len(truth) == 14
    found = people(empty.root)
    assert len(found) == len(truth), sorted(p.path for p in found)
    for t in truth:
        if t["emails"]:
            key = norm.email(t["emails"][0])  # type: ignore[index]
            match = [p for p in found if key in {norm.email(e) for e in p.emails}]
        else:
            match = [p for p in found if norm.name_key(p.name) == norm.name_key(str(t["name"]))]
        assert len(match) == 1, t
        p = match[0]
        assert {norm.email(e) for e in p.emails} >= set(t["emails"]), (p.path, p.emails)  # type: ignore[arg-type]
        assert {norm.phone(x, "DE") for x in p.phones} >= set(t["phones"]), (p.path, p.phones)  # type: ignore[arg-type]
        have = norm.handle_keys(p.handles)
        for net, h in t["handles"].items():  # type: ignore[union-attr]
            assert have.get(net) == h.lower(), (p.path, p.handles)
    annas = [p for p in found if p.name == "Anna Schmidt"]
    assert len(annas) == 2
    assert {frozenset(norm.email(e) for e in a.emails) for a in annas} == {
        frozenset({"anna.schmidt@nordwind.example"}),
        frozenset({"anna@kieferblau.example"}),
    }


def test_cross_source_reimport_changes_no_byte(empty: Run) -> None:
    assert empty("import", str(CROWD), "--yes").exit_code == 0
    snapshot = hashes(empty.root)
    for f in sorted(CROWD.iterdir()):
        if f.suffix != ".md":
            result = empty("import", str(f), "--yes")
            assert result.exit_code == 0, result.output
    assert empty("import", str(CROWD), "--yes").exit_code == 0
    assert hashes(empty.root) == snapshot


def test_every_record_leaves_its_locator_in_sources(empty: Run) -> None:
    assert empty("import", str(CROWD), "--yes").exit_code == 0
    locators = {s for p in people(empty.root) for s in p.meta.get("sources", [])}
    assert "linkedin/Connections.csv#row=1" in locators
    assert all(re.match(r"^[a-z]+/[^#]+#(row=\d+|card=\d+|friends_v2\[\d+\]|accountId=\d+|file)$", s) for s in locators)


# ---------------------------------------------------------------------------
# broken inputs


def test_broken_inputs_leave_no_partial_files(run: Run, vault: Path, tmp_path: Path) -> None:
    before = hashes(vault)
    vcf = tmp_path / "broken.vcf"
    vcf.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half Card\r\nEMAIL:half@example.com\r\n", encoding="utf-8")
    result = run("import", str(vcf), "--yes")
    assert result.exit_code == 0
    assert "vcard/broken.vcf#card=1 line 1: card has no END:VCARD" in result.stdout
    assert hashes(vault) == before
    # a good file and a truncated one: the error stops everything before any write
    truncated = tmp_path / "Connections.csv"
    truncated.write_bytes((FIXTURES / "linkedin" / "Connections.csv").read_bytes()[:300])
    result = run("import", "linkedin", str(FIXTURES / "linkedin" / "messages.csv"), str(truncated), "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Connections.csv" in result.stderr
    assert hashes(vault) == before
    big = tmp_path / "huge.csv"
    with open(big, "wb") as fh:
        fh.write(b"First Name,Last Name,Email Address\n")
        fh.seek(50 * 1000 * 1000 + 10)
        fh.write(b"\n")
    result = run("import", "linkedin", str(big), "--yes")
    assert result.exit_code == 1
    assert "huge.csv" in result.stderr and "MB" in result.stderr
    assert hashes(vault) == before
    assert not list(vault.rglob("*.tmp"))


def test_unknown_file_is_a_clear_error(run: Run, vault: Path, tmp_path: Path) -> None:
    odd = tmp_path / "notes.txt"
    odd.write_text("hello\n")
    before = hashes(vault)
    result = run("import", str(odd))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "notes.txt" in result.stderr
    assert hashes(vault) == before


# ---------------------------------------------------------------------------
# dupes and merge


def _person(root: Path, name: str, text: str) -> None:
    (root / "people" / f"{name}.md").write_text(text, encoding="utf-8")


def test_dupes_lists_pairs_with_score_and_reason(run: Run, vault: Path) -> None:
    _person(vault, "Robert Miller", "---\nname: Robert Miller\nemails: [rob@example.com]\n---\n")
    _person(vault, "Bobby Miller", "---\nname: Bobby Miller\n---\n")
    _person(vault, "R. M.", "---\nname: R. M.\nemails: [ROB@example.com]\n---\n")
    _person(vault, "Anna Schmidt 2", "---\nname: Anna Schmidt\nemails: [a@x.example]\ncompany: X\n---\n")
    rows = run.json("dupes")
    pairs = {(r["a_name"], r["b_name"]): r for r in rows}
    assert pairs[("R. M.", "Robert Miller")]["score"] == 100
    assert "email" in pairs[("R. M.", "Robert Miller")]["reason"]
    nick = [r for r in rows if {r["a_name"], r["b_name"]} == {"Robert Miller", "Bobby Miller"}]
    assert nick and "nickname" in nick[0]["reason"]
    text = run("dupes")
    assert text.exit_code == 0 and "Robert Miller" in text.stdout and "vaultcrm merge" in text.stdout


def test_dupes_reports_an_unparseable_note_beside_its_twin(run: Run, vault: Path) -> None:
    _person(vault, "Broken Bert", "---\nname: Broken Bert\nemails: [bert@example.com\n---\n")
    assert run("import", "--yes", str(_csv(vault.parent, "Broken,Bert,bert@example.com"))).exit_code == 0
    assert (vault / "people/Broken Bert 2.md").exists()
    rows = run.json("dupes")
    assert any(r["b"] == "people/Broken Bert.md" and "cannot be parsed" in r["reason"] for r in rows)


def _csv(folder: Path, row: str) -> Path:
    path = folder / "Connections.csv"
    path.write_text(
        'Notes:\n"When exporting your connection data…"\n\n'
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"{row.split(',')[0]},{row.split(',')[1]},,{row.split(',')[2]},,,01 Jan 2024\n",
        encoding="utf-8",
    )
    return path


def test_merge_combines_fields_logs_and_rewrites_links(run: Run, vault: Path) -> None:
    _person(
        vault,
        "K. Breyer",
        "---\nname: K. Breyer\nemails: [kb@work.example]\ncompany: Initech\ntags: [climbing]\n---\n"
        "Met at the climbing gym.\n\n## Log\n- 2026-11-10 call: about the gym [dir:: in]\n"
        "- 2026-10-05 coffee: first meeting\n",
    )
    journal = vault / "journal" / "2026-11-21.md"
    journal.write_text("- coffee with [[K. Breyer]] and [[K. Breyer|KB]]\n", encoding="utf-8")
    dry = run("merge", "Klaus Breyer", "K. Breyer", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "journal/2026-11-21.md" in dry.stdout and (vault / "people/K. Breyer.md").exists()
    result = run("merge", "Klaus Breyer", "K. Breyer")
    assert result.exit_code == 0, result.output
    assert "Reversible" in result.stdout
    assert not (vault / "people/K. Breyer.md").exists()
    assert journal.read_text() == "- coffee with [[Klaus Breyer]] and [[Klaus Breyer|KB]]\n"
    text = (vault / "people/Klaus Breyer.md").read_text()
    v = Vault(vault)
    v.refresh()
    klaus = v.resolve("Klaus Breyer")
    assert "K. Breyer" in klaus.aliases
    assert klaus.emails == ("klaus@example.com", "kb@work.example")
    assert "climbing" in klaus.tags
    assert "company: Initech" in klaus.meta["previous"]
    log = [ln for ln in text.splitlines() if re.match(r"- \d{4}-\d{2}-\d{2}", ln)]
    dates = [ln[2:12] for ln in log]
    assert dates == sorted(dates, reverse=True)  # one log, newest first as the file had it
    assert "- 2026-11-10 call: about the gym [dir:: in]" in log
    assert "Met at the climbing gym." in text
    assert "Free notes, anything." in text


def test_merge_refuses_the_same_person(run: Run) -> None:
    result = run("merge", "Klaus Breyer", "Klaus")
    assert result.exit_code == 2
    assert "same person" in result.stderr


# ---------------------------------------------------------------------------
# obsidian


def _notes(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "Plain Paula.md").write_text("Paula from the book club.\nbirthday:: 1990-04-15\n", encoding="utf-8")
    (folder / "Tagged Tom.md").write_text(
        "---\ntag: friend\nalias: Tommy\nemail: tom@example.com\ncompany: [[Acme GmbH]]\n---\nTom.\n", encoding="utf-8"
    )
    (folder / "Json Jo.md").write_text('---\n{"name": "Jo Json", "tags": "a b"}\n---\nJo.\n', encoding="utf-8")
    (folder / "Crlf Carla.md").write_bytes(
        "\ufeff---\r\nname: Crlf Carla\r\nphone: 030123457\r\n---\r\nCarla.\r\n".encode()
    )
    (folder / "Bad Yaml.md").write_text("---\nname: [oops\n---\nKeep me.\n", encoding="utf-8")
    (folder / "Klaus Breyer.md").write_text(
        "---\nemail: klaus@example.com\n---\nKlaus likes bouldering.\n\n## Log\n- 2025-05-05 call: old call\n",
        encoding="utf-8",
    )


def test_obsidian_folder_is_copied_and_merged_without_losing_bodies(run: Run, vault: Path, tmp_path: Path) -> None:
    src = tmp_path / "OldVault" / "People"
    _notes(src)
    klaus_before = (vault / "people/Klaus Breyer.md").read_text()
    result = run("import", "obsidian", str(src), "--yes")
    assert result.exit_code == 0, result.output
    assert "Bad Yaml.md" in result.stderr  # reported
    assert (vault / "people/Bad Yaml.md").read_bytes() == (src / "Bad Yaml.md").read_bytes()
    paula = (vault / "people/Plain Paula.md").read_text()
    assert "Paula from the book club.\nbirthday:: 1990-04-15\n" in paula
    carla = (vault / "people/Crlf Carla.md").read_bytes()
    assert carla.startswith("\ufeff---\r\nname: Crlf Carla\r\nphone: 030123457\r\n".encode())
    assert b"\n" not in carla.replace(b"\r\n", b"")
    jo = (vault / "people/Json Jo.md").read_text()
    assert jo.startswith(
        '---\n{"name": "Jo Json", "tags": ["a", "b"], "sources": ["obsidian/Json Jo.md#file"]}\n---\nJo.\n'
    )
    v = Vault(vault)
    v.refresh()
    assert v.resolve("Plain Paula").birthday == "1990-04-15"
    tom = v.resolve("Tagged Tom")
    assert tom.tags == ("friend",) and "Tommy" in tom.aliases and tom.company == "Acme GmbH"
    # Klaus already has a note: it stays the target, gets the text and the log line appended
    klaus = (vault / "people/Klaus Breyer.md").read_text()
    assert klaus.startswith(klaus_before.split("\n## Log")[0].split("---\n", 2)[0])
    assert "Klaus likes bouldering." in klaus and "- 2025-05-05 call: old call" in klaus
    assert "Free notes, anything." in klaus
    assert not (vault / "people/Klaus Breyer 2.md").exists()
    snapshot = hashes(vault)
    assert run("import", "obsidian", str(src), "--yes").exit_code == 0
    assert hashes(vault) == snapshot


def test_obsidian_notes_in_the_vault_are_adopted_in_place(run: Run, vault: Path) -> None:
    (vault / "people/Inline Ida.md").write_text("Ida.\nbirthday:: 1985-02-03\nemail:: ida@example.com\n")
    bad = b"---\nname: [bad\n---\nBody.\n"
    (vault / "people/Bad Bob.md").write_bytes(bad)
    before = set(p.name for p in (vault / "people").iterdir())
    result = run("import", "obsidian", str(vault / "people"), "--yes")
    assert result.exit_code == 0, result.output
    assert set(p.name for p in (vault / "people").iterdir()) == before  # nothing renamed, copied or deleted
    ida = (vault / "people/Inline Ida.md").read_text()
    assert ida.endswith("---\nIda.\nbirthday:: 1985-02-03\nemail:: ida@example.com\n")
    assert "birthday: 1985-02-03" in ida and "emails: [ida@example.com]" in ida
    assert (vault / "people/Bad Bob.md").read_bytes() == bad
    assert "Bad Bob.md" in result.stderr
    shutil.rmtree(vault / ".vaultcrm", ignore_errors=True)
    snapshot = hashes(vault)
    assert run("import", "obsidian", str(vault / "people"), "--yes").exit_code == 0
    assert hashes(vault) == snapshot


def test_on_a_terminal_the_plan_is_confirmed_first(run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vaultcrm.cli.imports as imports

    monkeypatch.setattr(imports, "_interactive", lambda: True)
    before = hashes(vault)
    csv = str(FIXTURES / "linkedin" / "Connections.csv")
    declined = run("import", csv, input="n\n")
    assert declined.exit_code == 1  # aborted
    assert "Write these changes?" in declined.stderr
    assert hashes(vault) == before
    accepted = run("import", csv, input="y\n")
    assert accepted.exit_code == 0 and "Imported" in accepted.stdout
    assert hashes(vault) != before
    snapshot = hashes(vault)
    assert run("import", csv, "--yes").exit_code == 0  # --yes never asks
    assert hashes(vault) == snapshot


def test_merge_json(run: Run, vault: Path) -> None:
    _person(vault, "Eddie M", "---\nname: Eddie M\nemails: [eddie@example.com]\n---\n")
    data = run.json("merge", "Ed Miller", "Eddie M", "--dry-run")
    assert data == {
        "into": "people/Ed Miller.md",
        "from": "people/Eddie M.md",
        "changes": ["aliases", "emails"],
        "links": [],
        "removed": "people/Eddie M.md",
        "applied": False,
    }
    assert (vault / "people/Eddie M.md").exists()
    assert run.json("merge", "Ed Miller", "Eddie M")["applied"] is True
    assert not (vault / "people/Eddie M.md").exists()
    assert "Eddie M" in (vault / "people/Ed Miller.md").read_text()


def test_obsidian_on_the_whole_vault_touches_only_people(run: Run, vault: Path) -> None:
    journal = (vault / "journal/2026-11-20.md").read_bytes()

    def notes() -> set[str]:
        return {p.relative_to(vault).as_posix() for p in vault.rglob("*.md") if ".vaultcrm" not in p.parts}

    before = notes()
    result = run("import", "obsidian", str(vault), "--yes")
    assert result.exit_code == 0, result.output
    assert "journal/2026-11-20.md: in the vault but not in people/" in result.stderr
    assert notes() == before
    assert (vault / "journal/2026-11-20.md").read_bytes() == journal


def test_cross_source_facts_survive_the_merge(empty: Run) -> None:
    assert {"linkedin", "google", "outlook", "vcard", "facebook", "twitter"} <= set(sources())
    assert empty("import", str(CROWD), "--yes").exit_code == 0
    by_name = {p.name: p for p in people(empty.root)}
    assert by_name["Robert Kowalczyk"].birthday == "1979-03-02"
    assert by_name["Lena Vogt"].birthday == "--04-15"
    assert by_name["Farid Haddad"].birthday == "1980-04-15"
    assert "Friends" in by_name["Robert Kowalczyk"].tags
    assert {"Friends", "Design"} <= set(by_name["Mei Chen"].tags)
    assert not any("myContacts" in t or "starred" in t for p in by_name.values() for t in p.tags)
    assert str(by_name["Zoë Achterberg"].met) == "2018-01-01"
    assert "Bob Kowalczyk" in by_name["Robert Kowalczyk"].aliases


def test_check_reports_an_unparseable_note_beside_its_imported_twin(run: Run, vault: Path) -> None:
    _person(vault, "Broken Bert", "---\nname: Broken Bert\nemails: [bert@example.com\n---\n")
    assert run("import", "--yes", str(_csv(vault.parent, "Broken,Bert,bert@example.com"))).exit_code == 0
    result = run("check")
    assert result.exit_code == 1
    assert "people/Broken Bert 2.md: warning: people/Broken Bert.md (which cannot be parsed)" in result.stdout
