"""Message templates with A/B tests: which way of reaching out actually gets replies.

Templates live in the vault at ``templates/messages/<name>/<variant>.md`` (Jinja2, rendered in
the sandbox of :mod:`vaultcrm.templating`). A *send* is an interaction carrying
``[template:: name/variant]`` (written by ``vaultcrm log … --template`` or ``draft --log``).
A *reply* is the person's next inbound touch within ``reply_within`` days (docs/messages.md).

The statistics are pure functions of sends, touches and dates (no clock, no I/O): the same
files and ``today`` give the same figures and the same variant choice on every machine.
The functions at the end (``variants_of``, ``draft``, ``ab``) read a :class:`Vault`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import UsageError, VaultCRMError

if TYPE_CHECKING:
    from .core import Vault
    from .model import Entry, Person

MIN_SENDS = 5  # every variant gets this many sends before Thompson sampling starts
CONFIDENT = 0.95  # a variant is named the best when its probability of being best reaches this
MOVE_WINDOW = 90  # days after a send in which moving closer or up a stage is credited to it
Z95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval
GRID = 4000  # points of the numeric integration behind "probability of being best"
MUTUAL_REPLY_KINDS = ("call", "video", "meet")  # a mutual touch of these kinds is a reply
_NAME = re.compile(r"^[\w][\w.-]*$")


class Send(NamedTuple):
    """One template message sent to one person."""

    person: str  # the person's file path
    template: str
    variant: str
    date: dt.date
    path: str  # where it was logged
    line: int


class Touch(NamedTuple):
    """A touch with a person that could be a reply."""

    date: dt.date
    kind: str
    direction: str  # in | out | mutual


class Outcome(NamedTuple):
    send: Send
    replied_on: dt.date | None
    decided: bool  # replied, or the reply window has closed without one

    @property
    def replied(self) -> bool:
        return self.replied_on is not None

    @property
    def days_to_reply(self) -> int | None:
        return None if self.replied_on is None else (self.replied_on - self.send.date).days


class Tally(NamedTuple):
    """A variant's record for choosing: all sends, and the decided ones split into replies and misses."""

    sends: int = 0
    replies: int = 0
    misses: int = 0


class Choice(NamedTuple):
    variant: str
    how: str  # given | balance | thompson | only
    draws: dict[str, float]  # the Thompson draws (empty otherwise)


# ---------------------------------------------------------------------------
# Replies


def parse_spec(value: str) -> tuple[str, str] | None:
    """``reconnect/b`` → (``reconnect``, ``b``); None when it is not NAME/VARIANT."""
    parts = value.strip().split("/")
    if len(parts) != 2 or not all(_NAME.match(p) for p in parts):
        return None
    return parts[0], parts[1]


def is_reply(touch: Touch) -> bool:
    """They reached out (``[dir:: in]``), or a mutual call or meeting (DESIGN.md, issue 11)."""
    return touch.direction == "in" or (touch.direction == "mutual" and touch.kind in MUTUAL_REPLY_KINDS)


def outcomes(sends: Iterable[Send], touches: dict[str, list[Touch]], window: int, today: dt.date) -> list[Outcome]:
    """Each send with its reply: the first reply-touch on or after the send's day, within ``window``
    days, that no later send to the same person claims (a reply belongs to the latest send before it).

    A send without a reply is *pending* (not decided) until its window has passed.
    """
    by_person: dict[str, list[Send]] = defaultdict(list)
    for s in sends:
        by_person[s.person].append(s)
    out: list[Outcome] = []
    for person, mine in by_person.items():
        mine.sort(key=lambda s: (s.date, s.path, s.line))
        replied: dict[int, dt.date] = {}
        for t in sorted(touches.get(person, ()), key=lambda t: t.date):
            if t.date > today or not is_reply(t):
                continue
            latest = None
            for i, s in enumerate(mine):
                if s.date <= t.date:
                    latest = i
            if latest is None or latest in replied:
                continue
            if (t.date - mine[latest].date).days <= window:
                replied[latest] = t.date
        for i, s in enumerate(mine):
            when = replied.get(i)
            out.append(Outcome(s, when, when is not None or (today - s.date).days > window))
    out.sort(key=lambda o: (o.send.template, o.send.variant, o.send.date, o.send.person, o.send.line))
    return out


def tallies(items: Iterable[Outcome], template: str) -> dict[str, Tally]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in items:
        if o.send.template != template:
            continue
        c = counts[o.send.variant]
        c[0] += 1
        if o.replied:
            c[1] += 1
        elif o.decided:
            c[2] += 1
    return {k: Tally(*v) for k, v in counts.items()}


# ---------------------------------------------------------------------------
# Choosing a variant


def seed_for(template: str, person: str, day: dt.date) -> int:
    """A seed from (template, person, day) that is the same on every machine and Python run
    (``hash()`` is salted per process, so it is not used)."""
    key = f"{template}\x1f{person}\x1f{day.isoformat()}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def choose_variant(
    variants: Sequence[str], tally: dict[str, Tally], template: str, person: str, day: dt.date
) -> Choice:
    """The variant to send: the one with fewest sends until each has ``MIN_SENDS``, then
    Thompson sampling (a draw from each variant's Beta(1 + replies, 1 + misses); the highest
    wins). Ties and draws use a ``random.Random`` seeded by :func:`seed_for`: the same person on
    the same day with the same history always gets the same variant."""
    names = sorted(variants)
    if not names:
        raise UsageError(f"the message template '{template}' has no variants")
    if len(names) == 1:
        return Choice(names[0], "only", {})
    rng = random.Random(seed_for(template, person, day))
    counts = {n: tally.get(n, Tally()).sends for n in names}
    fewest = min(counts.values())
    if fewest < MIN_SENDS:
        tied = [n for n in names if counts[n] == fewest]
        return Choice(rng.choice(tied), "balance", {})
    draws = {}
    for n in names:
        t = tally.get(n, Tally())
        draws[n] = rng.betavariate(1 + t.replies, 1 + t.misses)
    best = max(names, key=lambda n: (draws[n], -names.index(n)))
    return Choice(best, "thompson", draws)


# ---------------------------------------------------------------------------
# Statistics


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (good at small n and at 0% or 100%)."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def prob_best(posteriors: Sequence[tuple[int, int]], grid: int = GRID) -> list[float]:
    """P(variant i has the highest reply rate) under independent Beta(a, b) posteriors.

    Deterministic numeric integration: P_i = ∫ f_i(x) Π_{j≠i} F_j(x) dx on a midpoint grid of
    ``grid`` points over [0, 1] (densities from log-gamma, CDFs by cumulative sums); the
    results are normalised to sum to 1, which absorbs the grid's small error.
    """
    k = len(posteriors)
    if k == 0:
        return []
    if k == 1:
        return [1.0]
    xs = [(i + 0.5) / grid for i in range(grid)]
    logs = [(math.log(x), math.log1p(-x)) for x in xs]
    pdfs: list[list[float]] = []
    cdfs: list[list[float]] = []
    for a, b in posteriors:
        norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        pdf = [math.exp(norm + (a - 1) * lx + (b - 1) * l1x) for lx, l1x in logs]
        total = sum(pdf)
        pdf = [v / total for v in pdf]  # probability mass per cell
        cdf, run = [], 0.0
        for v in pdf:
            cdf.append(run + v / 2)  # the mass below the cell's midpoint
            run += v
        pdfs.append(pdf)
        cdfs.append(cdf)
    out = []
    for i in range(k):
        acc = 0.0
        for g in range(grid):
            term = pdfs[i][g]
            if term == 0.0:
                continue
            for j in range(k):
                if j != i:
                    term *= cdfs[j][g]
            acc += term
        out.append(acc)
    total = sum(out)
    return [v / total for v in out] if total > 0 else [1.0 / k] * k


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def moved_people(
    sends: Iterable[Send], changes: dict[str, list[Entry]], stages: Sequence[str], window: int = MOVE_WINDOW
) -> tuple[set[str], set[str]]:
    """People who, within ``window`` days on or after a send to them, moved closer (closeness
    number went down, e.g. 3 → 2) / moved up a stage (a later stage in vaultcrm.yaml ``stages``),
    read from the reserved lines ``- date closeness: 3 → 2`` and ``- date stage: a → b``."""
    lowered = [s.lower() for s in stages]

    def rank(value: str | None) -> int:
        v = (value or "").strip().lower()
        return lowered.index(v) if v in lowered else -1

    closer: set[str] = set()
    up: set[str] = set()
    for s in sends:
        for e in changes.get(s.person, ()):
            if not (s.date <= e.date <= s.date + dt.timedelta(days=window)):
                continue
            if e.type == "closeness":
                old, new = _int(e.old), _int(e.new)
                if old is not None and new is not None and new < old:
                    closer.add(s.person)
            elif e.type == "stage" and rank(e.old) >= 0 and rank(e.new) > rank(e.old):
                up.add(s.person)
    return closer, up


def variant_stats(
    template: str,
    variants: Sequence[str],
    items: Sequence[Outcome],
    changes: dict[str, list[Entry]],
    stages: Sequence[str],
) -> dict[str, Any]:
    """The ``ab`` figures of one template (JSON-ready; rates are fractions 0–1)."""
    mine = [o for o in items if o.send.template == template]
    names = sorted(set(variants) | {o.send.variant for o in mine})
    tally = tallies(mine, template)
    best = prob_best([(1 + tally.get(n, Tally()).replies, 1 + tally.get(n, Tally()).misses) for n in names])
    rows = []
    for n, p_best in zip(names, best, strict=True):
        t = tally.get(n, Tally())
        decided = t.replies + t.misses
        of_variant = [o for o in mine if o.send.variant == n]
        interval = wilson(t.replies, decided)
        sends = [o.send for o in of_variant]
        closer, up = moved_people(sends, changes, stages)
        people = {s.person for s in sends}
        rows.append(
            {
                "variant": n,
                "exists": n in variants,
                "sends": t.sends,
                "replies": t.replies,
                "misses": t.misses,
                "pending": t.sends - decided,
                "reply_rate": round(t.replies / decided, 4) if decided else None,
                "interval": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
                "p_best": round(p_best, 4),
                "median_days_to_reply": median([o.days_to_reply for o in of_variant if o.days_to_reply is not None]),
                "people": len(people),
                "moved_closer": len(closer),
                "stage_up": len(up),
                "moved": len(closer | up),
            }
        )
    return {"template": template, "variants": rows, "verdict": verdict(rows)}


def verdict(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Name a winner only when every variant has ``MIN_SENDS`` decided sends and one variant's
    probability of being best is at least ``CONFIDENT``; otherwise say there is not enough data."""
    if len(rows) < 2:
        return {"winner": None, "enough_data": False, "message": "only one variant: nothing to compare"}
    short = [r["variant"] for r in rows if r["replies"] + r["misses"] < MIN_SENDS]
    leader = max(rows, key=lambda r: (r["p_best"], r["variant"]))
    pct = round(leader["p_best"] * 100)
    if short:
        return {
            "winner": None,
            "enough_data": False,
            "message": f"not enough data to tell: {', '.join(short)} "
            f"{'has' if len(short) == 1 else 'have'} fewer than {MIN_SENDS} decided sends",
        }
    if leader["p_best"] < CONFIDENT:
        return {
            "winner": None,
            "enough_data": False,
            "message": f"not enough data to tell: {leader['variant']} leads with a {pct}% chance of being best "
            f"(a winner needs {round(CONFIDENT * 100)}%)",
        }
    return {
        "winner": leader["variant"],
        "enough_data": True,
        "message": f"{leader['variant']} is best with a {pct}% chance",
    }


# ---------------------------------------------------------------------------
# Shared interests


def my_interests(settings_interests: Sequence[str], closest: Iterable[Person]) -> list[str]:
    """Your interests: ``me.interests`` in vaultcrm.yaml, else the tags your closeness-1 people
    carry, most common first (ties alphabetical)."""
    if settings_interests:
        return [t.lower().lstrip("#") for t in settings_interests]
    counts = Counter(t.lower().lstrip("#") for p in closest for t in dict.fromkeys(p.tags))
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def shared_interests(person_tags: Iterable[str], interests: Sequence[str]) -> list[str]:
    """The person's tags that are among your interests, in the order of your interests."""
    theirs = {t.lower().lstrip("#") for t in person_tags}
    return [t for t in interests if t in theirs]


# ---------------------------------------------------------------------------
# The vault side: templates, sends, drafts and the report


def messages_dir(v: Vault) -> str:
    return f"{v.settings.folders.templates}/messages"


def templates(v: Vault) -> dict[str, list[str]]:
    """Template name → its variants (the ``*.md`` files in ``templates/messages/<name>/``)."""
    base = v.root / messages_dir(v)
    out: dict[str, list[str]] = {}
    if not base.is_dir():
        return out
    for folder in sorted(base.iterdir()):
        if folder.is_dir() and _NAME.match(folder.name):
            found = sorted(f.stem for f in folder.glob("*.md") if f.is_file() and _NAME.match(f.stem))
            if found:
                out[folder.name] = found
    return out


def variants_of(v: Vault, template: str) -> list[str]:
    """The variants of ``template``; a clear error when there is no such template."""
    if not _NAME.match(template):
        raise UsageError(f"'{template}' is not a template name (letters, digits, '-', '_', '.')")
    found = templates(v).get(template)
    if not found:
        known = sorted(templates(v))
        raise UsageError(
            f"no message template '{template}' ({messages_dir(v)}/{template}/ has no .md variants)",
            hint=("templates: " + ", ".join(known)) if known else f"write one as {messages_dir(v)}/{template}/a.md",
        )
    return found


def check_variant(v: Vault, spec: str) -> tuple[str, str]:
    """``reconnect/b`` → (``reconnect``, ``b``) when that variant file exists; else a clear error."""
    parsed = parse_spec(spec)
    if parsed is None:
        raise UsageError(f"--template: '{spec}' is not NAME/VARIANT (for example reconnect/b)")
    name, variant = parsed
    variants = variants_of(v, name)
    if variant not in variants:
        raise UsageError(
            f"the message template '{name}' has no variant '{variant}'",
            hint=f"variants: {', '.join(variants)} (files in {messages_dir(v)}/{name}/)",
        )
    return name, variant


BULK_SHARE = 0.2  # when this share of the vault got sends, resolving the whole vault at once is faster


def history(v: Vault, template: str | None = None) -> tuple[list[Send], dict[str, list[Touch]]]:
    """The sends (interactions with a ``template`` field that reached someone and are not
    inbound; only ``template``'s when given) and the touches of the people they went to.

    Only the files that hold a ``template`` field are resolved to find the sends, and only
    their recipients' interactions are read (a large vault with a few hundred sends stays
    fast); when a fifth of the vault or more got sends, the whole vault is resolved once instead.
    """
    from . import events

    files = v.index.paths_with_field("template")
    if not files:
        return [], {}
    bulk = len(files) >= BULK_SHARE * v.index.count_people()
    found = v.interactions() if bulk else events.resolve(v.index.entries(files), v.settings, v.lookup)
    sends: list[Send] = []
    for it in found:
        parsed = _send_spec(it)
        if parsed is not None and (template is None or parsed[0] == template):
            for person in it.participants:
                sends.append(Send(person, parsed[0], parsed[1], it.date, it.entry.path, it.entry.line))
    people = sorted({s.person for s in sends})
    types = v.settings.types
    touches: dict[str, list[Touch]] = defaultdict(list)
    if bulk:
        wanted = set(people)
        items = [(p, it) for it in found for p in it.participants if p in wanted]
    else:
        items = []
        for path in people:
            record = v.index.person(path)
            if record is not None:
                items += [(path, it) for it in v.interactions_of(record)]
    for path, it in items:
        if _send_spec(it) is not None:
            continue  # a send is never its own reply
        if types[it.kind].touch and it.reached:
            touches[path].append(Touch(it.date, it.kind, it.direction))
    return sends, dict(touches)


def _send_spec(it: Any) -> tuple[str, str] | None:
    """(template, variant) when the interaction is a send: a ``template`` field, reached, not inbound."""
    spec = it.entry.fields.get("template") if it.entry.fields else None
    if not spec or not it.reached or it.direction == "in":
        return None
    return parse_spec(spec)


def all_outcomes(v: Vault, template: str | None = None) -> list[Outcome]:
    sends, touches = history(v, template)
    return outcomes(sends, touches, v.settings.reply_within, v.today)


def context(v: Vault, person: Person, template: str, variant: str) -> dict[str, Any]:
    """What a message template sees (docs/messages.md lists every key)."""
    from .logline import inline_fields, readable

    types = v.settings.types
    touches = [it for it in v.interactions_of(person) if types[it.kind].touch and it.reached and it.date <= v.today]
    last = max(touches, key=lambda it: (it.date, it.entry.path, it.entry.line), default=None)
    last_info = None
    days_since = None
    if last is not None:
        days_since = (v.today - last.date).days
        last_info = {
            "type": last.type,
            "kind": last.kind,
            "date": last.date,
            "text": readable(inline_fields(last.text)[1]),
            "direction": last.direction,
            "days_ago": days_since,
        }
    closest = [] if v.settings.interests else [p for p in v.people() if p.closeness == 1 and p.path != person.path]
    interests = my_interests(v.settings.interests, closest)
    shared = shared_interests(person.tags, interests)
    first = person.meta.get("first_name")
    first_name = str(first) if first else (person.name.split() or [person.name])[0]
    fields = dict(person.meta)
    fields.setdefault("name", person.name)
    return {
        "person": fields,
        "name": person.name,
        "first_name": first_name,
        "company": person.company,
        "role": person.role,
        "location": person.location,
        "circle": person.circle,
        "closeness": person.closeness,
        "stage": person.stage,
        "tier": person.tier,
        "tags": list(person.tags),
        "last": last_info,
        "days_since": days_since,
        "interest": shared[0] if shared else None,
        "interests": shared,
        "me": {"name": v.settings.me_name, "interests": interests},
        "today": v.today,
        "template": template,
        "variant": variant,
    }


class Draft(NamedTuple):
    template: str
    variant: str
    how: str
    text: str
    path: str  # the template file, vault-relative


def draft(v: Vault, person: Person, template: str, variant: str | None = None) -> Draft:
    """Render ``template`` for ``person``: the given variant, or the one :func:`choose_variant` picks."""
    from .templating import render

    variants = variants_of(v, template)
    if variant is not None:
        name, variant = check_variant(v, f"{template}/{variant}")
        how = "given"
    else:
        tally = tallies(all_outcomes(v, template), template)
        choice = choose_variant(variants, tally, template, person.path, v.today)
        variant, how = choice.variant, choice.how
    rel = f"{messages_dir(v)}/{template}/{variant}.md"
    try:
        text = render(v.root, v.settings, f"messages/{template}/{variant}.md", context(v, person, template, variant))
    except VaultCRMError as exc:
        if exc.path and not exc.path.startswith(v.settings.folders.templates):
            exc.path = rel
        raise
    return Draft(template, variant, how, text.strip() + "\n", rel)


def ab(v: Vault, template: str | None = None) -> dict[str, Any]:
    """The A/B report: every template with sends or variant files (or just ``template``)."""
    known = templates(v)
    items = all_outcomes(v, template)
    if template is not None:
        names = [template]
        if template not in known and not any(o.send.template == template for o in items):
            variants_of(v, template)  # raises the "no such template" error
    else:
        names = sorted(set(known) | {o.send.template for o in items})
    changes: dict[str, list[Entry]] = defaultdict(list)
    for e in v.index.reserved_entries():
        changes[e.path].append(e)
    return {
        "today": v.today.isoformat(),
        "reply_within": v.settings.reply_within,
        "templates": [variant_stats(n, known.get(n, []), items, changes, v.settings.stages) for n in names],
    }
