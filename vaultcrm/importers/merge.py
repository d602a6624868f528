"""Turning records into files: a :class:`Plan` (what would change) and :func:`apply` (write it).

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .. import document, logline
from .. import vault as vaultio
from ..errors import WriteRefused
from . import match
from . import normalize as norm
from .record import Record, Skipped

if TYPE_CHECKING:
    from ..core import Vault

MAX_LOG_TEXT = 280
_SCALARS = ("company", "role", "location", "birthday", "met")


# ---------------------------------------------------------------------------
# Frontmatter editors: YAML through vaultcrm.document, JSON inside its object


class FrontmatterError(WriteRefused):
    """The note's frontmatter cannot be parsed: it is never rewritten."""


def _load_header(header: str | None) -> dict[str, Any]:
    from .. import yamlio

    if header is None or not header.strip():
        return {}
    try:
        data = yamlio.load(header)
    except yamlio.YAMLProblem as exc:
        raise FrontmatterError(f"the frontmatter cannot be parsed ({exc.reason})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontmatterError("the frontmatter is not a mapping of keys to values")
    return {str(k): v for k, v in data.items()}


_SAFE_PLAIN = re.compile(r"[A-Za-zÀ-ɏ][\w .@+\-/()'&#=]*")
_NOT_PLAIN = {"null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"}


def _render(value: Any, in_flow: bool = False) -> str:
    """:func:`document.render_value` with a fast path for plain words (which it checks by parsing).

    The header is parsed once after all new keys are written, so a wrong guess here is
    caught and the key written the careful way.
    """
    if isinstance(value, str):
        if (
            _SAFE_PLAIN.fullmatch(value)
            and value not in _NOT_PLAIN
            and not value.endswith((" ", "-", ".", ":"))
            and " #" not in value
            and ": " not in value
            and not (in_flow and any(c in value for c in ",[]{}"))
        ):
            return value
        return document.render_value(value, "", in_flow)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v, True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render(str(k), True)}: {_render(v, True)}" for k, v in value.items()) + "}"
    return document.render_value(value, "", in_flow)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal frontmatter, dates and their ISO strings alike (the index stores JSON-safe values)."""
    if a == b:
        return True
    from ..model import json_safe

    return bool(json_safe(a) == json_safe(b))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


class Front:
    """One note's text with frontmatter edits that change only the keys they name."""

    def __init__(self, text: str, known: dict[str, Any] | None = None) -> None:
        self._text = text
        self._new: dict[str, Any] = {}  # keys the note does not have yet: written in one go
        doc = document.split(text)
        if doc.unclosed:
            raise FrontmatterError("the frontmatter has no closing '---' line")
        self.is_json = doc.header is not None and doc.header.lstrip().startswith("{")
        if known is not None and not self.is_json:
            # the index's parse of this very file (JSON-safe): every write is verified anyway
            self.data = dict(known)
        elif self.is_json:
            try:
                self.data = json.loads(doc.header or "{}")
            except ValueError as exc:
                raise FrontmatterError(f"the JSON frontmatter cannot be parsed ({exc})") from None
            if not isinstance(self.data, dict):
                raise FrontmatterError("the frontmatter is not a JSON object")
        else:
            self.data = _load_header(doc.header)

    @property
    def text(self) -> str:
        """The note's text with every edit so far (new keys added at the end of the header)."""
        if self._new:
            self._flush()
        return self._text

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        if self.is_json:
            self._json_set(key, value)
        elif key in self._new or key not in self.data:
            self._new[key] = value
            self.data[key] = value
        else:
            self._text = document.set_key(self._text, key, value)  # verified: only this key changed
            self.data[key] = value

    def append(self, key: str, items: list[Any]) -> None:
        """Add ``items`` to the list under ``key`` (made when missing), keeping the other lines."""
        if not items:
            return
        old = self.data.get(key)
        old_list = list(old) if isinstance(old, list) else ([] if old is None else [old])
        if self.is_json or key in self._new or old is None or not isinstance(old, list):
            self.set(key, old_list + items)
            return
        out = _append_yaml_list(self._text, key, items)
        doc = document.split(out) if out is not None else None
        after = _load_header(doc.header) if doc is not None else None
        expected = {k: v for k, v in self.data.items() if k not in self._new}
        expected[key] = old_list + items
        if out is None or after is None or not _same(after, expected):
            self.set(key, old_list + items)
            return
        self._text = out
        self.data[key] = old_list + items

    def _flush(self) -> None:
        pending, self._new = self._new, {}
        before = self._text
        doc = document.split(before)
        nl = doc.newline
        added = "".join(f"{document._render_key(k)}: {_render(v)}{nl}" for k, v in pending.items())
        if doc.header is None:
            new_doc = replace(doc, open_fence="---" + nl, header=added, close_fence="---" + nl)
        else:
            header = doc.header
            if header and not header.endswith("\n"):
                header += nl
            new_doc = replace(doc, header=header + added)
        out = document.join(new_doc)
        try:
            ok = _same(_load_header(new_doc.header), self.data)
        except FrontmatterError:
            ok = False
        if not ok:  # a value that does not read back as written: the careful way, key by key
            out = before
            for k, v in pending.items():
                out = document.set_key(out, k, v)
        self._text = out

    def _json_set(self, key: str, value: Any) -> None:
        doc = document.split(self._text)
        header = doc.header or "{}"
        spans, start, last_end, close = _json_spans(header)
        rendered = json.dumps(value, ensure_ascii=False, default=_json_default)
        if key in spans:
            s, e = spans[key]
            header = header[:s] + rendered + header[e:]
        else:
            pair = json.dumps(key, ensure_ascii=False) + ": " + rendered
            if last_end is None:
                header = header[: start + 1] + pair + header[start + 1 : close] + header[close:]
            else:
                between = header[start + 1 : header.find('"', start + 1)]
                sep = "," + (between if "\n" in between else " ")
                header = header[:last_end] + sep + pair + header[last_end:]
        new = document.join(replace(doc, header=header))
        data = json.loads(header)
        self._text = new
        self.data = data


def _json_spans(header: str) -> tuple[dict[str, tuple[int, int]], int, int | None, int]:
    """Top-level keys of a JSON object → value span; the object's '{', last value end, '}'."""
    dec = json.JSONDecoder()
    i = header.index("{")
    start = i
    i += 1
    spans: dict[str, tuple[int, int]] = {}
    last_end: int | None = None
    ws = " \t\r\n"
    while True:
        while header[i] in ws:
            i += 1
        if header[i] == "}":
            return spans, start, last_end, i
        if header[i] == ",":
            i += 1
            continue
        key, i = dec.raw_decode(header, i)
        while header[i] in ws:
            i += 1
        i += 1  # the colon
        while header[i] in ws:
            i += 1
        _, end = dec.raw_decode(header, i)
        spans[str(key)] = (i, end)
        last_end = end
        i = end


def _append_yaml_list(text: str, key: str, items: list[Any]) -> str | None:
    """Append to a one-line flow list or a block list in place; None when neither."""
    doc = document.split(text)
    if doc.header is None:
        return None
    hl = document.lines(doc.header)
    idx = next((i for i, ln in enumerate(hl) if document._key_of(ln) == key), None)
    if idx is None:
        return None
    end = document._key_extent(hl, idx)
    first = hl[idx]
    m = document._KEY_LINE.match(first)
    if m is None:
        return None
    nl = document.eol_of(first) or doc.newline
    rest = document.strip_eol(first)[m.end() :]
    lead, token, _gap, _comment = document._split_value_comment(rest)
    if end == idx + 1 and token.startswith("[") and token.endswith("]") and "\n" not in token:
        inner = token[1:-1]
        add = ", ".join(_render(i, True) for i in items)
        new_token = "[" + (inner.rstrip() + ", " + add if inner.strip() else add) + "]"
        hl[idx] = first[: m.end()] + lead + new_token + rest[len(lead) + len(token) :] + nl
    elif not token and end > idx + 1:
        item_lines = [j for j in range(idx + 1, end) if re.match(r"^\s*- ", hl[j])]
        if not item_lines:
            return None
        last = item_lines[-1]
        indent = re.match(r"^(\s*)- ", hl[last]).group(1)  # type: ignore[union-attr]
        if last != end - 1 and not all(
            document.strip_eol(hl[j]).startswith(indent + "  ") or not hl[j].strip() for j in range(last + 1, end)
        ):
            return None
        if not hl[end - 1].endswith("\n"):
            hl[end - 1] += nl
        new = [f"{indent}- {_render(i)}{nl}" for i in items]
        hl[end:end] = new
    else:
        return None
    return document.join(replace(doc, header="".join(hl)))


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


def _strs(value: Any) -> list[str]:
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


def _log_keys(text: str) -> set[tuple[str, str, str]]:
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
    prev_existing = {norm.fold(p) for p in _strs(fm.get("previous"))}

    def keep_previous(key: str, value: Any) -> None:
        entry = f"{key}: {_scalar_str(value)}"
        if norm.fold(entry) not in prev_existing:
            prev_existing.add(norm.fold(entry))
            previous.append(entry)
            changes.append(f"previous {key}")

    # names → aliases
    name = _scalar_str(fm.get("name")) if fm.get("name") is not None else (ctx.stem or "")
    names_known = {norm.name_key(n) for n in [name, *_strs(fm.get("aliases"))] if n}  # `alias:` is adopted too
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
    have_e = {norm.email(e) or e.strip().lower() for e in _strs(fm.get("emails")) + _strs(fm.get("email"))}
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
        for p in _strs(fm.get(k)):
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
    have_u = {u.rstrip("/").lower() for u in _strs(fm.get("urls")) + _strs(fm.get("url"))}
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
        cur_list = _strs(cur)
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
    have_s = set(_strs(fm.get("sources")))
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
    logged = _log_keys(out) if any(r.interactions for r in records) else set()
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


# ---------------------------------------------------------------------------
# The plan


@dataclass
class NewNote:
    name: str
    path: str
    records: list[Record]
    text: str = ""
    why: str = ""  # e.g. "beside people/Anna.md, whose frontmatter cannot be parsed"
    photo: tuple[str, bytes] | None = None


@dataclass
class MergeInto:
    path: str
    name: str
    records: list[Record]
    key: str  # the matching key: "email:anna@example.com", "name", "source"
    text: str = ""
    changes: list[str] = field(default_factory=list)
    photo: tuple[str, bytes] | None = None
    log: bool = True  # write the import's `note:` log line (not when a note is adopted in place)
    before: str = ""  # the text the plan was computed from


@dataclass
class Plan:
    """What an import would do; nothing is written until :func:`apply`."""

    new: list[NewNote] = field(default_factory=list)
    merges: list[MergeInto] = field(default_factory=list)  # only those that change the note
    unchanged: list[MergeInto] = field(default_factory=list)  # already imported
    orgs: list[NewNote | MergeInto] = field(default_factory=list)
    suggestions: list[match.Suggestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # notes that cannot be merged into, and why
    interactions: int = 0
    records: int = 0
    region: str | None = None
    context: Context | None = None

    @property
    def writes(self) -> list[str]:
        paths = [n.path for n in self.new] + [m.path for m in self.merges]
        paths += [o.path for o in self.orgs if isinstance(o, NewNote) or o.changes]
        return paths

    def to_json(self) -> dict[str, Any]:
        def names(recs: list[Record]) -> list[str]:
            return [r.locator for r in recs]

        return {
            "records": self.records,
            "new": [{"name": n.name, "path": n.path, "sources": names(n.records), "note": n.why} for n in self.new],
            "merges": [
                {"name": m.name, "path": m.path, "key": m.key, "changes": m.changes, "sources": names(m.records)}
                for m in self.merges
            ],
            "unchanged": [{"name": m.name, "path": m.path} for m in self.unchanged],
            "orgs": [
                {"name": o.name, "path": o.path, "new": isinstance(o, NewNote)}
                for o in self.orgs
                if isinstance(o, NewNote) or o.changes
            ],
            "suggestions": [{"a": s.a, "b": s.b, "score": s.score, "reason": s.reason} for s in self.suggestions],
            "skipped": [{"source": s.locator, "line": s.line, "reason": s.reason} for s in self.skipped],
            "problems": self.problems,
            "interactions": self.interactions,
        }


def region_of(v: Vault) -> str | None:
    region = getattr(v.settings, "phone_region", None)
    return str(region) if region else None


def context_for(v: Vault) -> Context:
    return Context(
        today=v.today,
        region=region_of(v),
        type_words=frozenset(w.lower() for w in v.settings.type_words()),
    )


def _photo_name(stem: str, rec_list: list[Record]) -> str | None:
    for r in rec_list:
        if r.photo:
            ext = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "gif": "gif", "webp": "webp"}.get(
                (r.photo_type or "jpeg").lower(), "jpg"
            )
            return f"{stem}.{ext}"
    return None


def build_plan(
    v: Vault,
    items: Iterable[Record | Skipped],
    *,
    progress: Callable[[int, int], None] | None = None,
    extra_targets: dict[str, list[Record]] | None = None,
) -> Plan:
    """Match every record and compute every note's new text; write nothing.

    ``extra_targets`` (path → records) merges records into given notes directly
    (the obsidian source adopting notes in place).
    """
    ctx = context_for(v)
    plan = Plan(region=ctx.region, context=ctx)
    people_dir = v.settings.folders.people
    orgs_dir = v.settings.folders.orgs
    records: list[Record] = []
    for item in items:
        if isinstance(item, Skipped):
            plan.skipped.append(item)
        elif not item.has_identity():
            plan.skipped.append(Skipped(item.locator, "no name, no email and no profile"))
        else:
            records.append(item)
    plan.records = len(records)
    plan.interactions = sum(len(r.interactions) for r in records)
    people_recs = [r for r in records if not r.is_org]
    org_recs = [r for r in records if r.is_org]

    existing_people = v.people()
    by_path = {p.path: p for p in existing_people}
    vindex = match.VaultIndex(match.meta_entity(p.path, p.name, p.meta, ctx.region) for p in existing_people)
    unreadable = {}
    for d in v.unreadable():
        if d.path.startswith(people_dir + "/") and d.path.endswith(".md"):
            stem = d.path.rsplit("/", 1)[-1][:-3]
            unreadable[norm.name_key(stem)] = d.path

    entities = [match.record_entity(r, f"rec:{i}", ctx.region) for i, r in enumerate(people_recs)]
    groups, ambiguous = match.cluster(entities)
    targets: dict[str, tuple[list[Record], str]] = {}
    grown: dict[str, match.Entity] = {}  # vault people with what this import adds to them
    fresh: list[tuple[match.Entity, list[Record], str]] = []
    total = len(groups)
    for n, idxs in enumerate(groups):
        if progress is not None and (n % 200 == 0 or n == total - 1):
            progress(n + 1, total)
        ent = match.Entity(f"new:{n}", entities[idxs[0]].name)
        for i in idxs:
            ent.absorb(entities[i])
        recs = [people_recs[i] for i in idxs]
        target, key = vindex.located(ent), "source"
        others: list[str] = []
        if target is None:
            target, key, others = vindex.strong(ent)
        if target is None:
            fits, _clash = vindex.by_names(ent)
            # a person who already took records in this import must still fit them all
            # (two namesakes in the import never both join one vault note by name)
            fits = [ref for ref in fits if ref not in grown or match.conflict(grown[ref], ent) is None]
            if len(fits) == 1:
                target, key = fits[0], "name"
            elif len(fits) > 1:
                for ref in fits:
                    plan.suggestions.append(match.Suggestion(ref, ent.name, 95, "same name, several people fit"))
        if target is not None:
            old = targets.get(target)
            targets[target] = ((old[0] if old else []) + recs, old[1] if old else key)
            if target not in grown:
                base = vindex.entities[target]
                grown[target] = match.Entity(base.ref, base.name)
                grown[target].absorb(base)
            grown[target].absorb(ent)
            for ref in others:
                plan.suggestions.append(
                    match.Suggestion(target, ref, 100, f"the import links both (through {ent.name})")
                )
            continue
        why = ""
        for k in ent.names:
            if k in unreadable:
                why = f"beside {unreadable[k]}, whose frontmatter cannot be parsed"
                plan.problems.append(f"{unreadable[k]}: frontmatter cannot be parsed; {ent.name} goes to a new note")
                break
        fresh.append((ent, recs, why))
    adopted = set(extra_targets or {})
    for path, recs in (extra_targets or {}).items():
        old = targets.get(path)
        targets[path] = ((old[0] if old else []) + recs, old[1] if old else "file")

    # suggestions: new people whose names resemble someone's (blocked by family name); a
    # record with a name only ("Kate Okafor" from Facebook) that resembles someone is held
    # back rather than made a second note for one person
    new_index = match.VaultIndex(ent for ent, _, _ in fresh)
    kept: list[tuple[match.Entity, list[Record], str]] = []
    for ent, recs, why in fresh:
        found = [(ref, score, reason) for ref, score, reason in match.suggestions_for(ent, vindex, set())[:3]]
        found_new = [
            (new_index.entities[ref].name, score, reason, ref)
            for ref, score, reason in match.suggestions_for(ent, new_index, set())[:3]
        ]
        name_only = not any(True for _ in ent.strong_keys())
        strong_new = [f for f in found_new if any(True for _ in new_index.entities[f[3]].strong_keys())]
        # held back only for the same name or a nickname: "Anna Schmitt" is not "Anna Schmidt"
        same = [f for f in found if f[2].startswith(("same name", "nickname"))]
        same_new = [f[:3] for f in strong_new if f[2].startswith(("same name", "nickname"))]
        if name_only and (same or same_new):
            other, score, reason = same[0] if same else same_new[0]
            for r in recs:
                plan.skipped.append(
                    Skipped(
                        r.locator,
                        f"held back: only a name, which resembles {other} ({reason}); "
                        f"to merge it, add '{ent.name}' to that person's aliases and import again",
                    )
                )
            plan.suggestions.append(match.Suggestion(other, ent.name, score, reason + ", held back"))
            continue
        kept.append((ent, recs, why))
        for ref, score, reason in found:
            plan.suggestions.append(match.Suggestion(ref, ent.name, score, reason))
        for name, score, reason, ref in found_new:
            if ref > ent.ref and not (name_only and ref in {f[3] for f in strong_new}):
                plan.suggestions.append(match.Suggestion(name, ent.name, score, reason))
    fresh = kept
    for i, j, reason in ambiguous:
        plan.suggestions.append(match.Suggestion(entities[i].name, entities[j].name, 90, reason))

    # texts of merges
    for path in sorted(targets):
        recs, key = targets[path]
        person = by_path.get(path)
        try:
            text = vaultio.decode(vaultio.read_bytes(v.root / path))
        except (OSError, vaultio.ReadProblem) as exc:
            plan.problems.append(f"{path}: cannot be read ({exc}); not changed")
            continue
        stem = path.rsplit("/", 1)[-1][:-3]
        pctx = replace(ctx, photo_name=_photo_name(stem, recs), log_import=path not in adopted, stem=stem)
        try:
            res = merge_text(text, recs, pctx, person.meta if person is not None else None)
        except WriteRefused as exc:
            plan.problems.append(f"{path}: {exc.message}; not changed")
            continue
        merged = MergeInto(
            path, person.name if person else stem, recs, key, res.text, res.changes, res.photo, pctx.log_import, text
        )
        (plan.merges if res.text != text else plan.unchanged).append(merged)

    # new notes
    taken = {p.lower() for p in vaultio.walk(v.root, skip=(v.settings.folders.templates,))}
    template = _PersonTemplate(v)
    for ent, recs, why in fresh:
        name = ent.name or "Unnamed"
        company = next((r.company for r in recs if r.company), None)
        path = _free_path(people_dir, name, company, taken, force_suffix=bool(why) or _name_taken(name, vindex))
        stem = path.rsplit("/", 1)[-1][:-3]
        text = template.render(name, recs)
        pctx = replace(ctx, photo_name=_photo_name(stem, recs), log_import=False)
        res = merge_text(text, recs, pctx)
        plan.new.append(NewNote(name, path, recs, res.text, why, res.photo))

    # organisations
    org_groups: dict[str, list[Record]] = {}
    for r in org_recs:
        name = norm.display_name(r.company or r.name or "")
        if name:
            org_groups.setdefault(norm.fold(name), []).append(r)
    for recs in org_groups.values():
        name = norm.display_name(recs[0].company or recs[0].name or "")
        path = f"{orgs_dir}/{vaultio.safe_stem(name)}.md"
        octx = replace(ctx, log_import=False)
        if (v.root / path).exists():
            try:
                text = vaultio.decode(vaultio.read_bytes(v.root / path))
                res = merge_text(text, recs, octx)
            except (OSError, vaultio.ReadProblem, WriteRefused) as exc:
                plan.problems.append(f"{path}: {exc}; not changed")
                continue
            plan.orgs.append(MergeInto(path, name, recs, "name", res.text, res.changes if res.text != text else []))
        else:
            text = "---\nname: " + document.render_value(name) + "\n---\n"
            plan.orgs.append(NewNote(name, path, recs, merge_text(text, recs, octx).text))
    return plan


def _name_taken(name: str, vindex: match.VaultIndex) -> bool:
    return bool(vindex.by_name.get(norm.name_key(name)))


def _free_path(folder: str, name: str, company: str | None, taken: set[str], force_suffix: bool) -> str:
    stem = vaultio.safe_stem(name)
    import itertools

    first = [] if force_suffix else [stem]
    if company:
        first.append(vaultio.safe_stem(f"{name} ({company})"))
    for c in itertools.chain(first, (f"{stem} {n}" for n in range(2, 1000))):
        rel = f"{folder}/{c}.md"
        if rel.lower() not in taken:
            taken.add(rel.lower())
            return rel
    raise WriteRefused(f"no free file name for '{name}'")


class _PersonTemplate:
    """The person template, compiled once per import (compiling it per note costs 4 ms)."""

    def __init__(self, v: Vault) -> None:
        self.v = v
        self.template: Any = None

    def render(self, name: str, recs: list[Record]) -> str:
        from .. import templating

        notes = "\n".join(r.notes.strip() for r in recs if r.notes and r.notes.strip())
        if self.template is None:
            try:
                self.template = templating.environment(self.v.root, self.v.settings).get_template("person.md.j2")
            except Exception:  # noqa: BLE001 - the slow path reports template errors with file and line
                return templating.render_person(self.v.root, self.v.settings, name, {}, self.v.today, notes)
        context: dict[str, Any] = {
            "name": name,
            "fields": {},
            "today": self.v.today,
            "notes": notes,
            **{k: None for k in ("closeness", "circle", "stage", "tier", "emails", "phones", "tags")},
        }
        try:
            return str(self.template.render(**context))
        except Exception:  # noqa: BLE001
            return templating.render_person(self.v.root, self.v.settings, name, {}, self.v.today, notes)


# ---------------------------------------------------------------------------
# Writing


@dataclass
class Applied:
    written: list[str] = field(default_factory=list)
    message: str = ""
    photos: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def apply(v: Vault, plan: Plan, *, force: bool = False, what: str = "import") -> Applied:
    """Write the plan: new notes, merges (re-applied to the file as it is now), photos, orgs.

    Wrapped in :func:`vaultcrm.bulk.guard`: in git, files with uncommitted changes are
    refused unless ``force``; outside git they are backed up first.
    """
    from .. import bulk

    ctx = plan.context or context_for(v)
    out = Applied()
    paths = plan.writes
    photos: list[tuple[str, bytes]] = []
    people_dir = v.settings.folders.people
    for photo in [n.photo for n in plan.new] + [m.photo for m in plan.merges]:
        if photo:
            photos.append((f"{people_dir}/attachments/{photo[0]}", photo[1]))
    with bulk.guard(v, paths + [p for p, _ in photos], force=force, what=what) as g:
        # thousands of notes: one flush to disk at the end instead of two per file (every
        # existing file written is restorable from git or the guard's backup meanwhile)
        each = len(paths) <= BULK_FILES
        try:
            _write_all(v, plan, ctx, out, fsync=each)
        finally:
            if not each:
                vaultio.sync_all()
        for rel, data in photos:
            target = vaultio.inside(v.root, rel)
            if target.exists():
                if target.read_bytes() != data:
                    out.problems.append(f"{rel} exists with another picture: kept it, the imported one was dropped")
                continue
            vaultio.atomic_write(target, data)
            out.photos.append(rel)
        out.message = g.message()
    if out.written and len(out.written) <= BULK_FILES:
        v.refresh(paths=out.written)  # a large import is indexed by the next command
    return out


BULK_FILES = 50  # from this many files on, an import flushes to disk once at the end


def _write_all(v: Vault, plan: Plan, ctx: Context, out: Applied, *, fsync: bool) -> None:
    for note in plan.new:
        vaultio.create_new(v.root, note.path, note.text, fsync=fsync)
        out.written.append(note.path)
    for m in plan.merges:
        stem = m.path.rsplit("/", 1)[-1][:-3]
        mctx = replace(ctx, photo_name=_photo_name(stem, m.records), log_import=m.log, stem=stem)
        recs = m.records

        def change(t: str, m: MergeInto = m, recs: list[Record] = recs, mctx: Context = mctx) -> str:
            return m.text if t == m.before else merge_text(t, recs, mctx).text  # changed since: re-apply

        if vaultio.edit(v.root, m.path, change, fsync=fsync):
            out.written.append(m.path)
    for o in plan.orgs:
        if isinstance(o, NewNote):
            vaultio.create_new(v.root, o.path, o.text)
            out.written.append(o.path)
        elif o.changes:
            octx = replace(ctx, log_import=False)

            def change_org(t: str, recs: list[Record] = o.records, octx: Context = octx) -> str:
                return merge_text(t, recs, octx).text

            if vaultio.edit(v.root, o.path, change_org, fsync=fsync):
                out.written.append(o.path)


# ---------------------------------------------------------------------------
# Merging two people of the vault (`vaultcrm merge A B`)


@dataclass
class PeopleMerge:
    """B into A: A's new text, what it gains, and every other file whose links change."""

    into: str  # A's path
    gone: str  # B's path
    name_b: str
    stem_a: str
    text: str
    changes: list[str]
    rewrites: dict[str, str]  # path → new text (A and B excluded)
    new_link: str


def _person_record(v: Vault, person: Any, text: str) -> Record:
    from . import obsidian

    rec, why = obsidian.read_note("", person.stem, text)
    if rec is None:
        raise FrontmatterError(why or "cannot be read", path=person.path)
    rec.notes = None
    rec.interactions = []
    rec.extra["aliases"] = [person.name, person.stem, *person.aliases]
    rec.extra["sources"] = _strs(person.meta.get("sources"))
    rec.name = None
    return rec


def _carry_body(text_a: str, text_b: str, name_b: str, today: dt.date) -> tuple[str, int, int]:
    """A's text with B's log lines (in date order) and B's other body lines appended."""
    doc_b = document.split(text_b)
    b_lines = document.lines(text_b)
    first = document.body_start(doc_b)
    log = document.find_section(b_lines, "Log", first)
    log_range = range(log.start, log.end) if log else range(0)
    tasks = document.find_section(b_lines, "Tasks", first)
    logged = _log_keys(text_a)
    present = {document.strip_eol(ln).strip() for ln in document.lines(text_a)}
    out = text_a
    n_log = n_other = 0
    for i in range(first, len(b_lines)):
        raw = document.strip_eol(b_lines[i])
        if i in log_range:
            if i == log.start if log else False:
                continue
            try:
                parsed = logline.parse(raw)
            except logline.LineError:
                parsed = None
            if parsed is not None:
                key = (parsed.date.isoformat(), parsed.type.lower(), logline.normalise_text(parsed.text))
                if raw.strip() in present or (not parsed.reserved and key in logged):
                    continue
                logged.add(key)
                out = document.add_to_section(out, "Log", raw, parsed.date.isoformat())
                n_log += 1
                continue
        if tasks is not None and i == tasks.start:
            continue
        if not raw.strip() or raw.strip() in present:
            continue
        h = re.match(r"^ {0,3}(#{1,6})[ \t]+(.*)$", raw)
        if h:
            raw = "#" * max(3, len(h.group(1))) + " " + h.group(2)
        title = "Tasks" if tasks is not None and tasks.start < i < tasks.end else f"From {name_b}"
        out = document.add_to_section(out, title, raw)
        present.add(raw.strip())
        n_other += 1
    return out, n_log, n_other


def plan_merge(v: Vault, a: Any, b: Any) -> PeopleMerge:
    """What merging person ``b`` into ``a`` changes (nothing is written)."""
    from .. import links

    text_a = vaultio.decode(vaultio.read_bytes(v.root / a.path))
    text_b = vaultio.decode(vaultio.read_bytes(v.root / b.path))
    new_text, changes = _merged_text(v, a, b, text_a, text_b)
    new_link = a.stem
    rewrites: dict[str, str] = {}
    for old in dict.fromkeys([b.name, b.stem]):
        for rel, text in links.plan_link_rewrites(v, old, new_link).items():
            if rel in (b.path,):
                continue
            base = rewrites.get(rel)
            rewrites[rel] = links.rewrite_links(base, old, new_link) if base is not None else text
    if a.path in rewrites:
        for old in dict.fromkeys([b.name, b.stem]):
            new_text = links.rewrite_links(new_text, old, new_link)
        del rewrites[a.path]
    return PeopleMerge(a.path, b.path, b.name, a.stem, new_text, changes, rewrites, new_link)


def _merged_text(v: Vault, a: Any, b: Any, text_a: str, text_b: str) -> tuple[str, list[str]]:
    ctx = replace(context_for(v), log_import=False, stem=a.stem)
    res = merge_text(text_a, [_person_record(v, b, text_b)], ctx)
    out, n_log, n_other = _carry_body(res.text, text_b, b.name, v.today)
    changes = list(res.changes)
    if n_log:
        changes.append(f"{n_log} log line{'s' if n_log != 1 else ''}")
    if n_other:
        changes.append(f"{n_other} note line{'s' if n_other != 1 else ''}")
    line = f"- {v.today.isoformat()} note: merged the note of {b.name} ({b.path}) into this one [via:: merge]"
    out = document.add_to_section(out, "Log", line, v.today.isoformat())
    return out, changes


def apply_merge(v: Vault, plan: PeopleMerge, *, force: bool = False) -> str:
    """Write A, rewrite the links, then remove B; returns how to undo it."""
    import os

    from .. import bulk, links

    a = v.person_at(plan.into)
    b = v.person_at(plan.gone)
    if a is None or b is None:
        raise WriteRefused("the people changed while merging; run the command again")
    paths = [plan.into, plan.gone, *plan.rewrites]
    with bulk.guard(v, paths, force=force, what="merge") as g:
        text_b = vaultio.decode(vaultio.read_bytes(v.root / plan.gone))

        def change_a(text: str) -> str:
            new, _ = _merged_text(v, a, b, text, text_b)
            for old in dict.fromkeys([b.name, b.stem]):
                new = links.rewrite_links(new, old, plan.new_link)
            return new

        vaultio.edit(v.root, plan.into, change_a)
        for rel in sorted(plan.rewrites):

            def change(text: str) -> str:
                for old in dict.fromkeys([b.name, b.stem]):
                    text = links.rewrite_links(text, old, plan.new_link)
                return text

            vaultio.edit(v.root, rel, change)
        os.remove(vaultio.inside(v.root, plan.gone))  # only after A is written
        message = g.message()
    v.refresh()
    return f"Reversible: {message}"
