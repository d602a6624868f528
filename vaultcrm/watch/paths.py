"""Which paths matter: the files and folders the index reads."""

from __future__ import annotations

from .. import settings as settings_mod
from .. import vault as vaultio


def ignored_folder(parts: list[str], templates: str = "templates") -> bool:
    """True for a folder the index never reads: hidden, ``.vaultcrm``, ``.git``, templates …"""
    for i, part in enumerate(parts):
        if part.startswith(".") or part in vaultio.SKIP_DIRS:
            return True
        if "/".join(parts[: i + 1]) == templates:
            return True
    return False


def classify(rel: str, templates: str = "templates") -> str | None:
    """``"md"`` for a file the index reads, ``"settings"`` for vaultcrm.yaml, else None.

    The same rule as :func:`vaultcrm.vault.walk`: ``.md`` files outside hidden and skipped
    folders whose names do not start with a dot. Editors' swap, backup and temp files
    (``.foo.md.swp``, ``foo.md~``, ``4913``, ``.#foo.md``, ``*.tmp``) never match.
    """
    if rel == settings_mod.SETTINGS_FILE:
        return "settings"
    parts = rel.split("/")
    name = parts[-1]
    if not name.endswith(".md") or name.startswith(".") or ignored_folder(parts[:-1], templates):
        return None
    return "md"


def same_file_name(a: str, b: str) -> bool:
    """Two paths a case- or normalisation-insensitive file system may treat as one."""
    import unicodedata

    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()
