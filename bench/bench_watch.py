"""Benchmark ``vaultcrm watch`` on a synthetic vault (prints figures; not a test).

    python bench/bench_watch.py                    # 10k people, 50 edits, a 1,000-file burst
    python bench/bench_watch.py --people 1000 --edits 20 --burst 500 --dir /tmp/vault

It generates a vault with bench/generate.py, builds the index, waits out the racy-file
second, then starts ``vaultcrm watch --json`` in a subprocess (this process plays the user
and the editor) and measures, twice: with gamification on (the default: the announcer
replays the game after every change, beside the indexer) and off (``gamification: off``).

* **save → index latency**: an editor-style atomic save (temp file + rename) appends a log
  line to one person file; the time until a separate SQLite connection (what another
  command would read) sees the line. Median and 95th percentile over ``--edits`` edits,
  0.5 s apart (a person does not save faster than that).
* **burst settle**: ``--burst`` person files each get a line written in place, as fast as
  possible (a ``git pull``); the time from the last write until every line is in the index,
  and how many refreshes the watcher needed (its ``indexed`` lines).

Targets (docs/performance.md): median latency ≤ 0.3 s, a 1,000-file burst settled ≤ 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

from vaultcrm import document  # noqa: E402
from vaultcrm.core import Vault  # noqa: E402
from vaultcrm.watch import watcher_is_current  # noqa: E402


def wait_for(check: Any, timeout: float, interval: float = 0.002) -> float | None:
    """Poll ``check()`` until true; the perf_counter time it became true, None on timeout."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():
            return time.perf_counter()
        time.sleep(interval)
    return None


def with_line(path: Path, line: str) -> str:
    """The file's text with ``line`` added to its ## Log (some files end with ## Tasks)."""
    return document.add_to_section(path.read_text(encoding="utf-8"), "Log", line)


def atomic_save(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def watch_command(root: Path) -> list[str]:
    # `import vaultcrm.cli.watch` registers the command also where cli/__init__ does not import it yet
    code = "import vaultcrm.cli.watch; from vaultcrm.cli import main; main()"
    return [sys.executable, "-c", code, "--vault", str(root), "watch", "--json"]


def run_mode(root: Path, gamification: bool, edits: int, burst: int, seed: int) -> dict[str, Any]:
    (root / "vaultcrm.yaml").write_text("" if gamification else "gamification: off\n", encoding="utf-8")
    v = Vault(root)
    v.refresh()
    v.close()
    time.sleep(1.2)  # files saved within a second of indexing are re-hashed once by design

    env = {**os.environ, "VAULTCRM_LOAD_PLUGINS": "", "NO_COLOR": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(watch_command(root), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    events: list[dict[str, Any]] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            events.append(json.loads(line))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        if wait_for(lambda: watcher_is_current(root), 120, 0.01) is None:
            raise SystemExit("the watcher did not start")
        ready = time.perf_counter() - started

        db = sqlite3.connect(root / ".vaultcrm" / "index.sqlite", timeout=60)
        people = sorted(p for p in os.listdir(root / "people") if p.endswith(".md"))
        rng = random.Random(seed)

        latencies: list[float] = []
        for i in range(edits):
            rel = f"people/{rng.choice(people)}"
            path = root / rel
            token = f"bench-edit-{gamification}-{i}"
            atomic_save(path, with_line(path, f"- 2026-01-05 coffee: {token}"))
            saved = time.perf_counter()
            seen = wait_for(
                lambda rel=rel, token=token: (
                    db.execute("SELECT 1 FROM entries WHERE path = ? AND text LIKE ?", (rel, f"%{token}%")).fetchone()
                    is not None
                ),
                10,
            )
            latencies.append((seen or float("inf")) - saved)
            time.sleep(0.5)

        wait_for(lambda: watcher_is_current(root), 30, 0.02)
        before = sum(e["event"] == "indexed" for e in events)
        chosen = rng.sample(people, burst)
        token = f"bench-burst-{gamification}"
        texts = {name: with_line(root / "people" / name, f"- 2026-01-06 call: {token}") for name in chosen}
        first = time.perf_counter()
        for name, text in texts.items():
            with open(root / "people" / name, "w", encoding="utf-8") as fh:  # in place, as git writes
                fh.write(text)
        last = time.perf_counter()
        settled = wait_for(
            lambda: (
                db.execute("SELECT count(*) FROM entries WHERE text LIKE ?", (f"%{token}%",)).fetchone()[0] >= burst
            ),
            60,
            0.01,
        )
        current = wait_for(lambda: watcher_is_current(root), 30, 0.02)
        burst_refreshes = sum(e["event"] == "indexed" for e in events) - before
        db.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        reader.join(5)
    latencies.sort()
    return {
        "gamification": gamification,
        "startup_s": round(ready, 3),
        "latency_median_s": round(statistics.median(latencies), 4),
        "latency_p95_s": round(latencies[max(0, round(0.95 * len(latencies)) - 1)], 4),
        "latency_max_s": round(latencies[-1], 4),
        "edits": edits,
        "burst_files": burst,
        "burst_write_s": round(last - first, 3),
        "burst_settle_after_last_write_s": round(settled - last, 3) if settled else None,
        "burst_settle_from_first_write_s": round(settled - first, 3) if settled else None,
        "burst_refreshes": burst_refreshes,
        "burst_current_after_last_write_s": round(current - last, 3) if current else None,
        "celebrations": sum(e["event"] == "gain" for e in events),
        "exit_code": proc.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", help="generate the vault here and keep it (default: a temp dir, removed after)")
    parser.add_argument("--mode", choices=("both", "on", "off"), default="both", help="gamification on, off or both")
    parser.add_argument("--json", dest="json_out", help="also write the figures to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("VAULTCRM_LOAD_PLUGINS", "")

    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="vaultcrm-watch-"))
    root = base / f"vault-{args.people}"
    try:
        if root.exists():
            shutil.rmtree(root)
        started = time.perf_counter()
        generate(root, args.people)
        print(f"generated {args.people} people in {time.perf_counter() - started:.1f} s: {root}")
        modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.mode]
        results = [run_mode(root, mode, args.edits, args.burst, args.seed) for mode in modes]
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)

    rows = [
        ("watcher start-up (index current)", "startup_s", ""),
        (f"save → index latency, median of {args.edits}", "latency_median_s", "≤ 0.3 s"),
        ("save → index latency, 95th percentile", "latency_p95_s", ""),
        ("save → index latency, worst", "latency_max_s", ""),
        (f"{args.burst}-file burst: writing it", "burst_write_s", ""),
        (f"{args.burst}-file burst: settled, after the last write", "burst_settle_after_last_write_s", "≤ 3 s"),
        (f"{args.burst}-file burst: settled, from the first write", "burst_settle_from_first_write_s", ""),
        (f"{args.burst}-file burst: refreshes", "burst_refreshes", ""),
        (f"{args.burst}-file burst: watcher_is_current again", "burst_current_after_last_write_s", ""),
        ("celebrations printed", "celebrations", ""),
        ("exit code after SIGINT", "exit_code", "0"),
    ]
    header = ["figure"] + [f"gamification {'on' if r['gamification'] else 'off'}" for r in results] + ["target"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, key, target in rows:
        cells = [str(r[key]) for r in results]
        print(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
