"""Import sources: every export format becomes :class:`~vaultcrm.importers.record.Record` objects.

See :mod:`vaultcrm.importers.record` for the record type and the :class:`Source` protocol.
:func:`sources` is the one list of importers; :func:`detect` picks the source of a file from
its name and first bytes; :func:`read_paths` reads files, folders and export ZIPs (LinkedIn,
Facebook, X/Twitter, Google Takeout) and yields every record and skip notice in order.

Sizes are checked before anything is read: a single file (or ZIP member) of 50 MB or more is
refused, and so is a ZIP whose members claim more than :data:`MAX_ZIP_TOTAL` bytes or a
compression ratio no real export has (a ZIP bomb). Members are read with a byte cap, so a
ZIP whose header lies about a member's size cannot fill the memory either.
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from .common import HEAD_BYTES
from .record import ImportFormatError, Interaction, Record, Skipped, Source

__all__ = [
    "ImportFormatError",
    "Interaction",
    "MAX_FILE_BYTES",
    "Record",
    "Skipped",
    "Source",
    "detect",
    "read_bytes",
    "read_paths",
    "sources",
]

MAX_FILE_BYTES = 50 * 1000 * 1000  # 50 MB: far above any real contacts export
MAX_ZIP_TOTAL = 4 * 1000 * 1000 * 1000  # what all members of one ZIP may claim, uncompressed
MAX_ZIP_RATIO = 200  # deflate reaches ~10x on CSV/JSON; 1000x is a bomb

# Detection order: the most specific sniffers first (a file name plus a marker), then the
# CSV dialects by header, then vCard. ``obsidian`` (import-merge) is listed when present.
_BUILTIN = ("twitter", "facebook", "linkedin", "google", "outlook", "vcard")
_OPTIONAL = ("obsidian",)


def sources() -> dict[str, Source]:
    """Every importer by name, in detection order: the built-in ones, then plugins'.

    All come through the ``vaultcrm_importers`` hook (:mod:`vaultcrm.plugins`): the built-in
    plugin returns :func:`builtin_sources`, installed and vault plugins add theirs after
    (alphabetically by plugin; a name already taken is skipped with a warning).
    """
    from ..plugins import current

    return current().importers()


def builtin_sources() -> dict[str, Source]:
    """vaultcrm's own importers, in detection order.

    Built-in modules implement the :class:`Source` protocol at module level (``name``,
    ``sniff``, ``read``).
    """
    found: dict[str, Source] = {}
    for module_name in _BUILTIN + _OPTIONAL:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{module_name}":  # not written (yet) or not shipped
                continue
            raise
        if all(hasattr(module, attr) for attr in ("name", "sniff", "read")):
            found[module.name] = cast(Source, module)
    return found


def detect(filename: str, head: bytes) -> Source | None:
    """The source whose ``sniff`` recognises this file (its name and first 64 KiB), or None."""
    for source in sources().values():
        if source.name == "obsidian":
            continue  # a folder of notes is named explicitly, never guessed from one file
        try:
            if source.sniff(filename, head[:HEAD_BYTES]):
                return source
        except Exception:  # a plugin's sniffer must not break detection of the others
            continue
    return None


def _unknown(display: str) -> ImportFormatError:
    names = ", ".join(n for n in sources() if n != "obsidian")
    return ImportFormatError(
        display,
        f"not a file vaultcrm can import (sources: {names}); name the source, e.g. `vaultcrm import vcard FILE`",
    )


def _too_big(display: str, size: int) -> ImportFormatError:
    return ImportFormatError(
        display,
        f"{size / 1e6:.1f} MB is more than an export of contacts can be "
        f"(limit {MAX_FILE_BYTES // 1_000_000} MB); split the file or check it is the right one",
    )


def _pick(name: str) -> Source:
    table = sources()
    if name not in table:
        raise ImportFormatError(name, f"unknown source (sources: {', '.join(table)})")
    return table[name]


def read_bytes(display: str, data: bytes, source: str | None = None) -> Iterator[Record | Skipped]:
    """Records of one file given as bytes: ``display`` names it in errors and locators."""
    if len(data) >= MAX_FILE_BYTES:
        raise _too_big(display, len(data))
    chosen = _pick(source) if source else detect(display, data[:HEAD_BYTES])
    if chosen is None:
        raise _unknown(display)
    yield from chosen.read(display, data)


def read_paths(paths: list[Path], source: str | None = None) -> Iterator[Record | Skipped]:
    """Every record of every file, in the order given (folders and ZIPs in sorted order).

    A file that no source recognises is an error naming it; a member of a ZIP or a file in a
    folder that no source recognises is passed over (an export holds many other files).
    With ``source`` given, only that source reads, and inside ZIPs and folders only the
    files it recognises.
    """
    chosen = _pick(source) if source else None
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                yield from _read_file(child, chosen, explicit=False)
        elif path.is_file():
            yield from _read_file(path, chosen, explicit=True)
        else:
            raise ImportFormatError(str(path), "no such file or folder")


def _read_file(path: Path, chosen: Source | None, *, explicit: bool) -> Iterator[Record | Skipped]:
    display = str(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if zipfile.is_zipfile(path) and head.startswith(b"PK"):
        yield from _read_zip(path, chosen, explicit=explicit)
        return
    if size >= MAX_FILE_BYTES:
        if not explicit and (chosen or detect(display, head)) is None:
            return
        raise _too_big(display, size)
    source = chosen if chosen is not None else detect(display, head)
    if source is None:
        if explicit:
            raise _unknown(display)
        return
    if chosen is not None and not explicit and not chosen.sniff(display, head):
        return
    yield from source.read(display, path.read_bytes())


def _read_zip(path: Path, chosen: Source | None, *, explicit: bool) -> Iterator[Record | Skipped]:
    display = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFormatError(display, f"not a readable ZIP file: {exc}") from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in members)
        packed = sum(i.compress_size for i in members) or 1
        if total > MAX_ZIP_TOTAL or (total > MAX_FILE_BYTES and total / packed > MAX_ZIP_RATIO):
            raise ImportFormatError(
                display,
                f"refused: its files claim {total / 1e6:.0f} MB uncompressed from "
                f"{packed / 1e6:.1f} MB (a ZIP bomb, or not an export)",
            )
        found = False
        for info in sorted(members, key=lambda i: i.filename):
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue
            member_display = f"{display}/{name}"
            try:
                with zf.open(info) as fh:
                    head = fh.read(HEAD_BYTES)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                raise ImportFormatError(member_display, f"cannot read it from the ZIP: {exc}") from None
            source = detect(member_display, head) if chosen is None else chosen
            if source is None or (chosen is not None and not chosen.sniff(member_display, head)):
                continue
            if info.file_size >= MAX_FILE_BYTES:
                raise _too_big(member_display, info.file_size)
            with zf.open(info) as fh:
                data = fh.read(MAX_FILE_BYTES)
                if fh.read(1):
                    raise _too_big(member_display, MAX_FILE_BYTES)
            found = True
            yield from source.read(member_display, data)
        if not found and explicit:
            what = f"no {chosen.name} files" if chosen else "no file vaultcrm can import"
            raise ImportFormatError(
                display,
                f"{what} in this ZIP (looked for LinkedIn Connections.csv/messages.csv, Facebook "
                "friends JSON, X data/following.js, Google Takeout Contacts, .vcf and contact CSVs)",
            )
