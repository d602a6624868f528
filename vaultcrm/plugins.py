"""Loading plugins: the built-ins, installed packages and trusted vault plugins, with pluggy.

Where plugins come from, in this order:

1. **built-in**: vaultcrm's own parts registered through the hooks (the importers). They
   always load.
2. **in-process**: objects registered with :func:`register` by a script or a test.
3. **package**: installed distributions with an entry point in the ``vaultcrm`` group
   (``[project.entry-points.vaultcrm] birthdays = "vaultcrm_birthdays"``).
4. **vault**: ``.vaultcrm/plugins/*.py`` inside the vault. A vault plugin is code that came
   with someone else's files, so it runs only once the user trusted it on this machine with
   ``vaultcrm plugins trust FILE``. Trust is keyed by the file's SHA-256 and kept outside
   the vault (:func:`config_dir`); an edited file is untrusted again. An untrusted file is
   never imported, and mentioned once per machine.

``VAULTCRM_LOAD_PLUGINS`` restricts packages and vault plugins: unset loads all, empty
loads none, ``a,b`` loads only those (entry-point name, distribution name or vault file
stem). Built-ins and in-process plugins are not affected.

Every hook is called one plugin at a time: a plugin that raises (on import or in a hook)
is reported by name with its error and left out, and the command goes on. Name clashes
are resolved the same way on every machine: built-ins win, then plugins in alphabetical
order of their names; each clash is reported in one warning line naming both.

The manager is the one piece of process-wide state (as in pytest, datasette and llm): the
CLI loads a fresh one at the start of every command (:func:`load`), library code asks for
:func:`current`. Start-up cost matters: entry points are read through importlib.metadata
only when packages may load, and only the plugin modules themselves are imported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sys
import types as pytypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from . import hooks
from .entrypoints import EntryPoint, entry_points_of  # noqa: F401  (re-exported)
from .errors import VaultCRMError
from .hooks import hookimpl
from .trust import (  # noqa: F401  (re-exported: trust lived here)
    ENV_CONFIG,
    TRUST_FILE,
    VAULT_PLUGIN_DIR,
    config_dir,
    read_trust,
    resolve_vault_plugin,
    sha256_of,
    trust,
    trust_path,
    untrust,
    vault_plugin_files,
    write_trust,
)

if TYPE_CHECKING:
    import click

    from .core import Vault
    from .gamification import GameReport
    from .importers.record import Source
    from .logline import LogLine
    from .model import Person
    from .settings import InteractionType, Settings

ENV_LOAD = "VAULTCRM_LOAD_PLUGINS"
GROUP = "vaultcrm"
BUILTIN = "vaultcrm"
HOOK_NAMES = (
    "vaultcrm_commands",
    "vaultcrm_importers",
    "vaultcrm_interaction_types",
    "vaultcrm_badges",
    "vaultcrm_review_sections",
    "vaultcrm_after_log",
)
#: the review's own section titles: a plugin section with one of these names is skipped
BUILTIN_SECTIONS = (
    "Reach out this week",
    "Birthdays",
    "Tasks this week",
    "Deals closing this week",
    "Wins",
    "Cooling",
    "Reconnect",
    "Pipeline",
    "Activity",
    "My notes",
)

Warn = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


class _Builtin:
    """vaultcrm's own parts, registered through the same hooks as any plugin."""

    @hookimpl
    def vaultcrm_importers(self) -> list[Source]:
        from . import importers

        builtin = getattr(importers, "builtin_sources", None)
        return list(builtin().values()) if builtin is not None else []


@dataclass
class PluginInfo:
    """One plugin: where it came from and which hooks it implements (``vaultcrm plugins``)."""

    name: str
    origin: str  # built-in | in-process | package | vault
    package: str | None = None
    version: str | None = None
    path: str | None = None  # vault-relative, for vault plugins
    sha256: str | None = None
    hooks: list[str] = field(default_factory=list)
    loaded: bool = True
    trusted: bool | None = None  # vault plugins only
    errors: list[str] = field(default_factory=list)

    def where(self) -> str:
        if self.origin == "package":
            return f"{self.package} {self.version}" if self.version else str(self.package)
        if self.origin == "vault":
            return str(self.path)
        return self.origin

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "package": self.package,
            "version": self.version,
            "path": self.path,
            "sha256": self.sha256,
            "hooks": list(self.hooks),
            "loaded": self.loaded,
            "trusted": self.trusted,
            "errors": list(self.errors),
        }


# ---------------------------------------------------------------------------
# Which plugins may load


def selection(value: str | None = None) -> set[str] | None:
    """``VAULTCRM_LOAD_PLUGINS`` as a set of names (None: all; empty set: none)."""
    raw = os.environ.get(ENV_LOAD) if value is None else value
    if raw is None:
        return None
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


def _allowed(chosen: set[str] | None, *names: str | None) -> bool:
    if chosen is None:
        return True
    return any(n is not None and n.lower() in chosen for n in names)


# ---------------------------------------------------------------------------
# The manager


class Plugins:
    """A pluggy manager plus what was loaded from where, and clash-free hook results."""

    def __init__(self, warn: Warn | None = None) -> None:
        self.pm = pluggy.PluginManager(hooks.PROJECT)
        self.pm.add_hookspecs(hooks)
        self.warn: Warn = warn or _stderr
        self.infos: dict[str, PluginInfo] = {}
        self.root: Path | None = None
        self.untrusted: list[PluginInfo] = []  # vault plugins not trusted here: never imported
        self._said: set[str] = set()
        self._cache: dict[str, Any] = {}

    # -- reporting ---------------------------------------------------------------

    def say(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self.warn(message)

    def _failed(self, name: str, what: str, exc: BaseException) -> None:
        info = self.infos.get(name)
        where = f" ({info.where()})" if info is not None and info.origin in ("package", "vault") else ""
        text = f"{type(exc).__name__}: {exc}"
        if info is not None and text not in info.errors:
            info.errors.append(text)
        self.say(f"plugin '{name}'{where} failed {what}: {text}")

    def _clash(self, what: str, key: str, winner: str, loser: str) -> None:
        self.say(f"plugin '{loser}': {what} '{key}' is already provided by '{winner}'; '{winner}' keeps it")

    # -- loading -----------------------------------------------------------------

    def add(self, plugin: object, info: PluginInfo) -> bool:
        if info.name in self.infos or self.pm.has_plugin(info.name):
            other = self.infos.get(info.name)
            self.say(
                f"plugin '{info.name}' ({info.where()}) not loaded: the name is taken by "
                f"'{info.name}' ({other.where() if other else 'another plugin'})"
            )
            return False
        try:
            self.pm.register(plugin, name=info.name)
        except Exception as exc:  # noqa: BLE001 - a bad plugin must not take the CLI down
            self.infos[info.name] = dataclasses.replace(info, loaded=False)
            self._failed(info.name, "to register", exc)
            return False
        info.hooks = [
            h for h in HOOK_NAMES if any(i.plugin_name == info.name for i in getattr(self.pm.hook, h).get_hookimpls())
        ]
        unknown = sorted(
            n for n in dir(plugin) if n.startswith("vaultcrm_") and n not in HOOK_NAMES and callable(getattr(plugin, n))
        )
        self.infos[info.name] = info
        for n in unknown:
            self.say(f"plugin '{info.name}': '{n}' is not a vaultcrm hook (see docs/plugins.md)")
        return True

    def load(self, root: Path | None = None, chosen: set[str] | None = ...) -> Plugins:  # type: ignore[assignment]
        """Register the built-ins, in-process plugins, packages and trusted vault plugins."""
        if chosen is ...:
            chosen = selection()
        self.root = root
        self.add(_Builtin(), PluginInfo(BUILTIN, "built-in"))
        for name, obj in _in_process.items():
            self.add(obj, PluginInfo(name, "in-process"))
        if chosen is None or chosen:
            self._load_packages(chosen)
            if root is not None:
                self._load_vault(root, chosen)
        return self

    def _load_packages(self, chosen: set[str] | None) -> None:
        try:
            found = entry_points_of(GROUP)
        except Exception as exc:  # noqa: BLE001
            self.say(f"cannot read installed plugins: {exc}")
            return
        for ep in sorted(found, key=lambda e: e.name.lower()):
            if not _allowed(chosen, ep.name, ep.package):
                continue
            info = PluginInfo(ep.name, "package", ep.package, ep.version)
            if ep.name in self.infos:
                self.add(None, info)  # reports the clash
                continue
            try:
                obj = ep.load()
            except Exception as exc:  # noqa: BLE001
                self.infos[ep.name] = dataclasses.replace(info, loaded=False)
                self._failed(ep.name, "to load", exc)
                continue
            self.add(obj, info)

    def _load_vault(self, root: Path, chosen: set[str] | None) -> None:
        files = [p for p in vault_plugin_files(root) if _allowed(chosen, p.stem, p.name)]
        if not files:
            return
        enabled = _enabled_in_settings(root)
        if enabled is not None:  # `plugins: [a, b]` in vaultcrm.yaml: only those vault plugins
            files = [p for p in files if _allowed(enabled, p.stem, p.name)]
        trust_data = read_trust()
        untrusted: list[PluginInfo] = []
        for path in files:
            rel = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
            except OSError as exc:
                self.say(f"cannot read {rel}: {exc}")
                continue
            digest = sha256_of(data)
            info = PluginInfo(path.stem, "vault", path=rel, sha256=digest, trusted=digest in trust_data["trusted"])
            if not info.trusted:
                info.loaded = False
                untrusted.append(info)
                continue
            if path.stem in self.infos:
                self.add(None, info)
                continue
            module = pytypes.ModuleType(f"vaultcrm_vault_plugin_{path.stem}")
            module.__file__ = str(path)
            try:
                # exactly the bytes that were hashed: no window for a swap between check and run
                code = compile(data, str(path), "exec")
                sys.modules[module.__name__] = module
                exec(code, module.__dict__)  # noqa: S102 - trusted by the user, by hash
            except Exception as exc:  # noqa: BLE001
                sys.modules.pop(module.__name__, None)
                self.infos[path.stem] = dataclasses.replace(info, loaded=False)
                self._failed(path.stem, "to load", exc)
                continue
            self.add(module, info)
        self.untrusted = untrusted
        new = [i for i in untrusted if i.sha256 not in trust_data["noticed"]]
        if new:
            names = ", ".join(str(i.path) for i in new)
            n = len(new)
            self.say(
                f"{n} vault plugin{'' if n == 1 else 's'} not trusted: {names} — read "
                f"{'it' if n == 1 else 'them'}, then `vaultcrm plugins trust {new[0].path}` to run "
                f"{'it' if n == 1 else 'them'} (`vaultcrm plugins` lists them)"
            )
            for i in new:
                trust_data["noticed"][str(i.sha256)] = str(root / str(i.path))
            with contextlib.suppress(VaultCRMError):
                write_trust(trust_data)

    # -- calling hooks, one plugin at a time -----------------------------------

    def _order(self, name: str) -> tuple[int, str]:
        info = self.infos.get(name)
        return (0 if info is not None and info.origin == "built-in" else 1, name.lower())

    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """(plugin name, result) for every implementation; a plugin that raises is reported."""
        caller = getattr(self.pm.hook, hook)
        out: list[tuple[str, Any]] = []
        for impl in sorted(caller.get_hookimpls(), key=lambda i: self._order(i.plugin_name)):
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
                if hook != "vaultcrm_after_log" and hook != "vaultcrm_commands":
                    result = list(result or [])
            except Exception as exc:  # noqa: BLE001
                self._failed(impl.plugin_name, f"in {hook}", exc)
                continue
            out.append((impl.plugin_name, result))
        return out

    def _memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # -- the register hooks ------------------------------------------------------

    def install_commands(self, group: click.Group) -> list[str]:
        """Add plugin commands to ``group``; return their names (clashes skipped, reported)."""
        import click as click_mod

        added: list[str] = []
        owners: dict[str, str] = {}
        for name, _ in self._impls("vaultcrm_commands"):
            collector = click_mod.Group(name=f"plugin:{name}")
            res = self.call_one("vaultcrm_commands", name, cli=collector)
            if not res:
                continue
            for cmd_name, cmd in sorted(collector.commands.items()):
                if cmd_name in group.commands:
                    self._clash("command", cmd_name, owners.get(cmd_name, BUILTIN), name)
                    continue
                group.add_command(cmd, cmd_name)
                owners[cmd_name] = name
                added.append(cmd_name)
        return added

    def _impls(self, hook: str) -> list[tuple[str, Any]]:
        caller = getattr(self.pm.hook, hook)
        return [(i.plugin_name, i) for i in sorted(caller.get_hookimpls(), key=lambda i: self._order(i.plugin_name))]

    def call_one(self, hook: str, plugin: str, **kwargs: Any) -> bool:
        for name, impl in self._impls(hook):
            if name != plugin:
                continue
            try:
                impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:  # noqa: BLE001
                self._failed(name, f"in {hook}", exc)
                return False
            return True
        return False

    def importers(self) -> dict[str, Source]:
        """Import sources by name: built-ins first, then plugins alphabetically."""

        def compute() -> dict[str, Source]:
            out: dict[str, Source] = {}
            owner: dict[str, str] = {}
            for plugin, items in self.call("vaultcrm_importers"):
                for src in items:
                    key = str(getattr(src, "name", "")).lower()
                    if not key:
                        self.say(f"plugin '{plugin}': an importer without a name was skipped")
                    elif key in out:
                        self._clash("importer", key, owner[key], plugin)
                    else:
                        out[key] = src
                        owner[key] = plugin
            return out

        result: dict[str, Source] = self._memo("importers", compute)
        return result

    def interaction_types(self) -> list[InteractionType]:
        """Plugin interaction types as settings rows, without clashes with the built-in words."""

        def compute() -> list[InteractionType]:
            from .settings import DEFAULT_TYPES
            from .settings import InteractionType as Row

            words: dict[str, str] = {}
            for kind, spec in DEFAULT_TYPES.items():
                words[kind] = BUILTIN
                for alias in spec[5]:
                    words.setdefault(alias.lower(), BUILTIN)
            out: list[Row] = []
            for plugin, items in self.call("vaultcrm_interaction_types"):
                for t in items:
                    kind = str(t.kind).strip().lower()
                    if not kind or not kind.replace("-", "").replace("_", "").isalnum():
                        self.say(f"plugin '{plugin}': '{t.kind}' is not a type word; skipped")
                        continue
                    if kind in words:
                        self._clash("interaction type", kind, words[kind], plugin)
                        continue
                    words[kind] = plugin
                    aliases = []
                    for alias in t.aliases:
                        a = str(alias).strip().lower()
                        if a in words:
                            self._clash("interaction type alias", a, words[a], plugin)
                            continue
                        words[a] = plugin
                        aliases.append(a)
                    out.append(
                        Row(
                            kind,
                            float(t.weight),
                            bool(t.touch),
                            bool(t.rich),
                            t.minutes,
                            float(t.hours),
                            tuple(aliases),
                        )
                    )
            return out

        result: list[InteractionType] = self._memo("types", compute)
        return result

    def badges(self) -> list[tuple[str, hooks.Badge]]:
        def compute() -> list[tuple[str, hooks.Badge]]:
            from .gamification import BADGES

            owner = {b.id: BUILTIN for b in BADGES}
            out: list[tuple[str, hooks.Badge]] = []
            for plugin, items in self.call("vaultcrm_badges"):
                for b in items:
                    if b.id in owner:
                        self._clash("badge", b.id, owner[b.id], plugin)
                        continue
                    if not b.tiers:
                        self.say(f"plugin '{plugin}': badge '{b.id}' has no tiers; skipped")
                        continue
                    owner[b.id] = plugin
                    out.append((plugin, b))
            return out

        result: list[tuple[str, hooks.Badge]] = self._memo("badges", compute)
        return result

    def review_sections(self) -> list[tuple[str, hooks.ReviewSection]]:
        def compute() -> list[tuple[str, hooks.ReviewSection]]:
            owner = {t.lower(): BUILTIN for t in BUILTIN_SECTIONS}
            out: list[tuple[str, hooks.ReviewSection]] = []
            for plugin, items in self.call("vaultcrm_review_sections"):
                for s in items:
                    key = str(s.title).strip().lower()
                    if key in owner:
                        self._clash("review section", s.title, owner[key], plugin)
                        continue
                    owner[key] = plugin
                    out.append((plugin, s))
            return out

        result: list[tuple[str, hooks.ReviewSection]] = self._memo("sections", compute)
        return result

    # -- using the results ---------------------------------------------------------

    def add_badges(self, report: GameReport, v: Vault) -> GameReport:
        """The game report with the plugin badges appended (no XP: see :class:`hooks.Badge`)."""
        found = self.badges()
        if not found:
            return report
        from .gamification import Badge, BadgeTier, Unlock

        settings: Settings = v.settings
        kinds = settings.types
        items = sorted(
            (it for it in v.interactions() if it.date <= v.today and it.kind in kinds and it.participants),
            key=lambda it: (it.date, it.entry.time or "", it.participants),
        )
        history = hooks.History(v.today, tuple(items), {p.path: p for p in v.people()}, settings, v.root)
        badges = list(report.badges)
        unlocks = list(report.unlocks)
        for plugin, spec in found:
            try:
                dates = sorted(d for d in spec.progress(history) if d <= v.today)
            except Exception as exc:  # noqa: BLE001
                self._failed(plugin, f"in badge '{spec.id}'", exc)
                continue
            tiers: list[BadgeTier] = []
            earned: tuple[str, dt.date] | None = None
            next_tier: tuple[str, int] | None = None
            for tier, threshold in spec.tiers:
                when = dates[threshold - 1] if 0 < threshold <= len(dates) else None
                tiers.append(BadgeTier(tier, threshold, when))
                if when is not None:
                    earned = (tier, when)
                    unlocks.append(Unlock(when, "badge", spec.id, spec.name, tier, f"Badge: {spec.name}"))
                elif next_tier is None:
                    next_tier = (tier, threshold)
            target = next_tier[1] if next_tier else spec.tiers[-1][1]
            badges.append(
                Badge(
                    spec.id,
                    spec.name,
                    spec.description,
                    earned[0] if earned else None,
                    earned[1] if earned else None,
                    len(dates),
                    target,
                    next_tier[0] if next_tier else None,
                    tuple(tiers),
                )
            )
        order = {"level": 0, "friend_level": 1, "badge": 2}
        unlocks.sort(key=lambda u: (u.date, order.get(u.kind, 3), u.id, u.value))
        return dataclasses.replace(report, badges=tuple(badges), unlocks=tuple(unlocks))

    def render_review_sections(self, v: Vault, week: str, monday: dt.date) -> list[str]:
        """Each plugin section as Markdown (``## Title`` and its body); a failing one is left out."""
        found = self.review_sections()
        if not found:
            return []
        from .templating import environment

        env = environment(v.root, v.settings)
        sunday = monday + dt.timedelta(days=6)
        out: list[str] = []
        for plugin, section in found:
            try:
                ctx = dict(section.context(v, monday) or {})
                body = env.from_string(section.template).render(
                    **{"week": week, "monday": monday, "sunday": sunday, "today": v.today, **ctx}
                )
            except Exception as exc:  # noqa: BLE001
                self._failed(plugin, f"in review section '{section.title}'", exc)
                continue
            out.append(f"## {section.title}\n{body.strip(chr(10))}".rstrip())
        return out

    def after_log(self, v: Vault, person: Person, entry: LogLine) -> None:
        self.call("vaultcrm_after_log", vault=v, person=person, entry=entry)

    def fingerprint(self) -> str:
        """Names and versions of what is loaded beyond the built-ins: part of cache keys."""
        parts = [
            f"{i.name}={i.version or i.sha256 or i.origin}"
            for i in sorted(self.infos.values(), key=lambda i: i.name)
            if i.loaded and i.origin != "built-in"
        ]
        return ";".join(parts)

    def listing(self) -> list[PluginInfo]:
        """Everything found: loaded plugins, failed ones and untrusted vault files."""
        return sorted(self.infos.values(), key=lambda i: self._order(i.name)) + list(self.untrusted)


def _enabled_in_settings(root: Path) -> set[str] | None:
    """The vault's ``plugins:`` list (vault plugin names), or None when absent or empty (all).

    Read here with the safe loader, not through :mod:`vaultcrm.settings`, which asks the
    plugins for their interaction types (they are being loaded now). A broken vaultcrm.yaml is
    reported by the command itself; here it restricts nothing.
    """
    from . import yamlio
    from .settings import SETTINGS_FILE

    try:
        text = (root / SETTINGS_FILE).read_text(encoding="utf-8-sig")
        data = yamlio.load(text) if "plugins" in text else None
    except (OSError, UnicodeDecodeError, yamlio.YAMLProblem):
        return None
    value = data.get("plugins") if isinstance(data, dict) else None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    return {str(v).strip().lower() for v in value if str(v).strip()}


# ---------------------------------------------------------------------------
# Process-wide: the current manager and in-process registrations

_in_process: dict[str, object] = {}
_current: Plugins | None = None


def load(root: Path | None = None, warn: Warn | None = None, chosen: set[str] | None = ...) -> Plugins:  # type: ignore[assignment]
    """A fresh manager for ``root`` (None: no vault plugins); it becomes :func:`current`."""
    global _current
    _current = Plugins(warn).load(root, chosen)
    return _current


def current() -> Plugins:
    """The manager the CLI loaded for this command, else one with built-ins and packages."""
    if _current is None:
        return load(None)
    return _current


def reset() -> None:
    """Forget the current manager (the next :func:`current` loads again)."""
    global _current
    _current = None


def register(plugin: object, name: str) -> None:
    """Register an in-process plugin (a module, class or object with hook functions).

    It loads with every manager made afterwards, whatever ``VAULTCRM_LOAD_PLUGINS`` says:
    the code that registers it has already chosen it. Scripts and tests use this.
    """
    _in_process[name] = plugin
    reset()


def unregister(name: str) -> None:
    _in_process.pop(name, None)
    reset()


def vault_root_from_args(args: Sequence[str]) -> Path | None:
    """The vault the command line will use, found before click parses it (for plugin commands).

    ``--vault DIR`` among the global options, else ``VAULTCRM_VAULT``, else the nearest
    parent with vaultcrm.yaml; None when there is no vault (``init``, ``--help`` elsewhere).
    """
    from .settings import SETTINGS_FILE

    given: str | None = None
    it = iter(args)
    for arg in it:
        if arg == "--vault":
            given = next(it, None)
        elif arg.startswith("--vault="):
            given = arg.split("=", 1)[1]
        elif arg == "--today":
            next(it, None)
        elif not arg.startswith("-"):
            break
    given = given or os.environ.get("VAULTCRM_VAULT")
    if given:
        root = Path(given).expanduser()
        return root.resolve() if (root / SETTINGS_FILE).is_file() else None
    try:
        here = Path.cwd().resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None
