"""Sync the vault with git (no click).

* :func:`sync`: stage the vault (never ``.vaultcrm/`` except
  ``.vaultcrm/plugins/``), commit with a message derived from the staged diff,
  fetch and rebase onto the remote branch when it exists (what
  ``git pull --rebase`` does), push. It runs the real ``git`` with the user's
  own configuration: remotes, credentials, hooks and signing all apply.
* :func:`setup`: configure the merge drivers of :mod:`vaultcrm.mergedriver` in the clone's
  ``.git/config`` and their lines in ``.gitattributes`` where they are missing.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import document
from .errors import VaultCRMError
from .mergedriver import (  # noqa: F401  (re-exported: the drivers used to live here)
    MERGED_SECTIONS,
    MergeFailed,
    MergeResult,
    line_key,
    merge_bytes,
    merge_review_bytes,
    merge_review_texts,
    merge_texts,
    run_driver,
    section_spans,
)

DRIVER = "vaultcrm-log"
DRIVER_NAME = "vaultcrm: keep both sides' lines in ## Log and ## Tasks"
REVIEW_DRIVER = "vaultcrm-review"
REVIEW_DRIVER_NAME = "vaultcrm: merge two machines' weekly review notes (ticks and notes kept)"
STATE_DIR = ".vaultcrm"
PLUGINS_DIR = ".vaultcrm/plugins"


class SyncError(VaultCRMError):
    """git could not do what sync needs; the message says what to do."""


# ---------------------------------------------------------------------------
# The commit message


@dataclass(frozen=True)
class Change:
    """One staged change, vault-relative: status A, M, D or R (renamed from ``old_path``)."""

    status: str
    path: str
    old_path: str | None = None
    old_text: str | None = None
    new_text: str | None = None


def _is_person(path: str, people: str) -> bool:
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    return path.endswith(".md") and (folder == people or folder.startswith(people + "/"))


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1][:-3]


def _names(names: list[str], limit: int = 3) -> str:
    shown = names[:limit]
    return ", ".join(shown) + (", …" if len(names) > limit else "")


def log_additions(old: str, new: str) -> tuple[int, bool]:
    """(interaction lines added to ``## Log``, whether anything else changed)."""
    from .logline import LineError, parse

    old_keys = Counter(line_key(x) for x in document.lines(old))
    new_lines = [line_key(x) for x in document.lines(new)]
    added = Counter(new_lines) - old_keys
    removed = old_keys - Counter(new_lines)
    touches = 0
    span = section_spans(new).get("Log")
    if span is not None:
        for key in new_lines[span[0] : span[1]]:
            if added[key] <= 0:
                continue
            try:
                parsed = parse(key)
            except LineError:
                parsed = None
            if parsed is not None and not parsed.reserved:
                touches += 1
                added[key] -= 1
    other = bool(removed) or any(n > 0 and key.strip() and key.strip() != "## Log" for key, n in added.items())
    return touches, other


def commit_message(changes: Sequence[Change], people: str = "people") -> str:
    """``vaultcrm: log 3 touches (Klaus Breyer, …); add Anna Schmidt; edit 2 files``."""
    touches: Counter[str] = Counter()
    added, removed, renamed, edited = [], [], [], 0
    for c in changes:
        person = _is_person(c.path, people)
        if c.status == "A" and person:
            added.append(_stem(c.path))
        elif c.status == "D" and person:
            removed.append(_stem(c.path))
        elif c.status == "R" and person and c.old_path and _is_person(c.old_path, people):
            renamed.append(f"{_stem(c.old_path)} → {_stem(c.path)}")
            if c.old_text != c.new_text:
                edited += 1
        elif c.status == "M" and person and c.old_text is not None and c.new_text is not None:
            n, other = log_additions(c.old_text, c.new_text)
            if n:
                touches[_stem(c.path)] += n
            if other or not n:
                edited += 1
        else:
            edited += 1
    parts = []
    if touches:
        total = sum(touches.values())
        names = [name for name, _ in sorted(touches.items(), key=lambda kv: (-kv[1], kv[0]))]
        parts.append(f"log {total} touch{'es' if total != 1 else ''} ({_names(names)})")
    if added:
        parts.append(f"add {_names(sorted(added))}")
    if renamed:
        parts.append(f"rename {_names(sorted(renamed), 2)}")
    if removed:
        parts.append(f"remove {_names(sorted(removed))}")
    if edited:
        parts.append(f"edit {edited} file{'s' if edited != 1 else ''}")
    return "vaultcrm: " + ("; ".join(parts) if parts else "sync")


# ---------------------------------------------------------------------------
# Setting the driver up


def _folder_pattern(folder: str) -> str:
    pattern = re.sub(r"([*?\[\\])", r"\\\1", folder.strip("/"))
    return pattern.replace(" ", "[[:space:]]")


def attributes_line(people: str = "people") -> str:
    """The .gitattributes line that sends person files through the driver."""
    return f"{_folder_pattern(people)}/**/*.md merge={DRIVER}"


def review_attributes_lines(reviews: str = "reviews") -> list[str]:
    """The .gitattributes lines that send review notes and their heatmaps through the review driver."""
    folder = _folder_pattern(reviews)
    return [f"{folder}/**/*.md merge={REVIEW_DRIVER}", f"{folder}/assets/*-activity.svg merge={REVIEW_DRIVER}"]


def add_review_attributes(text: str, reviews: str = "reviews") -> str:
    """``text`` (a .gitattributes file) with the review driver lines appended when missing."""
    missing = [
        x for x in review_attributes_lines(reviews) if not any(y.split() == x.split() for y in text.splitlines())
    ]
    if not missing:
        return text
    nl = document.newline_of(text) if text else "\n"
    if text and not text.endswith("\n"):
        text += nl
    comment = "# vaultcrm sync: merge two machines' review notes of the same week (docs/sync.md)"
    return text + nl.join([comment, *missing]) + nl


def add_attributes(text: str, people: str = "people") -> str:
    """``text`` (a .gitattributes file) with the driver line appended when missing."""
    line = attributes_line(people)
    if any(x.split() == line.split() for x in text.splitlines()):
        return text
    nl = document.newline_of(text) if text else "\n"
    if text and not text.endswith("\n"):
        text += nl
    return f"{text}# vaultcrm sync: keep both machines' ## Log and ## Tasks lines (docs/sync.md){nl}{line}{nl}"


def driver_command(review: bool = False) -> str:
    """The merge driver as git runs it: this Python, so it works outside a shell with vaultcrm on PATH."""
    flag = " --review" if review else ""
    return f"{shlex.quote(sys.executable)} -m vaultcrm merge-driver{flag} %O %A %B %L %P"


# ---------------------------------------------------------------------------
# Running git


def _git(
    args: list[str], cwd: Path, *, input: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=False)
    if check and proc.returncode != 0:
        raise SyncError(f"git {args[0]} failed: {_last_line(proc)}")
    return proc


def _out(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode("utf-8", "replace").strip()


def _last_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    text = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
    lines = [x.strip() for x in text.splitlines() if x.strip() and not x.startswith("hint:")]
    return lines[-1] if lines else f"exit code {proc.returncode}"


def _z(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


@dataclass
class SyncReport:
    """What sync did; ``conflicts`` non-empty means it stopped in a rebase."""

    branch: str = ""
    committed: bool = False
    commit: str | None = None
    message: str | None = None
    files: int = 0
    remote: str | None = None
    remote_branch: str | None = None
    pulled: int = 0
    pushed: bool = False
    push_skipped: str | None = None  # no-push, no-remote, up-to-date
    conflicts: list[str] = field(default_factory=list)
    configured: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "committed": self.committed,
            "commit": self.commit,
            "message": self.message,
            "files": self.files,
            "remote": self.remote,
            "remote_branch": self.remote_branch,
            "pulled": self.pulled,
            "pushed": self.pushed,
            "push_skipped": self.push_skipped,
            "conflicts": self.conflicts,
            "configured": self.configured,
            "warnings": self.warnings,
        }


class _Repo:
    def __init__(self, root: Path) -> None:
        if shutil.which("git") is None:
            raise SyncError("git is not installed", hint="install git, then run vaultcrm sync again")
        self.root = root
        top = _git(["rev-parse", "--show-toplevel"], root, check=False)
        if top.returncode != 0:
            raise SyncError(
                "the vault is not in a git repository",
                hint="run 'git init' in the vault and add a private remote (docs/sync.md)",
            )
        self.prefix = _out(_git(["rev-parse", "--show-prefix"], root))  # "" or "sub/vault/"

    def git(self, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return _git(list(args), self.root, input=input, check=check)

    def git_path(self, name: str) -> Path:
        p = Path(_out(self.git("rev-parse", "--git-path", name)))
        return p if p.is_absolute() else self.root / p

    def in_progress(self) -> str | None:
        for name, what in (
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
            ("MERGE_HEAD", "a merge"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
            ("REVERT_HEAD", "a revert"),
        ):
            if self.git_path(name).exists():
                return what
        return None

    def unmerged(self) -> list[str]:
        paths = _z(self.git("diff", "--no-relative", "--name-only", "--diff-filter=U", "-z"))
        return [self.shown(p) for p in paths]

    def shown(self, top_rel: str) -> str:
        """A repository path as the user sees it: vault-relative (``../x`` outside the vault)."""
        if self.prefix and top_rel.startswith(self.prefix):
            return top_rel[len(self.prefix) :]
        if not self.prefix:
            return top_rel
        return "../" * self.prefix.count("/") + top_rel

    def rev(self, ref: str) -> str | None:
        proc = self.git("rev-parse", "--verify", "-q", ref + "^{commit}", check=False)
        return _out(proc) if proc.returncode == 0 else None

    def config(self, key: str) -> str | None:
        proc = self.git("config", "--get", key, check=False)
        return _out(proc) if proc.returncode == 0 else None


def _conflict_hint(what: str) -> str:
    if what == "a rebase":
        return "finish it: edit the files, 'git add' them, 'git rebase --continue'; or 'git rebase --abort'"
    return "finish or abort it with git first"


def setup(repo: _Repo, people: str, reviews: str = "reviews") -> list[str]:
    """Configure the merge drivers in .git/config and .gitattributes where missing."""
    from . import vault as vaultio

    done = []
    for driver, name, review in ((DRIVER, DRIVER_NAME, False), (REVIEW_DRIVER, REVIEW_DRIVER_NAME, True)):
        current = repo.config(f"merge.{driver}.driver")
        stale = False
        if current is not None and "merge-driver" in current:
            try:
                exe = shlex.split(current)[0]
            except (ValueError, IndexError):
                exe = ""
            stale = exe != "vaultcrm" and not Path(exe).exists()
        if current is None or stale:
            repo.git("config", "--local", f"merge.{driver}.name", name)
            repo.git("config", "--local", f"merge.{driver}.driver", driver_command(review))
            done.append(f"merge driver '{driver}' in the repository's git config")

    def unset(path: str) -> bool:
        return _out(repo.git("check-attr", "merge", "--", path)).rsplit(": ", 1)[-1] == "unspecified"

    # only where nothing says how to merge these files: merge=text (or any other value) turns it off
    if unset(f"{people.strip('/')}/vaultcrm-probe.md") and vaultio.edit(
        repo.root, ".gitattributes", lambda text: add_attributes(text, people), create=True
    ):
        done.append(f".gitattributes: {attributes_line(people)}")
    folder = reviews.strip("/")
    if unset(f"{folder}/2026-W01.md") and vaultio.edit(
        repo.root, ".gitattributes", lambda text: add_review_attributes(text, reviews), create=True
    ):
        done.append(f".gitattributes: {review_attributes_lines(reviews)[0]}")
    return done


def _staged(repo: _Repo) -> list[tuple[str, str, str | None]]:
    """Staged changes inside the vault: (status, path, old path) with vault-relative paths."""
    proc = repo.git("diff", "--cached", "--name-status", "-z", "-M", "--relative")
    items = _z(proc)
    out = []
    n = 0
    while n < len(items):
        status = items[n][0]
        if status in "RC":
            old, new = items[n + 1], items[n + 2]
            n += 3
            out.append(("R" if status == "R" else "A", new, old if status == "R" else None))
        else:
            out.append((status if status in "AMD" else "M", items[n + 1], None))
            n += 2
    return [c for c in out if _syncable(c[1]) or (c[2] is not None and _syncable(c[2]))]


def _syncable(path: str) -> bool:
    return not (path == STATE_DIR or path.startswith(STATE_DIR + "/")) or path.startswith(PLUGINS_DIR + "/")


def _blobs(repo: _Repo, names: list[str]) -> dict[str, str | None]:
    """``git cat-file --batch`` for ``HEAD:path`` / ``:path`` names (one process for all)."""
    names = [n for n in names if "\n" not in n]
    if not names:
        return {}
    proc = repo.git("cat-file", "--batch", input="".join(n + "\n" for n in names).encode("utf-8"))
    data = proc.stdout
    out: dict[str, str | None] = {}
    pos = 0
    for name in names:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            out[name] = data[pos : pos + size].decode("utf-8", "replace")
            pos += size + 1
        else:
            out[name] = None
    return out


def _changes(repo: _Repo, staged: list[tuple[str, str, str | None]], people: str) -> list[Change]:
    wanted = []
    for status, path, old in staged:
        if status in "MR" and _is_person(path, people):
            wanted += [f"HEAD:{repo.prefix}{old or path}", f":{repo.prefix}{path}"]
    blobs = _blobs(repo, wanted) if repo.rev("HEAD") else {}
    return [
        Change(
            status,
            path,
            old,
            blobs.get(f"HEAD:{repo.prefix}{old or path}"),
            blobs.get(f":{repo.prefix}{path}"),
        )
        for status, path, old in staged
    ]


def _stage(repo: _Repo) -> None:
    repo.git("add", "-A", "--", ".", f":(exclude){STATE_DIR}")
    if (repo.root / PLUGINS_DIR).exists() or repo.git("ls-files", "--", PLUGINS_DIR).stdout:
        repo.git("add", "-A", "--", PLUGINS_DIR)


def _commit(repo: _Repo, staged: list[tuple[str, str, str | None]], message: str) -> None:
    everything = _z(repo.git("diff", "--cached", "--no-relative", "--name-only", "-z", "--no-renames"))
    mine = {p for _, path, old in staged for p in ([path, old] if old else [path])}
    if set(everything) <= {repo.prefix + p for p in mine}:
        proc = repo.git("commit", "-q", "-m", message, check=False)
    else:  # something outside the vault is staged too: commit only the vault's paths
        paths = "\0".join(sorted(mine))
        proc = repo.git(
            "--literal-pathspecs",
            "commit",
            "-q",
            "-m",
            message,
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            input=paths.encode("utf-8"),
            check=False,
        )
    if proc.returncode != 0:
        why = _last_line(proc)
        hint = None
        if "identity" in why or "user.email" in why or "user.name" in why:
            hint = (
                "tell git who you are: git config --global user.name 'Your Name'; "
                "git config --global user.email you@example.com"
            )
        raise SyncError(f"git commit failed: {why}", hint=hint or "your changes are staged; nothing was lost")


def _remote(repo: _Repo, branch: str) -> tuple[str | None, str]:
    """(remote, remote branch): the upstream when set, else origin or the only remote."""
    remote = repo.config(f"branch.{branch}.remote")
    merge = repo.config(f"branch.{branch}.merge")
    if remote and remote != "." and merge:
        return remote, merge.removeprefix("refs/heads/")
    remotes = _out(repo.git("remote")).split()
    push_default = repo.config("remote.pushDefault")
    if push_default in remotes:
        return push_default, branch
    if "origin" in remotes:
        return "origin", branch
    if len(remotes) == 1:
        return remotes[0], branch
    if remotes:
        raise SyncError(
            f"the branch '{branch}' has no upstream and there are several remotes ({', '.join(remotes)})",
            hint=f"choose one: git push --set-upstream REMOTE {branch}",
        )
    return None, branch


def _rebase(repo: _Repo, report: SyncReport, tracking: str) -> bool:
    """Rebase onto the remote branch; False when it stopped on a conflict."""
    if repo.rev("HEAD") is None:
        raise SyncError(
            f"this clone has no commit yet and {tracking.removeprefix('refs/remotes/')} exists",
            hint="clone the remote instead (git clone URL) and copy your files into the clone",
        )
    incoming = int(_out(repo.git("rev-list", "--count", f"HEAD..{tracking}")) or 0)
    report.pulled += incoming
    if not incoming:
        return True
    merges = ["--rebase-merges"] if repo.config("pull.rebase") == "merges" else []
    proc = repo.git("rebase", "--autostash", *merges, tracking, check=False)
    if proc.returncode == 0:
        return True
    if repo.in_progress() == "a rebase":
        report.conflicts = repo.unmerged() or [f"(git: {_last_line(proc)})"]
        return False
    raise SyncError(f"git could not rebase onto {tracking}: {_last_line(proc)}", hint="your commit is safe")


def sync(
    root: Path, *, people: str = "people", reviews: str = "reviews", message: str | None = None, push: bool = True
) -> SyncReport:
    """Commit the vault's changes, fetch and rebase onto the remote branch, push."""
    repo = _Repo(root)
    report = SyncReport()
    busy = repo.in_progress()
    if busy:
        files = repo.unmerged()
        raise SyncError(
            f"git is in the middle of {busy}" + (f" (unresolved: {', '.join(files)})" if files else ""),
            hint=_conflict_hint(busy),
        )
    branch_proc = repo.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if branch_proc.returncode != 0:
        raise SyncError("git is not on a branch (detached HEAD)", hint="git switch main (or your branch)")
    branch = report.branch = _out(branch_proc)
    report.configured = setup(repo, people, reviews)
    if repo.git("ls-files", "--", f"{STATE_DIR}/index.sqlite").stdout:
        report.warnings.append(
            f"{STATE_DIR}/index.sqlite is tracked by git; it is a per-machine cache: "
            f"git rm --cached {STATE_DIR}/index.sqlite"
        )

    # 1. commit
    _stage(repo)
    staged = _staged(repo)
    if staged:
        report.message = message or commit_message(_changes(repo, staged, people), people)
        _commit(repo, staged, report.message)
        report.committed = True
        report.files = len(staged)
        report.commit = _out(repo.git("rev-parse", "--short", "HEAD"))

    # 2. pull --rebase, 3. push
    remote, remote_branch = _remote(repo, branch)
    report.remote, report.remote_branch = remote, remote_branch if remote else None
    if remote is None:
        report.push_skipped = "no-remote"
        return report
    tracking = f"refs/remotes/{remote}/{remote_branch}"
    for attempt in range(3):
        fetch = repo.git("fetch", "--quiet", remote, check=False)
        if fetch.returncode != 0:
            raise SyncError(
                f"cannot fetch from '{remote}': {_last_line(fetch)}",
                hint="your changes are committed here; run vaultcrm sync again when the remote is reachable",
            )
        if repo.rev(tracking) and not _rebase(repo, report, tracking):
            return report
        if not push:
            report.push_skipped = "no-push"
            return report
        if repo.rev(tracking) == repo.rev("HEAD"):
            report.push_skipped = "up-to-date"
            return report
        has_upstream = bool(repo.config(f"branch.{branch}.merge") and repo.config(f"branch.{branch}.remote"))
        if has_upstream:
            pushed = repo.git("push", "--quiet", remote, f"HEAD:refs/heads/{remote_branch}", check=False)
        else:
            pushed = repo.git("push", "--quiet", "--set-upstream", remote, branch, check=False)
        if pushed.returncode == 0:
            report.pushed = True
            return report
        before = repo.rev(tracking)
        repo.git("fetch", "--quiet", remote, check=False)
        if attempt == 2 or repo.rev(tracking) == before:  # not a race with another machine: give up
            raise SyncError(
                f"git push to '{remote}' failed: {_last_line(pushed)}",
                hint="your changes are committed here; fix the cause and run vaultcrm sync again",
            )
    return report  # pragma: no cover - the loop always returns or raises
