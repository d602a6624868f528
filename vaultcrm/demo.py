"""The demo vault: fictional people with about a year of history, dated relative to today.

Pure and deterministic: ``demo_files(today)`` returns ``{vault-relative path: text}`` and
the same date always gives the same bytes. Everybody here is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

ORGS = {
    "Northwind Studio": ("northwind.example.com", ["design", "agency"]),
    "Blue Harbor Labs": ("blueharbor.example.com", ["biotech", "client"]),
    "Kestrel & Finch": ("kestrelfinch.example.org", ["law"]),
    "Lumen Analytics": ("lumen.example.com", ["data", "client"]),
    "Atelier Mora": ("ateliermora.example.org", ["ceramics", "craft"]),
}

# status → days since the last touch, as a share of the cadence
STATUS_GAP = {"fresh": 0.25, "ok": 0.65, "upcoming": 0.9, "due": 1.2, "overdue": 2.0, "lapsed": 3.6}

TYPES_BY_CLOSENESS = {
    1: ["coffee", "dinner", "walk", "call", "video", "message", "lunch", "drinks"],
    2: ["call", "coffee", "message", "video", "email", "lunch", "whatsapp"],
    3: ["message", "email", "call", "comment", "coffee", "like", "video"],
    4: ["like", "comment"],
}

TEXTS = {
    "coffee": [
        "at the corner café",
        "talked about the new project",
        "catch-up before work",
        "oat flat whites and gossip",
        "talked about pricing her workshops",
    ],
    "dinner": ["at the Lebanese place", "cooked risotto together", "long dinner, talked about moving abroad #deep"],
    "walk": ["along the canal", "Sunday walk in the park", "walked the dog together"],
    "lunch": ["quick lunch near the office", "ramen", "lunch at the market hall"],
    "drinks": ["after-work drinks", "rooftop bar"],
    "call": ["quick catch-up", "talked about the job offer #deep", "planning the trip", "checked in after the move"],
    "video": ["video call across time zones", "screen-shared the prototype"],
    "message": ["sent the article on pricing", "congratulated on the launch", "shared photos from the trip"],
    "email": ["followed up on the proposal", "sent the intro deck", "replied to the newsletter"],
    "whatsapp": ["voice notes back and forth", "shared the playlist"],
    "comment": ["commented on the conference talk", "replied to the post about hiring"],
    "like": ["liked the launch post"],
}


@dataclass
class Spec:
    name: str
    circle: str | None
    closeness: int | None
    tier: str | None
    stage: str | None
    status: str  # fresh … lapsed, or "dormant", "none", "new"
    extra: dict[str, object] = field(default_factory=dict)
    notes: str = ""


PEOPLE = [
    # closeness 1: the inner circle
    Spec(
        "Mara Lindqvist",
        "pals",
        1,
        "A",
        "connection",
        "fresh",
        {
            "aliases": ["Mara"],
            "location": "Berlin",
            "birthday": "1988-{soon1}",
            "tags": ["climbing", "berlin"],
            "met": "2017-05-14",
        },
        "Best friend since the climbing gym. Loves terrible puns.",
    ),
    Spec(
        "Tomasz Wójcik",
        "pals",
        1,
        "A",
        "connection",
        "due",
        {"aliases": ["Tomek"], "location": "Berlin", "tags": ["music"], "knows": ["Mara Lindqvist"]},
        "Plays bass in two bands; always has a gig to recommend.",
    ),
    Spec(
        "Aiko Tanaka",
        "creatives",
        1,
        "B",
        "connection",
        "ok",
        {"location": "Hamburg", "tags": ["illustration"], "company": "Northwind Studio", "role": "Art director"},
        "Illustrator; we trade feedback on side projects.",
    ),
    Spec(
        "Lena Hoffmann",
        "family",
        1,
        None,
        None,
        "fresh",
        {"kin": True, "location": "Leipzig", "birthday": "1961-03-02", "aliases": ["Mum"]},
        "My mother.",
    ),
    Spec(
        "Jonas Hoffmann",
        "family",
        1,
        None,
        None,
        "overdue",
        {"kin": True, "location": "Munich", "birthday": "1992-{soon2}"},
        "Little brother, works night shifts.",
    ),
    # closeness 2
    Spec(
        "Priya Raman",
        "customers",
        2,
        "A",
        "client",
        "fresh",
        {
            "company": "Blue Harbor Labs",
            "role": "Head of Research",
            "emails": ["priya@blueharbor.example.com"],
            "introduced_by": "Aiko Tanaka",
        },
        "Our biggest client. Prefers calls over email.",
    ),
    Spec(
        "Samuel Osei",
        "creatives",
        2,
        "B",
        "connection",
        "due",
        {"location": "London", "phones": ["+44 20 7946 0958"], "handles": {"twitter": "samosei_example"}},
        "Documentary filmmaker.",
    ),
    Spec(
        "Clara Benedetti",
        "customers",
        2,
        "A",
        "prospect",
        "overdue",
        {"company": "Lumen Analytics", "role": "COO", "introduced_by": "Priya Raman"},
        "Interested in the data-cleaning workshop for her team.",
    ),
    Spec(
        "Noah Fischer",
        "pals",
        2,
        "C",
        "connection",
        "upcoming",
        {"location": "Berlin", "cadence": "3w"},
        "Running buddy; half-marathon in spring.",
    ),
    Spec(
        "Fatima Zahra El Idrissi",
        "creatives",
        2,
        "B",
        "connection",
        "ok",
        {"location": "Rabat", "tags": ["photography"]},
        "Photographer; met at the Lisbon festival.",
    ),
    Spec(
        "Henrik Dahl",
        "customers",
        2,
        "B",
        "client",
        "lapsed",
        {"company": "Kestrel & Finch", "role": "Partner", "tags": ["logistics"]},
        "Signed the retainer last year; gone quiet since.",
    ),
    Spec(
        "Yuki Morimoto",
        "creatives",
        2,
        "C",
        "connection",
        "fresh",
        {"company": "Atelier Mora", "role": "Potter"},
        "Makes the mugs everybody asks about.",
    ),
    Spec(
        "Daniel Adeyemi",
        "pals",
        2,
        "B",
        "connection",
        "due",
        {"location": "Lagos", "paused": [("-120", "-75")]},
        "Spent the summer off-grid sailing.",
    ),
    Spec(
        "Sofia Marquez",
        "customers",
        2,
        "A",
        "client",
        "ok",
        {"company": "Blue Harbor Labs", "role": "CTO", "knows": ["Priya Raman"]},
        "Technical buyer at Blue Harbor.",
    ),
    Spec(
        "Ingrid Solberg",
        "pals",
        2,
        "C",
        "connection",
        "overdue",
        {"location": "Oslo", "snooze_until": "+10"},
        "On parental leave until next month.",
    ),
    Spec(
        "Rafael Costa",
        "creatives",
        2,
        "B",
        "connection",
        "upcoming",
        {"location": "Porto", "tags": ["architecture"]},
        "Architect; renovating a farmhouse.",
    ),
    Spec("Emma Schulz", "family", 2, None, None, "ok", {"kin": True, "location": "Hamburg"}, "Cousin."),
    # closeness 3
    Spec(
        "Oliver Grant",
        "customers",
        3,
        "B",
        "contact",
        "ok",
        {"company": "Lumen Analytics", "role": "Analyst"},
        "Met at the analytics meetup.",
    ),
    Spec("Chiara Romano", "creatives", 3, "C", "contact", "fresh", {"location": "Milan"}, "Type designer."),
    Spec(
        "Kwame Mensah",
        "customers",
        3,
        "A",
        "prospect",
        "due",
        {"role": "Founder", "location": "Accra", "tags": ["founder", "logistics"]},
        "Building a logistics startup.",
    ),
    Spec(
        "Hanna Virtanen",
        "pals",
        3,
        "D",
        "connection",
        "lapsed",
        {"location": "Helsinki"},
        "Flatmate from the Erasmus year.",
    ),
    Spec("Lucas Moreau", "creatives", 3, "C", "contact", "overdue", {"location": "Lyon"}, "Sound designer."),
    Spec(
        "Amara Nwosu",
        "customers",
        3,
        "B",
        "suspect",
        "upcoming",
        {"role": "Product lead"},
        "Might need help with research ops.",
    ),
    Spec("Gabriel Silva", "pals", 3, "C", "connection", "ok", {"location": "São Paulo"}, "Old colleague."),
    Spec("Nadia Petrova", "creatives", 3, "B", "contact", "fresh", {"tags": ["writing"]}, "Writes a newsletter."),
    Spec("Ethan Brooks", "customers", 3, "C", "contact", "due", {"company": "Kestrel & Finch"}, "Associate."),
    Spec("Leila Haddad", "creatives", 3, "B", "connection", "ok", {"location": "Beirut"}, "Curator."),
    Spec(
        "Mateo Rojas",
        "customers",
        3,
        "A",
        "prospect",
        "overdue",
        {"role": "Head of Ops"},
        "Asked for a proposal in spring.",
    ),
    Spec("Julia Nowak", "pals", 3, "D", "connection", "fresh", {"location": "Kraków"}, "Hiking trip friend."),
    Spec("Victor Lindgren", "creatives", 3, "C", "contact", "upcoming", {}, "Game designer."),
    Spec("Anya Kowalczyk", "customers", 3, "B", "contact", "ok", {"company": "Northwind Studio"}, "Producer."),
    Spec("Tariq Aziz", "pals", 3, "C", "connection", "due", {"location": "Dubai"}, "Childhood friend."),
    Spec(
        "Beatriz Alves",
        "creatives",
        3,
        "A",
        "connection",
        "dormant",
        {"location": "Lisbon", "tags": ["film"]},
        "Festival programmer; we lost touch after her move.",
    ),
    Spec("Felix Bauer", "customers", 3, "C", "suspect", "ok", {}, "Met at a workshop."),
    Spec(
        "Oskar Lund",
        "customers",
        3,
        "B",
        "connection",
        "dormant",
        {"location": "Stockholm", "cadence": "none"},
        "Ran the Nordic design conference; we worked on two projects together.",
    ),
    Spec("Marta Jensen", "pals", 3, "D", "connection", "lapsed", {}, "Used to be neighbours."),
    # closeness 4: not met yet
    Spec(
        "Alan Okoro",
        "customers",
        4,
        "B",
        "stranger",
        "none",
        {"role": "VP Engineering", "company": "Lumen Analytics"},
        "Would like an intro via Clara.",
    ),
    Spec("Sigrid Holm", "creatives", 4, "C", "suspect", "none", {}, "Follow her ceramics work online."),
    Spec("Marco Bellini", "customers", 4, None, "stranger", "none", {}, "Speaker at the data conference."),
    # new: added recently, not started
    Spec("Zoe Park", "creatives", 2, "B", "contact", "new", {"location": "Seoul"}, "Met at the design week party."),
    Spec("Ravi Iyer", "customers", 3, "C", "suspect", "new", {}, "Referred by Oliver."),
    # unclassified (no closeness yet)
    Spec("Elif Demir", None, None, None, None, "fresh", {"emails": ["elif@example.org"]}, "Imported contact."),
    Spec("Paul Lemaire", None, None, None, None, "none", {"emails": ["paul.lemaire@example.com"]}, "Imported contact."),
    Spec("Grace Kim", None, None, None, None, "none", {}, "Imported contact."),
]

CADENCE = {1: 14, 2: 30, 3: 90}


def _cadence(spec: Spec) -> int:
    override = spec.extra.get("cadence")
    if isinstance(override, str) and override.endswith("w"):
        return int(override[:-1]) * 7
    return CADENCE.get(spec.closeness or 3, 90)


def _fmt_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if text.startswith(("[[", "+", "-")) or ": " in text or "#" in text:
        return '"' + text.replace('"', '\\"') + '"'
    return text


def demo_files(today: dt.date) -> dict[str, str]:
    """The demo vault's files, dated relative to ``today``."""
    rng = random.Random(20261124)
    files: dict[str, str] = {}
    soon1 = today + dt.timedelta(days=3)
    soon2 = today + dt.timedelta(days=11)
    logs: dict[str, list[tuple[dt.date, str]]] = {p.name: [] for p in PEOPLE}
    start = today - dt.timedelta(days=400)

    def log(name: str, day: dt.date, line: str) -> None:
        logs[name].append((day, f"- {day.isoformat()} {line}"))

    quiet_week = today - dt.timedelta(days=today.weekday() + 7 * 9)  # a Monday two months ago: no touches

    def in_quiet_week(day: dt.date) -> bool:
        return quiet_week <= day < quiet_week + dt.timedelta(days=7)

    for spec in PEOPLE:
        if spec.status in ("none", "new"):
            continue
        c = _cadence(spec)
        if spec.status == "dormant":
            last = today - dt.timedelta(days=430)
        else:
            last = today - dt.timedelta(days=max(1, round(STATUS_GAP[spec.status] * c + rng.randint(-1, 1))))
        kinds = TYPES_BY_CLOSENESS.get(spec.closeness or 3, TYPES_BY_CLOSENESS[3])
        day = last
        first = True
        while day >= (start if spec.status != "dormant" else today - dt.timedelta(days=800)):
            if not in_quiet_week(day) and not (spec.closeness is None and not first):
                touch_kinds = [k for k in kinds if k not in ("like", "comment")]
                kind = kinds[0] if first and spec.closeness == 1 else rng.choice(touch_kinds if first else kinds)
                text = rng.choice(TEXTS.get(kind, ["caught up"]))
                fields = []
                if kind in ("call", "video") and rng.random() < 0.5:
                    fields.append(f"[min:: {rng.choice([20, 30, 45, 60])}]")
                if kind in ("coffee", "dinner", "walk", "lunch") and rng.random() < 0.3:
                    fields.append(f"[min:: {rng.choice([60, 90, 120, 180])}]")
                if rng.random() < 0.25:
                    fields.append("[dir:: out]")
                elif rng.random() < 0.2:
                    fields.append("[dir:: in]")
                if kind == "call" and rng.random() < 0.12:
                    text, fields = "voicemail only", ["[reached:: no]", "[dir:: out]"]
                if rng.random() < 0.05 and "#" not in text:
                    text += " #help"
                log(spec.name, day, f"{kind}: {text} {' '.join(fields)}".rstrip())
            first = False
            step = round(c * rng.uniform(0.55, 1.15)) if spec.closeness else 400
            day -= dt.timedelta(days=max(3, step))

    # Mara: a weekly two-hour coffee for seven months makes a level-5 friend (≥ 50 h, ≥ 4 months)
    for week in range(1, 31):
        day = today - dt.timedelta(days=2 + 7 * week)
        if not in_quiet_week(day) and all(d != day for d, _ in logs["Mara Lindqvist"]):
            log(
                "Mara Lindqvist",
                day,
                "meet: bouldering and a long coffee after [min:: 120]"
                if week % 3
                else "coffee: the usual table by the window [min:: 120]",
            )
    # Tomasz is close to his next friend level: regular long evenings
    for week in range(2, 40, 3):
        day = today - dt.timedelta(days=20 + 7 * week)
        if not in_quiet_week(day):
            log("Tomasz Wójcik", day, "dinner: long evening at his place [min:: 180]")

    # a group dinner, logged in three people's files and the daily note: one event
    dinner = today - dt.timedelta(days=12)
    for name, other in (
        ("Aiko Tanaka", "Yuki Morimoto"),
        ("Yuki Morimoto", "Aiko Tanaka"),
        ("Rafael Costa", "Aiko Tanaka"),
    ):
        log(name, dinner, f"dinner: birthday dinner for Yuki [with:: [[{other}]]] #deep")
    # an introduction that unlocks Connector
    intro = today - dt.timedelta(days=40)
    log("Clara Benedetti", intro, "intro: introduced [[Clara Benedetti]] to [[Kwame Mensah]] about logistics data")
    # a reconnection after more than a year
    log(
        "Beatriz Alves",
        today - dt.timedelta(days=5),
        "video: first call in over a year, she is back in Lisbon [dir:: out] [min:: 50]",
    )
    # dated setting changes (the past keeps its values)
    log("Priya Raman", today - dt.timedelta(days=200), "stage: prospect → client")
    log("Priya Raman", today - dt.timedelta(days=260), "closeness: 3 → 2")
    log("Clara Benedetti", today - dt.timedelta(days=90), "stage: contact → prospect")
    log("Noah Fischer", today - dt.timedelta(days=150), "closeness: 3 → 2")
    log("Henrik Dahl", today - dt.timedelta(days=330), "tier: C → B")
    log("Sofia Marquez", today - dt.timedelta(days=180), "stage: prospect → client")

    # message templates (templates/messages/reconnect/a.md and b.md): sends and their replies,
    # older than each person's last touch so that nobody's status changes (`vaultcrm ab`)
    sends = [
        ("Oliver Grant", 240, "a", (3, "message: good to hear from you! [dir:: in]")),
        ("Chiara Romano", 250, "a", None),
        ("Gabriel Silva", 230, "a", None),
        ("Leila Haddad", 260, "a", (6, "call: long catch-up after my message")),
        ("Julia Nowak", 245, "a", None),
        ("Tariq Aziz", 235, "a", None),
        ("Kwame Mensah", 240, "b", (1, "message: yes, let's talk next week [dir:: in]")),
        ("Amara Nwosu", 255, "b", (2, "email: happy to chat about research ops [dir:: in]")),
        ("Nadia Petrova", 238, "b", None),
        ("Ethan Brooks", 248, "b", (9, "coffee: met near his office")),
        ("Victor Lindgren", 232, "b", (4, "message: sent me his new game [dir:: in]")),
        ("Anya Kowalczyk", 252, "b", None),
        ("Felix Bauer", 236, "b", (1, "message: thanks for thinking of me [dir:: in]")),
    ]
    for name, ago, variant, reply in sends:
        sent = today - dt.timedelta(days=ago)
        log(name, sent, f"message: [dir:: out] [template:: reconnect/{variant}]")
        if reply is not None:
            log(name, sent + dt.timedelta(days=reply[0]), reply[1])
    log("Amara Nwosu", today - dt.timedelta(days=200), "stage: stranger → suspect")

    # people files
    for spec in PEOPLE:
        fm: list[str] = [f"name: {_fmt_value(spec.name)}"]
        extra = dict(spec.extra)
        if "aliases" in extra:
            fm.append(f"aliases: {_fmt_value(extra.pop('aliases'))}")
        if spec.circle:
            fm.append(f"circle: {spec.circle}")
        if spec.closeness is not None:
            comment = {1: "meet regularly", 2: "now and then", 3: "remote or old", 4: "not yet met"}[spec.closeness]
            fm.append(
                f"closeness: {spec.closeness}"
                + ("   # " + comment if spec.name in ("Mara Lindqvist", "Priya Raman", "Alan Okoro") else "")
            )
        if spec.stage:
            fm.append(f"stage: {spec.stage}")
        if spec.tier:
            fm.append(f"tier: {spec.tier}")
        for key in ("cadence", "kin"):
            if key in extra:
                fm.append(f"{key}: {_fmt_value(extra.pop(key))}")
        slug = spec.name.split()[0].lower().replace("ó", "o")
        emails = extra.pop("emails", [f"{slug}@example.com"])
        fm.append(f"emails: {_fmt_value(emails)}")
        if "phones" in extra:
            fm.append(f"phones: {_fmt_value(extra.pop('phones'))}")
        if "handles" in extra:
            fm.append(f"handles: {_fmt_value(extra.pop('handles'))}")
        if "company" in extra:
            fm.append(f'company: "[[{extra.pop("company")}]]"')
        for key in ("role", "location"):
            if key in extra:
                fm.append(f"{key}: {_fmt_value(extra.pop(key))}")
        if "birthday" in extra:
            raw = str(extra.pop("birthday"))
            raw = raw.replace("{soon1}", soon1.strftime("%m-%d")).replace("{soon2}", soon2.strftime("%m-%d"))
            fm.append(f"birthday: {raw}")
        if "tags" in extra:
            fm.append(f"tags: {_fmt_value(extra.pop('tags'))}")
        if "knows" in extra:
            fm.append("knows:")
            for other in extra.pop("knows"):  # type: ignore[attr-defined]
                fm.append(f'  - "[[{other}]]"')
        if spec.name == "Clara Benedetti":
            fm.append("knows:")
            fm.append('  - {who: "[[Alan Okoro]]", closeness: 2, note: works with him every day}')
        if spec.name == "Oliver Grant":
            fm.append("knows:")
            fm.append('  - {who: "[[Alan Okoro]]", closeness: 4, note: met once at a conference}')
            fm.append("  - {who: Ines Duarte, closeness: 4, note: met once at a seminar}")
        if "introduced_by" in extra:
            fm.append(f'introduced_by: "[[{extra.pop("introduced_by")}]]"')
        if "snooze_until" in extra:
            days = int(str(extra.pop("snooze_until")))
            fm.append(f"snooze_until: {(today + dt.timedelta(days=days)).isoformat()}")
        if "paused" in extra:
            span: list[tuple[str, str]] = extra.pop("paused")  # type: ignore[assignment]
            a, b = span[0]
            fm.append(
                f"paused: [{{from: {(today + dt.timedelta(days=int(a))).isoformat()}, "
                f"to: {(today + dt.timedelta(days=int(b))).isoformat()}}}]"
            )
        if "met" in extra:
            fm.append(f"met: {extra.pop('met')}")
        added = today - dt.timedelta(days=rng.randint(3, 9)) if spec.status == "new" else start - dt.timedelta(days=30)
        fm.append(f"added: {added.isoformat()}")
        entries = sorted(logs[spec.name], key=lambda x: x[0], reverse=True)
        body = spec.notes + "\n\n## Log\n" + "".join(line + "\n" for _, line in entries)
        tasks = []
        if spec.name == "Clara Benedetti":
            tasks.append(f"- [ ] send Clara the workshop outline 📅 {(today + dt.timedelta(days=2)).isoformat()}")
        if spec.name == "Priya Raman":
            tasks.append(
                f"- [ ] renewal call about next year's retainer 📅 {(today + dt.timedelta(days=5)).isoformat()}"
            )
            tasks.append(f"- [x] call Priya about the invoice ✅ {(today - dt.timedelta(days=3)).isoformat()}")
        if spec.name == "Henrik Dahl":
            tasks.append(f"- [ ] ask Henrik how the merger went 📅 {(today - dt.timedelta(days=4)).isoformat()}")
        if tasks:
            body += "\n## Tasks\n" + "".join(t + "\n" for t in tasks)
        files[f"people/{spec.name}.md"] = "---\n" + "\n".join(fm) + "\n---\n" + body

    for org, (site, tags) in ORGS.items():
        files[f"orgs/{org}.md"] = (
            f'---\nname: "{org}"\nwebsite: https://{site}\ntags: {_fmt_value(tags)}\n---\n'
            f"People at {org}: see their files.\n"
        )

    deals = [
        ("Blue Harbor retainer 2027", "Priya Raman", "proposal", 24000, 20),
        ("Lumen data-cleaning workshop", "Clara Benedetti", "qualified", 6500, 45),
        ("Kwame logistics research", "Kwame Mensah", "lead", 9000, 90),
        ("Kestrel & Finch retainer", "Henrik Dahl", "won", 18000, -200),
        ("Northwind brand refresh", "Aiko Tanaka", "proposal", 4800, 6 - today.weekday()),  # closes this Sunday
    ]
    for title, contact, stage, value, close in deals:
        # the deal's ## Log dates each stage it passed (newest first), as `vaultcrm deal move` writes
        path = ["none", "lead", "qualified", "proposal", "won"]
        steps = path[: path.index(stage) + 1]
        history = [
            f"- {(today - dt.timedelta(days=30 * (len(steps) - i) + min(close, 0) * -1)).isoformat()} "
            f"stage: {old} → {new}"
            for i, (old, new) in enumerate(zip(steps, steps[1:], strict=False), start=1)
        ]
        todo = ""
        if title == "Blue Harbor retainer 2027":
            todo = f"\n## Tasks\n- [ ] send the revised proposal 📅 {(today + dt.timedelta(days=3)).isoformat()}\n"
        files[f"deals/{title}.md"] = (
            f'---\ncontact: "[[{contact}]]"\nstage: {stage}\nvalue: {value}\ncurrency: EUR\n'
            f"close: {(today + dt.timedelta(days=close)).isoformat()}\n---\n\n## Log\n"
            + "".join(line + "\n" for line in reversed(history))
            + todo
        )

    # daily notes: touches written where they happened
    journal = [
        (2, "Rainy Saturday.", ["walk with [[Noah Fischer]] before the rain [min:: 75]", "finished the book"]),
        (12, "Yuki's birthday.", ["dinner with [[Yuki Morimoto]] and [[Aiko Tanaka]]", "bought flowers"]),
        (
            26,
            "Conference day two.",
            ["coffee with [[Oliver Grant]] between talks", "call with [[Amara Nwosu]] about research ops [min:: 30]"],
        ),
        (47, "Studio visit.", ["visit to [[Yuki Morimoto]] at the studio #deep"]),
        (95, "Back from the trip.", ["- [x] call [[Lena Hoffmann]] to say I'm home ✅ {d}"]),
    ]
    for offset, note, items in journal:
        day = today - dt.timedelta(days=offset)
        if in_quiet_week(day):
            continue
        lines = []
        for item in items:
            if item.startswith("- [x]"):
                lines.append(item.format(d=day.isoformat()))
            else:
                lines.append(f"- {item}")
        files[f"journal/{day.isoformat()}.md"] = note + "\n\n" + "\n".join(lines) + "\n"

    files["projects/Offsite 2026.md"] = (
        "# Offsite 2026\n\nPlanning the team offsite in the mountains.\n\n"
        f"- [x] call [[Sofia Marquez]] about the venue ✅ {(today - dt.timedelta(days=16)).isoformat()}\n"
        f"- [ ] send the agenda to [[Priya Raman]] 📅 {(today + dt.timedelta(days=6)).isoformat()}\n"
    )
    return files
