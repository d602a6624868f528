"""Making bulk writes undoable: the guard around import, merge, rename, triage, set --where.

A command that changes many files at once must leave the user a way back:

* **In a git repository** (the vault may be any folder inside one), git is the
  undo: every file the command will change must be committed as it is. A file
  with uncommitted edits, or one git does not track yet, makes the command
  refuse and name it, unless ``force`` (then those files, and only those, are
  copied to a backup first, since git cannot bring back what it never saw).
  Files git ignores are backed up too, for the same reason.
* **Outside git** (or when the ``git`` program is missing), every existing file
  the command will change is copied to ``.vaultcrm/backups/<YYYYmmdd-HHMMSS>/``
  first, under its vault-relative path.

Files that do not exist yet (the new name of a renamed person) need no
protection. The guard only checks and copies; each file is still written
atomically by :mod:`vaultcrm.vault`, so an interrupted bulk write leaves every
file either as it was or as it was meant to be.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from .errors import VaultCRMError
from .vault import STATE_DIR

if TYPE_CHECKING:
    from .core import Vault

BACKUPS = f"{STATE_DIR}/backups"
_LIST_MAX = 5  # files named in a refusal before "and N more"
_ARGS_MAX = 200  # more paths than this: ask git about the whole vault folder instead


class BulkRefused(VaultCRMError):
    """A bulk write would change files that git could not bring back."""


class Guard:
    """What the guard did: the backup folder (if any) and one line to tell the user."""

    def __init__(
        self,
        what: str,
        paths: list[str],
        *,
        in_git: bool,
        backup_dir: Path | None,
        backed_up: list[str],
        root: Path,
    ) -> None:
        self.what = what
        self.paths = paths
        self.in_git = in_git
        self.backup_dir = backup_dir
        self.backed_up = backed_up
        self.root = root
        self.new = [p for p in paths if not os.path.lexists(root / p)]  # files the command will create

    def __enter__(self) -> Guard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def message(self) -> str:
        """One line saying how to undo what the command is about to do."""
        parts: list[str] = []
        if self.in_git:
            changed = [p for p in self.paths if p not in set(self.new)]
            if changed:
                folders = sorted({p.rsplit("/", 1)[0] + "/" if "/" in p else p for p in changed})
                shown = " ".join(folders[:4]) + (" …" if len(folders) > 4 else "")
                parts.append(f"In git: review with `git diff`, undo with `git checkout -- {shown}`".rstrip())
            if self.new:
                n = len(self.new)
                which = "1 new file (it is" if n == 1 else f"{n} new files (they are"
                parts.append(f"{which} untracked in `git status`)")
        if self.backup_dir is not None:
            n = len(self.backed_up)
            rel = self.backup_dir.relative_to(self.root).as_posix()
            parts.append(f"Backed up {n} file{'' if n == 1 else 's'} to {rel}/")
        if not parts:
            return "Nothing to back up (no existing file changes)."
        return "; ".join(parts)


def git_toplevel(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``; None outside git or without git."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(done.stdout.strip())


def _git_dirty(root: Path, top: Path, rels: list[str]) -> tuple[dict[str, str], set[str]]:
    """(vault path → git status code, ignored vault paths) for ``rels``.

    Codes are porcelain v1's two letters (`` M``, ``??`` …). Paths git reports
    relative to the top of the work tree are turned back into vault paths.
    """
    specs = rels if len(rels) <= _ARGS_MAX else ["."]
    cmd = [
        "git",
        "-c",
        "core.quotepath=off",
        "status",
        "--porcelain",
        "-z",
        "--untracked-files=all",
        "--ignored=matching",
        "--",
        *specs,
    ]
    done = subprocess.run(cmd, cwd=root, capture_output=True, check=False, timeout=120)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BulkRefused(
            f"git status failed: {err[-1] if err else 'exit ' + str(done.returncode)}",
            hint="fix the repository or pass --force",
        )
    base = root.resolve()
    top = top.resolve()
    wanted = set(rels)
    dirty: dict[str, str] = {}
    ignored: set[str] = set()
    fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            i += 1  # the rename's source follows
        try:
            rel = (top / path).relative_to(base).as_posix()
        except ValueError:
            continue
        targets = [rel] if rel in wanted else []
        if not targets and path.endswith("/"):  # an ignored or untracked folder as a whole
            prefix = rel.rstrip("/") + "/"
            targets = [w for w in wanted if w.startswith(prefix)]
        for t in targets:
            if code == "!!":
                ignored.add(t)
            else:
                dirty[t] = code
    return dirty, ignored


def _backup(root: Path, rels: list[str], now: dt.datetime) -> Path:
    """Copy ``rels`` to a new ``.vaultcrm/backups/<stamp>/`` folder; return it."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    folder = root / BACKUPS / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = root / BACKUPS / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    for parent in sorted({(folder / rel).parent for rel in rels}):
        parent.mkdir(parents=True, exist_ok=True)
    if len(rels) < 64:
        for rel in rels:
            shutil.copy2(root / rel, folder / rel)
        return folder
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:  # copying is I/O: threads overlap it
        list(pool.map(lambda rel: shutil.copy2(root / rel, folder / rel), rels))
    return folder


def _describe(code: str) -> str:
    if code == "??":
        return "not committed yet"
    if "D" in code:
        return "deleted, not committed"
    return "uncommitted changes"


def guard(
    v: Vault,
    paths: Iterable[str],
    *,
    force: bool = False,
    what: str,
    now: dt.datetime | None = None,
) -> Guard:
    """Check (git) or back up (no git) the files a bulk command ``what`` will change.

    ``paths`` are vault-relative; files that do not exist yet are ignored.
    Raises :class:`BulkRefused` naming the files git could not restore, unless
    ``force``. ``now`` names the backup folder (the wall clock by default).
    """
    root = Path(v.root)
    wanted = sorted({p for p in paths if p})
    existing = [p for p in wanted if os.path.lexists(root / p)]
    when = now or dt.datetime.now()
    top = git_toplevel(root)
    if top is None:
        folder = _backup(root, existing, when) if existing else None
        return Guard(what, wanted, in_git=False, backup_dir=folder, backed_up=existing, root=root)
    if not existing:
        return Guard(what, wanted, in_git=True, backup_dir=None, backed_up=[], root=root)
    dirty, ignored = _git_dirty(root, top, existing)
    if dirty and not force:
        listing = ", ".join(f"{p} ({_describe(dirty[p])})" for p in sorted(dirty)[:_LIST_MAX])
        more = f" and {len(dirty) - _LIST_MAX} more" if len(dirty) > _LIST_MAX else ""
        raise BulkRefused(
            f"{what} would change {len(dirty)} file{'' if len(dirty) == 1 else 's'} that git could not restore: "
            f"{listing}{more}",
            hint="commit them first (vaultcrm sync --no-push, or git commit), or pass --force",
        )
    unsafe = sorted(set(dirty) | ignored)
    folder = _backup(root, unsafe, when) if unsafe else None
    return Guard(what, wanted, in_git=True, backup_dir=folder, backed_up=unsafe, root=root)
