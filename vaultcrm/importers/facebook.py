"""Facebook's "Download your information" friends list, JSON format.

``connections/friends/your_friends.json`` (older archives: ``friends/friends.json``)::

    {"friends_v2": [{"name": "Zo\\u00c3\\u00ab Achterberg", "timestamp": 1514764800}, …]}

The oldest archives use the key ``friends``. ``timestamp`` (seconds since 1970, UTC) is when
you became friends and becomes ``met``. Facebook writes every non-ASCII character as its
UTF-8 bytes escaped one by one as Latin-1 code points (``é`` arrives as ``\\u00c3\\u00a9``):
:func:`~vaultcrm.importers.encoding.repair_mojibake` turns them back. Nothing but a name comes
with a friend, so these records match people by name only (a suggestion, never an automatic
merge). The HTML format of the archive is not read: choose JSON when requesting it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from .common import base_name
from .encoding import decode, repair_mojibake
from .record import ImportFormatError, Record, Skipped

name = "facebook"

_KEYS = ("friends_v2", "friends")


def sniff(filename: str, head: bytes) -> bool:
    """A ``.json`` file whose top-level key is ``friends_v2`` (or the older ``friends``)."""
    if not base_name(filename).lower().endswith(".json"):
        return False
    text = decode(head[:2048], repair=False).lstrip()
    return text.startswith("{") and any(text[1:].lstrip().startswith(f'"{key}"') for key in _KEYS)


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    base = base_name(filename)
    try:
        doc = json.loads(decode(data, repair=False))
    except json.JSONDecodeError as exc:
        raise ImportFormatError(filename, f"not valid JSON ({exc.msg}; truncated?)", exc.lineno) from None
    key = next((k for k in _KEYS if isinstance(doc, dict) and k in doc), None)
    if key is None or not isinstance(doc[key], list):
        raise ImportFormatError(filename, 'no "friends_v2" list: not a Facebook friends file')
    for index, entry in enumerate(doc[key]):
        locator = f"{name}/{base}#{key}[{index}]"
        yield _record(entry, locator)


def _record(entry: Any, locator: str) -> Record | Skipped:
    if not isinstance(entry, dict):
        return Skipped(locator, "not a friend entry")
    raw_name = entry.get("name")
    friend = " ".join(repair_mojibake(raw_name).split()) if isinstance(raw_name, str) else ""
    if not friend:
        return Skipped(locator, "a friend without a name (a deactivated account?)")
    record = Record(source=name, locator=locator, name=friend)
    stamp = entry.get("timestamp")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and stamp > 0:
        with contextlib.suppress(OverflowError, OSError, ValueError):  # a timestamp from year 300000
            record.met = dt.datetime.fromtimestamp(stamp, tz=dt.UTC).date()
    contact = entry.get("contact_info")
    if isinstance(contact, str) and "@" in contact:
        record.emails.append(repair_mojibake(contact.strip()))
    return record
