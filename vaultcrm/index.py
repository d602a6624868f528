"""The SQLite cache of parsed records: ``.vaultcrm/index.sqlite``.

Rebuildable by deleting it; never the source of truth. Every command calls
:meth:`Index.refresh` first: a stat walk, then only new or changed files are
parsed (unchanged size and mtime → skipped; a changed mtime with the same size,
or a file saved within a second of its last indexing, is checked by content
hash first). Large cold builds parse in two worker processes, each writing its
rows into a scratch SQLite file; this process copies them in with
``INSERT … SELECT`` inside one transaction. Smaller or incremental refreshes
parse here (or in workers that send rows back) and insert in batches.

Concurrency: WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` around each
refresh so that two processes refreshing at once serialise cleanly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from . import vault as vaultio
from .model import Diagnostic, Entry, ParsedFile, Person, Task, parse_file
from .settings import Folders

SCHEMA_VERSION = 11
DB_NAME = "index.sqlite"
RACY_NS = 1_000_000_000  # files saved this close to a refresh are re-checked by hash next time
PARALLEL_MIN = 500  # parse in worker processes from this many files on


def _pool_method() -> str | None:
    """How to start parse workers, or None to parse in this process.

    ``fork`` on Linux (the workers share the parent's imports: fast), but only while this
    process has a single thread: forking a threaded process (``vaultcrm watch``, with its
    observer threads) can leave a worker holding a lock that no thread will ever release,
    and the refresh hangs. Elsewhere ``spawn``.
    """
    if sys.platform != "linux":
        return "spawn"
    import threading

    return "fork" if threading.active_count() == 1 else None


BULK_MIN = 1000  # a cold build of this many files drops the indexes and builds them at the end

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, hash TEXT,
    kind TEXT, racy INTEGER, fatal INTEGER, fm TEXT);
CREATE TABLE IF NOT EXISTS people(path TEXT PRIMARY KEY, name TEXT, data TEXT);
CREATE TABLE IF NOT EXISTS names(name TEXT, path TEXT);
CREATE INDEX IF NOT EXISTS names_path ON names(path);
CREATE INDEX IF NOT EXISTS names_name ON names(name);
CREATE TABLE IF NOT EXISTS entries(
    path TEXT, line INTEGER, source TEXT, date TEXT, time TEXT, type TEXT, text TEXT,
    fields TEXT, links TEXT, with_ TEXT, tags TEXT, owner TEXT, reserved INTEGER,
    old TEXT, new TEXT, norm TEXT);
CREATE INDEX IF NOT EXISTS entries_path ON entries(path);
CREATE INDEX IF NOT EXISTS entries_date ON entries(date);
CREATE TABLE IF NOT EXISTS tasks(path TEXT, line INTEGER, open INTEGER, due TEXT, data TEXT);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(due);
CREATE INDEX IF NOT EXISTS tasks_path ON tasks(path);
CREATE TABLE IF NOT EXISTS links(path TEXT, target TEXT, line INTEGER, key TEXT);
CREATE INDEX IF NOT EXISTS links_path ON links(path);
CREATE INDEX IF NOT EXISTS links_key ON links(key);
CREATE TABLE IF NOT EXISTS derived(name TEXT PRIMARY KEY, key TEXT, data TEXT);
CREATE TABLE IF NOT EXISTS summary(
    path TEXT PRIMARY KEY, name_key TEXT, closeness INTEGER, circle_key TEXT, stage_key TEXT,
    tier_key TEXT, tier_rank INTEGER, tags_key TEXT, location_key TEXT, archived INTEGER, status TEXT,
    band TEXT, priority REAL, last_touch TEXT, health INTEGER, added TEXT, next_due TEXT, birthday TEXT,
    friend_level INTEGER, name TEXT, keys TEXT, data TEXT);
CREATE INDEX IF NOT EXISTS summary_status ON summary(status);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    path UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS diagnostics(
    path TEXT, line INTEGER, severity TEXT, code TEXT, message TEXT);
CREATE INDEX IF NOT EXISTS diagnostics_path ON diagnostics(path);
"""
_INDEXES = (
    "names_path",
    "names_name",
    "entries_path",
    "entries_date",
    "tasks_path",
    "tasks_due",
    "links_path",
    "links_key",
    "diagnostics_path",
    "summary_status",
)
_SEP = "\x1f"  # joins link lists in one column (never in a file name or a tag)
_TABLES = ("files", "people", "names", "entries", "tasks", "links", "diagnostics")
_ALL_TABLES = (*_TABLES, "derived", "meta", "fts", "summary")


@dataclass
class RefreshStats:
    """What one refresh did; ``parsed`` counts files parsed (tests assert on it)."""

    scanned: int = 0
    parsed: int = 0
    hashed: int = 0
    removed: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.parsed or self.removed)


class FileRows(NamedTuple):
    """One parsed file as rows ready for insertion (a plain tuple: cheap to pickle between processes)."""

    path: str
    size: int
    mtime_ns: int
    hash: str
    kind: str
    fatal: bool
    fm: str  # the frontmatter as JSON, for files that are not people (people keep it in `meta`)
    body: str = ""
    person: tuple[str, str, str] | None = None
    names: list[tuple[str, str]] = []  # noqa: RUF012 - never mutated
    entries: list[tuple[Any, ...]] = []  # noqa: RUF012
    tasks: list[tuple[str, int, int, str | None, str]] = []  # noqa: RUF012
    links: list[tuple[str, str, int, str]] = []  # noqa: RUF012
    diagnostics: list[tuple[str, int | None, str, str, str]] = []  # noqa: RUF012


def name_key(name: str) -> str:
    """How names are compared: any case, and NFC (macOS writes file names in NFD)."""
    return unicodedata.normalize("NFC", name.strip()).lower()


def _pack(fields: dict[str, str]) -> str:
    """Inline fields as one column: key\x1evalue\x1fkey\x1evalue (faster to read than JSON)."""
    if not fields:
        return ""
    packed = _SEP.join([f"{k}\x1e{v}" for k, v in fields.items()])
    # a separator inside a key or value shows as an extra one (one pass over the text)
    if "\x1d" in packed or packed.count("\x1e") != len(fields) or packed.count(_SEP) != len(fields) - 1:
        return "\x1d" + json.dumps(fields, ensure_ascii=False)  # control characters: play safe
    return packed


def _unpack(packed: str) -> dict[str, str]:
    if packed[0] == "\x1d":
        return dict(json.loads(packed[1:]))
    return dict(item.split("\x1e", 1) for item in packed.split(_SEP))


def _rows(parsed: ParsedFile, size: int, mtime_ns: int, digest: str) -> FileRows:
    dumps = json.dumps
    fatal = parsed.fatal is not None
    p = parsed.path
    person_row = None
    names: list[tuple[str, str]] = []
    fm = ""
    if parsed.person is not None and not fatal:
        person = parsed.person
        person_row = (p, person.name, dumps(person.to_json(), ensure_ascii=False))
        names = [(name_key(n), p) for n in dict.fromkeys(person.all_names())]
    elif parsed.frontmatter:
        fm = dumps(parsed.frontmatter, ensure_ascii=False)
    join = _SEP.join
    pack = _pack
    entries: list[tuple[Any, ...]] = [
        (
            p,
            line,
            source,
            date.isoformat(),
            time,
            type_,
            text,
            pack(fields) if fields else "",
            join(links) if links else "",
            join(with_) if with_ else "",
            join(tags) if tags else "",
            owner,
            1 if reserved else 0,
            old,
            new,
            norm,
        )  # fmt: skip
        for (
            _,
            line,
            source,
            date,
            type_,
            text,
            time,
            fields,
            links,
            with_,
            tags,
            owner,
            reserved,
            old,
            new,
            norm,
        ) in parsed.entries
    ]
    tasks: list[tuple[str, int, int, str | None, str]] = []
    for t in parsed.tasks:
        row = {
            "path": t.path,
            "line": t.line,
            "status": t.status,
            "text": t.text,
            "due": t.due.isoformat() if t.due else None,
            "done": t.done.isoformat() if t.done else None,
            "scheduled": t.scheduled.isoformat() if t.scheduled else None,
            "links": list(t.links),
            "owner": t.owner,
            "type": t.type,
        }
        due = t.due.isoformat() if t.due else None
        tasks.append((p, t.line, int(t.is_open), due, dumps(row, ensure_ascii=False)))
    links = [(p, target, line, name_key(target)) for target, line in parsed.mentions]
    if parsed.person is not None:
        for k in parsed.person.knows:
            links.append((p, k.who, 0, name_key(k.who)))
        for target in (parsed.person.introduced_by, parsed.person.company):
            if target:
                links.append((p, target, 0, name_key(target)))
    diagnostics = [(p, d.line, d.severity, d.code, d.message) for d in parsed.diagnostics]
    return FileRows(
        p, size, mtime_ns, digest, parsed.kind, fatal, fm, "", person_row, names, entries, tasks, links, diagnostics
    )


def parse_one(root: str, rel: str, folders: Folders, raw: bytes | None = None) -> FileRows:
    """Read and parse one file into rows; problems become diagnostics, never exceptions."""
    path = os.path.join(root, rel)
    try:
        st = os.lstat(path)
        if os.path.islink(path):
            real = os.path.realpath(path)
            if os.path.commonpath([real, os.path.realpath(root)]) != os.path.realpath(root):
                raise vaultio.ReadProblem("a symlink pointing outside the vault: not followed", code="symlink")
        st = os.stat(path)
        if raw is None:
            vaultio.check_size(st.st_size)
            raw = vaultio.read_bytes(Path(path))
        digest = vaultio.content_hash(raw)
        text = vaultio.decode(raw)
    except vaultio.ReadProblem as exc:
        parsed = ParsedFile(rel, "unreadable")
        parsed.diagnostics.append(Diagnostic(rel, exc.line, exc.reason, code=exc.code))
        return _rows(parsed, st.st_size, st.st_mtime_ns, "")
    except OSError as exc:
        parsed = ParsedFile(rel, "unreadable")
        parsed.diagnostics.append(Diagnostic(rel, None, f"cannot read: {exc.strerror}", code="read"))
        return _rows(parsed, 0, 0, "")
    try:
        parsed = parse_file(rel, text, folders)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the vault
        parsed = ParsedFile(rel, "unreadable")
        parsed.diagnostics.append(Diagnostic(rel, None, f"internal error while parsing: {exc!r}", code="internal"))
    rows = _rows(parsed, st.st_size, st.st_mtime_ns, digest)
    if not rows.fatal:
        rows = rows._replace(body=parsed.body)
    return rows


_WORKER: dict[str, Any] = {}


def _worker_init(root: str, folders: Folders, build_dir: str | None = None, scan_ns: int = 0) -> None:
    _WORKER["root"] = root
    _WORKER["folders"] = folders
    _WORKER["build_dir"] = build_dir
    _WORKER["scan_ns"] = scan_ns


def _worker_parse(rel: str) -> FileRows:
    return parse_one(_WORKER["root"], rel, _WORKER["folders"])


BUILD_CHUNK = 100  # files per task of a cold build in workers (rowids are reserved per task)
_BUILD_PREFIX = "build-"
# A worker's own database: the index's tables without indexes, the full-text rows as a plain
# table (the main process feeds them to FTS5 when it copies them over).
_WORKER_SCHEMA = [
    stmt
    for stmt in _SCHEMA.split(";")
    if stmt.strip().startswith("CREATE TABLE") and "fts5" not in stmt and " meta(" not in stmt
] + ["CREATE TABLE fts(path TEXT, body TEXT)"]


def _worker_build(task: tuple[int, list[str]]) -> int:
    """Parse a run of files and write their rows into this worker's own database file.

    Rows then never travel through pickling: the main process copies whole tables over with
    ``INSERT … SELECT`` (C speed), which is most of what a cold build spent in that process.
    """
    first_rowid, rels = task
    conn = _WORKER.get("conn")
    if conn is None:
        path = os.path.join(_WORKER["build_dir"], f"w{os.getpid()}.sqlite")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = OFF")  # a scratch file: the main transaction is the safety
        conn.execute("PRAGMA synchronous = OFF")
        for stmt in _WORKER_SCHEMA:
            conn.execute(stmt)
        _WORKER["conn"] = conn
    root, folders = _WORKER["root"], _WORKER["folders"]
    batch = _Batch(first_rowid, _WORKER["scan_ns"])
    for rel in rels:
        batch.add(parse_one(root, rel, folders))
    conn.execute("BEGIN")
    batch.flush(conn)
    conn.execute("COMMIT")
    return len(rels)


class _Batch:
    """Rows of many files, written with one executemany per table (much cheaper than per file)."""

    def __init__(self, rowid: int, scan_ns: int) -> None:
        self.rowid = rowid
        self.scan_ns = scan_ns
        self.count = 0
        self.tables: dict[str, list[tuple[Any, ...]]] = {
            "files": [],
            "fts": [],
            "people": [],
            "names": [],
            "entries": [],
            "tasks": [],
            "links": [],
            "diagnostics": [],
        }

    def __len__(self) -> int:
        return self.count

    def add(self, rows: FileRows) -> None:
        t = self.tables
        rowid = self.rowid
        self.rowid += 1
        self.count += 1
        racy = int(rows.mtime_ns >= self.scan_ns - RACY_NS)
        t["files"].append(
            (rowid, rows.path, rows.size, rows.mtime_ns, rows.hash, rows.kind, racy, int(rows.fatal), rows.fm)
        )
        if rows.body:
            t["fts"].append((rowid, rows.path, rows.body))
        if rows.person:
            t["people"].append(rows.person)
        t["names"] += rows.names
        t["entries"] += rows.entries
        t["tasks"] += rows.tasks
        t["links"] += rows.links
        t["diagnostics"] += rows.diagnostics

    def flush(self, conn: sqlite3.Connection) -> None:
        t = self.tables
        conn.executemany(
            "INSERT INTO files(rowid, path, size, mtime_ns, hash, kind, racy, fatal, fm) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            t["files"],
        )
        conn.executemany("INSERT INTO fts(rowid, path, body) VALUES (?, ?, ?)", t["fts"])
        conn.executemany("INSERT INTO people VALUES (?, ?, ?)", t["people"])
        conn.executemany("INSERT INTO names VALUES (?, ?)", t["names"])
        conn.executemany("INSERT INTO entries VALUES (" + ", ".join("?" * 16) + ")", t["entries"])
        conn.executemany("INSERT INTO tasks VALUES (?, ?, ?, ?, ?)", t["tasks"])
        conn.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", t["links"])
        conn.executemany("INSERT INTO diagnostics VALUES (?, ?, ?, ?, ?)", t["diagnostics"])
        for rows in t.values():
            rows.clear()
        self.count = 0


class Index:
    """The cache for one vault. Use as a context manager or call :meth:`close`."""

    def __init__(self, root: Path, folders: Folders) -> None:
        self.root = root
        self.folders = folders
        self.state_dir = root / vaultio.STATE_DIR
        self.path: Path | str = self.state_dir / DB_NAME
        self.notice: str | None = None  # something the user should hear about the cache, once
        self._scratch: tuple[str, list[str]] | None = None  # a cold build's scratch dir and attached names
        try:
            self.state_dir.mkdir(exist_ok=True)
            if not os.access(self.state_dir, os.W_OK):
                raise PermissionError(f"{vaultio.STATE_DIR} is not writable")
            self.conn = self._open()
        except (OSError, sqlite3.OperationalError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            # a read-only vault (a mounted backup, a CD, a shared folder): index in memory
            self.path = ":memory:"
            self.notice = f"the vault is read-only here ({exc}): indexing in memory; writes will fail"
            self.conn = self._open()

    # -- opening and schema -------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 60000")
        if self.path == ":memory:":
            return conn
        # Switching to WAL needs an exclusive lock and SQLite does not always wait for it
        # (two processes creating the cache at once): retry for a while.
        deadline = time.monotonic() + 60
        while conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            conn = self._connect()
            self._ensure_schema(conn)
            return conn
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            # a corrupt cache: it is only a cache, so start again
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(str(self.path) + suffix)
            self.notice = f"the index was unreadable ({exc}) and has been rebuilt"
            conn = self._connect()
            self._ensure_schema(conn)
            return conn

    def _fingerprint(self) -> str:
        return json.dumps([SCHEMA_VERSION, self.folders.people, self.folders.reviews, self.folders.templates])

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            row = conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
            if row and row[0] == self._fingerprint():
                return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                for table in _ALL_TABLES:
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            row = conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
            if not row or row[0] != self._fingerprint():
                for table in (*_TABLES, "fts", "derived", "summary"):
                    conn.execute(f"DELETE FROM {table}")
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES('fingerprint', ?)",
                    (self._fingerprint(),),
                )
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- refreshing ---------------------------------------------------------

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        """Drop every cached record and parse the whole vault again."""
        with self._tx():
            for table in (*_TABLES, "fts", "derived", "summary"):
                self.conn.execute(f"DELETE FROM {table}")
        stats = self.refresh(progress=progress)
        stats.rebuilt = True
        return stats

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def refresh(
        self,
        progress: Callable[[int, int], None] | None = None,
        paths: Iterable[str] | None = None,
    ) -> RefreshStats:
        """Bring the cache up to date with the files; return what was done.

        ``paths`` limits the work to those vault-relative files (after a write).
        ``progress(done, total)`` is called while parsing.
        """
        started = time.perf_counter()
        scan_ns = time.time_ns()
        stats = RefreshStats()
        root = self.root
        if paths is None:
            disk = vaultio.walk(root, skip=(self.folders.templates,))
        else:
            disk = {}
            for rel in paths:
                try:
                    st = os.stat(root / rel)
                    disk[rel] = vaultio.Stat(st.st_size, st.st_mtime_ns)
                except FileNotFoundError:
                    pass
        stats.scanned = len(disk)
        try:
            self._refresh_tx(disk, paths, scan_ns, stats, progress)
        finally:
            self._drop_scratch()
        stats.seconds = time.perf_counter() - started
        return stats

    def _refresh_tx(
        self,
        disk: dict[str, vaultio.Stat],
        paths: Iterable[str] | None,
        scan_ns: int,
        stats: RefreshStats,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        root = self.root
        with self._tx():
            conn = self.conn
            if paths is None:
                known = {r[0]: r[1:] for r in conn.execute("SELECT path, size, mtime_ns, racy FROM files")}
                gone = [p for p in known if p not in disk]
            else:
                known = {}
                for rel in paths:
                    r = conn.execute("SELECT path, size, mtime_ns, racy FROM files WHERE path = ?", (rel,)).fetchone()
                    if r:
                        known[r[0]] = r[1:]
                gone = [p for p in known if p not in disk]
            to_parse: list[str] = []
            preread: dict[str, bytes] = {}
            touch: list[tuple[int, int, str]] = []
            for rel, stat in disk.items():
                k = known.get(rel)
                if k is None:
                    to_parse.append(rel)
                    continue
                size, mtime_ns, racy = k
                if size != stat.size:
                    to_parse.append(rel)
                elif mtime_ns != stat.mtime_ns or racy:
                    try:
                        raw = vaultio.read_bytes(root / rel)
                    except OSError:
                        to_parse.append(rel)
                        continue
                    stats.hashed += 1
                    digest = conn.execute("SELECT hash FROM files WHERE path = ?", (rel,)).fetchone()[0]
                    if digest and vaultio.content_hash(raw) == digest:
                        still_racy = int(stat.mtime_ns >= scan_ns - RACY_NS)
                        touch.append((stat.mtime_ns, still_racy, rel))
                    else:
                        preread[rel] = raw
                        to_parse.append(rel)
            if touch:
                conn.executemany("UPDATE files SET mtime_ns = ?, racy = ? WHERE path = ?", touch)
            for rel in gone:
                self._delete(rel)
            stats.removed = len(gone)
            fresh = not known
            if fresh and len(to_parse) >= BULK_MIN:
                self._drop_indexes()  # a cold build: index once at the end, not row by row
            if fresh and self._workers_ok(to_parse, preread):
                stats.parsed = self._build_in_workers(to_parse, scan_ns, progress)
            else:
                batch = _Batch(self._next_rowid(), scan_ns)
                for rows in self._parse_all(to_parse, preread, progress):
                    if not fresh and rows.path in known:
                        self._delete(rows.path)
                    batch.add(rows)
                    stats.parsed += 1
                    if len(batch) >= 500:
                        batch.flush(conn)
                batch.flush(conn)
            if fresh and len(to_parse) >= BULK_MIN:
                self._create_indexes()
            if stats.parsed or stats.removed:
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                    "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )

    def _workers_ok(self, rels: list[str], preread: dict[str, bytes]) -> bool:
        return (
            len(rels) >= PARALLEL_MIN
            and (os.cpu_count() or 1) >= 2
            and not preread
            and self.path != ":memory:"
            and _pool_method() is not None
        )

    def _build_in_workers(self, rels: list[str], scan_ns: int, progress: Callable[[int, int], None] | None) -> int:
        """A cold build: two workers parse and write rows into scratch databases under
        ``.vaultcrm/build-*``; this process copies them in (inside the caller's transaction,
        so an interrupted build leaves the index as it was) and removes the scratch files."""
        import multiprocessing
        import shutil
        import tempfile

        for old in self.state_dir.glob(_BUILD_PREFIX + "*"):
            # left by a build that was killed: we hold the write lock, so nobody else is building
            shutil.rmtree(old, ignore_errors=True)
        build_dir = tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=self.state_dir)
        self._scratch = (build_dir, [])
        # the scratch files are detached and removed by _drop_scratch, after the transaction
        first = self._next_rowid()
        tasks = [(first + i, rels[i : i + BUILD_CHUNK]) for i in range(0, len(rels), BUILD_CHUNK)]
        ctx = multiprocessing.get_context(_pool_method())
        total, done = len(rels), 0
        with ctx.Pool(2, _worker_init, (str(self.root), self.folders, build_dir, scan_ns)) as pool:
            for n in pool.imap_unordered(_worker_build, tasks):
                done += n
                if progress:
                    progress(done, total)
            pool.close()
            pool.join()  # the workers exit normally: their files are complete
        conn = self.conn
        for i, part in enumerate(sorted(Path(build_dir).glob("w*.sqlite"))):
            # (SQLite cannot detach inside a transaction: _drop_scratch does it after)
            conn.execute(f"ATTACH DATABASE ? AS scratch{i}", (str(part),))
            self._scratch[1].append(f"scratch{i}")
            conn.execute(
                "INSERT INTO files(rowid, path, size, mtime_ns, hash, kind, racy, fatal, fm) "
                f"SELECT rowid, path, size, mtime_ns, hash, kind, racy, fatal, fm FROM scratch{i}.files"
            )
            conn.execute(f"INSERT INTO fts(rowid, path, body) SELECT rowid, path, body FROM scratch{i}.fts")
            for table in _TABLES[1:]:
                conn.execute(f"INSERT INTO {table} SELECT * FROM scratch{i}.{table}")
        return int(conn.execute("SELECT count(*) FROM files").fetchone()[0])

    def _drop_scratch(self) -> None:
        """Detach and delete a cold build's scratch databases (after its transaction ended)."""
        import shutil

        if self._scratch is None:
            return
        build_dir, aliases = self._scratch
        self._scratch = None
        for alias in aliases:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute(f"DETACH DATABASE {alias}")
        shutil.rmtree(build_dir, ignore_errors=True)

    def _parse_all(
        self,
        rels: list[str],
        preread: dict[str, bytes],
        progress: Callable[[int, int], None] | None,
    ) -> Iterator[FileRows]:
        total = len(rels)
        root = str(self.root)
        done = 0
        method = _pool_method()
        if total >= PARALLEL_MIN and (os.cpu_count() or 1) >= 2 and not preread and method is not None:
            import multiprocessing

            ctx = multiprocessing.get_context(method)
            with ctx.Pool(2, _worker_init, (root, self.folders)) as pool:
                for rows in pool.imap_unordered(_worker_parse, rels, chunksize=64):
                    done += 1
                    if progress and done % 100 == 0:
                        progress(done, total)
                    yield rows
        else:
            for rel in rels:
                yield parse_one(root, rel, self.folders, preread.get(rel))
                done += 1
                if progress and done % 100 == 0:
                    progress(done, total)
        if progress:
            progress(total, total)

    def _delete(self, rel: str) -> None:
        row = self.conn.execute("SELECT rowid FROM files WHERE path = ?", (rel,)).fetchone()
        if row:
            self.conn.execute("DELETE FROM fts WHERE rowid = ?", (row[0],))
        for table in _TABLES:
            self.conn.execute(f"DELETE FROM {table} WHERE path = ?", (rel,))

    def _next_rowid(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(rowid), 0) + 1 FROM files").fetchone()[0])

    def _drop_indexes(self) -> None:
        for name in _INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")

    def _create_indexes(self) -> None:
        for stmt in _SCHEMA.split(";"):
            if "CREATE INDEX" in stmt:
                self.conn.execute(stmt)

    # -- queries ------------------------------------------------------------

    def generation(self) -> int:
        """A counter that changes whenever any file's records change."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def derived_get(self, name: str, key: str) -> str | None:
        row = self.conn.execute("SELECT key, data FROM derived WHERE name = ?", (name,)).fetchone()
        return row[1] if row and row[0] == key else None

    def derived_put(self, name: str, key: str, data: str) -> None:
        with self._tx():
            self.conn.execute("INSERT OR REPLACE INTO derived VALUES (?, ?, ?)", (name, key, data))

    def summary_key(self) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'summary'").fetchone()
        return row[0] if row else None

    def replace_summary(self, key: str, rows: list[tuple[Any, ...]]) -> None:
        """Store every person's derived summary (one row each) under ``key``."""
        with self._tx():
            self.conn.execute("DELETE FROM summary")
            self.conn.executemany("INSERT INTO summary VALUES (" + ", ".join("?" * 22) + ")", rows)
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('summary', ?)", (key,))

    def query_summary(
        self, where: str = "1", params: Iterable[Any] = (), order: str = "name_key, path", columns: str = "keys, data"
    ) -> list[tuple[Any, ...]]:
        """Summary rows matching an SQL condition (built by the CLI from fixed column names)."""
        sql = f"SELECT {columns} FROM summary WHERE {where} ORDER BY {order}"
        return self.conn.execute(sql, tuple(params)).fetchall()

    def paths_linking(self, names: Iterable[str]) -> list[str]:
        """Files with a [[link]] to any of ``names`` (any case)."""
        keys = sorted({name_key(n) for n in names})
        marks = ", ".join("?" for _ in keys)
        rows = self.conn.execute(f"SELECT DISTINCT path FROM links WHERE key IN ({marks})", keys)
        return [r[0] for r in rows]

    def paths_with_field(self, key: str) -> list[str]:
        """Files with an interaction that may carry the inline field ``key`` (a superset: the
        packed fields column is searched as text; callers check the parsed fields)."""
        rows = self.conn.execute(
            "SELECT DISTINCT path FROM entries WHERE reserved = 0 AND instr(fields, ?) > 0 ORDER BY path", (key,)
        )
        return [r[0] for r in rows]

    def search(self, query: str, limit: int = 50) -> list[str]:
        """Paths of files whose text matches ``query`` (FTS5 syntax), best first."""
        rows = self.conn.execute("SELECT path FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?", (query, limit))
        return [r[0] for r in rows]

    def names_of(self, paths: Iterable[str]) -> dict[str, str]:
        """Display names of the people at ``paths``."""
        wanted = sorted(set(paths))
        out: dict[str, str] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            out.update(self.conn.execute(f"SELECT path, name FROM people WHERE path IN ({marks})", chunk).fetchall())
        return out

    def count_people(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM people").fetchone()[0])

    def people(self) -> list[Person]:
        rows = self.conn.execute("SELECT data FROM people ORDER BY path").fetchall()
        loads = json.loads
        return [Person.from_json(loads(r[0])) for r in rows]

    def people_json(self) -> list[str]:
        """Every person as the JSON text of :meth:`Person.to_json`, by path: for code that reads
        a few fields of everyone (the network graph digests it, then decodes only on a change)."""
        return [r[0] for r in self.conn.execute("SELECT data FROM people ORDER BY path")]

    def person(self, path: str) -> Person | None:
        row = self.conn.execute("SELECT data FROM people WHERE path = ?", (path,)).fetchone()
        return Person.from_json(json.loads(row[0])) if row else None

    def paths_named(self, name: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT path FROM names WHERE name = ? ORDER BY path", (name_key(name),)
        ).fetchall()
        return [r[0] for r in rows]

    def names(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.conn.execute("SELECT name, path FROM names")]

    def reserved_entries(self) -> list[Entry]:
        return self.entries(reserved=True)

    def entries(
        self,
        paths: Iterable[str] | None = None,
        reserved: bool = False,
        between: tuple[dt.date, dt.date] | None = None,
        shared: Iterable[str] | None = None,
    ) -> list[Entry]:
        """Entries: all, of some files, only the reserved setting lines, or dated within ``between``.

        ``shared`` (the lower-case type words of intros) keeps only the entries that can have
        two or more participants: with ``[with:: …]``, or links in a daily note, a task or an
        intro line (the network's co-mentions, without resolving the whole vault)."""
        cols = "path, line, source, date, time, type, text, fields, links, with_, tags, owner, reserved, old, new, norm"
        if shared is not None:
            words = sorted(set(shared))
            marks = ", ".join("?" for _ in words) or "NULL"
            rows = self.conn.execute(
                f"SELECT {cols} FROM entries WHERE reserved = 0 AND (with_ != '' OR (links != '' AND "
                f"(source != 'log' OR lower(type) IN ({marks})))) ORDER BY date, path, line",
                words,
            ).fetchall()
        elif between is not None:
            rows = self.conn.execute(
                f"SELECT {cols} FROM entries WHERE date >= ? AND date <= ? ORDER BY date, path, line",
                (between[0].isoformat(), between[1].isoformat()),
            ).fetchall()
        elif reserved:
            rows = self.conn.execute(
                f"SELECT {cols} FROM entries WHERE reserved = 1 ORDER BY date, path, line"
            ).fetchall()
        elif paths is None:
            rows = self.conn.execute(f"SELECT {cols} FROM entries ORDER BY date, path, line").fetchall()
        else:
            rows = []
            for p in paths:
                rows += self.conn.execute(f"SELECT {cols} FROM entries WHERE path = ? ORDER BY line", (p,)).fetchall()
        fromiso = dt.date.fromisoformat
        sep = _SEP
        empty: tuple[str, ...] = ()
        return [
            Entry(
                r[0],
                r[1],
                r[2],
                fromiso(r[3]),
                r[5],
                r[6],
                r[4],
                _unpack(r[7]) if r[7] else {},
                tuple(r[8].split(sep)) if r[8] else empty,
                tuple(r[9].split(sep)) if r[9] else empty,
                tuple(r[10].split(sep)) if r[10] else empty,
                r[11],
                bool(r[12]),
                r[13],
                r[14],
                r[15],
            )
            for r in rows
        ]

    def tasks(self, open_due_until: dt.date | None = None) -> list[Task]:
        """All tasks; with ``open_due_until``, only open tasks due on or before that date."""
        if open_due_until is None:
            rows = self.conn.execute("SELECT data FROM tasks ORDER BY path, line")
        else:
            rows = self.conn.execute(
                "SELECT data FROM tasks WHERE open = 1 AND due IS NOT NULL AND due <= ? ORDER BY path, line",
                (open_due_until.isoformat(),),
            )
        out = []
        for (data,) in rows:
            d = json.loads(data)
            for key in ("due", "done", "scheduled"):
                if d[key]:
                    d[key] = dt.date.fromisoformat(d[key])
            d["links"] = tuple(d["links"])
            out.append(Task(**d))
        return out

    def links(self) -> list[tuple[str, str, int]]:
        return [
            (r[0], r[1], r[2]) for r in self.conn.execute("SELECT path, target, line FROM links ORDER BY path, line")
        ]

    def diagnostics(self) -> list[Diagnostic]:
        rows = self.conn.execute("SELECT path, line, severity, code, message FROM diagnostics ORDER BY path, line")
        return [Diagnostic(p, line, msg, sev, code) for p, line, sev, code, msg in rows]

    def files(self) -> dict[str, tuple[str, bool]]:
        """Vault-relative path → (kind, unreadable)."""
        return {r[0]: (r[1], bool(r[2])) for r in self.conn.execute("SELECT path, kind, fatal FROM files")}

    def frontmatter(self, kind_prefix: str | None = None) -> dict[str, dict[str, Any]]:
        """The frontmatter of files that are not people (a person's is in ``Person.meta``)."""
        rows = self.conn.execute("SELECT path, fm FROM files WHERE fm != ''")
        return {p: json.loads(fm) for p, fm in rows if kind_prefix is None or p.startswith(kind_prefix)}
