"""SCORING.md's worked examples are fixtures: cadence status, health and friend levels."""

from __future__ import annotations

import datetime as dt

import pytest

from vaultcrm import cadence, scoring
from vaultcrm.events import Interaction
from vaultcrm.model import Entry, Person
from vaultcrm.settings import Settings

S = Settings()
AS_OF = dt.date(2026, 11, 24)


def meet(
    day: dt.date,
    path: str = "people/F.md",
    type_: str = "meet",
    fields: dict | None = None,
    kind: str = "meet",
    tags: tuple = (),
) -> Interaction:
    e = Entry(
        path=path,
        line=1,
        source="log",
        date=day,
        type=type_,
        text="",
        fields=fields or {},
        owner=path,
        tags=tags,
    )
    return Interaction(e, kind, (path,))


def friend_history(d: int, kin: bool = False) -> tuple[Person, list[Interaction]]:
    last = AS_OF - dt.timedelta(days=d)
    items = [meet(last - dt.timedelta(days=30 * n)) for n in range(60)]
    person = Person(path="people/F.md", name="F", closeness=2, kin=kin, met=last - dt.timedelta(days=1825))
    return person, items


@pytest.mark.parametrize(
    ("d", "friend", "kin_value"),
    [
        (0, 96.372, 96),
        (10, 87.143, 91),
        (30, 74.117, 83),
        (45, 61.289, 78),
        (60, 51.429, 74),
        (90, 37.712, 68),
        (180, 20.195, 54),
        (365, 12.919, 24),
    ],
)
def test_worked_health_curve(d: int, friend: float, kin_value: int) -> None:
    person, items = friend_history(d)
    h = scoring.health(person, scoring.weigh(person.path, items, S, AS_OF), S, AS_OF)
    assert h is not None and h.raw == pytest.approx(friend, abs=0.001)
    assert h.value == scoring.round_half_up(friend)
    kin, items = friend_history(d, kin=True)
    hk = scoring.health(kin, scoring.weigh(kin.path, items, S, AS_OF), S, AS_OF)
    assert hk is not None and hk.value == kin_value


def test_new_acquaintance() -> None:
    person = Person(path="people/N.md", name="N", closeness=3)
    first = AS_OF - dt.timedelta(days=1)
    items = [meet(first, person.path, "coffee")]
    h = scoring.health(person, scoring.weigh(person.path, items, S, AS_OF), S, AS_OF)
    assert h is not None and h.raw == pytest.approx(80.436, abs=0.001)
    later = first + dt.timedelta(days=61)
    h = scoring.health(person, scoring.weigh(person.path, items, S, later), S, later)
    assert h is not None and h.raw == pytest.approx(65.526, abs=0.001)


@pytest.mark.parametrize(
    ("history", "level"),
    [
        ([(7 * i, 120) for i in range(26)], 5),
        ([(7 * i, 120) for i in range(52)], 7),
        ([(7 * i, 120) for i in range(104)], 10),
        ([(i, None, "message") for i in range(365)], 4),
        ([(i, None, "like") for i in range(50)], 1),
        ([(i, 600) for i in range(7)], 2),
        ([(i, 600) for i in range(7)] + [(30 * k + 10, 120) for k in range(1, 4)], 5),
        ([(14 * i, 60, "call") for i in range(52)], 5),
    ],
)
def test_friend_level_checks(history: list, level: int) -> None:
    start = dt.date(2024, 1, 1)
    items = []
    for item in history:
        offset, minutes, *rest = item
        kind = rest[0] if rest else "meet"
        fields = {"min": str(minutes)} if minutes else {}
        items.append(meet(start + dt.timedelta(days=offset), kind=kind, type_=kind, fields=fields))
    person = Person(path="people/F.md", name="F", closeness=2)
    fl = scoring.friend_level(person, scoring.weigh(person.path, items, S, dt.date(2030, 1, 1)))
    assert fl.level == level, fl.why


def test_status_thresholds() -> None:
    assert [cadence.status_for(d, 30) for d in (0, 14, 15, 22, 23, 29, 30, 45, 46, 90, 91)] == [
        "fresh",
        "fresh",
        "ok",
        "ok",
        "upcoming",
        "upcoming",
        "due",
        "due",
        "overdue",
        "overdue",
        "lapsed",
    ]


def test_paused_days_do_not_count() -> None:
    person = Person(path="p.md", name="P", closeness=2, paused=((dt.date(2026, 7, 1), dt.date(2026, 7, 31)),))
    touch = cadence.Touch(dt.date(2026, 6, 20), "call", "call")
    info = cadence.due_info(person, [touch], S, dt.date(2026, 8, 20))
    assert info.days == 61 - 31
    assert info.next_due == dt.date(2026, 6, 20) + dt.timedelta(days=30 + 31)
    assert info.status == "due"


def test_never_touched_is_not_started_not_overdue() -> None:
    person = Person(path="p.md", name="P", closeness=1, added=dt.date(2026, 1, 1))
    info = cadence.due_info(person, [], S, AS_OF)
    assert (info.status, info.days_overdue, info.next_due) == (
        "not started",
        0,
        dt.date(2026, 1, 15),
    )


def test_priority_weighs_closeness() -> None:
    touch = [cadence.Touch(AS_OF - dt.timedelta(days=21), "call", "call")]
    close = cadence.due_info(Person(path="a.md", name="A", closeness=1), touch, S, AS_OF)
    assert close.priority == pytest.approx(21 / 14 * 3)
