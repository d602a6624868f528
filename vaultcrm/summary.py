"""Per-person summaries: the stable JSON of a person, and the index table behind list and due.

A summary is everything `show --json` and `list --json` say about a person. They are
computed for every person at once and stored in the index's ``summary`` table, keyed by
the index generation, today, the settings and the version, so that `list` and `due` are
indexed queries on a warm vault.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import scoring

if TYPE_CHECKING:
    from .cadence import DueInfo, Touch
    from .core import Vault
    from .model import Person


@contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a whole-vault computation runs.

    Loading every interaction and replaying them allocates hundreds of thousands of small
    objects that stay alive until the command ends; each automatic collection re-scans all
    of them, which was a third of the CPU time of the first `profile` at 10k people.
    Nothing here builds reference cycles worth collecting early.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def person_summary(v: Vault, p: Person, touches: dict[str, list[Touch]] | None = None) -> dict[str, Any]:
    """The stable JSON shape of a person (DESIGN.md "JSON that scripts can rely on")."""
    info: DueInfo = v.due_info(p, touches)
    level = v.settings.levels.get(p.closeness) if p.closeness else None
    health = v.health(p)
    friend = v.friend_level(p) if v.gamification else None
    week_ago = v.today - dt.timedelta(days=7)
    before = (
        scoring.health(p, scoring.weigh(p.path, v.interactions_of(p), v.settings, week_ago), v.settings, week_ago)
        if health is not None
        else None
    )
    archived = v.is_archived(p)
    status = "archived" if archived else ("snoozed" if info.snoozed else info.status)
    return {
        "name": p.name,
        "path": p.path,
        "aliases": list(p.aliases),
        "closeness": p.closeness,
        "closeness_name": level.name if level else None,
        "circle": p.circle,
        "stage": p.stage,
        "tier": p.tier,
        "cadence": info.cadence,
        "kin": p.kin,
        "health": health.value if health else None,
        "band": health.band if health else None,
        "band_week_ago": before.band if before else None,
        "friend_level": friend.level if friend else None,
        "friend_title": friend.title if friend else None,
        "status": status,
        "last_touch": info.last_touch.isoformat() if info.last_touch else None,
        "last_type": info.last_type,
        "next_due": info.next_due.isoformat() if info.next_due else None,
        "suggested": suggest_touch(v, p),
        "days_since": info.days,
        "days_overdue": info.days_overdue,
        "priority": info.priority,
        "archived": archived,
        "snooze_until": p.snooze_until.isoformat() if p.snooze_until else None,
        "company": p.company,
        "role": p.role,
        "location": p.location,
        "emails": list(p.emails),
        "phones": list(p.phones),
        "birthday": p.birthday,
        "tags": list(p.tags),
        "added": p.added.isoformat() if p.added else None,
    }


LIST_KEYS = (
    "name", "path", "closeness", "circle", "stage", "tier", "tags", "location", "archived", "status", "band",
    "priority", "last_touch", "last_type", "health", "added", "next_due", "days_overdue", "cadence", "birthday",
    "suggested", "days_since",
)  # fmt: skip


SEP = "\x1f"


def ensure_summaries(v: Vault) -> None:
    """Make the index's summary table current: one row per person, recomputed only when a
    file, the settings or today changed since it was written (then `list` and `due` are
    plain indexed queries).

    After file edits alone (same day, settings and version) only the people those files
    can concern are recomputed: see :func:`_affected`. Anything else recomputes everyone.
    """
    import json

    from . import __version__

    base = [v.today.isoformat(), v.settings_digest, __version__, LIST_KEYS]
    key = json.dumps([v.index.generation(), *base])
    old_key = v.index.summary_key()
    if old_key == key:
        return
    with without_gc():
        state = _file_state(v)
        snap_raw = v.index.derived_get(SNAPSHOT, json.dumps([*base, SNAPSHOT_FORMAT]))
        snap = json.loads(snap_raw) if snap_raw is not None else None
        affected = _affected(v, snap, state, old_key) if snap is not None else None
        if affected is not None and len(affected) <= INCREMENTAL_MAX:
            people = [p for p in (v.index.person(path) for path in sorted(affected)) if p is not None]
            rows = [_row(v, person_summary(v, p)) for p in people]
            _update_summary(v, key, sorted(affected), rows)
        else:
            touches = v.touches()
            v.index.replace_summary(key, [_row(v, person_summary(v, p, touches)) for p in v.people()])
        # written after the rows, and tied to their key: a snapshot never claims more than they hold
        state["summary_key"] = key
        v.index.derived_put(SNAPSHOT, json.dumps([*base, SNAPSHOT_FORMAT]), json.dumps(state, ensure_ascii=False))


SNAPSHOT = "summary/files"
SNAPSHOT_FORMAT = 2  # files: {path: hash}, links: {path: keys joined by SEP}, names: digest
INCREMENTAL_MAX = 300  # beyond this many people a full recompute (one pass over everything) is cheaper


def _row(v: Vault, d: dict[str, Any]) -> tuple[Any, ...]:
    """The ``summary`` table row of one person's summary."""
    import json

    tier_rank = {t: i for i, t in enumerate(v.settings.tiers)}
    return (
        d["path"],
        d["name"].casefold(),
        d["closeness"],
        (d["circle"] or "").casefold(),
        (d["stage"] or "").casefold(),
        (d["tier"] or "").upper(),
        tier_rank.get(d["tier"], 99),
        SEP + SEP.join(t.casefold() for t in d["tags"]) + SEP,
        (d["location"] or "").casefold(),
        int(d["archived"]),
        d["status"],
        d["band"],
        d["priority"],
        d["last_touch"],
        d["health"],
        d["added"],
        d["next_due"],
        d["birthday"],
        d["friend_level"],
        d["name"],
        json.dumps([d[k] for k in LIST_KEYS], ensure_ascii=False),
        json.dumps(d, ensure_ascii=False),
    )


def _file_state(v: Vault) -> dict[str, Any]:
    """What the summaries were computed from, file by file: each file's content hash, the
    link keys it holds (joined by SEP), and a digest of every name in the vault."""
    import hashlib

    conn = v.index.conn
    files = dict(conn.execute("SELECT path, hash FROM files"))
    links = dict(
        conn.execute(
            "SELECT path, group_concat(key, char(31)) FROM "
            "(SELECT DISTINCT path, key FROM links ORDER BY path, key) GROUP BY path"
        )
    )
    row = conn.execute(
        "SELECT group_concat(name || char(30) || path, char(31)) FROM "
        "(SELECT name, path FROM names ORDER BY path, name)"
    ).fetchone()
    names = hashlib.blake2b((row[0] or "").encode(), digest_size=16).hexdigest()
    return {"files": files, "links": links, "names": names}


def _affected(v: Vault, snap: dict[str, Any], state: dict[str, Any], old_key: str | None) -> set[str] | None:
    """The person paths whose summaries the file changes since ``snap`` can have changed,
    or None when everyone must be recomputed.

    A person's interactions come from their own file and from files that [[link]] one of
    their names (the same rule as ``Vault.interactions_of`` for one person). So when no
    name in the vault changed (no person added, removed or renamed), an edit of file F can
    change only F's owner and the people F linked before or links now.
    """
    if snap.get("summary_key") != old_key or old_key is None or snap.get("names") != state["names"]:
        return None
    old_files, new_files = snap.get("files", {}), state["files"]
    changed = {p for p in old_files.keys() | new_files.keys() if old_files.get(p) != new_files.get(p)}
    if not changed:
        return set()
    old_links, new_links = snap.get("links", {}), state["links"]
    keys: set[str] = set()
    for path in changed:
        for joined in (old_links.get(path), new_links.get(path)):
            if isinstance(joined, str) and joined:
                keys.update(joined.split(SEP))
    out = set(changed)  # the owners (paths of files that are not people match no summary row)
    conn = v.index.conn
    sorted_keys = sorted(keys)
    for i in range(0, len(sorted_keys), 500):
        chunk = sorted_keys[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        out.update(path for (path,) in conn.execute(f"SELECT DISTINCT path FROM names WHERE name IN ({marks})", chunk))
    return out


def _update_summary(v: Vault, key: str, paths: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Replace the summary rows of ``paths`` (deleting those of people who are gone)."""
    conn = v.index.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("DELETE FROM summary WHERE path = ?", [(p,) for p in paths])
        conn.executemany("INSERT INTO summary VALUES (" + ", ".join("?" * 22) + ")", rows)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('summary', ?)", (key,))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def query_summaries(
    v: Vault, where: str = "1", params: list[Any] | None = None, order: str = "name_key, path"
) -> list[tuple[dict[str, Any], str]]:
    """(the LIST_KEYS values as a dict, the full summary as JSON text) for matching people."""
    import json

    ensure_summaries(v)
    return [
        (dict(zip(LIST_KEYS, json.loads(keys), strict=True)), raw)
        for keys, raw in v.index.query_summary(where, params or [], order)
    ]


def all_summaries(v: Vault) -> list[tuple[dict[str, Any], str]]:
    return query_summaries(v)


def suggest_touch(v: Vault, p: Person) -> str:
    """The touch to suggest: the person's most frequent recent touch kind, else by closeness."""
    from collections import Counter

    types = v.settings.types
    recent = [it for it in v.interactions_of(p) if types[it.kind].touch and it.reached and it.date <= v.today][-6:]
    if recent:
        kind, _ = Counter(it.kind for it in recent).most_common(1)[0]
        return kind
    return {1: "meet", 2: "call", 3: "message"}.get(p.closeness or 0, "message")


def game_summary(v: Vault) -> dict[str, Any]:
    """The game as JSON (profile, all badges, recent XP by day and unlocks), cached in the index
    until a file, the settings or today change; `profile`, `badges` and `review` read it."""

    def compute() -> dict[str, Any]:
        from collections import Counter

        report = v.game()
        data: dict[str, Any] = report.to_json()
        levels = Counter(f.level for f in report.friend_levels.values() if f.hours > 0 or f.level > 1)
        data["friend_levels"] = {str(level): levels.get(level, 0) for level in range(1, 11)}
        data["on_time"] = report.on_time_streak.to_json()
        data["touch_streak"] = report.touch_streak.to_json()
        best = sorted(report.friend_levels.values(), key=lambda f: (-f.level, -f.hours, f.name))[:5]
        data["closest"] = [
            {
                "name": f.name,
                "path": f.path,
                "friend_level": f.level,
                "friend_title": f.title,
                "stars": f.stars,
                "bond_hours": round(f.hours, 1),
                "months": f.months,
            }
            for f in best
        ]
        data["today"] = v.today.isoformat()
        data["gamification"] = True
        since = v.today - dt.timedelta(days=60)
        return {
            "profile": data,
            "badges": [b.to_json() for b in report.badges],
            "days": {d.date.isoformat(): d.total for d in report.days if d.date >= since},
            "unlocks": [
                {
                    "date": u.date.isoformat(),
                    "kind": u.kind,
                    "id": u.id,
                    "name": u.name,
                    "value": u.value,
                    "text": u.text,
                }
                for u in report.unlocks
                if u.date >= since
            ],
            "level": {"level": report.level.level, "progress": report.level.progress, "xp": report.xp},
        }

    with without_gc():
        data: dict[str, Any] = v.cached("game/2", compute)
    return data
