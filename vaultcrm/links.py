"""Rewriting ``[[wikilinks]]`` to a person whose name changes (rename, merge).

Obsidian rewrites a link when its target file is renamed, and so does vaultcrm:
every form that points at the person (``[[Old]]``, ``[[Old|shown]]``,
``[[Old#Heading]]``, ``[[people/Old.md]]``, embeds ``![[Old]]``, the
table-escaped ``[[Old\\|shown]]``), in frontmatter values and in bodies. Names
match as the index compares them (:func:`vaultcrm.index.name_key`: NFC, any
case). Only the target's name changes: a path prefix, ``.md``, the heading,
the shown text and every other byte stay. Like Obsidian, links inside fenced
code blocks and inline code spans are text, not links, and are left alone.

:func:`rewrite_links` is pure text; :func:`plan_link_rewrites` reads the vault
and says which files would change, without writing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from . import document
from .index import name_key

if TYPE_CHECKING:
    from .core import Vault

# [[target#heading|shown]]; the target stops at | # ^ and brackets, as in logline._LINK
_LINK = re.compile(r"(!?\[\[)([^\[\]|#^\n]*)((?:[#^][^\[\]|\n]*)?)((?:\|[^\[\]\n]*)?)(\]\])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")


def _target_key(raw: str) -> tuple[str, int, int]:
    """(name key, start, end) of the name inside a raw link target.

    ``people/Klaus Breyer.md`` → the span of ``Klaus Breyer``; surrounding spaces
    and a table-escape backslash before ``|`` are outside the span.
    """
    end = len(raw.rstrip())
    if end and raw[end - 1] == "\\":  # [[Old\|shown]] inside a Markdown table
        end -= 1
    start = raw.rfind("/", 0, end) + 1
    while start < end and raw[start] in " \t":
        start += 1
    while end > start and raw[end - 1] in " \t":
        end -= 1
    if raw[start:end].lower().endswith(".md"):
        end -= 3
    return name_key(raw[start:end]), start, end


def _quote_context(line: str, pos: int) -> str:
    """Whether ``pos`` in a YAML line lies inside a ``'…'`` or ``"…"`` scalar ("" if neither)."""
    quote = ""
    i = 0
    while i < pos:
        c = line[i]
        if quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = ""
        elif quote == "'":
            if c == "'":
                quote = ""
        elif c in "'\"":
            prev = line[i - 1] if i else " "
            if prev in " \t[{,:-" or i == 0:
                quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return ""  # a comment: no quoting applies
        i += 1
    return quote


def _escape_for(quote: str, name: str) -> str:
    if quote == "'":
        return name.replace("'", "''")
    if quote == '"':
        return name.replace("\\", "\\\\").replace('"', '\\"')
    return name


def _rewrite_span(text: str, old_key: str, new: str, yaml: bool) -> str:
    """Rewrite links in ``text`` (no code inside); ``yaml`` escapes for quoted scalars."""

    def repl(m: re.Match[str], line: str = "", offset: int = 0) -> str:
        raw = m.group(2)
        key, start, end = _target_key(raw)
        if key != old_key:
            return m.group(0)
        name = new
        if yaml:
            name = _escape_for(_quote_context(line, m.start() - offset), new)
        return m.group(1) + raw[:start] + name + raw[end:] + m.group(3) + m.group(4) + m.group(5)

    if not yaml:
        return _LINK.sub(repl, text)
    out = []
    for line in document.lines(text):
        if "[[" in line:
            line = _LINK.sub(lambda m, ln=line: repl(m, ln), line)  # type: ignore[misc]
        out.append(line)
    return "".join(out)


def _rewrite_body(body: str, old_key: str, new: str) -> str:
    """Rewrite the Markdown body line by line, leaving fenced code and inline code alone."""
    out: list[str] = []
    fence: str | None = None
    for line in document.lines(body):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line[m.end() :].strip():
                fence = None
            out.append(line)
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        if "[[" not in line:
            out.append(line)
            continue
        if "`" not in line:
            out.append(_rewrite_span(line, old_key, new, yaml=False))
            continue
        pieces: list[str] = []
        last = 0
        for code in _INLINE_CODE.finditer(line):
            pieces.append(_rewrite_span(line[last : code.start()], old_key, new, yaml=False))
            pieces.append(code.group(0))
            last = code.end()
        pieces.append(_rewrite_span(line[last:], old_key, new, yaml=False))
        out.append("".join(pieces))
    return "".join(out)


def rewrite_links(text: str, old: str, new: str) -> str:
    """``text`` with every wikilink to the person ``old`` pointing at ``new`` instead.

    ``old`` may be a name or a path (``people/Old.md``); ``new`` is the new link
    name (the new file stem). Returns ``text`` itself when nothing matches.
    """
    if "[[" not in text:
        return text
    old_key = _target_key(unicodedata.normalize("NFC", old))[0]
    new = new.strip()
    if not old_key or old_key not in unicodedata.normalize("NFC", text).lower():
        return text
    doc = document.split(text)
    header = doc.header
    if header is not None and "[[" in header:
        header = _rewrite_span(header, old_key, new, yaml=True)
    body = _rewrite_body(doc.body, old_key, new) if "[[" in doc.body else doc.body
    if header == doc.header and body == doc.body:
        return text
    from dataclasses import replace

    return document.join(replace(doc, header=header, body=body))


def plan_link_rewrites(v: Vault, old: str, new: str) -> dict[str, str]:
    """Vault-relative path → new text, for every Markdown file whose links to ``old`` change.

    Reads every note (templates excepted, as the index does); writes nothing.
    Files that cannot be read (binary, not UTF-8, too large) are skipped: they
    are never rewritten.
    """
    from . import vault as vaultio

    plans: dict[str, str] = {}
    probe = _target_key(unicodedata.normalize("NFC", old))[0]
    if not probe:
        return plans
    for rel in sorted(vaultio.walk(v.root, skip=(v.settings.folders.templates,))):
        try:
            text = vaultio.decode(vaultio.read_bytes(v.root / rel))
        except (OSError, vaultio.ReadProblem):
            continue
        if "[[" not in text:
            continue
        new_text = rewrite_links(text, old, new)
        if new_text != text:
            plans[rel] = new_text
    return plans
