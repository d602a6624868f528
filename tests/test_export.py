"""export: vCard 4.0 that phones and our importer read back, Google CSV, ICS with stable UIDs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from conftest import Run
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultcrm import export as ex


def _rich_person(run: Run, vault: Path) -> None:
    assert (
        run(
            "add",
            "Zoë d'Arc-Łukasiewicz",
            "--email",
            "zoe@example.com",
            "--email",
            "z.arc@work.example",
            "--phone",
            "+49 151 2345678",
            "--phone",
            "030 123",
            "--birthday",
            "--07-14",
            "--company",
            "Łódź; Works, Inc.",
            "--role",
            "Head of =Formulas",
            "--closeness",
            "2",
            "--tag",
            "=cmd",
        ).exit_code
        == 0
    )
    path = vault / "people/Zoë d'Arc-Łukasiewicz.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("added:", "urls: [https://zoe.example/, https://blog.example/zoe]\nadded:")
    note = "Met at the café; loves \\ backslashes, commas and a very long note " * 8
    path.write_text(text.replace("---\n## Log", f"---\n{note}\n\n## Log"), encoding="utf-8")


# ---------------------------------------------------------------------------
# vCard


def test_vcard_is_valid_crlf_folded_and_escaped(run: Run, vault: Path) -> None:
    _rich_person(run, vault)
    out = run("export", "vcard")
    assert out.exit_code == 0
    raw = out.stdout_bytes
    text = raw.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert text.count("BEGIN:VCARD") == 7 and text.count("VERSION:4.0") == 7
    unfolded = text.replace("\r\n ", "")
    assert "ORG:Łódź\\; Works\\, Inc.\r\n" in unfolded
    assert "BDAY:--0714\r\n" in unfolded and "BDAY:19800415\r\n" in unfolded
    assert "X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/klausbreyer\r\n" in unfolded
    assert "N:d'Arc-Łukasiewicz;Zoë;;;\r\n" in unfolded

    import vobject

    cards = list(vobject.readComponents(text))
    zoe = next(c for c in cards if c.fn.value == "Zoë d'Arc-Łukasiewicz")
    assert [e.value for e in zoe.contents["email"]] == ["zoe@example.com", "z.arc@work.example"]
    assert [t.value for t in zoe.contents["tel"]] == ["+49 151 2345678", "030 123"]
    assert zoe.org.value == ["Łódź; Works, Inc."]
    assert zoe.title.value == "Head of =Formulas"
    assert [u.value for u in zoe.contents["url"]] == ["https://zoe.example/", "https://blog.example/zoe"]
    assert zoe.note.value.startswith("Met at the café; loves \\ backslashes, commas")
    assert len(zoe.note.value) <= ex.NOTE_MAX


def test_vcard_uids_are_stable_and_archived_people_optional(run: Run) -> None:
    first = run("export", "vcard").stdout
    assert first == run("export", "vcard").stdout
    assert run("archive", "Ed Miller").exit_code == 0
    assert "FN:Ed Miller" not in run("export", "vcard").stdout
    assert "FN:Ed Miller" in run("export", "vcard", "--archived").stdout


def _import_vcard(data: bytes) -> list[object]:
    """Read a .vcf back through vaultcrm's own vCard importer (vaultcrm import vcard)."""
    from vaultcrm.importers import vcard as importer
    from vaultcrm.importers.record import Record

    return [r for r in importer.read("contacts.vcf", data) if isinstance(r, Record)]


def test_vcard_round_trip_through_our_importer(run: Run, vault: Path, tmp_path: Path) -> None:
    _rich_person(run, vault)
    target = tmp_path / "contacts.vcf"
    result = run("export", "vcard", "--out", str(target))
    assert result.exit_code == 0 and "Exported 7 people to" in result.stderr
    records = {r.name: r for r in _import_vcard(target.read_bytes())}  # type: ignore[attr-defined]
    zoe = records["Zoë d'Arc-Łukasiewicz"]
    assert zoe.emails == ["zoe@example.com", "z.arc@work.example"]  # type: ignore[attr-defined]
    assert zoe.phones == ["+49 151 2345678", "030 123"]  # type: ignore[attr-defined]
    assert zoe.birthday == "--07-14"  # type: ignore[attr-defined]
    assert zoe.company == "Łódź; Works, Inc."  # type: ignore[attr-defined]
    assert zoe.role == "Head of =Formulas"  # type: ignore[attr-defined]
    assert "https://zoe.example/" in zoe.urls  # type: ignore[attr-defined]
    for person in run.json("list", "--sort", "name"):  # every person comes back with the same fields
        shown = run.json("show", person["name"])
        rec = records[shown["name"]]
        assert rec.emails == shown["emails"] and rec.phones == shown["phones"]  # type: ignore[attr-defined]
        assert rec.birthday == shown["birthday"]  # type: ignore[attr-defined]
        assert (rec.role or None) == shown["role"]  # type: ignore[attr-defined]
    klaus = records["Klaus Breyer"]
    assert klaus.birthday == "1980-04-15"  # type: ignore[attr-defined]
    assert klaus.emails == ["klaus@example.com"] and klaus.company == "Acme GmbH"  # type: ignore[attr-defined]
    assert klaus.handles.get("linkedin", "").lower().endswith("klausbreyer") or any(  # type: ignore[attr-defined]
        "linkedin.com/in/klausbreyer" in u
        for u in klaus.urls  # type: ignore[attr-defined]
    )


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=120)


@settings(max_examples=200, deadline=None)
@given(name=_texts.filter(lambda s: s.strip() != ""), org=_texts, note=_texts)
def test_vcard_text_values_survive_vobject(name: str, org: str, note: str) -> None:
    import vobject

    card = ex.Card(
        path="people/x.md",
        name=name,
        given=name,
        family="",
        middle="",
        prefix="",
        suffix="",
        nickname="",
        emails=(),
        phones=(),
        birthday=None,
        org=org,
        title="",
        urls=(),
        profiles=(),
        location="",
        tags=(),
        note=note,
    )
    text = ex.vcard_of(card)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    parsed = vobject.readOne(text)
    assert parsed.fn.value == name
    if org:
        assert parsed.org.value == [org]
    if note:
        assert parsed.note.value == note


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_fold_keeps_every_character(line: str) -> None:
    folded = ex.fold(line.replace("\r", "").replace("\n", ""))
    assert folded.endswith("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in folded[:-2].split("\r\n"))
    assert folded[:-2].replace("\r\n ", "") == line.replace("\r", "").replace("\n", "")


# ---------------------------------------------------------------------------
# Google CSV

GOOGLE_HEAD = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,"
    "Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,"
    "Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,"
    "Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Website 1 - Label,Website 1 - Value"
)


def test_csv_is_googles_format_without_formula_cells(run: Run, vault: Path) -> None:
    _rich_person(run, vault)
    out = run("export", "csv")
    assert out.exit_code == 0
    text = out.stdout_bytes.decode("utf-8")
    assert text.startswith(GOOGLE_HEAD + ",Website 2 - Label,Website 2 - Value,Website 3 - Label")
    rows = list(csv.DictReader(io.StringIO(text)))
    zoe = next(r for r in rows if r["First Name"] == "Zoë")
    assert zoe["Last Name"] == "d'Arc-Łukasiewicz"
    assert zoe["E-mail 1 - Value"] == "zoe@example.com ::: z.arc@work.example"
    assert zoe["Phone 1 - Value"] == "'+49 151 2345678 ::: 030 123"
    assert zoe["Organization Name"] == "Łódź; Works, Inc."
    assert zoe["Birthday"] == "'--07-14"
    assert zoe["Labels"] == "* myContacts ::: =cmd"
    assert zoe["Website 1 - Value"] == "https://zoe.example/"
    klaus = next(r for r in rows if r["First Name"] == "Klaus")
    assert klaus["Birthday"] == "1980-04-15"
    assert klaus["Website 1 - Label"] == "LinkedIn"
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@given(st.text(max_size=20))
def test_defuse_never_leaves_a_formula(cell: str) -> None:
    out = ex.defuse(cell)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out in (cell, "'" + cell)


# ---------------------------------------------------------------------------
# ICS


def test_ics_parses_and_reexport_keeps_uids(run: Run, vault: Path) -> None:
    import icalendar

    first = run("export", "ics").stdout
    cal = icalendar.Calendar.from_ical(first)
    events = [c for c in cal.walk("VEVENT")]
    by_summary = {str(e["SUMMARY"]): e for e in events}
    assert "Get in touch with Ed Miller" in by_summary  # overdue: on today
    assert by_summary["Get in touch with Ed Miller"]["DTSTART"].dt == dt.date(2026, 11, 24)
    klaus_bday = by_summary["Klaus Breyer's birthday"]
    assert klaus_bday["DTSTART"].dt == dt.date(1980, 4, 15)
    assert klaus_bday["RRULE"]["FREQ"] == ["YEARLY"]
    jose = by_summary["José Müller's birthday"]
    assert (jose["DTSTART"].dt.month, jose["DTSTART"].dt.day) == (2, 29)
    assert "Get in touch with No Header" not in by_summary  # no closeness: no cadence
    uids = {str(e["SUMMARY"]): str(e["UID"]) for e in events}
    assert len(set(uids.values())) == len(uids)

    # a touch moves Klaus's due date: same UID, new date; an archived person drops out
    assert run("log", "Klaus", "call", "--date", "2026-11-24").exit_code == 0
    assert run("archive", "Anna Schmidt").exit_code == 0
    again = icalendar.Calendar.from_ical(run("export", "ics", today="2026-11-25").stdout)
    events2 = {str(e["SUMMARY"]): e for e in again.walk("VEVENT")}
    assert {s: str(e["UID"]) for s, e in events2.items()} == {s: u for s, u in uids.items() if "Anna" not in s}
    assert events2["Get in touch with Klaus Breyer"]["DTSTART"].dt == dt.date(2026, 12, 24)
    assert by_summary["Get in touch with Klaus Breyer"]["DTSTART"].dt == dt.date(2026, 12, 20)


def test_export_out_file_and_bad_format(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "cal.ics"
    result = run("export", "ics", "--out", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "Exported" in result.stderr and "events" in result.stderr
    assert run("export", "pdf").exit_code == 2
