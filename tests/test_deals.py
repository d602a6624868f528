"""Deals and tasks through the CLI, asserted on the files they write."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest
from conftest import Run

from vaultcrm.deals import Deal, board, closed_stages, find, parse_deal
from vaultcrm.errors import AmbiguousName, NameNotFound

STAGES = ("lead", "qualified", "proposal", "won", "lost")
TODAY = dt.date(2026, 11, 24)


def changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between two texts."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


# ---------------------------------------------------------------------------
# deal add


def test_deal_add_writes_a_deal_file(vault: Path, run: Run) -> None:
    result = run("deal", "add", "Website relaunch", "--contact", "Klaus", "--value", "12000", "--close", "2026-12-15")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Added Website relaunch → deals/Website relaunch.md\n"
    assert (vault / "deals/Website relaunch.md").read_text(encoding="utf-8") == (
        "---\n"
        'contact: "[[Klaus Breyer]]"\n'
        "stage: lead\n"
        "value: 12000\n"
        "currency: EUR\n"
        "close: 2026-12-15\n"
        "---\n"
        "\n"
        "## Log\n"
        "- 2026-11-24 stage: none → lead\n"
    )


def test_deal_add_json_has_numbers_and_the_default_currency_follows_your_deals(vault: Path, run: Run) -> None:
    first = run.json("deal", "add", "Workshop", "--contact", "Anna", "--value", "4500.5", "--currency", "usd")
    assert first == {
        "title": "Workshop",
        "path": "deals/Workshop.md",
        "contact": "Anna Schmidt",
        "stage": "lead",
        "value": 4500.5,
        "currency": "USD",
        "close": None,
    }
    second = run.json("deal", "add", "Follow-up", "--contact", "Anna", "--value", "1,000", "--stage", "Qualified")
    assert second["value"] == 1000 and isinstance(second["value"], int)
    assert second["currency"] == "USD" and second["stage"] == "qualified"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contact", "Nobody Here", "--value", "1"], "no person named 'Nobody Here'"),
        (["--contact", "Klaus", "--value", "lots"], "--value: 'lots' is not a number"),
        (["--contact", "Klaus", "--value", "-5"], "--value: '-5' must be a number ≥ 0"),
        (["--contact", "Klaus", "--close", "soon"], "--close: 'soon' is not a date (YYYY-MM-DD)"),
        (["--contact", "Klaus", "--stage", "maybe"], "unknown deal stage 'maybe'"),
    ],
)
def test_deal_add_refuses_bad_input_and_writes_nothing(vault: Path, run: Run, args: list[str], message: str) -> None:
    result = run("deal", "add", "Website relaunch", *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert not (vault / "deals").exists()


def test_deal_add_never_overwrites(vault: Path, run: Run) -> None:
    assert run("deal", "add", "Website relaunch", "--contact", "Klaus").exit_code == 0
    before = (vault / "deals/Website relaunch.md").read_bytes()
    result = run("deal", "add", "Website relaunch", "--contact", "Anna", "--value", "5")
    assert result.exit_code == 1
    assert "deals/Website relaunch.md: a deal with this title already exists" in result.stderr
    assert (vault / "deals/Website relaunch.md").read_bytes() == before


# ---------------------------------------------------------------------------
# deal move


HAND_WRITTEN = (
    "---\r\n"
    "contact: '[[Klaus Breyer]]'   # my contact there\r\n"
    "stage: lead        # moved by vaultcrm\r\n"
    "value: 3000\r\n"
    "close: 2026-12-01\r\n"
    "custom: kept\r\n"
    "---\r\n"
    "Notes about the deal.\r\n"
    "\r\n"
    "## Log\r\n"
    "- 2026-11-01 stage: none → lead\r\n"
)


def test_deal_move_changes_the_stage_line_and_adds_one_log_line(vault: Path, run: Run) -> None:
    (vault / "deals").mkdir()
    path = vault / "deals/Shop.md"
    path.write_bytes(HAND_WRITTEN.encode("utf-8"))
    result = run("deal", "move", "shop", "proposal")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Shop: lead → proposal\n  logged: - 2026-11-24 stage: lead → proposal\n"
    after = path.read_bytes().decode("utf-8")
    removed, added = changes(HAND_WRITTEN, after)
    assert removed == ["stage: lead        # moved by vaultcrm"]
    assert added == ["stage: proposal        # moved by vaultcrm", "- 2026-11-24 stage: lead → proposal"]
    assert after.count("\r\n") == after.count("\n")  # CRLF kept
    assert after.endswith("## Log\r\n- 2026-11-24 stage: lead → proposal\r\n- 2026-11-01 stage: none → lead\r\n")
    # the same stage again: nothing written
    again = run("deal", "move", "Shop", "PROPOSAL")
    assert again.stdout == "Shop is already proposal (nothing changed)\n"
    assert path.read_bytes().decode("utf-8") == after


def test_deal_move_json_and_errors(vault: Path, run: Run) -> None:
    run("deal", "add", "Website relaunch", "--contact", "Klaus")
    run("deal", "add", "Website audit", "--contact", "Anna")
    data = run.json("deal", "move", "relaunch", "won")
    assert data == {
        "title": "Website relaunch",
        "path": "deals/Website relaunch.md",
        "old": "lead",
        "new": "won",
        "log_line": "- 2026-11-24 stage: lead → won",
    }
    ambiguous = run("deal", "move", "website", "won")
    assert ambiguous.exit_code == 1 and "'website' matches 2 deals" in ambiguous.stderr
    missing = run("deal", "move", "garden", "won")
    assert missing.exit_code == 1 and "no deal named 'garden'" in missing.stderr


# ---------------------------------------------------------------------------
# the board


def _deal(title: str, stage: str | None, value: float | None, currency: str | None, close: str | None) -> Deal:
    return Deal(
        f"deals/{title}.md",
        title,
        "Klaus Breyer",
        stage,
        value,
        currency,
        dt.date.fromisoformat(close) if close else None,
    )


def test_board_counts_totals_per_currency_and_flags_overdue() -> None:
    deals = [
        _deal("A", "lead", 1000, "EUR", "2026-11-01"),  # overdue
        _deal("B", "lead", 2500, "EUR", None),
        _deal("C", "lead", 700, "USD", "2026-12-01"),
        _deal("D", "won", 18000, "EUR", "2026-05-01"),  # closed: never overdue
        _deal("E", "lost", 900, "EUR", "2026-06-01"),
        _deal("F", "someday", 50, None, None),  # a stage vaultcrm.yaml does not list
        _deal("G", "proposal", None, "EUR", "2026-11-23"),  # no value, overdue
    ]
    b = board(deals, STAGES, TODAY)
    cols = {c["stage"]: c for c in b["stages"]}
    assert [c["stage"] for c in b["stages"]] == [*STAGES, "someday"]
    assert cols["lead"]["count"] == 3
    assert cols["lead"]["totals"] == {"EUR": 3500, "USD": 700}
    assert [d["title"] for d in cols["lead"]["deals"]] == ["A", "C", "B"]  # by close date, undated last
    assert cols["qualified"] == {"stage": "qualified", "count": 0, "totals": {}, "deals": []}
    assert cols["someday"]["totals"] == {"EUR": 50}  # no currency: EUR
    assert b["open_totals"] == {"EUR": 3550, "USD": 700}
    assert b["won_totals"] == {"EUR": 18000}
    assert b["overdue"] == 2
    assert cols["lead"]["deals"][0]["days_overdue"] == 23
    assert cols["proposal"]["deals"][0]["overdue"] and not cols["won"]["deals"][0]["overdue"]
    assert closed_stages(STAGES) == ("won", "lost")


def test_deals_board_through_the_cli(vault: Path, run: Run) -> None:
    run("deal", "add", "Website relaunch", "--contact", "Klaus", "--value", "12000", "--close", "2026-12-15")
    run("deal", "add", "Old thing", "--contact", "José", "--value", "1000", "--close", "2026-11-01")
    run("deal", "add", "Workshop", "--contact", "Anna", "--value", "4500.50", "--currency", "USD", "--stage", "won")
    result = run("deals")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "lead (2) · 13,000 EUR\n"
        "  Old thing · José Müller · 1,000 EUR · close 2026-11-01 (overdue 23d)\n"
        "  Website relaunch · Klaus Breyer · 12,000 EUR · close 2026-12-15\n"
        "qualified (0) · -\n"
        "proposal (0) · -\n"
        "won (1) · 4,500.50 USD\n"
        "  Workshop · Anna Schmidt · 4,500.50 USD\n"
        "lost (0) · -\n"
        "\n"
        "Open: 13,000 EUR · won: 4,500.50 USD · 1 overdue\n"
    )
    data = run.json("deals")
    assert data["open_totals"] == {"EUR": 13000} and isinstance(data["open_totals"]["EUR"], int)
    assert data["won_totals"] == {"USD": 4500.5}
    lead = data["stages"][0]
    assert lead["deals"][1]["value"] == 12000 and isinstance(lead["deals"][1]["value"], int)
    assert lead["deals"][0]["contact_path"] == "people/José Müller.md"
    # per circle: Klaus and Anna are creatives, José is a pal
    creatives = run.json("deals", "--circle", "creatives")
    assert creatives["count"] == 2 and creatives["open_totals"] == {"EUR": 12000}
    assert run.json("deals", "--circle", "pals")["open_totals"] == {"EUR": 1000}
    assert run.json("deals", "--open")["count"] == 2


def test_a_deal_with_a_wrong_field_is_shown_with_a_warning(vault: Path, run: Run) -> None:
    (vault / "deals").mkdir()
    (vault / "deals/Odd.md").write_text(
        "---\ncontact: [[Klaus Breyer]]\nstage: lead\nvalue: a lot\nclose: someday\n---\n", encoding="utf-8"
    )
    result = run("deals")
    assert result.exit_code == 0
    assert "deals/Odd.md: value: expected a number, not 'a lot'" in result.stderr
    assert "deals/Odd.md: close: expected a date YYYY-MM-DD, not 'someday'" in result.stderr
    assert "  Odd · Klaus Breyer · -\n" in result.stdout  # an unquoted [[link]] still names the contact


def test_find_and_parse() -> None:
    deals = [_deal("Website relaunch", "lead", 1, "EUR", None), _deal("Website audit", "lead", 1, "EUR", None)]
    assert find(deals, "website RELAUNCH").title == "Website relaunch"
    assert find(deals, "audit").title == "Website audit"
    assert find(deals, "deals/Website audit.md").title == "Website audit"
    with pytest.raises(AmbiguousName):
        find(deals, "web")
    with pytest.raises(NameNotFound):
        find(deals, "garden")
    parsed = parse_deal("deals/X.md", {"contact": "[[Anna Schmidt|Anna]]", "value": True, "title": "Big one"})
    assert (parsed.title, parsed.contact, parsed.value) == ("Big one", "Anna Schmidt", None)
    assert parsed.problems == ("value: expected a number, not True",)


# ---------------------------------------------------------------------------
# tasks


def test_task_add_writes_one_line_into_tasks(vault: Path, run: Run) -> None:
    path = vault / "people/Klaus Breyer.md"
    before = path.read_text(encoding="utf-8")
    result = run("task", "add", "Klaus", "send the article", "--due", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Added to people/Klaus Breyer.md: - [ ] send the article 📅 2026-12-01\n"
    after = path.read_text(encoding="utf-8")
    assert changes(before, after) == ([], ["- [ ] send the article 📅 2026-12-01"])
    assert after.endswith(
        "## Tasks\n- [ ] send him the article on pricing 📅 2026-12-01\n- [ ] send the article 📅 2026-12-01\n"
    )


def test_task_add_makes_the_tasks_section_when_missing(vault: Path, run: Run) -> None:
    path = vault / "people/Ed Miller.md"
    before = path.read_text(encoding="utf-8")
    assert "## Tasks" not in before
    data = run.json("task", "add", "Ed", "ask", "about", "the", "move")
    assert data == {"name": "Ed Miller", "path": "people/Ed Miller.md", "line": "- [ ] ask about the move"}
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :].strip("\n").splitlines()[-2:] == ["## Tasks", "- [ ] ask about the move"]
    bad = run("task", "add", "Ed", "x", "--due", "tomorrow")
    assert bad.exit_code == 2 and "--due: 'tomorrow' is not a date" in bad.stderr


def test_tasks_lists_open_tasks_by_date_and_ticking_completes_them(vault: Path, run: Run) -> None:
    run("task", "add", "Anna", "ask about the move")
    run("task", "add", "Klaus", "send the contract", "--due", "2026-11-20")
    (vault / "deals").mkdir()
    (vault / "deals/Shop.md").write_text(
        '---\ncontact: "[[Ed Miller]]"\nstage: lead\n---\n\n## Tasks\n- [ ] send the quote 📅 2026-11-28\n',
        encoding="utf-8",
    )
    rows = run.json("tasks")
    assert [(r["due"], r["text"], r["person"], r["overdue"]) for r in rows] == [
        ("2026-11-20", "send the contract", "Klaus Breyer", True),
        ("2026-11-28", "send the quote", "Ed Miller", False),  # a deal's task is for its contact
        ("2026-12-01", "send him the article on pricing", "Klaus Breyer", False),
        ("2026-12-03", "ask about the exhibition", "Anna Schmidt", False),
        (None, "ask about the move", "Anna Schmidt", False),
    ]
    assert [r["text"] for r in run.json("tasks", "--within", "5d")] == ["send the contract", "send the quote"]
    # tick it as Obsidian Tasks does
    path = vault / "people/Klaus Breyer.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("- [ ] send the contract 📅 2026-11-20", "- [x] send the contract 📅 2026-11-20 ✅ 2026-11-25"),
        encoding="utf-8",
    )
    assert "send the contract" not in [r["text"] for r in run.json("tasks")]
    table = run("tasks").stdout.splitlines()
    assert table[0].split() == ["due", "task", "for", "where"]
    assert table[1].split()[:2] == ["2026-11-28", "send"]
    assert table[-1] == "4 open tasks"


# ---------------------------------------------------------------------------
# show and the review


def test_show_lists_open_deals_and_tasks(vault: Path, run: Run) -> None:
    run("deal", "add", "Website relaunch", "--contact", "Klaus", "--value", "12000", "--close", "2026-12-15")
    run("deal", "add", "Done deal", "--contact", "Klaus", "--value", "5", "--stage", "won")
    data = run.json("show", "Klaus")
    assert data["deals"] == [
        {
            "title": "Website relaunch",
            "path": "deals/Website relaunch.md",
            "stage": "lead",
            "value": 12000,
            "currency": "EUR",
            "close": "2026-12-15",
            "overdue": False,
        }
    ]
    assert [t["text"] for t in data["tasks"]] == ["send him the article on pricing"]
    # a task in the deal's file is for the deal's contact
    deal = vault / "deals/Website relaunch.md"
    deal.write_text(deal.read_text(encoding="utf-8") + "\n## Tasks\n- [ ] send the quote 📅 2026-11-28\n", "utf-8")
    data = run.json("show", "Klaus")
    assert [t["text"] for t in data["tasks"]] == ["send him the article on pricing", "send the quote"]
    text = run("show", "Klaus").stdout
    assert "Open deals\n  Website relaunch · lead · 12,000 EUR · close 2026-12-15\n" in text
    assert "Open tasks\n  [ ] send him the article on pricing (due 2026-12-01)\n" in text


def test_the_review_shows_deals_closing_this_week(vault: Path, run: Run) -> None:
    run("deal", "add", "Website relaunch", "--contact", "Klaus", "--value", "12000", "--close", "2026-11-27")
    run("deal", "add", "Late one", "--contact", "Anna", "--value", "300", "--close", "2026-11-10")
    run("deal", "add", "Next month", "--contact", "Anna", "--value", "300", "--close", "2026-12-20")
    run("deal", "add", "Won already", "--contact", "Anna", "--close", "2026-11-25", "--stage", "won")
    deal = vault / "deals/Website relaunch.md"
    deal.write_text(deal.read_text(encoding="utf-8") + "\n## Tasks\n- [ ] send the quote 📅 2026-11-26\n", "utf-8")
    assert run("review").exit_code == 0
    note = (vault / "reviews/2026-W48.md").read_text(encoding="utf-8")
    assert "- 26 Nov: send the quote (Klaus Breyer)\n" in note  # a deal's task is for its contact
    section = note.split("## Deals closing this week\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        "- 10 Nov: [[Late one]] · lead · 300 EUR (Anna Schmidt) · close date passed",
        "- 27 Nov: [[Website relaunch]] · lead · 12,000 EUR (Klaus Breyer)",
    ]


# ---------------------------------------------------------------------------
# Writers read back (property tests)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from vaultcrm import logline, yamlio  # noqa: E402
from vaultcrm.deals import deal_text, task_line  # noqa: E402

_words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\n\r"), max_size=40
)
_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    text=_words.filter(lambda t: t.split() and "[" not in t and "📅" not in t and "✅" not in t), due=st.none() | _dates
)
def test_a_task_line_reads_back_as_the_same_open_task(text: str, due: dt.date | None) -> None:
    line = task_line(text, due)
    parsed = logline.parse_task(line)
    assert parsed is not None and parsed.open
    assert parsed.dates.get("due") == due
    assert logline.task_description(parsed.text) == " ".join(text.split())


@settings(max_examples=200, deadline=None)
@given(
    contact=_words.filter(lambda t: t.strip() and not set(t) & set("[]|#^/")),  # as a person's name can be
    stage=st.sampled_from(STAGES),
    value=st.none()
    | st.integers(min_value=0, max_value=10**9)
    | st.floats(min_value=0, max_value=1e9).map(lambda f: round(f, 2)),
    currency=st.sampled_from(["EUR", "USD", "CHF", "on", "no", "0123"]),
    close=st.none() | _dates,
)
def test_a_new_deal_file_reads_back(
    contact: str, stage: str, value: float | None, currency: str, close: dt.date | None
) -> None:
    from vaultcrm import document

    text = deal_text(contact.strip(), stage, value, currency, close, TODAY)
    fm = yamlio.load(document.split(text).header)
    deal = parse_deal("deals/X.md", {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in fm.items()})
    assert deal.contact == contact.strip()
    assert (deal.stage, deal.currency, deal.close, deal.problems) == (stage, currency, close, ())
    assert deal.value == value
    assert text.endswith(f"## Log\n- 2026-11-24 stage: none → {stage}\n")
