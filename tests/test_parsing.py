"""The YAML rules, the log-line grammar and what a file parses into."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultcrm import logline, yamlio
from vaultcrm.model import parse_file
from vaultcrm.settings import Folders

F = Folders()


def test_yaml_keeps_what_a_person_typed() -> None:
    data = yamlio.load("a: on\nb: yes\nc: 12:30\nd: 0123\ne: 2026-01-02\nf: true\ng: 1.5\nh: --04-15\n")
    assert data == {
        "a": "on",
        "b": "yes",
        "c": "12:30",
        "d": "0123",
        "e": dt.date(2026, 1, 2),
        "f": True,
        "g": 1.5,
        "h": "--04-15",
    }


def test_yaml_refuses_python_tags_without_running_them() -> None:
    with pytest.raises(yamlio.YAMLProblem) as err:
        yamlio.load("a: 1\nb: !!python/object/apply:os.system ['echo pwned']\n")
    assert err.value.line == 2
    assert "!!python/object/apply:os.system" in err.value.reason


def test_an_impossible_date_stays_text() -> None:
    assert yamlio.load("d: 2026-02-30") == {"d": "2026-02-30"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- 2026-11-20 coffee: talked #idea", ("coffee", "talked #idea", None, {}, (), ("idea",))),
        (
            "- 2026-11-18 09:05 message: intro to [[Anna Schmidt|Anna]] [dir:: in]",
            (
                "message",
                "intro to [[Anna Schmidt|Anna]] [dir:: in]",
                "09:05",
                {"dir": "in"},
                ("Anna Schmidt",),
                (),
            ),
        ),
        (
            "* 2026-11-02 call: voicemail (reached:: no)",
            ("call", "voicemail (reached:: no)", None, {"reached": "no"}, (), ()),
        ),
        (
            "- 2026-11-02 dinner: [with:: [[A]], [[B]]] #deep",
            (
                "dinner",
                "[with:: [[A]], [[B]]] #deep",
                None,
                {"with": "[[A]], [[B]]"},
                (),  # links inside [with:: …] are participants, not text links
                ("deep",),
            ),
        ),
        ("- 2026-11-02 call:", ("call", "", None, {}, (), ())),
    ],
)
def test_log_line_grammar(line: str, expected: tuple) -> None:
    parsed = logline.parse(line)
    assert parsed is not None
    assert (
        parsed.type,
        parsed.text,
        parsed.time,
        parsed.fields,
        parsed.links,
        parsed.tags,
    ) == expected


def test_reserved_lines() -> None:
    change = logline.parse("- 2026-11-23 closeness: 3 → 2")
    assert change is not None and change.reserved and (change.type, change.old, change.new) == ("closeness", "3", "2")
    archived = logline.parse("- 2026-11-23 archived")
    assert archived is not None and archived.reserved and archived.type == "archived"


@pytest.mark.parametrize("line", ["- 2026-13-01 call: x", "- 2026-11-01 25:00 call: x", "- 2026-11-01 no colon here"])
def test_malformed_dated_items_are_errors(line: str) -> None:
    with pytest.raises(logline.LineError):
        logline.parse(line)


@pytest.mark.parametrize("line", ["- [ ] task 📅 2026-12-01", "plain text", "- undated item", "## Log"])
def test_other_lines_are_not_log_lines(line: str) -> None:
    assert logline.parse(line) is None


@given(
    st.dates(),
    st.sampled_from(["call", "coffee", "e-mail"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="[]()"),
        max_size=40,
    ),
)
def test_format_then_parse_roundtrips(day: dt.date, type_: str, text: str) -> None:
    line = logline.format_line(day, type_, text, {"dir": "out", "min": "30"})
    parsed = logline.parse(line)
    assert parsed is not None and not parsed.reserved
    assert (parsed.date, parsed.type, parsed.fields) == (day, type_, {"dir": "out", "min": "30"})
    assert " ".join(text.split()) in parsed.text


def test_person_file_parses_into_a_record() -> None:
    text = (
        '---\nname: Klaus\nclosseness: 2\ncloseness: 2\nbirthday: --02-29\nknows:\n  - "[[Anna]]"\n'
        '  - {who: "[[Ed]]", closeness: 4, note: once}\ncompany: "[[Acme]]"\n---\n'
        "## Log\n- 2026-11-20 coffee: x [with:: [[Anna]]]\n- 2026-11-19 nonsense\n\n## Tasks\n- [ ] do 📅 2026-12-01\n"
    )
    pf = parse_file("people/Klaus.md", text, F)
    p = pf.person
    assert p is not None
    assert (p.name, p.closeness, p.birthday, p.company) == ("Klaus", 2, "--02-29", "Acme")
    assert [(k.who, k.closeness) for k in p.knows] == [("Anna", None), ("Ed", 4)]
    assert p.meta["closseness"] == 2  # unknown keys are kept
    assert [(e.type, e.with_) for e in pf.entries] == [("coffee", ("Anna",))]
    assert [(d.line, d.severity) for d in pf.diagnostics] == [(13, "warning")]
    assert [(t.due, t.is_open) for t in pf.tasks] == [(dt.date(2026, 12, 1), True)]


def test_wrong_types_are_diagnostics_with_lines() -> None:
    pf = parse_file("people/X.md", "---\ncloseness: 7\nkin: maybe\nemails: {a: 1}\nadded: soon\n---\n", F)
    assert pf.person is not None and pf.person.closeness is None
    assert [(d.line, d.message.split(":")[0]) for d in pf.diagnostics] == [
        (2, "'closeness'"),
        (3, "'kin'"),
        (4, "'emails'"),
        (5, "'added'"),
    ]


def test_daily_note_items_and_completed_tasks() -> None:
    text = (
        "- coffee with [[Klaus Breyer]] at the new place\n- went running with [[Klaus Breyer]]\n"
        "- [x] call [[Anna]] about it ✅ 2026-11-21\n- [x] call [[Ed]] no date\n- note without link\n"
    )
    pf = parse_file("journal/2026-11-20.md", text, F)
    assert [(e.date.isoformat(), e.type, e.links, e.source) for e in pf.entries] == [
        ("2026-11-20", "coffee", ("Klaus Breyer",), "daily"),
        ("2026-11-20", "went", ("Klaus Breyer",), "daily"),  # not a type: dropped when resolved
        ("2026-11-21", "call", ("Anna",), "task"),
    ]


def test_review_note_plain_done_task_is_dated_the_monday() -> None:
    pf = parse_file("reviews/2026-W47.md", "- [x] Call [[Klaus Breyer]] · 12 days overdue\n", F)
    assert [(e.date, e.type) for e in pf.entries] == [(dt.date(2026, 11, 16), "Call")]


def test_conflict_markers_make_the_file_unreadable() -> None:
    pf = parse_file("people/A.md", "---\na: 1\n---\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n", F)
    assert pf.fatal is not None and pf.fatal.line == 4 and pf.person is None


def test_log_lines_in_code_fences_and_comments_are_not_interactions() -> None:
    text = (
        "## Log\n- 2026-11-01 call: real\n```\n- 2026-11-07 call: in a code fence\n```\n"
        "<!-- example:\n- 2026-11-08 call: in a comment\n-->\n"
    )
    pf = parse_file("people/X.md", text, F)
    assert [e.text for e in pf.entries] == ["real"]


def test_daily_item_with_only_a_with_field_counts() -> None:
    pf = parse_file("journal/2026-11-05.md", "- 2026-11-05 call: [with:: [[Ed Miller]]]\n", F)
    assert [(e.type, e.with_) for e in pf.entries] == [("call", ("Ed Miller",))]


def test_phone_numbers_keep_their_plus() -> None:
    pf = parse_file("people/X.md", "---\nphones: [+4917012345, +1 555 0100]\n---\n", F)
    assert pf.person is not None and pf.person.phones == ("+4917012345", "+1 555 0100")
