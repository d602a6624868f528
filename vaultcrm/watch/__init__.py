"""Keep the index current while the user edits: the watchdog adapter behind ``vaultcrm watch``.

Filter, debounce, refresh; no click (the CLI prints the :class:`Report` objects this module
hands to its ``report`` callback).

Threads and processes
    * watchdog's observer threads watch the vault root recursively and call
      :meth:`Watcher._on_fs_event` for every create, modify, attribute change, delete and
      move. That handler only filters and records: vault-relative ``.md`` paths and
      ``vaultcrm.yaml`` go into the pending batch, a directory event asks for a full
      refresh, anything else in a watched folder (an editor's temp or swap file) only marks
      the index as possibly stale.
    * the *indexer* (the thread that calls :meth:`Watcher.run`, the main thread under the
      CLI) debounces, refreshes the index and writes the status file. It never holds a
      transaction between refreshes.
    * the *announcer*, a child process at low priority (:func:`announcer_main`), replays the
      game after each change, reports what the user earned and rewrites this week's review
      when asked to. The replay is pure Python and takes seconds on a large vault: in a
      thread of this process it would hold the GIL against every SQLite call of a refresh.
      It talks JSON lines over its stdin/stdout and stops when its stdin closes.

Debounce
    A batch is refreshed once no new event came for :data:`QUIET` seconds, or
    :data:`MAX_DELAY` seconds after its first event while events keep coming. A burst
    (a ``git pull``, a checkout, a copied folder) therefore becomes one refresh, or one per
    second of a long burst. A batch of listed files refreshes only those paths; a directory
    created, deleted or moved, a lost-events warning from the kernel, or more than
    :data:`FULL_AT` files refresh the whole vault (a stat walk). A full refresh also runs
    every :data:`RESCAN` seconds as a safety net.

Status (``.vaultcrm/watcher.json`` + ``.vaultcrm/watcher.lock``)
    The watcher holds an exclusive lock on ``watcher.lock`` while it runs and rewrites
    ``watcher.json`` (pid, host, heartbeat, dirty flag, index schema, settings digest) every
    :data:`HEARTBEAT` seconds. The dirty flag is set as soon as any event arrives in a
    watched folder and cleared only when nothing is pending and no event came for
    :data:`SETTLE` seconds (longer than watchdog's pairing delay for moves).
    :func:`watcher_is_current` lets a command skip its own stat walk only when all of it
    holds; in any doubt it returns False and the command refreshes as usual.
"""

# A package since the split: which paths matter (paths), the status file that every command
# reads (status, cheap to import), the watcher itself (watcher), the announcer child process
# (announcer) and the reports (report). Everything is re-exported here: the announcer is
# started with "from vaultcrm.watch import announcer_main".
from .announcer import announcer_main
from .paths import classify, ignored_folder
from .report import Report
from .status import LOCK_FILE, STALE, STATUS_FILE, STATUS_VERSION, read_status, settings_digest, watcher_is_current
from .status import host as _host  # the tests' name from before the split
from .watcher import FULL_AT, HEARTBEAT, MAX_DELAY, QUIET, RESCAN, RETRY, SETTLE, Watcher, WatchError

__all__ = [
    "FULL_AT",
    "HEARTBEAT",
    "LOCK_FILE",
    "MAX_DELAY",
    "QUIET",
    "RESCAN",
    "RETRY",
    "SETTLE",
    "STALE",
    "STATUS_FILE",
    "STATUS_VERSION",
    "Report",
    "WatchError",
    "Watcher",
    "_host",
    "announcer_main",
    "classify",
    "ignored_folder",
    "read_status",
    "settings_digest",
    "watcher_is_current",
]
