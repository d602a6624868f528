"""Referral sources, centres of influence and bridges (`vaultcrm referrals`): who brought you
whom, who has the most strong ties, who sits between your circles (betweenness)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from .graph import STRONG, Graph, cached, digest, graph_and_key, pair, round4

if TYPE_CHECKING:
    from ..core import Vault
    from ..model import Entry

BETWEENNESS_WORK = 2_000_000  # n · (n + 2m) up to this: exact betweenness, else sampled
BETWEENNESS_SEED = 20261130


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
                    "deal_value": round4(value.get(p, 0.0)),
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
                "won_value": round4(sum(won.get(p, 0.0) for p in brought)),
                "pipeline_value": round4(sum(value.get(p, 0.0) for p in brought)),
                "score": round4(score),
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
# From a vault


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
    from .. import logline

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
        graph, key = graph_and_key(v)
        reserved: list[Entry] = v.index.reserved_entries()
        deals = deals_of(v)
        state.update(graph=graph, reserved=reserved, deals=deals)
        stage_lines = [repr(e._replace(line=0)) for e in reserved if e.type == "stage"]
        return digest([key, *stage_lines, *(repr(d) for d in deals)])

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

    data: dict[str, Any] = cached(v, "network/referrals/6", inputs, compute)[0]
    return data


def _betweenness_cached(v: Vault, graph: Graph) -> tuple[dict[str, float], str]:
    """Betweenness, cached under a digest of the graph's shape (who is tied to whom), so that
    a change of stage, tags or tie strengths does not compute it again."""
    import json

    from .. import __version__

    shape = digest(
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
