"""The one-pass log-line parser (``logline.parse``'s fast path) answers exactly as the general
grammar does: same record, same error, same ``None``, for any line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultcrm import logline

# pieces a log line is made of, glued in any order (so that near-misses are generated too)
PIECES = st.sampled_from(
    [
        "-",
        "*",
        "+",
        " ",
        "  ",
        "\t",
        "   ",
        "2026-11-24",
        "2026-02-30",
        "2026-1-1",
        "9:30",
        "09:05",
        "24:00",
        "12:61",
        "١٢:30",
        "call",
        "Call",
        "coffee-chat",
        "closeness",
        "Stage",
        "archived",
        "unarchived",
        "3 → 2",
        "-> 4",
        ":",
        "::",
        " :",
        "[[Anna Weber]]",
        "[[people/Ed.md|Ed]]",
        "#idea",
        "#1",
        "[dir:: out]",
        "[with:: [[A]], [[B]]]",
        "(min:: 30)",
        "[reached:: no]",
        "with",
        "and",
        "x",
        "asked about the move",
        "\r",
        "\r\n",
        "\x0c",
        "\u00a0",
        "é",
        "_",
        "1st",
        "[",
        "]",
        "(",
        ")",
    ]  # fmt: skip
)
lines = st.lists(PIECES, max_size=12).map("".join)
typical = st.builds(
    lambda bullet, ws, date, time, word, colon, text, tail: f"{bullet}{ws}{date}{time}{ws}{word}{colon}{text}{tail}",
    st.sampled_from(["-", "*", "+", " -", "   -", "    -", "x"]),
    st.sampled_from([" ", "\t", "  ", ""]),
    st.sampled_from(["2026-11-24", "2026-13-01", "2026-11-2"]),
    st.sampled_from(["", " 9:30", " 23:59", " 24:10", " 7:5"]),
    st.sampled_from(["call", "Closeness", "archived", "tier", "coffee-chat", "_x", "1on1", "Café"]),
    st.sampled_from([":", " :", "", ": ", ":x"]),
    st.text(max_size=30) | lines,
    st.sampled_from(["", " ", "\t ", "\r\n", "\n"]),
)


def outcome(fn, line):  # noqa: ANN001, ANN201 - test helper
    try:
        return ("ok", fn(line))
    except logline.LineError as exc:
        return ("error", str(exc))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(lines, typical))
def test_fast_path_answers_as_the_general_grammar(line: str) -> None:
    assert outcome(logline.parse, line) == outcome(logline._parse_general, line.rstrip("\r\n"))


def test_common_lines() -> None:
    p = logline.parse("- 2026-05-03 9:05 coffee: asked about the move with [[Anna Weber]] #idea [dir:: out]")
    assert p is not None
    assert (p.date.isoformat(), p.time, p.type, p.links, p.tags, p.fields) == (
        "2026-05-03",
        "09:05",
        "coffee",
        ("Anna Weber",),
        ("idea",),
        {"dir": "out"},
    )
    assert p.plain == "asked about the move with [[Anna Weber]] #idea"
    reserved = logline.parse("- 2026-11-23 closeness: 3 → 2")
    assert reserved is not None and reserved.reserved and (reserved.old, reserved.new) == ("3", "2")
