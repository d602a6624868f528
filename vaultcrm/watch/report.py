"""What the watcher tells the user, as it happens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import Diagnostic


@dataclass(frozen=True)
class Report:
    """One thing the watcher tells the user, as it happens.

    ``kind`` is one of ``ready``, ``indexed``, ``gain`` (``message`` is the celebration line,
    ``data`` the gain as JSON), ``unreadable``, ``readable``, ``review``, ``notice``, ``error``.
    """

    kind: str
    indexed: int = 0
    removed: int = 0
    paths: tuple[str, ...] = ()  # the files of an ``indexed`` report, when known
    diagnostic: Diagnostic | None = None
    path: str | None = None
    message: str = ""
    data: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """One JSON object per report (no wall-clock values)."""
        out: dict[str, Any] = {"event": self.kind}
        if self.kind == "indexed":
            out.update(indexed=self.indexed, removed=self.removed, paths=list(self.paths))
        elif self.kind == "unreadable" and self.diagnostic is not None:
            d = self.diagnostic
            out.update(path=d.path, line=d.line, message=d.message)
        else:
            if self.data:
                out.update(self.data)
            if self.path is not None:
                out["path"] = self.path
            if self.message:
                out["message"] = self.message
        return out
