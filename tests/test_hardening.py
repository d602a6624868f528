"""Everything a real vault throws at vaultcrm: each bad thing is one clear line, nothing else suffers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from conftest import Run

BOMB = (
    "---\n"
    + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    + "---\n"
)


def warnings(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in result.stderr.splitlines() if line.startswith("Warning:")]


def test_billion_laughs_is_refused_quickly(run: Run, vault: Path) -> None:
    (vault / "people/Bomb.md").write_text(BOMB)
    started = time.perf_counter()
    result = run("list", "--json")
    assert time.perf_counter() - started < 10
    assert result.exit_code == 0
    assert warnings(result) == [
        "Warning: people/Bomb.md:2: YAML aliases (*name) are not supported in vaultcrm files (skipped)"
    ]


def test_deeply_nested_yaml(run: Run, vault: Path) -> None:
    (vault / "people/Deep.md").write_text("---\na: " + "[" * 3000 + "]" * 3000 + "\n---\n")
    result = run("list")
    assert result.exit_code == 0
    assert any("people/Deep.md" in w and "nested more than 64 levels" in w for w in warnings(result))


def test_a_100_mb_file_is_not_read(run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = vault / "people/Huge.md"
    with open(big, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    import vaultcrm.vault as vaultio

    def no_big_reads(path: Path) -> bytes:
        assert Path(path).name != "Huge.md", "a 100 MB file must not be read"
        return Path(path).read_bytes()

    monkeypatch.setattr(vaultio, "read_bytes", no_big_reads)
    result = run("list")
    assert result.exit_code == 0
    assert any("people/Huge.md: file is too large (100.0 MB, over the 5 MB limit)" in w for w in warnings(result))


def test_symlinks_loops_and_outside(run: Run, vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("---\nname: Secret\n---\n")
    (vault / "people/Link Out.md").symlink_to(outside)
    (vault / "people/Loop A.md").symlink_to(vault / "people/Loop B.md")
    (vault / "people/Loop B.md").symlink_to(vault / "people/Loop A.md")
    (vault / "people/loopdir").symlink_to(vault / "people")
    result = run("list", "--json")
    assert result.exit_code == 0
    assert "Secret" not in result.stdout
    assert any("people/Link Out.md: a symlink pointing outside the vault" in w for w in warnings(result))
    failed = run("log", "Link Out", "call")
    assert failed.exit_code == 1
    assert outside.read_text() == "---\nname: Secret\n---\n"


def test_nfd_and_nfc_names_are_the_same_person(run: Run, vault: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Ångström")
    (vault / f"people/{nfd}.md").write_text("---\ncloseness: 2\n---\n")
    nfc = unicodedata.normalize("NFC", "Zoë Ångström")
    assert run.json("show", nfc)["closeness"] == 2
    assert run("log", nfc, "call", "hello").exit_code == 0
    (vault / "journal/2026-11-23.md").write_text(f"- coffee with [[{nfc}]]\n")
    assert run.json("show", nfd)["last_touch"] == "2026-11-24"
    assert "broken link" not in run("check").stdout


def test_a_bom_file_without_frontmatter_keeps_one_log(run: Run, vault: Path) -> None:
    """Windows Notepad saves with a BOM; the heading on the first line is still the Log."""
    path = vault / "people/Notepad Person.md"
    path.write_bytes("\ufeff## Log\r\n- 2026-10-01 call: from Windows\r\n".encode())
    assert run.json("show", "Notepad Person")["last_touch"] == "2026-10-01"
    assert run("log", "Notepad Person", "coffee", "again", "--date", "2026-11-20").exit_code == 0
    assert path.read_bytes() == (
        "\ufeff## Log\r\n- 2026-11-20 coffee: again\r\n- 2026-10-01 call: from Windows\r\n".encode()
    )


def test_a_person_file_that_is_a_directory(run: Run, vault: Path) -> None:
    (vault / "people/Folder.md").mkdir()
    result = run("list", "--json")
    assert result.exit_code == 0 and warnings(result) == []


def test_permission_denied_on_one_file(run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vaultcrm.vault as vaultio

    real = vaultio.read_bytes

    def denied(path: Path) -> bytes:
        if Path(path).name == "Ed Miller.md":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(vaultio, "read_bytes", denied)
    result = run("list", "--json")
    assert result.exit_code == 0
    assert warnings(result) == ["Warning: people/Ed Miller.md: cannot read: Permission denied (skipped)"]
    assert "Klaus Breyer" in result.stdout


def test_read_only_vault_reads_work_and_writes_say_why(run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import vaultcrm.index as index_mod
    import vaultcrm.vault as vaultio

    real_access = os.access
    monkeypatch.setattr(
        index_mod.os, "access", lambda p, m: False if str(p).endswith(".vaultcrm") else real_access(p, m)
    )

    def read_only(path: Path, data: bytes) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(vaultio, "atomic_write", read_only)
    shown = run("show", "Klaus", "--json")
    assert shown.exit_code == 0 and '"name": "Klaus Breyer"' in shown.stdout
    assert "Notice: the vault is read-only here" in shown.stderr
    before = (vault / "people/Klaus Breyer.md").read_bytes()
    logged = run("log", "Klaus", "call")
    assert logged.exit_code == 1
    assert "people/Klaus Breyer.md: cannot write: Read-only file system" in logged.stderr
    assert (vault / "people/Klaus Breyer.md").read_bytes() == before


def test_a_corrupt_index_is_rebuilt_with_a_notice(run: Run, vault: Path) -> None:
    assert run("list").exit_code == 0
    db = vault / ".vaultcrm/index.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"garbage" * 1000)
    result = run("list", "--json")
    assert result.exit_code == 0
    assert "Notice: the index was unreadable" in result.stderr
    assert "Klaus Breyer" in result.stdout


def test_templates_are_sandboxed(run: Run, vault: Path) -> None:
    (vault / "templates").mkdir()
    (vault / "templates/person.md.j2").write_text(
        "---\nname: {{ name | yaml }}\n---\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
    )
    result = run("add", "Mallory")
    assert result.exit_code == 1
    assert "templates/person.md.j2" in result.stderr and "template error" in result.stderr
    assert not (vault / "people/Mallory.md").exists()


WRITER = """
import sys
from click.testing import CliRunner
from vaultcrm.cli import cli
root = sys.argv[1]
i = 0
while True:
    CliRunner().invoke(cli, ["--vault", root, "--today", "2026-11-24", "log", "Klaus", "message", f"line {i}"])
    i += 1
"""


def test_a_writer_killed_at_random_leaves_whole_files(run: Run, vault: Path) -> None:
    path = vault / "people/Klaus Breyer.md"
    original = path.read_text()
    rng = random.Random(5)
    env = {**os.environ, "VAULTCRM_LOAD_PLUGINS": ""}
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(vault)], env=env)
        time.sleep(0.3 + rng.random() * 0.7)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = path.read_text()
        # old or new, never a mix: the original lines all there, and every added line whole
        assert all(line in text for line in original.splitlines())
        added = [line for line in text.splitlines() if line not in original.splitlines()]
        assert all(line.startswith("- 2026-11-24 message: line ") for line in added)
    # a temp file left by a kill is hidden (a leading dot) and never taken for a person
    stray = [p.name for p in (vault / "people").iterdir() if p.name.endswith(".tmp")]
    assert all(name.startswith(".") for name in stray)
    assert len(run.json("list")) == 6
    result = run("show", "Klaus", "--json")
    assert result.exit_code == 0 and warnings(result) == []
    assert run("check").exit_code == 0
