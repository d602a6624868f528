"""Plugins: every hook through the CLI, trust of vault plugins, failures, VAULTCRM_LOAD_PLUGINS."""

from __future__ import annotations

import ast
import datetime as dt
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest

from vaultcrm import plugins
from vaultcrm.hooks import Badge, InteractionType, ReviewSection, hookimpl
from vaultcrm.importers.record import Record

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The per-machine trust list lives in tmp_path, never in the real config folder."""
    folder = tmp_path / "config"
    monkeypatch.setenv("VAULTCRM_CONFIG_DIR", str(folder))
    plugins.reset()
    yield folder
    plugins.reset()  # no manager of this test's plugins is left for the next test file


@pytest.fixture
def inline() -> Iterator[Any]:
    """Register in-process plugins for one test: ``inline(obj, "name")``."""
    names: list[str] = []

    def add(obj: object, name: str) -> None:
        plugins.register(obj, name)
        names.append(name)

    yield add
    for name in names:
        plugins.unregister(name)


def ns(**hooks: Any) -> SimpleNamespace:
    """A plugin object from hook functions (marked as implementations)."""
    return SimpleNamespace(**{name: hookimpl(fn) for name, fn in hooks.items()})


def write_vault_plugin(vault: Path, name: str, code: str) -> Path:
    path = vault / ".vaultcrm" / "plugins" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Each hook, through the CLI


def test_commands_hook_adds_a_command_shown_in_help(run: Any, inline: Any) -> None:
    def vaultcrm_commands(cli: click.Group) -> None:
        @cli.command()
        @click.argument("name")
        def wave(name: str) -> None:
            """Wave at someone."""
            click.echo(f"👋 {name}")

    inline(ns(vaultcrm_commands=vaultcrm_commands), "waver")
    assert "wave" in run("--help").stdout
    result = run("wave", "Klaus")
    assert result.exit_code == 0, result.output
    assert result.stdout == "👋 Klaus\n"


def test_plugin_command_clashing_with_a_built_in_is_skipped_and_reported(run: Any, inline: Any) -> None:
    def vaultcrm_commands(cli: click.Group) -> None:
        @cli.command()
        def due() -> None:
            click.echo("hijacked")

    inline(ns(vaultcrm_commands=vaultcrm_commands), "hijack")
    result = run("due")
    assert result.exit_code == 0
    assert "hijacked" not in result.stdout
    assert "plugin 'hijack': command 'due' is already provided by 'vaultcrm'; 'vaultcrm' keeps it" in result.stderr


def test_plugin_commands_are_gone_once_the_plugin_is(run: Any) -> None:
    def vaultcrm_commands(cli: click.Group) -> None:
        @cli.command()
        def ephemeral() -> None:
            click.echo("here")

    plugins.register(ns(vaultcrm_commands=vaultcrm_commands), "ephemeral")
    try:
        assert run("ephemeral").stdout == "here\n"
    finally:
        plugins.unregister("ephemeral")
    assert run("ephemeral").exit_code == 2  # no such command


class FakeSource:
    name = "fakebook"

    def sniff(self, filename: str, head: bytes) -> bool:
        return head.startswith(b"FAKEBOOK")

    def read(self, filename: str, data: bytes) -> Iterator[Record]:
        for i, line in enumerate(data.decode().splitlines()[1:], start=2):
            yield Record(source=self.name, locator=f"fakebook/{filename}#line={i}", name=line.strip())


def test_importers_hook_adds_a_source_found_by_name_and_by_sniffing(run: Any, inline: Any, tmp_path: Path) -> None:
    from vaultcrm import importers

    inline(ns(vaultcrm_importers=lambda: [FakeSource()]), "fakebook")
    table = importers.sources()
    assert list(table)[-1] == "fakebook"  # after the built-ins
    assert "linkedin" in table  # the built-ins come through the same hook
    assert importers.detect("x.txt", b"FAKEBOOK\nAda Lovelace\n") is table["fakebook"]
    pytest.importorskip("vaultcrm.cli.imports")
    export = tmp_path / "friends.txt"
    export.write_text("FAKEBOOK\nAda Lovelace\n", encoding="utf-8")
    result = run("import", str(export), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Ada Lovelace" in result.output


def test_importer_name_clash_keeps_the_built_in(inline: Any) -> None:
    from vaultcrm import importers

    class Impostor(FakeSource):
        name = "linkedin"

    messages: list[str] = []
    inline(ns(vaultcrm_importers=lambda: [Impostor()]), "impostor")
    table = plugins.load(None, warn=messages.append).importers()
    assert not isinstance(table["linkedin"], Impostor)
    assert importers.sources()["linkedin"] is table["linkedin"]
    assert messages == ["plugin 'impostor': importer 'linkedin' is already provided by 'vaultcrm'; 'vaultcrm' keeps it"]


def test_interaction_types_hook_adds_a_type_word_to_log(run: Any, inline: Any) -> None:
    assert run("log", "Klaus", "toot", "boosted his post").exit_code == 2  # unknown without the plugin
    inline(
        ns(vaultcrm_interaction_types=lambda: [InteractionType("toot", weight=0.1, aliases=("boost",), touch=False)]),
        "fediverse",
    )
    result = run("log", "Klaus", "boost", "boosted his post")
    assert result.exit_code == 0, result.output
    assert "boost: boosted his post" in (run.root / "people" / "Klaus Breyer.md").read_text(encoding="utf-8")


def test_interaction_type_clashes_keep_built_in_words(inline: Any) -> None:
    messages: list[str] = []
    inline(
        ns(vaultcrm_interaction_types=lambda: [InteractionType("coffee"), InteractionType("toot", aliases=("call",))]),
        "clashy",
    )
    rows = plugins.load(None, warn=messages.append).interaction_types()
    assert [(r.kind, r.aliases) for r in rows] == [("toot", ())]
    assert messages == [
        "plugin 'clashy': interaction type 'coffee' is already provided by 'vaultcrm'; 'vaultcrm' keeps it",
        "plugin 'clashy': interaction type alias 'call' is already provided by 'vaultcrm'; 'vaultcrm' keeps it",
    ]


def _touch_dates(history: Any) -> list[dt.date]:
    return [it.date for it in history.touches()]


def test_badges_hook_adds_a_badge_with_tiers_from_the_history(run: Any, inline: Any) -> None:
    inline(
        ns(
            vaultcrm_badges=lambda: [
                Badge("chatterbox", "Chatterbox", (("bronze", 1), ("gold", 1000)), _touch_dates, "touches")
            ]
        ),
        "chatter",
    )
    every = run.json("badges", "--all")
    mine = next(b for b in every if b["id"] == "chatterbox")
    assert mine["tier"] == "bronze" and mine["next_tier"] == "gold" and mine["target"] == 1000
    assert mine["earned_on"] is not None and mine["progress"] >= 1
    assert len(every) == 25  # the 24 built-in badges, then the plugin's


def test_a_plugin_badge_earned_by_a_log_is_announced(run: Any, inline: Any) -> None:
    def meets(history: Any) -> list[dt.date]:
        return [it.date for it in history.interactions if it.type == "picnic"]

    inline(ns(vaultcrm_interaction_types=lambda: [InteractionType("picnic", weight=1.0)]), "picnics")
    inline(ns(vaultcrm_badges=lambda: [Badge("picnicker", "Picnicker", (("bronze", 1),), meets)]), "picnic-badge")
    result = run("log", "Klaus", "picnic", "in the park")
    assert result.exit_code == 0, result.output
    assert "Picnicker" in result.output


def test_review_sections_hook_renders_after_the_built_in_sections(run: Any, inline: Any) -> None:
    def context(v: Any, monday: dt.date) -> dict[str, Any]:
        return {"people": len(v.people())}

    inline(
        ns(
            vaultcrm_review_sections=lambda: [
                ReviewSection("Head count", "{{ people }} people in week {{ week }} (from {{ monday }})", context)
            ]
        ),
        "counter",
    )
    result = run("review", "--print")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "## Head count\n6 people in week 2026-W48 (from 2026-11-23)\n<!-- vaultcrm:end" in text
    assert text.index("## Activity") < text.index("## Head count") < text.index("## My notes")
    run("review")
    written = (run.root / "reviews" / "2026-W48.md").read_text(encoding="utf-8")
    assert "## Head count\n6 people" in written


def test_review_without_plugins_is_unchanged(run: Any) -> None:
    text = run("review", "--print").stdout
    assert "![Touches per day over the last 26 weeks](assets/2026-W48-activity.svg)\n<!-- vaultcrm:end" in text


def test_after_log_hook_sees_the_person_and_the_entry(run: Any, inline: Any) -> None:
    seen: list[tuple[str, str, str, dict[str, str]]] = []

    def vaultcrm_after_log(vault: Any, person: Any, entry: Any) -> None:
        seen.append((person.name, entry.type, entry.text, dict(entry.fields)))
        click.echo(f"noted {person.name}", err=True)

    inline(ns(vaultcrm_after_log=vaultcrm_after_log), "watcher")
    data = run.json("log", "Klaus", "call", "about the offsite", "--in")
    assert data["line"].endswith("call: about the offsite [dir:: in]")  # stdout stays JSON
    assert seen == [("Klaus Breyer", "call", "about the offsite [dir:: in]", {"dir": "in"})]


# ---------------------------------------------------------------------------
# Failures are reported by name; the command goes on


def test_a_failing_hook_is_named_and_the_command_works(run: Any, inline: Any) -> None:
    def broken(history: Any) -> list[dt.date]:
        raise ZeroDivisionError("oops")

    def after(vault: Any, person: Any, entry: Any) -> None:
        raise RuntimeError("after-log broke")

    inline(ns(vaultcrm_badges=lambda: [Badge("broken", "Broken", (("bronze", 1),), broken)]), "kaputt")
    inline(ns(vaultcrm_after_log=after), "kaputt-log")
    result = run("badges", "--all")
    assert result.exit_code == 0
    assert "First Hello" in result.stdout
    assert "plugin 'kaputt' failed in badge 'broken': ZeroDivisionError: oops" in result.stderr
    result = run("log", "Klaus", "call")
    assert result.exit_code == 0
    assert "Logged in people/Klaus Breyer.md" in result.stdout
    assert "plugin 'kaputt-log' failed in vaultcrm_after_log: RuntimeError: after-log broke" in result.stderr


def test_a_vault_plugin_that_fails_on_import_is_named(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULTCRM_LOAD_PLUGINS")
    write_vault_plugin(run.root, "bad.py", "import no_such_module_here\n")
    assert run("plugins", "trust", "bad.py").exit_code == 0
    result = run("due")
    assert result.exit_code == 0
    assert "Klaus Breyer" in result.stdout
    assert (
        "plugin 'bad' (.vaultcrm/plugins/bad.py) failed to load: ModuleNotFoundError: "
        "No module named 'no_such_module_here'" in result.stderr
    )
    listed = {p["name"]: p for p in run.json("plugins")}
    assert listed["bad"]["loaded"] is False and "ModuleNotFoundError" in listed["bad"]["errors"][0]


# ---------------------------------------------------------------------------
# Vault plugins run only when trusted, by hash

MARKER_PLUGIN = """
    from pathlib import Path
    Path(__file__).with_name("ran.txt").write_text("it ran")
"""


def test_untrusted_vault_plugin_never_runs_until_trusted_and_stops_when_changed(
    run: Any, monkeypatch: pytest.MonkeyPatch, _config: Path
) -> None:
    monkeypatch.delenv("VAULTCRM_LOAD_PLUGINS")
    path = write_vault_plugin(run.root, "marker.py", MARKER_PLUGIN)
    marker = path.with_name("ran.txt")

    result = run("due")
    assert result.exit_code == 0
    assert not marker.exists()
    assert "1 vault plugin not trusted: .vaultcrm/plugins/marker.py" in result.stderr
    assert "vaultcrm plugins trust .vaultcrm/plugins/marker.py" in result.stderr
    again = run("due")
    assert "not trusted" not in again.stderr  # mentioned once per machine
    assert not marker.exists()
    listed = run.json("plugins")
    assert {"name": "marker", "origin": "vault", "loaded": False, "trusted": False}.items() <= listed[-1].items()

    result = run("plugins", "trust", ".vaultcrm/plugins/marker.py")
    assert result.exit_code == 0
    assert result.stdout.startswith("Trusted .vaultcrm/plugins/marker.py (sha256 ")
    trust = json.loads((_config / "trusted-plugins.json").read_text(encoding="utf-8"))
    assert len(trust["trusted"]) == 1
    marker.unlink(missing_ok=True)
    assert run("due").exit_code == 0
    assert marker.read_text() == "it ran"

    marker.unlink()
    path.write_text(path.read_text() + "# an innocent-looking change\n", encoding="utf-8")
    result = run("due")
    assert not marker.exists()
    assert "1 vault plugin not trusted: .vaultcrm/plugins/marker.py" in result.stderr


def test_untrust_stops_a_vault_plugin(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULTCRM_LOAD_PLUGINS")
    path = write_vault_plugin(run.root, "marker.py", MARKER_PLUGIN)
    run("plugins", "trust", str(path))
    assert not path.with_name("ran.txt").exists()  # plugins load before `trust` runs: from the next command on
    run("due")
    result = run("plugins", "untrust", "marker.py")
    assert result.stdout == "Untrusted .vaultcrm/plugins/marker.py: it no longer runs.\n"
    path.with_name("ran.txt").unlink()
    run("due")
    assert not path.with_name("ran.txt").exists()


def test_trust_refuses_files_outside_the_plugin_folder(run: Any) -> None:
    result = run("plugins", "trust", "people/Klaus Breyer.md")
    assert result.exit_code == 1
    assert "Error: 'people/Klaus Breyer.md' is not a vault plugin" in result.stderr
    assert run("plugins", "trust", "nope.py").exit_code == 1


def test_a_trusted_vault_plugin_adds_hooks_and_is_listed(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULTCRM_LOAD_PLUGINS")
    write_vault_plugin(
        run.root,
        "standup.py",
        """
        import click
        from vaultcrm.hooks import hookimpl

        @hookimpl
        def vaultcrm_commands(cli):
            @cli.command()
            def standup():
                \"\"\"Print a standup line.\"\"\"
                click.echo("standup!")
        """,
    )
    run("plugins", "trust", "standup.py")
    assert "standup" in run("--help").stdout
    assert run("standup").stdout == "standup!\n"
    listed = {p["name"]: p for p in run.json("plugins")}
    assert listed["standup"]["origin"] == "vault"
    assert listed["standup"]["path"] == ".vaultcrm/plugins/standup.py"
    assert listed["standup"]["hooks"] == ["vaultcrm_commands"]
    assert listed["vaultcrm"]["origin"] == "built-in" and listed["vaultcrm"]["hooks"] == ["vaultcrm_importers"]
    text = run("plugins").stdout
    assert "standup  ·  .vaultcrm/plugins/standup.py\n    hooks: vaultcrm_commands" in text


# ---------------------------------------------------------------------------
# VAULTCRM_LOAD_PLUGINS and installed packages


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An "installed" package with a vaultcrm entry point: a dist-info folder on sys.path."""
    site = tmp_path / "site"
    (site / "vaultcrm_hello-1.2.3.dist-info").mkdir(parents=True)
    (site / "vaultcrm_hello-1.2.3.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: vaultcrm-hello\nVersion: 1.2.3\n", encoding="utf-8"
    )
    (site / "vaultcrm_hello-1.2.3.dist-info" / "entry_points.txt").write_text(
        "[vaultcrm]\nhello = vaultcrm_hello_plugin\n", encoding="utf-8"
    )
    (site / "vaultcrm_hello_plugin.py").write_text(
        textwrap.dedent(
            """
            import click
            from vaultcrm.hooks import hookimpl

            @hookimpl
            def vaultcrm_commands(cli):
                @cli.command()
                def hello():
                    click.echo("hello from a package")
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("vaultcrm_hello_plugin", None)


def test_load_plugins_env_restricts_packages_and_vault_plugins(
    run: Any, monkeypatch: pytest.MonkeyPatch, fake_dist: Path
) -> None:
    monkeypatch.delenv("VAULTCRM_LOAD_PLUGINS")
    path = write_vault_plugin(run.root, "marker.py", MARKER_PLUGIN)
    marker = path.with_name("ran.txt")
    run("plugins", "trust", "marker.py")
    marker.unlink(missing_ok=True)

    # unset: everything
    assert run("hello").stdout == "hello from a package\n"
    assert marker.exists()
    listed = {p["name"]: p for p in run.json("plugins")}
    assert listed["hello"]["origin"] == "package"
    assert (listed["hello"]["package"], listed["hello"]["version"]) == ("vaultcrm-hello", "1.2.3")

    # empty: none (the built-ins still load)
    marker.unlink()
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "")
    assert run("hello").exit_code == 2
    assert not marker.exists()
    assert [p["name"] for p in run.json("plugins")] == ["vaultcrm"]

    # a list: only those (entry-point name or distribution name, vault file stem)
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "marker")
    assert run("hello").exit_code == 2
    assert marker.exists()
    marker.unlink()
    monkeypatch.setenv("VAULTCRM_LOAD_PLUGINS", "vaultcrm-hello, other")
    assert run("hello").stdout == "hello from a package\n"
    assert not marker.exists()


def test_clashes_between_plugins_are_resolved_alphabetically(inline: Any) -> None:
    def badge(tag: str) -> Any:
        return lambda: [Badge("same", f"Same {tag}", (("bronze", 1),), lambda h: [])]

    messages: list[str] = []
    inline(ns(vaultcrm_badges=badge("from zed")), "zed")
    inline(ns(vaultcrm_badges=badge("from alpha")), "alpha")
    found = plugins.load(None, warn=messages.append).badges()
    assert [(name, b.name) for name, b in found] == [("alpha", "Same from alpha")]
    assert messages == ["plugin 'zed': badge 'same' is already provided by 'alpha'; 'alpha' keeps it"]


def test_plugins_change_the_cache_key(run: Any, inline: Any) -> None:
    from vaultcrm.core import Vault

    before = Vault(run.root).settings_digest
    inline(ns(vaultcrm_badges=lambda: []), "anything")
    plugins.load(None)
    assert Vault(run.root).settings_digest != before


# ---------------------------------------------------------------------------
# Docs


def test_every_hookspec_is_documented_in_docs_plugins() -> None:
    tree = ast.parse((ROOT / "vaultcrm" / "hooks.py").read_text(encoding="utf-8"))
    specs = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(d, ast.Name) and d.id == "hookspec" for d in node.decorator_list)
    ]
    assert len(specs) == 6
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name in specs:
        assert f"## {name}(" in doc, f"docs/plugins.md has no section for {name}"


def test_entry_points_are_read_like_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import entry_points

    site = tmp_path / "eps"
    info = site / "some_pkg-2.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Some.Pkg\nVersion: 2.0\n\nbody\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[console_scripts]\nx = a:b\n\n[vaultcrm]\nobj = some_pkg_mod:Plugin.instance [extra]\n", encoding="utf-8"
    )
    (site / "some_pkg_mod.py").write_text("class Plugin:\n    instance = 'the object'\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    mine = [ep for ep in plugins.entry_points_of("vaultcrm") if ep.name == "obj"]
    theirs = [ep for ep in entry_points(group="vaultcrm") if ep.name == "obj"]
    assert [(ep.name, ep.value) for ep in mine] == [("obj", "some_pkg_mod:Plugin.instance")]
    assert theirs[0].value.startswith("some_pkg_mod:Plugin.instance")
    assert (mine[0].package, mine[0].version) == ("Some.Pkg", "2.0")
    assert mine[0].load() == "the object"
    sys.modules.pop("some_pkg_mod", None)


def test_trust_list_that_cannot_be_written_is_a_clear_error(
    run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("VAULTCRM_CONFIG_DIR", str(blocker / "vaultcrm"))
    write_vault_plugin(run.root, "marker.py", MARKER_PLUGIN)
    result = run("plugins", "trust", "marker.py")
    assert result.exit_code == 1
    assert "cannot write the list of trusted plugins" in result.stderr
    assert "hint: set VAULTCRM_CONFIG_DIR to a folder you can write" in result.stderr


def test_vault_settings_plugins_list_restricts_vault_plugins(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULTCRM_LOAD_PLUGINS")
    marker = write_vault_plugin(run.root, "marker.py", MARKER_PLUGIN).with_name("ran.txt")
    run("plugins", "trust", "marker.py")
    settings = run.root / "vaultcrm.yaml"
    original = settings.read_text(encoding="utf-8")
    settings.write_text(original + "\nplugins: [standup]\n", encoding="utf-8")
    run("due")
    assert not marker.exists()  # trusted, but not one the vault enables
    settings.write_text(original + "\nplugins: [marker]\n", encoding="utf-8")
    run("due")
    assert marker.exists()
    marker.unlink()
    settings.write_text(original + "\nplugins: []\n", encoding="utf-8")  # empty: every trusted one
    run("due")
    assert marker.exists()
