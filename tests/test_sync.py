"""sync with a real git (a bare remote and two clones in tmp_path), and the merge driver."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURE, TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultcrm import document
from vaultcrm import sync as sync_mod
from vaultcrm.cli import cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

ANNA = "people/Anna Schmidt.md"  # BOM + CRLF, newest first
KLAUS = "people/Klaus Breyer.md"


@pytest.fixture(autouse=True)
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated git: its own HOME and global config with a test identity."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[advice]\n\tdetachedHead = false\n"
    )
    return home


def git(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def vc(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, *args], catch_exceptions=False)


def ok(root: Path, *args: str) -> Result:
    result = vc(root, *args)
    assert result.exit_code == 0, result.output
    return result


def tree(root: Path) -> dict[str, bytes]:
    """Every file of the vault except git's and vaultcrm's own folders."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".git", ".vaultcrm"} & set(p.relative_to(root).parts)
    }


@pytest.fixture
def machines(tmp_path: Path) -> tuple[Path, Path]:
    """Machine A (a copy of the odd-case vault, synced once to a bare remote) and B, a clone."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    a = tmp_path / "a"
    shutil.copytree(FIXTURE, a, ignore=shutil.ignore_patterns(".vaultcrm"))
    git(a, "init", "-q")
    git(a, "remote", "add", "origin", str(bare))
    first = ok(a, "sync")
    assert "Pushed to origin/main." in first.stdout
    git(tmp_path, "clone", "-q", str(bare), "b")
    return a, tmp_path / "b"


# ---------------------------------------------------------------------------
# two machines


def test_two_machines_converge_with_every_line(machines: tuple[Path, Path]) -> None:
    a, b = machines
    # interleaved edits: the same person on both, different people, a new person on each,
    # a frontmatter change on one side, a backdated line
    ok(a, "log", "Klaus", "coffee", "A: pricing talk")
    ok(b, "log", "Klaus", "call", "B: quick call", "--date", "2026-11-22")
    ok(a, "log", "Anna", "lunch", "A: lunch at the gallery")
    ok(b, "log", "Anna", "message", "B: sent the invite", "--date", "2026-11-23")
    ok(b, "log", "Ed Miller", "call", "B: caught up")
    ok(b, "set", "Klaus", "tier", "A")
    ok(a, "add", "Zoe Adams", "--closeness", "2")
    ok(b, "add", "Yuri Bauer", "--closeness", "3")
    ok(a, "log", "Zoe", "coffee", "A: met Zoe")

    ok(a, "sync")
    second = ok(b, "sync")
    assert "Pulled 1 commit from origin/main." in second.stdout and "Pushed to origin/main." in second.stdout
    assert "Set up: merge driver" in second.stdout  # a clone does not copy .git/config
    ok(a, "sync")
    # a second round, both on the same person again
    ok(a, "log", "Klaus", "message", "A: second round", "--date", "2026-11-21")
    ok(b, "log", "Klaus", "video", "B: second round")
    ok(b, "sync")
    ok(a, "sync")
    last = ok(b, "sync")
    assert "Nothing to commit." in last.stdout and "Up to date with origin/main." in last.stdout

    assert tree(a) == tree(b)
    assert git(a, "rev-parse", "HEAD") == git(b, "rev-parse", "HEAD")
    assert git(a, "status", "--porcelain", "--untracked-files=no") == ""
    klaus = (a / KLAUS).read_text(encoding="utf-8")
    log = klaus.split("## Log\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert log == [
        "- 2026-11-24 video: B: second round",
        "- 2026-11-24 coffee: A: pricing talk",
        "- 2026-11-24 tier: B → A",
        "- 2026-11-22 call: B: quick call",
        "- 2026-11-21 message: A: second round",
        "- 2026-11-20 coffee: talked about his new startup #idea",
        "- 2026-11-18 message: asked me for an intro to [[Anna Schmidt]] [dir:: in]",
        "- 2026-11-02 call: voicemail only [reached:: no]",
        "- 2026-10-01 intro: introduced him to [[Anna Schmidt]]",
    ]
    assert "\ntier: A " in klaus
    anna = (a / ANNA).read_bytes()
    assert anna.startswith(b"\xef\xbb\xbf---\r\n") and b"\n" not in anna.replace(b"\r\n", b"")
    assert (
        b"## Log\r\n- 2026-11-24 lunch: A: lunch at the gallery\r\n- 2026-11-23 message: B: sent the invite\r\n" in anna
    )
    assert (a / "people/Zoe Adams.md").is_file() and (a / "people/Yuri Bauer.md").is_file()
    for args in (["profile", "--json"], ["due", "--json"], ["review", "--print"]):
        assert ok(a, *args).stdout == ok(b, *args).stdout, args
    # the cache is never committed; the attributes are
    assert git(a, "ls-files", ".vaultcrm") == ""
    assert sync_mod.attributes_line() in (a / ".gitattributes").read_text()
    assert "merge-driver" in git(b, "config", "--get", "merge.vaultcrm-log.driver")


def test_a_real_conflict_stops_in_a_rebase_and_loses_nothing(machines: tuple[Path, Path]) -> None:
    a, b = machines
    ok(a, "set", "Klaus", "role", "CEO")
    ok(a, "log", "Klaus", "coffee", "A: congratulated him")
    ok(b, "set", "Klaus", "role", "Founder")
    ok(b, "log", "Klaus", "call", "B: about the new role")
    ok(a, "sync")
    result = vc(b, "sync")
    assert result.exit_code == 1
    assert "Conflict:" in result.stderr and f"  {KLAUS}\n" in result.stderr
    assert "git rebase --continue" in result.stderr and "git rebase --abort" in result.stderr
    assert "rebase in progress" in git(b, "status")
    text = (b / KLAUS).read_text(encoding="utf-8")
    assert "<<<<<<< " in text and "role: CEO" in text and "role: Founder" in text
    assert "- 2026-11-24 call: B: about the new role" in text  # the log merged all the same
    assert "- 2026-11-24 coffee: A: congratulated him" in text
    check = vc(b, "check")
    assert check.exit_code == 1 and "conflict" in check.stdout
    again = vc(b, "sync")
    assert again.exit_code == 1 and "middle of a rebase" in again.stderr
    # the user resolves it the ordinary way, and the next sync pushes
    resolved = text.split("<<<<<<< ")[0] + "role: Founder\n" + text.split(">>>>>>> theirs\n")[1]
    (b / KLAUS).write_text(resolved, encoding="utf-8")
    git(b, "add", KLAUS)
    git(b, "-c", "core.editor=true", "rebase", "--continue")
    assert "Pushed to origin/main." in ok(b, "sync").stdout
    ok(a, "sync")
    assert (a / KLAUS).read_bytes() == (b / KLAUS).read_bytes()


def test_sync_json_and_no_push(machines: tuple[Path, Path]) -> None:
    a, _ = machines
    ok(a, "log", "Klaus", "coffee", "talked")
    data = json.loads(ok(a, "sync", "--no-push", "--json").stdout)
    assert data["committed"] is True and data["pushed"] is False and data["push_skipped"] == "no-push"
    assert data["message"] == "vaultcrm: log 1 touch (Klaus Breyer)"
    assert data["remote"] == "origin" and data["remote_branch"] == "main" and data["conflicts"] == []
    assert git(a, "rev-list", "--count", "origin/main..HEAD").strip() == "1"
    data = json.loads(ok(a, "sync", "--json", "--message", "my words").stdout)
    assert data["committed"] is False and data["pushed"] is True
    assert git(a, "log", "-1", "--format=%s").strip() == "vaultcrm: log 1 touch (Klaus Breyer)"


@pytest.mark.skipif(sys.platform == "win32", reason="a shell hook")
def test_a_push_that_loses_a_race_is_retried(machines: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = machines
    ok(b, "sync")  # B's merge driver is set up
    # while A pushes, B pushes first (a pre-push hook on A makes that happen once)
    hook = a / ".git/hooks/pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"[ -e '{tmp_path}/raced' ] && exit 0\n"
        f"touch '{tmp_path}/raced'\n"
        f"cd '{b}' && printf -- '- 2026-11-23 call: B raced\\n' >> journal/2026-11-20.md && "
        "git commit -qam race && git push -q origin main\n"
    )
    hook.chmod(0o755)
    ok(a, "log", "Klaus", "coffee", "A: pushed second")
    result = ok(a, "sync")
    assert "Pushed to origin/main." in result.stdout and (tmp_path / "raced").exists()
    assert git(a, "rev-parse", "HEAD") == git(a, "rev-parse", "origin/main")
    assert "B raced" in (a / "journal/2026-11-20.md").read_text()


# ---------------------------------------------------------------------------
# commit messages, no remote, the vault in a subfolder


def test_generated_commit_message_from_the_staged_diff(tmp_path: Path) -> None:
    root = tmp_path / "v"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    ok(root, "add", "Klaus Breyer", "--closeness", "2")
    ok(root, "sync")
    ok(root, "log", "Klaus", "coffee", "one")
    ok(root, "log", "Klaus", "call", "two", "--date", "2026-11-20")
    ok(root, "log", "Ada", "text", "three")
    ok(root, "add", "Anna Schmidt")
    ok(root, "set", "Ada", "location", "Paris")
    (root / "journal/2026-11-24.md").write_text("- coffee with [[Klaus Breyer]]\n")
    result = ok(root, "sync")
    subject = git(root, "log", "-1", "--format=%s").strip()
    assert subject == "vaultcrm: log 3 touches (Klaus Breyer, Ada Example); add Anna Schmidt; edit 2 files"
    assert f"Committed 4 files: {subject}" in result.stdout
    ok(root, "log", "Klaus", "coffee", "four")
    ok(root, "sync", "--message", "after the conference")
    assert git(root, "log", "-1", "--format=%s").strip() == "after the conference"


def test_commit_message_unit() -> None:
    old = "---\nname: K\n---\n## Log\n- 2026-11-01 call: x\n"
    new = "---\nname: K\n---\n## Log\n- 2026-11-24 coffee: y\n- 2026-11-01 call: x\n"
    changes = [
        sync_mod.Change("M", "people/K.md", None, old, new),
        sync_mod.Change("M", "people/L.md", None, old, new.replace("name: K", "name: L")),
        sync_mod.Change("A", "people/New One.md"),
        sync_mod.Change("R", "people/Neu.md", "people/Old.md", old, old),
        sync_mod.Change("D", "people/Gone.md"),
        sync_mod.Change("M", "vaultcrm.yaml"),
    ]
    assert sync_mod.commit_message(changes) == (
        "vaultcrm: log 2 touches (K, L); add New One; rename Old → Neu; remove Gone; edit 2 files"
    )
    many = [sync_mod.Change("M", f"people/P{n}.md", None, old, new) for n in range(5)]
    assert sync_mod.commit_message(many) == "vaultcrm: log 5 touches (P0, P1, P2, …)"
    reserved = new.replace("coffee: y", "closeness: 3 → 2")
    assert sync_mod.commit_message([sync_mod.Change("M", "people/K.md", None, old, reserved)]) == (
        "vaultcrm: edit 1 file"
    )
    assert sync_mod.commit_message([sync_mod.Change("M", "crm/K.md", None, old, new)], "crm") == (
        "vaultcrm: log 1 touch (K)"
    )


def test_no_remote_commits_only(tmp_path: Path) -> None:
    root = tmp_path / "v"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    ok(root, "log", "Ada", "coffee", "hello")
    result = ok(root, "sync")
    assert "Committed 1 file: vaultcrm: log 1 touch (Ada Example)" in result.stdout
    assert "No git remote: committed here only" in result.stdout
    assert git(root, "status", "--porcelain") == ""
    again = json.loads(ok(root, "sync", "--json").stdout)
    assert again["committed"] is False and again["remote"] is None and again["push_skipped"] == "no-remote"
    assert "Nothing to commit." in ok(root, "sync").stdout


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "v"
    assert CliRunner().invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    result = vc(root, "sync")
    assert result.exit_code == 1 and "not in a git repository" in result.stderr


def test_a_vault_in_a_subfolder_of_a_larger_repository(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    big = tmp_path / "big"
    (big / "notes").mkdir(parents=True)
    (big / "README.md").write_text("my notes\n")
    git(big, "init", "-q")
    git(big, "add", "README.md")
    git(big, "commit", "-q", "-m", "start")
    git(big, "remote", "add", "origin", str(bare))
    git(big, "push", "-q", "-u", "origin", "main")
    vault = big / "notes" / "crm"
    init = CliRunner().invoke(cli, ["init", str(vault)])
    assert init.exit_code == 0 and "already in a git repository" in init.stderr
    (vault / ".vaultcrm/plugins").mkdir(parents=True)
    (vault / ".vaultcrm/plugins/mine.py").write_text("# a vault plugin\n")
    (vault / ".vaultcrm/other.txt").write_text("machine state\n")
    # the user's own work outside the vault: staged and unstaged, never committed by sync
    (big / "README.md").write_text("my notes, edited\n")
    (big / "draft.md").write_text("staged draft\n")
    git(big, "add", "draft.md")
    ok(vault, "log", "Ada", "coffee", "in a subfolder")
    result = ok(vault, "sync")
    assert "Pushed to origin/main." in result.stdout
    committed = git(big, "show", "--name-only", "--format=", "HEAD").split("\n")
    assert "notes/crm/.vaultcrm/plugins/mine.py" in committed and "notes/crm/people/Ada Example.md" in committed
    assert all(p.startswith("notes/crm/") for p in committed if p)
    assert "notes/crm/.vaultcrm/other.txt" not in committed
    status = git(big, "status", "--porcelain")
    assert "A  draft.md" in status and " M README.md" in status
    # the driver works from the subfolder: a second clone logs the same person
    git(tmp_path, "clone", "-q", str(bare), "big2")
    vault2 = tmp_path / "big2/notes/crm"
    ok(vault2, "log", "Ada", "call", "from the other clone", "--date", "2026-11-23")
    ok(vault, "log", "Ada", "text", "from the first clone")
    ok(vault, "sync")
    ok(vault2, "sync")
    ok(vault, "sync")
    ada = (vault / "people/Ada Example.md").read_text()
    assert ada == (vault2 / "people/Ada Example.md").read_text()
    for line in ("from the other clone", "from the first clone", "in a subfolder"):
        assert line in ada
    assert git(big, "check-attr", "merge", "--", "notes/crm/people/x.md").strip().endswith("vaultcrm-log")


def test_missing_attributes_are_added(tmp_path: Path) -> None:
    root = tmp_path / "v"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    (root / ".gitattributes").write_text("*.md diff=markdown")  # no final newline, no driver line
    result = ok(root, "sync")
    assert "Set up: .gitattributes: people/**/*.md merge=vaultcrm-log" in result.stdout
    assert "Set up: .gitattributes: reviews/**/*.md merge=vaultcrm-review" in result.stdout
    text = (root / ".gitattributes").read_text()
    assert text.startswith("*.md diff=markdown\n#") and sync_mod.attributes_line() + "\n#" in text
    assert text.endswith("\n".join(sync_mod.review_attributes_lines()) + "\n")
    assert "Set up" not in ok(root, "sync").stdout  # only once
    assert sync_mod.add_attributes(text) == text and sync_mod.add_review_attributes(text) == text
    # the user's own choice wins: the driver lines are not added again
    mine = "people/**/*.md merge=text\nreviews/**/*.md merge=text\n"
    (root / ".gitattributes").write_text(mine)
    assert "Set up" not in ok(root, "sync").stdout
    assert (root / ".gitattributes").read_text() == mine


def test_attributes_line_follows_the_people_folder() -> None:
    assert sync_mod.attributes_line() == "people/**/*.md merge=vaultcrm-log"
    assert sync_mod.attributes_line("My People") == "My[[:space:]]People/**/*.md merge=vaultcrm-log"
    assert sync_mod.attributes_line("crm/people/") == "crm/people/**/*.md merge=vaultcrm-log"


def test_the_vault_template_has_the_driver_lines() -> None:
    template = (Path(__file__).resolve().parents[1] / "vault-template/.gitattributes").read_text()
    assert sync_mod.attributes_line() in template
    assert all(line in template.splitlines() for line in sync_mod.review_attributes_lines())
    assert sync_mod.review_attributes_lines("My Reviews")[0] == "My[[:space:]]Reviews/**/*.md merge=vaultcrm-review"


# ---------------------------------------------------------------------------
# the merge driver, on crafted texts

HEAD = "---\nname: Klaus Breyer\ntier: B\n---\nNotes.\n\n"
NEWEST_FIRST = HEAD + "## Log\n- 2026-11-20 coffee: base\n- 2026-11-02 call: base\n\n## Tasks\n- [ ] base task\n"
OLDEST_FIRST = HEAD + "## Log\n- 2026-11-02 call: base\n- 2026-11-20 coffee: base\n\n## Tasks\n- [ ] base task\n"


def add_lines(text: str, *lines: str, section: str = "## Log\n", top: bool = True) -> str:
    """Insert lines into a section the way vaultcrm does (newest first: at the top)."""
    head, rest = text.split(section, 1)
    if top:
        return head + section + "".join(x + "\n" for x in lines) + rest
    body, sep, tail = rest.partition("\n\n")
    return head + section + body + "\n" + "".join(x + "\n" for x in lines).rstrip("\n") + sep + tail


def both_ways(base: str, ours: str, theirs: str) -> sync_mod.MergeResult:
    """Merge, and check the result does not depend on which side is 'ours'."""
    one = sync_mod.merge_texts(base, ours, theirs)
    other = sync_mod.merge_texts(base, theirs, ours)
    if not one.conflicts:
        assert one.text == other.text
    assert bool(one.conflicts) == bool(other.conflicts)
    return one


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_driver_newest_first_union_in_date_order(crlf: bool) -> None:
    def nl(s: str) -> str:
        return s.replace("\n", "\r\n") if crlf else s

    base = NEWEST_FIRST
    ours = add_lines(base, "- 2026-11-24 call: ours", "- 2026-11-21 text: ours")
    theirs = add_lines(base, "- 2026-11-23 lunch: theirs")
    theirs = add_lines(theirs, "- [ ] theirs task", section="- [ ] base task\n")
    result = both_ways(nl(base), nl(ours), nl(theirs))
    assert result.conflicts == 0
    assert result.text == nl(
        HEAD + "## Log\n- 2026-11-24 call: ours\n- 2026-11-23 lunch: theirs\n- 2026-11-21 text: ours\n"
        "- 2026-11-20 coffee: base\n- 2026-11-02 call: base\n\n## Tasks\n- [ ] base task\n- [ ] theirs task\n"
    )


def test_driver_oldest_first_appends_in_date_order() -> None:
    base = OLDEST_FIRST
    ours = base.replace("- 2026-11-20 coffee: base\n", "- 2026-11-20 coffee: base\n- 2026-11-24 call: ours\n")
    theirs = base.replace(
        "- 2026-11-20 coffee: base\n", "- 2026-11-20 coffee: base\n- 2026-11-21 text: theirs\n- 2026-11-25 x: t\n"
    )
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 0
    assert "- 2026-11-20 coffee: base\n- 2026-11-21 text: theirs\n- 2026-11-24 call: ours\n- 2026-11-25 x: t\n" in (
        result.text
    )


def test_driver_both_sides_adding_the_same_line_keep_it_once() -> None:
    base = NEWEST_FIRST
    ours = add_lines(base, "- 2026-11-24 call: same", "- 2026-11-23 text: ours")
    theirs = add_lines(base, "- 2026-11-24 call: same")
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 0 and result.text == ours
    same = add_lines(base, "- 2026-11-22 call: same")
    assert both_ways(base, same, same).text == same


def test_driver_same_day_lines_are_ordered_the_same_on_both_machines() -> None:
    base = NEWEST_FIRST
    ours = add_lines(base, "- 2026-11-24 video: zed")
    theirs = add_lines(base, "- 2026-11-24 call: alpha")
    result = both_ways(base, ours, theirs)
    assert "## Log\n- 2026-11-24 call: alpha\n- 2026-11-24 video: zed\n" in result.text


def test_driver_one_side_edits_the_body_and_frontmatter() -> None:
    base = NEWEST_FIRST
    ours = base.replace("Notes.\n", "Notes, rewritten.\n").replace("tier: B", "tier: A")
    theirs = add_lines(base, "- 2026-11-24 call: theirs")
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 0
    assert result.text == add_lines(ours, "- 2026-11-24 call: theirs")


def test_driver_a_frontmatter_conflict_keeps_markers_and_merges_the_log() -> None:
    base = NEWEST_FIRST
    ours = add_lines(base.replace("tier: B", "tier: A"), "- 2026-11-24 call: ours")
    theirs = add_lines(base.replace("tier: B", "tier: C"), "- 2026-11-23 call: theirs")
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 1
    assert "<<<<<<< ours\ntier: A\n=======\ntier: C\n>>>>>>> theirs\n" in result.text
    assert "## Log\n- 2026-11-24 call: ours\n- 2026-11-23 call: theirs\n- 2026-11-20" in result.text
    # never a union of the frontmatter
    assert result.text.count("tier:") == 2


def test_driver_a_removed_line_next_to_an_added_one_keeps_both_changes() -> None:
    base = HEAD + "## Log\n- 2026-11-20 coffee: base\n"
    ours = HEAD + "## Log\n"  # deleted the only line
    theirs = HEAD + "## Log\n- 2026-11-24 call: theirs\n- 2026-11-20 coffee: base\n"
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 0 and result.text == HEAD + "## Log\n- 2026-11-24 call: theirs\n"


def test_driver_both_sides_editing_the_same_log_line_conflict() -> None:
    base = NEWEST_FIRST
    ours = add_lines(base.replace("coffee: base", "coffee: fixed by ours"), "- 2026-11-24 call: ours")
    theirs = base.replace("coffee: base", "coffee: fixed by theirs")
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 1
    assert (
        "## Log\n<<<<<<< ours\n- 2026-11-24 call: ours\n- 2026-11-20 coffee: fixed by ours\n=======\n"
        "- 2026-11-20 coffee: fixed by theirs\n>>>>>>> theirs\n- 2026-11-02 call: base\n"
    ) in result.text


def test_driver_a_ticked_task_and_a_new_task_merge() -> None:
    base = NEWEST_FIRST
    ours = base.replace("- [ ] base task", "- [x] base task ✅ 2026-11-24")
    theirs = add_lines(base, "- [ ] theirs task", section="- [ ] base task\n")
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 0
    assert result.text.endswith("## Tasks\n- [x] base task ✅ 2026-11-24\n- [ ] theirs task\n")


def test_driver_add_add_and_no_final_newline() -> None:
    ours = "---\nname: Zoe\n---\n## Log\n- 2026-11-24 call: ours"
    theirs = "---\nname: Zoe\n---\n## Log\n- 2026-11-23 call: theirs"
    result = both_ways("", ours, theirs)
    assert result.conflicts == 0
    assert result.text == "---\nname: Zoe\n---\n## Log\n- 2026-11-24 call: ours\n- 2026-11-23 call: theirs"
    # a log section that only one side has is taken as it is
    plain = "---\nname: Zoe\n---\nNotes.\n"
    assert both_ways(plain, plain + "\n## Log\n- 2026-11-24 call: x\n", plain).text.endswith("call: x\n")


def test_driver_continuation_lines_travel_with_their_item() -> None:
    base = NEWEST_FIRST
    ours = add_lines(base, "- 2026-11-22 call: ours", "  - a detail of ours")
    theirs = add_lines(base, "- 2026-11-23 call: theirs")
    result = both_ways(base, ours, theirs)
    assert "## Log\n- 2026-11-23 call: theirs\n- 2026-11-22 call: ours\n  - a detail of ours\n- 2026-11-20" in (
        result.text
    )


def test_driver_command_writes_ours_and_exits_non_zero_on_conflict(tmp_path: Path) -> None:
    base, ours, theirs = tmp_path / "O", tmp_path / "A", tmp_path / "B"
    base.write_text(NEWEST_FIRST)
    ours.write_text(add_lines(NEWEST_FIRST, "- 2026-11-24 call: ours"))
    theirs.write_text(add_lines(NEWEST_FIRST, "- 2026-11-23 call: theirs"))
    result = CliRunner().invoke(cli, ["merge-driver", str(base), str(ours), str(theirs), "7", "people/K.md"])
    assert result.exit_code == 0, result.output
    assert "- 2026-11-24 call: ours\n- 2026-11-23 call: theirs\n" in ours.read_text()
    ours.write_text(NEWEST_FIRST.replace("tier: B", "tier: A"))
    theirs.write_text(NEWEST_FIRST.replace("tier: B", "tier: C"))
    result = CliRunner().invoke(cli, ["merge-driver", str(base), str(ours), str(theirs), "9", "people/K.md"])
    assert result.exit_code == 1 and "people/K.md" in result.stderr
    assert "<<<<<<<<< ours\ntier: A\n=========\ntier: C\n>>>>>>>>> theirs\n" in ours.read_text()
    assert "merge-driver" not in CliRunner().invoke(cli, ["--help"]).stdout  # hidden


def test_driver_leaves_binary_or_non_utf8_files_to_a_plain_merge() -> None:
    base = "Müller\n".encode("latin-1")
    merged, conflicts = sync_mod.merge_bytes(base, base + b"ours\n", base)
    assert conflicts == 0 and merged == base + b"ours\n"


day = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 1, 20))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(day, max_size=4),
    st.lists(day, max_size=4),
    st.lists(day, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_driver_property_every_line_once_in_date_order(
    base_days: list[dt.date], our_days: list[dt.date], their_days: list[dt.date], oldest_first: bool, crlf: bool
) -> None:
    """Lines added the way `vaultcrm log` adds them, on both sides: a clean, symmetric union."""
    nl = "\r\n" if crlf else "\n"
    ordered = sorted(base_days, reverse=not oldest_first)
    if oldest_first and len(set(base_days)) < 2:
        ordered = [dt.date(2025, 12, 1), dt.date(2025, 12, 2)]  # a file that reads oldest first
    log = "".join(f"- {d} call: base {n}{nl}" for n, d in enumerate(ordered))
    base = f"---{nl}name: P{nl}---{nl}## Log{nl}{log}{nl}## Tasks{nl}- [ ] t{nl}"

    def logged(days: list[dt.date], who: str) -> tuple[str, list[str]]:
        text, lines = base, []
        for n, d in enumerate(days):
            line = f"- {d} call: {who} {n}"
            text = document.add_to_section(text, "Log", line, d.isoformat())
            lines.append(line)
        return text, lines

    ours, our_lines = logged(our_days, "ours")
    theirs, their_lines = logged(their_days, "theirs")
    result = both_ways(base, ours, theirs)
    assert result.conflicts == 0
    after = result.text.split(nl)
    after = after[after.index("## Log") + 1 :]
    section = after[: after.index("")]
    assert sorted(section) == sorted([f"- {d} call: base {n}" for n, d in enumerate(ordered)] + our_lines + their_lines)
    dates = [line[2:12] for line in section]
    assert dates == sorted(dates, reverse=not oldest_first)
    assert result.text.endswith(f"## Tasks{nl}- [ ] t{nl}") and (nl == "\n" or "\n" not in result.text.replace(nl, ""))


# ---------------------------------------------------------------------------
# weekly review notes: both machines ran `vaultcrm review` in the same week

WEEK = "reviews/2026-W48.md"
HEATMAP = "reviews/assets/2026-W48-activity.svg"
ED = "Call [[Ed Miller]] · 482 days overdue · every 90 days · last: call on 1 May"


def edit(path: Path, *pairs: tuple[str, str]) -> None:
    """Edit a note as a user would (in Obsidian), each replacement exactly once."""
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def test_two_machines_review_the_same_week_and_keep_every_tick_and_note(machines: tuple[Path, Path]) -> None:
    a, b = machines
    ok(a, "set", "Anna", "cadence", "7d")  # three people to reach out to
    ok(a, "set", "José", "cadence", "1d")
    ok(a, "sync")
    ok(b, "sync")
    # A logs a touch first: its generated block and heatmap differ from B's
    ok(a, "log", "Klaus", "coffee", "A: pricing talk")
    ok(a, "review")
    ok(b, "review")
    assert (a / WEEK).read_bytes() != (b / WEEK).read_bytes()
    assert (a / HEATMAP).read_bytes() != (b / HEATMAP).read_bytes()
    edit(
        a / WEEK,
        (f"- [ ] {ED}", f"- [x] {ED} ✅ 2026-11-25"),
        ("\n\n## Birthdays\n", "\n- A: my own line under Reach out\n\n## Birthdays\n"),
        ("## My notes\n", "## My notes\n- A: a good week\n"),
    )
    edit(
        b / WEEK,
        (f"- [ ] {ED}", f"- [x] {ED} ✅ 2026-11-24"),  # the same box, a day earlier
        ("- [ ] Message [[Anna Schmidt]]", "- [x] Message [[Anna Schmidt]]"),
        ("## My notes\n", "## My notes\n- B: a busy week\n"),
    )
    ok(a, "sync")
    second = ok(b, "sync")  # an add/add of the note and of the heatmap: merged, no conflict
    assert "Pushed to origin/main." in second.stdout and "Set up" not in second.stdout
    ok(a, "sync")

    def check() -> str:
        assert tree(a) == tree(b)
        assert git(a, "rev-parse", "HEAD") == git(b, "rev-parse", "HEAD")
        assert git(b, "status", "--porcelain", "--untracked-files=no") == ""
        text = (a / WEEK).read_text(encoding="utf-8")
        assert "<<<<<<<" not in text and text.count("<!-- vaultcrm:end ") == 1
        assert ok(a, "review", "--print").stdout == ok(b, "review", "--print").stdout
        return text

    text = check()
    assert f"- [x] {ED} ✅ 2026-11-24\n" in text and "✅ 2026-11-25" not in text  # the earlier date
    assert "- [x] Message [[Anna Schmidt]]" in text and "- [ ] Call [[José Müller]]" in text
    assert "- A: my own line under Reach out\n\n## Birthdays" in text
    assert text.endswith("## My notes\n- A: a good week\n- B: a busy week\n")
    # the merged note is a review note like any other: running review again keeps it all
    ok(b, "review")
    assert (b / WEEK).read_text(encoding="utf-8").count("- [x] ") == 2

    # a second round: both tick and write again, both regenerate
    ok(a, "log", "Anna", "lunch", "A: lunch")
    ok(a, "review")
    edit(
        a / WEEK,
        ("- [ ] Call [[José Müller]]", "- [x] Call [[José Müller]]"),
        ("- B: a busy week\n", "- B: a busy week\n- A: round two\n"),
    )
    edit(b / WEEK, ("- A: a good week\n", "- A: a good week\n- B: round two\n"))
    ok(b, "sync")
    ok(a, "sync")
    ok(b, "sync")
    text = check()
    assert "- [x] Call [[José Müller]]" in text and "- [x] Message [[Anna Schmidt]]" in text
    assert "\n## My notes\n- A: a good week\n- B: round two\n- B: a busy week\n- A: round two\n" in text
    assert "- A: my own line under Reach out\n" in text


def test_a_same_line_conflict_in_my_notes_still_stops(machines: tuple[Path, Path]) -> None:
    a, b = machines
    ok(b, "sync")
    ok(a, "review")
    edit(a / WEEK, ("## My notes\n", "## My notes\n- a note\n"))
    ok(a, "sync")
    ok(b, "sync")
    edit(a / WEEK, ("- a note\n", "- a note, said A\n"))
    edit(b / WEEK, ("- a note\n", "- a note, said B\n"))
    ok(a, "sync")
    result = vc(b, "sync")
    assert result.exit_code == 1 and f"  {WEEK}\n" in result.stderr
    assert "rebase in progress" in git(b, "status")
    text = (b / WEEK).read_text(encoding="utf-8")
    assert "<<<<<<< ours\n- a note, said A\n=======\n- a note, said B\n>>>>>>> theirs\n" in text
    assert "<<<<<<<" not in text.split("## My notes")[0]  # the rest merged
    # resolved the ordinary way, the next sync pushes and both machines agree
    (b / WEEK).write_text(text.split("<<<<<<< ")[0] + "- a note, said both\n", encoding="utf-8")
    git(b, "add", WEEK)
    git(b, "-c", "core.editor=true", "rebase", "--continue")
    ok(b, "sync")
    ok(a, "sync")
    assert tree(a) == tree(b) and "- a note, said both\n" in (a / WEEK).read_text(encoding="utf-8")


def review_note(block: list[str], user: tuple[str, ...] = (), notes: tuple[str, ...] = ()) -> str:
    """A review note as `vaultcrm review` writes it: ``block`` generated, ``user`` lines added after."""
    from vaultcrm import review

    hashes = " ".join(dict.fromkeys(review.line_hash(x) for x in block if x.strip()))
    return "\n".join(
        [
            "---",
            "week: 2026-W48",
            "---",
            "# Weekly review",
            "",
            review.BEGIN,
            *block,
            *user,
            f"{review.END_PREFIX}{hashes}{review.END_SUFFIX}",
            "",
            "## My notes",
            *notes,
            "",
        ]
    )


BLOCK = ["## Reach out this week", "- [ ] Call [[Ed Miller]] · 3 days overdue", "- [ ] Call [[Anna]] · due now", ""]


def review_both_ways(base: str, ours: str, theirs: str) -> sync_mod.MergeResult:
    one = sync_mod.merge_review_texts(base, ours, theirs)
    other = sync_mod.merge_review_texts(base, theirs, ours)
    if not one.conflicts:
        assert one.text == other.text
    assert bool(one.conflicts) == bool(other.conflicts)
    return one


def test_review_driver_an_untick_and_a_regenerated_block() -> None:
    ticked = [BLOCK[0], BLOCK[1].replace("[ ]", "[x]") + " ✅ 2026-11-24", BLOCK[2], ""]
    base = review_note(ticked)
    unticked = review_note(BLOCK)  # the user took the tick back on one machine
    regenerated = review_note(["## Reach out this week", ticked[1], "- [ ] Call [[Bo]] · due now", ""])
    result = review_both_ways(base, unticked, regenerated)
    assert result.conflicts == 0
    assert "## Reach out this week\n- [ ] Call [[Ed Miller]] · 3 days overdue\n- [ ] Call [[Bo]]" in result.text
    # a tick on a line the other side's regeneration dropped is kept (it is a touch)
    dropped = review_note(["## Reach out this week", "- [ ] Call [[Bo]] · due now", ""])
    anna = review_note([BLOCK[0], BLOCK[1], "- [x] Call [[Anna]] · due now ✅ 2026-11-23", ""])
    result = review_both_ways(review_note(BLOCK), anna, dropped)
    assert result.conflicts == 0
    assert (
        "- [ ] Call [[Bo]] · due now\n- [x] Call [[Anna]] · due now ✅ 2026-11-23\n\n<!-- vaultcrm:end" in result.text
    )


def test_review_driver_add_add_keeps_user_lines_and_picks_one_block() -> None:
    ours = review_note(BLOCK[:3] + ["- [ ] Call [[Bo]] · due now", ""], user=("- mine",), notes=("ours",))
    theirs = review_note(BLOCK, user=("- yours",), notes=("theirs",))
    result = review_both_ways("", ours, theirs)
    assert result.conflicts == 0
    assert "- [ ] Call [[Bo]] · due now\n- mine\n- yours\n\n<!-- vaultcrm:end" in result.text
    assert result.text.endswith("## My notes\nours\ntheirs\n")
    from vaultcrm import review

    # the end marker lists the generated lines only: running review keeps both user lines
    regenerated = review.merge(result.text, review_note(BLOCK))
    assert "- mine\n- yours\n" in regenerated


def test_review_driver_leaves_what_it_cannot_read_to_a_plain_conflict() -> None:
    good = review_note(BLOCK, notes=("theirs",))
    no_markers = "# Weekly review\n\nMy own week.\n"
    result = review_both_ways("", no_markers, good)
    assert result.conflicts and "<<<<<<< ours" in result.text
    user_heading = review_note(BLOCK, user=("## A heading of mine", "- under it"))
    assert review_both_ways("", user_heading, good).conflicts
    # the heatmap: generated from the files, one side taken, the same whichever is ours
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" aria-label="Touches per day, last 26 weeks">{}</svg>\n'
    merged = review_both_ways("", svg.format(1), svg.format(2))
    assert merged.conflicts == 0 and merged.text == svg.format(2)
    assert review_both_ways(svg.format(1), svg.format(1), svg.format(0)).text == svg.format(0)


def test_review_driver_crlf_and_the_driver_command(tmp_path: Path) -> None:
    base = review_note(BLOCK).replace("\n", "\r\n")
    ours = review_note(BLOCK, notes=("ours",)).replace("\n", "\r\n")
    theirs = review_note(BLOCK, user=("- theirs",)).replace("\n", "\r\n")
    result = review_both_ways(base, ours, theirs)
    assert result.conflicts == 0 and "\n" not in result.text.replace("\r\n", "")
    assert "- theirs\r\n" in result.text and result.text.endswith("## My notes\r\nours\r\n")
    paths = [tmp_path / n for n in ("O", "A", "B")]
    for path, text in zip(paths, (base, ours, theirs), strict=True):
        path.write_bytes(text.encode("utf-8"))
    args = ["merge-driver", "--review", *map(str, paths), "7", WEEK]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert paths[1].read_bytes() == result.text.encode("utf-8")


PEOPLE = ("Ada", "Bo", "Cy", "Di")


@st.composite
def review_side(draw: st.DrawFn, who: str) -> tuple[str, dict[str, str], list[str], list[str]]:
    """One machine's note: its own generation (a subset of people, maybe a day later), its
    ticks (person → ✅ date), its lines inside the block and in My notes."""
    people = draw(st.lists(st.sampled_from(PEOPLE), unique=True, min_size=1))
    days = draw(st.sampled_from(("3 days overdue", "4 days overdue")))
    ticks = draw(st.dictionaries(st.sampled_from(people), st.sampled_from(("2026-11-23", "2026-11-24", ""))))
    block = ["## Reach out this week"]
    for name in sorted(people):
        line = f"- [ ] Call [[{name}]] · {days}"
        if name in ticks:
            line = line.replace("[ ]", "[x]") + (f" ✅ {ticks[name]}" if ticks[name] else "")
        block.append(line)
    user = [f"- {who} {n}" for n in range(draw(st.integers(0, 2)))]
    notes = [f"{who} note {n}" for n in range(draw(st.integers(0, 2)))]
    return review_note([*block, ""], user=tuple(user), notes=tuple(notes)), ticks, user, notes


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(review_side("ours"), review_side("theirs"), st.booleans())
def test_review_driver_property_every_tick_and_line_kept(
    ours: tuple[str, dict[str, str], list[str], list[str]],
    theirs: tuple[str, dict[str, str], list[str], list[str]],
    add_add: bool,
) -> None:
    base = (
        ""
        if add_add
        else review_note(["## Reach out this week", *(f"- [ ] Call [[{p}]] · 2 days" for p in PEOPLE), ""])
    )
    result = review_both_ways(base, ours[0], theirs[0])
    assert result.conflicts == 0
    lines = result.text.split("\n")
    for name in set(ours[1]) | set(theirs[1]):
        dates = [d for d in (ours[1].get(name), theirs[1].get(name)) if d is not None]
        found = [x for x in lines if f"[[{name}]]" in x]
        assert len(found) == 1 and found[0].startswith("- [x] ")
        assert found[0].endswith(f"✅ {min(dates)}" if min(dates) else "overdue")
    for line in ours[2] + theirs[2] + ours[3] + theirs[3]:
        assert lines.count(line) == 1
    assert result.text.count("<!-- vaultcrm:end ") == 1


def test_review_driver_finds_a_tick_by_the_people_a_line_names() -> None:
    head = "## Suggested introductions"
    ours = [head, "- [ ] Intro [[Ada]] to [[Dee]]", "- [ ] Intro [[Ada]] to [[Cy]]", ""]  # the block taken
    theirs = [head, "- [x] Intro [[Ada]] to [[Cy]] ✅ 2026-11-24", "- [ ] Intro [[Ada]] to [[Dee]]", ""]
    result = review_both_ways("", review_note(ours), review_note(theirs))
    assert result.conflicts == 0
    assert f"{head}\n- [ ] Intro [[Ada]] to [[Dee]]\n- [x] Intro [[Ada]] to [[Cy]] ✅ 2026-11-24\n\n" in result.text
