"""The SQLite index: incremental, rebuildable, safe with two processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vaultcrm import index as index_mod
from vaultcrm.index import Index
from vaultcrm.settings import Folders

F = Folders()


def age(root: Path, seconds: float = 5.0) -> None:
    """Make every file look saved a while ago (files saved within 1 s of indexing are re-hashed)."""
    past = time.time() - seconds
    for path in root.rglob("*.md"):
        os.utime(path, (past, past))


def test_first_refresh_parses_everything_then_nothing(vault: Path) -> None:
    age(vault)
    with Index(vault, F) as ix:
        first = ix.refresh()
        assert first.parsed == 8 and first.removed == 0
        second = ix.refresh()
        assert (second.parsed, second.hashed, second.removed) == (0, 0, 0)
        assert len(ix.people()) == 6


def test_only_the_changed_file_is_parsed(vault: Path) -> None:
    age(vault)
    with Index(vault, F) as ix:
        ix.refresh()
        path = vault / "people/Klaus Breyer.md"
        path.write_text(path.read_text().replace("closeness: 2", "closeness: 1"))
        stats = ix.refresh()
        assert stats.parsed == 1
        klaus = ix.person("people/Klaus Breyer.md")
        assert klaus is not None and klaus.closeness == 1


def test_a_touched_but_unchanged_file_is_hashed_not_parsed(vault: Path) -> None:
    age(vault)
    with Index(vault, F) as ix:
        ix.refresh()
        os.utime(vault / "people/Klaus Breyer.md")  # new mtime, same bytes
        stats = ix.refresh()
        assert (stats.parsed, stats.hashed) == (0, 1)


def test_same_size_same_mtime_edit_is_caught_when_racy(vault: Path) -> None:
    path = vault / "people/Ed Miller.md"
    os.utime(path)  # saved just now
    with Index(vault, F) as ix:
        ix.refresh()  # Ed was saved just now: racy, so re-checked by content next time
        st = path.stat()
        path.write_text(path.read_text().replace("closeness: 3", "closeness: 2"))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
        assert ix.refresh().parsed == 1
        ed = ix.person("people/Ed Miller.md")
        assert ed is not None and ed.closeness == 2


def test_deleted_files_disappear(vault: Path) -> None:
    with Index(vault, F) as ix:
        ix.refresh()
        (vault / "people/Ed Miller.md").unlink()
        stats = ix.refresh()
        assert stats.removed == 1
        assert ix.person("people/Ed Miller.md") is None
        assert ix.paths_named("ed miller") == []
        assert all(e.path != "people/Ed Miller.md" for e in ix.entries())


def test_a_new_schema_version_rebuilds(vault: Path, monkeypatch) -> None:
    with Index(vault, F) as ix:
        ix.refresh()
    monkeypatch.setattr(index_mod, "SCHEMA_VERSION", index_mod.SCHEMA_VERSION + 1)
    with Index(vault, F) as ix:
        assert ix.refresh().parsed == 8


def test_a_corrupt_cache_is_rebuilt(vault: Path) -> None:
    with Index(vault, F) as ix:
        ix.refresh()
    db = vault / ".vaultcrm/index.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    with Index(vault, F) as ix:
        assert ix.refresh().parsed == 8


def test_wal_mode(vault: Path) -> None:
    with Index(vault, F) as ix:
        assert ix.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_parallel_cold_index_matches_serial(vault: Path, monkeypatch) -> None:
    for i in range(40):
        (vault / f"people/Gen {i}.md").write_text(
            f"---\ncloseness: {i % 4 + 1}\n---\n## Log\n- 2026-01-0{i % 9 + 1} call: x\n"
        )
    with Index(vault, F) as ix:
        ix.refresh()
        serial = sorted(p.path for p in ix.people()), len(ix.entries())
    (vault / ".vaultcrm/index.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(vault / ".vaultcrm/index.sqlite") + suffix).unlink(missing_ok=True)
    monkeypatch.setattr(index_mod, "PARALLEL_MIN", 10)
    with Index(vault, F) as ix:
        assert ix.refresh().parsed == 48
        assert (sorted(p.path for p in ix.people()), len(ix.entries())) == serial


REFRESHER = """
import sys, time
from pathlib import Path
from vaultcrm.index import Index
from vaultcrm.settings import Folders
root = Path(sys.argv[1])
for i in range(30):
    with Index(root, Folders()) as ix:
        ix.refresh()
        assert len(ix.people()) >= 6
"""


def test_two_processes_refreshing_at_once(vault: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", REFRESHER, str(vault)]) for _ in range(2)]
    for i in range(20):
        (vault / f"people/New {i}.md").write_text("---\ncloseness: 2\n---\n")
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    with Index(vault, F) as ix:
        ix.refresh()
        assert len(ix.people()) == 26
        assert sqlite3.connect(vault / ".vaultcrm/index.sqlite").execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _many_people(vault: Path, n: int = 40) -> None:
    for i in range(n):
        (vault / f"people/Gen {i}.md").write_text(
            f"---\ncloseness: {i % 4 + 1}\n---\n## Log\n- 2026-01-0{i % 9 + 1} call: x [[Gen {i + 1}]]\n"
        )


def _drop_index(vault: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(vault / ".vaultcrm/index.sqlite") + suffix).unlink(missing_ok=True)


def _contents(ix: Index) -> tuple:
    return (
        sorted(p.path for p in ix.people()),
        sorted(ix.entries()),
        sorted(ix.links()),
        sorted(ix.names()),
        ix.search("Gen"),
    )


def test_cold_build_in_workers_equals_serial_and_leaves_no_scratch(vault: Path, monkeypatch) -> None:
    _many_people(vault)
    with Index(vault, F) as ix:
        ix.refresh()
        serial = _contents(ix)
    _drop_index(vault)
    monkeypatch.setattr(index_mod, "PARALLEL_MIN", 10)
    monkeypatch.setattr(index_mod, "BUILD_CHUNK", 7)
    (vault / ".vaultcrm/build-left-by-a-killed-build").mkdir()  # a build killed earlier
    with Index(vault, F) as ix:
        assert ix.refresh().parsed == 48
        assert _contents(ix) == serial
    assert [p.name for p in (vault / ".vaultcrm").iterdir() if p.name.startswith("build-")] == []


@pytest.mark.parametrize("where", ["worker", "copy"])
def test_interrupted_cold_build_leaves_a_working_index(vault: Path, monkeypatch, where: str) -> None:
    _many_people(vault)
    with Index(vault, F) as ix:
        ix.refresh()
        serial = _contents(ix)
    _drop_index(vault)
    monkeypatch.setattr(index_mod, "PARALLEL_MIN", 10)
    monkeypatch.setattr(index_mod, "BULK_MIN", 10)

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("interrupted")

    if where == "worker":  # a worker fails while parsing (the fork inherits the patch)
        if sys.platform != "linux":
            pytest.skip("spawned workers do not see the patch")
        monkeypatch.setattr(index_mod, "parse_one", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
        expected: type[BaseException] = RuntimeError
    else:  # interrupted after the rows were copied in, before the commit
        monkeypatch.setattr(Index, "_create_indexes", boom)
        expected = KeyboardInterrupt
    with Index(vault, F) as ix, pytest.raises(expected):
        ix.refresh()
    monkeypatch.undo()
    assert [p.name for p in (vault / ".vaultcrm").iterdir() if p.name.startswith("build-")] == []
    db = sqlite3.connect(vault / ".vaultcrm/index.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 0  # nothing half-written
    db.close()
    with Index(vault, F) as ix:
        assert ix.refresh().parsed == 48
        assert _contents(ix) == serial


def test_no_fork_while_other_threads_run(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`vaultcrm watch` refreshes from a threaded process: forking there can hang a worker,
    so a big batch is parsed in-process instead, with the same result."""
    import threading

    monkeypatch.setattr(index_mod, "PARALLEL_MIN", 2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        if sys.platform == "linux":
            assert index_mod._pool_method() is None
        with Index(vault, F) as ix:
            ix.refresh()
            assert ix.conn.execute("SELECT count(*) FROM people").fetchone()[0] > 2
    finally:
        stop.set()
        other.join()
    if sys.platform == "linux" and threading.active_count() == 1:
        assert index_mod._pool_method() == "fork"
