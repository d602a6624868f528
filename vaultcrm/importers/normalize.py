"""Normalising contact values for comparison: emails, phones, names, handles and profile URLs.

Everything here is pure and used for *matching* only: what is written to a note is the value
as the export had it (or, for new phone numbers, their international form). Two values are
"the same" when their normal forms are equal; a value without a normal form (a phone number
that cannot be parsed) is kept but never used as a key.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

# ---------------------------------------------------------------------------
# Emails

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_DOMAINS = {"googlemail.com": "gmail.com"}


@functools.lru_cache(maxsize=65536)
def email(value: str | None) -> str | None:
    """``Mailto: Anna@GoogleMail.com `` → ``anna@gmail.com``; None when it is not an address."""
    if not value:
        return None
    s = unicodedata.normalize("NFC", str(value)).strip().strip("<>").strip()
    if s.lower().startswith("mailto:"):
        s = s[7:].strip()
    s = s.split("?", 1)[0].lower()
    if not _EMAIL.match(s):
        return None
    local, domain = s.rsplit("@", 1)
    domain = _EMAIL_DOMAINS.get(domain, domain)
    return f"{local}@{domain}"


# ---------------------------------------------------------------------------
# Phones


@functools.lru_cache(maxsize=65536)
def phone(value: str | None, region: str | None = None) -> str | None:
    """A phone number in E.164 (``+493012345``), or None when it cannot be read as one.

    ``region`` (an ISO country code such as ``DE``) reads numbers written without a
    country code; without it such numbers have no normal form (they never match).
    """
    if value is None:
        return None
    s = str(value).strip()
    if s.lower().startswith("tel:"):
        s = s[4:]
    if sum(c.isdigit() for c in s) < 5:
        return None
    s = re.sub(r"^00(?=\d)", "+", s.replace(" ", ""))
    import phonenumbers

    try:
        parsed = phonenumbers.parse(s, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_display(value: str, region: str | None = None) -> str:
    """How a new phone number is written to a note: international format when it parses."""
    e164 = phone(value, region)
    if e164 is None:
        return " ".join(str(value).split())
    import phonenumbers

    parsed = phonenumbers.parse(e164, None)
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


# ---------------------------------------------------------------------------
# Names


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


@functools.lru_cache(maxsize=65536)
def fold(value: str | None) -> str:
    """Accent- and case-folded, punctuation removed, spaces collapsed: for comparison only."""
    if not value:
        return ""
    s = unicodedata.normalize("NFKD", str(value))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace("đ", "d")
    s = s.casefold()
    s = re.sub(r"[^\w\s]", " ", s)
    s = s.replace("_", " ")
    return " ".join(s.split())


_PREFIXES = {"dr", "prof", "mr", "mrs", "ms", "miss", "herr", "frau", "mme", "mlle", "m", "sr", "sra", "srta", "don"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "msc", "bsc", "dipl", "ing"}


def display_name(name: str | None) -> str:
    """A name as a person would write it: "Müller, José" → "José Müller"; NFC, single spaces."""
    if not name:
        return ""
    s = " ".join(nfc(str(name)).split())
    if s.count(",") == 1:
        last, first = (p.strip() for p in s.split(","))
        if first and last and fold(first) not in _SUFFIXES:
            s = f"{first} {last}"
    return s


def name_words(name: str | None) -> list[str]:
    """Folded words of a name without titles and suffixes ("Dr. Anna Schmidt, PhD" → anna, schmidt)."""
    words = fold(display_name(name)).split()
    while len(words) > 1 and words[0] in _PREFIXES:
        words = words[1:]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    return words


@functools.lru_cache(maxsize=65536)
def name_key(name: str | None) -> str:
    """The folded full name: equal keys mean equal names (any case, accents, order "Last, First")."""
    return " ".join(name_words(name))


def given_family(name: str | None) -> tuple[str, str]:
    """(folded given name, folded family name) of a display name; "" when missing."""
    words = name_words(name)
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return words[0], words[-1]


@functools.cache
def _nickname_groups() -> dict[str, frozenset[int]]:
    text = resources.files("vaultcrm.importers").joinpath("nicknames.txt").read_text(encoding="utf-8")
    table: dict[str, set[int]] = {}
    n = 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        n += 1
        for item in line.split(","):
            key = fold(item)
            if key:
                table.setdefault(key, set()).add(n)
    return {k: frozenset(v) for k, v in table.items()}


def nickname_groups(given: str) -> frozenset[int]:
    """The nickname groups a (folded or not) given name belongs to."""
    return _nickname_groups().get(fold(given), frozenset())


def same_given(a: str, b: str) -> bool:
    """Bob and Robert, Bill and Will, Hans and Johannes: the same given name for matching."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    return bool(nickname_groups(fa) & nickname_groups(fb))


# ---------------------------------------------------------------------------
# Handles and profile URLs

NETWORKS = ("linkedin", "twitter", "facebook", "instagram", "github", "mastodon", "xing")
_NETWORK_ALIASES = {"x": "twitter", "x.com": "twitter", "fb": "facebook", "ig": "instagram", "gh": "github"}
_URL_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("linkedin", re.compile(r"^(?:[\w-]+\.)?linkedin\.com/(?:in|pub)/([^/?#]+)", re.I)),
    ("twitter_id", re.compile(r"^(?:twitter|x)\.com/intent/user\?user_id=(\d+)", re.I)),
    ("twitter", re.compile(r"^(?:mobile\.)?(?:twitter|x)\.com/(?:#!/)?@?([A-Za-z0-9_]{1,30})(?:[/?#]|$)", re.I)),
    ("facebook", re.compile(r"^(?:[\w-]+\.)?facebook\.com/(?:profile\.php\?id=(\d+)|([A-Za-z0-9.]+))", re.I)),
    ("instagram", re.compile(r"^(?:www\.)?instagram\.com/([A-Za-z0-9_.]+)", re.I)),
    ("github", re.compile(r"^(?:www\.)?github\.com/([A-Za-z0-9-]+)", re.I)),
    ("xing", re.compile(r"^(?:www\.)?xing\.com/profile/([^/?#]+)", re.I)),
]
_NOT_HANDLES = {"home", "share", "intent", "i", "search", "hashtag", "login", "pages", "groups", "people", "watch"}


def network_name(name: str) -> str:
    n = name.strip().lower()
    return _NETWORK_ALIASES.get(n, n)


@functools.lru_cache(maxsize=65536)
def profile_url(url: str | None) -> tuple[str, str] | None:
    """``https://www.linkedin.com/in/Anna-Schmidt-123/`` → ("linkedin", "anna-schmidt-123")."""
    if not url:
        return None
    s = str(url).strip()
    m_masto = re.match(r"^https?://([^/]+)/@([A-Za-z0-9_]+)/?$", s)
    s = re.sub(r"^[a-z]+://", "", s, flags=re.I)
    s = re.sub(r"^www\.", "", s, flags=re.I)
    for net, pat in _URL_PATTERNS:
        m = pat.match(s)
        if m:
            value = next(g for g in m.groups() if g)
            if value.lower() in _NOT_HANDLES:
                return None
            if net == "twitter_id":
                return "twitter_id", value
            return net, handle(net, value) or value.lower()
    if m_masto:
        return "mastodon", f"@{m_masto.group(2).lower()}@{m_masto.group(1).lower()}"
    return None


@functools.lru_cache(maxsize=65536)
def handle(network: str, value: str | None) -> str | None:
    """A handle in its comparable form: lower case, no leading @, no URL around it."""
    if value is None:
        return None
    net = network_name(network)
    s = nfc(str(value)).strip()
    if not s:
        return None
    if "/" in s or s.lower().startswith(("http", "www.")):
        found = profile_url(s)
        if found is None:
            return None
        return found[1]
    if net == "mastodon":
        m = re.match(r"^@?([A-Za-z0-9_]+)@([\w.-]+)$", s)
        return f"@{m.group(1).lower()}@{m.group(2).lower()}" if m else None
    if net == "linkedin":
        from urllib.parse import unquote

        return unquote(s).strip("/").lower() or None
    return s.lstrip("@").lower() or None


def handle_keys(handles: dict[str, str], urls: Iterable[str] = ()) -> dict[str, str]:
    """{network: comparable handle} from a handles mapping and profile URLs."""
    out: dict[str, str] = {}
    for net, value in handles.items():
        n = network_name(net)
        h = handle(n, value)
        if h:
            out.setdefault(n, h)
    for url in urls:
        found = profile_url(url)
        if found:
            out.setdefault(found[0], found[1])
    return out
