"""vCard 2.1, 3.0 and 4.0 files with any number of cards, as Apple Contacts, Google, Android
and Outlook write them.

A small parser of our own rather than ``vobject``, because the exports that need care are
exactly the ones vobject handles worst: vCard 2.1 quoted-printable values whose soft line
breaks (``=`` at the end of a line) continue on an unindented next line, with a ``CHARSET``
that must be applied to the decoded bytes; 2.1 bare parameters (``TEL;CELL;VOICE:``); base64
photos whose continuation lines are not indented; and one broken card, which must cost that
card only (vobject stops the whole file at the first error and reports no line numbers).
Here every card knows the line it began on, so a card without ``END:VCARD`` becomes a
:class:`Skipped` with its line and the next card is read as usual.

Handled: folded lines (a leading space or tab continues the previous line), CRLF/LF/CR, a
BOM and any file encoding (see :mod:`.encoding`), ``QUOTED-PRINTABLE`` with ``CHARSET``,
grouped properties (``item1.EMAIL`` + ``item1.X-ABLabel``), escaped ``\\,`` ``\\;`` ``\\n``
``\\\\``, birthdays without a year (``--0415``, ``--04-15``, Apple's
``BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15``), ``N``/``FN``/``NICKNAME``/``ORG``/``TITLE``/
``TEL``/``EMAIL``/``URL``/``ADR``/``NOTE``/``CATEGORIES``/``X-SOCIALPROFILE``/``IMPP``/
``X-TWITTER``…, embedded ``PHOTO`` (base64 or a ``data:`` URI) as bytes on the record (never
frontmatter; a photo on a web server is not downloaded). A card for an organisation
(``KIND:org``, Apple's ``X-ABShowAs:COMPANY``, or only an ``ORG``) is ``is_org``.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .common import add_unique, add_url, base_name, handle_from_url, multiline, parse_birthday
from .encoding import decode, decode_bytes, repair_mojibake
from .record import ImportFormatError, Record, Skipped

name = "vcard"

_NEWLINE = re.compile(r"\r\n|\r|\n")
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=]+")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_SYSTEM_CATEGORIES = {"mycontacts", "starred"}
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")


@dataclass
class Prop:
    """One content line: ``[group.]NAME[;params]:value``, value decoded but not unescaped."""

    name: str
    value: str
    line: int
    group: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict)
    raw_bytes: bytes | None = None  # a base64 value, decoded

    def param(self, key: str) -> str | None:
        values = self.params.get(key.upper())
        return values[0] if values else None

    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}


def sniff(filename: str, head: bytes) -> bool:
    """A ``.vcf`` file, or any file that starts with ``BEGIN:VCARD``."""
    if base_name(filename).lower().endswith((".vcf", ".vcard")):
        return True
    text = decode(head[:4096], repair=False).lstrip()
    return text[:11].upper() == "BEGIN:VCARD"


def read(filename: str, data: bytes) -> Iterator[Record | Skipped]:
    """Every card of the file in order; a broken card is skipped with its line."""
    base = base_name(filename)
    text = decode(data, repair=False)
    card_no = 0
    card: list[Prop] | None = None
    begin_line = 0
    seen_begin = False
    for line_no, logical in _logical_lines(text):
        prop = _parse_line(logical, line_no)
        if prop is None:
            if card is not None and logical.strip():
                card.append(Prop("X-UNPARSED", logical, line_no))
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            if card is not None:
                yield Skipped(
                    f"{name}/{base}#card={card_no}",
                    f"card has no END:VCARD before the next BEGIN:VCARD (line {line_no})",
                    begin_line,
                )
            seen_begin = True
            card_no += 1
            card = []
            begin_line = line_no
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            if card is None:
                continue
            locator = f"{name}/{base}#card={card_no}"
            try:
                yield _record(card, locator, begin_line)
            except (ValueError, KeyError, IndexError, UnicodeError, binascii.Error) as exc:
                yield Skipped(locator, f"unreadable card: {exc}", begin_line)
            card = None
        elif card is not None:
            card.append(prop)
    if card is not None:
        yield Skipped(
            f"{name}/{base}#card={card_no}",
            "card has no END:VCARD (the file ends inside it: truncated?)",
            begin_line,
        )
    if not seen_begin:
        raise ImportFormatError(filename, "no BEGIN:VCARD found: not a vCard file")


# --- lines ---------------------------------------------------------------------------------


def _head(line: str) -> str:
    """The part of a content line before its value (name and parameters)."""
    return _split_value(line)[0]


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Unfolded content lines with the number of the line each starts on."""
    current: str | None = None
    start = 0
    qp = b64 = False
    for number, raw in enumerate(_NEWLINE.split(text), 1):
        if current is not None:
            if qp and current.endswith("="):
                # a quoted-printable soft line break; it comes before folding, because the
                # next line's first character is content (" 0" after "=" is a space and a 0)
                current = current[:-1] + raw
                continue
            if raw[:1] in (" ", "\t"):
                current += raw[1:]
                continue
            if b64 and raw and _BASE64_LINE.fullmatch(raw) and ":" not in raw:
                current += raw  # 2.1 base64 continued without indentation
                continue
            yield start, current
            current = None
        if not raw.strip():
            continue
        current, start = raw, number
        head = _head(raw).upper()
        qp = "QUOTED-PRINTABLE" in head
        b64 = "BASE64" in head or "ENCODING=B" in head
    if current is not None:
        yield start, current


def _split_value(line: str) -> tuple[str, str]:
    """Split at the first colon outside double quotes."""
    colon = line.find(":")
    if colon < 0:
        return line, ""
    if '"' not in line[:colon]:
        return line[:colon], line[colon + 1 :]
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], line[i + 1 :]
    return line, ""


def _split_unquoted(text: str, sep: str) -> list[str]:
    if '"' not in text:
        return text.split(sep)
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            continue
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _parse_line(line: str, number: int) -> Prop | None:
    head, value = _split_value(line)
    if head == line and ":" not in line:
        return None
    pieces = _split_unquoted(head, ";")
    group, _, prop_name = pieces[0].strip().rpartition(".")
    if not prop_name or not _NAME.fullmatch(prop_name):
        return None
    prop = Prop(prop_name.upper(), value, number, group or None)
    for piece in pieces[1:]:
        if not piece.strip():
            continue
        key, eq, val = piece.partition("=")
        if eq:
            values = [v.strip() for v in _split_unquoted(val, ",") if v.strip()]
            prop.params.setdefault(key.strip().upper(), []).extend(values)
        else:  # vCard 2.1 bare parameters: TEL;CELL;VOICE / ;QUOTED-PRINTABLE / ;BASE64
            bare = key.strip().upper()
            if bare in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"):
                prop.params.setdefault("ENCODING", []).append(bare)
            else:
                prop.params.setdefault("TYPE", []).append(bare)
    encoding = (prop.param("ENCODING") or "").upper()
    if encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(prop.value.encode("utf-8"))
        prop.value = repair_mojibake(decode_bytes(raw, prop.param("CHARSET")))
    elif encoding in ("B", "BASE64"):
        prop.raw_bytes = _b64(prop.value)
    else:
        prop.value = repair_mojibake(prop.value)
    return prop


def _b64(text: str) -> bytes | None:
    """Base64 with whitespace and missing padding forgiven; None when it is not base64."""
    compact = re.sub(r"\s+", "", text).rstrip("=")
    if not compact or not re.fullmatch(r"[A-Za-z0-9+/]+", compact):
        return None
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4))
    except (binascii.Error, ValueError):
        return None


# --- values --------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}


def unescape(text: str) -> str:
    """``\\,`` → ``,``, ``\\;`` → ``;``, ``\\n`` → newline, ``\\\\`` → ``\\``."""
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def split_escaped(text: str, sep: str, *, keep_escapes: bool = False) -> list[str]:
    """Split on ``sep`` where it is not escaped, then unescape each part (unless told not to)."""
    if "\\" not in text:
        return text.split(sep)
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts if keep_escapes else [unescape(p) for p in parts]


def _text(prop: Prop) -> str:
    return unescape(prop.value).strip()


def _component(parts: list[str], index: int) -> str | None:
    """One component of a structured value (N, ADR); its comma-separated values joined by spaces."""
    if index >= len(parts):
        return None
    value = " ".join(p.strip() for p in split_escaped(parts[index], ",") if p.strip())
    return value or None


def _photo(prop: Prop) -> tuple[bytes, str | None] | None:
    data = prop.raw_bytes
    kind = (prop.param("TYPE") or "").lower() or None
    value = prop.value.strip()
    if data is None and value.lower().startswith("data:"):
        meta, _, payload = value.partition(",")
        if ";base64" not in meta.lower():
            return None
        data = _b64(payload)
        kind = meta[5:].split(";")[0].split("/")[-1].lower() or kind
    if not data:
        return None  # a photo on a web server: never downloaded
    if data.startswith(b"\xff\xd8"):
        kind = "jpeg"
    elif data.startswith(b"\x89PNG"):
        kind = "png"
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        kind = "gif"
    if kind in ("jpg", "image/jpeg"):
        kind = "jpeg"
    return data, kind


def _record(props: list[Prop], locator: str, line: int) -> Record | Skipped:
    record = Record(source=name, locator=locator)
    labels = {p.group.lower(): _label(_text(p)) for p in props if p.name == "X-ABLABEL" and p.group}
    kind = ""
    org_parts: list[str] = []
    notes: list[str] = []
    for prop in props:
        key = prop.name
        if key == "FN" and record.name is None:
            record.name = " ".join(_text(prop).split()) or None
        elif key == "N" and not (record.given or record.family):
            parts = split_escaped(prop.value, ";", keep_escapes=True)
            record.family = _component(parts, 0)
            record.given = _component(parts, 1)
            record.middle = _component(parts, 2)
            record.prefix = _component(parts, 3)
            record.suffix = _component(parts, 4)
        elif key == "NICKNAME" and record.nickname is None:
            nicks = [n.strip() for n in split_escaped(prop.value, ",") if n.strip()]
            record.nickname = nicks[0] if nicks else None
        elif key == "ORG" and not org_parts:
            org_parts = [p.strip() for p in split_escaped(prop.value, ";") if p.strip()]
        elif key == "TITLE" and record.role is None:
            record.role = _text(prop) or None
        elif key == "EMAIL":
            value = _text(prop)
            add_unique(record.emails, value[7:] if value.lower().startswith("mailto:") else value)
        elif key == "TEL":
            value = _text(prop)
            add_unique(record.phones, value[4:] if value.lower().startswith("tel:") else value)
        elif key == "URL":
            add_url(record.urls, record.handles, _text(prop))
        elif key in ("X-SOCIALPROFILE", "SOCIALPROFILE"):
            _social(record, prop)
        elif key == "IMPP":
            _impp(record, prop)
        elif key in ("X-TWITTER", "X-SKYPE", "X-SKYPE-USERNAME", "X-JABBER", "X-MSN", "X-AIM", "X-ICQ"):
            network = {"X-SKYPE-USERNAME": "skype"}.get(key, key[2:].lower())
            value = _text(prop).lstrip("@") if network == "twitter" else _text(prop)
            if value and network not in record.handles:
                record.handles[network] = value
        elif key == "ADR":
            parts = split_escaped(prop.value, ";", keep_escapes=True)
            # PO box;extended;street;locality;region;postal code;country → "street, 80331 München, …"
            town = " ".join(c for i in (5, 3) if (c := _component(parts, i)))
            pieces = [_component(parts, 0), _component(parts, 1), _component(parts, 2), town]
            pieces += [_component(parts, 4), _component(parts, 6)]
            add_unique(record.addresses, " ".join(", ".join(p for p in pieces if p).split()))
            if record.location is None:
                record.location = _component(parts, 3)
        elif key == "NOTE":
            note = multiline(_text(prop))
            if note:
                notes.append(note)
        elif key == "BDAY":
            _birthday(record, prop)
        elif (
            key in ("ANNIVERSARY", "X-ANNIVERSARY")
            or key == "X-ABDATE"
            and prop.group
            and labels.get(prop.group.lower(), "").lower() == "anniversary"
        ):
            anniversary = parse_birthday(_text(prop))
            if anniversary:
                record.extra["anniversary"] = anniversary
        elif key == "X-ABRELATEDNAMES":
            label = labels.get((prop.group or "").lower())
            record.extra.setdefault("related", []).append(f"{label}: {_text(prop)}" if label else _text(prop))
        elif key == "CATEGORIES":
            for tag in split_escaped(prop.value, ","):
                if tag.strip() and tag.strip().lower() not in _SYSTEM_CATEGORIES:
                    add_unique(record.tags, tag.strip())
        elif key in ("PHOTO", "LOGO") and record.photo is None:
            photo = _photo(prop)
            if photo:
                record.photo, record.photo_type = photo
        elif key in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
            kind = _text(prop).lower()
        elif key == "X-ABSHOWAS" and _text(prop).upper() == "COMPANY":
            kind = "org"
    if org_parts:
        record.company = org_parts[0]
        if len(org_parts) > 1:
            record.extra["department"] = ", ".join(org_parts[1:])
    if notes:
        record.notes = "\n\n".join(notes)
    plain = " ".join(p for p in (record.given, record.middle, record.family) if p) or None
    if record.name is None:
        record.name = plain
    elif plain and (record.prefix or record.suffix):
        # Apple and Outlook write FN as "Dr. Jan-Willem van der Berg Jr.": the title and suffix
        # are kept on the record apart, the name (and so the file name) goes without them
        titled = " ".join(p for p in (record.prefix, plain, record.suffix) if p)
        if _squash(record.name) in (_squash(titled), _squash(f"{record.prefix or ''} {plain}, {record.suffix or ''}")):
            record.name = plain
    personal = record.given or record.family or (record.name and record.name != record.company)
    if kind in ("org", "organization", "group") or (record.company and not personal):
        if kind == "group":
            return Skipped(locator, "a contact group, not a person", line)
        record.is_org = True
        record.name = record.company or record.name
    if not record.has_identity():
        return Skipped(locator, "no name, e-mail or profile", line)
    return record


def _squash(text: str) -> str:
    return " ".join(text.replace(",", " ").split()).lower()


def _label(text: str) -> str:
    m = _APPLE_LABEL.match(text)
    return m.group(1) if m else text


def _birthday(record: Record, prop: Prop) -> None:
    value = _text(prop)
    if prop.param("X-APPLE-OMIT-YEAR"):
        m = re.match(r"\d{4}-?(\d{2})-?(\d{2})", value)
        if m:
            value = f"--{m.group(1)}-{m.group(2)}"
    parsed = parse_birthday(value)
    if parsed:
        record.birthday = parsed
    elif value:
        record.extra["birthday_text"] = value


def _social(record: Record, prop: Prop) -> None:
    network = (prop.param("TYPE") or "").lower() or None
    value = _text(prop)
    user = prop.param("X-USER")
    userid = prop.param("X-USERID")
    if value.lower().startswith(("http://", "https://")) or "." in value.split("/")[0]:
        add_url(record.urls, record.handles, value)
        found = handle_from_url(value)
        network = network or (found[0] if found else None)
    elif value.lower().startswith("x-apple:"):
        user = user or value[8:]
    elif value:
        user = user or value
    if network:
        network = {"x": "twitter"}.get(network, network)
        if user and network not in record.handles:
            record.handles[network] = user.lstrip("@") if network == "twitter" else user
        if userid:
            record.handles.setdefault(f"{network}_id", userid)


def _impp(record: Record, prop: Prop) -> None:
    value = _text(prop)
    scheme, colon, rest = value.partition(":")
    if not colon:
        scheme, rest = "", value
    service = (prop.param("X-SERVICE-TYPE") or "").lower() or scheme.lower()
    if service in ("", "x-apple", "im"):
        return
    handle = rest.lstrip("/")
    if handle and service not in record.handles:
        record.handles[service] = handle
