"""Cleanup after an import: link rewriting, the bulk-write guard, rename, triage, archive, set --where."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TODAY, Run
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultcrm import bulk
from vaultcrm.core import Vault
from vaultcrm.links import plan_link_rewrites, rewrite_links

HAS_GIT = shutil.which("git") is not None
needs_git = pytest.mark.skipif(not HAS_GIT, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def commit_all(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")


def open_vault(root: Path) -> Vault:
    import datetime as dt

    v = Vault(root, dt.date.fromisoformat(TODAY))
    v.refresh()
    return v


# ---------------------------------------------------------------------------
# rewrite_links


def test_rewrite_every_link_form() -> None:
    text = (
        "---\n"
        "name: Ed\n"
        "knows:\n"
        '  - "[[Klaus Breyer]]"\n'
        "  - {who: '[[klaus breyer|K]]', closeness: 4}\n"
        "introduced_by: '[[Klaus Breyer]]'  # a comment [[Klaus Breyer]]\n"
        "---\n"
        "Met [[Klaus Breyer]] and [[people/Klaus Breyer.md#Log|him]] ![[KLAUS BREYER]]\n"
        "| a | [[Klaus Breyer\\|Klaus]] |\n"
        "Not a link: `[[Klaus Breyer]]`, nor [[Klaus Breyers]] nor [[Anna Schmidt]].\n"
        "```\n[[Klaus Breyer]]\n```\n"
        "- 2026-11-20 coffee [with:: [[Klaus Breyer#^abc]]]\n"
    )
    out = rewrite_links(text, "Klaus Breyer", "Klaus O'Brien")
    assert out == (
        "---\n"
        "name: Ed\n"
        "knows:\n"
        '  - "[[Klaus O\'Brien]]"\n'
        "  - {who: '[[Klaus O''Brien|K]]', closeness: 4}\n"
        "introduced_by: '[[Klaus O''Brien]]'  # a comment [[Klaus O'Brien]]\n"
        "---\n"
        "Met [[Klaus O'Brien]] and [[people/Klaus O'Brien.md#Log|him]] ![[Klaus O'Brien]]\n"
        "| a | [[Klaus O'Brien\\|Klaus]] |\n"
        "Not a link: `[[Klaus Breyer]]`, nor [[Klaus Breyers]] nor [[Anna Schmidt]].\n"
        "```\n[[Klaus Breyer]]\n```\n"
        "- 2026-11-20 coffee [with:: [[Klaus O'Brien#^abc]]]\n"
    )
    header = out.split("---\n")[1]
    data = yaml.safe_load(header)
    assert data["knows"][1]["who"] == "[[Klaus O'Brien|K]]"
    assert data["introduced_by"] == "[[Klaus O'Brien]]"


def test_rewrite_keeps_crlf_bom_and_nfd_names() -> None:
    nfd = "Jose\u0301 Mu\u0308ller"
    text = f"\ufeff---\r\nname: X\r\n---\r\nSaw [[{nfd}]] today\r\n"
    out = rewrite_links(text, "José Müller", "José Müller-Ruiz")
    assert out == "\ufeff---\r\nname: X\r\n---\r\nSaw [[José Müller-Ruiz]] today\r\n"
    assert rewrite_links("no links at all", "A", "B") == "no links at all"


_LINKISH = re.compile(r"!?\[\[[^\[\]|#^\n]*(?:[#^][^\[\]|\n]*)?(?:\|[^\[\]\n]*)?\]\]")
_pieces = st.sampled_from(
    [
        "[[Old Name]]",
        "[[old name|shown]]",
        "[[people/Old Name.md#Log]]",
        "![[Old Name]]",
        "`[[Old Name]]`",
        "[[Other]]",
        "[[Old Names]]",
        "\n```\n",
        "\n",
        "\r\n",
        " ",
        "|",
        "#",
        "`",
        "[",
        "]",
        "Old Name",
        "---\n",
        "'",
        '"',
    ]
)
_plain = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_pieces, _plain), max_size=25))
def test_rewriting_changes_nothing_but_link_targets(parts: list[str]) -> None:
    text = "".join(parts)
    out = rewrite_links(text, "Old Name", "New One")
    # outside the links, every byte is the same; the links are as many as before
    assert _LINKISH.sub("[[]]", out) == _LINKISH.sub("[[]]", text)
    before, after = _LINKISH.findall(text), _LINKISH.findall(out)
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        if a != b:
            assert "new one" not in a.lower()
            assert "old name" in a.lower() and "New One" in b
            # the shown text and heading stay
            assert a.partition("|")[2] == b.partition("|")[2]
            assert a.partition("#")[2] == b.partition("#")[2]
    # and rewriting back restores every link that was rewritten (case aside)
    if "new one" not in text.lower():
        back = rewrite_links(out, "New One", "Old Name")
        assert back.lower() == text.lower()


def test_plan_link_rewrites_lists_only_changing_files(vault: Path) -> None:
    v = open_vault(vault)
    before = {p: (vault / p).read_bytes() for p in ("people/Klaus Breyer.md", "journal/2026-11-20.md")}
    plans = plan_link_rewrites(v, "Anna Schmidt", "Anna Weber")
    assert plans, "the fixture links to Anna Schmidt"
    for rel, text in plans.items():
        old = (vault / rel).read_text(encoding="utf-8")
        assert text != old
        assert "[[Anna Weber" in text
    # nothing was written
    assert {p: (vault / p).read_bytes() for p in before} == before


# ---------------------------------------------------------------------------
# bulk.guard


def test_guard_outside_git_backs_up_every_existing_file(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    # git must not find a repository above tmp_path (a checkout of the tests, say)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(vault.parent))
    v = open_vault(vault)
    assert bulk.git_toplevel(vault) is None
    paths = ["people/Klaus Breyer.md", "people/Anna Schmidt.md", "people/Nobody Yet.md"]
    with bulk.guard(v, paths, what="rename", now=dt.datetime(2026, 11, 30, 17, 15)) as g:
        pass
    assert g.backup_dir == vault / ".vaultcrm/backups/20261130-171500"
    assert (g.backup_dir / "people/Klaus Breyer.md").read_bytes() == (vault / "people/Klaus Breyer.md").read_bytes()
    assert not (g.backup_dir / "people/Nobody Yet.md").exists()
    assert g.message() == "Backed up 2 files to .vaultcrm/backups/20261130-171500/"
    # a second run in the same second gets its own folder
    g2 = bulk.guard(v, paths, what="rename", now=dt.datetime(2026, 11, 30, 17, 15))
    assert g2.backup_dir == vault / ".vaultcrm/backups/20261130-171500-2"


def test_guard_without_git_program_backs_up(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if HAS_GIT:
        commit_all(vault)
    monkeypatch.setenv("PATH", str(vault / "no-bin-here"))
    v = open_vault(vault)
    g = bulk.guard(v, ["people/Ed Miller.md"], what="triage")
    assert g.backup_dir is not None and (g.backup_dir / "people/Ed Miller.md").is_file()


@needs_git
def test_guard_in_git_refuses_uncommitted_and_untracked_files(tmp_path: Path, vault: Path) -> None:
    # the vault is a subfolder of the repository
    repo = tmp_path
    commit_all(repo)
    v = open_vault(vault)
    clean = bulk.guard(v, ["people/Klaus Breyer.md", "people/New Person.md"], what="rename")
    assert clean.backup_dir is None
    assert clean.message() == (
        "In git: review with `git diff`, undo with `git checkout -- people/`; "
        "1 new file (it is untracked in `git status`)"
    )

    (vault / "people/Klaus Breyer.md").write_text("edited\n", encoding="utf-8")
    (vault / "people/Brand New.md").write_text("new\n", encoding="utf-8")
    with pytest.raises(bulk.BulkRefused) as info:
        bulk.guard(v, ["people/Klaus Breyer.md", "people/Brand New.md", "people/Ed Miller.md"], what="set --where")
    msg = str(info.value)
    assert "people/Klaus Breyer.md (uncommitted changes)" in msg
    assert "people/Brand New.md (not committed yet)" in msg
    assert "Ed Miller" not in msg
    assert "--force" in msg

    forced = bulk.guard(v, ["people/Klaus Breyer.md", "people/Ed Miller.md"], force=True, what="set --where")
    assert forced.backup_dir is not None
    assert (forced.backup_dir / "people/Klaus Breyer.md").read_text(encoding="utf-8") == "edited\n"
    assert not (forced.backup_dir / "people/Ed Miller.md").exists()  # git has that one


@needs_git
def test_guard_in_git_with_many_paths_asks_about_the_folder(vault: Path) -> None:
    commit_all(vault)
    v = open_vault(vault)
    paths = [f"people/P{i}.md" for i in range(300)] + ["people/Ed Miller.md"]
    assert bulk.guard(v, paths, what="import").backup_dir is None
    (vault / "people/Ed Miller.md").write_text("changed\n", encoding="utf-8")
    with pytest.raises(bulk.BulkRefused, match="Ed Miller"):
        bulk.guard(v, paths, what="import")


# ---------------------------------------------------------------------------
# aliases keep their list style


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("aliases: [Klaus]  # short\n", "aliases: [Klaus, Klaus Breyer]  # short\n"),
        ('aliases: ["Anni"]\n', 'aliases: ["Anni", "Klaus Breyer"]\n'),
        ("aliases: []\n", "aliases: [Klaus Breyer]\n"),
        ("aliases:\n  - Klaus\n  - 'KB'\n", "aliases:\n  - Klaus\n  - 'KB'\n  - 'Klaus Breyer'\n"),
        ("aliases:\n- Klaus\n", "aliases:\n- Klaus\n- Klaus Breyer\n"),
        ("aliases: Klaus\n", "aliases: [Klaus, Klaus Breyer]\n"),
        ("tier: B\n", "tier: B\naliases: [Klaus Breyer]\n"),
        ("aliases: [klaus breyer]\n", "aliases: [klaus breyer]\n"),
    ],
)
def test_add_alias_keeps_the_list_style(header: str, expected: str) -> None:
    from vaultcrm.cleanup import add_alias

    text = f"---\nname: X\n{header}---\nbody\n"
    assert add_alias(text, "Klaus Breyer") == f"---\nname: X\n{expected}---\nbody\n"


# ---------------------------------------------------------------------------
# rename


def _add_links(vault: Path) -> None:
    ed = vault / "people/Ed Miller.md"
    text = ed.read_text(encoding="utf-8")
    text = text.replace('  - {who: "[[Alan Vance]]"', '  - "[[Klaus Breyer]]"\n  - {who: "[[Alan Vance]]"').replace(
        "## Log\n", "Met [[Klaus Breyer|KB]] at [[klaus breyer#Log]]; `[[Klaus Breyer]]` is code.\n\n## Log\n"
    )
    ed.write_text(text, encoding="utf-8")
    (vault / "reviews").mkdir()
    (vault / "reviews/2026-W47.md").write_text(
        "# Week 47\n\n- [ ] call [[Klaus Breyer|Klaus]] about [[people/Klaus Breyer.md]]\n", encoding="utf-8"
    )


def _snapshot(vault: Path) -> dict[str, bytes]:
    return {
        p.relative_to(vault).as_posix(): p.read_bytes()
        for p in sorted(vault.rglob("*.md"))
        if ".vaultcrm" not in p.parts
    }


def test_rename_rewrites_every_link_and_keeps_the_old_name(run: Run, vault: Path) -> None:
    _add_links(vault)
    before = _snapshot(vault)
    result = run("rename", "Klaus", "Klaus Peter Breyer")
    assert result.exit_code == 0, result.output
    assert "Renamed Klaus Breyer → Klaus Peter Breyer (people/Klaus Peter Breyer.md)" in result.stdout
    assert "Backed up 4 files to .vaultcrm/backups/" in result.stdout
    after = _snapshot(vault)
    assert "people/Klaus Breyer.md" not in after
    new = after.pop("people/Klaus Peter Breyer.md").decode()
    old = before.pop("people/Klaus Breyer.md").decode()
    assert new == old.replace(
        "name: Klaus Breyer\naliases: [Klaus]", "name: Klaus Peter Breyer\naliases: [Klaus, Klaus Breyer]"
    )
    changed = {rel for rel in after if after[rel] != before[rel]}
    assert changed == {"people/Ed Miller.md", "journal/2026-11-20.md", "reviews/2026-W47.md"}
    ed = after["people/Ed Miller.md"].decode()
    assert '  - "[[Klaus Peter Breyer]]"\n' in ed  # a frontmatter list
    assert "Met [[Klaus Peter Breyer|KB]] at [[Klaus Peter Breyer#Log]]; `[[Klaus Breyer]]` is code." in ed
    assert "- coffee with [[Klaus Peter Breyer]] at the new place" in after["journal/2026-11-20.md"].decode()
    assert (
        after["reviews/2026-W47.md"].decode()
        == "# Week 47\n\n- [ ] call [[Klaus Peter Breyer|Klaus]] about [[people/Klaus Peter Breyer.md]]\n"
    )
    # every other byte of those files is as it was
    for rel in changed:
        expected = re.sub(r"\[\[(people/)?klaus breyer", r"[[\1Klaus Peter Breyer", before[rel].decode(), flags=re.I)
        assert after[rel].decode() == expected.replace("`[[Klaus Peter Breyer]]`", "`[[Klaus Breyer]]`")
    # the old name still finds them, and the index knows the new file
    shown = run.json("show", "Klaus Breyer")
    assert shown["path"] == "people/Klaus Peter Breyer.md"
    assert shown["history"]  # the journal coffee still counts with them
    assert "people/Klaus Peter Breyer.md" in {h["path"] for h in shown["history"]} | {shown["path"]}


def test_rename_refuses_an_existing_name_and_changes_nothing(run: Run, vault: Path) -> None:
    before = _snapshot(vault)
    result = run("rename", "Klaus", "anna schmidt")
    assert result.exit_code == 1
    assert "'anna schmidt' is already a name of Anna Schmidt" in result.stderr
    (vault / "people/Klaus Neu.md").write_bytes(b"\x00 a binary file, not a person")
    result = run("rename", "Klaus", "Klaus Neu")
    assert result.exit_code == 1
    assert "people/Klaus Neu.md: a file with this name already exists" in result.stderr
    (vault / "people/Klaus Neu.md").unlink()
    assert _snapshot(vault) == before


def test_rename_sanitises_the_file_name_and_dry_run_writes_nothing(run: Run, vault: Path) -> None:
    before = _snapshot(vault)
    dry = run.json("rename", "José", "José: the/Pilot", "--dry-run")
    assert dry["new_path"] == "people/José- the-Pilot.md"
    assert dry["links"] == ["journal/2026-11-20.md"]
    assert _snapshot(vault) == before
    assert run("rename", "José", "José: the/Pilot").exit_code == 0
    text = (vault / "people/José- the-Pilot.md").read_text(encoding="utf-8")
    assert text.startswith('---\nname: "José: the/Pilot"\n') and "aliases: [José Müller]" in text
    assert "[[José- the-Pilot]]" in (vault / "journal/2026-11-20.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# archive


def test_archive_leaves_due_and_keeps_history_and_numbers(run: Run, vault: Path) -> None:
    due = run.json("due")
    assert "Ed Miller" in {p["name"] for p in due["people"]}
    shown = run.json("show", "Ed Miller")
    profile = run.json("profile")
    assert run("archive", "Ed Miller").exit_code == 0
    assert "Ed Miller" not in {p["name"] for p in run.json("due")["people"]}
    after = run.json("show", "Ed Miller")
    assert after["status"] == "archived"

    def strip(history: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in h.items() if k != "line"} for h in history]  # the archived line moves them

    assert strip(after["history"]) == strip(shown["history"]) and after["interactions"] == shown["interactions"]
    assert after["friend_level"] == shown["friend_level"]
    assert after["emails"] == shown["emails"] and after["phones"] == shown["phones"]
    assert run.json("profile")["xp"] == profile["xp"]


# ---------------------------------------------------------------------------
# triage


def _unclassified(run: Run) -> None:
    for args in (
        ("add", "Cat Four"),
        ("add", "Bob Three", "--email", "bob@example.com"),
        ("add", "Amy Two", "--tier", "A"),
        ("add", "Zed One", "--role", "Founder"),
    ):
        assert run(*args).exit_code == 0
    assert run("log", "Zed One", "coffee", "at the meetup", "--date", "2026-11-20").exit_code == 0


def _diff(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    import difflib

    a, b = before.decode().splitlines(), after.decode().splitlines()
    removed, added = [], []
    for line in difflib.unified_diff(a, b, lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


def test_triage_classifies_skips_and_quits_midway(run: Run, vault: Path) -> None:
    _unclassified(run)
    before = _snapshot(vault)
    # Zed (met recently): 2, pals, B · Amy (tier A): skip · Bob (newest of the rest): 3, keep circle, quit
    # "No Header" is a person without closeness too: never reached
    result = run("triage", input="2pb" + "s" + "3\rq")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("Zed One") < out.index("Amy Two") < out.index("Bob Three")
    assert "Cat Four" not in out
    assert "Founder" in out and "1 interaction, last 2026-11-20 coffee: at the meetup" in out
    assert "Classified 2, skipped 1; 3 still unclassified." in out
    after = _snapshot(vault)
    changed = {rel for rel in after if after[rel] != before[rel]}
    assert changed == {"people/Zed One.md", "people/Bob Three.md"}
    removed, added = _diff(before["people/Zed One.md"], after["people/Zed One.md"])
    assert removed == []
    assert added == [
        "closeness: 2",
        "- 2026-11-24 closeness: none → 2",
        "circle: pals",
        "- 2026-11-24 circle: none → pals",
        "tier: B",
        "- 2026-11-24 tier: none → B",
    ] or sorted(added) == sorted(
        [
            "closeness: 2",
            "circle: pals",
            "tier: B",
            "- 2026-11-24 closeness: none → 2",
            "- 2026-11-24 circle: none → pals",
            "- 2026-11-24 tier: none → B",
        ]
    )
    removed, added = _diff(before["people/Bob Three.md"], after["people/Bob Three.md"])
    assert removed == [] and sorted(added) == ["- 2026-11-24 closeness: none → 3", "closeness: 3"]
    shown = run.json("show", "Zed One")
    assert (shown["closeness"], shown["circle"], shown["tier"]) == (2, "pals", "B")


def test_triage_with_nobody_to_do(run: Run, vault: Path) -> None:
    assert run("set", "No Header", "closeness", "4").exit_code == 0
    result = run("triage")
    assert result.exit_code == 0 and "Nobody to triage" in result.stdout


def test_triage_writes_each_answer_at_once_through_set(run: Run, vault: Path) -> None:
    _unclassified(run)
    # the input ends after one answer (as if the terminal closed): that answer is kept
    result = run("triage", "--limit", "1", input="1")
    assert result.exit_code == 0
    assert run.json("show", "Zed One")["closeness"] == 1
    assert "- 2026-11-24 closeness: none → 1" in (vault / "people/Zed One.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# set --where


def test_set_where_uses_lists_filters(run: Run, vault: Path) -> None:
    listed = {p["name"] for p in run.json("list", "--circle", "creatives", "--tag", "berlin")}
    assert listed == {"Klaus Breyer", "Anna Schmidt"}
    before = _snapshot(vault)
    dry = run("set", "--where", "circle=creatives,tag=berlin", "stage", "client", "--dry-run")
    assert dry.exit_code == 0
    assert "Would set stage = client on 2 of 2 matched:" in dry.stdout
    assert "Anna Schmidt: contact → client" in dry.stdout
    assert _snapshot(vault) == before
    data = run.json("set", "--where", "circle=creatives", "--where", "tag=berlin", "stage", "client")
    assert data["changed"] == 2 and data["backup"].startswith(".vaultcrm/backups/")
    after = _snapshot(vault)
    assert {rel for rel in after if after[rel] != before[rel]} == {"people/Klaus Breyer.md", "people/Anna Schmidt.md"}
    removed, added = _diff(before["people/Anna Schmidt.md"], after["people/Anna Schmidt.md"])
    assert removed == ["stage: contact"]
    assert sorted(added) == ["- 2026-11-24 stage: contact → client", "stage: client"]
    assert {p["name"] for p in run.json("list", "--stage", "client")} == listed
    # nothing left to change: nothing written
    again = run("set", "--where", "circle=creatives,tag=berlin", "stage", "client")
    assert "nobody needs a change" in again.stdout


def test_set_where_errors(run: Run) -> None:
    assert run("set", "--where", "colour=red", "tier", "A").exit_code == 2
    assert "unknown filter 'colour'" in run("set", "--where", "colour=red", "tier", "A").stderr
    assert "not KEY=VALUE" in run("set", "--where", "circle", "tier", "A").stderr
    assert "closeness must be 1, 2, 3 or 4" in run("set", "--where", "circle=pals", "closeness", "9").stderr
    assert "no NAME" in run("set", "--where", "circle=pals", "Klaus", "tier", "A").stderr
    assert run("set", "Klaus", "tier").exit_code == 2


# ---------------------------------------------------------------------------
# bulk writes through git, and interrupted


@needs_git
def test_bulk_commands_refuse_on_uncommitted_edits_in_git(run: Run, vault: Path) -> None:
    commit_all(vault)
    anna = vault / "people/Anna Schmidt.md"
    anna.write_bytes(anna.read_bytes() + b"a thought not committed yet\n")
    before = _snapshot(vault)
    result = run("set", "--where", "circle=creatives", "tier", "A")
    assert result.exit_code == 1
    assert "set --where would change 1 file that git could not restore: people/Anna Schmidt.md" in result.stderr
    result = run("rename", "Klaus", "Klaus B")  # Klaus knows Anna, but Anna does not link Klaus: allowed
    assert result.exit_code == 0, result.output
    assert "In git: review with `git diff`, undo with `git checkout --" in result.stdout
    assert not (vault / ".vaultcrm/backups").exists()
    result = run("rename", "Anna", "Anna S")
    assert result.exit_code == 1 and "people/Anna Schmidt.md (uncommitted changes)" in result.stderr
    assert _snapshot(vault)["people/Anna Schmidt.md"] == before["people/Anna Schmidt.md"]
    forced = run("set", "--where", "circle=creatives", "tier", "A", "--force")
    # Anna's edit and the renamed Klaus (not committed yet) are backed up: git cannot restore them
    assert forced.exit_code == 0 and "Backed up 2 files to .vaultcrm/backups/" in forced.stdout
    backup = next((vault / ".vaultcrm/backups").iterdir())
    assert (backup / "people/Anna Schmidt.md").read_bytes() == before["people/Anna Schmidt.md"]


def test_an_interrupted_bulk_write_leaves_each_file_old_or_new(
    run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultcrm import vault as vaultio

    for i in range(8):
        assert run("add", f"Person {i}", "--circle", "pals").exit_code == 0
    before = _snapshot(vault)
    # what a complete run writes
    full = tmp_copy(vault)
    assert run.__class__(full)("set", "--where", "circle=pals", "tier", "C").exit_code == 0
    complete = _snapshot(full)
    real = vaultio.atomic_write
    calls = {"n": 0}

    def failing(path: Path, data: bytes, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(5, "Input/output error (simulated)")
        real(path, data, **kwargs)

    monkeypatch.setattr(vaultio, "atomic_write", failing)
    result = run.runner.invoke(
        __import__("vaultcrm.cli", fromlist=["cli"]).cli,
        ["--vault", str(vault), "--today", TODAY, "set", "--where", "circle=pals", "tier", "C"],
    )
    assert result.exit_code == 1
    after = _snapshot(vault)
    states = {
        rel: "old" if after[rel] == before[rel] else "new" if after[rel] == complete[rel] else "torn" for rel in after
    }
    assert "torn" not in states.values()
    assert list(states.values()).count("new") == 3
    assert not [p for p in vault.rglob("*.tmp")]


def tmp_copy(vault: Path) -> Path:
    target = vault.parent / "copy"
    shutil.copytree(vault, target, ignore=shutil.ignore_patterns(".vaultcrm"))
    return target


@pytest.mark.parametrize(
    ("where", "list_args"),
    [
        ("circle=creatives", ["--circle", "creatives"]),
        ("circle=CREATIVES,circle=pals", ["--circle", "CREATIVES", "--circle", "pals"]),
        ("closeness=none", ["--closeness", "none"]),
        ("closeness=1,closeness=3", ["--closeness", "1", "--closeness", "3"]),
        ("tag=berlin,tag=#design", ["--tag", "berlin", "--tag", "#design"]),
        ("tier=c", ["--tier", "c"]),
        ("stage=Connection", ["--stage", "Connection"]),
        ("near=ber", ["--near", "ber"]),
        ("archived=yes", ["--archived"]),
        ("status=overdue", ["--status", "overdue"]),
    ],
)
def test_set_where_selects_whom_list_selects(run: Run, where: str, list_args: list[str]) -> None:
    assert run("archive", "Ed Miller").exit_code == 0
    listed = sorted(p["path"] for p in run.json("list", *list_args))
    data = run.json("set", "--where", where, "favourite_colour", "green", "--dry-run")
    assert sorted(p["path"] for p in data["would_change"]) == listed
    assert data["matched"] == len(listed)


def test_set_where_on_many_files_uses_workers(run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vaultcrm import cleanup

    monkeypatch.setattr(cleanup, "PARALLEL_MIN", 2)
    monkeypatch.setattr(cleanup, "_CHUNK", 2)
    for i in range(5):
        assert run("add", f"Worker {i}", "--tag", "batch").exit_code == 0
    before = _snapshot(vault)
    data = run.json("set", "--where", "tag=batch", "tier", "B")
    assert data["changed"] == 5 and data["failed"] == []
    after = _snapshot(vault)
    for i in range(5):
        rel = f"people/Worker {i}.md"
        removed, added = _diff(before[rel], after[rel])
        assert removed == [] and sorted(added) == ["- 2026-11-24 tier: none → B", "tier: B"]
    assert {p["name"] for p in run.json("list", "--tier", "B")} >= {f"Worker {i}" for i in range(5)}


def test_triage_reads_piped_keys_without_a_terminal(run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    def no_tty(echo: bool = False) -> str:
        raise OSError(6, "No such device or address: '/dev/tty'")

    monkeypatch.setattr(click, "getchar", no_tty)
    result = run("triage", input="4")
    assert result.exit_code == 0, result.output
    assert run.json("show", "No Header")["closeness"] == 4


def test_an_interrupted_rename_leaves_each_file_old_or_new(
    run: Run, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultcrm import vault as vaultio
    from vaultcrm.cli import cli

    _add_links(vault)
    before = _snapshot(vault)
    full = tmp_copy(vault)
    assert Run(full)("rename", "Klaus", "Klaus Peter Breyer").exit_code == 0
    complete = _snapshot(full)
    real = vaultio.atomic_write
    calls = {"n": 0}

    def failing(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the new file and one link file are written, then the disk fails
            raise OSError(28, "No space left on device (simulated)")
        real(path, data)

    monkeypatch.setattr(vaultio, "atomic_write", failing)
    result = run.runner.invoke(cli, ["--vault", str(vault), "--today", TODAY, "rename", "Klaus", "Klaus Peter Breyer"])
    # the failing file is named, the others are still rewritten
    assert result.exit_code == 1
    assert "in 1 file(s) were not rewritten: " in result.stderr and "No space left" in result.stderr
    after = _snapshot(vault)
    assert "people/Klaus Breyer.md" not in after and "people/Klaus Peter Breyer.md" in after
    assert after["people/Klaus Peter Breyer.md"] == complete["people/Klaus Peter Breyer.md"]
    states = {
        rel: "old" if after[rel] == before.get(rel) else "new" if after[rel] == complete[rel] else "torn"
        for rel in ("people/Ed Miller.md", "journal/2026-11-20.md", "reviews/2026-W47.md")
    }
    assert sorted(states.values()) == ["new", "new", "old"]
    monkeypatch.setattr(vaultio, "atomic_write", real)
    # the old name still finds the person from the links not yet rewritten
    assert run.json("show", "Klaus Breyer")["path"] == "people/Klaus Peter Breyer.md"
