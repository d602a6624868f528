"""log, set and add through the CLI: exactly the intended bytes change."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

from conftest import Run

ANNA = "people/Anna Schmidt.md"


def diff(old: bytes, new: bytes) -> tuple[list[bytes], list[bytes]]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    removed, added = [], []
    for op in difflib.ndiff([x.decode() for x in a], [x.decode() for x in b]):
        if op.startswith("- "):
            removed.append(op[2:].encode())
        elif op.startswith("+ "):
            added.append(op[2:].encode())
    return removed, added


def test_log_adds_exactly_one_line_to_an_odd_file(run: Run, vault: Path) -> None:
    before = (vault / ANNA).read_bytes()
    assert before.startswith(b"\xef\xbb\xbf---\r\n") and b"# as she writes it" in before
    result = run("log", "Anna", "coffee", "talked about the show", "--out", "--min", "90")
    assert result.exit_code == 0, result.output
    after = (vault / ANNA).read_bytes()
    removed, added = diff(before, after)
    assert removed == []
    assert added == [b"- 2026-11-24 coffee: talked about the show [dir:: out] [min:: 90]\r\n"]
    assert after.startswith(b"\xef\xbb\xbf---\r\n")
    assert b"## Log\r\n- 2026-11-24 coffee" in after  # newest first, like the file already was


def test_set_closeness_changes_one_line_and_logs_the_change(run: Run, vault: Path) -> None:
    before = (vault / ANNA).read_bytes()
    result = run("set", "Anna Schmidt", "closeness", "2")
    assert result.exit_code == 0, result.output
    assert "closeness 3 → 2" in result.stdout
    removed, added = diff(before, (vault / ANNA).read_bytes())
    assert removed == [b"closeness: 3 # met twice\r\n"]
    assert added == [
        b"closeness: 2 # met twice\r\n",
        b"- 2026-11-24 closeness: 3 \xe2\x86\x92 2\r\n",
    ]


def test_set_same_value_writes_nothing(run: Run, vault: Path) -> None:
    path = vault / ANNA
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert run("set", "Anna", "closeness", "3").exit_code == 0
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_set_rejects_wrong_values(run: Run, vault: Path) -> None:
    before = (vault / ANNA).read_bytes()
    for key, value, message in [
        ("closeness", "7", "closeness must be 1, 2, 3 or 4"),
        ("tier", "Z", "unknown tier 'Z'"),
        ("stage", "friend", "unknown stage"),
        ("added", "yesterday", "must be a date"),
    ]:
        result = run("set", "Anna", key, value)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
    assert (vault / ANNA).read_bytes() == before


def test_set_adds_a_missing_key_and_lists(run: Run, vault: Path) -> None:
    assert run("set", "No Header", "closeness", "3").exit_code == 0
    text = (vault / "people/No Header.md").read_text()
    assert text == (
        "---\ncloseness: 3\n---\nJust notes about someone, no frontmatter at all.\n\n"
        "## Log\n- 2026-11-24 closeness: none → 3\n"
    )
    assert run("set", "Klaus", "tags", "founder, berlin,vc").exit_code == 0
    assert "tags: [founder, berlin, vc]\n" in (vault / "people/Klaus Breyer.md").read_text()


def test_values_other_yaml_readers_would_retype_are_quoted(run: Run, vault: Path) -> None:
    """Obsidian and YAML 1.1 tools read yes, 030…, +49… and 12:30 as booleans and numbers."""
    assert run("add", "Quinn Quote", "--phone", "030123457", "--phone", "+4930123457").exit_code == 0
    assert run("set", "Quinn Quote", "location", "yes").exit_code == 0
    assert run("set", "Quinn Quote", "role", "12:30").exit_code == 0
    text = (vault / "people/Quinn Quote.md").read_text()
    assert '"030123457"' in text and '"+4930123457"' in text
    assert 'location: "yes"\n' in text and 'role: "12:30"\n' in text
    shown = run.json("show", "Quinn Quote")
    assert shown["location"] == "yes"
    assert run("set", "Quinn Quote", "location", "Berlin").exit_code == 0  # the key's quoting is kept
    assert 'location: "Berlin"\n' in (vault / "people/Quinn Quote.md").read_text()


def test_log_unknown_name_is_an_error_not_a_new_file(run: Run, vault: Path) -> None:
    files = sorted(p.name for p in (vault / "people").iterdir())
    result = run("log", "Klaus Breier", "call")
    assert result.exit_code == 1
    assert "Error: no person named 'Klaus Breier' (hint: did you mean 'Klaus Breyer'" in result.stderr
    assert sorted(p.name for p in (vault / "people").iterdir()) == files


def test_ambiguous_prefix_lists_the_candidates(run: Run) -> None:
    result = run("log", "A", "call")
    assert result.exit_code == 1
    assert "'A' matches 2 people: 'Alan Vance' (people/Alan Vance.md), 'Anna Schmidt'" in result.stderr


def test_log_unknown_type_is_a_usage_error(run: Run) -> None:
    result = run("log", "Klaus", "teleport")
    assert result.exit_code == 2
    assert "unknown interaction type 'teleport'" in result.stderr


def test_log_with_others_and_not_reached(run: Run, vault: Path) -> None:
    assert (
        run(
            "log",
            "Klaus",
            "dinner",
            "at Luigi's",
            "--with",
            "anna",
            "--with",
            "José Müller",
            "--date",
            "2026-11-22",
        ).exit_code
        == 0
    )
    assert run("log", "Klaus", "call", "--not-reached").exit_code == 0
    text = (vault / "people/Klaus Breyer.md").read_text()
    assert "- 2026-11-22 dinner: at Luigi's [with:: [[Anna Schmidt]], [[José Müller]]]\n" in text
    assert "- 2026-11-24 call: [reached:: no]\n" in text
    shown = run.json("show", "José")
    assert shown["last_touch"] == "2026-11-22"  # the dinner counts for José too


def test_add_creates_a_file_from_the_template(run: Run, vault: Path) -> None:
    result = run(
        "add",
        "Mira Okafor",
        "--closeness",
        "2",
        "--circle",
        "pals",
        "--tier",
        "a",
        "--email",
        "mira@example.com",
        "--tag",
        "lagos",
    )
    assert result.exit_code == 0, result.output
    text = (vault / "people/Mira Okafor.md").read_text()
    assert text == (
        "---\nname: Mira Okafor\ncloseness: 2\ncircle: pals\ntier: A\nemails: [mira@example.com]\n"
        "tags: [lagos]\nadded: 2026-11-24\n---\n## Log\n\n## Tasks\n"
    )
    assert run.json("show", "Mira")["closeness"] == 2


def test_add_makes_safe_file_names(run: Run, vault: Path) -> None:
    for name, stem in [
        ("../../x", "x"),
        ('A/B\\C:D*E?F"G<H>I|J', "A-B-C-D-E-F-G-H-I-J"),
        ("CON", "CON_"),
        ("  .hidden. ", "hidden"),
    ]:
        result = run("add", name)
        assert result.exit_code == 0, result.output
        assert (vault / "people" / f"{stem}.md").is_file()
    assert not (vault.parent / "x.md").exists()
    assert run.json("show", "../../x")["path"] == "people/x.md"


def test_add_refuses_an_existing_name(run: Run) -> None:
    result = run("add", "klaus breyer")
    assert result.exit_code == 1
    assert "'Klaus Breyer' already exists" in result.stderr


def test_a_vault_template_overrides_the_person_template(run: Run, vault: Path) -> None:
    (vault / "templates").mkdir()
    (vault / "templates/person.md.j2").write_text("---\nname: {{ name | yaml }}\nsource: mine\n---\n# {{ name }}\n")
    assert run("add", "Tom Ito").exit_code == 0
    assert (vault / "people/Tom Ito.md").read_text() == "---\nname: Tom Ito\nsource: mine\n---\n# Tom Ito\n"
    (vault / "templates/person.md.j2").write_text("---\nname: {{ name | yaml }\n---\n")
    result = run("add", "Una Li")
    assert result.exit_code == 1
    assert "templates/person.md.j2:2: template error" in result.stderr


LOGGER = """
import sys
from click.testing import CliRunner
from vaultcrm.cli import cli
root, tag = sys.argv[1], sys.argv[2]
for i in range(50):
    r = CliRunner().invoke(cli, ["--vault", root, "--today", "2026-11-24", "log", "Klaus", "message", f"{tag} {i}"])
    assert r.exit_code == 0, r.output
"""


def test_two_processes_logging_at_once_lose_nothing(vault: Path) -> None:
    env = {**os.environ, "VAULTCRM_LOAD_PLUGINS": ""}
    procs = [subprocess.Popen([sys.executable, "-c", LOGGER, str(vault), tag], env=env) for tag in ("a", "b")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    text = (vault / "people/Klaus Breyer.md").read_text()
    for tag in ("a", "b"):
        for i in range(50):
            assert f"- 2026-11-24 message: {tag} {i}\n" in text
    assert text.count("- 2026-11-24 message:") == 100


def test_set_prints_values_plainly_and_keeps_the_typed_cadence(run: Run, vault: Path) -> None:
    result = run("set", "Klaus", "tags", "founder, berlin, vip")
    assert result.stdout.strip() == "Klaus Breyer: tags founder, berlin → founder, berlin, vip"
    assert run("set", "Klaus", "kin", "yes").stdout.strip() == "Klaus Breyer: kin false → true"
    assert run("set", "Klaus", "cadence", "30d").exit_code == 0
    assert "cadence: 30d " in (vault / "people/Klaus Breyer.md").read_text()
    assert "already 1" in run("set", "José", "closeness", "1").stdout


def test_set_refuses_structured_keys_and_unknown_introducers(run: Run) -> None:
    result = run("set", "Klaus", "paused", "2026-01-01")
    assert result.exit_code == 2 and "'paused' holds a list of entries" in result.stderr
    assert run("set", "Klaus", "introduced_by", "Nobody Known").exit_code == 1
    assert run("set", "Klaus", "introduced_by", "ed miller").exit_code == 0


def test_new_files_get_normal_permissions(run: Run, vault: Path) -> None:
    old = os.umask(0o022)
    try:
        assert run("add", "Perm Test").exit_code == 0
    finally:
        os.umask(old)
    assert (vault / "people/Perm Test.md").stat().st_mode & 0o777 == 0o644


def test_log_time_is_padded(run: Run, vault: Path) -> None:
    assert run("log", "Klaus", "call", "--time", "9:05").exit_code == 0
    assert "- 2026-11-24 09:05 call:\n" in (vault / "people/Klaus Breyer.md").read_text()


def test_archive_and_undo(run: Run, vault: Path) -> None:
    assert "Ed Miller" in [p["name"] for p in run.json("due")["people"]]
    result = run("archive", "Ed", "--note", "moved away")
    assert result.stdout.strip() == "Ed Miller: archived (- 2026-11-24 archived: moved away)"
    assert "Ed Miller" not in [p["name"] for p in run.json("due")["people"]]
    assert "Ed Miller" not in [p["name"] for p in run.json("list")]
    assert run.json("list", "--archived", "--status", "archived")[0]["name"] == "Ed Miller"
    assert run.json("show", "Ed")["last_touch"] == "2025-05-01"  # history stays
    assert "already archived" in run("archive", "Ed").stdout
    assert run("archive", "Ed", "--undo").exit_code == 0
    assert "already unarchived" in run("archive", "Ed", "--undo").stdout
    assert "Ed Miller" in [p["name"] for p in run.json("due")["people"]]
    log = (vault / "people/Ed Miller.md").read_text()
    assert log.count("- 2026-11-24 unarchived\n") == 1 and log.count("- 2026-11-24 archived: moved away\n") == 1
