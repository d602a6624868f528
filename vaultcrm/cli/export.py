"""export: the address book (vCard, Google CSV) and the calendar (ICS) out of the vault."""

from __future__ import annotations

from pathlib import Path

import click

from . import App, cli, output, pass_app

FORMATS = ("vcard", "csv", "ics")


@cli.command()
@click.argument("fmt", metavar="vcard|csv|ics", type=click.Choice(FORMATS, case_sensitive=False))
@click.option(
    "--out",
    "out",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to FILE (atomically) instead of standard output.",
)
@click.option("--archived", is_flag=True, help="vcard/csv: include archived people (never in ics).")
@pass_app
def export(app: App, fmt: str, out: str | None, archived: bool) -> None:
    """Export the address book or a calendar of due dates and birthdays.

    vcard: a vCard 4.0 file for phones and address books (names, emails,
    phones, birthdays, organisation, title, URLs, social profiles, notes).
    csv: Google Contacts' CSV format (contacts.google.com → Import).
    ics: an iCalendar file with one all-day event per person's next due date
    and a yearly one per birthday; the UIDs stay the same on every export, so
    a subscribed calendar updates instead of filling up with copies.
    Archived people are left out (vcard/csv take them with --archived).

    \b
    Examples:
      vaultcrm export vcard --out contacts.vcf
      vaultcrm export csv --out google.csv
      vaultcrm export ics --out ~/Calendars/people.ics
      vaultcrm export vcard --archived > everyone.vcf
    """
    from .. import export as ex

    v = app.vault()
    fmt = fmt.lower()
    if fmt == "ics":
        events = ex.calendar_events(v)
        text = ex.ics(events, v.today)
        count, what = len(events), "event"
    else:
        people = ex.cards(v, archived=archived)
        text = ex.vcard(people) if fmt == "vcard" else ex.google_csv(people)
        count, what = len(people), "person" if len(people) == 1 else "people"
    if out is None:
        click.echo(text.encode("utf-8"), nl=False)  # bytes: CRLF and UTF-8 exactly as made
        return
    from ..vault import atomic_write

    target = Path(out).expanduser()
    atomic_write(target, text.encode("utf-8"))
    noun = what if what != "event" else ("event" if count == 1 else "events")
    output.note(f"Exported {count} {noun} to {target}")
