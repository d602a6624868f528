"""Frontmatter editors that change only the keys they name: YAML through :mod:`vaultcrm.document`,
JSON inside its object (:class:`Front`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

from .. import document
from ..errors import WriteRefused

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
