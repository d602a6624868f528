"""search: full-text search over notes and log lines."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import click

from ..errors import UsageError
from . import App, cli, json_option, output, pass_app


def _fold(text: str) -> str:
    """Lower case without diacritics, as the index's tokenizer sees text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most this many lines.")
@json_option
@pass_app
def search(app: App, text: tuple[str, ...], limit: int) -> None:
    """Search people's notes, log lines and daily notes: every word must match
    (a word also matches longer words: pric → pricing), best files first.

    \b
    Examples:
      vaultcrm search pricing
      vaultcrm search "new startup" --json
    """
    from .. import document, logline
    from ..vault import decode, read_bytes

    v = app.vault()
    words = [w for w in re.findall(r"\w+", " ".join(text)) if w]
    if not words:
        raise UsageError("give at least one word to search for")
    query = " ".join(f'"{w}"*' for w in words)
    folded = [_fold(w) for w in words]
    results: list[dict[str, Any]] = []
    for path in v.index.search(query, limit=limit * 3):
        try:
            lines = document.lines(decode(read_bytes(v.root / path)))
        except Exception:  # noqa: BLE001 - the file changed or went away since indexing
            continue
        doc_start = 0
        split = document.split("".join(lines))
        if split.header is not None:
            doc_start = split.body_line - 1
        owner = v.index.person(path)
        for i in range(doc_start, len(lines)):
            line = lines[i].rstrip("\r\n")
            low = _fold(line)
            if not all(re.search(r"(?<!\w)" + re.escape(w), low) for w in folded):
                continue
            try:
                entry = logline.parse(line)
            except logline.LineError:
                entry = None
            date = entry.date.isoformat() if entry else None
            if date is None and path.rsplit("/", 1)[-1][:10].count("-") == 2:
                stem = path.rsplit("/", 1)[-1][:-3]
                date = stem if len(stem) == 10 else None
            people = [owner.name] if owner else []
            for target in logline.links(line):
                p = v.lookup(target)
                if p:
                    other = v.index.person(p)
                    if other and other.name not in people:
                        people.append(other.name)
            results.append({"path": path, "line": i + 1, "text": line.strip(), "date": date, "people": people})
            if len(results) >= limit:
                break
        if len(results) >= limit:
            break
    if app.json:
        output.emit_json(results)
        return
    if not results:
        click.echo(f"Nothing found for {' '.join(text)!r}.")
        return
    for r in results:
        who = ", ".join(r["people"]) or r["path"]
        when = f"{r['date']} " if r["date"] else ""
        where = f"{r['path']}:{r['line']}"
        click.echo(f"{output.style(who, bold=True)}  {when}{output.style(where, dim=True)}")
        click.echo(f"  {r['text']}")
