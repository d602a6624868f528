"""document.py: split/join keeps every byte; edits change only their own lines."""

from __future__ import annotations

import datetime as dt
import difflib

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vaultcrm import document, yamlio
from vaultcrm.errors import WriteRefused

ODD = (
    "\ufeff---\r\n"
    "name: 'Anna Schmidt'   # as she writes it\r\n"
    "# a comment line\r\n"
    "closeness: 3 # met twice\r\n"
    'quoted: "x"\r\n'
    "tags:\r\n"
    "- a\r\n"
    "- 'b'\r\n"
    "custom: {nested: [1, 2]}\r\n"
    "---\r\n"
    "Notes.\r\n"
    "\r\n"
    "## Log\r\n"
    "- 2026-09-01 coffee: x\r\n"
    "- 2026-06-10 message: y\r\n"
    "\r\n"
    "## Tasks\r\n"
    "- [ ] t\r\n"
)


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines between two texts, newline characters included."""
    removed, added = [], []
    for op in difflib.ndiff(document.lines(old), document.lines(new)):
        if op.startswith("- "):
            removed.append(op[2:])
        elif op.startswith("+ "):
            added.append(op[2:])
    return removed, added


@pytest.mark.parametrize(
    "text",
    [
        "",
        "---",
        "---\n",
        "---\n---\n",
        "---\na: 1\n---\nbody",
        "\ufeff---\r\na: 1\r\n---\r\n",
        "no header\n",
        "---\nunclosed: 1\n",
        "---\na: 1\n...\nbody\n",
        "\n---\na: 1\n---\n",
    ],
)
def test_split_join_examples(text: str) -> None:
    assert document.join(document.split(text)) == text


def test_split_finds_the_header() -> None:
    doc = document.split(ODD)
    assert doc.bom == "\ufeff"
    assert doc.newline == "\r\n"
    assert doc.header is not None and doc.header.startswith("name: 'Anna Schmidt'")
    assert doc.body.startswith("Notes.")
    assert document.split("---\nunclosed: 1\n").unclosed


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
@example("\ufeff---\r\nx: 1\r\n---\r\n\x0b\u2028body")
def test_split_join_roundtrip_property(text: str) -> None:
    assert document.join(document.split(text)) == text


def test_set_scalar_keeps_comment_and_everything_else() -> None:
    new = document.set_key(ODD, "closeness", 2)
    removed, added = changed_lines(ODD, new)
    assert removed == ["closeness: 3 # met twice\r\n"]
    assert added == ["closeness: 2 # met twice\r\n"]


def test_set_keeps_quoting_style() -> None:
    new = document.set_key(ODD, "name", "Anna B. Schmidt")
    assert "name: 'Anna B. Schmidt'   # as she writes it\r\n" in new
    new = document.set_key(ODD, "quoted", "y")
    assert 'quoted: "y"\r\n' in new


def test_set_block_list_becomes_flow_only_on_its_lines() -> None:
    new = document.set_key(ODD, "tags", ["x", "y z"])
    removed, added = changed_lines(ODD, new)
    assert removed == ["tags:\r\n", "- a\r\n", "- 'b'\r\n"]
    assert added == ["tags: [x, y z]\r\n"]


def test_set_new_key_goes_at_the_end_of_the_header() -> None:
    new = document.set_key(ODD, "stage", "client")
    assert "custom: {nested: [1, 2]}\r\nstage: client\r\n---\r\n" in new


def test_set_on_a_file_without_header_creates_one() -> None:
    assert document.set_key("Just notes.\n", "closeness", 2) == "---\ncloseness: 2\n---\nJust notes.\n"


def test_set_quotes_values_that_yaml_would_misread() -> None:
    for value in [
        "yes",
        "12:30",
        "0123",
        "[[Acme GmbH]]",
        "a: b",
        "#x",
        "- a",
        "",
        " x",
        "true",
        "null",
        "3",
    ]:
        new = document.set_key("---\na: 1\n---\n", "k", value)
        assert yamlio.load(document.split(new).header or "")["k"] == value


def test_set_refuses_an_unparseable_header() -> None:
    with pytest.raises(WriteRefused):
        document.set_key("---\na: [1,\n---\n", "b", 1)


def test_remove_key() -> None:
    new = document.remove_key(ODD, "tags")
    assert "tags" not in new and "- 'b'" not in new
    assert new.count("\r\n") == ODD.count("\r\n") - 3


def test_log_goes_newest_first_by_default() -> None:
    new = document.add_to_section(ODD, "Log", "- 2026-11-24 call: z", "2026-11-24")
    assert "## Log\r\n- 2026-11-24 call: z\r\n- 2026-09-01 coffee: x\r\n" in new
    new = document.add_to_section(ODD, "Log", "- 2026-07-01 call: z", "2026-07-01")
    assert "- 2026-09-01 coffee: x\r\n- 2026-07-01 call: z\r\n- 2026-06-10" in new


def test_an_oldest_first_log_stays_oldest_first() -> None:
    text = "## Log\n- 2026-01-01 call: a\n- 2026-02-01 call: b\n\n## Tasks\n"
    new = document.add_to_section(text, "Log", "- 2026-03-01 call: c", "2026-03-01")
    assert new == "## Log\n- 2026-01-01 call: a\n- 2026-02-01 call: b\n- 2026-03-01 call: c\n\n## Tasks\n"


def test_missing_log_section_is_created_at_the_end() -> None:
    assert document.add_to_section("---\na: 1\n---\nNotes.\n", "Log", "- 2026-01-01 call: a", "2026-01-01") == (
        "---\na: 1\n---\nNotes.\n\n## Log\n- 2026-01-01 call: a\n"
    )
    assert document.add_to_section("---\na: 1\n---\n", "Log", "- 2026-01-01 call: a") == (
        "---\na: 1\n---\n## Log\n- 2026-01-01 call: a\n"
    )


def test_a_log_heading_inside_a_code_block_is_not_the_log() -> None:
    text = "```\n## Log\n```\n"
    new = document.add_to_section(text, "Log", "- 2026-01-01 call: a", "2026-01-01")
    assert new == "```\n## Log\n```\n\n## Log\n- 2026-01-01 call: a\n"


def test_no_final_newline_is_kept() -> None:
    new = document.add_to_section("## Log\n- 2026-01-01 call: a", "Log", "- 2026-01-02 call: b", "2026-01-02")
    assert new == "## Log\n- 2026-01-02 call: b\n- 2026-01-01 call: a"


def test_conflict_markers_are_found() -> None:
    text = "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> theirs\n"
    assert document.conflict_line(text) == 2
    assert document.conflict_line("a <<<<<<< b\n") is None


# -- properties: edits change nothing outside the intended lines ---------------------------

safe_line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30)
body_lines = st.lists(safe_line, max_size=8)


@st.composite
def notes(draw: st.DrawFn) -> str:
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    keys = draw(st.lists(st.sampled_from(["name", "circle", "x-y", "tags", "note"]), unique=True, max_size=4))
    header = ""
    for key in keys:
        value = draw(st.sampled_from(["1", "'q'", '"d"', "plain text", "[a, b]", "{a: 1}", "2026-01-02"]))
        comment = draw(st.sampled_from(["", "  # c"]))
        header += f"{key}: {value}{comment}{nl}"
        if draw(st.booleans()):
            header += f"# comment{nl}"
    before = draw(body_lines)
    after = draw(body_lines)
    log = draw(st.lists(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)), max_size=5))
    log_lines = [f"- {d.isoformat()} call: x" for d in sorted(log, reverse=draw(st.booleans()))]
    parts = [f"---{nl}{header}---{nl}"] if draw(st.booleans()) else []
    parts += [line + nl for line in before if not line.lstrip().startswith(("#", "<", ">", "```", "~~~", "-", "|"))]
    if draw(st.booleans()):
        parts += [f"## Log{nl}"] + [line + nl for line in log_lines]
    parts += [line + nl for line in after if not line.lstrip().startswith(("#", "<", ">", "```", "~~~", "-", "|"))]
    text = bom + "".join(parts)
    if text.endswith(nl) and draw(st.booleans()):
        text = text[: -len(nl)]
    return text


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(notes(), st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)))
def test_append_adds_exactly_one_line(text: str, day: dt.date) -> None:
    line = f"- {day.isoformat()} coffee: new"
    new = document.add_to_section(text, "Log", line, day.isoformat())
    removed, added = changed_lines(text, new)
    nl = document.newline_of(text)
    # the only other possible change: a final line that gains the newline it lacked
    assert [r for r in removed if r.rstrip("\r\n") + nl not in added] == []
    assert [a for a in added if a.rstrip("\r\n") == line] != []
    assert len([a for a in added if a.rstrip("\r\n") not in (line, "## Log", "")]) <= len(removed)
    assert new.startswith("\ufeff") == text.startswith("\ufeff")
    assert new.endswith("\n") == (text.endswith("\n") or text == "")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    notes(),
    st.sampled_from(["closeness", "name", "tags", "circle"]),
    st.one_of(st.integers(1, 4), safe_line, st.lists(safe_line, max_size=3)),
)
def test_set_changes_only_its_key(text: str, key: str, value: object) -> None:
    try:
        before = document._parse_header(text)
    except yamlio.YAMLProblem:
        return
    new = document.set_key(text, key, value)
    after = document._parse_header(new)
    assert after[key] == value
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
    removed, added = changed_lines(text, new)
    assert all(not r.startswith(tuple(k for k in before if k != key)) for r in removed)
    assert document.split(new).body == document.split(text).body
    assert new.startswith("\ufeff") == text.startswith("\ufeff")


def test_dated_lines_in_comments_and_code_are_not_log_order() -> None:
    text = "## Log\n<!-- e.g.\n- 2020-01-01 call: x\n-->\n```\n- 2030-01-01 call: y\n```\n"
    new = document.add_to_section(text, "Log", "- 2026-01-01 call: z", "2026-01-01")
    assert new == text + "- 2026-01-01 call: z\n"
