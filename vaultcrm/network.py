"""The network: who knows whom, warm-introduction routes, referral sources, centres of influence.

People are nodes; a *tie* between two of them has a strength in [0, 1] derived from the
facts in the files (docs/network.md has the table):

* ``knows:`` in either person's file: closeness 1–4 → 0.9 / 0.7 / 0.45 / 0.2, a plain link 0.5
  (when both files say it, the stronger statement counts: it is one relationship);
* ``introduced_by:``: 0.6 (someone who introduces a person knows them);
* interactions with both of them (a dinner ``[with:: …]``, an intro, a daily-note line):
  each event adds ``base(kind) · 2^(−age/365)`` (an intro 0.35, meeting 0.25, call or video
  0.2, letter, voice or message 0.1, anything else 0.05; events of more than 4 people count
  ``3/(n−1)`` of that for each pair), combined as ``1 − ∏(1 − s)`` and capped at 0.85, so
  one old event is weak and many recent ones are strong;
* the same organisation (``company:``) only: 0.15, and only in organisations with at most
  :data:`COMPANY_MAX` people in the vault (in a big firm, sharing it says nothing).

Different kinds of facts combine as ``1 − ∏(1 − s)``. Your own tie to a person comes from
your closeness (0.9 / 0.7 / 0.45 for closeness 1–3; unclassified 0.3; closeness 4, not yet
met, is no tie) times a health factor ``0.5 + 0.5 · min(1, health/80)`` (0.75 when there is
no health yet), halved for archived people.

A route "you → Carla → Dan → Alan" (3 hops = edges) is as strong as its weakest link
(a widest path, limited in hops). Routes are distinct by their first connector: the
person you would ask. Everything here is pure except the functions at the end that take
a :class:`~vaultcrm.core.Vault`, which load the facts from the index and cache the graph
in its ``derived`` table.
"""

from __future__ import annotations

import datetime as dt
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from .core import Vault
    from .events import Interaction
    from .model import Entry, Person

YOU = ""  # the route's start: you are not a node of the people graph

KNOWS = {1: 0.9, 2: 0.7, 3: 0.45, 4: 0.2}  # the same 1–4 closeness scale as your own
KNOWS_PLAIN = 0.5
INTRODUCED = 0.6
COMPANY = 0.15
COMPANY_MAX = 25
EVENT_BASE = {"intro": 0.35, "meet": 0.25, "video": 0.2, "call": 0.2, "letter": 0.1, "voice": 0.1, "message": 0.1}
EVENT_OTHER = 0.05
EVENT_HALF_LIFE = 365
EVENT_CAP = 0.85
GROUP_FULL = 4
MINE_UNCLASSIFIED = 0.3
HEALTH_FULL = 80  # health from which your tie counts fully (the "thriving" band)
NO_HEALTH = 0.75
STRONG = 0.6  # a route or tie at least this strong is a warm introduction
WEAK = 0.35  # below this a route is a cold call
BETWEENNESS_WORK = 2_000_000  # n · (n + 2m) up to this: exact betweenness, else sampled
BETWEENNESS_SEED = 20261130
INTRO_POOL = 300  # suggested introductions look at your closest people only
GRAPH_VERSION = "network/graph/6"


def name_key(name: str) -> str:
    """Names compared as the index does: NFC, any case."""
    return unicodedata.normalize("NFC", name.strip()).lower()


# ---------------------------------------------------------------------------
# The graph


class PersonLike(Protocol):
    """What the graph reads of a person: a :class:`~vaultcrm.model.Person` or :class:`PersonFacts`."""

    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def closeness(self) -> int | None: ...
    @property
    def circle(self) -> str | None: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def company(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def kin(self) -> bool: ...
    @property
    def knows(self) -> Sequence[Sequence[Any]]: ...  # (who, closeness, note): a Knows or its JSON list
    @property
    def introduced_by(self) -> str | None: ...


class PersonFacts(NamedTuple):
    """The fields of a person the graph reads, straight from the index's JSON (a whole
    :class:`~vaultcrm.model.Person` costs twice as much to build for 10k people)."""

    path: str
    name: str
    closeness: int | None
    circle: str | None
    stage: str | None
    company: str | None
    location: str | None
    tags: tuple[str, ...]
    kin: bool
    knows: Sequence[Sequence[Any]]  # [who, closeness, note] lists, as stored
    introduced_by: str | None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PersonFacts:
        return cls(
            d["path"],
            d["name"],
            d.get("closeness"),
            d.get("circle"),
            d.get("stage"),
            d.get("company"),
            d.get("location"),
            tuple(d.get("tags") or ()),
            bool(d.get("kin")),
            d.get("knows") or (),
            d.get("introduced_by"),
        )


class Node(NamedTuple):
    id: str  # a person file's path, or "~" + the name key of someone known only from links
    name: str
    path: str | None = None
    closeness: int | None = None
    circle: str | None = None
    stage: str | None = None
    company: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    archived: bool = False
    kin: bool = False

    @property
    def in_vault(self) -> bool:
        return self.path is not None


class Fact(NamedTuple):
    """One reason two people are tied, with its strength and a phrase for people to read."""

    kind: str  # knows | introduced_by | events | company
    strength: float
    how: str  # 'closeness 4 in Ed Miller's knows: "met once at a seminar"'
    times: int = 1  # events: how many


def combine(strengths: Iterable[float]) -> float:
    """Independent pieces of evidence: ``1 − ∏(1 − s)``."""
    rest = 1.0
    for s in strengths:
        rest *= 1.0 - s
    return 1.0 - rest


def _r(x: float) -> float:
    return round(x, 4)


Pair = tuple[str, str]


def pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


class Graph:
    """People and the ties between them (undirected).

    ``adj`` maps each node to its neighbours and tie strengths; ``company_only`` holds the
    pairs tied by nothing but an organisation; ``facts`` (filled when the graph was built
    from the files, empty when it was read from the cache) says where each tie comes from;
    ``orgs`` counts the people of each organisation (by name key); ``introduced`` maps each
    person with ``introduced_by:`` to the introducer.
    """

    def __init__(
        self,
        nodes: dict[str, Node],
        adj: dict[str, dict[str, float]],
        company_only: set[Pair],
        facts: dict[Pair, tuple[Fact, ...]] | None = None,
        orgs: dict[str, int] | None = None,
        introduced: dict[str, str] | None = None,
    ) -> None:
        self.nodes = nodes
        self.adj = adj
        self.company_only = company_only
        self.facts = facts or {}
        self.orgs = orgs or {}
        self.introduced = introduced or {}  # person → who introduced them (node ids)

    def strength(self, a: str, b: str) -> float:
        return self.adj.get(a, {}).get(b, 0.0)

    def name(self, node_id: str) -> str:
        return "you" if node_id == YOU else self.nodes[node_id].name

    def pairs(self) -> list[tuple[str, str, float]]:
        """Every tie once, (a, b, strength) with a < b, sorted."""
        return sorted((a, b, s) for a, nb in self.adj.items() for b, s in nb.items() if a < b)

    def to_json(self) -> dict[str, Any]:
        """Numbers only (the facts are rebuilt for the few ties a command shows)."""
        order = sorted(self.nodes)
        index = {n: i for i, n in enumerate(order)}
        pairs = self.pairs()
        return {
            "nodes": [list(self.nodes[n]) for n in order],
            "ties": {  # flat lists: JSON reads them several times faster than a list of lists
                "a": [index[a] for a, _, _ in pairs],
                "b": [index[b] for _, b, _ in pairs],
                "s": [s for _, _, s in pairs],
                "company_only": [i for i, (a, b, _) in enumerate(pairs) if (a, b) in self.company_only],
            },
            "orgs": self.orgs,
            "introduced": [[index[p], index[by]] for p, by in sorted(self.introduced.items())],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Graph:
        nodes_list = [
            Node(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], tuple(n[8]), n[9], n[10]) for n in data["nodes"]
        ]
        ids = [n.id for n in nodes_list]
        adj: dict[str, dict[str, float]] = {i: {} for i in ids}
        ties = data["ties"]
        for ia, ib, s in zip(ties["a"], ties["b"], ties["s"], strict=True):
            a, b = ids[ia], ids[ib]
            adj[a][b] = s
            adj[b][a] = s
        company_only = {(ids[ties["a"][i]], ids[ties["b"][i]]) for i in ties["company_only"]}
        introduced = {ids[p]: ids[by] for p, by in data.get("introduced", ())}
        return cls({n.id: n for n in nodes_list}, adj, company_only, None, dict(data.get("orgs") or {}), introduced)


def build_graph(
    people: Iterable[PersonLike],
    interactions: Iterable[Interaction],
    lookup: Callable[[str], str | None],
    today: dt.date,
    archived: Iterable[str] = (),
    org_sizes: dict[str, int] | None = None,
    explain: bool = True,
) -> Graph:
    """The graph from the people's frontmatter and the interactions with two or more of them.

    ``lookup`` resolves a link target to a person path (None: someone known only by name,
    who becomes a node of their own). ``org_sizes`` (people per organisation) is given when
    building the ties of a few people only, so that they come out as in the whole graph.
    ``explain=False`` skips the facts' texts (the whole vault's graph is cached as numbers).
    The result depends only on the inputs, never on the order of files on disk.
    """
    from .logline import inline_fields, readable

    gone = set(archived)
    people = sorted(people, key=lambda p: p.path)
    nodes: dict[str, Node] = {}
    for p in people:
        nodes[p.path] = Node(
            p.path,
            p.name,
            p.path,
            p.closeness,
            p.circle,
            p.stage,
            p.company,
            p.location,
            tuple(sorted({t.casefold() for t in p.tags})),
            p.path in gone,
            p.kin,
        )
    resolved: dict[str, str] = {}
    introduced: dict[str, str] = {}

    def target(name: str) -> str:
        found = resolved.get(name)
        if found is not None:
            return found
        path = lookup(name)
        if path is not None:
            if path not in nodes:  # a person outside the people given (building a few ties)
                nodes[path] = Node(path, " ".join(name.split()), path)
            found = path
        else:
            found = "~" + name_key(name)
            if found not in nodes:
                nodes[found] = Node(found, " ".join(name.split()))
        resolved[name] = found
        return found

    # (a, b) → kind → the strongest fact of that kind (both files saying `knows` is one relationship)
    found: dict[Pair, dict[str, Fact]] = {}
    strongest: dict[Pair, dict[str, float]] = {}

    def add(x: str, y: str, kind: str, strength: float, how: str | None, count: int = 1) -> None:
        if x == y:
            return
        key = (x, y) if x < y else (y, x)
        kinds = strongest.setdefault(key, {})
        if strength > kinds.get(kind, -1.0):
            kinds[kind] = strength
        if how is not None:
            facts = found.setdefault(key, {})
            old = facts.get(kind)
            if old is None or (strength, old.how) > (old.strength, how):
                facts[kind] = Fact(kind, strength, how, count)

    for p in people:
        for who, closeness, note in p.knows:
            other = target(who)
            strength = KNOWS.get(closeness or 0, KNOWS_PLAIN)
            how = None
            if explain:
                note = " ".join(str(note or "").split())
                if closeness in KNOWS:
                    how = f"closeness {closeness} in {p.name}'s knows"
                else:
                    how = f"in {p.name}'s knows, closeness not given"
                how = f'{how}: "{note}"' if note else how
            add(p.path, other, "knows", strength, how)
        if p.introduced_by:
            other = target(p.introduced_by)
            if other != p.path:
                introduced[p.path] = other
            how = f"{nodes[other].name} introduced {p.name} to you" if explain else None
            add(p.path, other, "introduced_by", INTRODUCED, how)

    # shared organisations (small ones only)
    orgs: dict[str, list[PersonLike]] = defaultdict(list)
    for p in people:
        if p.company:
            orgs[name_key(p.company)].append(p)
    sizes = org_sizes if org_sizes is not None else {k: len(v) for k, v in orgs.items() if len(v) >= 2}
    for key, members in orgs.items():
        if not 2 <= sizes.get(key, len(members)) <= COMPANY_MAX:
            continue
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                add(x.path, y.path, "company", COMPANY, f"both at {x.company}" if explain else None)

    # events with both of them
    events: dict[Pair, list[tuple[float, dt.date, str, str]]] = defaultdict(list)
    for it in interactions:
        who = [x for x in it.participants if x in nodes]
        n = len(who)
        if n < 2 or not it.reached or it.date > today:
            continue
        age = (today - it.date).days
        share = 1.0 if n <= GROUP_FULL else 3.0 / (n - 1)
        s = EVENT_BASE.get(it.kind, EVENT_OTHER) * 2 ** (-age / EVENT_HALF_LIFE) * share
        for i, one in enumerate(who):
            for two in who[i + 1 :]:
                events[(one, two) if one < two else (two, one)].append((s, it.date, it.type.lower(), it.text))
    for both, items in events.items():
        items.sort(key=lambda e: (e[1], e[2], e[3]))
        s = _r(min(EVENT_CAP, combine(e[0] for e in items)))
        if not explain:
            add(both[0], both[1], "events", s, None)
            continue
        last = items[-1]
        text = readable(inline_fields(last[3])[1]).strip()
        text = f" ({text[:47] + '…' if len(text) > 48 else text})" if text else ""
        if len(items) == 1:
            how = f"one {last[2]} together on {last[1].isoformat()}{text}"
        else:
            how = f"{len(items)} events together, the last a {last[2]} on {last[1].isoformat()}{text}"
        add(both[0], both[1], "events", s, how, len(items))

    adj: dict[str, dict[str, float]] = {n: {} for n in nodes}
    company_only: set[Pair] = set()
    facts: dict[Pair, tuple[Fact, ...]] = {}
    order = ("knows", "introduced_by", "events", "company")
    for ends in sorted(strongest):
        kinds = strongest[ends]
        if len(kinds) == 1:
            ((kind, strength),) = kinds.items()
            if kind == "company":
                company_only.add(ends)
        else:
            strength = _r(combine(kinds[k] for k in order if k in kinds))
        a, b = ends
        adj[a][b] = strength
        adj[b][a] = strength
        if explain:
            facts[ends] = tuple(found[ends][k] for k in order if k in found[ends])
    return Graph(nodes, adj, company_only, facts, sizes, introduced)


# ---------------------------------------------------------------------------
# Your own ties


def my_tie_bound(node: Node) -> float:
    """The most your tie to ``node`` can be (closeness alone; health only lowers it).

    Someone you have not met (closeness 4) is no first step: you cannot ask them for an
    introduction, and writing to them directly is the cold call a route should avoid."""
    if not node.in_vault or node.closeness == 4:
        return 0.0
    return KNOWS.get(node.closeness or 0, MINE_UNCLASSIFIED)


def my_tie(node: Node, health: int | None) -> float:
    """Your tie to a person of your vault: closeness × a health factor; archived halves it."""
    base = my_tie_bound(node)
    if base == 0.0:
        return 0.0
    if node.closeness is None:
        factor = 1.0
    elif health is None:
        factor = NO_HEALTH
    else:
        factor = 0.5 + 0.5 * min(1.0, health / HEALTH_FULL)
    value = base * factor * (0.5 if node.archived else 1.0)
    return _r(value)


def my_tie_how(node: Node, health: int | None, band: str | None) -> str:
    what = "unclassified" if node.closeness is None else f"closeness {node.closeness}"
    if health is not None:
        what += f", health {health} ({band})" if band else f", health {health}"
    elif node.closeness in (1, 2, 3):
        what += ", no health yet"
    if node.archived:
        what += ", archived"
    return what


# ---------------------------------------------------------------------------
# Routes


class Link(NamedTuple):
    a: str
    b: str
    strength: float
    how: str
    facts: tuple[Fact, ...] = ()


class Route(NamedTuple):
    ids: tuple[str, ...]  # starts with YOU
    score: float
    links: tuple[Link, ...]

    @property
    def hops(self) -> int:
        return len(self.links)

    @property
    def weakest(self) -> Link:
        return min(self.links, key=lambda link: link.strength)  # the first of equals


MyTie = Callable[[Node], tuple[float, str]]  # node → (strength, how it comes about)


def widest_to(graph: Graph, target: str, hops: int) -> dict[str, list[tuple[int, float, str]]]:
    """For every node, the improvements of its best bottleneck to ``target`` by hop count:
    ``[(hops, value, next node), …]``. Bellman-Ford in layers, strict improvements only,
    so among equally strong chains the shortest wins and every chain is a simple path."""
    best: dict[str, list[tuple[int, float, str]]] = {target: [(0, 2.0, "")]}
    value = {target: 2.0}
    frontier = [target]
    adj = graph.adj
    for h in range(1, hops + 1):
        snapshot = {u: value[u] for u in frontier}
        changed: dict[str, tuple[float, str]] = {}
        for u in sorted(frontier):
            bu = snapshot[u]
            for v, w in adj[u].items():
                cand = w if w < bu else bu
                old = changed[v][0] if v in changed else value.get(v, 0.0)
                if cand > old or (v in changed and cand == old and u < changed[v][1]):
                    changed[v] = (cand, u)
        frontier = []
        for v, (cand, u) in changed.items():
            if cand > value.get(v, 0.0):
                value[v] = cand
                best.setdefault(v, []).append((h, cand, u))
                frontier.append(v)
        if not frontier:
            break
    return best


def _chain(best: dict[str, list[tuple[int, float, str]]], start: str, hops: int) -> list[str]:
    chain = [start]
    node, budget = start, hops
    while True:
        rec = [r for r in best[node] if r[0] <= budget][-1]
        if rec[0] == 0:
            return chain
        node, budget = rec[2], rec[0] - 1
        chain.append(node)


def find_routes(graph: Graph, target: str, max_hops: int, mine: MyTie, limit: int = 3) -> list[Route]:
    """The best ``limit`` routes from you to ``target``, one per first connector, strongest first.

    Scored by the weakest link; equal scores: fewer hops, then the connector's name. ``mine``
    gives your tie to a person; it is asked only for candidates that could still make the
    top ``limit`` (your tie is at most :func:`my_tie_bound`), so a large vault needs only a
    handful of health computations.
    """
    if max_hops < 1 or target not in graph.nodes:
        return []
    best = widest_to(graph, target, max_hops - 1)
    candidates: list[tuple[float, str, str, float]] = []  # (-bound, name, id, chain value)
    for node_id, recs in best.items():
        node = graph.nodes[node_id]
        if not node.in_vault:
            continue
        chain_value = 1.0 if node_id == target else recs[-1][1]
        bound = min(my_tie_bound(node), chain_value)
        if bound > 0:
            candidates.append((-bound, node.name, node_id, chain_value))
    candidates.sort()
    found: list[Route] = []
    for neg_bound, _, node_id, _chain_value in candidates:
        if len(found) >= limit and -neg_bound < found[limit - 1].score:
            break
        strength, how = mine(graph.nodes[node_id])
        if strength <= 0:
            continue
        ids = [node_id] if node_id == target else _chain(best, node_id, max_hops - 1)
        links = [Link(YOU, node_id, strength, how)]
        for x, y in zip(ids, ids[1:], strict=False):
            facts = graph.facts.get(pair(x, y), ())
            links.append(Link(x, y, graph.strength(x, y), "; ".join(f.how for f in facts), facts))
        route = Route((YOU, *ids), min(link.strength for link in links), tuple(links))
        found.append(route)
        found.sort(key=lambda r: (-r.score, r.hops, graph.name(r.ids[1]), r.ids[1]))
    return found[:limit]


def band(score: float) -> str:
    return "strong" if score >= STRONG else ("fair" if score >= WEAK else "weak")


def warning(graph: Graph, route: Route) -> str | None:
    """What to say when a route is weak: which tie, where it comes from, what to do first."""
    if route.score >= WEAK:
        return None
    link = route.weakest
    if link.a == YOU:
        name = graph.name(link.b)
        if link.b == route.ids[-1]:
            return (
                f"You know {name} only weakly ({link.how}): reaching out directly would be a cold call; "
                "a warm introduction through someone who knows them well works better."
            )
        return (
            f"You know {name} only weakly ({link.how}): asking {name} for an introduction would be a cold call; "
            f"warm up your tie with {name} first."
        )
    a, b = graph.name(link.a), graph.name(link.b)
    kinds = {f.kind for f in link.facts}
    if kinds == {"company"}:
        what = f"{a} and {b} only share an organisation ({link.how})"
    elif kinds == {"events"}:
        what = f"{a} knows {b} only from {link.how}"
    else:
        what = f"{a} knows {b} only weakly ({link.how})"
    return f"{what}: this would be a cold call; ask {a} how well they know each other first."


def advice(graph: Graph, route: Route, others: bool = True) -> list[str]:
    """How to strengthen a route's weakest tie (``others``: a list of people who might know
    the target follows)."""
    link = route.weakest
    if link.a == YOU and link.b == route.ids[-1]:
        name = graph.name(link.b)
        return [
            f"Find someone who knows {name} first-hand{': ask the people below' if others else ''}, and write "
            f'what you learn in their files (`knows: [{{who: "[[{name}]]", closeness: 2}}]`).'
        ]
    if link.a == YOU:
        name = graph.name(link.b)
        return [
            f'Reconnect with {name} before asking a favour: `vaultcrm log "{name}" call …`; '
            "a thriving tie (health 80+) counts fully."
        ]
    a, b = graph.name(link.a), graph.name(link.b)
    out = [
        f"Ask {a} how well they know {b}; if they are close, write it in {a}'s file: "
        f'`knows: [{{who: "[[{b}]]", closeness: 2}}]` (1 closest … 4 met once).'
    ]
    below = " (see below)" if others else ""
    if link.b != route.ids[-1]:
        out.append(f"Or look for someone who knows {graph.name(route.ids[-1])} first-hand{below}.")
    else:
        out.append(f"Or look for someone else who knows {b} well{below}.")
    return out


def might_know(
    graph: Graph,
    target: str,
    limit: int = 5,
    skip: Iterable[str] = (),
    archived: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """People of your vault most likely to know ``target``: same organisation, tags, place
    (not those in ``skip``, the people of a route already shown, nor archived people)."""
    t = graph.nodes[target]
    skipped = set(skip)
    tags = set(t.tags)
    company = name_key(t.company) if t.company else None
    place = name_key(t.location) if t.location else None
    out = []
    for n in graph.nodes.values():
        if not n.in_vault or n.id == target or n.archived or n.id in skipped:
            continue
        score = 0.0
        reasons = []
        if company and n.company and name_key(n.company) == company:
            score += 3
            reasons.append(f"also at {n.company}")
        shared = sorted(tags.intersection(n.tags))
        if shared:
            score += len(shared)
            reasons.append("also tagged " + ", ".join(shared))
        if place and n.location and name_key(n.location) == place:
            score += 1.5
            reasons.append(f"also in {n.location}")
        if score:
            out.append((-score, n.closeness or 9, n.name, n.id, reasons))
    out.sort()
    if archived is not None:
        kept = []
        for row in out:
            if not archived(row[3]):
                kept.append(row)
            if len(kept) == limit:
                break
        out = kept
    return [
        {"name": name, "path": graph.nodes[i].path, "score": -s, "closeness": graph.nodes[i].closeness, "why": r}
        for s, _, name, i, r in out[:limit]
    ]


# ---------------------------------------------------------------------------
# Referrals, centres of influence, bridges


class Deal(NamedTuple):
    contact: str  # node id
    stage: str
    value: float


DEAL_STAGES = ("lead", "qualified", "proposal", "won", "lost")  # vaultcrm.yaml's deal_stages default


def deal_weight(stage: str, deal_stages: tuple[str, ...] = DEAL_STAGES) -> float:
    """How much of a deal's value counts: won (the second-to-last deal stage) all of it, lost
    (the last) nothing, the i-th of k open stages ``(i + 1) / (2k)`` (lead 1/6, qualified
    1/3, proposal 1/2 by default); a stage not in the list nothing."""
    lowered = [s.lower() for s in deal_stages]
    key = stage.strip().lower()
    if key not in lowered or len(lowered) < 2:
        return 0.0
    i = lowered.index(key)
    open_count = len(lowered) - 2
    if i == open_count:
        return 1.0
    if i > open_count:
        return 0.0
    return (i + 1) / (2 * open_count)


def stage_points(stage: str | None, stages: tuple[str, ...]) -> float:
    """The last stage (client) 3 points, the one before (prospect) 2, any other 0.25."""
    lowered = [s.lower() for s in stages]
    if stage and stage.lower() in lowered:
        i = lowered.index(stage.lower())
        if i == len(lowered) - 1:
            return 3.0
        if i == len(lowered) - 2:
            return 2.0
    return 0.25


def referral_sources(
    graph: Graph,
    introduced_by: dict[str, str],
    reached: dict[str, str | None],
    stages: tuple[str, ...],
    deals: list[Deal],
    deal_stages: tuple[str, ...] = DEAL_STAGES,
) -> list[dict[str, Any]]:
    """Who brought you whom: ``introduced_by`` (person → introducer) scored by the stage each
    person reached (client 3, prospect 2, else 0.25) times ``1 + deal value / V`` (V: the
    median positive weighted deal value; :func:`deal_weight`: won deals count fully, open
    ones by stage)."""
    value: dict[str, float] = defaultdict(float)
    won: dict[str, float] = defaultdict(float)
    for d in deals:
        weight = deal_weight(d.stage, deal_stages)
        value[d.contact] += d.value * weight
        if weight == 1.0:
            won[d.contact] += d.value
    positive = sorted(x for x in value.values() if x > 0)
    scale = statistics.median(positive) if positive else 1.0
    top = [s.lower() for s in stages[-2:]]
    by_source: dict[str, list[str]] = defaultdict(list)
    for person, source in introduced_by.items():
        by_source[source].append(person)
    out: list[dict[str, Any]] = []
    for source, brought in by_source.items():
        score = 0.0
        people: list[dict[str, Any]] = []
        for p in brought:
            stage = reached.get(p)
            score += stage_points(stage, stages) * (1 + value.get(p, 0.0) / scale)
            people.append(
                {
                    "name": graph.name(p),
                    "path": graph.nodes[p].path,
                    "stage": stage,
                    "deal_value": _r(value.get(p, 0.0)),
                }
            )
        people.sort(key=lambda x: (-stage_points(x["stage"], stages), -x["deal_value"], x["name"]))
        out.append(
            {
                "name": graph.name(source),
                "path": graph.nodes[source].path,
                "brought": len(brought),
                "clients": sum(1 for p in brought if (reached.get(p) or "").lower() == top[-1]),
                "prospects": sum(1 for p in brought if len(top) == 2 and (reached.get(p) or "").lower() == top[0]),
                "won_value": _r(sum(won.get(p, 0.0) for p in brought)),
                "pipeline_value": _r(sum(value.get(p, 0.0) for p in brought)),
                "score": _r(score),
                "people": people,
            }
        )
    out.sort(key=lambda r: (-r["score"], -r["brought"], r["name"], r["path"] or ""))
    return out


def centres(graph: Graph, limit: int = 10) -> list[dict[str, Any]]:
    """People of your vault with the most strong ties (≥ :data:`STRONG`) to others in it."""
    rows = []
    for n in graph.nodes.values():
        if not n.in_vault:
            continue
        strong = 0
        total = 0.0
        ties = 0
        for other, s in graph.adj[n.id].items():
            if not graph.nodes[other].in_vault:
                continue
            ties += 1
            total += s
            if s >= STRONG:
                strong += 1
        if strong:
            rows.append((-strong, -round(total, 4), n.name, n.id, ties))
    rows.sort()
    return [
        {"name": name, "path": graph.nodes[i].path, "strong_ties": -s, "ties": ties, "strength": -t}
        for s, t, name, i, ties in rows[:limit]
    ]


def betweenness(graph: Graph) -> tuple[dict[str, float], str]:
    """Normalised betweenness over the ties (organisation-only ties left out: they make
    cliques, not bridges), as ``networkx.betweenness_centrality`` computes it, by Brandes'
    algorithm on integer-indexed lists (about 3× faster than networkx on 10k people).

    Exact while ``n · (n + 2m)`` ≤ :data:`BETWEENNESS_WORK` (n people, m ties; a few hundred
    people); above that from ``k = max(16, BETWEENNESS_WORK // (n + 2m))`` source people
    drawn with ``random.Random(BETWEENNESS_SEED).sample`` from the sorted nodes, scaled as
    networkx scales a sample. Returns the values and a note on how they were got.
    """
    import random
    from collections import deque

    order = sorted(graph.nodes)
    index = {n: i for i, n in enumerate(order)}
    n = len(order)
    adj: list[list[int]] = [[] for _ in order]
    m = 0
    for a, b, _ in graph.pairs():
        if (a, b) in graph.company_only:
            continue
        ia, ib = index[a], index[b]
        adj[ia].append(ib)
        adj[ib].append(ia)
        m += 1
    if n * (n + 2 * m) <= BETWEENNESS_WORK:
        sources = list(range(n))
        k = None
        method = "exact"
    else:
        k = min(n, max(16, BETWEENNESS_WORK // (n + 2 * m)))
        sources = random.Random(BETWEENNESS_SEED).sample(range(n), k)
        method = f"sampled from {k} of {n} people, seed {BETWEENNESS_SEED}"
    bc = [0.0] * n
    for s in sources:
        sigma = [0] * n
        dist = [-1] * n
        sigma[s] = 1
        dist[s] = 0
        seen = [s]
        queue = deque([s])
        while queue:
            v = queue.popleft()
            dv = dist[v] + 1
            sv = sigma[v]
            for w in adj[v]:
                dw = dist[w]
                if dw < 0:
                    dist[w] = dv
                    sigma[w] = sv
                    queue.append(w)
                    seen.append(w)
                elif dw == dv:
                    sigma[w] += sv
        delta = [0.0] * n
        for w in reversed(seen):
            before = dist[w] - 1
            c = (1.0 + delta[w]) / sigma[w]
            for v in adj[w]:
                if dist[v] == before:
                    delta[v] += sigma[v] * c
            if w != s:
                bc[w] += delta[w]
    values: dict[str, float] = {}
    if n <= 2:
        return {node: 0.0 for node in order}, method
    if k is None or k == n:
        scale = 1.0 / ((n - 1) * (n - 2))
        values = {node: bc[i] * scale for i, node in enumerate(order)}
    else:
        picked = set(sources)
        as_source = 1.0 / ((k - 1) * (n - 2)) if k > 1 else 0.0
        other = 1.0 / (k * (n - 2))
        values = {node: bc[i] * (as_source if i in picked else other) for i, node in enumerate(order)}
    return values, method


def bridges(
    graph: Graph, limit: int = 10, known: tuple[dict[str, float], str] | None = None
) -> tuple[list[dict[str, Any]], str]:
    """People of your vault who sit between your circles (highest betweenness first), with
    the circles of the people they are tied to. ``known``: betweenness computed before."""
    values, method = known if known is not None else betweenness(graph)
    rows = []
    for node_id, b in values.items():
        n = graph.nodes[node_id]
        if not n.in_vault or b <= 1e-12:
            continue
        circles = {n.circle} if n.circle else set()
        for o in graph.adj[node_id]:
            c = graph.nodes[o].circle
            if c and pair(node_id, o) not in graph.company_only:
                circles.add(c)
        rows.append((-round(b, 6), n.name, node_id, sorted(circles)))
    rows.sort()
    return [
        {"name": name, "path": graph.nodes[i].path, "betweenness": -b, "circles": c} for b, name, i, c in rows[:limit]
    ], method


# ---------------------------------------------------------------------------
# Suggested introductions


def suggest_intros(
    graph: Graph, stages: tuple[str, ...], limit: int = 10, archived: Callable[[str], bool] | None = None
) -> list[dict[str, Any]]:
    """Pairs of your people (closeness 1–3, not archived, not kin; the :data:`INTRO_POOL` closest) who
    are not tied yet and share tags or a place, or a prospect and a client with a shared tag.

    Score: 1 per shared tag, 1 for the same place, 2 for prospect + client; ties broken by
    how close they are to you, then by name."""
    pool = []
    for n in sorted(
        (n for n in graph.nodes.values() if n.in_vault and not n.archived and not n.kin and n.closeness in (1, 2, 3)),
        key=lambda n: (n.closeness, n.name, n.id),
    ):
        if archived is None or not archived(n.id):
            pool.append(n)
            if len(pool) == INTRO_POOL:
                break
    lowered = [s.lower() for s in stages]
    client = lowered[-1] if lowered else None
    prospect = lowered[-2] if len(lowered) >= 2 else None
    out = []
    for i, x in enumerate(pool):
        x_tags = set(x.tags)
        x_place = name_key(x.location) if x.location else None
        x_stage = (x.stage or "").lower()
        for y in pool[i + 1 :]:
            if y.id in graph.adj[x.id]:
                continue
            shared = sorted(x_tags.intersection(y.tags))
            same_place = x_place is not None and y.location is not None and name_key(y.location) == x_place
            if not shared and not same_place:
                continue
            score = float(len(shared)) + (1.0 if same_place else 0.0)
            reasons = []
            a, b = sorted((x, y), key=lambda n: (n.name, n.id))
            y_stage = (y.stage or "").lower()
            if shared and prospect and {x_stage, y_stage} == {prospect, client}:
                score += 2
                pro, cli = (a, b) if (a.stage or "").lower() == prospect else (b, a)
                reasons.append(f"{pro.name} is a {prospect} and {cli.name} a {client}")
            if shared:
                reasons.append("both " + ", ".join(shared))
            if same_place:
                reasons.append(f"both in {x.location}")
            out.append((-score, (x.closeness or 3) + (y.closeness or 3), a.name, b.name, a.id, b.id, reasons))
    out.sort()
    return [
        {
            "a": an,
            "b": bn,
            "a_path": graph.nodes[ai].path,
            "b_path": graph.nodes[bi].path,
            "score": -s,
            "why": r,
        }
        for s, _, an, bn, ai, bi, r in out[:limit]
    ]


# ---------------------------------------------------------------------------
# Loading from a vault (through the Vault facade) and caching in the index


def intro_words(v: Vault) -> list[str]:
    return [w for w in v.settings.type_words() if v.settings.kind_of(w) == "intro"]


def _cached(
    v: Vault, name: str, inputs: Callable[[], str], compute: Callable[[], Any], decode: bool = True
) -> tuple[Any, str]:
    """``compute()``'s JSON-able result and the key of its inputs, cached in the index twice over.

    Under the index generation (like :meth:`Vault.cached`), so that a second command on an
    unchanged vault reads it straight away; and under ``inputs()``, a digest of what the
    result depends on, so that a change elsewhere (a log line with one person, a task) costs
    only the digest, not a rebuild. ``inputs`` runs only when the generation changed; it may
    keep what it read for ``compute``. ``decode=False`` returns a cached result as JSON text
    (a freshly computed one as it is).
    """
    import json

    from . import __version__

    generation = json.dumps([v.index.generation(), v.today.isoformat(), v.settings_digest, __version__])
    key = v.index.derived_get(name + "#generation", generation)
    if key is not None:
        hit = v.index.derived_get(name, key)
        if hit is not None:
            return (json.loads(hit) if decode else hit), key
    key = json.dumps([inputs(), v.today.isoformat(), v.settings_digest, __version__])
    hit = v.index.derived_get(name, key)
    if hit is not None:
        value = json.loads(hit) if decode else hit
    else:
        value = compute()
        v.index.derived_put(name, key, json.dumps(value, ensure_ascii=False))
    v.index.derived_put(name + "#generation", generation, key)
    return value, key


def _digest(parts: Iterable[str]) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def graph_of(v: Vault) -> Graph:
    """The vault's graph, cached (numbers only) in the index. It depends on the people's
    frontmatter and the interactions with two or more people (and today), so a log line
    with one person keeps it. Built here, it also carries the facts behind every tie."""
    get, _ = _graph_and_key(v)
    return get()


def _graph_and_key(v: Vault) -> tuple[Callable[[], Graph], str]:
    """A function giving the graph (decoded only when called) and the key of its inputs."""
    import json

    from . import events

    built: list[Graph] = []
    read: dict[str, Any] = {}

    def inputs() -> str:
        read["people"] = v.index.people_json()
        read["shared"] = v.index.entries(shared=intro_words(v))
        # line numbers left out: a new line above a dinner in the same log moves it, nothing else
        return _digest([*read["people"], *(repr(e._replace(line=0)) for e in read["shared"])])

    def compute() -> dict[str, Any]:
        shared = events.resolve(read["shared"], v.settings, v.lookup)
        people = [PersonFacts.from_json(json.loads(text)) for text in read["people"]]
        graph = build_graph(people, shared, v.lookup, v.today, explain=False)
        built.append(graph)
        return graph.to_json()

    data, key = _cached(v, GRAPH_VERSION, inputs, compute, decode=False)

    def get() -> Graph:
        if not built:
            built.append(Graph.from_json(json.loads(data) if isinstance(data, str) else data))
        return built[0]

    return get, key


def facts_between(v: Vault, graph: Graph, a: str, b: str) -> tuple[Fact, ...]:
    """Where the tie between ``a`` and ``b`` comes from, rebuilt from their two files and
    their events together (the cached graph keeps numbers only)."""
    key = pair(a, b)
    if key in graph.facts:
        return graph.facts[key]
    people = [p for p in (v.index.person(x) for x in key if graph.nodes[x].path) if p is not None]
    together = []
    if people:
        other = key[1] if people[0].path == key[0] else key[0]
        together = [it for it in v.interactions_of(people[0]) if other in it.participants]
    sub = build_graph(people, together, v.lookup, v.today, org_sizes=graph.orgs)
    return sub.facts.get(key, ())


def find_target(v: Vault, graph: Graph, name: str) -> str:
    """The node a name means: a person of the vault, else someone known only from links."""
    from .errors import NameNotFound

    try:
        return v.match(name, allow_fuzzy=True).person.path
    except NameNotFound:
        key = name_key(name.strip().strip("[]"))
        exact = [n for n in graph.nodes.values() if not n.in_vault and name_key(n.name) == key]
        if not exact:
            exact = [n for n in graph.nodes.values() if not n.in_vault and name_key(n.name).startswith(key)]
        if len(exact) == 1:
            return exact[0].id
        raise


def path_report(v: Vault, name: str, max_hops: int = 3) -> dict[str, Any]:
    """Everything `vaultcrm path` says, as JSON-able data."""
    graph = graph_of(v)
    target = find_target(v, graph, name)
    node = graph.nodes[target]

    def mine(n: Node) -> tuple[float, str]:
        person = v.index.person(n.path) if n.path else None
        if person is None:
            return 0.0, ""
        n = n._replace(archived=v.is_archived(person))
        health = v.health(person) if n.closeness in (1, 2, 3) else None
        value = health.value if health else None
        return my_tie(n, value), my_tie_how(n, value, health.band if health else None)

    routes = [_with_facts(v, graph, r) for r in find_routes(graph, target, max_hops, mine)]
    best = routes[0] if routes else None
    warn = warning(graph, best) if best else None
    others = []
    if best is None or warn:
        others = might_know(graph, target, skip=best.ids if best else (), archived=_archived(v, graph))
    return {
        "target": {"name": node.name, "path": node.path, "in_vault": node.in_vault},
        "max_hops": max_hops,
        "routes": [_route_json(graph, r) for r in routes],
        "warning": warn,
        "advice": advice(graph, best, bool(others)) if best and warn else [],
        "might_know": others,
    }


def _with_facts(v: Vault, graph: Graph, route: Route) -> Route:
    links = []
    for link in route.links:
        if link.a != YOU and not link.facts:
            facts = facts_between(v, graph, link.a, link.b)
            link = link._replace(how="; ".join(f.how for f in facts), facts=facts)
        links.append(link)
    return route._replace(links=tuple(links))


def _route_json(graph: Graph, r: Route) -> dict[str, Any]:
    weakest = r.weakest
    return {
        "score": r.score,
        "band": band(r.score),
        "hops": r.hops,
        "people": [graph.name(i) for i in r.ids],
        "paths": [graph.nodes[i].path if i != YOU else None for i in r.ids],
        "links": [
            {"from": graph.name(link.a), "to": graph.name(link.b), "strength": link.strength, "how": link.how}
            for link in r.links
        ],
        "weakest": {
            "from": graph.name(weakest.a),
            "to": graph.name(weakest.b),
            "strength": weakest.strength,
            "how": weakest.how,
        },
    }


def _archived(v: Vault, graph: Graph) -> Callable[[str], bool]:
    """Whether a node is an archived person, read from their own file's lines when asked
    (the cached graph does not hold it: archiving must not rebuild the whole graph)."""

    def archived(node_id: str) -> bool:
        path = graph.nodes[node_id].path
        person = v.index.person(path) if path else None
        return person is not None and v.is_archived(person)

    return archived


def _stage_reached(v: Vault, graph: Graph, paths: Iterable[str], reserved: Iterable[Entry]) -> dict[str, str | None]:
    """The highest stage each person ever had: the current one or any in a dated `stage:` line."""
    lowered = [s.lower() for s in v.settings.stages]

    def rank(s: str | None) -> int:
        return lowered.index(s.strip().lower()) if s and s.strip().lower() in lowered else -1

    out: dict[str, str | None] = {}
    changes: dict[str, list[str]] = defaultdict(list)
    for e in reserved:
        if e.type == "stage" and e.date <= v.today:
            changes[e.path] += [x for x in (e.old, e.new) if x]
    for path in paths:
        stage = graph.nodes[path].stage
        seen = [stage, *changes.get(path, [])]
        best = max(seen, key=rank)
        out[path] = best.strip() if best and rank(best) >= 0 else stage
    return out


def deals_of(v: Vault) -> list[Deal]:
    """Deals from the frontmatter of ``deals/`` files (contact, stage, value) whose contact
    is a person of the vault."""
    from . import logline

    out = []
    for _path, fm in sorted(v.index.frontmatter(v.settings.folders.deals + "/").items()):
        contact = fm.get("contact")
        if isinstance(contact, list) and contact:
            contact = contact[0][0] if isinstance(contact[0], list) and contact[0] else contact[0]
        if not isinstance(contact, str):
            continue
        links = logline.links(contact)
        who = v.lookup(links[0] if links else contact)
        if who is None:
            continue
        raw = fm.get("value")
        try:
            value = float(str(raw).replace(",", "").replace("_", "")) if raw is not None else 0.0
        except ValueError:
            value = 0.0
        out.append(Deal(who, str(fm.get("stage") or ""), value))
    return out


def referrals_report(v: Vault) -> dict[str, Any]:
    """Referral sources, centres of influence and bridges, cached like the graph (its inputs:
    the graph, the dated stage lines, the deals)."""
    state: dict[str, Any] = {}

    def inputs() -> str:
        graph, key = _graph_and_key(v)
        reserved: list[Entry] = v.index.reserved_entries()
        deals = deals_of(v)
        state.update(graph=graph, reserved=reserved, deals=deals)
        stage_lines = [repr(e._replace(line=0)) for e in reserved if e.type == "stage"]
        return _digest([key, *stage_lines, *(repr(d) for d in deals)])

    def compute() -> dict[str, Any]:
        graph: Graph = state["graph"]()
        reached = _stage_reached(v, graph, graph.introduced, state["reserved"])
        found, method = bridges(graph, known=_betweenness_cached(v, graph))
        return {
            "referrals": referral_sources(
                graph,
                graph.introduced,
                reached,
                v.settings.stages,
                state["deals"],
                tuple(getattr(v.settings, "deal_stages", DEAL_STAGES)),
            ),
            "centres": centres(graph),
            "bridges": found,
            "betweenness": method,
        }

    data: dict[str, Any] = _cached(v, "network/referrals/6", inputs, compute)[0]
    return data


def _betweenness_cached(v: Vault, graph: Graph) -> tuple[dict[str, float], str]:
    """Betweenness, cached under a digest of the graph's shape (who is tied to whom), so that
    a change of stage, tags or tie strengths does not compute it again."""
    import json

    from . import __version__

    shape = _digest(
        [
            *sorted(graph.nodes),
            *(f"{a}\x1f{b}" for a, b, _ in graph.pairs() if (a, b) not in graph.company_only),
        ]
    )
    key = json.dumps([shape, BETWEENNESS_WORK, BETWEENNESS_SEED, __version__])
    hit = v.index.derived_get("network/betweenness/1", key)
    if hit is not None:
        data = json.loads(hit)
        values = dict.fromkeys(graph.nodes, 0.0)
        values.update(data["values"])
        return values, data["method"]
    values, method = betweenness(graph)
    stored = {n: b for n, b in sorted(values.items()) if b > 0}
    v.index.derived_put("network/betweenness/1", key, json.dumps({"values": stored, "method": method}))
    return values, method


def intros_report(v: Vault, limit: int = 10) -> list[dict[str, Any]]:
    """Suggested introductions (cached like the graph; its inputs: the graph and who is
    archived; the first 50 are kept)."""
    state: dict[str, Any] = {}

    def inputs() -> str:
        graph, key = _graph_and_key(v)
        state["graph"] = graph
        lines = [repr(e._replace(line=0)) for e in v.index.reserved_entries() if e.type in ("archived", "unarchived")]
        return _digest([key, *lines])

    def compute() -> list[dict[str, Any]]:
        graph: Graph = state["graph"]()
        return suggest_intros(graph, v.settings.stages, limit=50, archived=_archived(v, graph))

    found: list[dict[str, Any]] = _cached(v, "network/intros/6", inputs, compute)[0]
    return found[:limit]


def person_network(v: Vault, p: Person, interactions: list[Interaction]) -> dict[str, Any]:
    """What `show` says about a person's place in the network: whom of your people they know
    (``knows:`` either way, introductions, events together), who introduced them, whom they
    introduced to you. Reads only the files that link to them."""
    me = p.path
    known: set[str] = set()
    for k in p.knows:
        other = v.lookup(k.who)
        if other and other != me:
            known.add(other)
    introduced: list[str] = []
    for path in v.index.paths_linking(p.all_names()):
        if path == me:
            continue
        someone = v.index.person(path)
        if someone is None:
            continue
        if any(v.lookup(k.who) == me for k in someone.knows):
            known.add(path)
        if someone.introduced_by and v.lookup(someone.introduced_by) == me:
            introduced.append(someone.name)
            known.add(path)
    for it in interactions:
        if me in it.participants and len(it.participants) > 1 and it.reached and it.date <= v.today:
            known.update(x for x in it.participants if x != me)
    by = None
    if p.introduced_by:
        source = v.lookup(p.introduced_by)
        if source and source != me:
            known.add(source)
        person = v.index.person(source) if source else None
        by = person.name if person else p.introduced_by
    return {"knows": len(known), "introduced_by": by, "introduced": sorted(introduced, key=name_key)}
