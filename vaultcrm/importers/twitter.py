"""The X/Twitter archive's ``data/following.js`` and ``data/follower.js``.

Each file is JavaScript that assigns one JSON array::

    window.YTD.following.part0 = [
      {"following" : {"accountId" : "1100000001",
                      "userLink" : "https://twitter.com/intent/user?user_id=1100000001"}}, …]

It is never evaluated: the prefix up to the first ``=`` is checked and stripped and the rest
goes to ``json.loads``. An entry carries only the numeric account id and a link, so each
record has ``handles["twitter_id"]`` and the link, and is tagged ``following`` or
``follower``; it attaches to a person who has that id (a vCard's ``X-SOCIALPROFILE;x-userid=``)
or stays a handle-only record the user can name later. Large accounts' archives split the
array into ``following-part1.js`` …: each part is read the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .common import base_name
from .encoding import decode
from .record import ImportFormatError, Record, Skipped

name = "twitter"

_PREFIX = re.compile(r"^\s*window\.YTD\.(following|follower)\.part\d+\s*=\s*")


def sniff(filename: str, head: bytes) -> bool:
    """A ``.js`` file that starts with ``window.YTD.following`` or ``window.YTD.follower``."""
    return base_name(filename).lower().endswith(".js") and bool(_PREFIX.match(decode(head[:512], repair=False)))


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    base = base_name(filename)
    text = decode(data, repair=False)
    m = _PREFIX.match(text)
    if not m:
        raise ImportFormatError(filename, "does not start with window.YTD.following/follower: not an X archive file")
    kind = m.group(1)
    body = text[m.end() :].strip().rstrip(";")
    try:
        entries = json.loads(body)
    except json.JSONDecodeError as exc:
        line = text[: m.end()].count("\n") + exc.lineno
        raise ImportFormatError(filename, f"not valid JSON after the prefix ({exc.msg}; truncated?)", line) from None
    if not isinstance(entries, list):
        raise ImportFormatError(filename, "the archive file does not hold a list")
    for index, entry in enumerate(entries):
        yield _record(entry, kind, base, index)


def _record(entry: Any, kind: str, base: str, index: int) -> Record | Skipped:
    inner = entry.get(kind) if isinstance(entry, dict) else None
    account = inner.get("accountId") if isinstance(inner, dict) else None
    if not isinstance(account, str | int) or not str(account).strip().isdigit():
        return Skipped(f"{name}/{base}#{kind}[{index}]", "an entry without an accountId")
    account = str(account).strip()
    record = Record(source=name, locator=f"{name}/{base}#accountId={account}")
    record.handles["twitter_id"] = account
    assert isinstance(inner, dict)
    link = inner.get("userLink")
    record.urls.append(link.strip() if isinstance(link, str) and link.strip() else f"https://x.com/i/user/{account}")
    record.tags.append(kind)
    return record
