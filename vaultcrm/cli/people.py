"""People commands: add, log, show, list, set."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError
from ..logline import inline_fields, readable
from ..summary import SEP, ensure_summaries, person_summary, query_summaries
from . import App, cli, json_option, output, pass_app

if TYPE_CHECKING:
    from ..core import Vault


# ---------------------------------------------------------------------------
# add


@cli.command()
@click.argument("name")
@click.option(
    "--closeness",
    type=click.Choice(["1", "2", "3", "4"]),
    help="1 meet regularly, 2 now and then, 3 remote/old, 4 not yet met.",
)
@click.option("--circle", help="A circle from vaultcrm.yaml (customers, creatives, pals, family …).")
@click.option("--stage", help="stranger, suspect, contact, connection, prospect or client.")
@click.option("--tier", help="A, B, C or D.")
@click.option("--cadence", help="Override the cadence: 7d, 2w, 1m, 3m, 1y or none.")
@click.option("--email", "emails", multiple=True, help="An email address (repeatable).")
@click.option("--phone", "phones", multiple=True, help="A phone number (repeatable).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--alias", "aliases", multiple=True, help="Another name they go by (repeatable).")
@click.option("--company", help="Their organisation (written as a [[link]]).")
@click.option("--role", help="Their role or job title.")
@click.option("--location", help="Where they live.")
@click.option("--birthday", help="YYYY-MM-DD, or --MM-DD when the year is unknown.")
@click.option("--introduced-by", help="Who introduced you (written as a [[link]]).")
@click.option("--kin", is_flag=True, default=None, help="Family: health decays at half speed.")
@click.option("--note", default="", help="A first line of free notes.")
@json_option
@pass_app
def add(app: App, name: str, note: str, **options: Any) -> None:
    """Add a person: a new file in people/ from templates/person.md.j2.

    The file is named after NAME (characters that are illegal in file names
    are replaced); `added:` is set to today.

    \b
    Examples:
      vaultcrm add "Klaus Breyer" --closeness 2 --circle creatives --tier B
      vaultcrm add "Anna Schmidt" --email anna@example.com --tag berlin --tag founder
    """
    v = app.vault()
    fields: dict[str, Any] = {}
    order = (
        "aliases",
        "closeness",
        "circle",
        "stage",
        "tier",
        "cadence",
        "kin",
        "emails",
        "phones",
        "company",
        "role",
        "location",
        "birthday",
        "tags",
        "introduced_by",
    )
    for key in order:
        value = options.get(key)
        if value in (None, (), ""):
            continue
        if isinstance(value, tuple):
            fields[key] = list(value)
        elif isinstance(value, bool):
            fields[key] = value
        else:
            fields[key] = v.coerce(key, value)
    if "introduced_by" in fields:
        introducer = v.resolve(str(fields["introduced_by"]).strip("[]"))
        fields["introduced_by"] = f"[[{introducer.name}]]"
    rel = v.add_person(name, fields, note)
    if app.json:
        output.emit_json({"name": " ".join(name.split()), "path": rel})
    else:
        click.echo(f"Added {' '.join(name.split())} → {rel}")


# ---------------------------------------------------------------------------
# log


@cli.command()
@click.argument("name")
@click.argument("type_", metavar="TYPE")
@click.argument("text", nargs=-1)
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="When it happened (default: today).")
@click.option("--time", "time_", metavar="HH:MM", help="At what time.")
@click.option("--in", "direction", flag_value="in", help="They reached out.")
@click.option("--out", "direction", flag_value="out", help="You reached out.")
@click.option("--min", "minutes", type=click.IntRange(min=1), help="How long, in minutes.")
@click.option(
    "--with",
    "with_",
    multiple=True,
    metavar="NAME",
    help="Someone else who took part (repeatable).",
)
@click.option("--not-reached", is_flag=True, help="An attempt that did not reach them (not a touch).")
@click.option("--template", metavar="NAME/VARIANT", help="The message template sent (implies --out).")
@click.option("--via", help="The channel (linkedin, signal …).")
@json_option
@pass_app
def log(
    app: App,
    name: str,
    type_: str,
    text: tuple[str, ...],
    date_: str | None,
    time_: str | None,
    direction: str | None,
    minutes: int | None,
    with_: tuple[str, ...],
    not_reached: bool,
    template: str | None,
    via: str | None,
) -> None:
    """Log an interaction with NAME in their file's ## Log.

    TYPE is a kind or alias from vaultcrm.yaml: meet (coffee, lunch, dinner …),
    video, call, letter, intro, voice, message (text, email …), social, like, note.
    NAME must match a person exactly, by alias, in any case or by a unique
    prefix; an unknown name is an error, never a new file.

    \b
    Examples:
      vaultcrm log Klaus coffee "talked about his new startup #idea"
      vaultcrm log "Anna Schmidt" call --in --min 45
      vaultcrm log Klaus dinner --with Anna --with "Ed Miller" --date 2026-11-20
      vaultcrm log Klaus call "voicemail only" --not-reached
    """
    import re

    v = app.vault()
    person = v.resolve(name)
    when = None
    if date_:
        try:
            when = dt.date.fromisoformat(date_)
        except ValueError:
            raise UsageError(f"--date: '{date_}' is not a date (YYYY-MM-DD)") from None
    if time_ is not None and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", time_):
        raise UsageError(f"--time: '{time_}' is not a time (HH:MM)")
    if time_ is not None:
        hh, mm = time_.split(":")
        time_ = f"{int(hh):02d}:{mm}"
    if template:
        from ..messages import check_variant

        template = "/".join(check_variant(v, template))  # the variant file must exist
        direction = direction or "out"
    fields: dict[str, str] = {}
    if direction:
        fields["dir"] = direction
    if minutes:
        fields["min"] = str(minutes)
    if with_:
        others = []
        for other in with_:
            p = v.resolve(other)
            if p.path != person.path and f"[[{p.name}]]" not in others:
                others.append(f"[[{p.name}]]")
        if others:
            fields["with"] = ", ".join(others)
    if not_reached:
        fields["reached"] = "no"
    if template:
        fields["template"] = template
    if via:
        fields["via"] = via
    before = v.game() if v.gamification else None
    line = v.log(person, type_, " ".join(text), date=when, time=time_, fields=fields)
    gain = None
    if before is not None:
        from ..gamification import diff

        gain = diff(before, v.game())
    when = when or v.today
    if when > v.today:
        output.warn(f"{line[2:12]} is in the future: it counts from that day on")
    if app.json:
        data: dict[str, Any] = {"name": person.name, "path": person.path, "line": line}
        if gain is not None:
            data["earned"] = gain.to_json()
        output.emit_json(data)
    else:
        click.echo(f"Logged in {person.path}: {line}")
        if gain is not None and gain.messages():
            click.echo(output.style(str(gain), fg="green", bold=True))
    from .. import logline, plugins

    written = logline.parse(line)
    if written is not None:  # plugins react (vaultcrm_after_log) after the line is reported; a failure is named
        plugins.current().after_log(v, person, written)


# ---------------------------------------------------------------------------
# show


@cli.command()
@click.argument("name")
@click.option("--why", is_flag=True, help="Explain the numbers: which touches gave what.")
@click.option(
    "--history",
    "limit",
    type=int,
    default=10,
    show_default=True,
    help="How many log entries to show.",
)
@json_option
@pass_app
def show(app: App, name: str, why: bool, limit: int) -> None:
    """Show a person's card: closeness, health, friend level, last and next touch, history.

    \b
    Examples:
      vaultcrm show Klaus
      vaultcrm show "Anna Schmidt" --why
      vaultcrm show Klaus --json
    """
    v = app.vault()
    match = v.match(name, allow_fuzzy=True)
    p = match.person
    if match.how == "fuzzy":
        output.note(f"(showing {p.name} for '{name}')")
    data = person_summary(v, p)
    history = sorted(v.interactions_of(p), key=lambda it: (it.date, it.entry.line), reverse=True)
    data["history"] = [
        {
            "date": it.date.isoformat(),
            "type": it.type,
            "kind": it.kind,
            "text": it.text,
            "direction": it.direction,
            "reached": it.reached,
            "future": it.date > v.today,
            "path": it.entry.path,
            "line": it.entry.line,
        }
        for it in history[: max(limit, 0)]
    ]
    data["interactions"] = sum(1 for it in history if it.date <= v.today)
    from ..network import person_network

    data["network"] = person_network(v, p, history)
    reviews = v.settings.folders.reviews + "/"
    tasks = [
        t
        for t in v.tasks()
        if t.is_open
        and not t.path.startswith(reviews)  # a review's checkboxes are suggestions, not tasks
        and (t.owner == p.path or any(v.lookup(n) == p.path for n in t.links))
    ]
    data["tasks"] = [
        {
            "text": t.description,
            "due": t.due.isoformat() if t.due else None,
            "path": t.path,
            "line": t.line,
        }
        for t in tasks
    ]
    from ..deals import deal_tasks, number, of_person

    data["tasks"] += [
        {"text": t.description, "due": t.due.isoformat() if t.due else None, "path": t.path, "line": t.line}
        for t in deal_tasks(v, p)
        if not any(x["path"] == t.path and x["line"] == t.line for x in data["tasks"])
    ]
    data["deals"] = [
        {
            "title": d.title,
            "path": d.path,
            "stage": d.stage,
            "value": number(d.value) if d.value is not None else None,
            "currency": d.currency,
            "close": d.close.isoformat() if d.close else None,
            "overdue": bool(d.close and d.close < v.today),
        }
        for d in of_person(v, p)
    ]
    health = v.health(p)
    friend = v.friend_level(p) if v.gamification else None
    data["continuity"] = None
    if v.gamification:
        from ..gamification import continuity_of

        cont = continuity_of(
            p, [t.date for t in v._touches_of(v.interactions_of(p))], v.settings_changes(p), v.settings, v.today
        )
        if cont is not None:
            data["continuity"] = {
                "since": cont.since.isoformat(),
                "days": cont.span_days,
                "periods": cont.periods,
                "cadence": cont.cadence,
            }
    if why:
        data["why"] = {
            "health": health.why
            if health
            else (
                "no touches yet: health starts with the first one" if data["cadence"] else "no cadence: no health score"
            ),
        }
        if friend is not None:
            data["why"]["friend_level"] = friend.why
            data["why"]["xp"] = [item.to_json() for item in v.game().why(p.path)][-20:]
    if app.json:
        output.emit_json(data)
        return
    _print_card(v, data, health, friend, why)


def _print_card(v: Vault, d: dict[str, Any], health: Any, friend: Any, why: bool) -> None:
    st = output.style
    title = st(d["name"], bold=True)
    if d["aliases"]:
        title += f"  ({', '.join(d['aliases'])})"
    click.echo(title)
    click.echo(st(d["path"], dim=True))
    bits = []
    if d["closeness"]:
        bits.append(f"closeness {d['closeness']} ({d['closeness_name']})")
    else:
        bits.append("unclassified (no closeness yet: vaultcrm set NAME closeness 1-4)")
    for key in ("circle", "stage"):
        if d[key]:
            bits.append(d[key])
    if d["tier"]:
        bits.append(f"tier {d['tier']}")
    click.echo(" · ".join(bits))
    if d["role"] or d["company"] or d["location"]:
        click.echo(" · ".join(x for x in (d["role"], d["company"], d["location"]) if x))
    if d["cadence"]:
        line = f"every {d['cadence']} days · {d['status']}"
        if d["status"] in ("due", "overdue", "lapsed") and d["days_overdue"]:
            line += f" ({d['days_overdue']} days past due)"
        click.echo(line)
    elif d["status"] == "archived":
        click.echo("archived")
    if health is not None:
        click.echo(f"health {health.value} ({health.band})")
    if d.get("continuity"):
        c = d["continuity"]
        months = c["days"] // 30
        span = f"{months} months" if months >= 2 else f"{c['days'] // 7} weeks"
        click.echo(f"in touch for {span} (since {c['since']}, {c['periods']} cadence periods in a row)")
    if friend is not None and friend.level:
        click.echo(f"level {friend.level} friend · {friend.title}")
    last = f"last touch: {d['last_touch']} ({d['last_type']})" if d["last_touch"] else "last touch: never"
    nxt = f" · next due: {d['next_due']}" if d["next_due"] else ""
    click.echo(last + nxt)
    if d["birthday"]:
        click.echo(f"birthday: {d['birthday']}")
    net = d["network"]
    if net["knows"] or net["introduced_by"] or net["introduced"]:
        parts = [f"knows {net['knows']} of your people"]
        if net["introduced_by"]:
            parts.append(f"introduced by {net['introduced_by']}")
        if net["introduced"]:
            parts.append(f"introduced you to {', '.join(net['introduced'])}")
        click.echo("; ".join(parts))
    contact = list(d["emails"]) + list(d["phones"])
    if contact:
        click.echo(" · ".join(contact))
    if why:
        click.echo("")
        click.echo(st("Why", bold=True))
        click.echo(f"  health: {d['why']['health']}")
        if "friend_level" in d["why"]:
            click.echo(f"  friend level: {d['why']['friend_level']}")
        if d["why"].get("xp"):
            click.echo("  XP from the latest entries with them:")
            for item in d["why"]["xp"]:
                click.echo(f"    {item['date']}  {item['xp']:>6.1f}  {item['why']}")
    if d["history"]:
        click.echo("")
        n = d["interactions"]
        click.echo(st(f"History ({n} interaction{'' if n == 1 else 's'})", bold=True))
        for h in d["history"]:
            mark = ("" if h["reached"] else " (not reached)") + (" (dated in the future)" if h["future"] else "")
            arrow = {"in": "←", "out": "→"}.get(h["direction"], "↔")
            plain = readable(inline_fields(h["text"])[1])
            text = f": {plain}" if plain else ""
            click.echo(f"  {h['date']} {arrow} {h['type']}{mark}{text}")
    if d["tasks"]:
        click.echo("")
        click.echo(st("Open tasks", bold=True))
        for t in d["tasks"]:
            due = f" (due {t['due']})" if t["due"] else ""
            click.echo(f"  [ ] {t['text']}{due}")
    if d.get("deals"):
        from ..deals import money

        click.echo("")
        click.echo(st("Open deals", bold=True))
        for deal in d["deals"]:
            close = f" · close {deal['close']}" + (" (overdue)" if deal["overdue"] else "") if deal["close"] else ""
            click.echo(f"  {deal['title']} · {deal['stage']} · {money(deal['value'], deal['currency'])}{close}")


# ---------------------------------------------------------------------------
# list

STATUSES = ("fresh", "ok", "upcoming", "due", "overdue", "lapsed", "not started", "no cadence", "snoozed", "archived")
SORTS = ("name", "closeness", "priority", "last", "health", "tier", "added", "friend-level")


@cli.command("list")
@click.option("--circle", multiple=True, help="Only these circles (repeatable).")
@click.option(
    "--closeness",
    multiple=True,
    type=click.Choice(["1", "2", "3", "4", "none"]),
    help="Only these closeness levels; 'none' for unclassified.",
)
@click.option("--stage", multiple=True, help="Only these stages (repeatable).")
@click.option("--tier", multiple=True, help="Only these tiers (repeatable).")
@click.option("--tag", multiple=True, help="Only people with this tag (repeatable: all must match).")
@click.option(
    "--status",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Only this status (repeatable).",
)
@click.option(
    "--band",
    multiple=True,
    type=click.Choice(["thriving", "warm", "cooling", "fading", "dormant"]),
    help="Only this health band.",
)
@click.option("--near", metavar="PLACE", help="Only people whose location contains PLACE.")
@click.option("--archived", is_flag=True, help="Include archived people.")
@click.option(
    "--sort",
    "sort_by",
    type=click.Choice(SORTS),
    default="name",
    show_default=True,
    help="Sort order.",
)
@json_option
@pass_app
def list_(
    app: App,
    circle: tuple[str, ...],
    closeness: tuple[str, ...],
    stage: tuple[str, ...],
    tier: tuple[str, ...],
    tag: tuple[str, ...],
    status: tuple[str, ...],
    band: tuple[str, ...],
    near: str | None,
    archived: bool,
    sort_by: str,
) -> None:
    """List people, filtered and sorted.

    \b
    Examples:
      vaultcrm list --closeness 1 --closeness 2
      vaultcrm list --circle customers --stage prospect --sort priority
      vaultcrm list --tag berlin --json
      vaultcrm list --closeness none        # who still needs classifying
    """
    v = app.vault()
    where, params = people_filter(circle, closeness, stage, tier, tag, status, band, near, archived)
    orders = {
        "name": "name_key, path",
        "closeness": "COALESCE(closeness, 9), name_key, path",
        "priority": "priority DESC, tier_rank, name_key, path",
        "last": "COALESCE(last_touch, ''), name_key, path",
        "health": "COALESCE(health, 999), name_key, path",
        "tier": "tier_rank, name_key, path",
        "added": "COALESCE(added, ''), name_key, path",
        "friend-level": "COALESCE(friend_level, 0) DESC, name_key, path",
    }
    if app.json:
        ensure_summaries(v)
        found = v.index.query_summary(" AND ".join(where) or "1", params, orders[sort_by], columns="data")
        output.emit_json_texts([raw for (raw,) in found])
        return
    rows = query_summaries(v, " AND ".join(where) or "1", params, orders[sort_by])
    if app.json:
        output.emit_json_texts([raw for _, raw in rows])
        return
    if not rows:
        click.echo("No people match." if v.index.count_people() else "No people yet: vaultcrm add NAME")
        return
    output.table(
        ["name", "closeness", "circle", "stage", "tier", "status", "last touch"],
        [
            (
                d["name"],
                d["closeness"] or "-",
                d["circle"] or "",
                d["stage"] or "",
                d["tier"] or "",
                d["status"],
                d["last_touch"] or "never",
            )
            for d, _ in rows
        ],
    )
    click.echo(f"{len(rows)} {'person' if len(rows) == 1 else 'people'}")


def people_filter(
    circle: tuple[str, ...] | list[str] = (),
    closeness: tuple[str, ...] | list[str] = (),
    stage: tuple[str, ...] | list[str] = (),
    tier: tuple[str, ...] | list[str] = (),
    tag: tuple[str, ...] | list[str] = (),
    status: tuple[str, ...] | list[str] = (),
    band: tuple[str, ...] | list[str] = (),
    near: str | None = None,
    archived: bool = False,
) -> tuple[list[str], list[Any]]:
    """`list`'s filters as SQL over the summary table (also used by `set --where`)."""
    where: list[str] = []
    params: list[Any] = []

    def any_of(column: str, values: list[Any]) -> None:
        where.append(f"{column} IN ({', '.join('?' for _ in values)})")
        params.extend(values)

    if circle:
        any_of("circle_key", [c.casefold() for c in circle])
    if closeness:
        levels = [int(c) for c in closeness if c != "none"]
        parts = []
        if levels:
            parts.append(f"closeness IN ({', '.join('?' for _ in levels)})")
            params.extend(levels)
        if "none" in closeness:
            parts.append("closeness IS NULL")
        where.append("(" + " OR ".join(parts) + ")")
    if stage:
        any_of("stage_key", [x.casefold() for x in stage])
    if tier:
        any_of("tier_key", [x.upper() for x in tier])
    for t in tag:
        where.append("instr(tags_key, ?) > 0")
        params.append(SEP + t.casefold().lstrip("#") + SEP)
    if near:
        where.append("instr(location_key, ?) > 0")
        params.append(near.casefold())
    if not archived:
        where.append("archived = 0")
    if status:
        any_of("status", list(status))
    if band:
        any_of("band", list(band))
    return where, params


# ---------------------------------------------------------------------------
# set


@cli.command()
@click.argument("name")
@click.option("--undo", is_flag=True, help="Bring an archived person back (writes an `unarchived` line).")
@click.option("--note", default="", help="Why, written on the line (for example: moved abroad).")
@json_option
@pass_app
def archive(app: App, name: str, undo: bool, note: str) -> None:
    """Archive a person: a dated `archived` line in their log. They leave `due`, `list`
    and the review; their file, history and numbers stay (`list --archived` shows them).

    \b
    Examples:
      vaultcrm archive "Marta Jensen" --note "moved away, lost touch"
      vaultcrm archive "Marta Jensen" --undo
    """
    v = app.vault()
    person = v.resolve(name)
    line = v.archive(person, archived=not undo, note=note)
    state = "unarchived" if undo else "archived"
    if app.json:
        output.emit_json({"name": person.name, "path": person.path, "archived": not undo, "line": line})
        return
    if line is None:
        click.echo(f"{person.name} is already {state}.")
    else:
        click.echo(f"{person.name}: {state} ({line})")


@cli.command("set")
@click.argument("name")
@click.argument("key")
@click.argument("value", required=False)
@click.option(
    "--where",
    multiple=True,
    metavar="FILTER",
    help="Instead of NAME: everyone matching `list`'s filters as KEY=VALUE, comma-separated "
    "(circle=pals,tag=berlin; repeatable). Give only KEY VALUE then.",
)
@click.option("--dry-run", is_flag=True, help="With --where: show who would change; write nothing.")
@click.option("--force", is_flag=True, help="With --where: write even over uncommitted edits in git.")
@json_option
@pass_app
def set_(app: App, name: str, key: str, value: str | None, where: tuple[str, ...], dry_run: bool, force: bool) -> None:
    """Set one frontmatter KEY of a person to VALUE, changing nothing else in the file.

    closeness, stage, tier and circle changes also write a dated line to the
    log (`- 2026-11-23 closeness: 3 → 2`) so the past keeps its values. Lists
    (tags, emails, phones, aliases) take comma-separated values; `none`
    removes the key.

    \b
    Examples:
      vaultcrm set Klaus closeness 2
      vaultcrm set "Anna Schmidt" stage client
      vaultcrm set Klaus tags founder,berlin
      vaultcrm set Klaus snooze_until 2026-12-15
      vaultcrm set --where circle=pals,closeness=none closeness 3
      vaultcrm set --where tag=berlin --dry-run location Berlin
    """
    import re

    if where:  # set --where FILTER KEY VALUE: the two arguments are KEY and VALUE
        if value is not None:
            raise UsageError("with --where give KEY VALUE only (no NAME)", hint="vaultcrm set --where tag=x KEY VALUE")
        from .cleanup import set_where

        set_where(app, where, name, key, dry_run=dry_run, force=force)
        return
    if value is None:
        raise click.UsageError("Missing argument 'VALUE'.")
    if dry_run or force:
        raise UsageError("--dry-run and --force go with --where")
    if not re.fullmatch(r"[A-Za-z_][\w-]*", key):
        raise UsageError(f"'{key}' is not a frontmatter key")
    v = app.vault()
    person = v.resolve(name)
    old, new, change = v.set_value(person, key, value)
    if app.json:
        output.emit_json(
            {
                "name": person.name,
                "path": person.path,
                "key": key,
                "old": old,
                "new": new,
                "log_line": change,
            }
        )
        return
    if old == new or (isinstance(old, str) and old == _shown(new)):
        click.echo(f"{person.name}: {key} is already {_shown(new)} (nothing changed)")
        return
    shown = "removed" if new is None else f"{_shown(old) if old is not None else 'none'} → {_shown(new)}"
    click.echo(f"{person.name}: {key} {shown}")
    if change:
        click.echo(f"  logged: {change}")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
