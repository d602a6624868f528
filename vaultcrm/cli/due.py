"""due: who to reach out to, open tasks and birthdays in the coming days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from ..errors import UsageError
from ..summary import query_summaries
from . import App, cli, json_option, output, pass_app

ACTIVE = ("upcoming", "due", "overdue", "lapsed")
DUE_KEYS = (
    "name",
    "path",
    "status",
    "days_overdue",
    "priority",
    "last_touch",
    "last_type",
    "next_due",
    "days_since",
    "cadence",
    "closeness",
    "circle",
    "tier",
    "health",
    "band",
    "suggested",
)
KIND_VERBS = {
    "meet": "Meet",
    "video": "Video call",
    "call": "Call",
    "letter": "Write to",
    "intro": "Introduce",
    "voice": "Voice message",
    "message": "Message",
    "social": "Comment on",
    "like": "Like",
    "note": "Note",
}


def due_report(
    app: App, within: int, circles: tuple[str, ...], closeness: tuple[str, ...], limit: int | None = None
) -> dict[str, Any]:
    """The data behind `vaultcrm due` (also used by the weekly review)."""
    from ..cadence import next_birthday

    v = app.vault()
    today = v.today
    horizon = today + dt.timedelta(days=within)
    base = ["archived = 0"]
    params: list[Any] = []
    if circles:
        base.append(f"circle_key IN ({', '.join('?' for _ in circles)})")
        params.extend(c.casefold() for c in circles)
    if closeness:
        levels = [int(c) for c in closeness if c != "none"]
        base.append(f"closeness IN ({', '.join('?' for _ in levels)})")
        params.extend(levels)
    scope = " AND ".join(base)
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    due_where = (
        f"{scope} AND closeness IS NOT NULL AND status NOT IN ('snoozed', 'not started', 'no cadence') "
        f"AND (status IN ({active}) OR next_due <= ?)"
    )
    order = "priority DESC, tier_rank, name_key, path"
    people = query_summaries(
        v, due_where, [*params, horizon.isoformat()], order + (f" LIMIT {int(limit)}" if limit else "")
    )
    total = len(people)
    if limit:
        total = v.index.query_summary(due_where, [*params, horizon.isoformat()], "1", columns="count(*)")[0][0]

    def summary_rows(where: str, columns: str) -> list[tuple[Any, ...]]:
        return v.index.query_summary(f"{scope} AND {where}", params, "name_key, path", columns=columns)

    not_started = [
        {"name": name, "path": path, "closeness": closeness, "added": added, "next_due": next_due}
        for name, path, closeness, added, next_due in summary_rows(
            "status = 'not started'", "name, path, closeness, added, next_due"
        )
    ]
    unclassified = [{"name": name, "path": path} for name, path in summary_rows("closeness IS NULL", "name, path")]
    birthdays = []
    for name, path, birthday in summary_rows("birthday IS NOT NULL", "name, path, birthday"):
        found_birthday = next_birthday(birthday, today)
        if found_birthday and found_birthday[0] <= horizon:
            when, age = found_birthday
            birthdays.append(
                {"name": name, "path": path, "date": when.isoformat(), "days_until": (when - today).days, "age": age}
            )

    found = []
    for t in v.index.tasks(open_due_until=horizon):
        if t.path.startswith(v.settings.folders.reviews + "/"):
            continue  # a review's checkboxes are suggestions, not tasks
        who = t.owner or v.lookup_any(t.links)
        if who is None and t.path.startswith(v.settings.folders.deals + "/"):
            from ..deals import contact_path

            who = contact_path(v, t.path)  # a task in a deal's file is for its contact
        if who is not None:
            found.append((t, who))
    names = v.index.names_of(who for _, who in found)
    tasks = [
        {
            "text": t.description,
            "due": t.due.isoformat(),
            "overdue": t.due < today,
            "person": names.get(who),
            "path": t.path,
            "line": t.line,
        }
        for t, who in found
        if t.due is not None
    ]
    tasks.sort(key=lambda t: (t["due"], t["path"], t["line"]))
    birthdays.sort(key=lambda b: (b["date"], b["name"].lower()))
    rows = [{k: d[k] for k in DUE_KEYS} for d, _ in people]
    return {
        "today": today.isoformat(),
        "within": within,
        "people": rows,
        "people_total": total,
        "not_started": not_started,
        "tasks": tasks,
        "birthdays": birthdays,
        "unclassified": unclassified,
    }


@cli.command()
@click.option(
    "--within",
    default=None,
    metavar="DURATION",
    help="How far ahead to look: 7d, 2w, 1m (default: due_within in vaultcrm.yaml, 7d).",
)
@click.option("--circle", multiple=True, help="Only these circles (repeatable).")
@click.option(
    "--closeness",
    multiple=True,
    type=click.Choice(["1", "2", "3", "4"]),
    help="Only these closeness levels (repeatable).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="At most this many people (default: 25 on a terminal, all with --json).",
)
@json_option
@pass_app
def due(app: App, within: str | None, circle: tuple[str, ...], closeness: tuple[str, ...], limit: int | None) -> None:
    """Who to reach out to now: overdue and soon-due people, most urgent first,
    with open tasks and birthdays in the window.

    Priority is how far past their cadence someone is, weighted by closeness
    (3 for closeness 1, 2 for 2, 1 for 3); tier A comes before B on ties.
    People never touched are listed apart as "not started", never as overdue;
    people without a closeness are counted as unclassified.

    \b
    Examples:
      vaultcrm due
      vaultcrm due --within 2w --circle customers
      vaultcrm due --json | jq '.people[0]'
    """
    from ..settings import parse_duration

    v = app.vault()
    if within is None:
        days = v.settings.due_within
    else:
        try:
            days = parse_duration(within) or 0
        except ValueError as exc:
            raise UsageError(f"--within: {exc}") from None
    report = due_report(app, days, circle, closeness, limit=limit or (None if app.json else TERMINAL_LIMIT))
    if app.json:
        output.emit_json(report)
        return
    _print(report, limit or TERMINAL_LIMIT)


TERMINAL_LIMIT = 25


def _print(r: dict[str, Any], limit: int) -> None:
    st = output.style
    hidden = max(0, r["people_total"] - limit)
    people = r["people"][:limit]
    click.echo(st(f"Reach out · {r['today']} · next {r['within']} days", bold=True))
    if people:
        rows = []
        for p in people:
            if p["status"] in ("due", "overdue", "lapsed"):
                when = f"{p['days_overdue']}d past due" if p["days_overdue"] else "due today"
            else:
                when = f"due {p['next_due']}"
            last = f"{p['last_type']} {p['last_touch']}" if p["last_touch"] else "never"
            rows.append(
                (
                    KIND_VERBS.get(p["suggested"], p["suggested"]),
                    p["name"],
                    p["status"],
                    when,
                    f"every {p['cadence']}d",
                    last,
                    p["health"] if p["health"] is not None else "-",
                )
            )
        output.table(["suggest", "name", "status", "when", "cadence", "last touch", "health"], rows)
        if hidden:
            click.echo(f"… and {hidden} more (vaultcrm due --limit {limit + hidden})")
    else:
        click.echo("Nobody is due. Enjoy the quiet.")
    if r["not_started"]:
        click.echo("")
        names = ", ".join(p["name"] for p in r["not_started"][:12])
        more = f" and {len(r['not_started']) - 12} more" if len(r["not_started"]) > 12 else ""
        click.echo(st("Not started", bold=True) + f" (never touched yet): {names}{more}")
    if r["tasks"]:
        click.echo("")
        click.echo(st("Tasks", bold=True))
        for t in r["tasks"]:
            flag = " (overdue)" if t["overdue"] else ""
            click.echo(f"  {t['due']}{flag}  {t['text']}  · {t['person']}")
    if r["birthdays"]:
        click.echo("")
        click.echo(st("Birthdays", bold=True))
        for b in r["birthdays"]:
            when = "today" if b["days_until"] == 0 else f"in {b['days_until']} days"
            age = f" turns {b['age']}" if b["age"] else ""
            click.echo(f"  {b['date']} ({when})  {b['name']}{age}")
    if r["unclassified"]:
        click.echo("")
        click.echo(f"{len(r['unclassified'])} unclassified (no closeness yet): vaultcrm list --closeness none")
