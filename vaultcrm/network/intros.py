"""Suggested introductions (`vaultcrm intros` and the review): pairs of your people who are
not tied yet and share tags or a place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .graph import Graph, archived_of, cached, digest, graph_and_key, name_key

if TYPE_CHECKING:
    from ..core import Vault

INTRO_POOL = 300  # suggested introductions look at your closest people only


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
# From a vault


def intros_report(v: Vault, limit: int = 10) -> list[dict[str, Any]]:
    """Suggested introductions (cached like the graph; its inputs: the graph and who is
    archived; the first 50 are kept)."""
    state: dict[str, Any] = {}

    def inputs() -> str:
        graph, key = graph_and_key(v)
        state["graph"] = graph
        lines = [repr(e._replace(line=0)) for e in v.index.reserved_entries() if e.type in ("archived", "unarchived")]
        return digest([key, *lines])

    def compute() -> list[dict[str, Any]]:
        graph: Graph = state["graph"]()
        return suggest_intros(graph, v.settings.stages, limit=50, archived=archived_of(v, graph))

    found: list[dict[str, Any]] = cached(v, "network/intros/6", inputs, compute)[0]
    return found[:limit]
