"""Deal and task commands: deal add|move, deals (the board), task add, tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from ..errors import UsageError
from . import App, cli, json_option, output, pass_app


def _date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option}: '{value}' is not a date (YYYY-MM-DD)") from None


# ---------------------------------------------------------------------------
# deal add | move


@cli.group()
def deal() -> None:
    """Add a deal (a file in deals/) or move it to another stage.

    \b
    Examples:
      vaultcrm deal add "Website relaunch" --contact "Klaus Breyer" --value 12000
      vaultcrm deal move "Website relaunch" proposal
    """


@deal.command("add")
@click.argument("title")
@click.option("--contact", required=True, metavar="NAME", help="The person the deal is with (written as a [[link]]).")
@click.option("--value", metavar="AMOUNT", help="What it is worth (a number).")
@click.option("--currency", help="EUR, USD … (default: the one most of your deals use, else EUR).")
@click.option("--close", "close", metavar="YYYY-MM-DD", help="The expected close date.")
@click.option("--stage", help="The first stage (default: the first of deal_stages, lead).")
@json_option
@pass_app
def deal_add(
    app: App, title: str, contact: str, value: str | None, currency: str | None, close: str | None, stage: str | None
) -> None:
    """Add a deal: a new file deals/TITLE.md with contact, stage, value, currency, close and a ## Log.

    \b
    Examples:
      vaultcrm deal add "Website relaunch" --contact "Klaus Breyer" --value 12000
      vaultcrm deal add "Workshop" --contact Anna --value 4500 --currency USD --close 2026-12-15 --stage qualified
    """
    from .. import deals

    v = app.vault()
    person = v.resolve(contact)
    amount = deals.parse_value(value) if value is not None else None
    rel = deals.add(v, title, person, amount, currency, _date("--close", close), stage)
    if app.json:
        found = deals.find(deals.load(v), rel)
        output.emit_json(_deal_json(found, person.name))
        return
    click.echo(f"Added {' '.join(title.split())} → {rel}")


@deal.command("move")
@click.argument("name")
@click.argument("stage")
@json_option
@pass_app
def deal_move(app: App, name: str, stage: str) -> None:
    """Move the deal NAME to STAGE: writes `stage:` and a dated line in the deal's ## Log.

    NAME is the deal's title or file name, in any case, or a unique part of it.

    \b
    Examples:
      vaultcrm deal move "Website relaunch" proposal
      vaultcrm deal move website won
    """
    from .. import deals

    v = app.vault()
    found, new, line = deals.move(v, name, stage)
    if app.json:
        output.emit_json({"title": found.title, "path": found.path, "old": found.stage, "new": new, "log_line": line})
        return
    if line is None:
        click.echo(f"{found.title} is already {new} (nothing changed)")
    else:
        click.echo(f"{found.title}: {found.stage or 'none'} → {new}")
        click.echo(f"  logged: {line}")


def _deal_json(d: Any, contact: str | None) -> dict[str, Any]:
    from ..deals import number

    return {
        "title": d.title,
        "path": d.path,
        "contact": contact or d.contact,
        "stage": d.stage,
        "value": number(d.value) if d.value is not None else None,
        "currency": d.currency,
        "close": d.close.isoformat() if d.close else None,
    }


# ---------------------------------------------------------------------------
# deals


@cli.command()
@click.option("--circle", multiple=True, help="Only deals whose contact is in this circle (repeatable).")
@click.option("--open", "only_open", is_flag=True, help="Only open deals (not won or lost).")
@json_option
@pass_app
def deals(app: App, circle: tuple[str, ...], only_open: bool) -> None:
    """The deal board: deals by stage with counts and totals per currency; overdue close dates flagged.

    \b
    Examples:
      vaultcrm deals
      vaultcrm deals --circle customers
      vaultcrm deals --json | jq '.open_totals'
    """
    from .. import deals as deals_mod

    v = app.vault()
    found = deals_mod.load(v)
    people = deals_mod.contacts(v, found)
    stages = v.settings.deal_stages
    if circle:
        wanted = {c.casefold() for c in circle}
        found = [d for d in found if (people.get(d.contact or "", ("", None, None))[2] or "").casefold() in wanted]
    if only_open:
        found = [d for d in found if deals_mod.is_open(d, stages)]
    for d in found:
        for problem in d.problems:
            output.warn(f"{d.path}: {problem}")
    data = deals_mod.board(found, stages, v.today, people)
    if app.json:
        output.emit_json(data)
        return
    if not data["count"]:
        click.echo('No deals yet: vaultcrm deal add "Website relaunch" --contact NAME --value 12000')
        return
    st = output.style
    money = deals_mod.money
    for col in data["stages"]:
        if not col["count"] and col["stage"] not in stages:
            continue
        totals = " + ".join(money(v_, c) for c, v_ in col["totals"].items()) or "-"
        click.echo(st(f"{col['stage']} ({col['count']})", bold=True) + f" · {totals}")
        for d in col["deals"]:
            bits = [d["title"]]
            if d["contact"]:
                bits.append(d["contact"])
            bits.append(money(d["value"], d["currency"]))
            if d["close"]:
                flag = f" (overdue {d['days_overdue']}d)" if d["overdue"] else ""
                bits.append(f"close {d['close']}{flag}")
            line = "  " + " · ".join(bits)
            click.echo(st(line, fg="red") if d["overdue"] else line)
    click.echo("")
    open_t = " + ".join(money(x, c) for c, x in data["open_totals"].items()) or "-"
    won_t = " + ".join(money(x, c) for c, x in data["won_totals"].items()) or "-"
    summary = f"Open: {open_t} · won: {won_t}"
    if data["overdue"]:
        summary += f" · {data['overdue']} overdue"
    click.echo(summary)


# ---------------------------------------------------------------------------
# task add, tasks


@cli.group()
def task() -> None:
    """Add an Obsidian Tasks item to a person's ## Tasks.

    \b
    Examples:
      vaultcrm task add Klaus "send the article" --due 2026-12-01
    """


@task.command("add")
@click.argument("name")
@click.argument("text", nargs=-1, required=True)
@click.option("--due", metavar="YYYY-MM-DD", help="The due date (written as 📅 YYYY-MM-DD).")
@json_option
@pass_app
def task_add(app: App, name: str, text: tuple[str, ...], due: str | None) -> None:
    """Add `- [ ] TEXT 📅 DUE` to NAME's ## Tasks (the section is made when missing).

    Tick it in Obsidian (`- [x] … ✅ date`) or in any editor to complete it.

    \b
    Examples:
      vaultcrm task add Klaus "send the article" --due 2026-12-01
      vaultcrm task add "Anna Schmidt" "ask about the move"
    """
    from .. import deals

    v = app.vault()
    person = v.resolve(name)
    line = deals.add_task(v, person, " ".join(text), _date("--due", due))
    if app.json:
        output.emit_json({"name": person.name, "path": person.path, "line": line})
        return
    click.echo(f"Added to {person.path}: {line}")


@cli.command()
@click.option("--within", metavar="DURATION", help="Only tasks due within this time (7d, 2w …; overdue included).")
@json_option
@pass_app
def tasks(app: App, within: str | None) -> None:
    """Open tasks across the vault, by due date (undated last), with the person each is for.

    A task is an Obsidian Tasks item (`- [ ] text 📅 2026-12-01`) in a person's file,
    in a note that links a person, or in a deal's file. Ticked tasks are done.

    \b
    Examples:
      vaultcrm tasks
      vaultcrm tasks --within 7d
      vaultcrm tasks --json
    """
    from .. import deals
    from ..settings import parse_duration

    v = app.vault()
    horizon = None
    if within is not None:
        try:
            horizon = v.today + dt.timedelta(days=parse_duration(within) or 0)
        except ValueError as exc:
            raise UsageError(f"--within: {exc}") from None
    found = deals.open_tasks(v)
    if horizon is not None:
        found = [(t, who) for t, who in found if t.due is not None and t.due <= horizon]
    names = v.index.names_of(who for _, who in found if who)
    rows: list[dict[str, Any]] = [
        {
            "text": t.description,
            "due": t.due.isoformat() if t.due else None,
            "overdue": bool(t.due and t.due < v.today),
            "person": names.get(who) if who else None,
            "person_path": who,
            "path": t.path,
            "line": t.line,
        }
        for t, who in found
    ]
    if app.json:
        output.emit_json(rows)
        return
    if not rows:
        click.echo('No open tasks. Add one: vaultcrm task add NAME "send the article" --due 2026-12-01')
        return
    output.table(
        ["due", "task", "for", "where"],
        [
            (
                f"{r['due'] or '-'}{' (overdue)' if r['overdue'] else ''}",
                r["text"],
                r["person"] or "",
                f"{r['path']}:{r['line']}",
            )
            for r in rows
        ],
    )
    click.echo(f"{len(rows)} open task{'' if len(rows) == 1 else 's'}")
