"""Vault settings: ``vaultcrm.yaml`` over built-in defaults, every key validated.

A missing key takes its default; a wrong value is a :class:`SettingsError`
naming the key and its line. All problems are collected and reported at once
(khard's habit), the first one as the error and the rest in its hint.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .errors import SettingsError

SETTINGS_FILE = "vaultcrm.yaml"

#: kind → (weight, counts as a touch, rich, default minutes, bond hours, default aliases)
DEFAULT_TYPES: dict[str, tuple[float, bool, bool, int | None, float, tuple[str, ...]]] = {
    "meet": (
        1.00,
        True,
        True,
        120,
        2.0,
        (
            "meeting",
            "coffee",
            "lunch",
            "dinner",
            "drinks",
            "beer",
            "visit",
            "walk",
            "event",
            "party",
            "trip",
        ),
    ),
    "video": (0.80, True, True, 45, 0.75, ("zoom", "facetime")),
    "call": (0.70, True, True, 30, 0.5, ("phone",)),
    "letter": (0.50, True, False, None, 0.25, ("card", "postcard", "gift", "handwritten")),
    "intro": (0.50, True, False, None, 0.25, ("introduction", "referral")),
    "voice": (0.40, True, False, None, 0.1, ("voicemail", "voice-message")),
    "message": (
        0.30,
        True,
        False,
        None,
        0.1,
        (
            "text",
            "chat",
            "sms",
            "dm",
            "email",
            "whatsapp",
            "signal",
        ),
    ),
    "social": (0.10, False, False, None, 0.02, ("comment", "reply", "mention")),
    "like": (0.02, False, False, None, 0.0, ("react", "reaction")),
    "note": (0.0, False, False, None, 0.0, ("fact", "info")),
}

DEFAULT_CLOSENESS: dict[int, tuple[str, int | None, int]] = {
    1: ("meet regularly", 14, 15),
    2: ("now and then", 30, 50),
    3: ("remote or old", 90, 150),
    4: ("not yet met", None, 1500),
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class InteractionType(NamedTuple):
    kind: str
    weight: float
    touch: bool
    rich: bool
    minutes: int | None
    hours: float
    aliases: tuple[str, ...]


class Level(NamedTuple):
    level: int
    name: str
    cadence: int | None  # days
    layer: int


class Pause(NamedTuple):
    start: dt.date
    end: dt.date
    note: str = ""


class Folders(NamedTuple):
    people: str = "people"
    orgs: str = "orgs"
    deals: str = "deals"
    reviews: str = "reviews"
    templates: str = "templates"
    journal: tuple[str, ...] = ("journal",)


@dataclass(frozen=True)
class Settings:
    """Everything vaultcrm.yaml can say, with defaults filled in."""

    circles: tuple[str, ...] = ("customers", "creatives", "pals", "family")
    levels: dict[int, Level] = field(default_factory=dict)
    stages: tuple[str, ...] = ("stranger", "suspect", "contact", "connection", "prospect", "client")
    tiers: tuple[str, ...] = ("A", "B", "C", "D")
    types: dict[str, InteractionType] = field(default_factory=dict)
    pauses: tuple[Pause, ...] = ()
    week_start: str = "monday"
    timezone: str | None = None
    gamification: bool = True
    scoring_version: int = 1
    weekly_goal: int = 1
    due_within: int = 7
    folders: Folders = field(default_factory=Folders)
    deal_stages: tuple[str, ...] = ("lead", "qualified", "proposal", "won", "lost")
    reply_within: int = 14  # days after a template message in which an inbound touch is its reply
    phone_region: str | None = None  # import.default_region: reads phone numbers without a country code
    me_name: str | None = None  # `me: {name: …}`: how message templates sign
    interests: tuple[str, ...] = ()  # `me: {interests: […]}`: tags you count as your interests
    plugins: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()  # top-level keys vaultcrm does not know (check reports them)

    def __post_init__(self) -> None:
        if not self.levels:
            object.__setattr__(
                self,
                "levels",
                {n: Level(n, name, cad, layer) for n, (name, cad, layer) in DEFAULT_CLOSENESS.items()},
            )
        if not self.types:
            object.__setattr__(
                self,
                "types",
                {k: InteractionType(k, *v) for k, v in DEFAULT_TYPES.items()},
            )
        word_map: dict[str, str] = {}
        for kind, t in self.types.items():
            word_map[kind.lower()] = kind
            for alias in t.aliases:
                word_map.setdefault(alias.lower(), kind)
        object.__setattr__(self, "_words", word_map)

    def kind_of(self, word: str) -> str | None:
        """The interaction kind a type word stands for (case-insensitive), or None."""
        return self._words.get(word.lower())  # type: ignore[attr-defined]

    def type_words(self) -> list[str]:
        return sorted(self._words)  # type: ignore[attr-defined]

    def cadence_for(self, closeness: int | None) -> int | None:
        if closeness is None or closeness not in self.levels:
            return None
        return self.levels[closeness].cadence


# ---------------------------------------------------------------------------
# Durations

_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}


def parse_duration(value: Any) -> int | None:
    """``7d``, ``2w``, ``1m`` (30 days), ``3m``, ``1y`` (365 days), a number of days or ``none``."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "off", "never")):
        return None
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a duration")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"'{value}' is not a positive number of days")
        return value
    m = _DURATION.match(str(value))
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"'{value}' is not a duration (use 7d, 2w, 1m, 3m, 1y or none)")
    return int(m.group(1)) * _UNIT_DAYS[m.group(2).lower()]


def format_duration(days: int | None) -> str:
    if days is None:
        return "none"
    for unit, n in (("y", 365), ("m", 30), ("w", 7)):
        if days % n == 0:
            return f"{days // n}{unit}"
    return f"{days}d"


_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"'{value}' is not a boolean (use on/off, true/false or yes/no)")


# ---------------------------------------------------------------------------
# Loading


class _Problems:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.items: list[tuple[int | None, str]] = []
        self._root: Any = None
        try:
            import yaml

            from .yamlio import VaultLoader

            self._root = yaml.compose(text, Loader=VaultLoader)  # noqa: S506
        except Exception:  # noqa: BLE001 - the load itself reports YAML errors
            self._root = None

    def line(self, *keys: Any) -> int | None:
        import yaml

        node = self._root
        line = None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if str(k.value) == str(key):
                        line = k.start_mark.line + 1
                        node = v
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key < len(node.value):
                    node = node.value[key]
                    line = node.start_mark.line + 1
                else:
                    return line
            else:
                return line
        return line

    def add(self, keys: tuple[Any, ...], message: str) -> None:
        name = ".".join(str(k) for k in keys)
        self.items.append((self.line(*keys), f"'{name}': {message}"))


def _str_list(p: _Problems, data: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if key not in data:
        return default
    value = data[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        p.add((key,), "expected a list of names")
        return default
    return tuple(str(v) for v in value)


def load(root: Path) -> Settings:
    """Read ``root/vaultcrm.yaml`` (missing file → all defaults)."""
    from .plugins import current

    extra = current().interaction_types()  # plugin types (vaultcrm_interaction_types), clash-free
    path = root / SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return parse("", extra_types=extra) if extra else Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read settings: {exc}", path=SETTINGS_FILE) from None
    return parse(text, extra_types=extra)


def parse(text: str, path: str = SETTINGS_FILE, extra_types: list[InteractionType] | None = None) -> Settings:
    """Settings from YAML text; ``extra_types`` (from plugins) join the defaults, under the file's ``types:``."""
    from . import yamlio

    try:
        data = yamlio.load(text) if text.strip() else {}
    except yamlio.YAMLProblem as exc:
        raise SettingsError(exc.reason, path=path, line=exc.line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError("expected a mapping of settings", path=path, line=1)
    p = _Problems(path, text)
    base = Settings()
    kw: dict[str, Any] = {"raw": data}

    kw["circles"] = _str_list(p, data, "circles", base.circles)
    kw["stages"] = _str_list(p, data, "stages", base.stages)
    kw["tiers"] = _str_list(p, data, "tiers", base.tiers)
    kw["deal_stages"] = _str_list(p, data, "deal_stages", base.deal_stages)
    kw["plugins"] = _str_list(p, data, "plugins", base.plugins)

    levels = dict(base.levels)
    if "closeness" in data:
        raw = data["closeness"]
        if not isinstance(raw, dict):
            p.add(("closeness",), "expected a mapping from level (1-4) to its settings")
        else:
            for key, value in raw.items():
                if not isinstance(key, int) or key not in (1, 2, 3, 4):
                    p.add(("closeness", key), "levels are 1, 2, 3 and 4")
                    continue
                if not isinstance(value, dict):
                    p.add(("closeness", key), "expected {name: …, cadence: …, layer: …}")
                    continue
                cur = levels[key]
                name, cadence, layer = cur.name, cur.cadence, cur.layer
                if "name" in value:
                    name = str(value["name"])
                if "cadence" in value:
                    try:
                        cadence = parse_duration(value["cadence"])
                    except ValueError as exc:
                        p.add(("closeness", key, "cadence"), str(exc))
                if "layer" in value:
                    if isinstance(value["layer"], int) and not isinstance(value["layer"], bool):
                        layer = value["layer"]
                    else:
                        p.add(("closeness", key, "layer"), "expected a whole number")
                for extra in set(value) - {"name", "cadence", "layer"}:
                    p.add(("closeness", key, extra), "unknown setting (name, cadence, layer)")
                levels[key] = Level(key, name, cadence, layer)
    kw["levels"] = levels

    types = dict(base.types)
    for extra in extra_types or ():
        types.setdefault(extra.kind, extra)
    if "types" in data:
        raw = data["types"]
        if not isinstance(raw, dict):
            p.add(("types",), "expected a mapping from kind to its settings")
        else:
            for kind, value in raw.items():
                kind = str(kind)
                if value is None:
                    value = {}
                if not isinstance(value, dict):
                    p.add(("types", kind), "expected {weight: …, touch: …, aliases: […]}")
                    continue
                base_type = types.get(kind, InteractionType(kind, 0.3, True, False, None, 0.1, ()))
                vals: dict[str, Any] = {
                    "weight": base_type.weight,
                    "touch": base_type.touch,
                    "rich": base_type.rich,
                    "minutes": base_type.minutes,
                    "hours": base_type.hours,
                    "aliases": base_type.aliases,
                }
                for k, v in value.items():
                    if k in ("weight", "hours"):
                        if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0:
                            vals[k] = float(v)
                        else:
                            p.add(("types", kind, k), "expected a number ≥ 0")
                    elif k in ("touch", "rich"):
                        try:
                            vals[k] = parse_bool(v)
                        except ValueError as exc:
                            p.add(("types", kind, k), str(exc))
                    elif k == "minutes":
                        if v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0):
                            vals[k] = v
                        else:
                            p.add(("types", kind, k), "expected a number of minutes")
                    elif k == "aliases":
                        if isinstance(v, str):
                            v = [v]
                        if isinstance(v, list) and all(isinstance(a, str) for a in v):
                            vals[k] = tuple(v)
                        else:
                            p.add(("types", kind, k), "expected a list of words")
                    else:
                        p.add(
                            ("types", kind, k),
                            "unknown setting (weight, touch, rich, minutes, hours, aliases)",
                        )
                types[kind] = InteractionType(kind, **vals)
    kw["types"] = types

    pauses: list[Pause] = []
    raw_pauses = data.get("pauses") or []
    if not isinstance(raw_pauses, list):
        p.add(("pauses",), "expected a list of {from: date, to: date}")
    else:
        for i, item in enumerate(raw_pauses):
            if not (
                isinstance(item, dict) and isinstance(item.get("from"), dt.date) and isinstance(item.get("to"), dt.date)
            ):
                p.add(("pauses", i), "expected {from: YYYY-MM-DD, to: YYYY-MM-DD}")
                continue
            if item["to"] < item["from"]:
                p.add(("pauses", i), "'to' is before 'from'")
                continue
            pauses.append(Pause(item["from"], item["to"], str(item.get("note") or "")))
    kw["pauses"] = tuple(pauses)

    if "week_start" in data:
        ws = str(data["week_start"]).lower()
        if ws not in WEEKDAYS:
            p.add(("week_start",), "expected a weekday name (monday … sunday)")
        else:
            kw["week_start"] = ws
    if data.get("timezone") is not None:
        tz = str(data["timezone"])
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(tz)
            kw["timezone"] = tz
        except Exception:  # noqa: BLE001
            p.add(("timezone",), f"unknown time zone '{tz}' (for example Europe/Berlin)")
    for key in ("gamification",):
        if key in data:
            try:
                kw[key] = parse_bool(data[key])
            except ValueError as exc:
                p.add((key,), str(exc))
    for key, attr in (("scoring_version", "scoring_version"), ("weekly_goal", "weekly_goal")):
        if key in data:
            v = data[key]
            if isinstance(v, int) and not isinstance(v, bool) and v >= 1:
                kw[attr] = v
            else:
                p.add((key,), "expected a whole number ≥ 1")
    if "due_within" in data:
        try:
            within = parse_duration(data["due_within"])
            kw["due_within"] = within if within is not None else 0
        except ValueError as exc:
            p.add(("due_within",), str(exc))

    if "reply_within" in data:
        try:
            kw["reply_within"] = parse_duration(data["reply_within"]) or 0
        except ValueError as exc:
            p.add(("reply_within",), str(exc))
    region = data.get("phone_region")
    if isinstance(data.get("import"), dict) and data["import"].get("default_region") is not None:
        region = data["import"]["default_region"]
    elif data.get("import") is not None and not isinstance(data.get("import"), dict):
        p.add(("import",), "expected a mapping such as {default_region: DE}")
    if region is not None:
        if isinstance(region, str) and re.fullmatch(r"[A-Za-z]{2}", region.strip()):
            kw["phone_region"] = region.strip().upper()
        else:
            where = ("import", "default_region") if isinstance(data.get("import"), dict) else ("phone_region",)
            p.add(where, "expected a two-letter country code such as DE, FR, US")
    if data.get("me") is not None:
        me = data["me"]
        if not isinstance(me, dict):
            p.add(("me",), "expected {name: …, interests: [tags]}")
        else:
            if me.get("name") is not None:
                kw["me_name"] = str(me["name"])
            found = me.get("interests")
            if isinstance(found, str):
                found = [found]
            if isinstance(found, list) and all(isinstance(t, str | int) for t in found):
                kw["interests"] = tuple(str(t).lstrip("#") for t in found)
            elif found is not None:
                p.add(("me", "interests"), "expected a list of tags")
            for extra in set(me) - {"name", "interests"}:
                p.add(("me", extra), "unknown setting (name, interests)")

    if "folders" in data:
        raw = data["folders"]
        if not isinstance(raw, dict):
            p.add(
                ("folders",),
                "expected a mapping (people, orgs, deals, reviews, templates, journal)",
            )
        else:
            f: dict[str, Any] = {}
            for k, v in raw.items():
                if k == "journal":
                    vs = [v] if isinstance(v, str) else v
                    if isinstance(vs, list) and all(isinstance(x, str) and _safe_folder(x) for x in vs):
                        f[k] = tuple(x.strip("/") for x in vs)
                    else:
                        p.add(
                            ("folders", k),
                            "expected a folder name or a list of them, inside the vault",
                        )
                elif k in ("people", "orgs", "deals", "reviews", "templates"):
                    if isinstance(v, str) and _safe_folder(v):
                        f[k] = v.strip("/")
                    else:
                        p.add(("folders", k), "expected a folder name inside the vault")
                else:
                    p.add(
                        ("folders", k),
                        "unknown folder (people, orgs, deals, reviews, templates, journal)",
                    )
            kw["folders"] = Folders(**f)

    known = {
        "circles",
        "closeness",
        "stages",
        "tiers",
        "types",
        "pauses",
        "week_start",
        "timezone",
        "gamification",
        "scoring_version",
        "weekly_goal",
        "due_within",
        "folders",
        "deal_stages",
        "reply_within",
        "me",
        "import",
        "phone_region",
        "plugins",
    }
    kw["unknown"] = tuple(sorted(str(k) for k in data if str(k) not in known))
    if p.items:
        p.items.sort(key=lambda item: item[0] or 0)
        line, message = p.items[0]
        hint = None
        if len(p.items) > 1:
            hint = "; ".join(f"line {ln}: {msg}" if ln else msg for ln, msg in p.items[1:])
        raise SettingsError(message, path=path, line=line, hint=hint)
    return Settings(**kw)


def _safe_folder(value: str) -> bool:
    parts = value.strip("/").split("/")
    return bool(value.strip("/")) and all(part not in ("", ".", "..") for part in parts) and not value.startswith("/")
