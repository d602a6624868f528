"""Benchmark vaultcrm on synthetic vaults and check the performance targets.

    python bench/bench.py                  # 1k and 10k people, 10 log lines each
    python bench/bench.py --quick          # 1k only
    python bench/bench.py --sizes 2000,5000 --dir /tmp/vaults --json figures.json

For each size it generates a vault (bench/generate.py), then measures, in this
order and in one run (so that every ratio compares figures taken on the same
machine state):

* the bare baseline: walk the vault, read every ``.md`` file and parse its
  frontmatter with ``yaml.load(header, Loader=yaml.CSafeLoader)``;
* a bare stat walk (``vaultcrm.vault.walk``);
* cold index: delete ``.vaultcrm/``, then ``Index(root, Settings().folders).refresh()``
  in this process, and the wall time of ``vaultcrm --vault DIR index`` (subprocess);
* no-change refresh: ``refresh()`` in this process, and the CLI wall time;
* one edit: add a log line to one person file, then time ``refresh()``; reported
  as the time beyond the bare stat walk;
* ``vaultcrm list --json`` and ``vaultcrm show NAME`` wall times on the warm vault.

Files saved within a second of a refresh are re-hashed once by design (the racy-file
check), so the benchmark waits 1.2 s after writing files before timing refreshes. The CLI
runs with a bytecode cache in the temp dir (``PYTHONPYCACHEPREFIX``) even where
``PYTHONDONTWRITEBYTECODE`` is set, as an installed vaultcrm has its .pyc files
(``--no-pyc``: the environment as it is). Results and their meaning: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

import vaultcrm  # noqa: E402
from vaultcrm import vault as vaultio  # noqa: E402
from vaultcrm.index import Index  # noqa: E402
from vaultcrm.settings import Settings  # noqa: E402

RACY_WAIT = 1.2  # seconds: longer than the index's racy window (1 s)
TODAY = "2026-11-01"  # the generator's reference date

# a figure meets its target when value <= target (ratio, seconds)
TARGETS = {
    "cold_ratio": 1.2,
    "nochange_cli": 0.2,
    "edit_beyond_walk": 0.020,
    "list_json": 0.3,
    "show": 0.3,
    "due": 0.25,
    "stats": 1.0,
    "profile": 5.0,
    "review": 2.0,
    "profile_500": 1.0,
}


# ---------------------------------------------------------------------------
# measuring


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "vaultcrm"
    if script.exists():
        return [str(script)]
    found = shutil.which("vaultcrm")
    return [found] if found else [sys.executable, "-m", "vaultcrm"]


PYC_PREFIX: str | None = None  # set by main(): a bytecode cache for the CLI subprocesses


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("VAULTCRM_VAULT", None)
    if PYC_PREFIX:
        # an installed vaultcrm has its .pyc files; a checkout run with PYTHONDONTWRITEBYTECODE=1
        # would compile every module on every start (~45 ms): cache bytecode outside the tree
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYC_PREFIX
    env["NO_COLOR"] = "1"
    env["VAULTCRM_TODAY"] = TODAY
    return env


class CLIFailed(Exception):
    pass


def run_cli(args: list[str]) -> float:
    """Wall time of one vaultcrm process, stdout to /dev/null (Python start-up included)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*cli_command(), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=cli_env(),
        check=False,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise CLIFailed(f"vaultcrm {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()[-1500:]}")
    return elapsed


def median_cli(args: list[str], runs: int) -> float:
    return statistics.median(run_cli(args) for _ in range(runs))


def guarded(r: dict[str, Any], key: str, measure: Callable[[], float]) -> None:
    """Store ``measure()`` under ``key``; a failing command is reported and stored as None."""
    try:
        r[key] = measure()
    except CLIFailed as exc:
        print(f"  ERROR: {exc}", file=sys.stderr, flush=True)
        r[key] = None
        r.setdefault("errors", []).append(str(exc))


def baseline(root: Path) -> int:
    """The bare work an index cannot avoid: read every .md file, parse its frontmatter."""
    load, loader = yaml.load, yaml.CSafeLoader
    count = 0
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(".md"):
                    with open(entry.path, "rb") as fh:
                        text = fh.read().decode("utf-8")
                    if text.startswith("---\n"):
                        end = text.find("\n---", 3)
                        if end > 0:
                            load(text[4 : end + 1], Loader=loader)
                    count += 1
    return count


def drop_cache(root: Path) -> None:
    shutil.rmtree(root / vaultio.STATE_DIR, ignore_errors=True)


def add_log_line(path: Path, n: int) -> None:
    text = path.read_text(encoding="utf-8")
    line = f"- {TODAY} call: benchmark edit {n} with [[{path.stem}]] #work [dir:: out]\n"
    path.write_text(text.replace("## Log\n", "## Log\n" + line, 1), encoding="utf-8")


def bench_size(root: Path, people: int, log_lines: int, runs: int, cold_runs: int) -> dict[str, Any]:
    r: dict[str, Any] = {"people": people, "log_lines": log_lines}
    say = lambda msg: print(f"  [{people}] {msg}", file=sys.stderr, flush=True)  # noqa: E731

    t0 = time.perf_counter()
    names = generate(root, people, log_lines)
    r["generate"] = time.perf_counter() - t0
    folders = Settings().folders
    files = len(vaultio.walk(root, skip=(folders.templates,)))
    r["files"] = files
    r["bytes"] = sum(p.stat().st_size for p in root.rglob("*.md"))
    say(f"generated {files} files ({r['bytes'] / 1e6:.1f} MB) in {r['generate']:.1f} s")
    time.sleep(RACY_WAIT)

    # the bare baseline and the bare stat walk (page cache warmed by the first run)
    baseline(root)
    r["baseline"], r["baseline_runs"] = median_time(lambda: baseline(root), cold_runs)
    r["walk"], _ = median_time(lambda: vaultio.walk(root, skip=(folders.templates,)), runs)
    say(f"baseline {r['baseline']:.3f} s, walk {r['walk'] * 1000:.1f} ms")

    # cold index, in-process
    def cold() -> None:
        drop_cache(root)
        with Index(root, folders) as ix:
            stats = ix.refresh()
        assert stats.parsed == files, (stats, files)

    r["cold"], r["cold_runs"] = median_time(cold, cold_runs)
    r["cold_ratio"] = r["cold"] / r["baseline"]
    say(f"cold in-process {r['cold']:.3f} s ({r['cold_ratio']:.2f}x baseline)")

    # start-up references (these runs also fill the bytecode cache)
    r["python_startup"] = statistics.median(_wall([sys.executable, "-c", "pass"]) for _ in range(runs))
    guarded(r, "cli_version", lambda: median_cli(["--version"], runs))

    # cold index, CLI
    def cold_cli() -> float:
        drop_cache(root)
        return run_cli(["--vault", str(root), "index"])

    guarded(r, "cold_cli", lambda: statistics.median(cold_cli() for _ in range(cold_runs)))
    r["cold_cli_ratio"] = r["cold_cli"] / r["baseline"] if r["cold_cli"] is not None else None
    say(f"cold CLI {_fmt(r['cold_cli'], 's')}")
    if r["cold_cli"] is None:  # leave the cache as a successful CLI index would
        drop_cache(root)
        with Index(root, folders) as ix:
            ix.refresh()

    # no-change refresh (the last cold CLI index ran > RACY_WAIT after the files were written)
    with Index(root, folders) as ix:
        stats = ix.refresh()
        assert stats.parsed == 0, stats

        def nochange() -> None:
            s = ix.refresh()
            assert s.parsed == 0 and s.hashed == 0, s

        r["nochange"], _ = median_time(nochange, runs)
    guarded(r, "nochange_cli", lambda: median_cli(["--vault", str(root), "index"], runs))
    say(f"no-change refresh {r['nochange'] * 1000:.1f} ms in-process, {_fmt(r['nochange_cli'], 's')} CLI")

    # one edit: add a log line to one file, time refresh(); the stat walk measured alongside
    edits, walks = [], []
    with Index(root, folders) as ix:
        for n in range(runs):
            rel = f"people/{names[(n * 997) % len(names)]}.md"
            time.sleep(RACY_WAIT)
            ix.refresh()  # settles files left racy by the previous edit (not timed)
            before = len(ix.entries([rel]))
            add_log_line(root / rel, n)
            t0 = time.perf_counter()
            stats = ix.refresh()
            edits.append(time.perf_counter() - t0)
            assert stats.parsed == 1, stats
            assert len(ix.entries([rel])) == before + 1
            t0 = time.perf_counter()
            vaultio.walk(root, skip=(folders.templates,))
            walks.append(time.perf_counter() - t0)
        time.sleep(RACY_WAIT)
        ix.refresh()
    r["edit_runs"], r["edit_walk_runs"] = edits, walks
    r["edit"] = statistics.median(edits)
    r["edit_walk"] = statistics.median(walks)
    r["edit_beyond_walk"] = r["edit"] - r["edit_walk"]
    say(f"one edit {r['edit'] * 1000:.1f} ms ({r['edit_beyond_walk'] * 1000:.1f} ms beyond the walk)")

    # read commands on the warm vault (the first list run after a change fills the summary cache)
    vault = ["--vault", str(root)]
    guarded(r, "list_json_first", lambda: run_cli([*vault, "list", "--json"]))
    guarded(r, "list_json", lambda: median_cli([*vault, "list", "--json"], runs))
    who = names[len(names) // 2]
    r["show_name"] = who
    guarded(r, "show", lambda: (run_cli([*vault, "show", who]), median_cli([*vault, "show", who], runs))[1])
    say(
        f"list --json {_fmt(r['list_json'], 's')} (first {_fmt(r['list_json_first'], 's')}), "
        f"show {_fmt(r['show'], 's')}"
    )
    # keep-in-touch commands on the warm vault (no watcher yet: every command does its own stat walk)
    guarded(r, "due", lambda: median_cli([*vault, "due"], runs))
    guarded(r, "stats_first", lambda: run_cli([*vault, "stats"]))
    guarded(r, "stats", lambda: median_cli([*vault, "stats"], runs))
    say(f"due {_fmt(r['due'], 's')}, stats {_fmt(r['stats'], 's')} (first {_fmt(r['stats_first'], 's')})")
    guarded(r, "profile_first", lambda: run_cli([*vault, "profile"]))
    guarded(r, "profile", lambda: median_cli([*vault, "profile"], runs))
    guarded(r, "review", lambda: median_cli([*vault, "review", "--print"], runs))
    say(f"profile {_fmt(r['profile'], 's')} (first {_fmt(r['profile_first'], 's')}), review {_fmt(r['review'], 's')}")
    return r


def bench_game(base: Path, runs: int) -> float:
    """`vaultcrm profile` on 500 people with 3 years of history (about 20k interactions)."""
    from generate import generate

    root = base / "game-500"
    generate(root, 500, log_lines=40, span_days=3 * 365)
    run_cli(["--vault", str(root), "index"])
    # the first profile after indexing replays everything (later runs read the cached result)
    return run_cli(["--vault", str(root), "profile"])


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------
# reporting


def machine() -> dict[str, Any]:
    try:
        libyaml = yaml._yaml.get_version_string() if yaml.__with_libyaml__ else None
    except AttributeError:
        libyaml = None
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "pyyaml": yaml.__version__,
        "libyaml": libyaml,
        "nproc": nproc,
        "platform": platform.platform(),
        "vaultcrm": vaultcrm.__version__,
    }


def _size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


ROWS: list[tuple[str, str, str, str | None]] = [
    # key, label, format, target key
    ("files", "files in the vault", "n", None),
    ("baseline", "bare read + YAML parse (baseline)", "s", None),
    ("walk", "bare stat walk (vault.walk)", "ms", None),
    ("cold", "cold index, in-process refresh()", "s", None),
    ("cold_ratio", "cold index / baseline", "x", "cold_ratio"),
    ("cold_cli", "cold index, CLI wall (`vaultcrm index`)", "s", None),
    ("cold_cli_ratio", "cold CLI / baseline", "x", None),
    ("python_startup", "`python -c pass` wall", "s", None),
    ("cli_version", "`vaultcrm --version` wall", "s", None),
    ("nochange", "no-change refresh, in-process", "ms", None),
    ("nochange_cli", "no-change refresh, CLI wall", "s", "nochange_cli"),
    ("edit", "one edit, in-process refresh()", "ms", None),
    ("edit_beyond_walk", "one edit, beyond the stat walk", "ms", "edit_beyond_walk"),
    ("list_json_first", "`list --json` wall, first run after a change", "s", None),
    ("list_json", "`list --json` wall, warm", "s", "list_json"),
    ("show", "`show NAME` wall, warm", "s", "show"),
    ("due", "`due` wall, warm (no-change refresh included)", "s", "due"),
    ("stats_first", "`stats` wall, first run after a change", "s", None),
    ("stats", "`stats` wall, warm", "s", "stats"),
    ("profile_first", "`profile` wall, first run after a change (full replay)", "s", "profile"),
    ("profile", "`profile` wall, warm", "s", None),
    ("review", "`review --print` wall, warm", "s", "review"),
]


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "error"
    if kind == "n":
        return str(value)
    if kind == "ms":
        return f"{value * 1000:.1f} ms"
    if kind == "x":
        return f"{value:.2f}x"
    return f"{value:.3f} s"


def _target(key: str, kind: str) -> str:
    value = TARGETS[key]
    return {"ms": f"≤ {value * 1000:g} ms", "x": f"≤ {value:g}x"}.get(kind, f"≤ {value:g} s")


def _verdict(value: float | None, target: str) -> str:
    if value is None:
        return "n/a"
    return "yes" if value <= TARGETS[target] else "NO"


def table(results: list[dict[str, Any]]) -> str:
    sizes = [_size_label(r["people"]) for r in results]
    head = ["figure", *sizes, "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, kind, target in ROWS:
        cells = [_fmt(r[key], kind) for r in results]
        if target:
            verdicts = [f"{s}: {_verdict(r[key], target)}" for s, r in zip(sizes, results, strict=True)]
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {_target(target, kind)} | {', '.join(verdicts)} |")
        else:
            lines.append(f"| {label} | " + " | ".join(cells) + " | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark vaultcrm on synthetic vaults.")
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated people counts (default 1000,10000)")
    ap.add_argument("--quick", action="store_true", help="1000 people only")
    ap.add_argument("--log-lines", type=int, default=10, help="interaction lines per person (default 10)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions of cheap measurements (median; default 5)")
    ap.add_argument("--cold-runs", type=int, default=3, help="repetitions of cold builds (median; default 3)")
    ap.add_argument("--dir", type=Path, help="generate the vaults here (kept) instead of a temp dir")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the raw figures as JSON")
    ap.add_argument(
        "--no-pyc",
        action="store_true",
        help="run the CLI with the environment as it is (by default a bytecode cache is forced on)",
    )
    args = ap.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]

    info = machine()
    print(
        f"vaultcrm {info['vaultcrm']} | Python {info['python']} ({info['implementation']}) | "
        f"PyYAML {info['pyyaml']} | libyaml {info['libyaml'] or 'MISSING'} | nproc {info['nproc']}"
    )
    print(f"platform: {info['platform']}")
    print(f"CLI: {' '.join(cli_command())}")

    results = []
    with tempfile.TemporaryDirectory(prefix="vaultcrm-bench-") as tmp:
        global PYC_PREFIX
        PYC_PREFIX = None if args.no_pyc else str(Path(tmp) / "pycache")
        print(f"CLI bytecode cache: {PYC_PREFIX or 'as the environment says'}", flush=True)
        print(flush=True)
        base = args.dir if args.dir else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            root = (base / f"vault-{n}").resolve()
            if root.exists():
                shutil.rmtree(root)
            results.append(bench_size(root, n, args.log_lines, args.runs, args.cold_runs))
        game_root = base / "game-500"
        if game_root.exists():
            shutil.rmtree(game_root)
        profile_500 = bench_game(base, args.runs)

    print(table(results))
    verdict = "yes" if profile_500 <= TARGETS["profile_500"] else "NO"
    print()
    print(
        f"`profile` on 500 people with 3 years of history (20,000 log lines): {_fmt(profile_500, 's')} "
        f"(target ≤ {TARGETS['profile_500']} s: {verdict})"
    )
    missed = [
        f"{label} ({_size_label(r['people'])})"
        for key, label, _, target in ROWS
        if target
        for r in results
        if r[key] is None or r[key] > TARGETS[target]
    ]
    print()
    print("all targets met" if not missed else "missed: " + "; ".join(missed))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results, "profile_500": profile_500}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
