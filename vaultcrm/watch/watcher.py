"""The watcher: the observer, the debounce, the refresh and the status it keeps."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import settings as settings_mod
from .. import vault as vaultio
from ..errors import VaultCRMError
from ..index import SCHEMA_VERSION
from .announcer import Announcer
from .paths import classify, ignored_folder, same_file_name
from .report import Report
from .status import LOCK_FILE, STATUS_FILE, STATUS_VERSION, host, lock, read_status, settings_digest, unlock

if TYPE_CHECKING:
    from watchdog.events import FileSystemEvent
    from watchdog.observers.api import BaseObserver

    from ..core import Vault
    from ..index import RefreshStats
    from ..settings import Settings

QUIET = 0.05  # refresh once the events have been quiet this long …
MAX_DELAY = 1.0  # … or this long after the first event of a batch, whichever comes first
SETTLE = 0.6  # the index counts as current this long after the last event (watchdog pairs moves for 0.5 s)
HEARTBEAT = 1.0  # the status file is rewritten this often
RESCAN = 60.0  # a full refresh this often, in case the system dropped events
FULL_AT = 2000  # a batch of this many files is refreshed with a full stat walk
RETRY = 1.0  # a refresh that failed is tried again after this long


class WatchError(VaultCRMError):
    """The watcher cannot start or cannot go on."""


@dataclass
class _Batch:
    """Changes waiting for a refresh."""

    paths: set[str] = field(default_factory=set)
    full: bool = False
    settings: bool = False
    first: float = 0.0  # monotonic time of the batch's first and last event
    last: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.paths or self.full or self.settings)

    def merge(self, other: _Batch) -> None:
        self.paths |= other.paths
        self.full = self.full or other.full
        self.settings = self.settings or other.settings
        self.first = min(self.first, other.first) if self.first else other.first
        self.last = max(self.last, other.last)


class _OverflowLog(logging.Handler):
    """watchdog only logs a warning when the kernel dropped events: turn it into a full refresh."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            if "overflow" in record.getMessage().lower():
                self.watcher._on_overflow()


class Watcher:
    """Watch one vault and keep its index current until :meth:`stop` (or SIGINT/SIGTERM).

    ``today`` fixes the date the game is played on (None: the vault's clock, re-read so
    that a watcher running past midnight moves on). ``report`` receives every
    :class:`Report`, from the indexer thread and the thread that relays the announcer's
    (one at a time).
    """

    def __init__(
        self,
        root: Path,
        *,
        today: dt.date | None = None,
        settings: Settings | None = None,
        review: bool = False,
        report: Callable[[Report], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
        quiet: float = QUIET,
        max_delay: float = MAX_DELAY,
        rescan: float = RESCAN,
    ) -> None:
        self.root = Path(root).resolve()
        self.review = review
        self.quiet = quiet
        self.max_delay = max_delay
        self.rescan = rescan
        self._fixed_today = today
        self._settings = settings if settings is not None else settings_mod.load(self.root)
        self._digest = settings_digest(self.root)
        self._report = report
        self._progress = progress
        self._prefixes = tuple(dict.fromkeys([str(self.root) + os.sep, os.path.realpath(self.root) + os.sep]))

        self._lock = threading.Lock()  # pending batch, dirty flag, status file
        self._report_lock = threading.Lock()
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()  # put() is safe in signal handlers
        self._pending = _Batch()
        self._dirty = True
        self._last_event = 0.0
        self._failing = False
        self._root_gone = False
        self._stopping = False
        self._failure: BaseException | None = None

        self._announcer: Announcer | None = None

        self._vault: Vault | None = None
        self._observer: BaseObserver | None = None
        self._lock_fd: int | None = None
        self._status_ok = True
        self._started = time.time()
        self._generation = -1
        self._rebase = False  # the settings changed: the announcer starts the game over
        self._problems: dict[str, str] = {}  # unreadable path → what was reported
        self._said: set[str] = set()  # errors and notices already reported

        self._startup: RefreshStats | None = None
        self.ready = threading.Event()  # the index is current and being kept so
        self.cheering = threading.Event()  # … and the announcer has its starting point (or is not needed)
        self.refreshes = 0  # refreshes after the first one (tests and the benchmark read it)
        self.events = 0  # file-system events that concerned the index

    # -- public -------------------------------------------------------------

    def run(self, handle_signals: bool = True) -> None:
        """Watch until stopped. SIGINT and SIGTERM stop cleanly when run in the main thread."""
        restore = self._install_signals() if handle_signals else {}
        try:
            self._acquire()
            try:
                self._start()
                self._loop()
            finally:
                self._shutdown()
        finally:
            import signal

            for signum, handler in restore.items():
                signal.signal(signum, handler)
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """Ask the watcher to stop (from any thread, or a signal handler)."""
        self._stopping = True
        self._wake.put(None)

    @property
    def settings(self) -> Settings:
        return self._settings

    # -- starting and stopping ------------------------------------------------

    def _install_signals(self) -> dict[int, Any]:
        import signal

        if threading.current_thread() is not threading.main_thread():
            return {}

        owner = os.getpid()

        def handler(signum: int, frame: Any) -> None:
            if os.getpid() != owner:
                # a forked child (the index's parser pool) inherited this handler: it must stop
                # as it would have without us, or Pool.terminate() waits for it forever
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return
            self.stop()
            # a second Ctrl-C while shutting down interrupts for good
            signal.signal(signal.SIGINT, signal.default_int_handler)

        saved: dict[int, Any] = {}
        for name in ("SIGINT", "SIGTERM"):
            signum = getattr(signal, name, None)
            if signum is not None:
                saved[signum] = signal.signal(signum, handler)
        return saved

    def _acquire(self) -> None:
        state = self.root / vaultio.STATE_DIR
        try:
            state.mkdir(exist_ok=True)
            fd = os.open(state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self._status_ok = False
            self._note(f"cannot keep the watcher's status in {vaultio.STATE_DIR}/ ({exc.strerror or exc})")
            return
        try:
            lock(fd)
        except OSError:
            os.close(fd)
            other = (read_status(self.root) or {}).get("pid")
            raise WatchError(
                "another 'vaultcrm watch' is already watching this vault" + (f" (pid {other})" if other else ""),
                hint="stop it first; one watcher per vault is enough",
            ) from None
        self._lock_fd = fd

    def _start(self) -> None:
        self._write_status()
        self._vault = self._open_vault()
        self._start_observer()  # before the first refresh: nothing saved meanwhile is missed
        stats = self._vault.refresh(progress=self._progress)
        if self._vault.index.notice:
            self._note(f"Notice: {self._vault.index.notice}")
        self._generation = self._vault.index.generation()
        self._check_problems()
        self._startup = stats
        self.ready.set()
        self._start_announcer()
        if self._announcer is None:
            self._all_set()

    def _all_set(self) -> None:
        """Say "ready" once: the index is current and the announcer has its starting point."""
        with self._lock:
            if self.cheering.is_set():
                return
            self.cheering.set()
        stats = self._startup
        self._emit(Report("ready", indexed=stats.parsed if stats else 0, removed=stats.removed if stats else 0))

    def _open_vault(self) -> Vault:
        from ..core import Vault

        return Vault(self.root, self._today(self._settings), self._settings)

    def _today(self, settings: Settings) -> dt.date:
        if self._fixed_today is not None:
            return self._fixed_today
        from ..core import today_in

        return today_in(settings.timezone)

    def _start_observer(self) -> None:
        from watchdog.events import (
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
            FileAttribEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEventHandler,
        )
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        watcher = self

        class Handler(FileSystemEventHandler):
            def dispatch(self, event: FileSystemEvent) -> None:
                watcher._on_fs_event(event)

        wanted: list[type[FileSystemEvent]] = [
            FileCreatedEvent,
            FileModifiedEvent,
            FileAttribEvent,
            FileDeletedEvent,
            FileMovedEvent,
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
        ]  # not opened/closed-without-write: the refresh itself reads files
        self._overflow_log = _OverflowLog(self)
        logging.getLogger("watchdog").addHandler(self._overflow_log)
        observer: BaseObserver = Observer()
        try:
            observer.schedule(Handler(), str(self.root), recursive=True, event_filter=wanted)
            observer.start()
        except OSError as exc:
            with contextlib.suppress(Exception):
                observer.stop()
            self._note(
                f"cannot use the system's file events ({exc.strerror or exc}): checking for changes every "
                "second instead (on Linux, raise fs.inotify.max_user_watches)"
            )
            observer = PollingObserver(timeout=1.0)
            observer.schedule(Handler(), str(self.root), recursive=True, event_filter=wanted)
            observer.start()
        self._observer = observer

    def _shutdown(self) -> None:
        with self._lock:
            self._dirty = True
            self._status_ok = False  # no more status writes: commands refresh from now on
            if self._lock_fd is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self.root / vaultio.STATE_DIR / STATUS_FILE)
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
                self._observer.join(timeout=2)
        if hasattr(self, "_overflow_log"):
            logging.getLogger("watchdog").removeHandler(self._overflow_log)
        self._stopping = True
        if self._announcer is not None:
            self._announcer.close()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                unlock(self._lock_fd)
            os.close(self._lock_fd)
            self._lock_fd = None
        if self._vault is not None:
            self._vault.close()
            self._vault = None

    # -- events (watchdog's thread) ---------------------------------------------

    def _rel(self, path: bytes | str) -> str | None:
        """The vault-relative POSIX path; "" for the root; None outside the vault."""
        text = os.fsdecode(path)
        if not text:
            return None
        for prefix in self._prefixes:
            if text.startswith(prefix):
                rel = text[len(prefix) :]
                return rel.replace(os.sep, "/") if os.sep != "/" else rel
            if text == prefix[:-1]:
                return ""
        return None

    def _on_fs_event(self, event: FileSystemEvent) -> None:
        templates = self._settings.folders.templates
        kind = event.event_type
        paths: list[str] = []
        full = settings = touched = False
        ends = [event.src_path] + ([event.dest_path] if event.dest_path else [])
        rels = [self._rel(p) for p in ends]
        for raw, rel in zip(ends, rels, strict=True):
            if rel is None:
                if os.fsdecode(raw):  # a path we cannot place: refresh everything
                    full = touched = True
                continue
            if rel == "":
                if kind in ("deleted", "moved"):
                    self._root_gone = True
                full = touched = True
                continue
            parts = rel.split("/")
            if event.is_directory:
                if not ignored_folder(parts, templates):
                    full = touched = True
                continue
            what = classify(rel, templates)
            if what == "md":
                paths.append(rel)
                touched = True
            elif what == "settings":
                settings = touched = True
            elif not ignored_folder(parts[:-1], templates):
                touched = True  # an editor's temp or swap file: a save is probably on its way
        if kind == "moved" and len(paths) == 2 and same_file_name(*paths):
            full = True  # foo.md → Foo.md on a case-insensitive disk: let the walk decide
        if not touched:
            return
        now = time.monotonic()
        wake = False
        with self._lock:
            if paths or full or settings:
                b = self._pending
                if not b:
                    b.first = now
                    wake = True
                b.last = now
                b.paths.update(paths)
                b.full = b.full or full
                b.settings = b.settings or settings
                self.events += 1
            self._last_event = now
            if not self._dirty:
                self._dirty = True
                self._write_status()
                wake = True
        if wake:
            self._wake.put(None)

    def _on_overflow(self) -> None:
        now = time.monotonic()
        with self._lock:
            if not self._pending:
                self._pending.first = now
            self._pending.full = True
            self._pending.last = now
            self._last_event = now
            if not self._dirty:
                self._dirty = True
                self._write_status()
        self._wake.put(None)

    # -- the indexer loop ---------------------------------------------------

    def _loop(self) -> None:
        now = time.monotonic()
        next_beat = now
        next_rescan = now + self.rescan
        retry_at = 0.0
        while not self._stopping:
            now = time.monotonic()
            with self._lock:
                batch = self._pending
                due = next_beat
                if batch:
                    due = min(due, max(min(batch.last + self.quiet, batch.first + self.max_delay), retry_at))
                elif self._dirty:
                    due = min(due, self._last_event + SETTLE)
                due = min(due, next_rescan)
            if due > now:
                with contextlib.suppress(queue.Empty):
                    self._wake.get(timeout=due - now)
                    while True:
                        self._wake.get_nowait()
            if self._stopping:
                break
            now = time.monotonic()
            with self._lock:
                batch = self._pending
                ripe = bool(batch) and now >= retry_at
                ripe = ripe and (now - batch.last >= self.quiet or now - batch.first >= self.max_delay)
                if not batch and now >= next_rescan:
                    batch.full = True
                    batch.first = batch.last = now
                    ripe = True
            if ripe:
                retry_at = 0.0 if self._process() else time.monotonic() + RETRY
                next_rescan = time.monotonic() + self.rescan
            self._maybe_clean()
            if time.monotonic() >= next_beat:
                self._beat()
                next_beat = time.monotonic() + HEARTBEAT

    def _process(self) -> bool:
        """Refresh for the pending batch; False when it failed (the batch waits for a retry)."""
        with self._lock:
            batch, self._pending = self._pending, _Batch()
        assert self._vault is not None
        try:
            if batch.settings:
                batch.full = self._reload_settings() or batch.full
            full = batch.full or len(batch.paths) >= FULL_AT
            stats = self._vault.refresh(paths=None if full else sorted(batch.paths))
            generation = self._vault.index.generation()
            if stats.changed:
                self._check_problems()
        except Exception as exc:  # noqa: BLE001 - a watcher must outlive a bad moment
            with self._lock:
                batch.merge(self._pending)
                self._pending = batch
                self._failing = True
            self._error(f"cannot refresh the index: {exc}")
            return False
        self._failing = False
        self.refreshes += 1
        if stats.changed:
            shown = tuple(sorted(batch.paths)) if not full and len(batch.paths) <= 20 else ()
            self._emit(Report("indexed", indexed=stats.parsed, removed=stats.removed, paths=shown))
        if generation != self._generation or self._rebase:
            self._generation = generation
            reviews = self._settings.folders.reviews + "/"
            review = full or any(not p.startswith(reviews) for p in batch.paths)  # not the review's own write
            if self._rebase:
                self._start_announcer()
            if self._announcer is not None:
                self._announcer.send(review=review, rebase=self._rebase)
            self._rebase = False
        return True

    def _reload_settings(self) -> bool:
        """vaultcrm.yaml changed: load it again. True when it changed what the index holds."""
        assert self._vault is not None
        digest = settings_digest(self.root)
        if digest == self._digest:
            return False
        try:
            new = settings_mod.load(self.root)
        except VaultCRMError as exc:
            self._error(f"vaultcrm.yaml: {exc} (still using the settings from before)")
            return False
        old = self._settings
        with self._lock:
            self._settings = new
            self._digest = digest
        self._rebase = True
        self._said = {s for s in self._said if not s.startswith("vaultcrm.yaml")}
        self._note("Reloaded vaultcrm.yaml")
        if new.folders != old.folders:
            self._vault.close()
            self._vault = self._open_vault()  # a new fingerprint empties the index: refresh it all
            return True
        self._vault.settings = new
        return False

    def _check_problems(self) -> None:
        """Report each unreadable file once, and when it can be read again."""
        assert self._vault is not None
        current = {d.path: d for d in self._vault.unreadable()}
        for path, d in sorted(current.items()):
            if self._problems.get(path) != str(d):
                self._problems[path] = str(d)
                self._emit(Report("unreadable", diagnostic=d, path=path))
        for path in sorted(set(self._problems) - set(current)):
            del self._problems[path]
            if (self.root / path).exists():
                self._emit(Report("readable", path=path))

    def _maybe_clean(self) -> None:
        with self._lock:
            if (
                self._dirty
                and not self._pending
                and not self._failing
                and self.ready.is_set()
                and time.monotonic() - self._last_event >= SETTLE
            ):
                self._dirty = False
                self._write_status()

    def _beat(self) -> None:
        observer = self._observer
        alive = observer is not None and observer.is_alive() and all(e.is_alive() for e in list(observer.emitters))
        if self._root_gone or not self.root.is_dir():
            self._fail(WatchError("the vault folder was deleted or moved: stopped watching"))
            return
        if not alive:
            self._fail(WatchError("the file watcher stopped unexpectedly: stopped watching", hint="start it again"))
            return
        with self._lock:
            self._write_status()

    def _fail(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc
        self.stop()

    def _write_status(self) -> None:
        """Rewrite watcher.json (call with ``self._lock`` held)."""
        if not self._status_ok or self._lock_fd is None:
            return
        data = {
            "version": STATUS_VERSION,
            "pid": os.getpid(),
            "host": host(),
            "root": str(self.root),
            "schema": SCHEMA_VERSION,
            "settings": self._digest,
            "started": self._started,
            "heartbeat": time.time(),
            "dirty": self._dirty,
        }
        state = self.root / vaultio.STATE_DIR
        tmp = state / f".{STATUS_FILE}.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, state / STATUS_FILE)
        except OSError as exc:
            if sys.platform == "win32":  # pragma: no cover - a reader may hold the file for a moment
                return
            self._status_ok = False
            self._note(f"cannot write {vaultio.STATE_DIR}/{STATUS_FILE} ({exc.strerror or exc}): commands will refresh")

    # -- the announcer (a child process) ------------------------------------

    def _start_announcer(self) -> None:
        if self._announcer is None and (self.review or self._settings.gamification):
            announcer = Announcer(self)
            if announcer.start():
                self._announcer = announcer

    # -- reporting ----------------------------------------------------------

    def _emit(self, report: Report) -> None:
        if self._report is None:
            return
        with self._report_lock:
            try:
                self._report(report)
            except Exception as exc:  # noqa: BLE001 - e.g. a closed pipe: stop, and say why in run()
                self._fail(exc)

    def _note(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self._emit(Report("notice", message=message))

    def _error(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self._emit(Report("error", message=message))
