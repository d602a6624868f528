"""profile and badges: XP, levels, streaks and badges (SCORING.md §3.5–3.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from . import App, cli, json_option, output, pass_app

if TYPE_CHECKING:
    from ..core import Vault

QUIET = "Quiet mode: gamification is off in vaultcrm.yaml (XP, levels, streaks and badges are hidden)."
STATE_WORDS = {
    "kept": "kept this week",
    "pending": "this week is still open",
    "at_risk": "at risk: touch someone this week to keep it (repairable)",
    "none": "not started yet",
}


def progress_bar(fraction: float, width: int = 24) -> str:
    fraction = max(0.0, min(1.0, fraction))
    full = int(fraction * width)
    return "█" * full + "░" * (width - full)


def cached_game(v: Vault) -> dict[str, Any]:
    from ..summary import game_summary

    return game_summary(v)


@cli.command()
@click.option("--why", is_flag=True, help="List the entries and bonuses that produced your XP (the last 30 days).")
@json_option
@pass_app
def profile(app: App, why: bool) -> None:
    """Your keep-in-touch profile: XP and level, the weekly streak with its
    freezes, the on-time streak, consistency, friend levels and recent unlocks.

    \b
    Examples:
      vaultcrm profile
      vaultcrm profile --why
      vaultcrm profile --json | jq .streak
    """
    v = app.vault()
    if not v.gamification:
        if app.json:
            output.emit_json({"gamification": False, "today": v.today.isoformat()})
        else:
            click.echo(QUIET)
        return
    data = cached_game(v)["profile"]
    if why:
        import datetime as dt

        since = v.today - dt.timedelta(days=30)
        data["why"] = [item.to_json() for item in v.game().why(since=since)]
    if app.json:
        output.emit_json(data)
        return
    st = output.style
    level, xp = data["level"], data["xp"]
    span = data["next_level_xp"] - data["level_xp"]
    click.echo(st(f"Level {level}", bold=True) + f" · {xp} XP")
    click.echo(f"  {progress_bar(data['level_progress'])} {xp - data['level_xp']}/{span} XP to level {level + 1}")
    ts = data["touch_streak"]
    weeks = "week" if ts["current"] == 1 else "weeks"
    freezes = f"{ts['freezes']} freeze{'s' if ts['freezes'] != 1 else ''} in the bank"
    click.echo(
        st("Keep-in-touch streak", bold=True) + f" · {ts['current']} {weeks} (longest {ts['longest']}) · {freezes}"
    )
    click.echo(f"  {STATE_WORDS.get(ts['state'], ts['state'])}")
    ot = data["on_time"]
    click.echo(st("On-time streak", bold=True) + f" · {ot['current']} weeks (longest {ot['longest']})")
    click.echo(st("Consistency", bold=True) + f" · {data['consistency']}%")
    click.echo("")
    click.echo(st("Friend levels", bold=True))
    for f in data["closest"]:
        stars = " " + "★" * f["stars"] if f["stars"] else ""
        click.echo(
            f"  level {f['friend_level']:>2} {f['friend_title']:<14} {f['name']}{stars} "
            f"({f['bond_hours']:g} h over {f['months']} months)"
        )
    recent = data["recent"][:6]
    if recent:
        click.echo("")
        click.echo(st("Recent unlocks", bold=True))
        for u in recent:
            click.echo(f"  {u['date']}  {u['text']}")
    if why:
        click.echo("")
        click.echo(st("Where the last 30 days' XP came from", bold=True))
        for item in data["why"]:
            click.echo(f"  {item['date']}  {item['xp']:>6.1f}  {item['why']}")


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="All 24 badges, with progress toward the next tier.")
@json_option
@pass_app
def badges(app: App, show_all: bool) -> None:
    """Badges earned, with dates; --all shows every badge and the progress to its next tier.

    Badges are monotone and dated by a replay of your history, so every machine
    shows the same dates.

    \b
    Examples:
      vaultcrm badges
      vaultcrm badges --all
      vaultcrm badges --all --json | jq '.[] | select(.tier == null) | .name'
    """
    v = app.vault()
    if not v.gamification:
        if app.json:
            output.emit_json([])
        else:
            click.echo(QUIET)
        return
    every = cached_game(v)["badges"]
    chosen = every if show_all else [b for b in every if b["tier"]]
    if app.json:
        output.emit_json(chosen)
        return
    if not chosen:
        click.echo("No badges yet. Log a touch to earn the first one: vaultcrm log NAME coffee")
        return
    tier_marks = {"bronze": "🥉", "silver": "🥈", "gold": "🥇"} if output.use_color() else {}
    rows = []
    for b in chosen:
        mark = tier_marks.get(b["tier"] or "", "")
        earned = f"{b['tier']} {b['earned_on']}" if b["tier"] and b["earned_on"] else "-"
        nxt = f"{b['next_tier']}: {b['progress']}/{b['target']}" if b["next_tier"] else "all tiers earned"
        rows.append((f"{mark} {b['name']}".strip(), earned, nxt, b["description"]))
    output.table(["badge", "earned", "next", "how"], rows)
    if not show_all:
        click.echo(f"{len(chosen)} of {len(every)} badges · vaultcrm badges --all for the rest")
