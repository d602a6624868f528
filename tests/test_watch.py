"""vaultcrm watch: a real watchdog observer on real files (no mocks), polled with timeouts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURE, TODAY, Run

import vaultcrm.cli.watch  # noqa: F401 - registers `watch` (also when cli/__init__ does not import it yet)
from vaultcrm import document
from vaultcrm.cli.watch import describe
from vaultcrm.watch import STATUS_FILE, Report, Watcher, WatchError, classify, read_status, watcher_is_current

KLAUS = "people/Klaus Breyer.md"
# watchdog's own notice when a folder and its subfolder appear at once (reviews/assets): harmless
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


def wait_for(check: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or check}")
        time.sleep(0.01)


def query(root: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """What another command would read: a separate connection to the index."""
    with contextlib.closing(sqlite3.connect(root / ".vaultcrm" / "index.sqlite", timeout=30)) as db:
        return db.execute(sql, params).fetchall()


def indexed(root: Path) -> set[str]:
    return {r[0] for r in query(root, "SELECT path FROM files")}


def texts(root: Path, path: str) -> list[str]:
    return [r[0] for r in query(root, "SELECT text FROM entries WHERE path = ?", path)]


def editor_save(path: Path, text: str) -> None:
    """Save as vim, VS Code and Obsidian do: write a temp file beside it, then rename it over."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)


def pump(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


def add_log_line(root: Path, rel: str, line: str) -> None:
    path = root / rel
    editor_save(path, document.add_to_section(path.read_text(encoding="utf-8"), "Log", line))


class Running:
    """A Watcher in a thread (the CLI runs it in the main thread)."""

    def __init__(self, root: Path, cheer: bool = False, **kwargs: Any) -> None:
        self.root = root
        self.reports: list[Report] = []
        self.watcher = Watcher(root, today=dt.date.fromisoformat(TODAY), report=self.reports.append, **kwargs)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.watcher.ready.wait(15), "the watcher did not start"
        if cheer:  # the announcer has its starting point: what changes from now on is cheered
            assert self.watcher.cheering.wait(15), "the announcer did not start"

    def _run(self) -> None:
        try:
            self.watcher.run(handle_signals=False)
        except BaseException as exc:  # noqa: BLE001 - re-raised in stop()
            self.error = exc

    def of(self, kind: str) -> list[Report]:
        return [r for r in list(self.reports) if r.kind == kind]

    def settle(self) -> None:
        wait_for(lambda: watcher_is_current(self.root), 30, "the watcher to be current")

    def stop(self) -> None:
        if self.thread.is_alive():
            self.watcher.stop()
            self.thread.join(15)
        assert not self.thread.is_alive()
        if self.error is not None:
            raise self.error
        assert self.of("error") == []


@pytest.fixture
def watching(vault: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(**kwargs: Any) -> Running:
        running = Running(vault, **kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


# ---------------------------------------------------------------------------
# What matters


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("people/Ada Lovelace.md", "md"),
        ("journal/2026-11-20.md", "md"),
        ("Inbox.md", "md"),
        ("vaultcrm.yaml", "settings"),
        ("people/vaultcrm.yaml", None),
        ("people/.Ada Lovelace.md.swp", None),  # vim swap
        ("people/Ada Lovelace.md~", None),  # backup
        ("people/4913", None),  # vim's can-I-write probe
        ("people/.#Ada Lovelace.md", None),  # emacs lock
        ("people/#Ada Lovelace.md#", None),  # emacs auto-save
        ("people/Ada Lovelace.md.tmp", None),
        ("people/.Ada Lovelace.md.k2j4h5.tmp", None),  # vaultcrm's own atomic write
        (".obsidian/workspace.md", None),
        (".git/COMMIT_EDITMSG.md", None),
        (".vaultcrm/notes.md", None),
        (".trash/Old.md", None),
        ("templates/person.md", None),
        ("node_modules/pkg/README.md", None),
    ],
)
def test_only_notes_and_settings_matter(rel: str, expected: str | None) -> None:
    assert classify(rel) == expected


def test_describe_says_what_changed() -> None:
    assert describe(1, 0, ("people/Ada.md",)) == "Indexed people/Ada.md"
    assert describe(0, 1, ("people/Ada.md",)) == "Removed people/Ada.md"
    assert describe(3, 0, ()) == "Indexed 3 files"
    assert describe(2, 1, ("a.md", "b.md", "c.md")) == "Indexed 2 files, removed 1 file"


# ---------------------------------------------------------------------------
# Keeping the index current


def test_an_atomic_save_is_indexed_within_a_second(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    running.settle()
    people = vault / "people"
    for junk in (".Klaus Breyer.md.swp", "Klaus Breyer.md~", "4913", ".#Klaus Breyer.md", "Klaus.tmp"):
        (people / junk).write_text("---\nname: Junk\n---\n", encoding="utf-8")
    add_log_line(vault, KLAUS, "- 2026-11-24 coffee: saved atomically")
    saved = time.monotonic()
    wait_for(lambda: "saved atomically" in texts(vault, KLAUS), 1.0, "the saved line in the index")
    assert time.monotonic() - saved < 1.0
    running.settle()
    assert running.watcher.refreshes == 1  # the swap and backup files caused none
    assert not {p for p in indexed(vault) if "Junk" in p or not p.endswith(".md") or "/." in p}
    assert [r.paths for r in running.of("indexed")] == [(KLAUS,)]


def test_a_burst_of_500_files_is_a_few_refreshes(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    running.settle()
    for i in range(500):
        (vault / "people" / f"Burst {i:03}.md").write_text(
            f"---\nname: Burst {i:03}\ncloseness: 3\n---\n## Log\n- 2026-11-20 call: burst {i}\n", encoding="utf-8"
        )
    wait_for(lambda: query(vault, "SELECT count(*) FROM people")[0][0] == 506, 60, "500 new people")
    running.settle()
    assert query(vault, "SELECT count(*) FROM entries WHERE text LIKE 'burst %'")[0][0] == 500
    assert len([p for p in indexed(vault) if p.startswith("people/Burst ")]) == 500
    assert 1 <= running.watcher.refreshes <= 10, running.watcher.refreshes


def test_deleting_a_file_removes_it(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    os.remove(vault / "people" / "Alan Vance.md")
    wait_for(lambda: "people/Alan Vance.md" not in indexed(vault), 5, "the deleted file to go")
    assert query(vault, "SELECT count(*) FROM people WHERE path = 'people/Alan Vance.md'")[0][0] == 0
    running.settle()


def test_renaming_a_file(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    os.rename(vault / "people" / "Ed Miller.md", vault / "people" / "Edward Miller.md")
    wait_for(lambda: "people/Edward Miller.md" in indexed(vault), 5, "the new name")
    assert "people/Ed Miller.md" not in indexed(vault)
    assert query(vault, "SELECT path FROM people WHERE path LIKE 'people/Ed%'") == [("people/Edward Miller.md",)]
    running.settle()


def test_a_broken_file_is_reported_once_and_the_rest_still_indexes(
    vault: Path, watching: Callable[..., Running]
) -> None:
    running = watching()
    broken = vault / "people" / "Broken.md"
    broken.write_text("---\nname: Broken\ncircle: [oops\n---\nnotes\n", encoding="utf-8")
    wait_for(lambda: running.of("unreadable"), 5, "the report")
    for i in range(3):
        add_log_line(vault, KLAUS, f"- 2026-11-24 call: still going {i}")
        wait_for(lambda i=i: f"still going {i}" in texts(vault, KLAUS), 5, "Klaus's line")
    count = running.watcher.refreshes
    with broken.open("a", encoding="utf-8") as fh:
        fh.write("more notes, still broken\n")
    wait_for(lambda: running.watcher.refreshes > count, 5, "the broken file's refresh")
    running.settle()
    reported = running.of("unreadable")
    assert [r.path for r in reported] == ["people/Broken.md"]
    assert reported[0].diagnostic is not None and "YAML" in reported[0].diagnostic.message
    assert query(vault, "SELECT count(*) FROM people WHERE path = 'people/Broken.md'")[0][0] == 0
    editor_save(broken, "---\nname: Broken\ncircle: pals\n---\nfixed\n")
    wait_for(lambda: running.of("readable"), 5, "the file to read again")
    assert running.of("readable")[0].path == "people/Broken.md"


def test_the_people_folder_deleted_and_recreated(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    shutil.rmtree(vault / "people")
    wait_for(lambda: not any(p.startswith("people/") for p in indexed(vault)), 5, "people/ to be gone")
    (vault / "people" / "sub").mkdir(parents=True)
    for src in sorted((FIXTURE / "people").iterdir()):
        shutil.copy(src, vault / "people" / src.name)
    (vault / "people" / "sub" / "Nested Person.md").write_text("---\nname: Nested Person\n---\n", encoding="utf-8")
    expected = {f"people/{p.name}" for p in (FIXTURE / "people").iterdir()} | {"people/sub/Nested Person.md"}
    wait_for(lambda: expected <= indexed(vault), 5, "people/ to be back")
    running.settle()
    add_log_line(vault, KLAUS, "- 2026-11-24 call: after the folder came back")
    wait_for(lambda: "after the folder came back" in texts(vault, KLAUS), 5, "an edit in the new folder")


def test_watch_and_log_together(vault: Path, run: Run, watching: Callable[..., Running]) -> None:
    running = watching()
    for i in range(50):
        result = run("log", "Klaus", "coffee", f"together {i}")
        assert result.exit_code == 0, result.output
        if i % 10 == 0:  # the user saves another file meanwhile
            add_log_line(vault, "people/Anna Schmidt.md", f"- 2026-11-2{i // 10} message: edited {i}")
    text = (vault / KLAUS).read_text(encoding="utf-8")
    assert all(f"together {i}" in text for i in range(50))
    wait_for(lambda: sum("together" in t for t in texts(vault, KLAUS)) == 50, 10, "all 50 lines in the index")
    running.settle()
    assert sum("edited" in t for t in texts(vault, "people/Anna Schmidt.md")) == 5
    assert running.of("error") == []
    # idle, the watcher holds no transaction: a writer gets in at once and the WAL can be checkpointed
    with contextlib.closing(sqlite3.connect(vault / ".vaultcrm" / "index.sqlite", timeout=0.5)) as db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        wait_for(lambda: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0, 10, "a checkpoint")


# ---------------------------------------------------------------------------
# Cheering, the review, the settings


def test_a_touch_logged_by_editing_a_file_is_celebrated(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching(cheer=True)
    add_log_line(vault, KLAUS, "- 2026-11-24 coffee: a long talk about the startup #deep")
    gain = wait_for(lambda: running.of("gain"), 15, "a celebration")[0]
    assert gain.message.startswith("+") and "XP" in gain.message
    assert gain.data is not None and gain.data["xp"] > 0
    assert running.of("indexed")[0].paths == (KLAUS,)


def test_quiet_mode_does_not_cheer(vault: Path, watching: Callable[..., Running]) -> None:
    (vault / "vaultcrm.yaml").write_text("gamification: off\n", encoding="utf-8")
    running = watching()
    add_log_line(vault, KLAUS, "- 2026-11-24 coffee: quietly")
    wait_for(lambda: "quietly" in texts(vault, KLAUS), 5)
    running.settle()
    assert running.of("gain") == []


def test_review_is_rewritten_when_something_changes(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching(review=True, cheer=True)
    add_log_line(vault, KLAUS, "- 2026-11-24 call: for the review")
    wait_for(lambda: running.of("review"), 10, "the review")
    assert running.of("review")[0].path == "reviews/2026-W48.md"
    assert (vault / "reviews" / "2026-W48.md").is_file()
    running.settle()
    assert len(running.of("review")) == 1  # its own write does not start it again


def test_settings_are_reloaded(vault: Path, watching: Callable[..., Running]) -> None:
    running = watching()
    running.settle()
    editor_save(vault / "vaultcrm.yaml", "circles: [customers, creatives, pals, family]\ngamification: off\n")
    wait_for(lambda: [r for r in running.of("notice") if "Reloaded" in r.message], 5, "the reload")
    running.settle()
    assert running.watcher.settings.gamification is False


# ---------------------------------------------------------------------------
# Telling commands that the index is current


def test_watcher_is_current_while_running_and_idle(vault: Path, watching: Callable[..., Running]) -> None:
    assert not watcher_is_current(vault)
    running = watching()
    running.settle()
    add_log_line(vault, KLAUS, "- 2026-11-24 call: dirty for a moment")
    wait_for(lambda: not watcher_is_current(vault), 0.5, "the dirty flag")
    running.settle()
    assert "dirty for a moment" in texts(vault, KLAUS)
    status = read_status(vault)
    assert status is not None and status["pid"] == os.getpid() and status["dirty"] is False
    with pytest.raises(WatchError, match="already watching"):
        Watcher(vault).run(handle_signals=False)
    running.stop()
    assert not watcher_is_current(vault)
    assert not (vault / ".vaultcrm" / STATUS_FILE).exists()


def test_commands_skip_their_stat_walk_while_a_watcher_is_current(
    vault: Path, run: Run, watching: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultcrm.core import Vault

    refreshes: list[int] = []
    real = Vault.refresh

    def counted(self: Vault, *args: Any, **kwargs: Any) -> Any:
        refreshes.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Vault, "refresh", counted)
    running = watching()
    add_log_line(vault, KLAUS, "- 2026-11-24 call: seen by the watcher only")
    running.settle()
    refreshes.clear()
    shown = run.json("show", "Klaus")
    assert refreshes == []  # no walk of its own, and still the watcher's fresh line
    assert shown["last_touch"] == "2026-11-24"
    monkeypatch.setenv("VAULTCRM_NO_WATCHER", "1")
    assert run("due").exit_code == 0
    assert refreshes == [1]


def test_a_leftover_status_file_is_not_trusted(vault: Path) -> None:
    (vault / ".vaultcrm").mkdir()
    status = vault / ".vaultcrm" / STATUS_FILE
    from vaultcrm.index import SCHEMA_VERSION
    from vaultcrm.watch import _host, settings_digest

    good = {
        "version": 1,
        "pid": os.getpid(),
        "host": _host(),
        "schema": SCHEMA_VERSION,
        "settings": settings_digest(vault),
        "heartbeat": time.time(),
        "dirty": False,
    }
    status.write_text(json.dumps(good), encoding="utf-8")
    assert not watcher_is_current(vault)  # a live pid, but nobody holds the watcher lock (a killed watcher)
    for bad in ({"heartbeat": time.time() - 10}, {"dirty": True}, {"schema": -1}, {"pid": 2**22 + 12345}):
        status.write_text(json.dumps({**good, **bad}), encoding="utf-8")
        assert not watcher_is_current(vault)
    status.write_text("{not json", encoding="utf-8")
    assert not watcher_is_current(vault)


# ---------------------------------------------------------------------------
# The command


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_command_stops_cleanly_on_a_signal(vault: Path, signum: int) -> None:
    env = {**os.environ, "VAULTCRM_LOAD_PLUGINS": "", "NO_COLOR": "1"}
    env.pop("VAULTCRM_VAULT", None)
    code = "import vaultcrm.cli.watch; from vaultcrm.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--vault", str(vault), "--today", TODAY, "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    out: list[str] = []
    err: list[str] = []
    readers = [
        threading.Thread(target=pump, args=(stream, sink), daemon=True)
        for stream, sink in ((proc.stdout, out), (proc.stderr, err))
    ]
    for reader in readers:
        reader.start()
    try:
        wait_for(lambda: any("Watching" in line for line in err), 20, "the watcher to start")
        wait_for(lambda: watcher_is_current(vault), 10, "the watcher to be current")
        add_log_line(vault, KLAUS, "- 2026-11-24 coffee: cheered from a subprocess")
        wait_for(lambda: any("XP" in line for line in out), 15, "the celebration on stdout")
        proc.send_signal(signum)
        assert proc.wait(15) == 0, "".join(err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for reader in readers:
            reader.join(5)
    assert f"Indexed {KLAUS}\n" in out
    assert any(line.startswith("+") and "XP" in line for line in out)
    assert err[-1] == "Stopped watching.\n"
    assert not any("Error" in line or "Traceback" in line for line in err)
    assert not watcher_is_current(vault)
    assert not (vault / ".vaultcrm" / STATUS_FILE).exists()
