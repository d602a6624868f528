"""Random sequences of commands and hand edits: no crash, and the incremental index always
equals a fresh rebuild."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from conftest import FIXTURE
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from vaultcrm.core import Vault

NAMES = ["Klaus Breyer", "Anna Schmidt", "José Müller", "Ed Miller", "No Header"]
TYPES = ["coffee", "call", "message", "like", "dinner", "intro", "note"]
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="[]()"), max_size=20
)


def snapshot(v: Vault) -> tuple:
    people = sorted((p.path, p.name, p.closeness, p.tier, p.tags) for p in v.people())
    entries = sorted((e.path, e.line, e.date, e.type, e.text) for e in v.entries())
    tasks = sorted((t.path, t.line, t.status) for t in v.tasks())
    return people, entries, tasks, sorted((d.path, d.line, d.message) for d in v.index.diagnostics())


class VaultMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="vaultcrm-fuzz-"))
        self.root = self.tmp / "vault"
        shutil.copytree(FIXTURE, self.root, ignore=shutil.ignore_patterns(".vaultcrm"))
        self.today = dt.date(2026, 11, 24)
        self.v = Vault(self.root, self.today)
        self.v.refresh()

    def teardown(self) -> None:
        self.v.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @rule(
        name=st.sampled_from(NAMES),
        type_=st.sampled_from(TYPES),
        text=texts,
        days=st.integers(min_value=0, max_value=400),
    )
    def log(self, name: str, type_: str, text: str, days: int) -> None:
        person = self.v.resolve(name)
        before = (self.root / person.path).read_text(encoding="utf-8")
        self.v.log(person, type_, text, date=self.today - dt.timedelta(days=days))
        after = (self.root / person.path).read_text(encoding="utf-8")
        assert len(after.splitlines()) == len(before.splitlines()) + 1 or "## Log" not in before

    @rule(
        name=st.sampled_from(NAMES),
        key=st.sampled_from(["closeness", "tier", "tags", "role"]),
        value=st.sampled_from(["1", "3", "A", "b", "x,y", "CEO", "none"]),
    )
    def set_value(self, name: str, key: str, value: str) -> None:
        from vaultcrm.errors import VaultCRMError

        person = self.v.resolve(name)
        with contextlib.suppress(VaultCRMError):  # a wrong value for the key: refused, nothing written
            self.v.set_value(person, key, value)

    @rule(name=st.sampled_from(NAMES), line=texts)
    def hand_edit(self, name: str, line: str) -> None:
        person = next((p for p in self.v.people() if p.name == name), None)
        if person is None:
            return
        path = self.root / person.path
        path.write_text(path.read_text(encoding="utf-8") + line.replace("\n", " ") + "\n", encoding="utf-8")
        self.v.refresh()

    @rule(n=st.integers(min_value=0, max_value=3))
    def add_person(self, n: int) -> None:
        from vaultcrm.errors import VaultCRMError

        with contextlib.suppress(VaultCRMError):  # already there
            self.v.add_person(f"Fuzz Person {n}", {"closeness": 2})

    @invariant()
    def index_equals_a_fresh_rebuild(self) -> None:
        self.v.refresh()
        incremental = snapshot(self.v)
        fresh = Vault(self.root, self.today)
        fresh.rebuild()
        assert snapshot(fresh) == incremental
        fresh.close()


TestVaultMachine = VaultMachine.TestCase
TestVaultMachine.settings = settings(
    max_examples=15, stateful_step_count=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
