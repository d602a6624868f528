"""vaultcrm: a personal CRM that is a folder of Markdown files."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Vault", "Person", "hookimpl", "__version__"]


def __getattr__(name: str) -> object:
    # Lazy: `import vaultcrm` stays cheap for the CLI's start-up.
    if name == "Vault":
        from .core import Vault

        return Vault
    if name == "Person":
        from .model import Person

        return Person
    if name == "hookimpl":  # plugins: `from vaultcrm import hookimpl` (docs/plugins.md)
        from .hooks import hookimpl

        return hookimpl
    raise AttributeError(name)
