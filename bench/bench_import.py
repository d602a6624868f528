"""Benchmark `vaultcrm import` and `vaultcrm dupes` on synthetic vaults.

    python bench/bench_import.py                 # 10k-row LinkedIn CSV into 5k people; dupes on 10k
    python bench/bench_import.py --rows 2000 --people 1000 --dupes-people 2000   # quicker

Targets (issue 6): importing a 10,000-row LinkedIn ``Connections.csv`` into a vault of 5,000
people, with matching, in at most 20 s on a 2-core machine; ``vaultcrm dupes`` on 10,000
people in at most 10 s. Both are timed as the user runs them: ``vaultcrm --vault DIR import
FILE --yes`` and ``vaultcrm --vault DIR dupes --json`` in a subprocess, on a vault whose index
is already warm (the import's own refresh of the files it writes is included).

The CSV (``generate_csv``) has LinkedIn's Notes preamble; a quarter of its rows are people of
the vault (same email in another case, or the same name with a LinkedIn URL), the rest are new;
one row in 50 has no email, as real exports do. The dupes vault gets one second note per 50
people (the same e-mail in upper case, or a misspelt given name) so that there is something
to find. A second import of the same file is timed too
(it must change nothing).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

PREAMBLE = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing."\n\n'
)
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def generate_csv(path: Path, rows: int, vault_names: list[str], seed: int = 7) -> None:
    """A LinkedIn Connections.csv of ``rows`` rows; a quarter of them are vault people."""
    rng = random.Random(seed)
    lines = [PREAMBLE, HEADER]
    for i in range(rows):
        if i % 4 == 0 and vault_names:
            name = rng.choice(vault_names)
            words = name.split()
            first, last = words[0], " ".join(words[1:])
            email = f"{generate._slug(name)}@EXAMPLE.com" if rng.random() < 0.7 else ""
        else:
            first = rng.choice(generate.FIRST)
            last = f"{rng.choice(generate.LAST)}-{rng.choice(generate.LAST)} {i}"
            email = f"{first.lower()}.{i}@mail{i % 97}.example" if i % 50 else ""
        slug = f"{first}-{last}".lower().replace(" ", "-")
        url = f"https://www.linkedin.com/in/{slug}-{i:x}"
        company = rng.choice(generate.COMPANIES)
        role = rng.choice(generate.ROLES)
        day = f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2010, 2026)}"
        lines.append(f'{first},"{last}",{url},{email},{company},{role},{day}\n')
    path.write_text("".join(lines), encoding="utf-8")


def add_duplicates(root: Path, names: list[str], count: int, seed: int = 3) -> None:
    """``count`` second notes for existing people: the same e-mail in upper case, or a typo."""
    rng = random.Random(seed)
    for i, name in enumerate(rng.sample(names, count)):
        first, *rest = name.split()
        if i % 2:
            dup, extra = f"{first[0]}. {' '.join(rest)}", f"emails: [{generate._slug(name).upper()}@EXAMPLE.COM]\n"
        else:
            dup, extra = f"{first}{first[-1]} {' '.join(rest)}", ""
        (root / "people" / f"{dup} (dup).md").write_text(f"---\nname: {dup}\n{extra}---\n", encoding="utf-8")


def vault_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.md")):
        if ".vaultcrm" in p.parts:
            continue
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def cli(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ, VAULTCRM_LOAD_PLUGINS="", NO_COLOR="1", PYTHONPYCACHEPREFIX=tempfile.gettempdir() + "/vcpyc")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "vaultcrm", "--vault", str(root), "--today", "2026-11-24", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"vaultcrm {' '.join(args)} failed:\n{done.stderr}")
    return seconds, done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--people", type=int, default=5_000)
    ap.add_argument("--dupes-people", type=int, default=10_000)
    ap.add_argument("--dir", type=Path, default=None, help="where to build the vaults (a temp dir by default)")
    args = ap.parse_args(argv)
    base = args.dir or Path(tempfile.mkdtemp(prefix="vaultcrm-bench-import-"))
    base.mkdir(parents=True, exist_ok=True)

    root = base / f"vault{args.people}"
    names = generate.generate(root, args.people, log_lines=5)
    csv = base / "Connections.csv"
    generate_csv(csv, args.rows, names)
    cli(root, "index")  # a warm index, as a vault in daily use has
    time.sleep(1.2)
    t_import, done = cli(root, "import", str(csv), "--yes")
    summary = next((ln for ln in done.stdout.splitlines() if ln.startswith("Imported")), "")
    t_index, _ = cli(root, "index")  # a large import leaves indexing its files to the next command
    before = vault_hash(root)
    time.sleep(1.2)
    t_again, again = cli(root, "import", str(csv), "--yes")
    unchanged = vault_hash(root) == before

    droot = base / f"vault{args.dupes_people}"
    dnames = generate.generate(droot, args.dupes_people, log_lines=2)
    add_duplicates(droot, dnames, count=args.dupes_people // 50)
    cli(droot, "index")
    t_dupes, dd = cli(droot, "dupes", "--json", "--limit", "1000000")
    import json

    pairs = len(json.loads(dd.stdout))

    print(f"import {args.rows} LinkedIn rows into {args.people} people: {t_import:.1f} s (target ≤ 20 s)")
    print(f"  {summary}")
    print(f"  the next command indexes the written files: {t_index:.1f} s")
    print(f"re-import of the same file: {t_again:.1f} s, vault unchanged: {unchanged}")
    print(f"dupes on {args.dupes_people} people: {t_dupes:.1f} s (target ≤ 10 s), {pairs} pairs")
    ok = t_import <= 20 and t_dupes <= 10 and unchanged
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
