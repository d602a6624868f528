"""stats and plan: the shape of your network and the work your cadences ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from . import App, cli, json_option, output, pass_app

if TYPE_CHECKING:
    from ..core import Vault


def _inputs(v: Vault) -> tuple[Any, ...]:
    people = v.people()
    touches = v.touches()
    infos = {p.path: v.due_info(p, touches) for p in people}
    archived = {p.path for p in people if v.is_archived(p)}
    changes = {p.path: v.settings_changes(p) for p in people}
    return people, touches, infos, archived, changes


def bar(value: float, top: float, width: int = 30) -> str:
    if top <= 0 or value <= 0:
        return ""
    n = value / top * width
    full = int(n)
    return "█" * full + ("▌" if n - full >= 0.5 else "")


@cli.command()
@json_option
@pass_app
def stats(app: App) -> None:
    """The shape of your network: Dunbar layers, circles, tiers, the stage
    funnel and its conversions, touches per month, who is overdue per circle.

    \b
    Examples:
      vaultcrm stats
      vaultcrm stats --json | jq .layers
    """
    from .. import insights

    v = app.vault()

    def compute() -> dict[str, Any]:
        people, _, infos, archived, changes = _inputs(v)
        return insights.stats(people, v.interactions(), changes, infos, archived, v.settings, v.today)

    data = v.cached("stats/1", compute)
    if app.json:
        output.emit_json(data)
        return
    _print_stats(data)


def _print_stats(d: dict[str, Any]) -> None:
    st = output.style
    click.echo(st(f"Your network · {d['today']}", bold=True))
    click.echo(f"{d['people']} people · {d['unclassified']} unclassified · {d['archived']} archived")
    click.echo("")
    click.echo(st("Dunbar layers", bold=True))
    for layer in d["layers"]:
        levels = (
            "–".join(str(x) for x in (layer["closeness"][0], layer["closeness"][-1]))
            if len(layer["closeness"]) > 1
            else str(layer["closeness"][0])
        )
        flag = st("  over the layer's size", fg="yellow") if layer["over"] else ""
        click.echo(
            f"  closeness {levels:<4} {layer['people']:>5} / {layer['size']:<5} "
            f"{bar(layer['people'], max(layer['size'], layer['people']), 20)}{flag}"
        )
    for title, key in (("Circles", "circles"), ("Tiers", "tiers"), ("Stages", "stages")):
        values = d[key]
        if not any(values.values()):
            continue
        click.echo("")
        click.echo(st(title, bold=True))
        top = max(values.values())
        for name, n in values.items():
            click.echo(f"  {name:<12} {n:>5} {bar(n, top)}")
        if key == "tiers" and d["a_tier_touch_share_90d"] is not None:
            click.echo(
                f"  {round(d['a_tier_touch_share_90d'] * 100)}% of the last 90 days' {d['touches_90d']} "
                "touches went to tier A"
            )
    moved = [c for c in d["conversions_12m"] if c["people"]]
    if moved:
        click.echo("")
        click.echo(st("Stage conversions, last 12 months", bold=True))
        for c in moved:
            rate = f"{round(c['rate'] * 100)}%" if c["rate"] is not None else "-"
            click.echo(f"  {c['from']} → {c['to']}: {c['moved_on']} of {c['people']} ({rate})")
    click.echo("")
    click.echo(st("Touches per month", bold=True))
    months = d["touches_per_month"]
    top = max((m["touches"] for m in months), default=0)
    for m in months:
        click.echo(f"  {m['month']}  {m['touches']:>4} {bar(m['touches'], top)}")
    if d["overdue_per_circle"]:
        click.echo("")
        click.echo(st("Overdue or lapsed, per circle", bold=True))
        for name, n in d["overdue_per_circle"].items():
            click.echo(f"  {name:<12} {n:>5}")


@cli.command()
@click.option("--weeks", type=click.IntRange(1, 104), default=12, show_default=True, help="How many weeks to plan.")
@json_option
@pass_app
def plan(app: App, weeks: int) -> None:
    """The weekly load your cadences ask for, spread evenly over the coming
    weeks, with Dunbar-layer warnings, your reach rate and closeness suggestions.

    Suggestions are never applied: change a closeness with `vaultcrm set`.

    \b
    Examples:
      vaultcrm plan
      vaultcrm plan --weeks 4 --json
    """
    from .. import insights

    v = app.vault()

    def compute() -> dict[str, Any]:
        people, touches, infos, archived, _ = _inputs(v)
        load = insights.weekly_load(people, v.settings, archived)
        weeks_plan = insights.schedule(people, infos, v.settings, v.today, weeks, archived)
        counts = [w["count"] for w in weeks_plan]
        mean = sum(counts) / len(counts) if counts else 0
        rates = insights.reach_rates(v.interactions(), v.settings, v.today)
        warnings = []
        for layer in insights.stats(people, [], {}, infos, archived, v.settings, v.today)["layers"]:
            if layer["over"]:
                top = layer["closeness"][-1]
                warnings.append(
                    f"{layer['people']} people at closeness 1–{top} (Dunbar's layer holds about {layer['size']}): "
                    "consider moving some to a looser level"
                    if top > 1
                    else f"{layer['people']} people at closeness 1 (Dunbar's layer holds about {layer['size']})"
                )
        dates = {p: [t.date for t in ts if t.date <= v.today] for p, ts in touches.items()}
        next4 = sum(counts[:4])
        projection = None
        if rates["reach_rate"] is not None:
            projection = round(next4 * rates["reach_rate"])
        return {
            "today": v.today.isoformat(),
            "weekly_load": load,
            "weeks": weeks_plan,
            "mean_per_week": round(mean, 6),
            "warnings": warnings,
            "reach": rates,
            "next_4_weeks": next4,
            "expected_to_reach": projection,
            "suggestions": insights.closeness_suggestions(people, dates, archived),
        }

    data = v.cached(f"plan/1/{weeks}", compute)
    if app.json:
        output.emit_json(data)
        return
    _print_plan(data)


def _print_plan(d: dict[str, Any]) -> None:
    st = output.style
    click.echo(st(f"Your plan · {d['today']}", bold=True))
    click.echo(
        f"Your cadences ask for {d['weekly_load']:.1f} touches a week ({d['weekly_load'] * 30 / 7:.0f} a month)."
    )
    for w in d["warnings"]:
        output.warn(w)
    click.echo("")
    top = max((w["count"] for w in d["weeks"]), default=0)
    for w in d["weeks"]:
        names = ", ".join(p["name"] for p in w["people"][:4])
        more = f" +{w['count'] - 4}" if w["count"] > 4 else ""
        click.echo(f"  {w['week']}  {w['count']:>4} {bar(w['count'], top, 20):<21} {names}{more}")
    click.echo(f"  mean {d['mean_per_week']:.1f} a week")
    r = d["reach"]
    if r["reach_rate"] is not None:
        click.echo("")
        click.echo(
            f"Of your {d['next_4_weeks']} planned touches in the next 4 weeks, expect about "
            f"{d['expected_to_reach']} to reach someone (your reach rate: {round(r['reach_rate'] * 100)}%, "
            f"{r['reached_12m']} of {r['attempts_12m']} attempts in 12 months)."
        )
        if r["meeting_rate"] is not None:
            click.echo(
                f"{round(r['meeting_rate'] * 100)}% of the calls and messages that reached someone "
                "led to a meeting within 30 days."
            )
    if d["suggestions"]:
        click.echo("")
        click.echo(st("Closeness suggestions (from how often you really meet; never applied)", bold=True))
        for s in d["suggestions"][:15]:
            click.echo(
                f"  {s['name']}: closeness {s['closeness'] or 'none'} → {s['suggested']} "
                f"(median gap {s['median_gap_days']:g} days)"
            )
