"""Deals beside people, and Obsidian Tasks items in people's files.

A deal is a Markdown file in ``deals/`` (DESIGN.md): frontmatter ``contact`` (a ``[[link]]``
to a person), ``stage`` (``deal_stages`` in vaultcrm.yaml: lead → qualified → proposal →
won/lost), ``value``, ``currency``, ``close`` (a date), and a ``## Log`` whose reserved
``- date stage: old → new`` lines date every move. The last two ``deal_stages`` (won, lost)
close a deal; the others are open.

Deal files are read from the index: it already keeps the frontmatter of every file that is not
a person (``files.fm``), so a board over hundreds of deals needs no extra parsing and no schema
change. Their ``## Log`` is not indexed (nothing needs it but the file itself).

The board (:func:`board`) and deal lookup are pure; the functions that write take a Vault.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from . import document, logline
from . import vault as vaultio
from .errors import AmbiguousName, NameNotFound, UsageError

if TYPE_CHECKING:
    from .core import Vault
    from .model import Person, Task

DEFAULT_CURRENCY = "EUR"


class Deal(NamedTuple):
    path: str
    title: str
    contact: str | None  # the link target as written (a person's name)
    stage: str | None
    value: int | float | None
    currency: str | None
    close: dt.date | None
    problems: tuple[str, ...] = ()  # fields that could not be read (the deal is still shown)


def closed_stages(stages: Sequence[str]) -> tuple[str, ...]:
    """The stages that end a deal: the last two (won, lost); with fewer than three, the last."""
    if len(stages) >= 3:
        return tuple(s.lower() for s in stages[-2:])
    return tuple(s.lower() for s in stages[-1:])


def is_open(deal: Deal, stages: Sequence[str]) -> bool:
    return (deal.stage or "").lower() not in closed_stages(stages)


def parse_deal(path: str, fm: dict[str, Any]) -> Deal:
    """A deal from its (JSON-safe) frontmatter; a wrong field becomes a problem, never an error."""
    stem = path.rsplit("/", 1)[-1][:-3]
    problems: list[str] = []
    title = str(fm.get("title") or stem)
    contact = None
    raw = fm.get("contact")
    if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], list) and raw[0]:
        raw = str(raw[0][0])  # [[Name]] written without quotes reads as a nested list
    if isinstance(raw, str) and raw.strip():
        found = logline.links(raw)
        contact = found[0] if found else raw.strip()
    elif raw is not None:
        problems.append(f"contact: expected a [[link]], not {raw!r}")
    stage = str(fm["stage"]).strip() if fm.get("stage") is not None else None
    value = fm.get("value")
    if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
        problems.append(f"value: expected a number, not {value!r}")
        value = None
    currency = str(fm["currency"]).strip() if fm.get("currency") else None
    close = None
    if fm.get("close") is not None:
        try:
            close = dt.date.fromisoformat(str(fm["close"]).strip())
        except ValueError:
            problems.append(f"close: expected a date YYYY-MM-DD, not {fm['close']!r}")
    return Deal(path, title, contact, stage, value, currency, close, tuple(problems))


def number(value: float) -> int | float:
    """12000.0 → 12000 (JSON and the board show whole amounts without a decimal point)."""
    return int(value) if float(value).is_integer() else round(float(value), 2)


def money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "-"
    n = number(value)
    text = f"{n:,}" if isinstance(n, int) else f"{n:,.2f}"
    return f"{text} {currency}" if currency else text


def board(
    deals: Iterable[Deal],
    stages: Sequence[str],
    today: dt.date,
    people: dict[str, tuple[str, str | None, str | None]] | None = None,
) -> dict[str, Any]:
    """Deals by stage (the ``deal_stages`` order, then any other stage), with counts, totals per
    currency and overdue close dates (an open deal whose close date has passed).

    ``people`` maps a deal's contact (as written) to (path, name, circle) when it names a person.
    """
    people = people or {}
    order = {s.lower(): i for i, s in enumerate(stages)}
    columns: dict[str, list[dict[str, Any]]] = {s: [] for s in stages}
    open_totals: dict[str, float] = {}
    won_totals: dict[str, float] = {}
    closed = closed_stages(stages)
    overdue = 0
    for d in deals:
        stage_key = (d.stage or "").lower()
        column = stages[order[stage_key]] if stage_key in order else (d.stage or "(no stage)")
        who = people.get(d.contact or "")
        open_ = stage_key not in closed
        late = open_ and d.close is not None and d.close < today
        overdue += late
        currency = d.currency or DEFAULT_CURRENCY
        if d.value is not None:
            if open_:
                open_totals[currency] = open_totals.get(currency, 0) + d.value
            elif stages and stage_key == closed[0]:
                won_totals[currency] = won_totals.get(currency, 0) + d.value
        columns.setdefault(column, []).append(
            {
                "title": d.title,
                "path": d.path,
                "contact": who[1] if who else d.contact,
                "contact_path": who[0] if who else None,
                "circle": who[2] if who else None,
                "stage": d.stage,
                "value": number(d.value) if d.value is not None else None,
                "currency": currency,
                "close": d.close.isoformat() if d.close else None,
                "open": open_,
                "overdue": late,
                "days_overdue": (today - d.close).days if late and d.close else 0,
                "problems": list(d.problems),
            }
        )
    out = []
    for stage, items in columns.items():
        items.sort(key=lambda x: (x["close"] is None, x["close"] or "", x["title"].lower(), x["path"]))
        totals: dict[str, float] = {}
        for x in items:
            if x["value"] is not None:
                totals[x["currency"]] = totals.get(x["currency"], 0) + x["value"]
        out.append(
            {
                "stage": stage,
                "count": len(items),
                "totals": {c: number(v) for c, v in sorted(totals.items())},
                "deals": items,
            }
        )
    return {
        "today": today.isoformat(),
        "stages": out,
        "count": sum(s["count"] for s in out),
        "open_totals": {c: number(v) for c, v in sorted(open_totals.items())},
        "won_totals": {c: number(v) for c, v in sorted(won_totals.items())},
        "overdue": overdue,
    }


def find(deals: Sequence[Deal], query: str) -> Deal:
    """One deal by title or file name: exact, any case, then a unique prefix or part of it."""
    q = query.strip()
    if q.lower().endswith(".md"):
        hit = [d for d in deals if d.path == q]
        if hit:
            return hit[0]
    ql = q.casefold()

    def names(d: Deal) -> set[str]:
        return {d.title.casefold(), d.path.rsplit("/", 1)[-1][:-3].casefold()}

    for test in (
        lambda d: ql in names(d),
        lambda d: any(n.startswith(ql) for n in names(d)),
        lambda d: any(ql in n for n in names(d)),
    ):
        hits = [d for d in deals if test(d)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            listing = ", ".join(f"'{d.title}' ({d.path})" for d in sorted(hits, key=lambda d: d.path)[:8])
            raise AmbiguousName(f"'{query}' matches {len(hits)} deals: {listing}", hint="use the full title")
    hint = "deals: " + ", ".join(sorted(d.title for d in deals)[:8]) if deals else "add one: vaultcrm deal add TITLE"
    raise NameNotFound(f"no deal named '{query}'", hint=hint)


def coerce_stage(value: str, stages: Sequence[str]) -> str:
    found = next((s for s in stages if s.lower() == value.strip().lower()), None)
    if found is None:
        raise UsageError(
            f"unknown deal stage '{value}'",
            hint="deal stages: " + ", ".join(stages) + " (deal_stages in vaultcrm.yaml)",
        )
    return found


def parse_value(raw: str) -> int | float:
    text = raw.strip().replace("_", "").replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--value: '{raw}' is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"--value: '{raw}' must be a number ≥ 0")
    return number(value)


def deal_text(
    contact: str, stage: str, value: int | float | None, currency: str, close: dt.date | None, today: dt.date
) -> str:
    """A new deal file: the DESIGN.md keys in order, and a log whose first line dates its stage."""
    lines = ["---", f"contact: {document.render_value(f'[[{contact}]]')}", f"stage: {document.render_value(stage)}"]
    if value is not None:
        lines.append(f"value: {document.render_value(value)}")
    lines.append(f"currency: {document.render_value(currency)}")
    if close is not None:
        lines.append(f"close: {close.isoformat()}")
    lines += ["---", "", "## Log", logline.format_change(today, "stage", None, stage), ""]
    return "\n".join(lines)


def task_line(text: str, due: dt.date | None) -> str:
    """An Obsidian Tasks item: ``- [ ] send the article 📅 2026-12-01``."""
    body = " ".join(text.split())
    if not body:
        raise UsageError("a task needs a text")
    return f"- [ ] {body}" + (f" 📅 {due.isoformat()}" if due else "")


# ---------------------------------------------------------------------------
# The vault side


def load(v: Vault) -> list[Deal]:
    """Every deal file in ``deals/`` (from the index's frontmatter of non-person files)."""
    prefix = v.settings.folders.deals + "/"
    files = v.index.files()
    found = [parse_deal(path, fm) for path, fm in v.index.frontmatter(prefix).items()]
    seen = {d.path for d in found}
    # a deal file without frontmatter (or an empty one) is still a deal, just an empty one
    for path, (_kind, unreadable) in files.items():
        if path.startswith(prefix) and path.endswith(".md") and path not in seen and not unreadable:
            found.append(parse_deal(path, {}))
    return sorted(found, key=lambda d: d.path)


def contacts(v: Vault, deals: Iterable[Deal]) -> dict[str, tuple[str, str | None, str | None]]:
    """Each deal contact that names a person → (path, name, circle).

    Reads only the contacts' records from the index, not every person (fast on a large vault)."""
    out: dict[str, tuple[str, str | None, str | None]] = {}
    found: dict[str, Person | None] = {}
    for d in deals:
        if d.contact and d.contact not in out:
            path = v.lookup(d.contact)
            if path is None:
                continue
            if path not in found:
                found[path] = v.index.person(path)
            person = found[path]
            if person is not None:
                out[d.contact] = (person.path, person.name, person.circle)
    return out


def of_person(v: Vault, person: Person) -> list[Deal]:
    """The open deals whose contact is ``person``."""
    stages = v.settings.deal_stages
    mine = []
    for d in load(v):
        if d.contact and v.lookup(d.contact) == person.path and is_open(d, stages):
            mine.append(d)
    return sorted(mine, key=lambda d: (d.close is None, d.close or dt.date.max, d.title))


def contact_path(v: Vault, deal_path: str) -> str | None:
    """The person file a deal's ``contact`` names, or None."""
    fm = v.index.frontmatter(deal_path).get(deal_path)
    contact = parse_deal(deal_path, fm).contact if fm else None
    return v.lookup(contact) if contact else None


def deal_tasks(v: Vault, person: Person) -> list[Task]:
    """Open tasks in the files of deals whose contact is ``person`` (they are for that person)."""
    paths = {d.path for d in load(v) if d.contact and v.lookup(d.contact) == person.path}
    if not paths:
        return []
    return [t for t in v.tasks() if t.is_open and t.path in paths and not t.owner]


def default_currency(deals: Iterable[Deal]) -> str:
    """The currency most deals use (ties alphabetical), else EUR."""
    counts = Counter(d.currency for d in deals if d.currency)
    if not counts:
        return DEFAULT_CURRENCY
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def add(
    v: Vault,
    title: str,
    contact: Person,
    value: int | float | None,
    currency: str | None,
    close: dt.date | None,
    stage: str | None,
) -> str:
    """Create ``deals/<title>.md``; return its path. Never overwrites."""
    title = " ".join(title.split())
    if not title:
        raise UsageError("a deal needs a title")
    stages = v.settings.deal_stages
    deals = load(v)
    the_stage = coerce_stage(stage, stages) if stage else stages[0]
    rel = f"{v.settings.folders.deals}/{vaultio.safe_stem(title)}.md"
    if any(d.path.casefold() == rel.casefold() for d in deals) or (v.root / rel).exists():
        from .errors import WriteRefused

        raise WriteRefused("a deal with this title already exists", path=rel, hint="vaultcrm deal move TITLE STAGE")
    cur = (currency or default_currency(deals)).strip().upper()
    text = deal_text(contact.name, the_stage, value, cur, close, v.today)
    vaultio.create_new(v.root, rel, text)
    v.refresh(paths=[rel])
    return rel


def move(v: Vault, query: str, stage: str) -> tuple[Deal, str, str | None]:
    """Set a deal's stage and log the move; returns (deal, new stage, the log line or None)."""
    deal = find(load(v), query)
    new = coerce_stage(stage, v.settings.deal_stages)
    if (deal.stage or "").lower() == new.lower():
        return deal, new, None
    line = logline.format_change(v.today, "stage", deal.stage, new)

    def apply(text: str) -> str:
        out = document.set_key(text, "stage", new)
        return document.add_to_section(out, "Log", line, v.today.isoformat())

    vaultio.edit(v.root, deal.path, apply)
    v.refresh(paths=[deal.path])
    return deal, new, line


def add_task(v: Vault, person: Person, text: str, due: dt.date | None) -> str:
    """Append an Obsidian Tasks item to the person's ``## Tasks`` (made when missing)."""
    if "\n" in text or "\r" in text:
        raise UsageError("the task must be a single line")
    line = task_line(text, due)
    parsed = logline.parse_task(line)
    if parsed is None or not parsed.open or (due is not None and parsed.dates.get("due") != due):
        raise UsageError(f"'{line}' would not read back as an open task")
    vaultio.edit(v.root, person.path, lambda t: document.add_to_section(t, "Tasks", line))
    v.refresh(paths=[person.path])
    return line


def open_tasks(v: Vault) -> list[tuple[Task, str | None]]:
    """Open tasks that belong to a person (in their file, naming them, or in a deal with them),
    by due date (undated last); a review's checkboxes are suggestions, not tasks."""
    reviews = v.settings.folders.reviews + "/"
    deals_prefix = v.settings.folders.deals + "/"
    every = v.tasks()
    deal_contact = {d.path: d.contact for d in load(v)} if any(t.path.startswith(deals_prefix) for t in every) else {}
    out: list[tuple[Task, str | None]] = []
    for t in every:
        if not t.is_open or t.path.startswith(reviews):
            continue
        who = t.owner or v.lookup_any(t.links)
        if who is None and t.path in deal_contact and deal_contact[t.path]:
            who = v.lookup(deal_contact[t.path] or "")
        if who is None:
            continue
        out.append((t, who))
    out.sort(key=lambda tw: (tw[0].due is None, tw[0].due or dt.date.max, tw[0].path, tw[0].line))
    return out
