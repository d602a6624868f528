"""Generate a synthetic vaultcrm vault for benchmarks.

    python bench/generate.py DIR --people 10000 [--log-lines 10] [--seed 1]

Writes ``vaultcrm.yaml`` (empty: every setting takes its default),
``people/<Name>.md`` with realistic frontmatter (name, aliases, circle,
closeness, stage, tier, emails, phones, tags, knows with links, added,
birthday, and now and then company, role, location, cadence, kin, snooze_until)
and a ``## Log`` of exactly ``log_lines`` interaction lines such as

    - 2026-05-03 coffee: asked about the move with [[Anna Schmidt 2]] #idea [dir:: out]

plus a few organisations in ``orgs/`` and daily notes in ``journal/``. The output depends only on the
arguments: the same ``people`` and ``seed`` give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

FIRST = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas", "Katrin", "Lukas",
    "Marie", "Niklas", "Olga", "Paul", "Quentin", "Rosa", "Stefan", "Tanja", "Uwe", "Vera", "Wolfgang", "Xenia",
    "Yusuf", "Zoe", "Aylin", "Bernd", "Carla", "Dirk", "Elena", "Frank", "Gisela", "Heike", "Ingo", "Julia",
    "Karl", "Lea", "Moritz", "Nina", "Oskar", "Petra", "Ralf", "Sabine", "Tim", "Ulrike", "Viktor", "Wiebke",
    "Jakob", "Lena", "Mia", "Noah", "Emil", "Hanna", "Theo", "Lina", "Finn", "Ella", "Milan", "Sofia",
)  # fmt: skip
LAST = (
    "Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
    "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Herrmann",
    "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß",
    "Jung", "Hahn", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck",
    "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm",
)  # fmt: skip
CIRCLES = ("customers", "creatives", "pals", "family")
STAGES = ("stranger", "suspect", "contact", "connection", "prospect", "client")
TIERS = ("A", "B", "C", "D")
TAGS = ("founder", "berlin", "hamburg", "design", "investor", "climbing", "music", "python", "school", "neighbour")
CITIES = ("Berlin", "Hamburg", "Munich", "Cologne", "Leipzig", "Vienna", "Zurich", "Lisbon")
ROLES = ("CTO", "Designer", "Founder", "Engineer", "Teacher", "Doctor", "Lawyer", "Writer")
COMPANIES = ("Acme GmbH", "Globex AG", "Initech", "Umbrella KG", "Hooli")
TYPES = (
    "coffee", "call", "message", "lunch", "dinner", "email", "video", "walk",
    "beer", "letter", "chat", "note", "like", "intro", "event",
)  # fmt: skip
TOPICS = (
    "talked about the new job",
    "caught up on the family",
    "asked about the move",
    "shared the pricing article",
    "planned the summer trip",
    "discussed the startup idea",
    "congratulated on the wedding",
    "reviewed the portfolio",
    "swapped book tips",
    "helped with the CV",
)
LOG_TAGS = ("idea", "help", "deep", "work", "family")
TODAY = dt.date(2026, 11, 1)  # fixed so that the output never depends on the clock


def names(count: int, seed: int) -> list[str]:
    """``count`` unique display names: first × last combinations, then numbered rounds."""
    rng = random.Random(seed)
    combos = [f"{f} {last}" for f in FIRST for last in LAST]
    rng.shuffle(combos)
    out = []
    for i in range(count):
        base = combos[i % len(combos)]
        rounds = i // len(combos)
        out.append(base if rounds == 0 else f"{base} {rounds + 1}")
    return out


def _slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe", " ": "."})
    return name.lower().translate(table)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def person_text(
    i: int,
    name: str,
    everyone: list[str],
    log_lines: int,
    rng: random.Random,
    span_days: int = 720,
    knows_max: int = 4,
) -> str:
    first = name.split()[0]
    alias = _slug(name).replace(".", " ").title() if name != name.encode("ascii", "ignore").decode() else None
    if alias is None:  # "Albrecht, Anna 2", as address books export it: unique like the name
        words = name.split()
        alias = f"{words[1]}, {' '.join([words[0], *words[2:]])}"
    closeness = rng.choice((1, 2, 2, 3, 3, 3, 4, 4))
    fm = [
        "---",
        f"name: {name}",
        f'aliases: ["{alias}"]',
        f"circle: {rng.choice(CIRCLES)}",
        f"closeness: {closeness}",
        f"stage: {rng.choice(STAGES)}",
        f"tier: {rng.choice(TIERS)}",
    ]
    if rng.random() < 0.1:
        fm.append(f"cadence: {rng.choice(('14d', '2w', '1m', '3m'))}")
    if rng.random() < 0.05:
        fm.append("kin: true")
    fm.append(f"emails: [{_slug(name)}@example.com]")
    fm.append(f'phones: ["+49 30 {1000000 + i * 7 % 9000000}"]')
    if rng.random() < 0.3:
        fm.append(f'company: "[[{rng.choice(COMPANIES)}]]"')
        fm.append(f"role: {rng.choice(ROLES)}")
    if rng.random() < 0.6:
        fm.append(f"location: {rng.choice(CITIES)}")
    if rng.random() < 0.8:
        year = rng.randint(1950, 2005)
        md = f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        fm.append(f"birthday: {year}-{md}" if rng.random() < 0.7 else f"birthday: --{md}")
    fm.append(f"tags: {_list(rng.sample(TAGS, rng.randint(0, 3)))}")
    known = rng.sample(everyone, min(len(everyone), rng.randint(0, knows_max)))
    known = [k for k in known if k != name]
    if known:
        fm.append("knows:")
        for j, other in enumerate(known):
            if j % 2:
                fm.append(f'  - {{who: "[[{other}]]", closeness: {rng.randint(1, 4)}, note: met at work}}')
            else:
                fm.append(f'  - "[[{other}]]"')
    if rng.random() < 0.2:
        fm.append(f'introduced_by: "[[{rng.choice(everyone)}]]"')
    if rng.random() < 0.03:
        fm.append(f"snooze_until: {(TODAY + dt.timedelta(days=rng.randint(1, 60))).isoformat()}")
    fm.append(f"added: {(TODAY - dt.timedelta(days=rng.randint(30, 1500))).isoformat()}")
    fm.append("---")
    body = [f"{first} — notes. Likes {rng.choice(TAGS)}.", "", "## Log"]
    days = sorted(rng.randint(0, span_days) for _ in range(log_lines))
    for d in days:  # newest first, as people write them
        date = TODAY - dt.timedelta(days=d)
        kind = rng.choice(TYPES)
        text = rng.choice(TOPICS)
        r = rng.random()
        if r < 0.35:
            text += f" with [[{rng.choice(everyone)}]]"
        if rng.random() < 0.3:
            text += f" #{rng.choice(LOG_TAGS)}"
        extra = rng.random()
        if extra < 0.4:
            text += f" [dir:: {rng.choice(('in', 'out'))}]"
        elif extra < 0.5:
            text += f" [min:: {rng.choice((15, 30, 60, 90))}]"
        elif extra < 0.55:
            text += " [reached:: no]"
        body.append(f"- {date.isoformat()} {kind}: {text}")
    if rng.random() < 0.2:
        due = TODAY + dt.timedelta(days=rng.randint(1, 40))
        body += ["", "## Tasks", f"- [ ] send {first} the article 📅 {due.isoformat()}"]
    return "\n".join(fm) + "\n" + "\n".join(body) + "\n"


def generate(
    root: Path, people: int, log_lines: int = 10, seed: int = 1, span_days: int = 720, knows_max: int = 4
) -> list[str]:
    """Write a vault of ``people`` person files into ``root``; return the names.

    Each person ``knows:`` 0 to ``knows_max`` others (uniformly; the default 4 gives about two
    per person, 10 about five: bench/bench_network.py's ~50k edges on 10k people).
    """
    root = Path(root)
    (root / "people").mkdir(parents=True, exist_ok=True)
    (root / "journal").mkdir(exist_ok=True)
    (root / "vaultcrm.yaml").write_text("", encoding="utf-8")
    rng = random.Random(seed * 7919 + people)
    everyone = names(people, seed)
    for i, name in enumerate(everyone):
        text = person_text(i, name, everyone, log_lines, rng, span_days, knows_max)
        with open(root / "people" / f"{name}.md", "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    (root / "orgs").mkdir(exist_ok=True)
    for company in COMPANIES:
        (root / "orgs" / f"{company}.md").write_text(f"---\nname: {company}\n---\nAn organisation.\n", "utf-8")
    for k in range(5):
        day = TODAY - dt.timedelta(days=3 * k + 1)
        a, b, c = (rng.choice(everyone) for _ in range(3))
        note = [
            f"# {day.isoformat()}",
            "",
            f"- coffee with [[{a}]] at the station #idea",
            f"- call with [[{b}]]: {rng.choice(TOPICS)}",
            f"- {day.isoformat()} lunch: with [[{c}]] [dir:: out]",
            "- bought groceries",
            "",
        ]
        (root / "journal" / f"{day.isoformat()}.md").write_text("\n".join(note), encoding="utf-8")
    return everyone


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate a synthetic vaultcrm vault.")
    ap.add_argument("dir", type=Path, help="target folder (created; existing person files are overwritten)")
    ap.add_argument("--people", type=int, default=1000, help="how many person files (default 1000)")
    ap.add_argument("--log-lines", type=int, default=10, help="interaction lines per person (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--knows-max", type=int, default=4, help="each person knows 0..N others (default 4)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    generate(args.dir, args.people, args.log_lines, args.seed, knows_max=args.knows_max)
    print(f"{args.people} people in {args.dir} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
