"""Decode export files by detection, never by assumption, and repair known mojibake.

Real exports arrive as UTF-8, UTF-8 with a BOM, UTF-16 with a BOM (Google's older CSV),
UTF-16 without one (rare, but Excel writes it), and Windows-1252 (Outlook's CSV, old vCards).
:func:`decode` tries them in that order of evidence: a BOM is proof; NUL bytes in every other
position are near proof of UTF-16; strict UTF-8 almost never succeeds on text that is not
UTF-8; Windows-1252 decodes anything. A file mixing UTF-8 and Windows-1252 lines (a CSV
appended to by two programs) is decoded line by line, so one stray byte does not turn every
accent of the file into mojibake. No ``U+FFFD`` is ever produced.

:func:`repair_mojibake` undoes the classic double encoding (UTF-8 bytes read as Latin-1 or
Windows-1252: ``JosÃ©`` → ``José``), which Facebook's JSON export and LinkedIn's
``messages.csv`` both contain. It changes only runs that decode as valid UTF-8, so ordinary
Latin-1 text (``Müller``) passes through untouched.
"""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Windows-1252 leaves five bytes undefined; they decode as the Latin-1 control characters
# of the same value instead of U+FFFD (they never occur in real text anyway).
_CP1252_HOLES = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


_CP1252_TABLE = tuple(chr(b) if b in _CP1252_HOLES else bytes([b]).decode("cp1252") for b in range(256))


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(map(_CP1252_TABLE.__getitem__, data))


def detect_encoding(data: bytes) -> str:
    """The encoding :func:`decode` will use: a codec name, or ``"mixed"`` for line-by-line."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name + "-sig" if name == "utf-8" else name
    sample = data[:4096]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0)
        odd_nul = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nul > half * 0.3 and even_nul < half * 0.05:
            return "utf-16-le"
        if even_nul > half * 0.3 and odd_nul < half * 0.05:
            return "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    for line in data.splitlines():
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if any(b >= 0x80 for b in line):
            return "mixed"  # some lines are real UTF-8 with accents: decode line by line
    return "cp1252"


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode a short byte string (a quoted-printable vCard value) with its declared charset.

    A wrong or unknown declaration falls back to detection: UTF-8 if it decodes, else
    Windows-1252. Never produces U+FFFD.
    """
    if charset:
        try:
            text = data.decode(charset)
            if "\ufffd" not in text:
                return text
        except (LookupError, ValueError):  # an unknown or garbled charset name
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _cp1252(data)


def decode(data: bytes, *, repair: bool = True) -> str:
    """The text of an export file: BOM removed, encoding detected, mojibake repaired.

    Newlines are left as they are (CSV and vCard readers need to see CRLF inside fields).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    encoding = detect_encoding(data)
    if encoding == "mixed":
        text = "".join(decode_bytes(line) for line in data.splitlines(keepends=True))
    elif encoding == "cp1252":
        text = _cp1252(data)
    elif encoding == "utf-8":
        text = data.decode("utf-8")
    else:
        # UTF-16/32: an odd byte count (a truncated file) or a lone surrogate is dropped
        text = data.decode(encoding, errors="replace").replace("\ufffd", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    return repair_mojibake(text) if repair else text


# --- mojibake ------------------------------------------------------------------------------

# The character each byte 0x80–0xFF becomes when UTF-8 is misread as Windows-1252 or Latin-1.
_BYTE_OF: dict[str, int] = {}
for _b in range(0x80, 0x100):
    _BYTE_OF[chr(_b)] = _b  # Latin-1 reading (Facebook's \u00c3\u00a9)
    if _b not in _CP1252_HOLES:
        _BYTE_OF[bytes([_b]).decode("cp1252")] = _b  # Windows-1252 reading (â€™)

_CONT = "".join(sorted(re.escape(c) for c, b in _BYTE_OF.items() if 0x80 <= b <= 0xBF))
_LEAD2 = "".join(sorted(re.escape(c) for c, b in _BYTE_OF.items() if 0xC2 <= b <= 0xDF))
_LEAD3 = "".join(sorted(re.escape(c) for c, b in _BYTE_OF.items() if 0xE0 <= b <= 0xEF))
_LEAD4 = "".join(sorted(re.escape(c) for c, b in _BYTE_OF.items() if 0xF0 <= b <= 0xF4))
_MOJIBAKE = re.compile(f"(?:[{_LEAD2}][{_CONT}]|[{_LEAD3}][{_CONT}]{{2}}|[{_LEAD4}][{_CONT}]{{3}})+")


def _fix(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        fixed = bytes(_BYTE_OF[c] for c in run).decode("utf-8")
    except UnicodeDecodeError:
        return run
    # Two-character pieces whose second character is Windows-1252 punctuation (’ ” – …) can
    # be real text: "Fuß“" or "Ø”" must stay. Repair a run only when one piece is certain:
    # a three- or four-byte sequence, a Latin-1 continuation (Ã©, Facebook's \u00c3\u00a9),
    # or a Latin Extended-A letter (Å‚ → ł).
    if len(fixed) * 2 < len(run) or any(ord(c) <= 0xFF for c in run[1::2]):
        return fixed
    if any(0x100 <= ord(c) <= 0x17F for c in fixed):
        return fixed
    return run


def repair_mojibake(text: str) -> str:
    """``JosÃ© MÃ¼ller`` → ``José Müller``; text that is not mojibake comes back unchanged.

    Only a run of characters that were each one byte of a valid multi-byte UTF-8 sequence is
    replaced, so a real ``Ã`` followed by an ordinary letter, or ``é`` on its own, stays.
    """
    if not text or text.isascii():
        return text
    return _MOJIBAKE.sub(_fix, text)
