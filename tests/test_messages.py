"""Message templates and A/B tests: variant choice, the ab figures, drafts, log --template."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultcrm import messages
from vaultcrm.cli import cli
from vaultcrm.messages import Send, Tally, Touch, choose_variant

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 24)


# ---------------------------------------------------------------------------
# Choosing a variant (pure)


def _record(tally: dict[str, Tally], variant: str, replied: bool) -> None:
    t = tally.get(variant, Tally())
    tally[variant] = Tally(t.sends + 1, t.replies + replied, t.misses + (not replied))


def test_variant_choice_is_balanced_until_each_has_five_sends() -> None:
    tally: dict[str, Tally] = {}
    hows = []
    for i in range(15):
        choice = choose_variant(["a", "b", "c"], tally, "reconnect", f"people/P{i}.md", DAY)
        hows.append(choice.how)
        _record(tally, choice.variant, replied=(i % 2 == 0))
        counts = [tally.get(v, Tally()).sends for v in "abc"]
        assert max(counts) - min(counts) <= 1, counts  # never more than one ahead
    assert [tally[v].sends for v in "abc"] == [5, 5, 5]
    assert hows == ["balance"] * 15
    # from now on the reply rates decide
    assert choose_variant(["a", "b", "c"], tally, "reconnect", "people/X.md", DAY).how == "thompson"


def test_the_same_person_and_day_get_the_same_variant() -> None:
    tally = {"a": Tally(20, 5, 15), "b": Tally(20, 7, 13)}
    picks = [choose_variant(["a", "b"], tally, "reconnect", "people/Klaus Breyer.md", DAY) for _ in range(20)]
    assert all(p == picks[0] for p in picks)
    # different people on the same day do not all get the same variant
    others = {choose_variant(["a", "b"], tally, "reconnect", f"people/P{i}.md", DAY).variant for i in range(40)}
    assert others == {"a", "b"}


def test_the_choice_is_the_same_in_every_python_run() -> None:
    """No salted hash(): another interpreter with another hash seed draws the same numbers."""
    assert messages.seed_for("reconnect", "people/Klaus Breyer.md", DAY) == int.from_bytes(
        __import__("hashlib").blake2b(b"reconnect\x1fpeople/Klaus Breyer.md\x1f2026-11-24", digest_size=8).digest(),
        "big",
    )
    code = (
        "import datetime as dt, json; from vaultcrm.messages import choose_variant, Tally;"
        "t = {'a': Tally(20, 5, 15), 'b': Tally(20, 7, 13)};"
        "print(json.dumps([choose_variant(['a', 'b'], t, 'reconnect', f'people/P{i}.md', dt.date(2026, 11, 24)).draws"
        " for i in range(5)]))"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_thompson_sampling_favours_the_better_variant() -> None:
    """2,000 simulated sends, true reply rates 20% (a) and 35% (b): b gets ≥ 70% of the last 1,000."""
    truth = {"a": 0.20, "b": 0.35}
    world = random.Random(20261124)
    tally: dict[str, Tally] = {}
    picks = []
    for i in range(2000):
        day = DAY + dt.timedelta(days=i // 10)
        choice = choose_variant(["a", "b"], tally, "reconnect", f"people/P{i}.md", day)
        _record(tally, choice.variant, world.random() < truth[choice.variant])
        picks.append(choice.variant)
    later = picks[1000:]
    assert later.count("b") / len(later) >= 0.70
    assert picks[:10].count("a") == 5  # the first ten are balanced


def test_a_reply_belongs_to_the_latest_send_before_it() -> None:
    sends = [
        Send("p.md", "reconnect", "a", dt.date(2026, 10, 1), "p.md", 9),
        Send("p.md", "reconnect", "b", dt.date(2026, 10, 5), "p.md", 8),
    ]
    touches = {"p.md": [Touch(dt.date(2026, 10, 6), "message", "in"), Touch(dt.date(2026, 10, 7), "message", "in")]}
    found = {o.send.variant: o for o in messages.outcomes(sends, touches, 14, DAY)}
    assert found["b"].replied_on == dt.date(2026, 10, 6)
    assert found["a"].replied_on is None and found["a"].decided  # a miss: the window has passed


def test_outbound_and_mutual_messages_are_not_replies() -> None:
    assert messages.is_reply(Touch(DAY, "message", "in"))
    assert messages.is_reply(Touch(DAY, "call", "mutual"))
    assert messages.is_reply(Touch(DAY, "meet", "mutual"))
    assert not messages.is_reply(Touch(DAY, "message", "mutual"))
    assert not messages.is_reply(Touch(DAY, "call", "out"))


# ---------------------------------------------------------------------------
# A hand-built history and its ab figures

A_TEMPLATE = "Hi {{ first_name }}, it's been {{ days_since }} days.\n"
B_TEMPLATE = "Hello {{ first_name }}!\n"

# person: log lines (template sends, replies and setting changes); today is 2026-11-24, window 14 days
HISTORY = {
    # variant a: 6 sends, 2 replies (2 and 9 days), 3 misses, 1 pending
    "A1": [
        "- 2026-10-15 stage: contact → connection",
        "- 2026-10-03 message: thanks! [dir:: in]",
        "- 2026-10-01 message: [dir:: out] [template:: reconnect/a]",
    ],
    "A2": ["- 2026-10-10 call: caught up", "- 2026-10-01 message: [dir:: out] [template:: reconnect/a]"],
    "A3": [
        "- 2026-10-20 message: too late to count [dir:: in]",
        "- 2026-10-01 message: [dir:: out] [template:: reconnect/a]",
    ],
    "A4": ["- 2026-10-05 email: [dir:: out] [template:: reconnect/a]"],
    "A5": ["- 2026-10-06 message: a mutual message is no reply", "- 2026-10-05 message: [template:: reconnect/a]"],
    "A6": ["- 2026-11-20 message: [dir:: out] [template:: reconnect/a]"],
    # variant b: 5 sends, 4 replies (1, 1, 3, 5 days), 1 miss
    "B1": [
        "- 2026-10-20 closeness: 3 → 2",
        "- 2026-10-02 message: yes! [dir:: in]",
        "- 2026-10-01 message: [dir:: out] [template:: reconnect/b]",
    ],
    "B2": ["- 2026-10-02 whatsapp: sure [dir:: in]", "- 2026-10-01 message: [dir:: out] [template:: reconnect/b]"],
    "B3": [
        "- 2026-10-04 call: [dir:: in]",
        "- 2026-10-01 message: [dir:: out] [template:: reconnect/b]",
        "- 2026-03-01 closeness: 3 → 2",
    ],
    "B4": ["- 2026-10-06 coffee: at last", "- 2026-10-01 message: [dir:: out] [template:: reconnect/b]"],
    "B5": ["- 2026-10-01 message: [dir:: out] [template:: reconnect/b]"],
}


def make_vault(root: Path, history: dict[str, list[str]] | None = None, settings: str = "") -> Path:
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("circles: [pals]\n" + settings, encoding="utf-8")
    for name, lines in (history if history is not None else HISTORY).items():
        body = "\n".join(lines)
        (root / "people" / f"{name} Test.md").write_text(
            f"---\ncloseness: 3\nstage: contact\n---\n\n## Log\n{body}\n", encoding="utf-8"
        )
    folder = root / "templates" / "messages" / "reconnect"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(A_TEMPLATE, encoding="utf-8")
    (folder / "b.md").write_text(B_TEMPLATE, encoding="utf-8")
    return root


def invoke(root: Path, *args: str, today: str = "2026-11-24", env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", today, *args], catch_exceptions=False, env=env)


def p_b_beats_a(a: tuple[int, int], b: tuple[int, int]) -> float:
    """P(Beta(*b) > Beta(*a)) in closed form for whole-number parameters (Evan Miller's formula)."""

    def lbeta(x: float, y: float) -> float:
        return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)

    (aa, ba), (ab_, bb) = a, b
    return sum(
        math.exp(lbeta(aa + i, ba + bb) - math.log(bb + i) - lbeta(1 + i, bb) - lbeta(aa, ba)) for i in range(ab_)
    )


def test_ab_figures_for_a_hand_built_history(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v")
    result = invoke(root, "ab", "reconnect", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reply_within"] == 14
    (t,) = data["templates"]
    a, b = t["variants"]
    assert (a["variant"], a["sends"], a["replies"], a["misses"], a["pending"]) == ("a", 6, 2, 3, 1)
    assert (b["variant"], b["sends"], b["replies"], b["misses"], b["pending"]) == ("b", 5, 4, 1, 0)
    assert a["reply_rate"] == 0.4 and b["reply_rate"] == 0.8
    # Wilson 95%, worked by hand: n = 5, z² = 3.8415, denominator 1 + z²/n = 1.7683
    #   a: centre (0.4 + 0.38415) / 1.7683 = 0.4435, half 1.96·√(0.048 + 0.038415) / 1.7683 = 0.3258
    #   b: centre (0.8 + 0.38415) / 1.7683 = 0.6697, half 1.96·√(0.032 + 0.038415) / 1.7683 = 0.2941
    assert a["interval"] == pytest.approx([0.1176, 0.7693], abs=1e-4)
    assert b["interval"] == pytest.approx([0.3755, 0.9638], abs=1e-4)
    assert a["median_days_to_reply"] == 5.5  # 2 and 9 days
    assert b["median_days_to_reply"] == 2  # 1, 1, 3, 5 days
    # Beta(1 + 2, 1 + 3) against Beta(1 + 4, 1 + 1), by an independent closed form
    expected = p_b_beats_a((3, 4), (5, 2))
    assert b["p_best"] == pytest.approx(expected, abs=1e-3)
    assert a["p_best"] + b["p_best"] == pytest.approx(1.0, abs=1e-3)
    # who moved within 90 days of the send: A1 up a stage, B1 closer (B3's move came before)
    assert (a["people"], a["stage_up"], a["moved_closer"], a["moved"]) == (6, 1, 0, 1)
    assert (b["people"], b["stage_up"], b["moved_closer"], b["moved"]) == (5, 0, 1, 1)
    assert t["verdict"]["winner"] is None
    assert t["verdict"]["message"].startswith("not enough data to tell: b leads with a")


def test_the_figures_are_the_same_when_the_whole_vault_is_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recipients read one by one or the whole vault at once: the same figures."""
    root = make_vault(tmp_path / "v")
    few = json.loads(invoke(root, "ab", "--json").stdout)
    monkeypatch.setattr(messages, "BULK_SHARE", 2.0)
    assert json.loads(invoke(root, "ab", "--json").stdout) == few


def test_ab_table_and_the_not_enough_data_rule(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {k: v for k, v in HISTORY.items() if k.startswith("A")})
    result = invoke(root, "ab")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "reconnect · 6 sends"
    # P(best) of a: P(Beta(3, 4) > Beta(1, 1)) = the mean of Beta(3, 4) = 3/7 = 43%
    assert lines[2].split() == ["a", "6", "2", "(+1", "pending)", "40%", "12%–77%", "43%", "5.5", "1", "of", "6"]
    assert lines[3].split() == ["b", "0", "0", "-", "-", "57%", "-", "-"]
    assert "Not enough data to tell: b has fewer than 5 decided sends." in result.stdout


def test_a_clear_winner_is_named(tmp_path: Path) -> None:
    history = {
        f"W{i}": [f"- 2026-10-01 message: [dir:: out] [template:: reconnect/{'a' if i < 20 else 'b'}]"]
        for i in range(40)
    }
    for i in range(20, 36):  # b: 16 of 20 reply; a: none of 20
        history[f"W{i}"].insert(0, "- 2026-10-03 message: [dir:: in]")
    root = make_vault(tmp_path / "v", history)
    data = json.loads(invoke(root, "ab", "--json").stdout)
    verdict = data["templates"][0]["verdict"]
    assert verdict["winner"] == "b" and verdict["enough_data"]
    assert verdict["message"] == "b is best with a 100% chance"


def test_ab_for_an_unknown_template_is_an_error(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {})
    result = invoke(root, "ab", "welcome")
    assert result.exit_code == 2
    assert "no message template 'welcome'" in result.stderr and "templates: reconnect" in result.stderr


# ---------------------------------------------------------------------------
# Drafts


DRAFT = """{#- a comment that is never sent -#}
Hi {{ first_name }},
last time: {{ last.type }} on {{ last.date }} ({{ last.text }}), {{ days_since }} days ago.
{% if interest %}Still into {{ interest }}?{% endif %} ({{ person.role }}, {{ company }})
{{ me.name }}
"""


def test_draft_renders_the_persons_fields_last_touch_and_a_shared_interest(vault: Path, run) -> None:  # type: ignore[no-untyped-def]
    with (vault / "vaultcrm.yaml").open("a", encoding="utf-8") as fh:
        fh.write("me:\n  name: Sam\n  interests: [climbing, berlin]\n")
    folder = vault / "templates/messages/hello"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(DRAFT, encoding="utf-8")
    result = run("draft", "Klaus", "--template", "hello")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Hi Klaus,\n"
        "last time: coffee on 2026-11-20 (talked about his new startup #idea), 4 days ago.\n"
        "Still into berlin? (CTO, Acme GmbH)\n"
        "Sam\n"
    )
    assert "(hello/a: the only variant · templates/messages/hello/a.md)" in result.stderr
    data = run.json("draft", "Klaus", "--template", "hello")
    assert data["variant"] == "a" and data["chosen_by"] == "only" and data["logged"] is None


def test_without_me_interests_the_closest_peoples_tags_are_yours(tmp_path: Path) -> None:
    from vaultcrm.model import Person

    closest = [
        Person("people/A.md", "A", closeness=1, tags=("climbing", "music")),
        Person("people/B.md", "B", closeness=1, tags=("climbing",)),
    ]
    mine = messages.my_interests((), closest)
    assert mine == ["climbing", "music"]
    assert messages.shared_interests(("Music", "film"), mine) == ["music"]
    assert messages.my_interests(("#Sailing",), closest) == ["sailing"]


def test_draft_chooses_and_logs_balanced_variants(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": ["- 2026-01-05 coffee: hello"]})
    person = root / "people/Kim Test.md"
    for day in range(1, 11):
        result = invoke(root, "draft", "Kim", "--template", "reconnect", "--log", today=f"2026-03-{day:02d}")
        assert result.exit_code == 0, result.output
        assert "Logged in people/Kim Test.md: - 2026-03-" in result.stderr
    text = person.read_text(encoding="utf-8")
    assert text.count("[template:: reconnect/a]") == 5
    assert text.count("[template:: reconnect/b]") == 5
    assert "- 2026-03-10 message: [dir:: out] [template:: reconnect/" in text


def test_draft_is_the_same_for_the_same_person_and_day(tmp_path: Path) -> None:
    history = {f"P{i}": [f"- 2026-10-01 message: [dir:: out] [template:: reconnect/{'ab'[i % 2]}]"] for i in range(12)}
    root = make_vault(tmp_path / "v", history)
    first = json.loads(invoke(root, "draft", "P3", "--template", "reconnect", "--json").stdout)
    again = json.loads(invoke(root, "draft", "P3", "--template", "reconnect", "--json").stdout)
    assert first["chosen_by"] == "thompson"
    assert first == again


def test_a_template_error_names_the_file_and_line(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": []})
    (root / "templates/messages/reconnect/a.md").write_text("Hi\n{{ nope.name }}\n", encoding="utf-8")
    result = invoke(root, "draft", "Kim", "--template", "reconnect", "--variant", "a")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: templates/messages/reconnect/a.md:2: template error:")
    (root / "templates/messages/reconnect/b.md").write_text("Hi\n\n{% if %}\n", encoding="utf-8")
    result = invoke(root, "draft", "Kim", "--template", "reconnect", "--variant", "b")
    assert result.stderr.startswith("Error: templates/messages/reconnect/b.md:3: template error:")


def test_an_unknown_template_or_variant_is_a_clear_error(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": []})
    result = invoke(root, "draft", "Kim", "--template", "welcome")
    assert result.exit_code == 2
    assert "no message template 'welcome' (templates/messages/welcome/ has no .md variants)" in result.stderr
    result = invoke(root, "draft", "Kim", "--template", "reconnect", "--variant", "c")
    assert "the message template 'reconnect' has no variant 'c' (hint: variants: a, b" in result.stderr


def test_copy_uses_a_clipboard_tool_when_there_is_one(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": []})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clip = tmp_path / "clipboard.txt"
    tool = bin_dir / "xclip"
    tool.write_text(f'#!/bin/sh\nexec /bin/cat > "{clip}"\n', encoding="utf-8")
    tool.chmod(0o755)
    result = invoke(
        root, "draft", "Kim", "--template", "reconnect", "--variant", "b", "--copy", env={"PATH": str(bin_dir)}
    )
    assert result.exit_code == 0
    assert clip.read_text(encoding="utf-8") == "Hello Kim!\n"
    assert "Copied with xclip." in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(
        root, "draft", "Kim", "--template", "reconnect", "--variant", "b", "--copy", env={"PATH": str(empty)}
    )
    assert result.exit_code == 0 and result.stdout == "Hello Kim!\n"
    assert "Not copied: no clipboard tool found (pbcopy, wl-copy, xclip, xsel, clip.exe)." in result.stderr


# ---------------------------------------------------------------------------
# log --template


def test_log_template_writes_one_line_with_the_variant_and_out(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": ["- 2026-01-05 coffee: hello"]})
    path = root / "people/Kim Test.md"
    before = path.read_text(encoding="utf-8").splitlines()
    result = invoke(root, "log", "Kim", "message", "--template", "reconnect/b")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ["- 2026-11-24 message: [dir:: out] [template:: reconnect/b]"]
    assert len(after) == len(before) + 1
    # it counts as a send
    data = json.loads(invoke(root, "ab", "--json").stdout)
    assert [v["sends"] for v in data["templates"][0]["variants"]] == [0, 1]


def test_log_template_refuses_a_variant_that_does_not_exist(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": []})
    before = (root / "people/Kim Test.md").read_bytes()
    result = invoke(root, "log", "Kim", "message", "--template", "reconnect/c")
    assert result.exit_code == 2
    assert "Error: the message template 'reconnect' has no variant 'c'" in result.stderr
    result = invoke(root, "log", "Kim", "message", "--template", "reconnect")
    assert "'reconnect' is not NAME/VARIANT" in result.stderr
    assert (root / "people/Kim Test.md").read_bytes() == before


def test_the_shipped_templates_render(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Kim": ["- 2026-01-05 coffee: hello"]})
    for variant in ("a", "b"):
        source = ROOT / f"vault-template/templates/messages/reconnect/{variant}.md"
        (root / f"templates/messages/reconnect/{variant}.md").write_bytes(source.read_bytes())
    a = invoke(root, "draft", "Kim", "--template", "reconnect", "--variant", "a")
    assert (
        a.stdout
        == "Hi Kim,\n\nit's been 11 months since we last spoke, and I was thinking of you. How are you doing?\n"
    )
    b = invoke(root, "draft", "Kim", "--template", "reconnect", "--variant", "b")
    assert b.stdout.startswith("Hi Kim!\n\nI remembered our coffee (hello) the other day. Would you be up")
