"""The status file and the lock: what :func:`watcher_is_current` reads (cheap to import)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from .. import vault as vaultio
from ..index import SCHEMA_VERSION

STATUS_FILE = "watcher.json"
LOCK_FILE = "watcher.lock"
STATUS_VERSION = 1

STALE = 3.0  # a heartbeat older than this is not trusted


def host() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename
    import platform

    return platform.node()


def settings_digest(root: Path) -> str:
    """A digest of vaultcrm.yaml as it is on disk (b"" when missing)."""
    try:
        raw = (root / settings_mod.SETTINGS_FILE).read_bytes()
    except OSError:
        raw = b""
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def lock(fd: int, shared: bool = False) -> None:
    """Take a lock without waiting; OSError when someone else holds it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)


def unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_is_held(path: Path) -> bool:
    """True when a live process holds the watcher lock (the OS drops it when a process dies)."""
    try:
        fd = os.open(path, os.O_RDWR if sys.platform == "win32" else os.O_RDONLY)
    except OSError:
        return False
    try:
        try:
            lock(fd, shared=True)
        except OSError:
            return True
        unlock(fd)
        return False
    finally:
        os.close(fd)


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would send CTRL_C_EVENT there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def read_status(root: str | Path) -> dict[str, Any] | None:
    """The watcher's status file, or None when there is none or it cannot be read."""
    try:
        data = json.loads((Path(root) / vaultio.STATE_DIR / STATUS_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def watcher_is_current(root: str | Path) -> bool:
    """True when a live ``vaultcrm watch`` keeps this vault's index current right now.

    A command may then skip its own stat walk. All of these must hold: the status file
    is this version's, written on this host for this index schema and this vaultcrm.yaml;
    its heartbeat is fresh; nothing is dirty (no event waits for a refresh); the pid is
    alive and the watcher lock is held. Anything unexpected returns False (refresh).
    """
    try:
        root = Path(root)
        s = read_status(root)
        if s is None or s.get("version") != STATUS_VERSION or s.get("dirty") is not False:
            return False
        beat = s.get("heartbeat")
        if not isinstance(beat, int | float) or not -1.0 <= time.time() - beat <= STALE:
            return False
        if s.get("schema") != SCHEMA_VERSION or s.get("host") != host():
            return False
        if s.get("settings") != settings_digest(root):
            return False
        if not _pid_alive(s.get("pid")):
            return False
        return _lock_is_held(root / vaultio.STATE_DIR / LOCK_FILE)
    except Exception:  # noqa: BLE001 - in doubt, the command refreshes
        return False
