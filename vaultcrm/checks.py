"""``vaultcrm check``: every problem in the vault, with path and line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Vault


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    severity: str  # error | warning
    code: str
    message: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


def run_checks(v: Vault) -> list[Problem]:
    s = v.settings
    out: list[Problem] = []
    for d in v.index.diagnostics():
        out.append(Problem(d.path, d.line, d.severity, d.code, d.message))
    if s.unknown:
        from . import yamlio
        from .settings import SETTINGS_FILE

        try:
            lines = yamlio.key_lines((v.root / SETTINGS_FILE).read_text(encoding="utf-8-sig"))
        except OSError:
            lines = {}
        for key in s.unknown:
            out.append(
                Problem(
                    SETTINGS_FILE,
                    lines.get(key),
                    "warning",
                    "unknown-setting",
                    f"unknown setting '{key}' (ignored; a typo?)",
                )
            )

    # values that vaultcrm.yaml does not know

    key_lines = _key_lines_by_path(v)
    for p in v.people():
        lines = key_lines.get(p.path, {})
        for key, value, allowed in (
            ("circle", p.circle, s.circles),
            ("stage", p.stage, s.stages),
            ("tier", p.tier, s.tiers),
        ):
            if value is not None and value.lower() not in {a.lower() for a in allowed}:
                out.append(
                    Problem(
                        p.path,
                        lines.get(key),
                        "warning",
                        "unknown-value",
                        f"'{key}': '{value}' is not in vaultcrm.yaml ({', '.join(allowed)})",
                    )
                )

    # unknown interaction types in logs (daily notes only count known words anyway)
    for e in v.entries():
        if e.reserved or e.source != "log":
            continue
        if s.kind_of(e.type) is None:
            out.append(
                Problem(
                    e.path,
                    e.line,
                    "warning",
                    "unknown-type",
                    f"unknown interaction type '{e.type}' (add it to 'types' in vaultcrm.yaml)",
                )
            )

    # broken [[links]]
    files = v.index.files()
    from .index import name_key

    stems: set[str] = set()
    for path in files:
        name = path.rsplit("/", 1)[-1]
        stems.add(name_key(name[:-3]))
        stems.add(name_key(path[:-3]))
    for name, _ in v.index.names():
        stems.add(name)
    for path, target, line in v.index.links():
        t = name_key(target)
        if not t or t in stems or not line:
            continue  # line 0: a plain name in knows/company (not a [[link]] Obsidian would resolve)
        if "." in t.rsplit("/", 1)[-1] and not t.endswith(".md"):
            continue  # an attachment such as photo.png
        out.append(
            Problem(
                path,
                line or None,
                "warning",
                "broken-link",
                f"broken link [[{target}]]: no such note",
            )
        )

    # two files for one name
    owners: dict[str, set[str]] = defaultdict(set)
    for p in v.people():
        owners[p.name.lower()].add(p.path)
        for alias in p.aliases:
            owners[alias.lower()].add(p.path)
    for name, paths in sorted(owners.items()):
        if len(paths) > 1:
            first, *rest = sorted(paths)
            for other in rest:
                out.append(
                    Problem(
                        other,
                        None,
                        "warning",
                        "duplicate-name",
                        f"'{name}' is also the name or alias of {first}",
                    )
                )
    # a note that cannot be parsed beside the note an import made for the same person
    folder = v.settings.folders.people + "/"
    for d in v.unreadable():
        if not (d.path.startswith(folder) and d.path.endswith(".md")):
            continue
        stem = d.path[len(folder) : -3].rsplit("/", 1)[-1].lower()
        for other in sorted(owners.get(stem, ())):
            out.append(
                Problem(
                    other,
                    None,
                    "warning",
                    "duplicate-name",
                    f"{d.path} (which cannot be parsed) is also named '{stem}': fix it and merge the two",
                )
            )
    out.sort(key=lambda p: (p.path, p.line or 0, p.code))
    return out


def _key_lines_by_path(v: Vault) -> dict[str, dict[str, int]]:
    """Frontmatter key lines, read only for files that need them (cheap: few problems)."""
    from . import document, yamlio
    from .vault import decode, read_bytes

    out: dict[str, dict[str, int]] = {}
    s = v.settings
    for p in v.people():
        suspicious = (
            (p.circle and p.circle.lower() not in {c.lower() for c in s.circles})
            or (p.stage and p.stage.lower() not in {c.lower() for c in s.stages})
            or (p.tier and p.tier not in s.tiers)
        )
        if not suspicious:
            continue
        try:
            doc = document.split(decode(read_bytes(v.root / p.path)))
        except Exception:  # noqa: BLE001 - best effort: the problem is reported without a line
            continue
        if doc.header:
            out[p.path] = {k: n + 1 for k, n in yamlio.key_lines(doc.header).items()}
    return out
