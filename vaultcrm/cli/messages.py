"""Message commands: draft (a message from a template variant) and ab (reply rates per variant)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import click

from . import App, cli, json_option, output, pass_app

#: clipboard tools, tried in this order: (program, arguments)
CLIPBOARDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pbcopy", ()),
    ("wl-copy", ()),
    ("xclip", ("-selection", "clipboard")),
    ("xsel", ("--clipboard", "--input")),
    ("clip.exe", ()),
)


def copy_to_clipboard(text: str) -> tuple[str | None, str | None]:
    """Put ``text`` on the clipboard with the first tool found; (tool used, problem)."""
    tried = []
    for program, args in CLIPBOARDS:
        found = shutil.which(program)
        if found is None:
            continue
        try:
            done = subprocess.run(
                [found, *args], input=text.encode("utf-8"), capture_output=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            tried.append(f"{program}: {exc}")
            continue
        if done.returncode == 0:
            return program, None
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        tried.append(f"{program}: {err[-1] if err else f'exit {done.returncode}'}")
    if tried:
        return None, "; ".join(tried)
    return None, "no clipboard tool found (pbcopy, wl-copy, xclip, xsel, clip.exe)"


HOW = {
    "given": "the variant you chose",
    "only": "the only variant",
    "balance": "fewest sends so far (every variant gets 5 before the best is favoured)",
    "thompson": "Thompson sampling on reply rates",
}


@cli.command()
@click.argument("name")
@click.option("--template", "template", required=True, metavar="NAME", help="templates/messages/NAME/ to use.")
@click.option("--variant", metavar="V", help="Use this variant (default: chosen for you, see below).")
@click.option("--copy", is_flag=True, help="Also put the message on the clipboard.")
@click.option("--log", "log_it", is_flag=True, help="Record the send in their log ([template:: NAME/V], out).")
@click.option("--type", "type_word", default="message", show_default=True, help="The interaction type --log writes.")
@json_option
@pass_app
def draft(app: App, name: str, template: str, variant: str | None, copy: bool, log_it: bool, type_word: str) -> None:
    """Write a message to NAME from a template in templates/messages/NAME/VARIANT.md.

    Without --variant the variant is chosen for you: the one with the fewest sends
    until each has 5, then Thompson sampling on reply rates, seeded by (person, date),
    so the same person on the same day gets the same variant. The message goes to
    stdout (notes go to stderr); --log records the send so `vaultcrm ab` can count replies.

    \b
    Examples:
      vaultcrm draft Klaus --template reconnect
      vaultcrm draft Klaus --template reconnect --variant b --copy
      vaultcrm draft "Anna Schmidt" --template reconnect --log
    """
    from ..messages import draft as make_draft

    v = app.vault()
    person = v.resolve(name)
    d = make_draft(v, person, template, variant)
    copied, problem = (None, None)
    if copy:
        copied, problem = copy_to_clipboard(d.text)
    line = None
    if log_it:
        line = v.log(person, type_word, "", fields={"dir": "out", "template": f"{d.template}/{d.variant}"})
    if app.json:
        output.emit_json(
            {
                "name": person.name,
                "path": person.path,
                "template": d.template,
                "variant": d.variant,
                "chosen_by": d.how,
                "file": d.path,
                "text": d.text,
                "copied": copied,
                "logged": line,
            }
        )
        return
    click.echo(d.text, nl=False)
    output.note(f"({d.template}/{d.variant}: {HOW.get(d.how, d.how)} · {d.path})")
    if copy:
        output.note(f"Copied with {copied}." if copied else f"Not copied: {problem}.")
    if line:
        output.note(f"Logged in {person.path}: {line}")
    else:
        output.note(f'When you send it: vaultcrm log "{person.name}" message --template {d.template}/{d.variant}')


@cli.command()
@click.argument("template", required=False)
@json_option
@pass_app
def ab(app: App, template: str | None) -> None:
    """Reply rates per message-template variant: which way of reaching out gets replies.

    A reply is an inbound touch ([dir:: in], or a mutual call or meeting) with the
    person within reply_within days (vaultcrm.yaml, default 14) after the send.
    Per variant: sends, replies, reply rate with a 95% Wilson interval, the probability
    that it is the best variant, median days to reply, and how many of the people
    reached moved closer or up a stage within 90 days. A winner is named only with
    5 decided sends per variant and a 95% chance of being best.

    \b
    Examples:
      vaultcrm ab
      vaultcrm ab reconnect
      vaultcrm ab reconnect --json
    """
    from ..messages import ab as report

    v = app.vault()
    data = report(v, template)
    if app.json:
        output.emit_json(data)
        return
    if not data["templates"]:
        click.echo(
            "No message templates yet: write templates/messages/reconnect/a.md and b.md, "
            "then `vaultcrm draft NAME --template reconnect`."
        )
        return
    st = output.style
    for i, t in enumerate(data["templates"]):
        if i:
            click.echo("")
        total = sum(r["sends"] for r in t["variants"])
        click.echo(st(f"{t['template']}", bold=True) + f" · {total} send{'' if total == 1 else 's'}")
        output.table(
            ["variant", "sends", "replies", "reply rate", "95% interval", "P(best)", "median days", "moved closer/up"],
            [_row(r) for r in t["variants"]],
        )
        message = t["verdict"]["message"]
        click.echo(message[:1].upper() + message[1:] + ".")
    click.echo("")
    click.echo(
        f"A reply: an inbound touch within {data['reply_within']} days of the send; "
        "pending sends (window still open) are not counted as misses."
    )


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{round(x * 100)}%"


def _row(r: dict[str, Any]) -> tuple[Any, ...]:
    name = r["variant"] + ("" if r["exists"] else " (file gone)")
    replies = f"{r['replies']}" + (f" (+{r['pending']} pending)" if r["pending"] else "")
    interval = f"{_pct(r['interval'][0])}–{_pct(r['interval'][1])}" if r["interval"] else "-"
    med = r["median_days_to_reply"]
    med_text = "-" if med is None else (f"{med:g}")
    moved = f"{r['moved']} of {r['people']}" if r["people"] else "-"
    return (name, r["sends"], replies, _pct(r["reply_rate"]), interval, _pct(r["p_best"]), med_text, moved)
