"""How fast the import sources read big exports (parsing only; matching and writing are in
bench_import.py). Prints figures; asserts nothing.

    python bench/bench_import_sources.py [ROWS]
"""

from __future__ import annotations

import csv
import io
import sys
import time

from vaultcrm.importers import read_bytes


def linkedin(rows: int) -> bytes:
    buf = io.StringIO()
    buf.write('Notes:\n"When exporting your connection data, some email addresses are missing."\n\n')
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
    for i in range(rows):
        w.writerow(
            [
                f"Given{i}",
                f"Müller{i}",
                f"https://www.linkedin.com/in/person-{i}",
                f"p{i}@example.com" if i % 4 == 0 else "",
                f"Firma {i % 300}, GmbH",
                "Engineer",
                "24 Nov 2026",
            ]
        )
    return buf.getvalue().encode("utf-8")


def google(rows: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
            "First Name",
            "Last Name",
            "Labels",
            "E-mail 1 - Label",
            "E-mail 1 - Value",
            "Phone 1 - Label",
            "Phone 1 - Value",
            "Address 1 - Formatted",
            "Birthday",
            "Notes",
        ]
    )
    for i in range(rows):
        w.writerow(
            [
                f"José{i}",
                f"Ørsted{i}",
                "* myContacts ::: Friends",
                "Home",
                f"a{i}@example.com ::: b{i}@example.com",
                "Mobile",
                f"+49 30 {i:07d}",
                f"Straße {i}\n10115 Berlin",
                "--04-15",
                "A note,\nwith two lines",
            ]
        )
    return buf.getvalue().encode("utf-16")


def vcards(rows: int) -> bytes:
    cards = []
    for i in range(rows):
        cards.append(
            "BEGIN:VCARD\r\nVERSION:2.1\r\n"
            f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller{i};Jos=C3=A9;;;\r\n"
            f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Jos=C3=A9 M=C3=BCller{i}\r\n"
            f"TEL;CELL:+49 170 {i:07d}\r\nEMAIL;HOME:jose{i}@example.com\r\n"
            f"item1.URL:https://www.linkedin.com/in/jose-{i}\r\nitem1.X-ABLabel:LinkedIn\r\n"
            "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Eine lange Notiz =C3=BCber =\r\nzwei Zeilen\r\nEND:VCARD\r\n"
        )
    return "".join(cards).encode("utf-8")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for label, name, make in (
        ("LinkedIn Connections.csv (UTF-8)", "Connections.csv", linkedin),
        ("Google CSV (UTF-16, ::: values)", "contacts.csv", google),
        ("vCard 2.1 (quoted-printable)", "contacts.vcf", vcards),
    ):
        data = make(rows)
        start = time.perf_counter()
        n = sum(1 for _ in read_bytes(name, data))
        took = time.perf_counter() - start
        print(f"{label:36} {rows:>6} rows  {len(data) / 1e6:5.1f} MB  {took:6.2f} s  ({n / took:,.0f} records/s)")


if __name__ == "__main__":
    main()
