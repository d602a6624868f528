"""The merge drivers git runs for a vault's notes (the hidden ``vaultcrm merge-driver``).

* ``vaultcrm-log`` for person files (``.gitattributes``: ``people/**/*.md merge=vaultcrm-log``):
  :func:`merge_texts`. The frontmatter and the rest of the body merge by ordinary line merge
  (``git merge-file``); the ``## Log`` and ``## Tasks`` sections keep every line either side
  added, in date order. Anything else that conflicts keeps the standard conflict markers and
  counts as a conflict, so git stops.
* ``vaultcrm-review`` for weekly review notes: :func:`merge_review_texts` (one side's
  generated block, every tick and every line of the user's from both sides).

The merge is symmetric: during ``git pull --rebase`` "ours" is the upstream side, and the
merged text does not depend on which side is which (only the order of the two halves inside a
conflict region does). No click here; :mod:`vaultcrm.sync` configures the drivers.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import document

MERGED_SECTIONS = ("Log", "Tasks")

_DATED = re.compile(r"^[ \t]{0,3}[-*+][ \t]+(?:\[.\][ \t]+)?(\d{4}-\d{2}-\d{2})(?:[ \t]+(\d{1,2}):(\d{2})(?!\d))?")
_PLACEHOLDER = "@@vaultcrm-merge-driver:{}@@"
_LABELS = ("ours", "base", "theirs")


class MergeFailed(Exception):
    """``git merge-file`` itself failed (not a conflict: an error)."""


# ---------------------------------------------------------------------------
# The merge driver


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflicts: int  # 0: merged cleanly


def merge_texts(base: str, ours: str, theirs: str, *, marker_size: int = 7) -> MergeResult:
    """Three-way merge of a person file.

    The ``## Log`` and ``## Tasks`` sections (when every side that matters has
    them) are merged line by line: where both sides only added lines, the
    result keeps every added line once, in date order (newest first, or oldest
    first when the section reads that way; undated lines after dated ones).
    A side that only added lines at the edge of a region the other side
    changed (a ticked task next to a new one) is merged too. Everything else
    (frontmatter, free notes, other sections) goes through ``git merge-file``
    with the section bodies replaced by placeholders. Conflicts anywhere keep
    git's standard markers and are counted in ``conflicts``.
    """
    versions = [_Version.of(t) for t in (base, ours, theirs)]
    b, o, t = versions
    treated = [
        title
        for title in MERGED_SECTIONS
        if _PLACEHOLDER.format(title) not in base + ours + theirs
        and (
            all(title in v.spans for v in versions) or (title not in b.spans and title in o.spans and title in t.spans)
        )
    ]
    skeletons = [v.skeleton(treated) for v in versions]
    merged, conflicts = merge_file(skeletons[0], skeletons[1], skeletons[2], marker_size=marker_size)
    out_lines = document.lines(merged)
    nl = _common_newline(b.nl, o.nl, t.nl)
    for title in treated:
        marker = _PLACEHOLDER.format(title) + "\n"
        at = _outside_conflicts(out_lines, marker, marker_size)
        if at is None:  # the placeholder landed in a conflict: merge the whole file plainly
            return _plain(versions, marker_size)
        section, n = merge_section(b.section(title), o.section(title), t.section(title), nl=nl, marker_size=marker_size)
        out_lines[at : at + 1] = section
        conflicts += n
    text = "".join(out_lines)
    return MergeResult(_final_newline(text, versions), conflicts)


def merge_file(base: str, ours: str, theirs: str, *, marker_size: int = 7) -> tuple[str, int]:
    """``git merge-file -p``: the ordinary line merge with standard conflict markers."""
    with tempfile.TemporaryDirectory(prefix="vaultcrm-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            p = Path(tmp, name)
            p.write_bytes(text.encode("utf-8", "surrogateescape"))
            paths.append(str(p))
        proc = subprocess.run(
            ["git", "merge-file", "-p", f"--marker-size={marker_size}"]
            + [arg for label in _LABELS for arg in ("-L", label)]
            + paths,
            capture_output=True,
            check=False,
        )
    if proc.returncode < 0 or proc.returncode > 127:
        raise MergeFailed(proc.stderr.decode("utf-8", "replace").strip() or "git merge-file failed")
    return proc.stdout.decode("utf-8", "surrogateescape"), proc.returncode


def merge_bytes(base: bytes, ours: bytes, theirs: bytes, *, marker_size: int = 7) -> tuple[bytes, int]:
    """:func:`merge_texts` on raw file contents; text that is not UTF-8 gets a plain line merge."""
    return _merge_raw(merge_texts, base, ours, theirs, marker_size)


def _merge_raw(
    merge: Callable[..., MergeResult], base: bytes, ours: bytes, theirs: bytes, marker_size: int
) -> tuple[bytes, int]:
    """Run a text merge on UTF-8 file contents; anything else (binary, another encoding) gets
    git's plain line merge, byte for byte."""
    try:
        texts = [raw.decode("utf-8") for raw in (base, ours, theirs)]
    except UnicodeDecodeError:
        texts = []
    if texts and not any("\x00" in text for text in texts):
        result = merge(texts[0], texts[1], texts[2], marker_size=marker_size)
        return result.text.encode("utf-8"), result.conflicts
    plain = [raw.decode("utf-8", "surrogateescape") for raw in (base, ours, theirs)]
    text, n = merge_file(plain[0], plain[1], plain[2], marker_size=marker_size)
    return text.encode("utf-8", "surrogateescape"), n


def run_driver(base: Path, ours: Path, theirs: Path, marker_size: int = 7, *, review: bool = False) -> int:
    """What git runs (``%O %A %B %L``): merge into ``ours``; returns the number of conflicts.

    ``review``: the file is a weekly review note or its heatmap (:func:`merge_review_bytes`),
    else a person file. If anything goes wrong, fall back to git's own merge of the three
    files so that ``ours`` always ends up holding both sides (with conflict markers).
    """
    merge = merge_review_bytes if review else merge_bytes
    try:
        merged, conflicts = merge(base.read_bytes(), ours.read_bytes(), theirs.read_bytes(), marker_size=marker_size)
    except Exception:
        proc = subprocess.run(
            ["git", "merge-file", f"--marker-size={marker_size}"]
            + [arg for label in _LABELS for arg in ("-L", label)]
            + [str(ours), str(base), str(theirs)],
            capture_output=True,
            check=False,
        )
        return max(1, proc.returncode)
    ours.write_bytes(merged)
    return conflicts


class _Version:
    """One side of the merge: its lines (each ending in a newline) and section spans."""

    def __init__(self, lines: list[str], final_nl: bool, nl: str, spans: dict[str, tuple[int, int]]) -> None:
        self.lines = lines
        self.final_nl = final_nl
        self.nl = nl
        self.spans = spans

    @classmethod
    def of(cls, text: str) -> _Version:
        nl = document.newline_of(text)
        final_nl = not text or text.endswith("\n")
        if not final_nl:
            text += nl
        return cls(document.lines(text), final_nl, nl, section_spans(text))

    def section(self, title: str) -> list[str]:
        if title not in self.spans:
            return []
        start, end = self.spans[title]
        return self.lines[start:end]

    def skeleton(self, titles: Sequence[str]) -> str:
        """The text with each treated section's body replaced by one placeholder line."""
        out = self.lines[:]
        for start, end, title in sorted(((*self.spans[t], t) for t in titles if t in self.spans), reverse=True):
            out[start:end] = [_PLACEHOLDER.format(title) + "\n"]
        return "".join(out)


def section_spans(text: str) -> dict[str, tuple[int, int]]:
    """Body line spans (heading excluded) of the first ``## Log`` and ``## Tasks`` headings."""
    doc = document.split(text)
    all_lines = document.lines(text)
    prefix = 0
    if doc.header is not None:
        prefix = len(document.lines(doc.bom + doc.open_fence + doc.header + doc.close_fence))
    out: dict[str, tuple[int, int]] = {}
    taken: list[tuple[int, int]] = []
    for title in MERGED_SECTIONS:
        sec = document.find_section(all_lines, title, prefix)
        if sec is None or any(sec.start < e and s < sec.end for s, e in taken):
            continue  # nested in (or around) the other section: leave it to the line merge
        taken.append((sec.start, sec.end))
        out[title] = (sec.start + 1, sec.end)
    return out


def _common_newline(base: str, ours: str, theirs: str) -> str:
    if ours == theirs:
        return ours
    return theirs if ours == base else ours


def _final_newline(text: str, versions: list[_Version]) -> str:
    """Apply the three-way merge of "ends with a newline" (every side was given one)."""
    b, o, t = (v.final_nl for v in versions)
    want = t if o == b else o
    if not want and text.endswith("\n"):
        return text[:-2] if text.endswith("\r\n") else text[:-1]
    return text


def _outside_conflicts(out_lines: list[str], marker: str, size: int) -> int | None:
    """The index of the single placeholder line when it is outside every conflict region."""
    found = None
    depth = 0
    for i, line in enumerate(out_lines):
        if line.startswith("<" * size) and line[size : size + 1] in (" ", "\n", "\r"):
            depth += 1
        elif line.startswith(">" * size) and line[size : size + 1] in (" ", "\n", "\r"):
            depth = max(0, depth - 1)
        elif line == marker:
            if found is not None or depth:
                return None
            found = i
    return found


def _plain(versions: list[_Version], marker_size: int) -> MergeResult:
    texts = ["".join(v.lines) for v in versions]
    text, n = merge_file(texts[0], texts[1], texts[2], marker_size=marker_size)
    return MergeResult(_final_newline(text, versions), n)


# ---------------------------------------------------------------------------
# Merging one Log or Tasks section


def line_key(line: str) -> str:
    return document.strip_eol(line)


def merge_section(
    base: list[str], ours: list[str], theirs: list[str], *, nl: str = "\n", marker_size: int = 7
) -> tuple[list[str], int]:
    """Three-way merge of a section's lines (each ending in a newline); returns (lines, conflicts).

    Regions that only one side changed take that side. Where both changed the
    same region: if both only added lines, keep the union (de-duplicated,
    in date order); if one side only added lines at the region's start or end,
    put them around the other side's version; else a conflict with markers.
    """
    order = _order(ours, theirs)
    bk, ok, tk = ([line_key(x) for x in side] for side in (base, ours, theirs))
    mo, mt = _matches(bk, ok), _matches(bk, tk)
    out: list[str] = []
    conflicts = 0
    i = j = k = 0
    while i < len(base) or j < len(ours) or k < len(theirs):
        if i < len(base) and mo.get(i) == j and mt.get(i) == k:
            out.append(_pick(base[i], ours[j], theirs[k]))
            i, j, k = i + 1, j + 1, k + 1
            continue
        p = next((p for p in range(i, len(base)) if p in mo and p in mt), None)
        j2, k2 = (mo[p], mt[p]) if p is not None else (len(ours), len(theirs))
        i2 = p if p is not None else len(base)
        lines, ok_ = _merge_chunk(base[i:i2], ours[j:j2], theirs[k:k2], order)
        if ok_:
            out.extend(lines)
        else:
            conflicts += 1
            out.append("<" * marker_size + f" {_LABELS[0]}{nl}")
            out.extend(ours[j:j2])
            out.append("=" * marker_size + nl)
            out.extend(theirs[k:k2])
            out.append(">" * marker_size + f" {_LABELS[2]}{nl}")
        i, j, k = i2, j2, k2
    if not conflicts:
        out = _dedupe(out, bk, ok, tk)
    return out, conflicts


def _matches(a: list[str], b: list[str]) -> dict[int, int]:
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: dict[int, int] = {}
    for ai, bi, size in sm.get_matching_blocks():
        for n in range(size):
            out[ai + n] = bi + n
    return out


def _pick(b: str, o: str, t: str) -> str:
    """The same line on all sides, maybe with different line endings: a three-way pick."""
    if o == t:
        return o
    return t if o == b else o


def _merge_chunk(b: list[str], o: list[str], t: list[str], order: str) -> tuple[list[str], bool]:
    bk, ok, tk = [line_key(x) for x in b], [line_key(x) for x in o], [line_key(x) for x in t]
    if ok == bk:
        return t, True
    if tk == bk or ok == tk:
        return o, True
    go, gt = _gaps(bk, ok), _gaps(bk, tk)
    if go is not None and gt is not None:  # both only added lines
        out: list[str] = []
        for n in range(len(b) + 1):
            out.extend(_merge_blocks(_blocks([o[x] for x in go[n]]), _blocks([t[x] for x in gt[n]]), order))
            if n < len(b):
                out.append(b[n])
        return out, True
    for adder, other in ((t, o), (o, t)):
        edges = _edges(bk, [line_key(x) for x in adder])
        if edges is not None:  # one side only added at the edges of what the other changed
            pre, post = adder[: edges[0]], adder[edges[1] :]
            have = {line_key(x) for x in other}
            kept_pre = [x for x in pre if line_key(x) not in have]
            return kept_pre + other + [x for x in post if line_key(x) not in have], True
    return [], False


def _gaps(b: list[str], s: list[str]) -> list[list[int]] | None:
    """Indices of ``s`` in the len(b)+1 gaps around ``b``'s lines, or None when ``s`` lost one."""
    gaps: list[list[int]] = [[]]
    n = 0
    for idx, key in enumerate(s):
        if n < len(b) and key == b[n]:
            n += 1
            gaps.append([])
        else:
            gaps[-1].append(idx)
    return gaps if n == len(b) else None


def _edges(b: list[str], s: list[str]) -> tuple[int, int] | None:
    """(start, end) when ``s`` is ``b`` with lines added only before and after it."""
    if not b or len(s) < len(b):
        return None
    for start in range(len(s) - len(b) + 1):
        if s[start : start + len(b)] == b:
            return start, start + len(b)
    return None


def _blocks(lines: list[str]) -> list[list[str]]:
    """Items with their continuation lines (indented lines belong to the item above)."""
    blocks: list[list[str]] = []
    for line in lines:
        key = line_key(line)
        if blocks and key.strip() and key[:1] in (" ", "\t"):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _order(*sides: list[str]) -> str:
    """``asc`` when the sections read oldest first (more rising than falling neighbours)."""
    asc = desc = 0
    for side in sides:
        dates = [m.group(1) for m in (_DATED.match(x) for x in side) if m]
        asc += sum(1 for a, b in zip(dates, dates[1:], strict=False) if a < b)
        desc += sum(1 for a, b in zip(dates, dates[1:], strict=False) if a > b)
    return "asc" if asc > desc else "desc"


def _rank(block: list[str], order: str) -> tuple[int, int, int, str]:
    text = "\n".join(line_key(x) for x in block)
    m = _DATED.match(line_key(block[0]))
    if m:
        try:
            day = dt.date.fromisoformat(m.group(1)).toordinal()
        except ValueError:
            return (1, 0, 0, text)
        minutes = int(m.group(2)) * 60 + int(m.group(3)) if m.group(2) else -1
        sign = -1 if order == "desc" else 1
        return (0, sign * day, sign * minutes, text)
    return (1, 0, 0, text)


def _merge_blocks(a: list[list[str]], b: list[list[str]], order: str) -> list[str]:
    """Merge two runs of added items by date (ties by text), each run keeping its own order."""
    merged: list[list[str]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        ra, rb = _rank(a[i], order), _rank(b[j], order)
        if ra == rb:
            merged.append(min(a[i], b[j]))
            i, j = i + 1, j + 1
        elif ra < rb:
            merged.append(a[i])
            i += 1
        else:
            merged.append(b[j])
            j += 1
    merged += a[i:] + b[j:]
    return [line for block in merged for line in block]


def _dedupe(out: list[str], bk: list[str], ok: list[str], tk: list[str]) -> list[str]:
    """Drop repeats of a line both sides added (not in the base) beyond what either side has."""
    base = Counter(bk)
    allowed = Counter(ok) | Counter(tk)
    seen: Counter[str] = Counter()
    kept = []
    for line in out:
        key = line_key(line)
        if key.strip() and not base[key]:
            seen[key] += 1
            if seen[key] > allowed[key]:
                continue
        kept.append(line)
    return kept


# ---------------------------------------------------------------------------
# The merge driver for weekly review notes (``reviews/**/*.md merge=vaultcrm-review``)
#
# Two machines that both ran `vaultcrm review` in the same week both created
# reviews/2026-W48.md: an add/add conflict for git (the driver then gets an empty
# BASE). The note is a generated block between two markers, in which the user ticks
# lines and adds lines, and the user's own text around it. The block is rebuilt from
# the files by every `vaultcrm review`, so one side's generated lines are as good as
# the other's; what must survive is what the user did: ticks (they are touches) and
# their own lines.


@dataclass
class _Note:
    """A review note cut at its markers; lines without their newline."""

    before: list[str]  # above the begin marker
    block: list[str]  # between the markers
    known: set[str]  # the hashes the end marker lists: which block lines vaultcrm wrote
    after: list[str]  # below the end marker (## My notes)

    def is_user(self, line: str) -> bool:
        from .review import line_hash

        return bool(line.strip()) and line_hash(line) not in self.known

    def sections(self) -> list[tuple[str, list[str]]]:
        """The block as (heading line, lines) runs; the first run's heading is ''."""
        out: list[tuple[str, list[str]]] = [("", [])]
        for line in self.block:
            if line.startswith("## ") and not self.is_user(line):
                out.append((line, []))
            else:
                out[-1][1].append(line)
        return out

    def generated(self) -> list[str]:
        """The block as vaultcrm wrote it: the user's lines left out, ticks taken off."""
        return [_untick(x) for x in self.block if not self.is_user(x)]

    def ticks(self) -> dict[tuple[str, str, int], str]:
        """Every generated line (ticked or not) by :func:`_line_keys`."""
        out: dict[tuple[str, str, int], str] = {}
        for heading, lines in self.sections():
            generated = [x for x in lines if x.strip() and not self.is_user(x)]
            out.update(zip(_line_keys(heading, generated), generated, strict=True))
        return out

    def user_lines(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for heading, lines in self.sections():
            mine = [x for x in lines if self.is_user(x)]
            if mine:
                out[heading] = mine
        return out


def _parse_note(lines: list[str]) -> _Note | None:
    """Cut a note at its markers; None when it does not have exactly one pair in order."""
    from .review import BEGIN, END_PREFIX, END_SUFFIX

    begins = [i for i, x in enumerate(lines) if x == BEGIN]
    ends = [i for i, x in enumerate(lines) if x.startswith(END_PREFIX)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        return None
    b, e = begins[0], ends[0]
    known = set(lines[e][len(END_PREFIX) :].removesuffix(END_SUFFIX).split())
    note = _Note(lines[:b], lines[b + 1 : e], known, lines[e + 1 :])
    if any(x.startswith("## ") and note.is_user(x) for x in note.block):
        return None  # a heading the user wrote inside the block: where its lines belong is unclear
    return note


_TICK_BOX = re.compile(r"^(\s*[-*+]\s+)\[[xX]\]")
_DONE_DATE = re.compile(r"\s*✅\uFE0F?\s*(\d{4}-\d{2}-\d{2})")


def _untick(line: str) -> str:
    return _DONE_DATE.sub("", _TICK_BOX.sub(r"\1[ ]", line)).rstrip()


def _is_ticked(line: str | None) -> bool:
    from .review import is_ticked

    return line is not None and is_ticked(line)


def _tick_rank(line: str) -> tuple[str, str]:
    """Earliest ``✅`` date first (a tick without a date counts from the week's Monday: first)."""
    m = _DONE_DATE.search(line)
    return (m.group(1) if m else "", line)


def _line_keys(heading: str, lines: list[str]) -> list[tuple[str, str, int]]:
    """How a generated line is found on the other side: its heading and the people it names
    (its text changes when the review is regenerated a day later: "12 days overdue"), or
    its text without the tick for a line that names nobody; numbered when repeated."""
    from .logline import links
    from .review import line_hash

    seen: Counter[tuple[str, str]] = Counter()
    out = []
    for line in lines:
        found = links(line)  # the people it names ("Intro [[A]] to [[B]]": both)
        ident = "[[" + "]] [[".join(found) if found else line_hash(line)
        seen[(heading, ident)] += 1
        out.append((heading, ident, seen[(heading, ident)]))
    return out


def _three_way(b: str | None, o: str | None, t: str | None) -> str | None:
    """One generated line's state (its text, ticked or not; None: absent) merged.

    A side that left the line as it was takes the other side's change (an untick too);
    when both changed it, a tick on either side wins, the earliest ``✅`` date first."""
    if o == t or t == b:
        return o
    if o == b:
        return t
    ticked = [x for x in (o, t) if x is not None and _is_ticked(x)]
    if ticked:
        return min(ticked, key=_tick_rank)
    return o if o is not None and (t is None or o < t) else t


def _common(a: list[str], b: list[str]) -> list[str]:
    """The lines both have, in order: a stand-in base when the file is new on both sides.

    Computed on the two sides in a fixed order, so that it does not depend on which is ours."""
    x, y = sorted((a, b))
    sm = difflib.SequenceMatcher(None, x, y, autojunk=False)
    return [x[i] for blk in sm.get_matching_blocks() for i in range(blk.a, blk.a + blk.size)]


def _union(base: list[str] | None, ours: list[str], theirs: list[str], marker_size: int) -> tuple[list[str], int]:
    """:func:`merge_section` (keep both sides' added lines) on lines without newlines."""
    if base is None:
        base = _common(ours, theirs)
    merged, n = merge_section(
        [x + "\n" for x in base], [x + "\n" for x in ours], [x + "\n" for x in theirs], marker_size=marker_size
    )
    return [x[:-1] for x in merged], n


def _merge_block(b: _Note | None, o: _Note, t: _Note, marker_size: int) -> tuple[list[str], int]:
    """The merged block and its end marker line; returns (lines, conflicts)."""
    from .review import END_PREFIX, END_SUFFIX, line_hash

    # the generated lines from one side: the side that regenerated the block (the other kept
    # the base's), else the one whose generated text sorts last: the same on every machine
    go, gt = o.generated(), t.generated()
    if b is not None and go == b.generated():
        src = t
    elif b is not None and gt == b.generated():
        src = o
    else:
        src = o if go >= gt else t
    # ticks: per line, three-way (a tick on either side stays, the earliest date)
    bt, ot, tt = (b.ticks() if b is not None else {}), o.ticks(), t.ticks()
    state = {k: _three_way(bt.get(k), ot.get(k), tt.get(k)) for k in dict.fromkeys([*ot, *tt])}
    # the user's own lines, heading by heading, merged like ## Log lines: both sides' kept
    bu, ou, tu = (b.user_lines() if b is not None else None), o.user_lines(), t.user_lines()
    user: dict[str, list[str]] = {}
    conflicts = 0
    for heading in dict.fromkeys([*ou, *tu]):
        merged, n = _union(
            bu.get(heading, []) if bu is not None else None, ou.get(heading, []), tu.get(heading, []), marker_size
        )
        conflicts += n
        if merged:
            user[heading] = merged
    out: list[str] = []
    users: list[str] = []
    placed: set[tuple[str, str, int]] = set()
    src_sections = src.sections()
    headings = {h for h, _ in src_sections}
    for heading, lines in src_sections:
        section = [heading] if heading else []
        keys = iter(_line_keys(heading, [x for x in lines if x.strip() and not src.is_user(x)]))
        for line in lines:
            if not line.strip():
                section.append(line)
            elif not src.is_user(line):
                key = next(keys)
                placed.add(key)
                want = state.get(key)
                if _is_ticked(want):
                    section.append(want or line)
                elif _is_ticked(line):
                    section.append(want if want is not None else _untick(line))
                else:
                    section.append(line)
        extra = sorted(v for k, v in state.items() if v and k[0] == heading and k not in placed and _is_ticked(v))
        mine = user.pop(heading, [])
        users += mine
        if extra or mine:
            trailing: list[str] = []
            while section and not section[-1].strip():
                trailing.insert(0, section.pop())
            section += [*extra, *mine, *(trailing or [""])]
        out += section
    # ticked lines and user lines under a heading the chosen side does not have: at the end
    leftovers = sorted(v for k, v in state.items() if v and k[0] not in headings and k not in placed and _is_ticked(v))
    for heading in sorted(user):
        leftovers += user[heading]
        users += user[heading]
    if leftovers:
        out += [*leftovers, ""]
    mine_set = set(users)
    hashes = [line_hash(x) for x in out if x.strip() and x not in mine_set]
    return [*out, END_PREFIX + " ".join(dict.fromkeys(hashes)) + END_SUFFIX], conflicts


def _split_frontmatter(lines: list[str]) -> tuple[list[str], list[str]]:
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return [], lines
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return lines[: i + 1], lines[i + 1 :]
    return [], lines


def merge_review_texts(base: str, ours: str, theirs: str, *, marker_size: int = 7) -> MergeResult:
    """Three-way merge of a weekly review note (or of its activity heatmap).

    An empty ``base`` is a note both sides created (git's add/add). The generated block
    comes from one side (the one that regenerated it, else the same side on every
    machine); every tick from either side is kept (both ticked: the earliest ``✅``
    date); the user's lines inside the block from both sides are kept under their
    heading; the frontmatter merges like git merges text, and the rest outside the
    markers (## My notes) like a ``## Log`` section: both sides' added lines kept,
    a conflict where both changed the same line. Anything else (no markers, markers
    twice, a heading of the user's inside the block, mixed newlines) gets git's
    plain merge, with conflict markers where it cannot.
    """
    from .review import BEGIN

    if ours == theirs or base == theirs:
        return MergeResult(ours, 0)
    if base == ours:
        return MergeResult(theirs, 0)
    if all(_is_heatmap(x) for x in (ours, theirs)) and (not base or _is_heatmap(base)):
        return MergeResult(max(ours, theirs), 0)  # generated from the files: either will do
    nls = {document.newline_of(x) for x in (base, ours, theirs) if x}
    texts = [x.replace("\r\n", "\n") for x in (base, ours, theirs)]
    sides = [_split_text(x) for x in texts]
    notes = [_parse_note(lines) if lines else None for lines, _ in sides]
    o, t = notes[1], notes[2]
    placeholder = _PLACEHOLDER.format("review")
    if (
        len(nls) != 1
        or any(x.count("\n") != x.count("\r\n") for x in (base, ours, theirs) if "\r\n" in x)  # mixed newlines
        or "\r" in "".join(texts)
        or placeholder in "".join(texts)
        or o is None
        or t is None
        or (base and notes[0] is None)
    ):
        return _plain_review(base, ours, theirs, marker_size)
    b = notes[0]
    nl = nls.pop()
    block, conflicts = _merge_block(b, o, t, marker_size)
    # outside the markers: the frontmatter like git, the rest like ## Log (added lines kept)
    skel = [(*_split_frontmatter(n.before), n.after) for n in (o, t)]
    bfm, brest = _split_frontmatter(b.before) if b is not None else ([], [])
    if (len(skel[0][0]) > 0) != (len(skel[1][0]) > 0):  # frontmatter on one side only: merge it as text
        skel = [([], n.before, n.after) for n in (o, t)]
        bfm, brest = [], (b.before if b is not None else [])
    fm: list[str] = []
    if skel[0][0] or skel[1][0]:
        fm_base = bfm if b is not None else _common(skel[0][0], skel[1][0])
        text, n = merge_file(
            *("".join(x + "\n" for x in part) for part in (fm_base, skel[0][0], skel[1][0])), marker_size=marker_size
        )
        fm, conflicts = text.split("\n")[:-1], conflicts + n
    rests = [[*s[1], placeholder, *s[2]] for s in skel]
    brest_full = [*brest, placeholder, *b.after] if b is not None else None
    rest, n = _union(brest_full, rests[0], rests[1], marker_size)
    at = _outside_conflicts([x + "\n" for x in rest], placeholder + "\n", marker_size)
    if at is None:
        return _plain_review(base, ours, theirs, marker_size)
    out = [*fm, *rest[:at], BEGIN, *block, *rest[at + 1 :]]
    fb, fo, ft = (s[1] for s in sides)
    final = fo if fo == ft else (ft if fo == fb else fo) if base else True
    text = "\n".join(out) + ("\n" if final else "")
    return MergeResult(text.replace("\n", nl) if nl != "\n" else text, conflicts + n)


def _split_text(text: str) -> tuple[list[str], bool]:
    """(lines without newlines, ends with a newline)."""
    if not text:
        return [], True
    final = text.endswith("\n")
    return (text[:-1] if final else text).split("\n"), final


def _is_heatmap(text: str) -> bool:
    head = text[:400]
    return head.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'aria-label="Touches per day' in head


def _plain_review(base: str, ours: str, theirs: str, marker_size: int) -> MergeResult:
    text, n = merge_file(base, ours, theirs, marker_size=marker_size)
    return MergeResult(text, n)


def merge_review_bytes(base: bytes, ours: bytes, theirs: bytes, *, marker_size: int = 7) -> tuple[bytes, int]:
    """:func:`merge_review_texts` on raw file contents; text that is not UTF-8 gets a plain line merge."""
    return _merge_raw(merge_review_texts, base, ours, theirs, marker_size)
