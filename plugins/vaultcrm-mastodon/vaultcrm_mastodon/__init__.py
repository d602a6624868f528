"""vaultcrm-mastodon: the fediverse in your vault.

* an importer ``mastodon`` for a Mastodon account export's ``following_accounts.csv``
  (Preferences → Import and export → Data export → "Follows"): one record per account you
  follow, with ``handles: {mastodon: user@host}`` and the profile URL;
* an interaction type ``toot`` (aliases ``boost``, ``fav``): a public reply, boost or
  favourite on Mastodon, counted like ``social`` (it shows you care, it is not a touch);
* a command ``vaultcrm mastodon [NAME]``: the people with a ``mastodon`` handle and their
  profile links.

Nothing here uses the network: the export is a file you downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING

import click

from vaultcrm.hooks import InteractionType, hookimpl

if TYPE_CHECKING:  # imported when an import runs: vaultcrm.importers is not needed to start up
    from vaultcrm.importers.record import Record, Skipped

__version__ = "0.1.0"

HEADER = "Account address"
_ACCOUNT = re.compile(r"^@?([A-Za-z0-9_][A-Za-z0-9_.-]*)@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|[A-Za-z0-9-]+)$")


def parse_account(text: str) -> tuple[str, str] | None:
    """``user@host`` (or ``@user@host``) → (user, host lower-cased); anything else → None."""
    m = _ACCOUNT.match(text.strip())
    if not m:
        return None
    return m.group(1), m.group(2).lower()


def profile_url(handle: str) -> str | None:
    found = parse_account(handle)
    return f"https://{found[1]}/@{found[0]}" if found else None


class MastodonFollows:
    """The :class:`vaultcrm.importers.record.Source` for ``following_accounts.csv``."""

    name = "mastodon"

    def sniff(self, filename: str, head: bytes) -> bool:
        first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().lower()
        return first.startswith(b"account address,show boosts") or (
            PurePath(filename).name.lower() == "following_accounts.csv" and first.startswith(b"account address")
        )

    def read(self, filename: str, data: bytes) -> Iterator[Record | Skipped]:
        from vaultcrm.importers.record import ImportFormatError, Record, Skipped

        base = PurePath(filename).name
        import csv
        import io

        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(base, f"not UTF-8 text ({exc.reason})") from None
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows, None)
        if not header or header[0].strip().lower() != HEADER.lower():
            raise ImportFormatError(base, f"expected a header starting with '{HEADER}'", line=1)
        columns = [h.strip().lower() for h in header]
        for number, row in enumerate(rows, start=2):
            if not row or not any(cell.strip() for cell in row):
                continue
            locator = f"mastodon/{base}#row={number}"
            found = parse_account(row[0])
            if found is None:
                yield Skipped(locator, f"'{row[0].strip()}' is not an account address (user@host)", number)
                continue
            user, host = found
            handle = f"{user}@{host}"
            extra = {}
            if "languages" in columns and len(row) > columns.index("languages"):
                langs = [x.strip() for x in row[columns.index("languages")].split(",") if x.strip()]
                if langs:
                    extra["languages"] = langs
            yield Record(
                source=self.name,
                locator=locator,
                name=None,  # the export has no display names: merging matches on the handle
                nickname=user,
                handles={"mastodon": handle},
                urls=[f"https://{host}/@{user}"],
                extra=extra,
            )


@hookimpl
def vaultcrm_importers() -> list[MastodonFollows]:
    return [MastodonFollows()]


@hookimpl
def vaultcrm_interaction_types() -> list[InteractionType]:
    return [InteractionType("toot", weight=0.1, aliases=("boost", "fav"), touch=False, hours=0.02)]


@hookimpl
def vaultcrm_commands(cli: click.Group) -> None:
    from vaultcrm.cli import App, json_option, pass_app

    @cli.command("mastodon")
    @click.argument("name", required=False)
    @json_option
    @pass_app
    def mastodon(app: App, name: str | None) -> None:
        """People with a Mastodon handle (handles: {mastodon: user@host}) and their
        profile links; with NAME, that person's (from the vaultcrm-mastodon plugin).

        \b
        Examples:
          vaultcrm mastodon
          vaultcrm mastodon Klaus --json
        """
        from vaultcrm.cli import output

        v = app.vault()
        people = [v.resolve(name)] if name else sorted(v.people(), key=lambda p: p.name.lower())
        rows: list[dict[str, str]] = []
        for p in people:
            handle = (p.handles or {}).get("mastodon")
            if handle:
                rows.append({"name": p.name, "path": p.path, "mastodon": handle, "url": profile_url(handle) or ""})
        if app.json:
            output.emit_json(rows)
            return
        if not rows:
            click.echo(f"{people[0].name} has no mastodon handle." if name else "Nobody has a mastodon handle yet.")
            return
        for r in rows:
            click.echo(f"{r['name']}  @{r['mastodon'].lstrip('@')}  {r['url']}".rstrip())
