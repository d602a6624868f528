"""The only exceptions shown to users.

Core code raises these; one place in ``vaultcrm.cli`` turns them into
``Error: people/Ada.md:3: reason (hint: …)`` and exit code 1.
"""

from __future__ import annotations


class VaultCRMError(Exception):
    """A user-facing error with an optional file location and hint."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        text = self.message
        loc = self.location()
        if loc:
            text = f"{loc}: {text}"
        if self.hint:
            text = f"{text} (hint: {self.hint})"
        return text


class VaultNotFound(VaultCRMError):
    """No vault could be located."""


class SettingsError(VaultCRMError):
    """vaultcrm.yaml holds a wrong value."""


class ParseError(VaultCRMError):
    """A file cannot be parsed (bad YAML, binary, not UTF-8, conflict markers …)."""


class NameNotFound(VaultCRMError):
    """A person name matched nobody."""


class AmbiguousName(VaultCRMError):
    """A person name matched several people."""


class WriteRefused(VaultCRMError):
    """A write was refused to protect the user's file."""


class UsageError(VaultCRMError):
    """Wrong arguments that click itself could not detect."""

    exit_code = 2
