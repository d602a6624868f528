"""Cleanup after an import: link rewriting, the bulk-write guard, rename, triage, archive, set --where."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import TODAY
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


def test_guard_outside_git_backs_up_every_existing_file(vault: Path) -> None:
    import datetime as dt

    v = open_vault(vault)
    if bulk.git_toplevel(vault) is not None:
        pytest.skip("tmp_path is inside a git repository")
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
    assert clean.message().startswith("In git: review with `git diff`, undo with `git checkout -- people/`")

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
