"""Merging records into one note's text (:func:`merge_text`).

The rules (docs/importing.md, "How merging decides"):

* every value is kept: emails, phones, tags, handles and sources are unioned; a differing
  scalar (company, role, birthday …) leaves the existing one in place and goes to a
  ``previous:`` list; a differing name goes to ``aliases``;
* only the frontmatter keys that change are touched (through :mod:`vaultcrm.document`);
  a JSON frontmatter gets its new keys inside its JSON object; the body is only appended to
  (notes, a photo link, dated interaction lines and one ``note:`` log line per import);
* a note whose frontmatter cannot be parsed is never rewritten;
* everything is recognised again on a re-import (values compared in normal form, log lines
  by date, type and text, records by their ``sources:`` locator), so the same files again
  change no byte.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .. import document, logline
from . import match
from . import normalize as norm
from .frontmatter import Front
from .record import Record

MAX_LOG_TEXT = 280
_SCALARS = ("company", "role", "location", "birthday", "met")


# ---------------------------------------------------------------------------
# Merging records into one note's text


@dataclass
class Context:
    """What a merge needs besides the records: settings that decide formats, and today."""

    today: dt.date
    region: str | None = None
    type_words: frozenset[str] = frozenset()
    log_import: bool = True  # write a `note:` log line when an existing note changed
    photo_name: str | None = None  # the attachment file name of the note's photo, when any
    stem: str | None = None  # the note's file name without .md: its name when it has no `name:`


@dataclass
class Result:
    text: str
    changes: list[str] = field(default_factory=list)  # "emails", "previous company" …
    photo: tuple[str, bytes] | None = None


def strs(value: Any) -> list[str]:
    return match._strs(value)


def _scalar_str(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    s = str(value).strip()
    found = logline.links(s)
    return found[0] if found else s


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def log_keys(text: str) -> set[tuple[str, str, str]]:
    keys: set[tuple[str, str, str]] = set()
    for line in document.lines(text):
        try:
            parsed = logline.parse(line)
        except logline.LineError:
            continue
        if parsed is None or parsed.reserved:
            continue
        keys.add((parsed.date.isoformat(), parsed.type.lower(), logline.normalise_text(parsed.text)))
    return keys


def merge_text(text: str, records: list[Record], ctx: Context, known: dict[str, Any] | None = None) -> Result:
    """``text`` with everything ``records`` add, changing nothing that is already there.

    Raises :class:`FrontmatterError` when the frontmatter cannot be parsed (such a note
    is never rewritten).
    """
    fm = Front(text, known)
    changes: list[str] = []
    previous: list[str] = []
    prev_existing = {norm.fold(p) for p in strs(fm.get("previous"))}

    def keep_previous(key: str, value: Any) -> None:
        entry = f"{key}: {_scalar_str(value)}"
        if norm.fold(entry) not in prev_existing:
            prev_existing.add(norm.fold(entry))
            previous.append(entry)
            changes.append(f"previous {key}")

    # names → aliases
    name = _scalar_str(fm.get("name")) if fm.get("name") is not None else (ctx.stem or "")
    names_known = {norm.name_key(n) for n in [name, *strs(fm.get("aliases"))] if n}  # `alias:` is adopted too
    aliases: list[str] = []
    for rec in records:
        if rec.is_org:
            continue
        more = [str(x) for x in rec.extra.get("aliases") or [] if x]
        real = match.record_name(rec) if (rec.name or rec.given or rec.family or rec.nickname) else ""
        for n in (real, rec.nickname and rec.family and f"{rec.nickname} {rec.family}", *more):
            if not n or n.startswith("@") or "@" in n:
                continue
            k = norm.name_key(n)
            if k and k not in names_known:
                names_known.add(k)
                aliases.append(norm.display_name(n))
    if aliases:
        if not name:
            fm.set("name", aliases.pop(0))
        if aliases:
            fm.append("aliases", aliases)
            changes.append("aliases")

    # emails and phones: unioned, compared in normal form
    have_e = {norm.email(e) or e.strip().lower() for e in strs(fm.get("emails")) + strs(fm.get("email"))}
    new_e: list[str] = []
    for rec in records:
        for e in rec.emails:
            key = norm.email(e)
            if key and key not in have_e:
                have_e.add(key)
                new_e.append(re.sub(r"^mailto:", "", e.strip(), flags=re.I).strip().lower())
    if new_e:
        fm.append("emails", new_e)
        changes.append("emails")
    phone_keys = ("phones", "phone", "mobile")
    have_p = set()
    for k in phone_keys:
        for p in strs(fm.get(k)):
            have_p.add(norm.phone(p, ctx.region) or re.sub(r"\D", "", p))
    new_p: list[str] = []
    for rec in records:
        for p in rec.phones:
            key = norm.phone(p, ctx.region) or re.sub(r"\D", "", p)
            if key and key not in have_p:
                have_p.add(key)
                new_p.append(norm.phone_display(p, ctx.region))
    if new_p:
        fm.append("phones", new_p)
        changes.append("phones")

    # handles: one mapping, all networks; another profile on the same network → previous
    raw_handles = fm.get("handles")
    handles: dict[str, Any] = dict(raw_handles) if isinstance(raw_handles, dict) else {}
    have_h = norm.handle_keys({str(k): str(v) for k, v in handles.items() if v is not None})
    added_h = False
    extra_urls: list[str] = []
    for rec in records:
        for net, h in norm.handle_keys(rec.handles, rec.urls).items():
            if net not in have_h:
                have_h[net] = h
                handles[net] = h
                added_h = True
            elif have_h[net] != h:
                keep_previous(f"handles.{net}", h)
        for url in rec.urls:
            if norm.profile_url(url) is None:
                extra_urls.append(url.strip())
    if added_h:
        if raw_handles is not None and not isinstance(raw_handles, dict):
            keep_previous("handles", raw_handles)
        fm.set("handles", handles)
        changes.append("handles")
    have_u = {u.rstrip("/").lower() for u in strs(fm.get("urls")) + strs(fm.get("url"))}
    new_u = []
    for u in extra_urls:
        if u.rstrip("/").lower() not in have_u:
            have_u.add(u.rstrip("/").lower())
            new_u.append(u)
    if new_u:
        fm.append("urls", new_u)
        changes.append("urls")

    # scalars: set when missing, else the existing one stays and the other goes to previous
    for key in _SCALARS:
        for rec in records:
            value: Any = getattr(rec, key)
            if key == "company" and rec.is_org:
                value = None
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, str):
                value = _one_line(value)
                if key in ("birthday", "met") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    with contextlib.suppress(ValueError):
                        value = dt.date.fromisoformat(value)
            current = fm.get(key)
            if current is None or (isinstance(current, str) and not current.strip()):
                fm.set(key, value)
                changes.append(key)
            elif norm.fold(_scalar_str(current)) != norm.fold(_scalar_str(value)):
                keep_previous(key, value)

    # tags and addresses: unioned
    for key, getter in (("tags", lambda r: r.tags), ("addresses", lambda r: r.addresses)):
        cur = fm.get(key)
        cur_list = strs(cur)
        if isinstance(cur, str) and key == "tags":
            cur_list = [t for t in re.split(r"[,\s]+", cur) if t]
        have = {norm.fold(t.lstrip("#")) for t in cur_list}
        new_items: list[str] = []
        for rec in records:
            for t in getter(rec):
                t = _one_line(t)
                if t and norm.fold(t.lstrip("#")) not in have:
                    have.add(norm.fold(t.lstrip("#")))
                    new_items.append(t)
        if new_items:
            if isinstance(cur, str):
                fm.set(key, cur_list + new_items)
            else:
                fm.append(key, new_items)
            changes.append(key)
        elif isinstance(cur, str) and len(cur_list) > 1:
            fm.set(key, cur_list)  # `tags: "friend, berlin"` is two tags, not one (Obsidian reads it so)
            changes.append(key)

    # other fields, under their own keys
    for rec in records:
        for k, v in rec.extra.items():
            key = re.sub(r"[^\w-]+", "_", str(k).strip().lower()).strip("_")
            if not key or key in ("name", "sources", "previous", "added", "aliases") or v in (None, "", []):
                continue
            if not isinstance(v, str | int | float | bool | list | dict | dt.date):
                continue
            if isinstance(v, list) and all(isinstance(x, str | int | float) for x in v):
                v = [_one_line(str(x)) for x in v if x not in (None, "")]
            elif isinstance(v, str):
                v = _one_line(v)
            current = fm.get(key)
            if current is None:
                fm.set(key, v)
                changes.append(key)
            elif norm.fold(json.dumps(current, default=str)) != norm.fold(json.dumps(v, default=str)):
                keep_previous(key, v if not isinstance(v, list) else json.dumps(v, ensure_ascii=False, default=str))

    if previous:
        fm.append("previous", previous)

    # provenance
    have_s = set(strs(fm.get("sources")))
    locs = [loc for r in records for loc in [r.locator, *(str(x) for x in r.extra.get("sources") or [])]]
    new_s = [loc for loc in locs if loc and loc not in have_s]
    new_s = list(dict.fromkeys(new_s))
    grew = bool(changes)
    if new_s:
        fm.append("sources", new_s)

    # the body: appended to only
    out = fm.text
    photo: tuple[str, bytes] | None = None
    notes_added = False
    for rec in records:
        for line in (rec.notes or "").splitlines():
            line = line.rstrip()
            if line.strip() and line.strip() not in out:
                out = document.add_to_section(out, "Notes", line)
                notes_added = True
        if rec.photo and ctx.photo_name and photo is None:
            photo = (ctx.photo_name, rec.photo)
            embed = f"![[{ctx.photo_name}]]"
            if embed not in out:
                out = document.add_to_section(out, "Photo", embed)
                changes.append("photo")
    if notes_added:
        changes.append("notes")
    logged = log_keys(out) if any(r.interactions for r in records) else set()
    n_logged = 0
    for rec in records:
        for it in sorted(rec.interactions, key=lambda i: (i.date, i.time or "")):
            word = it.type.lower() if it.type.lower() in ctx.type_words or not ctx.type_words else "message"
            body = _one_line(it.text)
            if len(body) > MAX_LOG_TEXT:
                body = body[: MAX_LOG_TEXT - 1].rstrip() + "…"
            body = body.replace("[[", "[ [").replace("::", ":")
            fields = {}
            if it.direction in ("in", "out"):
                fields["dir"] = it.direction
            if it.via:
                fields["via"] = it.via
            line = logline.format_line(it.date, word, body, fields, it.time)
            try:
                parsed = logline.parse(line)
            except logline.LineError:
                continue
            if parsed is None:
                continue
            lkey = (parsed.date.isoformat(), parsed.type.lower(), logline.normalise_text(parsed.text))
            if lkey in logged:
                continue
            logged.add(lkey)
            out = document.add_to_section(out, "Log", line, it.date.isoformat())
            n_logged += 1
    if n_logged:
        changes.append(f"{n_logged} log line{'s' if n_logged != 1 else ''}")
    if ctx.log_import and grew:
        what = ", ".join(dict.fromkeys(c for c in changes if not c[0].isdigit()))
        srcs = ", ".join(dict.fromkeys(r.source for r in records))
        line = f"- {ctx.today.isoformat()} note: import from {srcs} added {what} [via:: import]"
        if line not in out:
            out = document.add_to_section(out, "Log", line, ctx.today.isoformat())
    return Result(out, changes, photo)
