"""Benchmark the cleanup and export commands on synthetic vaults.

    python bench/bench_cleanup.py [--people 5000] [--export-people 10000] [--dir DIR] [--no-git]

Prints wall times of whole `vaultcrm` processes (Python start-up included) on a warm
index, the CPU time they used (user + system, worker processes included: on a busy shared
machine the wall time grows with the load average, printed too), and the targets of issue 7:

* `set --where` changing all 5,000 people (a stage change: the key and its dated log
  line in every file), outside git (every file backed up first) and inside git (a
  committed repository: `git status` checks instead) — target ≤ 10 s;
* `rename` of one person in the 5,000 (every file read for links);
* `export vcard` of 10,000 people — target ≤ 10 s; `export csv` and `export ics` too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

TODAY = "2026-11-24"


CPU: list[float] = [0.0]  # user + system seconds of the last vaultcrm process and its workers


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def vaultcrm(root: Path, *args: str) -> float:
    """Wall time of one vaultcrm process on ``root`` (its CPU time goes to ``CPU``); fails loudly."""
    cpu0 = _children_cpu()
    env = {**os.environ, "NO_COLOR": "1", "VAULTCRM_TODAY": TODAY, "VAULTCRM_NO_WATCHER": "1"}
    env.pop("VAULTCRM_VAULT", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "vaultcrm", "--vault", str(root), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    CPU[0] = _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"vaultcrm {' '.join(args)} failed: {proc.stderr.decode()[-1000:]}")
    return elapsed


def git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def row(label: str, seconds: float, target: float | None = None) -> None:
    verdict = "" if target is None else ("  ok" if seconds <= target else "  OVER")
    goal = f"(≤ {target:g} s)" if target is not None else ""
    load = f"load {os.getloadavg()[0]:4.1f}" if hasattr(os, "getloadavg") else ""
    cpu = f"cpu {CPU[0]:6.2f} s" if CPU[0] else ""
    print(f"{label:<50} {seconds:6.2f} s  {goal:<9}{verdict:<6} {cpu}  {load}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--export-people", type=int, default=10000)
    ap.add_argument("--dir", help="keep the vaults here (default: a temporary folder)")
    ap.add_argument("--no-git", action="store_true", help="skip the run inside a git repository")
    args = ap.parse_args(argv)
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="vaultcrm-bench-cleanup-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"vaults in {base}; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    try:
        n = args.people
        plain = base / f"set-{n}"
        if not plain.exists():
            generate(plain, n, log_lines=10)
        vaultcrm(plain, "index")
        everyone = "closeness=1,closeness=2,closeness=3,closeness=4,closeness=none"
        row(
            f"set --where (all {n:,}, stage) outside git",
            vaultcrm(plain, "set", "--where", everyone, "stage", "client"),
            10,
        )
        row("  the next command re-indexes the changed files", vaultcrm(plain, "index"))
        row(
            f"set --where (all {n:,}, tag list) outside git",
            vaultcrm(plain, "set", "--where", everyone, "tags", "x,y"),
            10,
        )
        vaultcrm(plain, "index")
        row(f"rename one of {n:,} (all files scanned)", vaultcrm(plain, "rename", _first(plain), "Renamed Person"))
        if not args.no_git and shutil.which("git"):
            repo = base / f"set-{n}-git"
            if not repo.exists():
                generate(repo, n, log_lines=10)
                git(repo, "init", "-q")
                git(repo, "add", "-A")
                git(repo, "commit", "-q", "-m", "start")
            vaultcrm(repo, "index")
            row(
                f"set --where (all {n:,}, stage) in git",
                vaultcrm(repo, "set", "--where", everyone, "stage", "client"),
                10,
            )

        m = args.export_people
        big = base / f"export-{m}"
        if not big.exists():
            generate(big, m, log_lines=10)
        vaultcrm(big, "index")
        out = base / "out"
        out.mkdir(exist_ok=True)
        row(f"export vcard ({m:,} people)", vaultcrm(big, "export", "vcard", "--out", str(out / "c.vcf")), 10)
        row(f"export csv ({m:,} people)", vaultcrm(big, "export", "csv", "--out", str(out / "c.csv")))
        row(f"export ics ({m:,} people)", vaultcrm(big, "export", "ics", "--out", str(out / "c.ics")))
        size = (out / "c.vcf").stat().st_size
        print(f"vcard file: {size / 1024 / 1024:.1f} MB")
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)
    return 0


def _first(root: Path) -> str:
    return sorted(p.stem for p in (root / "people").glob("*.md"))[0]


if __name__ == "__main__":
    raise SystemExit(main())
