"""vaultcrm-birthdays: remember birthdays, and get a badge for it.

* a weekly-review section **Birthdays remembered**: this week's birthdays and whether you
  got in touch on the day (or a day either side);
* a badge **Birthday Rememberer** (bronze 1, silver 5, gold 25): one step for every birthday
  you marked with a touch within a day of it (every person, every year);
* a command ``vaultcrm birthdays-ics [--out FILE]``: an ICS feed of birthdays only, one
  yearly all-day event per person, to subscribe to in any calendar.

The module's top level stays light (vaultcrm loads it before every command): the feed and
the date arithmetic import what they need when they run.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from vaultcrm.hooks import Badge, History, ReviewSection, hookimpl

if TYPE_CHECKING:
    from vaultcrm.core import Vault
    from vaultcrm.model import Person

__version__ = "0.1.0"

SECTION = """\
{% for b in birthdays -%}
- {{ b.label }}: {{ b.link }}{% if b.age %} ({{ b.age }}){% endif %} · {{ b.status }}
{% else -%}
No birthdays this week.
{% endfor -%}
{{ summary }}"""


def birthday_near(birthday: str, day: dt.date) -> dt.date | None:
    """The birthday within one day of ``day`` (as it falls that year, or the years around), or None."""
    from vaultcrm.cadence import birthday_in, birthday_parts

    parts = birthday_parts(birthday)
    if parts is None:
        return None
    _, month, mday = parts
    for year in (day.year - 1, day.year, day.year + 1):
        when = birthday_in(year, month, mday)
        if abs((when - day).days) <= 1:
            return when
    return None


def remembered(birthday: str, touch_dates: list[dt.date]) -> dict[dt.date, dt.date]:
    """Birthday date → the first touch within a day of it, for every birthday in the history."""
    found: dict[dt.date, dt.date] = {}
    for day in sorted(touch_dates):
        when = birthday_near(birthday, day)
        if when is not None and when not in found:
            found[when] = day
    return found


def remembered_dates(history: History) -> list[dt.date]:
    """The badge's progress: one date per (person, birthday) remembered with a touch."""
    touches: dict[str, list[dt.date]] = {}
    for it in history.touches():
        for path in it.participants:
            touches.setdefault(path, []).append(it.date)
    out: list[dt.date] = []
    for path, person in sorted(history.people.items()):
        if person.birthday and path in touches:
            out.extend(remembered(person.birthday, touches[path]).values())
    return sorted(out)


def _touch_dates(v: Vault, person: Person) -> list[dt.date]:
    types = v.settings.types
    return [it.date for it in v.interactions_of(person) if types[it.kind].touch and it.reached and it.date <= v.today]


def section_context(v: Vault, monday: dt.date) -> dict[str, Any]:
    from vaultcrm.cadence import birthday_in, birthday_parts

    sunday = monday + dt.timedelta(days=6)
    rows = []
    this_year = 0
    for person in sorted(v.people(), key=lambda p: p.name.lower()):
        if not person.birthday:
            continue
        parts = birthday_parts(person.birthday)
        if parts is None:
            continue
        year, month, mday = parts
        found = remembered(person.birthday, _touch_dates(v, person))
        this_year += sum(1 for b in found if b.year == v.today.year)
        for y in {monday.year, sunday.year}:
            when = birthday_in(y, month, mday)
            if not monday <= when <= sunday:
                continue
            touch = found.get(when)
            stem = person.path.rsplit("/", 1)[-1][:-3]
            rows.append(
                {
                    "label": f"{when.day} {when.strftime('%b')}",
                    "date": when,
                    "link": f"[[{stem}]]" if stem == person.name else f"[[{stem}|{person.name}]]",
                    "age": when.year - year if year else None,
                    "status": (
                        f"✓ remembered ({touch.day} {touch.strftime('%b')})"
                        if touch
                        else "coming up: a message on the day counts"
                        if when + dt.timedelta(days=1) >= v.today
                        else "missed: a late hello still beats none"
                    ),
                }
            )
    rows.sort(key=lambda r: (r["date"], r["link"]))
    summary = f"{this_year} birthday{'' if this_year == 1 else 's'} remembered this year." if this_year else ""
    return {"birthdays": rows, "summary": summary}


@hookimpl
def vaultcrm_review_sections() -> list[ReviewSection]:
    return [ReviewSection("Birthdays remembered", SECTION, section_context)]


@hookimpl
def vaultcrm_badges() -> list[Badge]:
    return [
        Badge(
            "birthday_rememberer",
            "Birthday Rememberer",
            (("bronze", 1), ("silver", 5), ("gold", 25)),
            remembered_dates,
            "birthdays marked with a touch within a day (every person, every year)",
        )
    ]


@hookimpl
def vaultcrm_commands(cli: click.Group) -> None:
    from vaultcrm.cli import App, pass_app

    @cli.command("birthdays-ics")
    @click.option("--out", "out", metavar="FILE", help="Write the feed to FILE (default: print it).")
    @pass_app
    def birthdays_ics(app: App, out: str | None) -> None:
        """An ICS calendar feed of birthdays only: one yearly all-day event per person
        with a birthday (from the vaultcrm-birthdays plugin).

        \b
        Examples:
          vaultcrm birthdays-ics --out ~/birthdays.ics
          vaultcrm birthdays-ics > birthdays.ics
        """
        from pathlib import Path

        from .ics import feed

        v = app.vault()
        text = feed(v.people(), v.today)
        if out:
            from vaultcrm.vault import atomic_write

            target = Path(out).expanduser()
            atomic_write(target, text.encode("utf-8"))
            count = text.count("BEGIN:VEVENT")
            click.echo(f"Wrote {count} birthday{'' if count == 1 else 's'} to {target}", err=True)
        else:
            click.echo(text, nl=False)
