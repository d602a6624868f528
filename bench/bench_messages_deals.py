"""How fast draft, ab, deals and tasks are on a large vault.

    python bench/bench_messages_deals.py [--people 1000] [--deals 300] [--sends 2] [--share 1.0]

Generates a vault with bench/generate.py, gives every person ``--sends`` template messages
(variants a and b, about a third answered within a week), writes ``--deals`` deal files and
the two example templates, builds the index once, then times each command on the warm index
(best of three) and prints the figures. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import TODAY, generate  # noqa: E402

from vaultcrm.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("lead", "qualified", "proposal", "won", "lost")


def prepare(root: Path, people: int, deals: int, sends: int, share: float) -> list[str]:
    everyone = generate(root, people)
    rng = random.Random(11)
    for name in everyone[: round(len(everyone) * share)]:
        path = root / "people" / f"{name}.md"
        lines = []
        for _ in range(sends):
            day = TODAY - dt.timedelta(days=rng.randint(20, 400))
            variant = rng.choice("ab")
            lines.append(f"- {day.isoformat()} message: [dir:: out] [template:: reconnect/{variant}]")
            if rng.random() < (0.25 if variant == "a" else 0.4):
                reply = day + dt.timedelta(days=rng.randint(0, 7))
                lines.append(f"- {reply.isoformat()} message: got back to me [dir:: in]")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("## Log\n", "## Log\n" + "\n".join(lines) + "\n", 1), encoding="utf-8")
    (root / "deals").mkdir()
    for i in range(deals):
        close = TODAY + dt.timedelta(days=rng.randint(-60, 180))
        (root / "deals" / f"Deal {i:04d}.md").write_text(
            f'---\ncontact: "[[{rng.choice(everyone)}]]"\nstage: {rng.choice(STAGES)}\n'
            f"value: {rng.randint(1, 200) * 500}\ncurrency: {rng.choice(['EUR', 'EUR', 'USD'])}\n"
            f"close: {close.isoformat()}\n---\n\n## Log\n- 2026-01-01 stage: none → lead\n",
            encoding="utf-8",
        )
    shutil.copytree(ROOT / "vault-template/templates/messages", root / "templates/messages")
    return everyone


def timed(root: Path, *args: str, repeat: int = 3) -> float:
    runner = CliRunner()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = runner.invoke(cli, ["--vault", str(root), "--today", TODAY.isoformat(), *args])
        best = min(best, time.perf_counter() - start)
        if result.exit_code != 0:
            raise SystemExit(f"{' '.join(args)} failed: {result.output}")
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--deals", type=int, default=300)
    ap.add_argument("--sends", type=int, default=2, help="template messages per person who gets any")
    ap.add_argument("--share", type=float, default=1.0, help="the share of people who get template messages")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        everyone = prepare(root, args.people, args.deals, args.sends, args.share)
        start = time.perf_counter()
        CliRunner().invoke(cli, ["--vault", str(root), "index"])
        print(
            f"{args.people} people, {round(args.people * args.share) * args.sends} template sends, {args.deals} deals "
            f"(cold index {time.perf_counter() - start:.2f} s)"
        )
        for label, cmd in (
            ("ab --json", ["ab", "--json"]),
            ("draft (Thompson)", ["draft", everyone[0], "--template", "reconnect"]),
            ("deals --json", ["deals", "--json"]),
            ("tasks --json", ["tasks", "--json"]),
            ("show (with deals)", ["show", everyone[1]]),
        ):
            print(f"  {label:<20} {timed(root, *cmd):6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
