"""Network commands: path (warm introductions), referrals (sources, centres, bridges), intros."""

from __future__ import annotations

from typing import Any

import click

from . import App, cli, json_option, output, pass_app


def _money(x: float) -> str:
    return f"{x:,.0f}"


@cli.command()
@click.argument("name")
@click.option(
    "--max-hops",
    type=click.IntRange(1, 6),
    default=3,
    show_default=True,
    help="Longest route, in hops (edges): you → Carla → Dan → Alan is 3.",
)
@json_option
@pass_app
def path(app: App, name: str, max_hops: int) -> None:
    """Warm-introduction routes from you to NAME, strongest first.

    A route "you → Ed → Alan" is as strong as its weakest link: your tie to Ed
    (closeness and health) and Ed's tie to Alan (knows:, introduced_by:, events
    together, a shared small organisation). The top 3 routes each start with a
    different person to ask. A weak best route comes with a warning naming the weak
    tie and how to strengthen it; with no route you get the people most likely to
    know them (same organisation, tags, place). NAME may also be someone who is
    only named in others' files (knows: [[Alan Vance]]). See docs/network.md.

    \b
    Examples:
      vaultcrm path "Alan Vance"
      vaultcrm path Alan --max-hops 4
      vaultcrm path Alan --json
    """
    from ..network import path_report

    v = app.vault()
    data = path_report(v, name, max_hops)
    if app.json:
        output.emit_json(data)
        return
    st = output.style
    target = data["target"]["name"]
    routes = data["routes"]
    if not routes:
        click.echo(f"No route to {target} within {max_hops} hop{'s' if max_hops != 1 else ''}.")
    else:
        click.echo(st(f"Routes to {target}", bold=True) + f" (at most {max_hops} hops)")
    for i, r in enumerate(routes, 1):
        colour = {"strong": "green", "fair": "yellow", "weak": "red"}[r["band"]]
        chain = " → ".join(r["people"])
        click.echo("")
        click.echo(
            f"{i}. {chain}  "
            + st(f"{r['band']} {r['score']:.2f}", fg=colour)
            + f" · {r['hops']} hop{'s' if r['hops'] != 1 else ''}"
        )
        for link in r["links"]:
            click.echo(f"     {link['from']} → {link['to']}  {link['strength']:.2f}  {link['how']}")
    if data["warning"]:
        click.echo("")
        click.echo(st("Warning: ", fg="red", bold=True) + data["warning"])
        for line in data["advice"]:
            click.echo(f"  - {line}")
    if data["might_know"] or not routes:
        click.echo("")
        if data["might_know"]:
            click.echo(st(f"Who might know {target}", bold=True))
            for m in data["might_know"]:
                click.echo(f"  - {m['name']}: {'; '.join(m['why'])}")
        else:
            click.echo(f"Nobody in your vault shares an organisation, a tag or a place with {target}.")
        if not routes:
            click.echo(f"Try a longer route (--max-hops {max_hops + 1}) or add who knows whom (knows: in their files).")


@cli.command()
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True, help="Rows per list.")
@json_option
@pass_app
def referrals(app: App, limit: int) -> None:
    """Your referral sources, the centres of influence and the bridges between your circles.

    Referral sources: the people named in others' introduced_by:, ranked by what the
    people they brought became (client 3, prospect 2, anyone else 0.25), weighted by
    deal value when deals/ has deals for them. Centres of influence: the most strong
    ties (0.6+) to others in your vault. Bridges: the highest betweenness (people on
    the shortest paths between your circles). See docs/network.md.

    \b
    Examples:
      vaultcrm referrals
      vaultcrm referrals --limit 3
      vaultcrm referrals --json
    """
    from ..network import referrals_report

    v = app.vault()
    data: dict[str, Any] = dict(referrals_report(v))
    for key in ("referrals", "centres", "bridges"):
        data[key] = data[key][:limit]
    if app.json:
        output.emit_json(data)
        return
    st = output.style
    click.echo(st("Referral sources", bold=True))
    if not data["referrals"]:
        click.echo("  Nobody yet: write introduced_by: in the files of people someone introduced to you.")
    for i, r in enumerate(data["referrals"], 1):
        bits = [f"brought {r['brought']}"]
        if r["clients"]:
            bits.append(f"{r['clients']} client{'s' if r['clients'] != 1 else ''}")
        if r["prospects"]:
            bits.append(f"{r['prospects']} prospect{'s' if r['prospects'] != 1 else ''}")
        if r["won_value"]:
            bits.append(f"won {_money(r['won_value'])}")
        if r["pipeline_value"] and r["pipeline_value"] != r["won_value"]:
            bits.append(f"weighted deals {_money(r['pipeline_value'])}")
        click.echo(f"  {i}. {r['name']}  score {r['score']:.1f} · " + " · ".join(bits))
        people = ", ".join(f"{p['name']} ({p['stage'] or 'no stage'})" for p in r["people"][:5])
        more = f" and {len(r['people']) - 5} more" if len(r["people"]) > 5 else ""
        click.echo(f"       {people}{more}")
    click.echo("")
    click.echo(st("Centres of influence", bold=True) + " (strong ties to others in your vault)")
    if not data["centres"]:
        click.echo("  Nobody has strong ties yet: add knows: with a closeness to people's files.")
    for c in data["centres"]:
        click.echo(f"  {c['name']}: {c['strong_ties']} strong of {c['ties']} ties")
    click.echo("")
    click.echo(st("Bridges between your circles", bold=True) + f" (betweenness, {data['betweenness']})")
    if not data["bridges"]:
        click.echo("  No bridges: nobody sits between two groups yet.")
    for b in data["bridges"]:
        circles = f"  ({' · '.join(b['circles'])})" if b["circles"] else ""
        click.echo(f"  {b['name']}: {b['betweenness']:.3f}{circles}")


@cli.command()
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True, help="How many pairs.")
@json_option
@pass_app
def intros(app: App, limit: int) -> None:
    """Suggested introductions: pairs of your people who do not know each other yet
    but share tags or a place, or a prospect and a client with a shared tag.

    Only your closeness 1–3 people are matched (you introduce people you know).
    Making one links both: `vaultcrm log A intro "introduced her to [[B]]"` (and
    earns the Connector badge). The weekly review lists the top three.

    \b
    Examples:
      vaultcrm intros
      vaultcrm intros --limit 3 --json
      vaultcrm log "Clara Benedetti" intro "introduced her to [[Priya Raman]]"
    """
    from ..network import intros_report

    v = app.vault()
    found = intros_report(v, limit)
    if app.json:
        output.emit_json(found)
        return
    if not found:
        click.echo("No introductions to suggest: none of your people share tags or a place without knowing each other.")
        return
    click.echo(output.style("Suggested introductions", bold=True))
    for s in found:
        click.echo(f"  - Introduce {s['a']} to {s['b']} · {' · '.join(s['why'])}")
