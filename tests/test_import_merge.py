"""The import engine on records: normalising, matching, merging, writing, re-importing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultcrm.core import Vault
from vaultcrm.importers import match, merge
from vaultcrm.importers import normalize as norm
from vaultcrm.importers.record import Interaction, Record, Skipped

TODAY = dt.date(2026, 11, 24)


def open_vault(root: Path) -> Vault:
    v = Vault(root, TODAY)
    v.refresh()
    return v


def hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultcrm" not in p.parts
    }


def run_import(root: Path, records: list[Record | Skipped]) -> merge.Plan:
    v = open_vault(root)
    plan = merge.build_plan(v, records)
    merge.apply(v, plan)
    v.close()
    return plan


def rec(locator: str, **kw: object) -> Record:
    return Record(source=locator.split("/", 1)[0], locator=locator, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# normalisation


def test_emails_are_compared_in_one_form() -> None:
    assert norm.email(" Mailto:Anna.Schmidt@GoogleMail.com ") == "anna.schmidt@gmail.com"
    assert norm.email("ANNA@example.COM") == "anna@example.com"
    assert norm.email("not an address") is None


def test_phones_become_e164_with_the_default_region() -> None:
    assert norm.phone("030 123457", "DE") == "+4930123457"
    assert norm.phone("+49 (30) 123-457") == "+4930123457"
    assert norm.phone("0049 30 123457") == "+4930123457"
    assert norm.phone("030 123457") is None  # no region: no key, never a false match
    assert norm.phone("(415) 555-0100", "US") == "+14155550100"


def test_names_fold_accents_case_and_order() -> None:
    assert norm.display_name("Müller, José") == "José Müller"
    assert norm.name_key("JOSÉ MÜLLER") == norm.name_key("Jose Muller") == "jose muller"
    assert norm.name_key("Dr. Anna Schmidt") == "anna schmidt"
    assert norm.display_name("Zoë  Ångström") == "Zoë Ångström"  # what is written keeps its accents


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bob", "Robert"),
        ("Bill", "William"),
        ("Liam", "William"),
        ("Kate", "Katherine"),
        ("Hans", "Johannes"),
        ("Pepe", "José"),
    ],
)
def test_nicknames_are_the_same_given_name(a: str, b: str) -> None:
    assert norm.same_given(a, b)


def test_different_given_names_are_not_nicknames() -> None:
    assert not norm.same_given("Anna", "Robert")


def test_profile_urls_and_handles() -> None:
    assert norm.profile_url("https://www.linkedin.com/in/Anna-Schmidt-42/") == ("linkedin", "anna-schmidt-42")
    assert norm.profile_url("https://x.com/KlausB") == ("twitter", "klausb")
    assert norm.profile_url("https://twitter.com/klausb?lang=de") == ("twitter", "klausb")
    assert norm.profile_url("https://mastodon.social/@kb") == ("mastodon", "@kb@mastodon.social")
    assert norm.profile_url("https://github.com/kbreyer") == ("github", "kbreyer")
    assert norm.handle("twitter", "@KlausB") == "klausb"
    assert norm.handle("mastodon", "@KB@Mastodon.Social") == "@kb@mastodon.social"
    assert norm.handle_keys({"x": "@kb"}, ["https://facebook.com/klaus.b"]) == {"twitter": "kb", "facebook": "klaus.b"}


# ---------------------------------------------------------------------------
# matching


def ents(*records: Record) -> list[match.Entity]:
    return [match.record_entity(r, f"rec:{i}", "DE") for i, r in enumerate(records)]


def test_strong_keys_join_records_across_sources() -> None:
    a = rec("linkedin/Connections.csv#row=1", name="Robert Miller", emails=["Bob.Miller@Example.com"])
    b = rec("google/contacts.csv#row=4", name="Bob Miller", emails=["bob.miller@example.com"], phones=["030 123457"])
    c = rec("vcard/a.vcf#card=2", name="R. Miller", phones=["+49 30 123457"])
    groups, _ = match.cluster(ents(a, b, c))
    assert groups == [[0, 1, 2]]


def test_namesakes_with_conflicting_keys_stay_apart() -> None:
    a = rec("google/c.csv#row=1", name="Anna Schmidt", emails=["anna@acme.example"], company="Acme")
    b = rec("google/c.csv#row=2", name="Anna Schmidt", emails=["anna.s@globex.example"], company="Globex")
    groups, _ = match.cluster(ents(a, b))
    assert groups == [[0], [1]]
    assert match.conflict(*ents(a, b)) == "different emails and companies"


def test_equal_names_without_conflict_join() -> None:
    a = rec("linkedin/Connections.csv#row=3", name="Müller, José", company="Acme")
    b = rec("google/c.csv#row=9", name="Jose Muller", emails=["jose@example.com"])
    groups, _ = match.cluster(ents(a, b))
    assert groups == [[0, 1]]


def test_a_name_only_record_between_two_namesakes_joins_neither() -> None:
    a = rec("google/c.csv#row=1", name="Anna Schmidt", emails=["a@acme.example"], company="Acme")
    b = rec("google/c.csv#row=2", name="Anna Schmidt", emails=["b@globex.example"], company="Globex")
    c = rec("facebook/f.json#friends_v2[0]", name="Anna Schmidt")
    groups, ambiguous = match.cluster(ents(a, b, c))
    assert len(groups) == 3
    assert ambiguous


def test_similar_names_are_suggestions_never_merges(tmp_path: Path, vault: Path) -> None:
    plan = run_import(vault, [rec("google/c.csv#row=1", name="Eddie Miller", emails=["eddie@example.com"])])
    assert [n.name for n in plan.new] == ["Eddie Miller"]
    assert any(s.a == "people/Ed Miller.md" and "nickname" in s.reason for s in plan.suggestions)
    assert (vault / "people/Eddie Miller.md").exists()


def test_dupes_blocks_and_scores() -> None:
    people = [
        match.meta_entity("people/Bob Miller.md", "Bob Miller", {"emails": ["bob@x.example"]}, None),
        match.meta_entity("people/Robert Miller.md", "Robert Miller", {}, None),
        match.meta_entity("people/R M.md", "Rob M", {"emails": ["BOB@x.example"]}, None),
        match.meta_entity("people/Zed.md", "Zed Quux", {}, None),
    ]
    found = match.find_dupes(people)
    pairs = {(s.a, s.b): s for s in found}
    assert pairs[("people/Bob Miller.md", "people/R M.md")].score == 100
    assert "nickname" in pairs[("people/Bob Miller.md", "people/Robert Miller.md")].reason
    assert not any("Zed" in s.a or "Zed" in s.b for s in found)


# ---------------------------------------------------------------------------
# merging into notes


def test_merge_keeps_every_value_and_changes_only_what_it_adds(vault: Path) -> None:
    before = (vault / "people/Klaus Breyer.md").read_text(encoding="utf-8")
    r = rec(
        "linkedin/Connections.csv#row=20",
        name="Klaus Breyer",
        emails=["KLAUS@example.com", "kb@work.example"],
        phones=["+49 30 1234567", "+49 171 5550100"],
        company="Initech",
        role="CTO",
        urls=["https://www.linkedin.com/in/klausbreyer", "https://github.com/kbreyer"],
        tags=["founder", "climbing"],
    )
    plan = run_import(vault, [r])
    assert [m.key for m in plan.merges] == ["email:klaus@example.com"]
    after = (vault / "people/Klaus Breyer.md").read_text(encoding="utf-8")
    v = open_vault(vault)
    klaus = v.resolve("Klaus Breyer")
    assert klaus.emails == ("klaus@example.com", "kb@work.example")
    assert klaus.phones == ("+49 30 1234567", "+49 171 5550100")
    assert klaus.company == "Acme GmbH"  # the existing value stays …
    assert klaus.meta["previous"] == ["company: Initech"]  # … the other one is kept
    assert klaus.handles == {
        "linkedin": "klausbreyer",
        "xing": "Klaus_Breyer",
        "twitter": "klausbreyer",
        "github": "kbreyer",
    }
    assert klaus.tags == ("founder", "berlin", "climbing")
    assert klaus.meta["sources"] == ["linkedin/Connections.csv#row=20"]
    # every line of the old file is still there, comments included, in order
    old_lines = before.splitlines()
    new_lines = after.splitlines()
    it = iter(new_lines)
    changed = {"emails:", "phones:", "handles:", "tags:"}
    for line in old_lines:
        if any(line.startswith(k) for k in changed):
            continue
        assert line in it, line
    assert "- 2026-11-24 note: import from linkedin added" in after


def test_untouched_values_stay_byte_identical(vault: Path) -> None:
    note = vault / "people/Petra Paulsen.md"
    note.write_text("---\nname: Petra Paulsen\nphone: 030123457\nemail: 'petra@example.com'  # private\n---\nHi.\n")
    run_import(vault, [rec("google/c.csv#row=1", name="Petra Paulsen", emails=["PETRA@example.com"], role="Editor")])
    text = note.read_text()
    assert "phone: 030123457\n" in text
    assert "email: 'petra@example.com'  # private\n" in text
    assert "emails:" not in text  # the same address in another case is not new
    assert "role: Editor" in text
    assert text.endswith("Hi.\n\n## Log\n- 2026-11-24 note: import from google added role [via:: import]\n")


def test_json_frontmatter_gets_new_keys_inside_its_object(vault: Path) -> None:
    note = vault / "people/Jay Son.md"
    original = '---\n{\n  "name": "Jay Son",\n  "emails": ["jay@example.com"],\n  "phone": "030123457"\n}\n---\nBody.\n'
    note.write_text(original)
    run_import(
        vault, [rec("vcard/a.vcf#card=1", name="Jay Son", emails=["jay@example.com", "j@work.example"], role="Dev")]
    )
    text = note.read_text()
    header = text.split("---\n")[1]
    data = json.loads(header)
    assert data["emails"] == ["jay@example.com", "j@work.example"]
    assert data["role"] == "Dev"
    assert data["sources"] == ["vcard/a.vcf#card=1"]
    assert '  "phone": "030123457"' in text
    assert text.startswith('---\n{\n  "name": "Jay Son",\n')
    assert "Body.\n" in text


def test_unparseable_frontmatter_is_never_rewritten(vault: Path) -> None:
    note = vault / "people/Broken Bert.md"
    raw = b"---\nname: Broken Bert\nemails: [bert@example.com\n---\nNotes about Bert.\n"
    note.write_bytes(raw)
    plan = run_import(vault, [rec("google/c.csv#row=1", name="Broken Bert", emails=["bert@example.com"])])
    assert note.read_bytes() == raw
    assert [n.path for n in plan.new] == ["people/Broken Bert 2.md"]
    assert "beside people/Broken Bert.md" in plan.new[0].why
    assert any("Broken Bert.md" in p for p in plan.problems)


def test_reimport_changes_no_byte(vault: Path) -> None:
    records: list[Record | Skipped] = [
        rec("linkedin/Connections.csv#row=1", name="Klaus Breyer", emails=["klaus@example.com"], company="Initech"),
        rec(
            "linkedin/messages.csv#row=2",
            name="Nina Novak",
            urls=["https://www.linkedin.com/in/nina-novak"],
            interactions=[Interaction(dt.date(2026, 3, 4), "message", "Hi there!", "10:15", "in", "linkedin")],
        ),
        rec(
            "vcard/a.vcf#card=1",
            name="Nina Novak",
            emails=["nina@example.com"],
            photo=b"\xff\xd8\xff",
            photo_type="jpeg",
        ),
        rec("vcard/a.vcf#card=2", company="Globex Corp", is_org=True),
        Skipped("google/c.csv#row=3", "no name, no email and no profile", 5),
    ]
    first = run_import(vault, records)
    assert [n.name for n in first.new] == ["Nina Novak"]
    nina = (vault / "people/Nina Novak.md").read_text()
    assert "- 2026-03-04 10:15 message: Hi there! [dir:: in] [via:: linkedin]" in nina
    assert "![[Nina Novak.jpg]]" in nina
    assert (vault / "people/attachments/Nina Novak.jpg").read_bytes() == b"\xff\xd8\xff"
    assert (
        (vault / "orgs/Globex Corp.md").read_text().startswith("---\nname: Globex Corp\nsources: [vcard/a.vcf#card=2]")
    )
    snapshot = hashes(vault)
    again = run_import(vault, records)
    assert again.new == [] and again.merges == [] and len(again.unchanged) == 2
    assert hashes(vault) == snapshot


def test_a_newer_export_adds_only_what_is_new(vault: Path) -> None:
    old = [rec("google/c.csv#row=1", name="Nina Novak", emails=["nina@example.com"])]
    run_import(vault, old)
    newer = [
        rec("google/c.csv#row=1", name="Aaron Able", emails=["aaron@example.com"]),
        rec("google/c.csv#row=2", name="Nina Novak", emails=["nina@example.com"], phones=["+44 20 7946 0958"]),
    ]
    plan = run_import(vault, newer)
    assert [n.name for n in plan.new] == ["Aaron Able"]
    nina = open_vault(vault).resolve("Nina Novak")
    assert nina.phones == ("+44 20 7946 0958",)
    assert nina.meta["sources"] == ["google/c.csv#row=1", "google/c.csv#row=2"]


def test_interactions_are_not_logged_twice(vault: Path) -> None:
    it = Interaction(dt.date(2026, 9, 1), "coffee", "at the gallery", direction="out")
    plan = run_import(vault, [rec("linkedin/messages.csv#row=1", name="Anna Schmidt", interactions=[it])])
    text = (vault / "people/Anna Schmidt.md").read_text(encoding="utf-8-sig")
    assert text.count("2026-09-01 coffee") == 1
    assert plan.merges and plan.merges[0].key == "name"


def test_records_without_identity_are_skipped(vault: Path) -> None:
    plan = run_import(vault, [rec("google/c.csv#row=7", role="Engineer")])
    assert plan.skipped == [Skipped("google/c.csv#row=7", "no name, no email and no profile")]
    assert plan.new == []


# ---------------------------------------------------------------------------
# the property: merging never loses a line of the body and is idempotent

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=30)
_line = st.one_of(
    _text.map(lambda s: s.strip()),
    st.sampled_from(["## Log", "## Tasks", "- 2026-01-02 call: hi", "- [ ] task 📅 2026-12-01", "```", "# Title"]),
)
_body = st.lists(_line, max_size=8).map("\n".join)
_header = st.fixed_dictionaries(
    {},
    optional={
        "emails": st.lists(st.emails(), max_size=2),
        "phone": st.sampled_from(["030123457", "+49 30 1234567"]),
        "tags": st.lists(st.sampled_from(["a", "b", "berlin"]), max_size=2),
        "company": st.sampled_from(["Acme", "[[Acme GmbH]]"]),
    },
)
_records = st.lists(
    st.builds(
        Record,
        source=st.just("google"),
        locator=st.sampled_from(["google/c.csv#row=1", "google/c.csv#row=2", "vcard/a.vcf#card=1"]),
        name=st.sampled_from(["Ada Lovelace", "Ada King", None]),
        emails=st.lists(st.emails(), max_size=2),
        phones=st.lists(st.sampled_from(["+49 30 1234567", "+44 20 7946 0958", "12"]), max_size=2),
        company=st.sampled_from([None, "Acme", "Initech"]),
        tags=st.lists(st.sampled_from(["a", "c", "Berlin"]), max_size=2),
        notes=st.sampled_from([None, "met at a conference", "line one\nline two"]),
        interactions=st.lists(
            st.builds(
                Interaction,
                date=st.dates(dt.date(2020, 1, 1), dt.date(2026, 1, 1)),
                type=st.sampled_from(["message", "call"]),
                text=_text,
            ),
            max_size=2,
        ),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=_header, body=_body, records=_records, crlf=st.booleans(), bom=st.booleans())
def test_merging_never_loses_a_body_line_and_is_idempotent(
    header: dict[str, object], body: str, records: list[Record], crlf: bool, bom: bool
) -> None:
    from vaultcrm import document

    lines = ["---", "name: Ada Lovelace"]
    lines += [f"{k}: {document.render_value(v)}" for k, v in header.items()]
    lines += ["---", body]
    text = "\n".join(lines) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    if bom:
        text = "\ufeff" + text
    ctx = merge.Context(today=TODAY, region="DE", type_words=frozenset({"message", "call", "note"}))
    once = merge.merge_text(text, records, ctx).text
    it = iter(document.lines(once))
    for line in document.lines(document.split(text).body):
        assert any(line.rstrip("\r\n") == other.rstrip("\r\n") for other in it), line
    assert merge.merge_text(once, records, ctx).text == once
    if crlf:
        assert "\n" not in once.replace("\r\n", "")


def test_two_namesakes_never_both_join_one_vault_note(vault: Path) -> None:
    # the fixture vault has an "Anna Schmidt" without e-mail or company
    plan = run_import(
        vault,
        [
            rec("google/c.csv#row=1", name="Anna Schmidt", emails=["anna@nordwind.example"], company="Nordwind"),
            rec("outlook/o.csv#row=1", name="Anna Schmidt", emails=["anna@kieferblau.example"], company="Kieferblau"),
        ],
    )
    assert [m.path for m in plan.merges] == ["people/Anna Schmidt.md"]
    assert [n.path for n in plan.new] == ["people/Anna Schmidt (Kieferblau).md"]
    v = open_vault(vault)
    annas = [p for p in v.people() if p.name == "Anna Schmidt"]
    assert sorted(a.emails for a in annas) == [("anna@kieferblau.example",), ("anna@nordwind.example",)]


def test_a_twitter_account_alone_is_a_person_to_name_later(vault: Path) -> None:
    r = rec(
        "twitter/following.js#accountId=42",
        handles={"twitter_id": "42"},
        urls=["https://twitter.com/intent/user?user_id=42"],
    )
    plan = run_import(vault, [r])
    assert [n.name for n in plan.new] == ["X user 42"]
    text = (vault / "people/X user 42.md").read_text()
    assert 'handles: {twitter_id: "42"}' in text and "aliases" not in text
    # once the person has the id, the account attaches to them
    again = run_import(vault, [rec("twitter/follower.js#accountId=42", handles={"twitter_id": "42"})])
    assert again.new == [] and [m.key for m in again.merges] == ["twitter_id:42"]


_word = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" -.'@#"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(_word, max_size=3),
    new=st.lists(_word, min_size=1, max_size=3),
    block=st.booleans(),
    comment=st.booleans(),
    json_header=st.booleans(),
)
def test_adding_to_a_list_changes_only_that_list(
    items: list[str], new: list[str], block: bool, comment: bool, json_header: bool
) -> None:
    from vaultcrm import document

    if json_header:
        header = '{\n  "name": "Ada",\n  "tags": ' + json.dumps(items) + ',\n  "x": 1\n}\n'
    else:
        note = "  # mine" if comment else ""
        if block and items:
            body = "\n".join(f"  - {document.render_value(i)}" for i in items)
            header = f"name: Ada\ntags:{note}\n{body}\nx: 1 # keep\n"
        else:
            header = f"name: Ada\ntags: {document.render_value(items)}{note}\nx: 1 # keep\n"
    text = f"---\n{header}---\nBody\n"
    fm = merge.Front(text)
    fm.append("tags", new)
    out = fm.text
    data = (
        json.loads(document.split(out).header or "") if json_header else merge._load_header(document.split(out).header)
    )
    assert data == {"name": "Ada", "tags": items + new, "x": 1}
    if not json_header:
        assert "x: 1 # keep\n" in out and out.startswith("---\nname: Ada\n")
    assert out.endswith("---\nBody\n")


def test_a_name_only_record_is_held_back_only_for_a_nickname(vault: Path) -> None:
    plan = run_import(
        vault,
        [
            rec("facebook/f.json#friends_v2[0]", name="Eddie Miller"),  # Ed Miller is in the vault
            rec("facebook/f.json#friends_v2[1]", name="Anna Schmitt"),  # a different person from Anna Schmidt
        ],
    )
    assert [n.name for n in plan.new] == ["Anna Schmitt"]
    assert [s.locator for s in plan.skipped] == ["facebook/f.json#friends_v2[0]"]
    assert "Ed Miller" in plan.skipped[0].reason and "aliases" in plan.skipped[0].reason
    assert any(s.b == "Anna Schmitt" and s.reason == "similar names" for s in plan.suggestions)


_fm_lines = st.lists(
    st.sampled_from(
        [
            "tag: friend",
            "tags: a, b",
            "alias: Bobby",
            "email: bob@example.com",
            "phone: 030123457",
            "company: [[Acme]]",
            "birthday: 1990-04-15",
            "# a comment",
            "custom: {a: 1}",
        ]
    ),
    max_size=5,
    unique=True,
)
_body_lines = st.lists(
    st.one_of(
        _text.map(lambda s: s.strip()),
        st.sampled_from(
            ["birthday:: 1990-04-15", "email:: x@example.com", "## Log", "- 2026-01-02 call: hi", "tags:: x y"]
        ),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fm=_fm_lines, body=_body_lines, has_fm=st.booleans(), crlf=st.booleans(), bom=st.booleans())
def test_adopting_an_obsidian_note_keeps_its_body_and_is_idempotent(
    fm: list[str], body: list[str], has_fm: bool, crlf: bool, bom: bool
) -> None:
    from vaultcrm import document
    from vaultcrm.importers import obsidian

    text = ("---\n" + "".join(f"{x}\n" for x in fm) + "---\n" if has_fm else "") + "\n".join(body) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    if bom:
        text = "\ufeff" + text
    rec, why = obsidian.read_note("obsidian/Bob Smith.md#file", "Bob Smith", text)
    assert rec is not None, why
    ctx = merge.Context(today=TODAY, region="DE", log_import=False, stem="Bob Smith")
    once = merge.merge_text(text, obsidian._adopt(rec), ctx).text
    assert document.split(once).body == document.split(text).body  # adoption never touches the body
    assert merge.merge_text(once, obsidian._adopt(rec), ctx).text == once
