"""Shared fixtures: a copy of the committed odd-case vault, and a CLI runner."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from vaultcrm.cli import cli

# CI (`.ci/run` sets CI=1) replays the same examples on every run, so that a landing is never
# decided by a random draw; locally each run explores new ones (and keeps failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FIXTURE = Path(__file__).parent / "fixtures" / "vault"
TODAY = "2026-11-24"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "")
    monkeypatch.delenv("VAULTCRM_VAULT", raising=False)
    monkeypatch.delenv("VAULTCRM_TODAY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A fresh copy of tests/fixtures/vault (never mutate the committed one)."""
    root = tmp_path / "vault"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".vaultcrm"))
    return root


class Run:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, today: str = TODAY, input: str | None = None) -> Result:
        return self.runner.invoke(
            cli,
            ["--vault", str(self.root), "--today", today, *args],
            input=input,
            catch_exceptions=False,
        )

    def json(self, *args: str, today: str = TODAY) -> Any:
        result = self(*args, "--json", today=today)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def run(vault: Path) -> Run:
    return Run(vault)


@pytest.fixture
def today() -> dt.date:
    return dt.date.fromisoformat(TODAY)


def read(path: Path) -> bytes:
    return path.read_bytes()
