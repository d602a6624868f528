"""The network: warm-introduction routes, referral sources, centres of influence, bridges, intros.

Hand-built vaults where the right answers are known, checked through the CLI, plus the pure
functions against brute force (routes) and networkx (betweenness).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest
from conftest import TODAY, Run
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultcrm import network

DAY = dt.date.fromisoformat(TODAY)


def weekly(kind: str, weeks: int, start: int = 2) -> list[str]:
    """A touch every week, the latest ``start`` days ago: a thriving relationship."""
    return [f"- {(DAY - dt.timedelta(days=start + 7 * w)).isoformat()} {kind}: caught up" for w in range(weeks)]


def write_vault(root: Path, people: dict[str, tuple[str, list[str]]], extra: dict[str, str] | None = None) -> Path:
    """people: name → (frontmatter lines, log lines). Files are written in the order given."""
    (root / "people").mkdir(parents=True)
    (root / "vaultcrm.yaml").write_text("", encoding="utf-8")
    for name, (fm, log) in people.items():
        body = "\n## Log\n" + "".join(line + "\n" for line in log) if log else ""
        (root / "people" / f"{name}.md").write_text(f"---\n{fm.strip()}\n---\n{body}", encoding="utf-8")
    for rel, text in (extra or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------------------
# Routes


ROUTES = {
    "Alan Vance": ('closeness: 4\ncompany: "[[Acme GmbH]]"\ntags: [sailing]', []),
    # strong three-hop chain: you → Carla (closeness 1, thriving) → Dan → Alan
    "Carla Diaz": (
        'closeness: 1\ncircle: pals\nknows:\n  - {who: "[[Dan Ortiz]]", closeness: 1}',
        weekly("coffee", 12),
    ),
    "Dan Ortiz": (
        'closeness: 3\ncircle: customers\nknows:\n  - {who: "[[Alan Vance]]", closeness: 1, note: sailing partners}',
        [],
    ),
    # strong two-hop: you → Bea (closeness 1, thriving) → Alan (closeness 2)
    "Bea Kim": ('closeness: 1\nknows:\n  - {who: "[[Alan Vance]]", closeness: 2}', weekly("call", 12, 3)),
    # weak two-hop: Ed met Alan once at a seminar
    "Ed Miller": (
        'closeness: 2\nknows:\n  - {who: "[[Alan Vance]]", closeness: 4, note: met once at a seminar}',
        weekly("call", 8, 4),
    ),
    # someone you met once, long ago, who is close to Alan: the weak step is the first one
    "Gil Roy": ('closeness: 3\nknows:\n  - {who: "[[Alan Vance]]", closeness: 1}', ["- 2024-01-10 coffee: hi"]),
}


@pytest.fixture
def routes_vault(tmp_path: Path) -> Run:
    return Run(write_vault(tmp_path / "v", ROUTES))


def test_the_strong_chain_beats_shorter_weak_routes(routes_vault: Run) -> None:
    data = routes_vault.json("path", "Alan Vance")
    people = [r["people"] for r in data["routes"]]
    assert people[0] == ["you", "Carla Diaz", "Dan Ortiz", "Alan Vance"]
    assert people[1] == ["you", "Bea Kim", "Alan Vance"]
    assert data["routes"][0]["hops"] == 3 and data["routes"][0]["band"] == "strong"
    assert data["routes"][0]["score"] > data["routes"][1]["score"] >= network.STRONG
    # one route per first connector: Ed and Gil come after, weaker
    firsts = [r["people"][1] for r in data["routes"]]
    assert len(set(firsts)) == len(firsts) == 3
    assert data["warning"] is None and data["might_know"] == []


def test_a_strong_two_hop_route_beats_a_weak_one_hop_route(tmp_path: Path) -> None:
    people = {
        # met once, in 2024: your own line to Gil is weak
        "Gil Roy": ("closeness: 3", ["- 2024-01-10 coffee: at a conference"]),
        # Bea is close to you and to Gil
        "Bea Kim": ('closeness: 1\nknows:\n  - {who: "[[Gil Roy]]", closeness: 1}', weekly("call", 12, 3)),
    }
    data = Run(write_vault(tmp_path / "v", people)).json("path", "Gil Roy")
    assert [r["people"] for r in data["routes"]] == [["you", "Bea Kim", "Gil Roy"], ["you", "Gil Roy"]]
    two, one = data["routes"]
    assert (two["hops"], two["band"], one["hops"], one["band"]) == (2, "strong", 1, "weak")
    assert one["links"][0]["how"].startswith("closeness 3, health ")
    assert data["warning"] is None


def test_hops_are_edges(routes_vault: Run) -> None:
    one = routes_vault.json("path", "Alan Vance", "--max-hops", "1")
    assert one["routes"] == []  # Alan is closeness 4: not met, no direct line
    two = routes_vault.json("path", "Alan Vance", "--max-hops", "2")
    assert all(r["hops"] <= 2 for r in two["routes"])
    assert "Carla Diaz" not in {r["people"][1] for r in two["routes"]}


def test_ed_knows_alan_only_weakly(tmp_path: Path) -> None:
    people = {
        "Alan Vance": ('closeness: 4\ncompany: "[[Acme GmbH]]"\nlocation: Lisbon', []),
        "Ed Miller": (
            'closeness: 2\nknows:\n  - {who: "[[Alan Vance]]", closeness: 4, note: met once at a seminar}',
            weekly("call", 8),
        ),
        "Klaus Breyer": ("closeness: 2\nlocation: Lisbon", weekly("coffee", 4)),
    }
    run = Run(write_vault(tmp_path / "v", people))
    data = run.json("path", "Alan")
    assert data["routes"][0]["people"] == ["you", "Ed Miller", "Alan Vance"]
    assert data["routes"][0]["band"] == "weak"
    assert data["routes"][0]["weakest"]["from"] == "Ed Miller"
    assert data["warning"] == (
        'Ed Miller knows Alan Vance only weakly (closeness 4 in Ed Miller\'s knows: "met once at a seminar"): '
        "this would be a cold call; ask Ed Miller how well they know each other first."
    )
    assert "closeness: 2" in data["advice"][0] and "Ed Miller's file" in data["advice"][0]
    assert [m["name"] for m in data["might_know"]] == ["Klaus Breyer"]
    assert data["might_know"][0]["why"] == ["also in Lisbon"]
    out = run("path", "Alan")
    assert out.exit_code == 0
    assert "Warning: Ed Miller knows Alan Vance only weakly" in out.output
    assert "Who might know Alan Vance" in out.output and "Klaus Breyer: also in Lisbon" in out.output


def test_one_old_event_is_a_weak_tie(tmp_path: Path) -> None:
    people = {
        "Ed Miller": (
            "closeness: 2",
            [*weekly("call", 8), "- 2024-03-02 event: seminar on pricing [with:: [[Alan Vance]]]"],
        ),
        "Alan Vance": ("closeness: 4", []),
    }
    data = Run(write_vault(tmp_path / "v", people)).json("path", "Alan Vance")
    link = data["routes"][0]["links"][1]
    assert link["strength"] < 0.1
    assert data["warning"].startswith(
        "Ed Miller knows Alan Vance only from one event together on 2024-03-02 (seminar on pricing)"
    )


def test_someone_known_only_by_name_can_be_reached(tmp_path: Path) -> None:
    people = {"Oliver Grant": ("closeness: 2\nknows:\n  - {who: Ines Duarte, closeness: 2}", weekly("call", 8))}
    data = Run(write_vault(tmp_path / "v", people)).json("path", "Ines Duarte")
    assert data["target"] == {"name": "Ines Duarte", "path": None, "in_vault": False}
    assert data["routes"][0]["people"] == ["you", "Oliver Grant", "Ines Duarte"]


def test_no_route_suggests_who_might_know_them(tmp_path: Path) -> None:
    people = {
        "Zed Quinn": ("closeness: 4\ntags: [sailing]\nlocation: Lisbon", []),
        "Nina Berg": ("closeness: 2\ntags: [sailing, chess]\nlocation: lisbon", []),
        "Omar Said": ("closeness: 3\nlocation: Lisbon", []),
        "Pia Lund": ("closeness: 1\ntags: [Sailing]", []),
        "Quin Ray": ("closeness: 1\nlocation: Porto", []),
    }
    run = Run(write_vault(tmp_path / "v", people))
    data = run.json("path", "Zed")
    assert data["routes"] == []
    assert [(m["name"], m["score"]) for m in data["might_know"]] == [
        ("Nina Berg", 2.5),
        ("Omar Said", 1.5),
        ("Pia Lund", 1.0),
    ]
    assert data["might_know"][0]["why"] == ["also tagged sailing", "also in lisbon"]
    out = run("path", "Zed")
    assert out.exit_code == 0
    assert out.output.startswith("No route to Zed Quinn within 3 hops.")
    assert "  - Nina Berg: also tagged sailing; also in lisbon" in out.output


def test_unknown_name_is_an_error(routes_vault: Run) -> None:
    result = routes_vault("path", "Nobody At All")
    assert result.exit_code == 1
    assert "Error:" in result.stderr


# ---------------------------------------------------------------------------
# Referrals, centres, bridges

REFERRALS = {
    "Rita Lopez": ("closeness: 2", []),
    "Sam Tran": ("closeness: 2", []),
    "Tom Wu": ("closeness: 2", []),
    "Cleo Park": ('closeness: 3\nstage: client\nintroduced_by: "[[Rita Lopez]]"', []),
    "Pete Ames": ('closeness: 3\nstage: prospect\nintroduced_by: "[[Rita Lopez]]"', []),
    "Tia Moss": ('closeness: 3\nstage: client\nintroduced_by: "[[Tom Wu]]"', []),
    "Ann One": ('closeness: 3\nstage: contact\nintroduced_by: "[[Sam Tran]]"', []),
    "Ben Two": ('closeness: 3\nstage: contact\nintroduced_by: "[[Sam Tran]]"', []),
    "Cat Three": ('closeness: 3\nstage: contact\nintroduced_by: "[[Sam Tran]]"', []),
    # a client once, a connection now: the stage reached counts
    "Uma Four": (
        'closeness: 3\nstage: connection\nintroduced_by: "[[Sam Tran]]"',
        ["- 2026-06-01 stage: client → connection", "- 2026-01-10 stage: prospect → client"],
    ),
}
DEALS = {
    "deals/Cleo retainer.md": '---\ncontact: "[[Cleo Park]]"\nstage: won\nvalue: 10000\n---\n',
    "deals/Pete lost.md": '---\ncontact: "[[Pete Ames]]"\nstage: lost\nvalue: 50000\n---\n',
}


def test_referral_sources_are_ranked_by_what_their_people_became(tmp_path: Path) -> None:
    run = Run(write_vault(tmp_path / "v", REFERRALS, DEALS))
    data = run.json("referrals")
    ranked = [(r["name"], r["score"], r["brought"], r["clients"], r["prospects"]) for r in data["referrals"]]
    # Rita: a client with the only positive deal (3 × (1 + 10000/10000)) + a prospect (2; the lost deal counts 0)
    # Sam: Uma reached client (3) + three contacts (3 × 0.25); Tom: one client without deals (3)
    assert ranked == [
        ("Rita Lopez", 8.0, 2, 1, 1),
        ("Sam Tran", 3.75, 4, 1, 0),
        ("Tom Wu", 3.0, 1, 1, 0),
    ]
    assert data["referrals"][0]["won_value"] == 10000
    assert [p["name"] for p in data["referrals"][0]["people"]] == ["Cleo Park", "Pete Ames"]
    out = run("referrals")
    assert out.exit_code == 0
    assert "1. Rita Lopez  score 8.0 · brought 2 · 1 client · 1 prospect · won 10,000" in out.output


def circles_vault(root: Path) -> Path:
    """Two circles that know each other inside, joined only through Bridget."""
    people: dict[str, tuple[str, list[str]]] = {}
    pals = ["Pal A", "Pal B", "Pal C", "Pal D"]
    customers = ["Cus A", "Cus B", "Cus C", "Cus D"]
    for group, circle in ((pals, "pals"), (customers, "customers")):
        for name in group:
            knows = "".join(f'\n  - {{who: "[[{o}]]", closeness: 2}}' for o in group if o > name)
            people[name] = (f"closeness: 2\ncircle: {circle}" + (f"\nknows:{knows}" if knows else ""), [])
    people["Bridget Hale"] = ('closeness: 2\nknows:\n  - "[[Pal A]]"\n  - "[[Cus A]]"', [])
    return write_vault(root, people)


def test_the_bridge_between_two_circles_has_the_highest_betweenness(tmp_path: Path) -> None:
    data = Run(circles_vault(tmp_path / "v")).json("referrals")
    assert data["betweenness"] == "exact"
    bridges = data["bridges"]
    assert bridges[0]["name"] == "Bridget Hale"
    assert bridges[0]["circles"] == ["customers", "pals"]
    assert bridges[0]["betweenness"] > bridges[1]["betweenness"]
    assert {b["name"] for b in bridges[1:3]} == {"Pal A", "Cus A"}
    # centres: everyone in a circle has 3 strong ties (closeness 2 → 0.7); ties by name
    assert [c["name"] for c in data["centres"][:3]] == ["Cus A", "Pal A", "Cus B"]
    assert data["centres"][0]["strong_ties"] == 3 and data["centres"][0]["ties"] == 4


def test_betweenness_matches_networkx(tmp_path: Path) -> None:
    import random

    import networkx as nx

    rng = random.Random(7)
    nodes = {f"n{i:02d}": network.Node(f"n{i:02d}", f"N {i}", f"people/N {i}.md") for i in range(40)}
    adj: dict[str, dict[str, float]] = {n: {} for n in nodes}
    for a, b in itertools.combinations(sorted(nodes), 2):
        if rng.random() < 0.08:
            adj[a][b] = adj[b][a] = 0.5
    graph = network.Graph(nodes, adj, set())
    mine, method = network.betweenness(graph)
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_edges_from((a, b) for a, b, _ in graph.pairs())
    assert method == "exact"
    assert mine == pytest.approx(nx.betweenness_centrality(g, normalized=True))


def test_large_graphs_sample_betweenness_deterministically(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network.influence, "BETWEENNESS_WORK", 500)
    nodes = {f"n{i:03d}": network.Node(f"n{i:03d}", f"N {i}", f"p/{i}.md") for i in range(60)}
    adj: dict[str, dict[str, float]] = {n: {} for n in nodes}
    ids = sorted(nodes)
    for i, a in enumerate(ids):
        for b in ids[i + 1 : i + 4]:
            adj[a][b] = adj[b][a] = 0.7
    graph = network.Graph(nodes, adj, set())
    first, method = network.betweenness(graph)
    again, _ = network.betweenness(network.Graph(dict(reversed(nodes.items())), adj, set()))
    assert method.startswith("sampled from 16 of 60 people")
    assert first == again


# ---------------------------------------------------------------------------
# Suggested introductions, show, the review, the Connector badge

INTROS = {
    "Nina Berg": ("closeness: 2\ntags: [sailing]\nlocation: Lisbon\nstage: prospect", []),
    "Omar Said": ("closeness: 2\ntags: [sailing]\nstage: client", []),
    "Pia Lund": ("closeness: 1\nlocation: Lisbon", []),
    "Quin Ray": ("closeness: 3\nlocation: Lisbon", []),
    "Mum": ("closeness: 1\nkin: true\nlocation: Lisbon", []),  # family is not matched
    "Rex Hill": ("closeness: 4\nlocation: Lisbon", []),  # not met: not yours to introduce
    "Sol Vega": ('closeness: 2\nlocation: Lisbon\nknows: ["[[Pia Lund]]"]', []),
}


def test_intros_pair_people_who_share_things_but_not_a_tie(tmp_path: Path) -> None:
    run = Run(write_vault(tmp_path / "v", INTROS))
    found = run.json("intros")
    pairs = [(s["a"], s["b"], s["score"]) for s in found]
    assert pairs[0] == ("Nina Berg", "Omar Said", 3.0)  # a prospect and a client who share a tag
    assert found[0]["why"] == ["Nina Berg is a prospect and Omar Said a client", "both sailing"]
    names = {n for a, b, _ in pairs for n in (a, b)}
    assert "Mum" not in names and "Rex Hill" not in names
    assert ("Pia Lund", "Sol Vega", 1.0) not in pairs  # they know each other
    # equal scores: closer to you first, then by name
    assert pairs[1:] == [
        ("Nina Berg", "Pia Lund", 1.0),
        ("Nina Berg", "Sol Vega", 1.0),
        ("Pia Lund", "Quin Ray", 1.0),
        ("Nina Berg", "Quin Ray", 1.0),
        ("Quin Ray", "Sol Vega", 1.0),
    ]
    out = run("intros", "--limit", "1")
    assert out.output.splitlines() == [
        "Suggested introductions",
        "  - Introduce Nina Berg to Omar Said · Nina Berg is a prospect and Omar Said a client · both sailing",
    ]


def test_making_an_introduction_links_both_and_earns_connector(tmp_path: Path) -> None:
    run = Run(write_vault(tmp_path / "v", INTROS))
    result = run("log", "Nina", "intro", "introduced her to [[Omar Said]] about sailing")
    assert result.exit_code == 0, result.output
    assert "Connector" in result.output
    assert ("Nina Berg", "Omar Said") not in {(s["a"], s["b"]) for s in run.json("intros")}
    nina = run.json("show", "Nina")
    assert nina["network"] == {"knows": 1, "introduced_by": None, "introduced": []}
    badges = {b["id"]: b for b in run.json("badges")}
    assert "connector" in badges
    data = run.json("path", "Omar Said")
    ways = {tuple(r["people"]) for r in data["routes"]}
    assert ("you", "Nina Berg", "Omar Said") in ways


def test_show_says_whom_they_know_and_introduced(tmp_path: Path) -> None:
    run = Run(write_vault(tmp_path / "v", REFERRALS, DEALS))
    rita = run.json("show", "Rita Lopez")["network"]
    assert rita == {"knows": 2, "introduced_by": None, "introduced": ["Cleo Park", "Pete Ames"]}
    cleo = run("show", "Cleo Park")
    assert "knows 1 of your people; introduced by Rita Lopez" in cleo.output
    out = run("show", "Rita Lopez")
    assert "knows 2 of your people; introduced you to Cleo Park, Pete Ames" in out.output
    lonely = run("show", "Tom Wu", "--json")
    assert json.loads(lonely.stdout)["network"]["introduced"] == ["Tia Moss"]


def test_the_review_suggests_introductions_each_person_once(tmp_path: Path) -> None:
    run = Run(write_vault(tmp_path / "v", INTROS))
    text = run("review", "--print").output
    section = text.split("## Suggested introductions\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section == [
        "- [ ] Intro [[Nina Berg]] to [[Omar Said]] · Nina Berg is a prospect and Omar Said a client · both sailing",
        "- [ ] Intro [[Pia Lund]] to [[Quin Ray]] · both in Lisbon",
    ]


def test_a_ticked_intro_in_the_review_counts_as_the_introduction(tmp_path: Path) -> None:
    run = Run(write_vault(tmp_path / "v", INTROS))
    assert run("review").exit_code == 0
    note = run.root / "reviews" / "2026-W48.md"
    text = note.read_text(encoding="utf-8").replace("- [ ] Intro [[Pia Lund]]", "- [x] Intro [[Pia Lund]]")
    note.write_text(text, encoding="utf-8")
    assert run.json("show", "Pia Lund")["network"]["knows"] == 2  # Sol (knows:) and now Quin
    assert ("Pia Lund", "Quin Ray") not in {(s["a"], s["b"]) for s in run.json("intros")}


def test_no_vault_review_change_without_suggestions(run: Run) -> None:
    # the committed fixture vault has no pair to suggest: the review has no such section
    assert "Suggested introductions" not in run("review", "--print").output


# ---------------------------------------------------------------------------
# Determinism and the cache


def _everything(run: Run) -> list[str]:
    return [
        run("path", "Alan Vance", "--json").stdout,
        run("path", "Alan Vance", "--max-hops", "2", "--json").stdout,
        run("referrals", "--json").stdout,
        run("intros", "--json").stdout,
    ]


def test_same_vault_same_answers_in_the_same_order(tmp_path: Path) -> None:
    people = {**ROUTES, **REFERRALS, **INTROS}
    # equal routes: two connectors with identical ties to Alan, ordered by name
    people["Vic Twin"] = ('closeness: 1\nknows:\n  - {who: "[[Alan Vance]]", closeness: 2}', weekly("call", 12, 3))
    base = write_vault(tmp_path / "a", people, DEALS)
    shuffled = write_vault(tmp_path / "b", dict(reversed(list(people.items()))), dict(reversed(list(DEALS.items()))))
    first = _everything(Run(base))
    assert _everything(Run(base)) == first  # cached answers equal computed ones
    shutil.rmtree(base / ".vaultcrm")
    assert _everything(Run(base)) == first
    assert _everything(Run(shuffled)) == first
    routes = json.loads(first[0])["routes"]
    assert [r["people"][1] for r in routes[1:3]] == ["Bea Kim", "Vic Twin"]
    assert routes[1]["score"] == routes[2]["score"]


def test_cached_graph_explains_ties_like_a_fresh_build(tmp_path: Path) -> None:
    from vaultcrm.core import Vault

    people = {**ROUTES, **REFERRALS}
    people["Ed Miller"] = (
        ROUTES["Ed Miller"][0],
        [*weekly("call", 8, 4), "- 2026-10-02 dinner: with Dan [with:: [[Dan Ortiz]], [[Carla Diaz]]]"],
    )
    root = write_vault(tmp_path / "v", people)
    v = Vault(root, DAY)
    v.refresh()
    full = network.build_graph(v.people(), v.interactions(), v.lookup, v.today)  # with every fact
    network.graph_of(v)
    fresh = network.graph_of(Vault(root, DAY))  # read from the cache: numbers only
    assert not fresh.facts and len(full.facts) > 10
    assert fresh.adj == full.adj and fresh.nodes == full.nodes
    for (a, b), facts in full.facts.items():
        assert network.facts_between(v, fresh, a, b) == facts
        assert network.combine(f.strength for f in facts) == pytest.approx(fresh.strength(a, b), abs=1e-4)
    v.close()


# ---------------------------------------------------------------------------
# The widest path against brute force


@settings(max_examples=60, deadline=None)
@given(
    edges=st.dictionaries(
        st.tuples(st.integers(0, 6), st.integers(0, 6)).filter(lambda e: e[0] < e[1]),
        st.sampled_from([0.15, 0.2, 0.45, 0.5, 0.6, 0.7, 0.9]),
        max_size=14,
    ),
    closeness=st.lists(st.sampled_from([1, 2, 3, 4, None]), min_size=7, max_size=7),
    hops=st.integers(1, 4),
)
def test_routes_are_the_widest_paths(
    edges: dict[tuple[int, int], float], closeness: list[int | None], hops: int
) -> None:
    ids = [f"p{i}" for i in range(7)]
    nodes = {f"p{i}": network.Node(f"p{i}", f"P{i}", f"people/P{i}.md", closeness[i]) for i in range(7)}
    adj: dict[str, dict[str, float]] = {n: {} for n in ids}
    for (a, b), s in edges.items():
        adj[ids[a]][ids[b]] = adj[ids[b]][ids[a]] = s
    graph = network.Graph(nodes, adj, set())
    target = "p0"

    def mine(n: network.Node) -> tuple[float, str]:
        return network.my_tie(n, None), ""

    found = network.find_routes(graph, target, hops, mine, limit=7)
    # brute force: every simple path from a first connector to the target, at most `hops` edges
    best: dict[str, float] = {}
    for first in ids:
        tie = network.my_tie(nodes[first], None)
        if tie <= 0:
            continue
        if first == target:
            best[first] = tie
            continue
        others = [n for n in ids if n not in (first, target)]
        for k in range(hops):
            for middle in itertools.permutations(others, k):
                chain = [first, *middle, target]
                if len(chain) - 1 > hops - 1:
                    continue
                strengths = [adj[x].get(y, 0.0) for x, y in zip(chain, chain[1:], strict=False)]
                if all(strengths):
                    best[first] = max(best.get(first, 0.0), min([tie, *strengths]))
    assert {r.ids[1]: r.score for r in found} == pytest.approx(best)
    for r in found:
        assert r.hops <= hops and len(set(r.ids)) == len(r.ids)
        assert r.score == min(link.strength for link in r.links)
    assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)


def test_archived_people_are_neither_asked_nor_suggested(tmp_path: Path) -> None:
    people = {
        **INTROS,
        "Zed Quinn": ("closeness: 4\nlocation: Lisbon", []),
        "Bea Kim": ('closeness: 1\nknows:\n  - {who: "[[Zed Quinn]]", closeness: 1}', weekly("call", 12, 3)),
    }
    run = Run(write_vault(tmp_path / "v", people))
    before = run.json("path", "Zed")["routes"][0]
    assert before["people"] == ["you", "Bea Kim", "Zed Quinn"] and before["band"] == "strong"
    assert any("Quin Ray" in (s["a"], s["b"]) for s in run.json("intros"))
    assert run("archive", "Bea Kim").exit_code == 0
    assert run("archive", "Quin Ray").exit_code == 0
    after = run.json("path", "Zed")
    assert after["routes"][0]["links"][0]["how"].endswith(", archived")
    assert after["routes"][0]["score"] == pytest.approx(before["score"] / 2, abs=0.01)
    assert "Quin Ray" not in {m["name"] for m in after["might_know"]}
    assert not any("Quin Ray" in (s["a"], s["b"]) for s in run.json("intros"))


def test_the_graph_survives_changes_it_does_not_depend_on(tmp_path: Path) -> None:
    from vaultcrm.core import Vault

    people = dict(ROUTES)
    people["Ed Miller"] = (ROUTES["Ed Miller"][0], ["- 2026-10-02 dinner: with Dan [with:: [[Dan Ortiz]]]"])
    root = write_vault(tmp_path / "v", people)
    run = Run(root)

    def key() -> str:
        v = Vault(root, DAY)
        v.refresh()
        try:
            return network._graph_and_key(v)[1]
        finally:
            v.close()

    first = key()
    assert run("log", "Ed Miller", "call", "quick hello").exit_code == 0  # one person: same graph
    assert run("log", "Carla", "coffee").exit_code == 0
    assert key() == first
    assert run("log", "Ed Miller", "lunch", "--with", "Carla Diaz").exit_code == 0  # two people: a new tie
    second = key()
    assert second != first
    assert run("set", "Bea Kim", "tags", "sailing").exit_code == 0  # frontmatter: rebuilt
    assert key() != second
    assert run.json("path", "Dan Ortiz")["routes"][0]["people"][:2] == ["you", "Carla Diaz"]
    # every cached answer equals a fresh one
    assert run("set", "Dan Ortiz", "stage", "client").exit_code == 0  # same shape: betweenness reused
    cached = _everything(run)
    shutil.rmtree(root / ".vaultcrm")
    assert _everything(run) == cached
