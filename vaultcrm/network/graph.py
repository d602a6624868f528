"""The people graph: nodes, tie strengths from the facts in the files, your own ties, and
the graph loaded from a vault and cached in the index (see :mod:`vaultcrm.network`)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from ..core import Vault
    from ..events import Interaction

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


def round4(x: float) -> float:
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
    from ..logline import inline_fields, readable

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
        s = round4(min(EVENT_CAP, combine(e[0] for e in items)))
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
            strength = round4(combine(kinds[k] for k in order if k in kinds))
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
    return round4(value)


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
# Loading from a vault (through the Vault facade) and caching in the index


def intro_words(v: Vault) -> list[str]:
    return [w for w in v.settings.type_words() if v.settings.kind_of(w) == "intro"]


def cached(
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

    from .. import __version__

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


def digest(parts: Iterable[str]) -> str:
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
    get, _ = graph_and_key(v)
    return get()


def graph_and_key(v: Vault) -> tuple[Callable[[], Graph], str]:
    """A function giving the graph (decoded only when called) and the key of its inputs."""
    import json

    from .. import events

    built: list[Graph] = []
    read: dict[str, Any] = {}

    def inputs() -> str:
        read["people"] = v.index.people_json()
        read["shared"] = v.index.entries(shared=intro_words(v))
        # line numbers left out: a new line above a dinner in the same log moves it, nothing else
        return digest([*read["people"], *(repr(e._replace(line=0)) for e in read["shared"])])

    def compute() -> dict[str, Any]:
        shared = events.resolve(read["shared"], v.settings, v.lookup)
        people = [PersonFacts.from_json(json.loads(text)) for text in read["people"]]
        graph = build_graph(people, shared, v.lookup, v.today, explain=False)
        built.append(graph)
        return graph.to_json()

    data, key = cached(v, GRAPH_VERSION, inputs, compute, decode=False)

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


def archived_of(v: Vault, graph: Graph) -> Callable[[str], bool]:
    """Whether a node is an archived person, read from their own file's lines when asked
    (the cached graph does not hold it: archiving must not rebuild the whole graph)."""

    def archived(node_id: str) -> bool:
        path = graph.nodes[node_id].path
        person = v.index.person(path) if path else None
        return person is not None and v.is_archived(person)

    return archived
