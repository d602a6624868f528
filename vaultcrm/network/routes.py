"""Warm-introduction routes (`vaultcrm path`): widest paths from you to a person, what to say
when the best route is weak, and who might know someone you have no route to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from .graph import (
    STRONG,
    WEAK,
    YOU,
    Fact,
    Graph,
    Node,
    archived_of,
    facts_between,
    graph_of,
    my_tie,
    my_tie_bound,
    my_tie_how,
    name_key,
    pair,
)

if TYPE_CHECKING:
    from ..core import Vault

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
# From a vault


def find_target(v: Vault, graph: Graph, name: str) -> str:
    """The node a name means: a person of the vault, else someone known only from links."""
    from ..errors import NameNotFound

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
        others = might_know(graph, target, skip=best.ids if best else (), archived=archived_of(v, graph))
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
