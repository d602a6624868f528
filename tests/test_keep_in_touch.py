"""Golden scenarios for cadence, due, health, stats, plan and search (issue: keep in touch)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import Run

TODAY = "2026-11-24"

# name: (frontmatter lines, log lines)
PEOPLE: dict[str, tuple[str, list[str]]] = {
    "Ana": ("closeness: 1\ntier: A", ["- 2026-11-20 coffee: catch-up"]),
    "Ben": ("closeness: 1\ntier: B", ["- 2026-11-05 call: quick one [dir:: out]"]),
    "Cleo": ("closeness: 1\ntier: A", ["- 2026-10-30 lunch: long lunch #deep"]),
    "Dan": ("closeness: 2\ntier: C", ["- 2026-10-20 message: hi [dir:: in]"]),
    "Eve": ("closeness: 2\ntier: A", ["- 2026-09-20 video: planning"]),
    "Fay": ("closeness: 2", ["- 2026-07-01 dinner: birthday dinner"]),
    "Gus": ("closeness: 3\ntier: B", ["- 2026-09-01 call: yearly call"]),
    "Hal": ("closeness: 3", ["- 2026-11-01 email: newsletter reply [dir:: in]"]),
    "Ivy": ("closeness: 3\nsnooze_until: 2026-12-15", ["- 2026-01-01 call: new year"]),
    "Jon": ("closeness: 2\nkin: true", ["- 2026-10-10 visit: at the farm"]),
    "Kim": ("closeness: 1\nadded: 2026-11-20", []),
    "Lea": ("circle: pals", ["- 2026-11-01 coffee: met at the market"]),
    "Max": ("closeness: 4", []),
    "Ned": (
        "closeness: 2",
        ["- 2026-11-22 call: voicemail [reached:: no]", "- 2026-11-20 like: his post", "- 2026-10-01 coffee: real one"],
    ),
    "Ola": ("closeness: 2\ncadence: 7d", ["- 2026-11-10 call: weekly"]),
    "Pia": ("closeness: 3", []),
    "Quinn": ("closeness: 2\npaused: [{from: 2026-10-01, to: 2026-10-31}]", ["- 2026-09-20 coffee: before the trip"]),
    "Abe": ("closeness: 2\ntier: B", ["- 2026-10-15 coffee: x"]),
    "Zed": ("closeness: 2\ntier: A", ["- 2026-10-15 coffee: y"]),
}


def write_vault(root: Path, order: list[str] | None = None, reverse_logs: bool = False) -> None:
    (root / "people").mkdir(parents=True, exist_ok=True)
    (root / "journal").mkdir(exist_ok=True)
    (root / "vaultcrm.yaml").write_text("circles: [pals, work]\n")
    for name in order or list(PEOPLE):
        fm, log = PEOPLE[name]
        lines = list(reversed(log)) if reverse_logs else log
        (root / "people" / f"{name}.md").write_text(f"---\n{fm}\n---\n## Log\n" + "".join(f"{x}\n" for x in lines))
    (root / "journal/2026-11-23.md").write_text("- walk with [[Pia]] by the river\n")
    (root / "people/Ana.md").write_text(
        (root / "people/Ana.md").read_text() + "\n## Tasks\n- [ ] send Ana the photos 📅 2026-11-26\n"
        "- [ ] later thing 📅 2027-01-10\n- [x] done thing 📅 2026-11-25 ✅ 2026-11-20\n"
    )
    (root / "people/Ben.md").write_text(
        (root / "people/Ben.md").read_text().replace("tier: B", "tier: B\nbirthday: 1986-11-28")
    )
    (root / "people/Dan.md").write_text(
        (root / "people/Dan.md").read_text().replace("tier: C", "tier: C\nbirthday: --11-30")
    )


@pytest.fixture
def golden(tmp_path: Path) -> Run:
    write_vault(tmp_path / "g")
    return Run(tmp_path / "g")


EXPECTED_DUE = [
    # name, status, days overdue, priority
    ("Fay", "lapsed", 116, 9.733333),
    ("Cleo", "overdue", 11, 5.357143),
    ("Eve", "overdue", 35, 4.333333),
    ("Ben", "due", 5, 4.071429),
    ("Ola", "overdue", 7, 4.0),
    ("Ned", "overdue", 24, 3.6),
    ("Jon", "due", 15, 3.0),
    ("Zed", "due", 10, 2.666667),
    ("Abe", "due", 10, 2.666667),
    ("Dan", "due", 5, 2.333333),
    ("Quinn", "due", 4, 2.266667),
    ("Gus", "upcoming", 0, 0.933333),
]


def test_due_list_golden(golden: Run) -> None:
    data = golden.json("due")
    got = [(p["name"], p["status"], p["days_overdue"], round(p["priority"], 6)) for p in data["people"]]
    assert got == EXPECTED_DUE
    assert [p["name"] for p in data["not_started"]] == ["Kim"]
    assert [p["name"] for p in data["unclassified"]] == ["Lea"]
    assert [(t["text"], t["due"]) for t in data["tasks"]] == [("send Ana the photos", "2026-11-26")]
    assert [(b["name"], b["date"], b["age"]) for b in data["birthdays"]] == [
        ("Ben", "2026-11-28", 40),
        ("Dan", "2026-11-30", None),
    ]


def test_likes_and_unreached_calls_do_not_reset_the_cadence(golden: Run) -> None:
    ned = golden.json("show", "Ned")
    assert (ned["last_touch"], ned["last_type"], ned["status"]) == ("2026-10-01", "coffee", "overdue")


def test_a_daily_note_touch_counts(golden: Run) -> None:
    pia = golden.json("show", "Pia")
    assert (pia["last_touch"], pia["status"]) == ("2026-11-23", "fresh")


def test_snoozed_people_are_not_due_until_the_snooze_ends(golden: Run) -> None:
    assert "Ivy" not in [p["name"] for p in golden.json("due")["people"]]
    later = golden.json("due", today="2026-12-15")
    assert "Ivy" in [p["name"] for p in later["people"]]


def test_vault_wide_pause_days_do_not_count(golden: Run) -> None:
    before = golden.json("show", "Dan")
    assert before["days_since"] == 35
    (golden.root / "vaultcrm.yaml").write_text(
        "circles: [pals, work]\npauses:\n  - {from: 2026-11-01, to: 2026-11-10}\n"
    )
    after = golden.json("show", "Dan")
    assert after["days_since"] == 25 and after["status"] == "upcoming"
    assert after["next_due"] == "2026-11-29"


# Ana and Dan worked by hand: Ana = 95 × (0.45×0.8203 + 0.40×1 + 0.15×0.0038) = 73.1;
# Dan (one inbound message 35 days ago) = 89.57 × (0.45×0.4454 + 0.40×0.2494 + 0.15×0.0327) = 27.3
EXPECTED_HEALTH = {
    "Ana": (73, "warm"),
    "Ben": (34, "fading"),
    "Cleo": (31, "fading"),
    "Dan": (27, "fading"),
    "Eve": (22, "fading"),
    "Fay": (7, "dormant"),
    "Gus": (50, "cooling"),
    "Jon": (64, "warm"),
    "Pia": (80, "thriving"),
    "Max": (None, None),
    "Kim": (None, None),
}


def test_health_values_and_bands(golden: Run) -> None:
    rows = {p["name"]: (p["health"], p["band"]) for p in golden.json("list")}
    assert {name: rows[name] for name in EXPECTED_HEALTH} == EXPECTED_HEALTH


def test_list_by_band_and_health(golden: Run) -> None:
    assert [p["name"] for p in golden.json("list", "--band", "cooling")] == ["Abe", "Gus", "Hal", "Quinn", "Zed"]
    by_health = [p["name"] for p in golden.json("list", "--sort", "health")][:3]
    assert by_health == ["Fay", "Ivy", "Eve"]


def test_determinism_under_shuffles_and_duplicates(tmp_path: Path) -> None:
    base = tmp_path / "a"
    write_vault(base)
    expected = {cmd: Run(base)(cmd, "--json").stdout for cmd in ("due", "stats", "plan", "list")}
    names = list(PEOPLE)
    random.Random(7).shuffle(names)
    shuffled = tmp_path / "b"
    write_vault(shuffled, order=names, reverse_logs=True)
    for cmd, out in expected.items():
        assert Run(shuffled)(cmd, "--json").stdout == out, cmd
    # the same coffee with Ana, logged again in the daily note: one event, no number changes
    (base / "journal/2026-11-20.md").write_text("- coffee with [[Ana]]\n")
    assert Run(base)("list", "--json").stdout == expected["list"]


def test_stats(golden: Run) -> None:
    data = golden.json("stats")
    assert data["people"] == 19 and data["unclassified"] == 1
    assert [(layer["people"], layer["size"]) for layer in data["layers"]] == [(4, 15), (13, 50), (17, 150)]
    assert data["tiers"]["A"] == 4
    # Ana, Ben, Hal, Lea, Ola and Pia (daily note); Ned's like and unreached call are no touches
    assert data["touches_per_month"][-1] == {"month": "2026-11", "touches": 6}
    assert data["overdue_per_circle"] == {"none": 5}  # Fay, Cleo, Eve, Ned, Ola; snoozed Ivy is not counted


def test_stage_conversions_from_dated_lines(tmp_path: Path) -> None:
    root = tmp_path / "s"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("")
    (root / "people/A.md").write_text(
        "---\nstage: client\n---\n## Log\n- 2026-05-01 stage: prospect → client\n"
        "- 2026-02-01 stage: contact → prospect\n"
    )
    (root / "people/B.md").write_text("---\nstage: prospect\n---\n## Log\n- 2026-03-01 stage: contact → prospect\n")
    (root / "people/C.md").write_text("---\nstage: contact\n---\n")
    conv = {(c["from"], c["to"]): (c["moved_on"], c["people"]) for c in Run(root).json("stats")["conversions_12m"]}
    assert conv[("contact", "connection")] == (2, 3)  # A and B moved past contact; C did not
    assert conv[("prospect", "client")] == (1, 2)


def test_plan_spreads_240_quarterly_people_evenly(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("")
    rng = random.Random(3)
    for i in range(240):
        day = 1 + rng.randrange(28)
        month = rng.choice(["08", "09", "10", "11"])
        if month == "11" and day > 23:
            day = 23
        (root / f"people/P{i:03d}.md").write_text(
            f"---\ncloseness: 3\ncadence: 3m\n---\n## Log\n- 2026-{month}-{day:02d} call: x\n"
        )
    data = Run(root).json("plan")
    counts = [w["count"] for w in data["weeks"]]
    mean = sum(counts) / len(counts)
    assert all(abs(c - mean) <= 0.15 * mean for c in counts), counts
    assert data["weekly_load"] == pytest.approx(240 * 7 / 90)


def test_plan_warns_about_dunbar_layers_and_projects_reach(tmp_path: Path) -> None:
    root = tmp_path / "w"
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("")
    for i in range(16):
        log = "- 2026-11-01 call: a [reached:: no]\n- 2026-10-01 call: b\n"
        (root / f"people/C{i:02d}.md").write_text(f"---\ncloseness: 1\n---\n## Log\n{log}")
    data = Run(root).json("plan")
    assert any("16 people at closeness 1" in w for w in data["warnings"])
    assert data["reach"]["reach_rate"] == 0.5
    assert data["expected_to_reach"] == round(data["next_4_weeks"] * 0.5)
    result = Run(root)("plan")
    assert "your reach rate: 50%" in result.stdout


def test_search_finds_log_lines_with_person_and_date(golden: Run) -> None:
    hits = golden.json("search", "farm")
    assert hits == [
        {
            "path": "people/Jon.md",
            "line": 6,
            "text": "- 2026-10-10 visit: at the farm",
            "date": "2026-10-10",
            "people": ["Jon"],
        }
    ]
    assert golden.json("search", "river")[0]["people"] == ["Pia"]
    assert golden.json("search", "nothing-like-this") == []


def test_search_sees_edits(golden: Run) -> None:
    golden("log", "Ana", "call", "talked about pricing")
    assert [h["people"] for h in golden.json("search", "pric")] == [["Ana"]]


JSON_FIELDS = {
    "due": {"today", "within", "people", "not_started", "tasks", "birthdays", "unclassified"},
    "stats": {
        "today",
        "people",
        "unclassified",
        "layers",
        "circles",
        "tiers",
        "stages",
        "conversions_12m",
        "touches_per_month",
        "overdue_per_circle",
        "a_tier_touch_share_90d",
    },
    "plan": {"today", "weekly_load", "weeks", "mean_per_week", "warnings", "reach", "suggestions"},
}


@pytest.mark.parametrize("command", sorted(JSON_FIELDS))
def test_json_has_the_documented_fields(golden: Run, command: str) -> None:
    data = golden.json(command)
    assert JSON_FIELDS[command] <= set(data)
    json.dumps(data)
    docs = (Path(__file__).resolve().parents[1] / "docs/commands.md").read_text(encoding="utf-8")
    section = docs.split(f"## vaultcrm {command}", 1)[1].split("\n## ", 1)[0]
    for field in JSON_FIELDS[command]:
        assert f"`{field}`" in section, f"docs/commands.md does not document {command} --json field {field}"
