"""Benchmark `vaultcrm path` and `vaultcrm referrals` on a large vault.

    python bench/bench_network.py                    # 10k people, ~50k knows ties
    python bench/bench_network.py --people 2000 --dir /tmp/net --runs 3

Generates a vault with bench/generate.py (``--knows-max 10``: each person lists 0–10 others
under ``knows:``, about 50,000 ties on 10k people, plus the generator's introduced_by,
companies and log lines), builds the index once (``vaultcrm index``, not timed), then
times the real CLI in subprocesses (Python start-up and the no-change refresh included):

* ``first run after a frontmatter edit``: a key is added to one person's frontmatter, so
  the network graph (and the referrals report) is built again from the index;
* ``first run after a log line``: a line with that person only is appended to a person
  file: the vault changed, the network's inputs did not (their digest is checked);
* ``warm``: the median of ``--runs`` runs with everything cached (different targets for
  ``path``).

Target (docs/network.md): each ≤ 2 s wall on 10k people, warm index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import TODAY, generate  # noqa: E402

TARGET = 2.0
RACY_WAIT = 1.2  # the index re-hashes files saved within a second of a refresh: wait that out


def cli() -> list[str]:
    script = Path(sys.executable).parent / "vaultcrm"
    if script.exists():
        return [str(script)]
    found = shutil.which("vaultcrm")
    return [found] if found else [sys.executable, "-m", "vaultcrm"]


def env(pyc: str) -> dict[str, str]:
    out = dict(os.environ)
    out.pop("VAULTCRM_VAULT", None)
    out.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed vaultcrm has its .pyc files
    out["PYTHONPYCACHEPREFIX"] = pyc
    out["NO_COLOR"] = "1"
    out["VAULTCRM_TODAY"] = TODAY.isoformat()
    out["VAULTCRM_NO_WATCHER"] = "1"
    return out


def wall(root: Path, args: list[str], pyc: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*cli(), "--vault", str(root), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env(pyc),
        check=False,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"vaultcrm {' '.join(args)} failed: {proc.stderr.decode()[-1500:]}")
    return elapsed


def touch(root: Path, name: str, n: int) -> None:
    """Append one log line (with that person only) to a person file: the vault changed, the
    network's inputs did not."""
    path = root / "people" / f"{name}.md"
    day = TODAY - dt.timedelta(days=n % 300)
    with open(path, "a", encoding="utf-8", newline="\n") as fh:
        fh.write(f"- {day.isoformat()} note: benchmark edit {n}\n")
    time.sleep(RACY_WAIT)


def edit_header(root: Path, name: str, n: int) -> None:
    """Add a frontmatter key to a person file: the network graph is built again."""
    path = root / "people" / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", f"---\nbench_edit: {n}\n", 1), encoding="utf-8", newline="\n")
    time.sleep(RACY_WAIT)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=10000)
    ap.add_argument("--knows-max", type=int, default=10, help="each person knows 0..N others (default 10)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", type=Path, help="keep the vault here (default: a temp dir, removed)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="vaultcrm-net-"))
    root = args.dir or tmp / "vault"
    pyc = str(tmp / "pyc")
    try:
        t0 = time.perf_counter()
        names = generate(root, args.people, knows_max=args.knows_max)
        print(f"generated {args.people} people in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        subprocess.run([*cli(), "--vault", str(root), "index"], env=env(pyc), check=True, stdout=subprocess.DEVNULL)
        time.sleep(RACY_WAIT)
        wall(root, ["--version"], pyc)  # compile the bytecode once

        from vaultcrm import network
        from vaultcrm.core import Vault

        v = Vault(root, TODAY)
        v.refresh()
        graph = network.graph_of(v)
        ties = len(graph.pairs())
        knows = sum(len(p.knows) for p in v.people())
        v.close()
        time.sleep(RACY_WAIT)

        targets = [names[(i * 997 + 13) % len(names)] for i in range(max(args.runs, 1))]
        figures: list[tuple[str, float | None]] = []
        figures.append(
            ("`vaultcrm --version` wall", statistics.median(wall(root, ["--version"], pyc) for _ in range(3)))
        )
        figures.append(
            ("no-change `vaultcrm index` wall", statistics.median(wall(root, ["index"], pyc) for _ in range(3)))
        )

        edit_header(root, names[1], 1)
        figures.append(
            ("`path`, first run after a frontmatter edit (graph rebuilt)", wall(root, ["path", targets[0]], pyc))
        )
        figures.append(("`path` warm (median)", statistics.median(wall(root, ["path", t], pyc) for t in targets)))
        touch(root, names[2], 2)
        figures.append(("`path`, first run after a log line", wall(root, ["path", targets[1 % len(targets)]], pyc)))
        edit_header(root, names[3], 3)
        figures.append(("`referrals`, first run after a frontmatter edit", wall(root, ["referrals"], pyc)))
        figures.append(
            ("`referrals` warm (median)", statistics.median(wall(root, ["referrals"], pyc) for _ in targets))
        )
        touch(root, names[4], 4)
        figures.append(("`referrals`, first run after a log line", wall(root, ["referrals"], pyc)))
        edit_header(root, names[5], 5)
        wall(root, ["path", targets[0]], pyc)  # the graph is rebuilt here; referrals builds on it
        figures.append(
            ("`referrals`, first run after a frontmatter edit, graph cached", wall(root, ["referrals"], pyc))
        )

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n{args.people} people, {knows} knows: entries, {ties} ties in the graph")
        print(
            f"{os.cpu_count()} cores, load average at the end {load} (other work on the machine slows every figure)\n"
        )
        print("| figure | seconds | target |")
        print("| --- | --- | --- |")
        for label, value in figures:
            target = f"≤ {TARGET:g} s" if label.startswith(("`path`", "`referrals`")) else ""
            met = "" if not target or value is None else (" (met)" if value <= TARGET else " (NOT met)")
            print(f"| {label} | {value:.2f} | {target}{met} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
