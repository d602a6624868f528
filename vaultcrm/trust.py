"""Trusting vault plugins, per machine: SHA-256 keys in a file outside the vault.

A vault plugin (``.vaultcrm/plugins/*.py``) is code that came with someone else's files; it
runs only once trusted here, and an edited file is untrusted again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from .errors import VaultCRMError

ENV_CONFIG = "VAULTCRM_CONFIG_DIR"
VAULT_PLUGIN_DIR = ".vaultcrm/plugins"
TRUST_FILE = "trusted-plugins.json"


def config_dir() -> Path:
    """``$VAULTCRM_CONFIG_DIR``, else the platform's per-user config folder + ``vaultcrm``."""
    given = os.environ.get(ENV_CONFIG)
    if given:
        return Path(given).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return base / "vaultcrm"


def trust_path() -> Path:
    return config_dir() / TRUST_FILE


def read_trust() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(trust_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"trusted": {}, "noticed": {}}
    if not isinstance(data, dict):
        data = {}
    out: dict[str, dict[str, str]] = {}
    for key in ("trusted", "noticed"):
        value = data.get(key)
        out[key] = {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return out


def write_trust(data: dict[str, dict[str, str]]) -> None:
    from .vault import atomic_write

    path = trust_path()
    text = json.dumps({"version": 1, **data}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise VaultCRMError(
            f"cannot write the list of trusted plugins: {exc.strerror or exc}",
            path=str(path),
            hint=f"set {ENV_CONFIG} to a folder you can write",
        ) from None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def vault_plugin_files(root: Path) -> list[Path]:
    folder = root / VAULT_PLUGIN_DIR
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".py" and p.is_file() and not p.name.startswith("."))
    except OSError:
        return []


def resolve_vault_plugin(root: Path, file: str) -> Path:
    """FILE as given (relative to here or to the vault), checked to be a vault plugin."""
    candidates = [Path(file).expanduser(), root / file, root / VAULT_PLUGIN_DIR / file]
    folder = (root / VAULT_PLUGIN_DIR).resolve()
    for cand in candidates:
        if cand.is_file():
            path = cand.resolve()
            if path.parent != folder or path.suffix != ".py":
                raise VaultCRMError(
                    f"'{file}' is not a vault plugin",
                    hint=f"vault plugins are the .py files in {VAULT_PLUGIN_DIR}/",
                )
            return path
    raise VaultCRMError(f"no such plugin file: '{file}'", hint=f"vault plugins live in {VAULT_PLUGIN_DIR}/")


def trust(root: Path, file: str) -> tuple[str, str]:
    """Trust a vault plugin's current content on this machine; return (vault path, sha256)."""
    path = resolve_vault_plugin(root, file)
    digest = sha256_of(path.read_bytes())
    rel = path.relative_to(root.resolve()).as_posix()
    data = read_trust()
    data["trusted"][digest] = str(path)
    write_trust(data)
    return rel, digest


def untrust(root: Path, file: str) -> tuple[str, int]:
    """Forget every trust entry for this file (its current hash and its path); return (path, removed)."""
    path = resolve_vault_plugin(root, file)
    digest = sha256_of(path.read_bytes())
    data = read_trust()
    gone = [k for k, v in data["trusted"].items() if k == digest or v == str(path)]
    for k in gone:
        del data["trusted"][k]
    if gone:
        write_trust(data)
    return path.relative_to(root.resolve()).as_posix(), len(gone)
