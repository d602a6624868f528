"""Import sources: every export format read field by field, encodings, ZIPs, detection, broken files.

The fixtures under tests/fixtures/imports/ imitate the real exports (headers, preambles,
encodings, quirks) with fictional people. Sources only read: nothing here touches a vault.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vaultcrm.importers import (
    MAX_FILE_BYTES,
    ImportFormatError,
    Interaction,
    Record,
    Skipped,
    detect,
    read_bytes,
    read_paths,
    sources,
)
from vaultcrm.importers import vcard as vcard_source
from vaultcrm.importers.common import handle_from_url, one_line, parse_birthday
from vaultcrm.importers.encoding import decode, detect_encoding, repair_mojibake

FIX = Path(__file__).parent / "fixtures" / "imports"


def read(*paths: Path, source: str | None = None) -> list[Record | Skipped]:
    return list(read_paths(list(paths), source))


def by_locator(items: list[Record | Skipped]) -> dict[str, Record | Skipped]:
    return {item.locator: item for item in items}


def rec(items: list[Record | Skipped], locator: str) -> Record:
    item = by_locator(items)[locator]
    assert isinstance(item, Record), item
    return item


def no_mojibake(items: list[Record | Skipped]) -> None:
    for item in items:
        if isinstance(item, Record):
            for value in (item.name, item.company, item.role, item.notes, *item.addresses):
                assert not value or ("\ufffd" not in value and "Ã" not in value and "â€" not in value), value


# --- registry ------------------------------------------------------------------------------


def test_sources_lists_every_builtin_in_detection_order() -> None:
    names = list(sources())
    assert names[:6] == ["twitter", "facebook", "linkedin", "google", "outlook", "vcard"]
    for name, source in sources().items():
        assert source.name == name
        assert callable(source.sniff) and callable(source.read)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("linkedin/Connections.csv", "linkedin"),
        ("linkedin/messages.csv", "linkedin"),
        ("google/contacts.csv", "google"),
        ("google/google-old.csv", "google"),
        ("outlook/contacts.csv", "outlook"),
        ("outlook/desktop.csv", "outlook"),
        ("vcard/apple.vcf", "vcard"),
        ("vcard/android.vcf", "vcard"),
        ("vcard/v4.vcf", "vcard"),
        ("facebook/your_friends.json", "facebook"),
        ("facebook/friends.json", "facebook"),
        ("twitter/following.js", "twitter"),
        ("twitter/follower.js", "twitter"),
    ],
)
def test_detect_recognises_each_export_by_content(path: str, expected: str) -> None:
    data = (FIX / path).read_bytes()
    source = detect(path, data)
    assert source is not None and source.name == expected
    # a renamed CSV is still recognised by its header; a vCard by BEGIN:VCARD
    renamed = path.rsplit("/", 1)[0] + "/export (1).csv" if path.endswith(".csv") else None
    if renamed:
        source = detect(renamed, data)
        assert source is not None and source.name == expected
    if path.endswith(".vcf"):
        source = detect("contacts.txt", data)
        assert source is not None and source.name == "vcard"


def test_unknown_file_is_a_clear_error_naming_it_and_the_sources(tmp_path: Path) -> None:
    odd = tmp_path / "shopping.csv"
    odd.write_text("Item,Price\nMilk,1.20\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as err:
        read(odd)
    message = str(err.value)
    assert str(odd) in message
    for name in ("linkedin", "google", "outlook", "vcard", "facebook", "twitter"):
        assert name in message


def test_unknown_source_name_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="unknown source"):
        read(FIX / "vcard" / "apple.vcf", source="myspace")


def test_naming_the_source_reads_a_file_detection_would_not(tmp_path: Path) -> None:
    odd = tmp_path / "people.txt"
    odd.write_bytes((FIX / "google" / "contacts.csv").read_bytes())
    items = read(odd, source="google")
    assert rec(items, "google/people.txt#row=2").name == "Tobias Brenner"


def test_import_format_error_is_a_vaultcrm_error_with_file_and_line() -> None:
    from vaultcrm.errors import VaultCRMError

    err = ImportFormatError("x.csv", "broken", 7)
    assert isinstance(err, VaultCRMError)
    assert str(err) == "x.csv:7: broken"
    assert err.filename == "x.csv" and err.line == 7


# --- LinkedIn ------------------------------------------------------------------------------


def test_linkedin_connections_field_by_field() -> None:
    items = read(FIX / "linkedin" / "Connections.csv")
    klara = rec(items, "linkedin/Connections.csv#row=1")  # row 1 despite the Notes: preamble
    assert (klara.source, klara.name, klara.given, klara.family) == ("linkedin", "Klara Brandt", "Klara", "Brandt")
    assert klara.emails == []  # empty e-mail column
    assert klara.handles == {"linkedin": "klara-brandt-4a1b2c"}
    assert klara.urls == ["https://www.linkedin.com/in/klara-brandt-4a1b2c"]
    assert (klara.company, klara.role) == ("Nordlicht Analytics GmbH", "Head of Data")
    assert klara.met == dt.date(2026, 11, 24)  # "24 Nov 2026"

    tomas = rec(items, "linkedin/Connections.csv#row=2")
    assert tomas.name == "Tomás Oyelaran-Weiss"
    assert tomas.emails == ["tomas.ow@example.org"]
    assert tomas.company == "Fjord & Finch, Inc."  # quoted comma
    assert tomas.handles == {"linkedin": "tomás-oyelaran"}  # percent-decoded slug
    assert tomas.met == dt.date(2019, 2, 3)

    priya = rec(items, "linkedin/Connections.csv#row=3")
    assert (priya.name, priya.family, priya.suffix) == ("Priya Raman", "Raman", "PhD")
    assert priya.role == 'Researcher, "applied" ML'

    empty = by_locator(items)["linkedin/Connections.csv#row=4"]
    assert isinstance(empty, Skipped) and empty.line == 8 and "no name" in empty.reason

    maren = rec(items, "linkedin/Connections.csv#row=5")  # a quoted company spanning two lines: one record
    assert maren.company == "Holt Design Studio"

    ghost = rec(items, "linkedin/Connections.csv#row=6")  # a profile alone is enough
    assert ghost.name is None and ghost.handles == {"linkedin": "ghost-member"}

    truncated = by_locator(items)["linkedin/Connections.csv#row=7"]
    assert isinstance(truncated, Skipped) and truncated.line == 12 and "truncated" in truncated.reason


def test_linkedin_messages_become_interactions_with_direction() -> None:
    items = read(FIX / "linkedin" / "messages.csv")
    klara = rec(items, "linkedin/messages.csv#row=1")
    assert klara.name == "Klara Brandt"
    assert klara.handles == {"linkedin": "klara-brandt-4a1b2c"}
    assert klara.interactions == [
        Interaction(
            dt.date(2026, 11, 3), "message", "Hi Sam, great meeting you at the data meetup!", "14:05", "in", "linkedin"
        ),
        Interaction(dt.date(2026, 11, 3), "message", "Likewise! Coffee next week?", "16:40", "out", "linkedin"),
    ]
    tomas = rec(items, "linkedin/messages.csv#row=3")
    assert tomas.name == "Tomás Oyelaran-Weiss"  # LinkedIn's mojibake repaired
    assert tomas.interactions[0].text == "Hello Tomás, congrats on the new role"  # HTML stripped
    assert tomas.interactions[0].direction == "out"
    jun = rec(items, "linkedin/messages.csv#row=4")
    assert jun.interactions[0].text == "Are you hiring? We should talk."  # one line
    assert jun.interactions[0].direction == "in"
    names = {i.name for i in items if isinstance(i, Record)}
    assert "Sam Owner" not in names  # the account owner is nobody's contact
    assert "Crypto Deals" not in names  # the SPAM folder is left out
    bad = by_locator(items)["linkedin/messages.csv#row=6"]
    assert isinstance(bad, Skipped) and bad.line == 8 and "DATE" in bad.reason


# --- Google --------------------------------------------------------------------------------


def test_google_current_csv_field_by_field() -> None:
    items = read(FIX / "google" / "contacts.csv")
    ingrid = rec(items, "google/contacts.csv#row=1")
    assert (ingrid.name, ingrid.given, ingrid.middle, ingrid.family) == ("Ingrid Marie Falk", "Ingrid", "Marie", "Falk")
    assert (ingrid.prefix, ingrid.nickname) == ("Dr.", "Inge")
    assert ingrid.emails == ["ingrid.falk@example.com", "inge@falk.example", "i.falk@falk-soehne.example"]  # :::
    assert ingrid.phones == ["+49 171 5550100", "0171 5550101", "040 5550102"]
    assert ingrid.tags == ["Sailing", "Family"]  # without * myContacts and * starred
    assert ingrid.birthday == "--04-15"
    assert (ingrid.company, ingrid.role) == ("Falk & Söhne, KG", "Geschäftsführerin")
    assert ingrid.extra == {"department": "Vertrieb"}
    assert ingrid.addresses == ["Elbchaussee 12, 22763 Hamburg, Deutschland"]
    assert ingrid.location == "Hamburg"
    assert ingrid.notes == "Loves sailing.\nSecond line, with a comma."
    assert ingrid.handles == {"linkedin": "ingrid-falk", "twitter": "ingridfalk"}
    assert ingrid.urls == ["https://www.linkedin.com/in/ingrid-falk", "https://x.com/ingridfalk"]
    assert ingrid.photo is None  # a URL on Google's servers is never downloaded

    assert rec(items, "google/contacts.csv#row=2").birthday == "1985-11-30"
    org = rec(items, "google/contacts.csv#row=3")
    assert org.is_org and org.name == org.company == "Kaffeerösterei Morgenrot"
    phone_only = by_locator(items)["google/contacts.csv#row=4"]
    assert isinstance(phone_only, Skipped) and phone_only.line == 8
    yusuf = rec(items, "google/contacts.csv#row=5")
    assert yusuf.birthday is None and yusuf.extra == {"birthday_text": "1990-02-30"}  # kept, not invented


def test_google_older_csv_in_utf16_with_bom() -> None:
    data = (FIX / "google" / "google-old.csv").read_bytes()
    assert data.startswith(b"\xff\xfe")
    items = read(FIX / "google" / "google-old.csv")
    olafur = rec(items, "google/google-old.csv#row=1")
    assert (olafur.name, olafur.given, olafur.family) == ("Ólafur Sigurðsson", "Ólafur", "Sigurðsson")
    assert olafur.emails == ["olafur@example.is"] and olafur.phones == ["+354 555 0123"]
    assert (olafur.company, olafur.role) == ("Norðurljós ehf.", "Guide")
    assert olafur.tags == ["Iceland trip"]  # "* My Contacts" is a system group
    assert olafur.birthday == "1975-06-17"
    assert olafur.handles == {"linkedin": "olafur-s"}
    wei = rec(items, "google/google-old.csv#row=2")
    assert wei.addresses == ["Shanghai, China"] and wei.location == "Shanghai"
    no_mojibake(items)


# --- Outlook -------------------------------------------------------------------------------


def test_outlook_csv_windows_1252_field_by_field() -> None:
    data = (FIX / "outlook" / "contacts.csv").read_bytes()
    assert detect_encoding(data) == "cp1252"
    items = read(FIX / "outlook" / "contacts.csv")
    no_mojibake(items)
    renee = rec(items, "outlook/contacts.csv#row=1")
    assert (renee.name, renee.prefix) == ("Renée Lefèvre", "Mme")
    assert renee.emails == ["renee.lefevre@example.fr", "rl@atelier-lefevre.example"]
    assert renee.phones == ["+33 6 55 50 12 34", "01 55 50 12 35"]  # mobile first, fax left out
    assert (renee.company, renee.role, renee.extra) == ("Atelier Lefèvre", "Architecte", {"department": "Conception"})
    assert renee.addresses == ["12 rue de la Paix, 75002 Paris, France"] and renee.location == "Paris"
    assert renee.birthday == "1980-04-15"  # 4/15/1980
    assert renee.notes == "Prefers “phone calls” – never e-mail on Fridays.\nMet at the Salon 2024."
    assert renee.handles == {"linkedin": "renee-lefevre"}
    soren = rec(items, "outlook/contacts.csv#row=2")
    assert soren.name == "Søren Kjær" and soren.birthday is None and soren.extra == {}  # 0/0/00 is no birthday
    bakery = rec(items, "outlook/contacts.csv#row=3")
    assert bakery.is_org and bakery.name == "Bäckerei Sonnenschein" and bakery.phones == ["089 5550177"]
    empty = by_locator(items)["outlook/contacts.csv#row=4"]
    assert isinstance(empty, Skipped) and empty.line == 6
    assert rec(items, "outlook/contacts.csv#row=5").birthday == "1971-12-25"  # 25/12: day first


def test_outlook_desktop_export_drops_exchange_addresses_and_reads_categories() -> None:
    henrik = rec(read(FIX / "outlook" / "desktop.csv"), "outlook/desktop.csv#row=1")
    assert henrik.name == "Henrik Åberg"
    assert henrik.emails == ["henrik@nordsken.example"]  # the /o=ExchangeLabs/… address is not an e-mail
    assert henrik.tags == ["Kunden", "VIP"]
    assert henrik.phones == ["+46 70 555 01 23"]


# --- vCard ---------------------------------------------------------------------------------


def test_vcard_apple_3_0_field_by_field() -> None:
    data = (FIX / "vcard" / "apple.vcf").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n " in data  # BOM, CRLF, folded lines
    items = read(FIX / "vcard" / "apple.vcf")
    jw = rec(items, "vcard/apple.vcf#card=1")
    assert jw.name == "Jan-Willem Pieter van der Berg"  # FN without the title and suffix N has apart
    assert (jw.given, jw.middle, jw.family, jw.prefix, jw.suffix) == (
        "Jan-Willem",
        "Pieter",
        "van der Berg",
        "Dr.",
        "Jr.",
    )
    assert jw.nickname == "JW"
    assert jw.company == "Polder Robotics B.V." and jw.extra["department"] == "Research; Development"  # \;
    assert jw.role == "Chief Scientist, Robotics"  # \,
    assert jw.emails == ["jw@polder-robotics.example", "jan-willem.vdberg@example.nl"]  # item1.EMAIL
    assert jw.phones == ["+31 6 5550 1234", "020 555 0199"]
    assert jw.addresses == ["Keizersgracht 123 Floor 2, 1015 CJ Amsterdam, Netherlands"]
    assert jw.location == "Amsterdam"
    assert jw.handles == {
        "linkedin": "jwvdberg",
        "twitter": "jwvdberg",
        "twitter_id": "1100000099",
        "skype": "jw.vdberg",
    }
    assert jw.urls == ["https://www.linkedin.com/in/jwvdberg", "https://twitter.com/jwvdberg"]
    assert jw.birthday == "--04-15"  # X-APPLE-OMIT-YEAR=1604
    assert jw.extra["anniversary"] == "2010-06-12"  # item4.X-ABDATE + _$!<Anniversary>!$_
    assert jw.extra["related"] == ["Spouse: Sanne van der Berg"]
    assert jw.tags == ["Robotics", "Conferences"]  # without myContacts
    assert jw.notes is not None and jw.notes.startswith("Met at ROSCon, Amsterdam.\nLikes stroopwafels; hates")
    assert "longer than seventy-five octets." in jw.notes and "  " not in jw.notes  # unfolded
    assert jw.photo is not None and jw.photo.startswith(b"\x89PNG") and jw.photo_type == "png"
    brauhaus = rec(items, "vcard/apple.vcf#card=2")
    assert brauhaus.is_org and brauhaus.name == "Brauhaus Zum Löwen"  # X-ABShowAs:COMPANY
    adaeze = rec(items, "vcard/apple.vcf#card=3")
    assert adaeze.birthday == "1992-08-09" and not adaeze.is_org


def test_vcard_android_2_1_quoted_printable() -> None:
    items = read(FIX / "vcard" / "android.vcf")
    ayse = rec(items, "vcard/android.vcf#card=1")
    assert (ayse.name, ayse.given, ayse.family) == ("Ayşe Öztürk", "Ayşe", "Öztürk")
    assert ayse.phones == ["+90 532 555 0101", "0212 555 0102"]  # TEL;CELL;PREF bare parameters
    assert ayse.emails == ["ayse.ozturk@example.com.tr"]
    assert ayse.addresses == ["Bahçe Sokak 5, 34000 İstanbul, Türkiye"]
    # a soft line break (= at the end of the line) joins the next, unindented line
    assert ayse.notes == "Çok güzel bir gün, sonra kahve içtik ve uzun uzun konuştuk.\nYeni satır."
    assert ayse.photo is not None and ayse.photo.startswith(b"\xff\xd8") and ayse.photo_type == "jpeg"
    assert rec(items, "vcard/android.vcf#card=2").name == "Ivan Petrov"


def test_vcard_4_0_uris_kinds_and_groups() -> None:
    items = read(FIX / "vcard" / "v4.vcf")
    nia = rec(items, "vcard/v4.vcf#card=1")
    assert nia.phones == ["+254-712-555-010"]  # tel: URI
    assert nia.birthday == "--04-15"  # --0415
    assert nia.handles == {"linkedin": "niakamau", "xmpp": "nia@jabber.example"}
    assert nia.photo is not None and nia.photo.startswith(b"\x89PNG")  # data: URI
    labs = rec(items, "vcard/v4.vcf#card=2")
    assert labs.is_org and labs.name == "Savanna Labs"  # KIND:org
    group = by_locator(items)["vcard/v4.vcf#card=3"]
    assert isinstance(group, Skipped) and group.line == 20


def test_vcard_outlook_windows_1252_and_qp_charset() -> None:
    items = read(FIX / "vcard" / "outlook.vcf")
    jurgen = rec(items, "vcard/outlook.vcf#card=1")
    assert (jurgen.name, jurgen.given, jurgen.family) == ("Jürgen Weiß", "Jürgen", "Weiß")
    assert jurgen.company == "Straßenbau Nord GmbH"
    assert jurgen.phones == ["(040) 555-0133"]


def test_vcard_without_end_costs_only_that_card() -> None:
    items = read(FIX / "vcard" / "broken.vcf")
    found = by_locator(items)
    assert rec(items, "vcard/broken.vcf#card=1").emails == ["complete@example.com"]
    never = found["vcard/broken.vcf#card=2"]
    assert isinstance(never, Skipped) and never.line == 6 and "END:VCARD" in never.reason
    nobody = found["vcard/broken.vcf#card=3"]
    assert isinstance(nobody, Skipped) and "no name" in nobody.reason
    assert rec(items, "vcard/broken.vcf#card=4").name == "After The Break"
    cut = found["vcard/broken.vcf#card=5"]
    assert isinstance(cut, Skipped) and cut.line == 20 and "truncated" in cut.reason


def test_a_file_without_any_vcard_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.vcf"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="no BEGIN:VCARD"):
        read(path)


# --- Facebook and X ------------------------------------------------------------------------


def test_facebook_friends_repairs_mojibake_and_dates() -> None:
    raw = (FIX / "facebook" / "your_friends.json").read_text(encoding="ascii")
    assert "\\u00c3\\u00ab" in raw  # the file really has Facebook's escaped mojibake
    items = read(FIX / "facebook" / "your_friends.json")
    zoe = rec(items, "facebook/your_friends.json#friends_v2[0]")
    assert (zoe.name, zoe.met) == ("Zoë Achterberg", dt.date(2018, 1, 1))
    assert zoe.emails == [] and zoe.handles == {}
    assert rec(items, "facebook/your_friends.json#friends_v2[1]").name == "Łukasz Wójcik"
    assert rec(items, "facebook/your_friends.json#friends_v2[2]").name == "Plain Ascii"
    nameless = by_locator(items)["facebook/your_friends.json#friends_v2[3]"]
    assert isinstance(nameless, Skipped)
    mia = rec(items, "facebook/your_friends.json#friends_v2[4]")
    assert mia.name == "Mia 😀 Torres" and mia.met is None  # 4-byte emoji repaired; timestamp 0 is no date
    older = read(FIX / "facebook" / "friends.json")
    assert rec(older, "facebook/friends.json#friends[0]").name == "Gérard Dupont"


def test_twitter_archive_parsed_as_json_never_run() -> None:
    items = read(FIX / "twitter" / "following.js", FIX / "twitter" / "follower.js")
    first = rec(items, "twitter/following.js#accountId=783214")
    assert first.name is None
    assert first.handles == {"twitter_id": "783214"}
    assert first.urls == ["https://twitter.com/intent/user?user_id=783214"]
    assert first.tags == ["following"]
    assert rec(items, "twitter/follower.js#accountId=1100000099").tags == ["follower"]
    assert len(items) == 4


def test_twitter_file_with_code_is_not_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "following.js"
    path.write_text('window.YTD.following.part0 = (function(){ throw "ran" })()', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        read(path)


# --- encodings -----------------------------------------------------------------------------

PEOPLE_CSV = (
    "First Name,Middle Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value\r\n"
    "José,,Müller,* myContacts,Home,jose@example.com\r\n"
    "Zoë,,Łukasiewicz-Ørsted,* myContacts,Home,zoe@example.com\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),  # Excel's "Unicode text" without a BOM: recognised by its NUL bytes
    ],
)
def test_csv_in_every_unicode_encoding_reads_the_same(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(prefix + PEOPLE_CSV.encode(encoding))
    items = read(path)
    assert [r.name for r in items if isinstance(r, Record)] == ["José Müller", "Zoë Łukasiewicz-Ørsted"]


def test_windows_1252_csv_has_no_replacement_characters(tmp_path: Path) -> None:
    text = PEOPLE_CSV.replace("Zoë,,Łukasiewicz-Ørsted", "Zoë,,Ørsted – “Ø”")
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode("cp1252"))
    names = [r.name for r in read(path) if isinstance(r, Record)]
    assert names == ["José Müller", "Zoë Ørsted – “Ø”"]


def test_a_csv_mixing_utf8_and_windows_1252_lines_decodes_each_line(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    lines = PEOPLE_CSV.split("\r\n")
    path.write_bytes(
        (lines[0] + "\r\n").encode()
        + (lines[1] + "\r\n").encode("utf-8")
        + (lines[2] + "\r\n").replace("Łukasiewicz-", "").encode("cp1252")
    )
    assert [r.name for r in read(path) if isinstance(r, Record)] == ["José Müller", "Zoë Ørsted"]


def test_utf8_csv_read_as_latin1_somewhere_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(PEOPLE_CSV.replace("José", "JosÃ©"), encoding="utf-8")
    assert [r.name for r in read(path) if isinstance(r, Record)][0] == "José Müller"


def test_repair_mojibake_changes_only_mojibake() -> None:
    assert repair_mojibake("Jos\u00c3\u00a9") == "José"
    assert repair_mojibake("itâ€™s") == "it’s"  # the Windows-1252 reading
    assert repair_mojibake("Müller, José, Ørsted") == "Müller, José, Ørsted"
    assert repair_mojibake("Ã and then text") == "Ã and then text"
    assert repair_mojibake("plain") == "plain"


@given(st.text())
def test_repair_mojibake_undoes_any_latin1_misreading(text: str) -> None:
    assert repair_mojibake(text.encode("utf-8").decode("latin-1")) == text


@given(st.binary(max_size=400))
def test_decode_never_fails_and_never_invents_replacement_characters(data: bytes) -> None:
    text = decode(data)
    assert "\ufffd" not in text or b"\xef\xbf\xbd" in data


# --- ZIPs, folders, sizes ------------------------------------------------------------------


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_linkedin_export_zip_reads_connections_and_messages_and_ignores_the_rest(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "Basic_LinkedInDataExport_11-30-2026.zip",
        {
            "Connections.csv": (FIX / "linkedin" / "Connections.csv").read_bytes(),
            "messages.csv": (FIX / "linkedin" / "messages.csv").read_bytes(),
            "Profile.csv": b"First Name,Last Name,Maiden Name,Address\nSam,Owner,,\n",
            "Positions.csv": b"Company Name,Title\nAcme,Boss\n",
        },
    )
    items = read(archive)
    locators = [i.locator for i in items]
    assert "linkedin/Connections.csv#row=1" in locators  # the locator uses the member's base name
    assert "linkedin/messages.csv#row=1" in locators
    assert all(loc.startswith("linkedin/") for loc in locators)


def test_facebook_twitter_and_takeout_zips_read_each_member_by_its_source(tmp_path: Path) -> None:
    facebook = make_zip(
        tmp_path / "facebook-sam.zip",
        {
            "connections/friends/your_friends.json": (FIX / "facebook" / "your_friends.json").read_bytes(),
            "connections/friends/removed_friends.json": b'{"deleted_friends_v2": []}',
            "your_activity/posts/your_posts_1.json": b"[]",
        },
    )
    twitter = make_zip(
        tmp_path / "twitter-2026-11-30.zip",
        {
            "data/following.js": (FIX / "twitter" / "following.js").read_bytes(),
            "data/follower.js": (FIX / "twitter" / "follower.js").read_bytes(),
            "data/tweets.js": b"window.YTD.tweets.part0 = []",
            "Your archive.html": b"<html></html>",
        },
    )
    takeout = make_zip(
        tmp_path / "takeout-20261130T101010Z-001.zip",
        {
            "Takeout/Contacts/Friends/Friends.vcf": (FIX / "vcard" / "android.vcf").read_bytes(),
            "Takeout/Contacts/All Contacts/All Contacts.csv": (FIX / "google" / "contacts.csv").read_bytes(),
            "Takeout/archive_browser.html": b"<html></html>",
        },
    )
    items = read(facebook, twitter, takeout)
    sources_seen = {i.locator.split("/")[0] for i in items}
    assert sources_seen == {"facebook", "twitter", "vcard", "google"}
    assert rec(items, "facebook/your_friends.json#friends_v2[0]").name == "Zoë Achterberg"
    assert rec(items, "twitter/following.js#accountId=783214").handles == {"twitter_id": "783214"}
    assert rec(items, "vcard/Friends.vcf#card=1").name == "Ayşe Öztürk"
    assert rec(items, "google/All Contacts.csv#row=1").name == "Ingrid Marie Falk"


def test_a_zip_with_nothing_importable_says_so(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8\xff"})
    with pytest.raises(ImportFormatError, match="no file vaultcrm can import"):
        read(archive)


def test_a_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(3):
            zf.writestr(f"Connections{n}.csv", b"\0" * (30 * 1000 * 1000))
    assert archive.stat().st_size < 1_000_000
    with pytest.raises(ImportFormatError, match="ZIP bomb"):
        read(archive)


def test_a_huge_member_of_a_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("contacts.vcf", b"BEGIN:VCARD\r\n" + b"x" * MAX_FILE_BYTES)
    with pytest.raises(ImportFormatError, match="MB"):
        read(archive)


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    with open(path, "wb") as fh:
        fh.write(b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n")
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(ImportFormatError) as err:
        read(path)
    assert str(path) in str(err.value) and "50 MB" in str(err.value)


def test_read_bytes_refuses_50_mb_too() -> None:
    with pytest.raises(ImportFormatError, match="limit 50 MB"):
        list(read_bytes("big.vcf", b"\0" * MAX_FILE_BYTES))


def test_a_folder_is_read_file_by_file_skipping_what_no_source_knows(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("not an export", encoding="utf-8")
    (tmp_path / ".hidden.vcf").write_text("BEGIN:VCARD\nFN:Hidden\nEND:VCARD\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "android.vcf").write_bytes((FIX / "vcard" / "android.vcf").read_bytes())
    items = read(tmp_path)
    assert [i.locator for i in items] == ["vcard/android.vcf#card=1", "vcard/android.vcf#card=2"]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="no such file"):
        read(tmp_path / "nope.csv")


# --- broken CSVs ---------------------------------------------------------------------------


def test_truncated_csv_inside_a_quoted_field_reports_the_row_and_keeps_the_rest(tmp_path: Path) -> None:
    text = (FIX / "google" / "contacts.csv").read_text(encoding="utf-8")
    cut = text[: text.index("Tobias")] + 'Tobias,,"Bren'
    path = tmp_path / "contacts.csv"
    path.write_text(cut, encoding="utf-8")
    items = read(path)
    assert rec(items, "google/contacts.csv#row=1").name == "Ingrid Marie Falk"
    last = items[-1]
    assert isinstance(last, Skipped) and last.locator == "google/contacts.csv#row=2" and last.line == 6


def test_a_row_with_an_unquoted_comma_is_skipped_never_shifted(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ada,Byron,,,Analytical, Engines,Countess,10 Dec 2020\n"
        "Alan,Vance,,,Turing Ltd,Founder,11 Dec 2020\n",
        encoding="utf-8",
    )
    items = read(path)
    bad = items[0]
    assert isinstance(bad, Skipped) and bad.line == 2 and "8 fields" in bad.reason
    assert rec(items, "linkedin/Connections.csv#row=2").company == "Turing Ltd"


def test_an_empty_csv_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="not a file vaultcrm can import"):
        read(path)
    with pytest.raises(ImportFormatError, match="no header"):
        read(path, source="google")


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "your_friends.json"
    path.write_text('{"friends_v2": [\n  {"name": "A", "timestamp": 1},\n  {"name": ', encoding="utf-8")
    with pytest.raises(ImportFormatError) as err:
        read(path)
    assert err.value.line == 3 and "truncated" in str(err.value)


# --- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1980-04-15", "1980-04-15"),
        ("19800415", "1980-04-15"),
        ("--04-15", "--04-15"),
        ("--0415", "--04-15"),
        ("--02-29", "--02-29"),
        ("4/15/1980", "1980-04-15"),
        ("15/4/1980", "1980-04-15"),
        ("15.04.1980", "1980-04-15"),
        ("0/0/00", None),
        ("1980-02-30", None),
        ("1980-04-15T00:00:00Z", "1980-04-15"),
        ("", None),
    ],
)
def test_parse_birthday(value: str, expected: str | None) -> None:
    assert parse_birthday(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.linkedin.com/in/klaus-b-123/", ("linkedin", "klaus-b-123")),
        ("http://de.linkedin.com/in/j%C3%B6rg", ("linkedin", "jörg")),
        ("https://twitter.com/kb", ("twitter", "kb")),
        ("https://x.com/kb?lang=de", ("twitter", "kb")),
        ("https://twitter.com/intent/user?user_id=42", ("twitter_id", "42")),
        ("https://github.com/octo-cat", ("github", "octo-cat")),
        ("https://mastodon.social/@anna", ("mastodon", "@anna@mastodon.social")),
        ("https://example.com/about", None),
    ],
)
def test_handle_from_url(url: str, expected: tuple[str, str] | None) -> None:
    assert handle_from_url(url) == expected


# --- property tests ------------------------------------------------------------------------

_text_value = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s.strip())


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold at 75 octets like a vCard writer (never inside a UTF-8 sequence)."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > 75:
            out.append(current)
            current = " "
        current += ch
    out.append(current)
    return "\r\n".join(out)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    family=_text_value,
    given_name=_text_value,
    org=_text_value,
    note=st.lists(_text_value, min_size=1, max_size=3).map("\n".join),
)
def test_vcard_escaping_and_folding_round_trip(family: str, given_name: str, org: str, note: str) -> None:
    card = "\r\n".join(
        [
            "BEGIN:VCARD",
            "VERSION:3.0",
            _fold(f"N:{_escape(family)};{_escape(given_name)};;;"),
            _fold(f"FN:{_escape(given_name + ' ' + family)}"),
            _fold(f"ORG:{_escape(org)}"),
            _fold(f"NOTE:{_escape(note)}"),
            "END:VCARD",
            "",
        ]
    )
    (item,) = list(vcard_source.read("p.vcf", card.encode("utf-8")))
    assert isinstance(item, Record)
    fix = repair_mojibake  # text that happens to look like mojibake (Â¡) is repaired by design
    assert (item.family, item.given) == (fix(family), fix(given_name))
    assert item.name == " ".join(fix(given_name + " " + family).split())
    assert item.company == fix(org)
    assert item.notes == fix(note)


_qp_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\\\x85"),
    max_size=120,
).filter(lambda s: s.strip())


@settings(max_examples=100)
@given(_qp_text)
@example("000\xa0\xa0\xa0\xa0\xa0\xa0𐀀𐀀𐀀 0")  # the soft break lands before " 0": a space, not a fold
def test_vcard_quoted_printable_round_trip(note: str) -> None:
    import quopri

    encoded = quopri.encodestring(note.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    card = (
        f"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:X\r\nNOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{encoded}\r\nEND:VCARD\r\n"
    )
    (item,) = list(vcard_source.read("p.vcf", card.encode("ascii")))
    assert isinstance(item, Record)
    assert item.notes == repair_mojibake(note).strip()


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.sampled_from(["linkedin", "google", "outlook", "vcard", "facebook", "twitter"]))
def test_any_bytes_give_records_skips_or_a_format_error(data: bytes, source: str) -> None:
    try:
        for item in read_bytes(f"x.{source}", data, source):
            assert isinstance(item, Record | Skipped)
    except ImportFormatError:
        pass


_csv_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_csv_cell, _csv_cell, _csv_cell.map(lambda s: s.replace(":", ""))), min_size=1, max_size=8))
def test_csv_rows_round_trip_through_the_csv_writer(rows: list[tuple[str, str, str]]) -> None:
    import csv as csv_module

    buf = io.StringIO()
    writer = csv_module.writer(buf, lineterminator="\r\n")
    writer.writerow(["First Name", "Last Name", "Labels", "E-mail 1 - Label", "E-mail 1 - Value"])
    for given_name, family, email in rows:
        writer.writerow([given_name, family, "* myContacts", "Home", email])
    items = list(read_bytes("contacts.csv", buf.getvalue().encode("utf-8"), "google"))
    assert [item.locator for item in items] == [f"google/contacts.csv#row={n}" for n in range(1, len(rows) + 1)]
    for item, (given_name, family, email) in zip(items, rows, strict=True):
        if isinstance(item, Record):
            assert item.given == one_line(repair_mojibake(given_name))
            assert item.family == one_line(repair_mojibake(family))
            assert item.emails == ([one_line(repair_mojibake(email))] if one_line(email) else [])
        else:
            assert not (one_line(given_name) or one_line(family) or one_line(email))


def test_photo_is_bytes_never_text() -> None:
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    card = f"BEGIN:VCARD\nVERSION:3.0\nFN:P\nPHOTO;ENCODING=b;TYPE=PNG:{base64.b64encode(png).decode()}\nEND:VCARD\n"
    (item,) = list(vcard_source.read("p.vcf", card.encode()))
    assert isinstance(item, Record) and item.photo == png
    url_card = "BEGIN:VCARD\nVERSION:3.0\nFN:P\nPHOTO;VALUE=uri:https://example.com/p.jpg\nEND:VCARD\n"
    (item,) = list(vcard_source.read("p.vcf", url_card.encode()))
    assert isinstance(item, Record) and item.photo is None  # never downloaded


def test_crowd_fixture_reads_without_skips_or_mojibake() -> None:
    items = read(FIX / "crowd")
    assert all(isinstance(i, Record) for i in items)
    no_mojibake(items)
    assert len(items) == 36
    json.dumps([i.locator for i in items])  # plain strings


_FIXTURE_FILES = sorted(p for p in FIX.glob("*/*") if p.suffix != ".md")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_FIXTURE_FILES),
    st.integers(min_value=0),
    st.integers(min_value=0),
    st.sampled_from([b"", b"\r\n", b'"', b",", b";", b":", b"=", b"\\", b"\x00", b"END:VCARD\r\n", b"=C3", b"\xff"]),
)
def test_damaged_real_exports_give_records_skips_or_a_format_error(
    path: Path, cut: int, at: int, insert: bytes
) -> None:
    """A real export cut short anywhere, with a stray byte anywhere, never crashes a reader."""
    data = path.read_bytes()
    data = data[: cut % (len(data) + 1)]
    at = at % (len(data) + 1)
    data = data[:at] + insert + data[at:]
    try:
        for item in read_bytes(path.name, data):
            assert isinstance(item, Record | Skipped)
    except ImportFormatError:
        pass


def test_a_garbled_charset_or_base64_photo_costs_nothing_else() -> None:
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=Windows-1252\0x;ENCODING=QUOTED-PRINTABLE:J=FCrgen\r\n"
        "PHOTO;ENCODING=BASE64;JPEG:Öäü not base64\r\nEMAIL:j@example.com\r\nEND:VCARD\r\n"
    )
    (item,) = list(vcard_source.read("x.vcf", card.encode("utf-8")))
    assert isinstance(item, Record)
    assert item.name == "Jürgen" and item.photo is None and item.emails == ["j@example.com"]


# --- through the CLI: broken inputs leave the vault as it was ------------------------------


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".vaultcrm" not in p.relative_to(root).parts
    }


def test_cli_unknown_file_and_50_mb_file_are_one_line_errors_and_write_nothing(
    run: Any, vault: Path, tmp_path: Path
) -> None:
    before = _snapshot(vault)
    odd = tmp_path / "shopping.csv"
    odd.write_text("Item,Price\nMilk,1.20\n", encoding="utf-8")
    result = run("import", str(odd), "--yes")
    assert result.exit_code == 1
    assert f"{odd}: not a file vaultcrm can import (sources: " in result.output
    big = tmp_path / "contacts.vcf"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES)
    result = run("import", str(big), "--yes")
    assert result.exit_code == 1 and "limit 50 MB" in result.output
    assert _snapshot(vault) == before


def test_cli_reports_broken_rows_with_their_lines_and_imports_the_rest(run: Any, vault: Path, tmp_path: Path) -> None:
    result = run("import", str(FIX / "vcard" / "broken.vcf"), "--yes")
    assert result.exit_code == 0, result.output
    assert "vcard/broken.vcf#card=2 line 6" in result.output
    assert "vcard/broken.vcf#card=5 line 20" in result.output
    assert (vault / "people" / "After The Break.md").exists()
    assert not list((vault / "people").glob("Never Ended*")) and not list((vault / "people").glob("Cut Off*"))


def test_cli_windows_1252_and_utf16_exports_reach_the_vault_without_mojibake(run: Any, vault: Path) -> None:
    result = run("import", str(FIX / "outlook" / "contacts.csv"), str(FIX / "google" / "google-old.csv"), "--yes")
    assert result.exit_code == 0, result.output
    renee = (vault / "people" / "Renée Lefèvre.md").read_text(encoding="utf-8")
    assert "Prefers “phone calls” – never e-mail on Fridays." in renee
    olafur = (vault / "people" / "Ólafur Sigurðsson.md").read_text(encoding="utf-8")
    assert "Norðurljós ehf." in olafur
    for path in (vault / "people").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "\ufffd" not in text and "Ã" not in text, path


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "cp1252"), ("\t", "utf-16")])
def test_exports_re_saved_by_a_spreadsheet_with_another_delimiter(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    """German Excel saves CSV with semicolons; Excel's "Unicode text" is UTF-16 with tabs."""
    import csv as csv_module

    for name, fixture in (("outlook.csv", FIX / "outlook" / "contacts.csv"), ("Connections.csv", None)):
        if fixture is None:
            text = (FIX / "linkedin" / "Connections.csv").read_text(encoding="utf-8")
            text = text[text.index("First Name") :]
        else:
            text = decode(fixture.read_bytes())
        rows = list(csv_module.reader(io.StringIO(text, newline="")))
        buf = io.StringIO()
        csv_module.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
        items = read(path)
        first = items[0]
        assert isinstance(first, Record)
        assert first.name == ("Renée Lefèvre" if fixture else "Klara Brandt")
        assert first.locator.endswith(f"{name}#row=1")
