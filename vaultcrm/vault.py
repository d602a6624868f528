"""The only module that reads or writes vault files.

Reading guards against what real vaults hold (binary files named ``.md``,
non-UTF-8 text, huge files). Writing is a locked read-modify-write: an
exclusive per-file lock (so parallel vaultcrm processes never lose each other's
lines), the edit applied to the bytes just read, a re-check that nobody else
saved meanwhile (else re-read and re-apply), a temp file in the same folder,
fsync, ``os.replace``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from . import document
from .errors import VaultNotFound, WriteRefused
from .settings import SETTINGS_FILE

STATE_DIR = ".vaultcrm"
MAX_BYTES = 5 * 1024 * 1024  # larger "notes" are not notes: skipped with a warning
SKIP_DIRS = {".git", ".obsidian", ".trash", STATE_DIR, "node_modules", ".stversions"}


# ---------------------------------------------------------------------------
# Finding the vault


def find_root(start: Path | None = None, explicit: str | None = None) -> Path:
    """``--vault DIR``, else ``VAULTCRM_VAULT``, else the nearest parent holding vaultcrm.yaml."""
    for given, source in ((explicit, "--vault"), (os.environ.get("VAULTCRM_VAULT"), "VAULTCRM_VAULT")):
        if not given:
            continue
        root = Path(given).expanduser()
        if not root.is_dir():
            raise VaultNotFound(f"{source}: '{given}' is not a folder")
        if not (root / SETTINGS_FILE).is_file():
            raise VaultNotFound(
                f"{source}: '{given}' is not a vault (it has no {SETTINGS_FILE})",
                hint=f"run 'vaultcrm init {given}' to make it one; existing files are kept",
            )
        return root.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise VaultNotFound(
        "no vault here (no vaultcrm.yaml in this folder or any parent)",
        hint="run 'vaultcrm init DIR', pass --vault DIR or set VAULTCRM_VAULT",
    )


# ---------------------------------------------------------------------------
# Walking and reading


class Stat(NamedTuple):
    size: int
    mtime_ns: int


def walk(root: Path, skip: tuple[str, ...] = ()) -> dict[str, Stat]:
    """Every ``.md`` file under ``root`` (vault-relative POSIX path → size, mtime).

    Hidden folders, ``.vaultcrm`` and the ``skip`` folders (templates) are left out.
    """
    out: dict[str, Stat] = {}
    skip_set = set(skip)
    stack = [(str(root), "")]
    while stack:
        folder, rel = stack.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for entry in it:
                name = entry.name
                if name.startswith("."):
                    continue
                relpath = f"{rel}{name}"
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if name not in SKIP_DIRS and relpath not in skip_set:
                            stack.append((entry.path, relpath + "/"))
                        continue
                    if name.endswith(".md") and entry.is_file():
                        st = entry.stat()
                        out[relpath] = Stat(st.st_size, st.st_mtime_ns)
                except OSError:
                    continue
    return out


class ReadProblem(Exception):
    def __init__(self, reason: str, line: int | None = None, code: str = "read") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.code = code


def check_size(size: int) -> None:
    """Refuse files larger than :data:`MAX_BYTES`: they are not notes."""
    if size > MAX_BYTES:
        raise ReadProblem(
            f"file is too large ({size / 1024 / 1024:.1f} MB, over the {MAX_BYTES // 1024 // 1024} MB limit)",
            code="size",
        )


def decode(raw: bytes) -> str:
    """Bytes → text, refusing binary and non-UTF-8 content with the line of the problem."""
    check_size(len(raw))
    nul = raw.find(b"\x00", 0, 8192)
    if nul >= 0:
        raise ReadProblem("binary file (not text)", raw.count(b"\n", 0, nul) + 1, code="binary")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ReadProblem(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8", line, code="encoding"
        ) from None


def content_hash(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def read_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


# ---------------------------------------------------------------------------
# Safe file names

_ILLEGAL = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|#^\[\]]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def safe_stem(name: str) -> str:
    """A file stem for a display name, legal on Windows, macOS and Linux and in Obsidian links."""
    stem = unicodedata.normalize("NFC", name)
    stem = _ILLEGAL.sub("-", stem)
    stem = re.sub(r"\s+", " ", stem)
    stem = re.sub(r"-{2,}", "-", stem)
    stem = stem.strip(" .-")
    if _RESERVED.match(stem):
        stem = f"{stem}_"
    encoded = stem.encode("utf-8")
    if len(encoded) > 200:
        stem = encoded[:200].decode("utf-8", "ignore").rstrip(" .-")
    return stem or "Unnamed"


def inside(root: Path, rel: str) -> Path:
    """``root/rel``, refusing anything that would land outside the vault."""
    target = (root / rel).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise WriteRefused(f"'{rel}' is outside the vault")
    return target


# ---------------------------------------------------------------------------
# Locking and atomic writes


@contextlib.contextmanager
def file_lock(root: Path, rel: str) -> Iterator[None]:
    """An exclusive lock for one vault file, shared by every vaultcrm process."""
    lock_dir = root / STATE_DIR / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.blake2b(rel.encode("utf-8"), digest_size=12).hexdigest() + ".lock"
    fd = os.open(lock_dir / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _replace(tmp: str, path: Path) -> None:
    """``os.replace``; on Windows another program holding the file open makes it fail for a
    moment (antivirus, an editor, the search indexer), so retry briefly before giving up."""
    for attempt in range(20 if sys.platform == "win32" else 1):
        try:
            os.replace(tmp, path)
            return
        except PermissionError:
            if sys.platform != "win32" or attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync, rename.

    ``fsync=False`` is for bulk creation of new files (an import writing thousands): the
    caller flushes them all at once with :func:`sync_all` afterwards.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        if mode is None:
            mode = 0o666 & ~_umask()  # a new file gets the usual permissions, not mkstemp's 0600
        os.chmod(tmp, mode)
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sys.platform != "win32" and fsync:
        with contextlib.suppress(OSError):
            dfd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def edit(
    root: Path, rel: str, change: Callable[[str], str], *, create: bool = False, attempts: int = 5, fsync: bool = True
) -> bool:
    """Apply ``change`` (text → text) to a vault file safely. Returns True when written.

    Under the file's lock: read, refuse files that are not safe to touch
    (binary, non-UTF-8, too large, git conflict markers), apply ``change``,
    write nothing when nothing changed, and write atomically only if the file
    is still what was read (an editor may save meanwhile: then re-read and
    re-apply). With ``create`` a missing file starts as empty text.
    """
    path = inside(root, rel)
    try:
        return _edit_locked(root, rel, path, change, create, attempts, fsync)
    except PermissionError as exc:
        raise WriteRefused(f"cannot write: {exc.strerror or 'permission denied'}", path=rel) from None
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.ENOSPC, errno.EDQUOT):
            raise WriteRefused(f"cannot write: {exc.strerror}", path=rel) from None
        raise


def _edit_locked(
    root: Path, rel: str, path: Path, change: Callable[[str], str], create: bool, attempts: int, fsync: bool = True
) -> bool:
    with file_lock(root, rel):
        for _ in range(attempts):
            try:
                raw = read_bytes(path)
                before = os.stat(path)
            except FileNotFoundError:
                if not create:
                    raise WriteRefused("file does not exist", path=rel) from None
                raw, before = b"", None
            try:
                text = decode(raw)
            except ReadProblem as exc:
                raise WriteRefused(f"not changed: {exc.reason}", path=rel, line=exc.line) from None
            conflict = document.conflict_line(text)
            if conflict:
                raise WriteRefused(
                    "not changed: the file has git conflict markers",
                    path=rel,
                    line=conflict,
                    hint="resolve the conflict first",
                )
            new = change(text)
            if new == text and before is not None:
                return False
            if before is not None:
                now = os.stat(path)
                if (now.st_size, now.st_mtime_ns, now.st_ino) != (
                    before.st_size,
                    before.st_mtime_ns,
                    before.st_ino,
                ):
                    continue  # someone saved while we worked: read again
                if read_bytes(path) != raw:
                    continue
            elif path.exists():
                continue
            if fsync:
                atomic_write(path, new.encode("utf-8"))
            else:
                atomic_write(path, new.encode("utf-8"), fsync=False)
            return True
    raise WriteRefused("the file keeps changing while vaultcrm writes it; try again", path=rel)


def sync_all() -> None:
    """Flush every written file to disk at once (after bulk writes with ``fsync=False``)."""
    if hasattr(os, "sync"):
        os.sync()


def create_new(root: Path, rel: str, text: str, *, fsync: bool = True) -> None:
    """Create a file that must not exist yet (atomic, never overwriting).

    ``fsync=False`` (bulk creation, flushed later with :func:`sync_all`) needs no lock file:
    the temp file is hard-linked to its name, which fails if the name exists meanwhile.
    """
    path = inside(root, rel)
    if not fsync and hasattr(os, "link"):
        try:
            _create_linked(path, text.encode("utf-8"), rel)
            return
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise WriteRefused(f"cannot write: {exc.strerror or exc}", path=rel) from None
            # a file system without hard links: the locked way below
    try:
        with file_lock(root, rel):
            if path.exists():
                raise WriteRefused("a file with this name already exists", path=rel)
            atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise WriteRefused(f"cannot write: {exc.strerror or exc}", path=rel) from None


def _create_linked(path: Path, data: bytes, rel: str) -> None:
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise WriteRefused("a file with this name already exists", path=rel) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
