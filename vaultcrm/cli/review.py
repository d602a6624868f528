"""review: the weekly review note, written into the vault."""

from __future__ import annotations

import click

from . import App, cli, json_option, output, pass_app


@cli.command()
@click.option("--week", metavar="YYYY-Www", help="The ISO week (default: this week), for example 2026-W47.")
@click.option("--print", "print_only", is_flag=True, help="Print the note instead of writing it.")
@click.option("--force", is_flag=True, help="Regenerate a past week's review (ticks and your notes are kept).")
@json_option
@pass_app
def review(app: App, week: str | None, print_only: bool, force: bool) -> None:
    """Write this week's review note, reviews/YYYY-Www.md, from templates/review.md.j2:
    who to reach out to (as checkboxes), birthdays, tasks, last week's wins, who is cooling,
    dormant ties worth a hello, the pipeline and an activity heatmap.

    Tick a checkbox in Obsidian (or write [x]) and it counts as that touch. Running it
    again keeps your ticks, any line you added and the My notes section; a past week is
    only regenerated with --force.

    \b
    Examples:
      vaultcrm review
      vaultcrm review --print
      vaultcrm review --week 2026-W47 --force
    """
    from .. import review as review_mod

    v = app.vault()
    if print_only:
        year, wk = review_mod.parse_week(week) if week else review_mod.week_of(v.today)
        text = review_mod.render(v, review_mod.build_context(v, year, wk))
        click.echo(review_mod.merge(None, text), nl=False)
        return
    rel, changed = review_mod.write_review(v, week, force)
    if app.json:
        output.emit_json({"path": rel, "changed": changed})
        return
    click.echo(f"{'Wrote' if changed else 'Unchanged:'} {rel}")
