"""Pure text operations on Markdown files with YAML frontmatter.

Every function here takes and returns ``str`` (a file decoded as UTF-8, BOM
included as ``\\ufeff``) and never touches the disk. The contract:

* ``join(split(text)) == text`` for every input;
* an edit changes only the lines it means to change; newline style (LF or
  CRLF), BOM, final newline, comments, key order and quoting all survive;
* an edit that would produce a different parse of any other frontmatter key is
  refused with :class:`~vaultcrm.errors.WriteRefused`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from .errors import WriteRefused

BOM = "\ufeff"
_FENCE_OPEN = re.compile(r"---[ \t]*(\r?\n)")
_FENCE_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*(?:\r?\n|$)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_CODE_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_DATED_ITEM = re.compile(r"^[ \t]{0,3}[-*+][ \t]+(?:\[.\][ \t]+)?(\d{4}-\d{2}-\d{2})\b")
_CONFLICT = re.compile(r"^(?:<{7}(?: |$)|>{7}(?: |$)|\|{7}(?: |$))", re.MULTILINE)


def lines(text: str) -> list[str]:
    """Split after every ``\\n`` only (``str.splitlines`` also splits on \\x0b, \\u2028 …)."""
    if not text:
        return []
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def newline_of(text: str) -> str:
    """The file's newline style: the ending of its first line (LF when it has none)."""
    i = text.find("\n")
    return "\r\n" if i > 0 and text[i - 1] == "\r" else "\n"


def strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def eol_of(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith("\n"):
        return "\n"
    return ""


@dataclass(frozen=True)
class Document:
    """A file split into its parts; :func:`join` puts them back byte for byte.

    ``header`` is the raw YAML between the fences (``None`` without frontmatter);
    ``header_line`` is the 1-based file line of its first line; ``body_line`` that
    of the body's first line.
    """

    bom: str
    open_fence: str
    header: str | None
    close_fence: str
    body: str
    newline: str
    unclosed: bool = False

    @property
    def header_line(self) -> int:
        return 2

    @property
    def body_line(self) -> int:
        if self.header is None:
            return 1
        return 2 + len(lines(self.header)) + 1


def split(text: str) -> Document:
    """Split a file's text into BOM, frontmatter and body, keeping every byte."""
    bom = BOM if text.startswith(BOM) else ""
    rest = text[len(bom) :]
    nl = newline_of(rest)
    m = _FENCE_OPEN.match(rest)
    if not m:
        return Document(bom, "", None, "", rest, nl)
    pos = m.end()
    while pos <= len(rest):
        close = _FENCE_CLOSE.match(rest, pos)
        if close:
            return Document(bom, rest[: m.end()], rest[m.end() : pos], close.group(0), rest[close.end() :], nl)
        nxt = rest.find("\n", pos)
        if nxt < 0:
            break
        pos = nxt + 1
    return Document(bom, "", None, "", rest, nl, unclosed=True)


def join(doc: Document) -> str:
    return doc.bom + doc.open_fence + (doc.header or "") + doc.close_fence + doc.body


def conflict_line(text: str) -> int | None:
    """1-based line of the first git conflict marker, or None."""
    m = _CONFLICT.search(text)
    if not m:
        return None
    return text.count("\n", 0, m.start()) + 1


# ---------------------------------------------------------------------------
# Rendering values as YAML flow scalars

_PLAIN_UNSAFE_START = set("-?:,[]{}#&*!|>'\"%@`")


def _plain_ok(s: str, in_flow: bool) -> bool:
    if not s or s != s.strip() or s[0] in _PLAIN_UNSAFE_START:
        return False
    if any(c in s for c in "\n\r\t\x00") or ": " in s or " #" in s or s.endswith(":"):
        return False
    if in_flow and any(c in s for c in ",[]{}"):
        return False
    if any(ord(c) < 32 or c == "\x7f" or c == BOM for c in s):
        return False
    from . import yamlio

    try:
        return yamlio.load(f"k: {s}") == {"k": s} and yamlio.plain_is_string_everywhere(s)
    except yamlio.YAMLProblem:
        return False


_NON_PRINTABLE_CHARS = "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"


@functools.cache
def _non_printable() -> re.Pattern[str]:
    """Characters YAML cannot hold verbatim (compiled lazily: 7 ms, needed only to write)."""
    return re.compile(_NON_PRINTABLE_CHARS)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def _escape(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    n = ord(c)
    return f"\\x{n:02x}" if n <= 0xFF else f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"


def _double_quoted(s: str) -> str:
    """A YAML double-quoted scalar; anything YAML cannot hold verbatim is escaped."""
    out = re.sub(r'[\\"]', lambda m: _ESCAPES[m.group(0)], s)
    out = _non_printable().sub(lambda m: _escape(m.group(0)), out)
    return f'"{out}"'


def _single_quoted(s: str) -> str:
    if _non_printable().search(s):
        return _double_quoted(s)
    return "'" + s.replace("'", "''") + "'"


def render_value(value: Any, quote: str = "", in_flow: bool = False) -> str:
    """Render a value as one line of YAML flow text; ``quote`` is ``'``, ``"`` or ``""``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        if quote == '"':
            return _double_quoted(value)
        if quote == "'":
            return _single_quoted(value)
        return value if _plain_ok(value, in_flow) else _double_quoted(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v, quote, True) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{render_value(str(k), '', True)}: {render_value(v, quote, True)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as YAML")


# ---------------------------------------------------------------------------
# Frontmatter key edits

_KEY_LINE = re.compile(r"""^(?P<key>"[^"]*"|'[^']*'|[^\s#'"\-?:,\[\]{}][^:#]*?)(?P<sp>[ \t]*):(?=[ \t]|\r?\n|$)""")


def _key_of(line: str) -> str | None:
    m = _KEY_LINE.match(line)
    if not m:
        return None
    key = m.group("key")
    if key[:1] in "\"'":
        key = key[1:-1]
    return key


def _split_value_comment(rest: str) -> tuple[str, str, str, str]:
    """Split what follows ``key:`` into (leading space, value token, gap, comment)."""
    body = rest
    lead = body[: len(body) - len(body.lstrip(" \t"))]
    body = body[len(lead) :]
    if body[:1] in ("'", '"'):
        q = body[0]
        i = 1
        while i < len(body):
            if q == '"' and body[i] == "\\":
                i += 2
                continue
            if body[i] == q:
                if q == "'" and body[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                break
            i += 1
        token = body[: i + 1]
        tail = body[i + 1 :]
    else:
        m = re.search(r"[ \t]#", body)
        token = body[: m.start()] if m else body
        tail = body[m.start() :] if m else ""
        stripped = token.rstrip(" \t")
        tail = token[len(stripped) :] + tail
        token = stripped
    gap = tail[: len(tail) - len(tail.lstrip(" \t"))]
    comment = tail[len(gap) :]
    return lead, token, gap, comment


def _key_extent(hlines: list[str], start: int) -> int:
    """Index one past the last line of the value that starts at ``hlines[start]``."""
    end = start + 1
    last_content = start + 1
    while end < len(hlines):
        s = strip_eol(hlines[end])
        if s[:1] in (" ", "\t") and s.strip() or s.startswith("-") and not s.startswith("---"):
            end += 1
            last_content = end
        elif not s.strip():
            end += 1  # blank line: part of the value only if indented content follows
        else:
            break
    return last_content


def set_key(text: str, key: str, value: Any, *, verify: bool = True) -> str:
    """Return ``text`` with frontmatter ``key`` set to ``value``, changing only its lines.

    A missing key is added at the end of the frontmatter (a file without
    frontmatter gets one). Quoting style and a trailing comment on the key line
    are kept for single-line values.
    """
    doc = split(text)
    nl = doc.newline
    if doc.header is None:
        if doc.unclosed:
            raise WriteRefused("the frontmatter has no closing '---' line")
        line = f"{_render_key(key)}: {render_value(value)}{nl}"
        new = replace(doc, open_fence="---" + nl, header=line, close_fence="---" + nl)
        out = join(new)
    else:
        hlines = lines(doc.header)
        if hlines and not hlines[-1].endswith("\n"):
            hlines[-1] += nl  # cannot happen with a closing fence, but stay safe
        idx = next((i for i, ln in enumerate(hlines) if _key_of(ln) == key), None)
        if idx is None:
            hlines.append(f"{_render_key(key)}: {render_value(value)}{nl}")
        else:
            end = _key_extent(hlines, idx)
            first = hlines[idx]
            eol = eol_of(first) or nl
            m = _KEY_LINE.match(first)
            assert m is not None
            head = first[: m.end()]
            lead, token, gap, comment = _split_value_comment(strip_eol(first)[m.end() :])
            scalar = not isinstance(value, list | tuple | dict)
            single = end == idx + 1 and token[:1] not in ("[", "{", "|", ">", "&", "*", "!")
            if scalar and single:
                quote = token[0] if token[:1] in ("'", '"') else ""
                new_token = render_value(value, quote)
                lead = lead or " "
            else:
                new_token = render_value(value)
                lead = " "
            tail = (gap or " ") + comment if comment else ""
            hlines[idx:end] = [head + lead + new_token + tail + eol]
        new = replace(doc, header="".join(hlines))
        out = join(new)
    if verify:
        _verify_set(text, out, key, value)
    return out


def remove_key(text: str, key: str) -> str:
    """Return ``text`` without frontmatter ``key`` (unchanged when absent)."""
    doc = split(text)
    if doc.header is None:
        return text
    hlines = lines(doc.header)
    idx = next((i for i, ln in enumerate(hlines) if _key_of(ln) == key), None)
    if idx is None:
        return text
    del hlines[idx : _key_extent(hlines, idx)]
    out = join(replace(doc, header="".join(hlines)))
    before, after = _parse_header(text), _parse_header(out)
    before.pop(key, None)
    if before != after:
        raise WriteRefused(f"removing '{key}' would change other frontmatter keys")
    return out


def _render_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][\w-]*", key) else _double_quoted(key)


def _parse_header(text: str) -> dict[str, Any]:
    from . import yamlio

    doc = split(text)
    if doc.header is None or not doc.header.strip():
        return {}
    data = yamlio.load(doc.header)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WriteRefused("the frontmatter is not a mapping of keys to values")
    return data


def _normalise(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    return value


def _verify_set(old: str, new: str, key: str, value: Any) -> None:
    from . import yamlio

    try:
        before = _parse_header(old)
    except yamlio.YAMLProblem as exc:
        raise WriteRefused(f"the frontmatter cannot be parsed ({exc.reason})", line=exc.line) from None
    try:
        after = _parse_header(new)
    except yamlio.YAMLProblem:
        raise WriteRefused(f"setting '{key}' would break the frontmatter") from None
    if _normalise(after.get(key)) != _normalise(value):
        raise WriteRefused(f"'{key}' could not be written safely")
    before.pop(key, None)
    after.pop(key, None)
    if before != after:
        raise WriteRefused(f"setting '{key}' would change other frontmatter keys")


# ---------------------------------------------------------------------------
# Sections and log lines


class Section(NamedTuple):
    """A heading's span in the file's lines: ``start`` is the heading line's index."""

    title: str
    level: int
    start: int
    end: int  # index one past the section's last line


def sections(all_lines: list[str], first: int = 0) -> list[Section]:
    """Headings from line index ``first`` on (code fences respected)."""
    heads: list[tuple[int, int, str]] = []
    fence: str | None = None
    for i in range(first, len(all_lines)):
        s = strip_eol(all_lines[i])
        if i == 0:
            s = s.removeprefix("\ufeff")  # a BOM file without frontmatter: the heading is on line 0
        f = _CODE_FENCE.match(s)
        if f:
            mark = f.group(1)[0]
            if fence is None:
                fence = mark
            elif fence == mark:
                fence = None
            continue
        if fence is not None:
            continue
        h = _HEADING.match(s)
        if h:
            heads.append((i, len(h.group(1)), h.group(2)))
    out = []
    for n, (i, level, title) in enumerate(heads):
        end = len(all_lines)
        for j, lv, _ in heads[n + 1 :]:
            if lv <= level:
                end = j
                break
        out.append(Section(title, level, i, end))
    return out


def body_start(doc: Document) -> int:
    """The index of the first body line: after the frontmatter, 0 without one (even after a BOM)."""
    if not doc.open_fence:
        return 0
    return len(lines(doc.bom + doc.open_fence + (doc.header or "") + doc.close_fence))


def find_section(all_lines: list[str], title: str, first: int = 0) -> Section | None:
    want = title.strip().lower()
    for sec in sections(all_lines, first):
        if sec.title.strip().lower() == want:
            return sec
    return None


def _restore_final_newline(old: str, new: str) -> str:
    if old and not old.endswith("\n") and new.endswith("\n"):
        return new[:-2] if new.endswith("\r\n") else new[:-1]
    return new


def visible_lines(all_lines: list[str], start: int, end: int) -> Iterator[tuple[int, str]]:
    """(index, line) for the lines that are Markdown text: code blocks and HTML comments skipped."""
    fence: str | None = None
    comment = False
    for i in range(start, end):
        line = all_lines[i]
        stripped = line.lstrip()
        if fence is None and (comment or stripped.startswith("<!--")):
            comment = "-->" not in line
            continue
        if stripped.startswith(("```", "~~~")):
            mark = stripped[0]
            fence = mark if fence is None else (None if fence == mark else fence)
            continue
        if fence is None:
            yield i, line


def _log_order(all_lines: list[str], sec: Section) -> tuple[str, list[tuple[int, str]]]:
    items = []
    for i, line in visible_lines(all_lines, sec.start + 1, sec.end):
        m = _DATED_ITEM.match(line)
        if m:
            items.append((i, m.group(1)))
    dates = [d for _, d in items]
    if len(set(dates)) >= 2:
        asc = sum(1 for a, b in zip(dates, dates[1:], strict=False) if a < b)
        desc = sum(1 for a, b in zip(dates, dates[1:], strict=False) if a > b)
        return ("asc" if asc > desc else "desc"), items
    return "desc", items


def add_to_section(text: str, title: str, line: str, date: str | None = None) -> str:
    """Insert ``line`` into the section headed ``title`` (``## title`` made when missing).

    With a ``date`` (ISO), the line goes to its chronological place in the
    section's existing order: newest first (the default, as in DESIGN.md) or
    oldest first when the section already reads that way. Without a date it is
    appended after the section's last non-blank line.
    """
    doc = split(text)
    all_lines = lines(text)
    nl = doc.newline
    prefix = body_start(doc)
    sec = find_section(all_lines, title, prefix)
    new_line = line + nl
    if sec is None:
        body_lines = all_lines[:]
        if body_lines and not body_lines[-1].endswith("\n"):
            body_lines[-1] += nl
        block = []
        if len(body_lines) > prefix and strip_eol(body_lines[-1]).strip():
            block.append(nl)
        block += [f"## {title}{nl}", new_line]
        return _restore_final_newline(text, "".join(body_lines + block))
    # the position of the section's last non-blank line
    last = sec.start
    for i in range(sec.start + 1, sec.end):
        if strip_eol(all_lines[i]).strip():
            last = i
    at = last + 1
    if date is not None:
        order, items = _log_order(all_lines, sec)
        if order == "desc":
            pos = next((i for i, d in items if d <= date), None)
        else:
            pos = next((i for i, d in items if d > date), None)
        if pos is not None:
            at = pos
    out = all_lines[:]
    if at > 0 and at == len(out) and out and not out[-1].endswith("\n"):
        out[-1] += nl
    out.insert(at, new_line)
    return _restore_final_newline(text, "".join(out))
