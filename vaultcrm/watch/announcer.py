"""The announcer: the game and the review, in a child process."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import settings as settings_mod
from ..errors import VaultCRMError
from .report import Report

if TYPE_CHECKING:
    from ..settings import Settings
    from .watcher import Watcher


def _review_writer() -> Callable[..., tuple[str, bool]] | None:
    """``vaultcrm.review.write_review`` when this vaultcrm has it (it is written separately)."""
    try:
        from ..review import write_review
    except ImportError:
        return None
    return write_review


class Announcer:
    """The watcher's end of the announcer process: sends what changed, relays what it reports."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.proc: subprocess.Popen[str] | None = None
        self.reader: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> bool:
        w = self.watcher
        code = "from vaultcrm.watch import announcer_main; announcer_main()"
        extra: dict[str, Any] = {}
        if sys.platform == "win32":  # pragma: no cover - keep Ctrl-C for the watcher itself
            extra["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            extra["start_new_session"] = True  # Ctrl-C in the terminal reaches the watcher only
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                **extra,
            )
        except OSError as exc:
            w._error(f"cannot start the announcer ({exc.strerror or exc}): no celebrations")
            return False
        today = w._fixed_today.isoformat() if w._fixed_today else None
        self._write({"root": str(w.root), "today": today, "review": w.review})
        self.reader = threading.Thread(target=self._relay, name="vaultcrm-announcer-relay", daemon=True)
        self.reader.start()
        return True

    def send(self, *, review: bool, rebase: bool) -> None:
        self._write({"review": review, "rebase": rebase})

    def _write(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        with self.lock:
            try:
                self.proc.stdin.write(json.dumps(message) + "\n")
                self.proc.stdin.flush()
            except (OSError, ValueError):
                pass  # it has stopped: _relay says so

    def _relay(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        w = self.watcher
        for line in self.proc.stdout:
            try:
                data = json.loads(line)
                kind, path, message = str(data["kind"]), data.get("path"), str(data.get("message", ""))
                report = Report(kind, path=path, message=message, data=data.get("data"))
            except (ValueError, KeyError, TypeError):
                continue
            if report.kind == "ready":
                w._all_set()
            elif report.kind == "error":
                w._error(report.message)
            else:
                w._emit(report)
        w._all_set()
        if not w._stopping:
            w._error("the announcer stopped: no more celebrations until the watcher is restarted")

    def close(self) -> None:
        proc = self.proc
        if proc is None:
            return
        with self.lock, contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            proc.wait(timeout=2)  # it finishes what it is doing; a replay of a huge vault is cut short
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.reader is not None:
            self.reader.join(timeout=2)


class _Game:
    """The announcer's work: replay the game after each change and report the gain."""

    def __init__(self, root: Path, today: dt.date | None, review: bool, send: Callable[..., None]) -> None:
        self.root = root
        self.fixed_today = today
        self.review = review
        self.send = send
        self.settings: Settings | None = None
        self.before: Any = None
        self.played_on: dt.date | None = None
        self.said: set[str] = set()

    def error(self, message: str) -> None:
        if message not in self.said:
            self.said.add(message)
            self.send("error", message=message)

    def load_settings(self) -> None:
        try:
            self.settings = settings_mod.load(self.root)
        except VaultCRMError as exc:
            self.error(f"vaultcrm.yaml: {exc}")
            if self.settings is None:
                self.settings = settings_mod.Settings()

    def today(self) -> dt.date:
        if self.fixed_today is not None:
            return self.fixed_today
        from ..core import today_in

        assert self.settings is not None
        return today_in(self.settings.timezone)

    def play(self, today: dt.date) -> Any:
        """The game report as of ``today`` (None in quiet mode), read from one snapshot of the index."""
        from ..core import Vault

        assert self.settings is not None
        if not self.settings.gamification:
            return None
        v = Vault(self.root, today, self.settings)
        try:
            conn = v.index.conn
            conn.execute("BEGIN")  # one consistent snapshot, released right after
            try:
                return v.game()
            finally:
                conn.execute("COMMIT")
        finally:
            v.close()

    def round(self, review: bool, rebase: bool) -> None:
        """One change (or several, coalesced): cheer for what it earned, then the review."""
        from ..gamification import diff

        if rebase or self.settings is None:
            self.load_settings()
            rebase = True
        today = self.today()
        rebase = rebase or today != self.played_on  # a new day is not an achievement
        try:
            after = self.play(today)
        except Exception as exc:  # noqa: BLE001 - report, and try again on the next change
            self.error(f"cannot compute the game: {exc}")
            return
        if not rebase and self.before is not None and after is not None:
            gain = diff(self.before, after)
            if gain.messages():
                self.send("gain", message=str(gain), data=gain.to_json())
        self.before, self.played_on = after, today
        if self.review and review:
            self.write_review(today)

    def write_review(self, today: dt.date) -> None:
        write = _review_writer()
        if write is None:
            self.error("--review: this vaultcrm cannot write reviews yet")
            return
        from ..core import Vault

        assert self.settings is not None
        v = Vault(self.root, today, self.settings)
        try:
            rel, changed = write(v, None, False)
        except Exception as exc:  # noqa: BLE001
            self.error(f"cannot write the review: {exc}")
            return
        finally:
            v.close()
        if changed:
            self.send("review", path=rel)


def announcer_main() -> None:
    """The announcer process that :class:`Watcher` starts (not for direct use).

    Reads JSON lines on stdin: first ``{"root", "today", "review"}``, then one
    ``{"review": bool, "rebase": bool}`` per change; writes JSON lines on stdout
    (``{"kind": "gain" | "review" | "error", …}``). Changes that arrive during a replay are
    coalesced into one more round. Exits when stdin closes.
    """
    import signal

    with contextlib.suppress(AttributeError, ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(10)  # the indexer and the user's own commands come first
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but the protocol on the pipe

    def send(kind: str, **fields: Any) -> None:
        out.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")
        out.flush()

    try:
        init = json.loads(sys.stdin.readline() or "null")
        if not isinstance(init, dict):
            return
        inbox: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()

        def read() -> None:
            for line in sys.stdin:
                with contextlib.suppress(ValueError):
                    inbox.put(json.loads(line))
            inbox.put(None)

        threading.Thread(target=read, daemon=True).start()
        today = dt.date.fromisoformat(init["today"]) if init.get("today") else None
        game = _Game(Path(init["root"]), today, bool(init.get("review")), send)
        game.round(review=False, rebase=True)  # the starting point: nothing to cheer yet
        send("ready")
        while True:
            message = inbox.get()
            if message is None:
                return
            review, rebase, closing = False, False, False
            while message is not None:
                review = review or bool(message.get("review"))
                rebase = rebase or bool(message.get("rebase"))
                try:
                    message = inbox.get_nowait()
                except queue.Empty:
                    break
                closing = message is None
            if closing:
                return
            game.round(review, rebase)
    except BrokenPipeError:
        return
    except Exception as exc:  # noqa: BLE001 - say why before going
        with contextlib.suppress(Exception):
            send("error", message=f"the announcer failed: {exc!r}")
