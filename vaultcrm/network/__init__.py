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
person you would ask. Everything here is pure except the functions at the end of each
module that take a :class:`~vaultcrm.core.Vault`, which load the facts from the index and
cache the graph (and the reports) in its ``derived`` table.

The modules: :mod:`.graph` (the nodes, the ties and their strengths, your own ties, the
graph of a vault and its cache), :mod:`.routes` (``vaultcrm path``: routes, weak-route
warnings, who might know someone), :mod:`.influence` (referral sources, centres of
influence, betweenness and bridges), :mod:`.intros` (suggested introductions) and
:mod:`.person` (a person's place in the network, for ``show``). Every name is re-exported
here: ``from vaultcrm.network import path_report`` keeps working.
"""

from __future__ import annotations

from .graph import (
    COMPANY,
    COMPANY_MAX,
    EVENT_BASE,
    EVENT_CAP,
    EVENT_HALF_LIFE,
    EVENT_OTHER,
    GRAPH_VERSION,
    GROUP_FULL,
    HEALTH_FULL,
    INTRODUCED,
    KNOWS,
    KNOWS_PLAIN,
    MINE_UNCLASSIFIED,
    NO_HEALTH,
    STRONG,
    WEAK,
    YOU,
    Fact,
    Graph,
    Node,
    Pair,
    PersonFacts,
    PersonLike,
    build_graph,
    combine,
    facts_between,
    graph_and_key,
    graph_of,
    intro_words,
    my_tie,
    my_tie_bound,
    my_tie_how,
    name_key,
    pair,
)
from .influence import (
    BETWEENNESS_SEED,
    BETWEENNESS_WORK,
    DEAL_STAGES,
    Deal,
    betweenness,
    bridges,
    centres,
    deal_weight,
    deals_of,
    referral_sources,
    referrals_report,
    stage_points,
)
from .intros import (
    INTRO_POOL,
    intros_report,
    suggest_intros,
)
from .person import (
    person_network,
)
from .routes import (
    Link,
    MyTie,
    Route,
    advice,
    band,
    find_routes,
    find_target,
    might_know,
    path_report,
    warning,
    widest_to,
)

_graph_and_key = graph_and_key  # its name when this was one module (tests/test_network.py reads it)

__all__ = [
    "YOU",
    "KNOWS",
    "KNOWS_PLAIN",
    "INTRODUCED",
    "COMPANY",
    "COMPANY_MAX",
    "EVENT_BASE",
    "EVENT_OTHER",
    "EVENT_HALF_LIFE",
    "EVENT_CAP",
    "GROUP_FULL",
    "MINE_UNCLASSIFIED",
    "HEALTH_FULL",
    "NO_HEALTH",
    "STRONG",
    "WEAK",
    "GRAPH_VERSION",
    "name_key",
    "PersonLike",
    "PersonFacts",
    "Node",
    "Fact",
    "combine",
    "Pair",
    "pair",
    "Graph",
    "build_graph",
    "my_tie_bound",
    "my_tie",
    "my_tie_how",
    "intro_words",
    "graph_of",
    "graph_and_key",
    "facts_between",
    "Link",
    "Route",
    "MyTie",
    "widest_to",
    "find_routes",
    "band",
    "warning",
    "advice",
    "might_know",
    "find_target",
    "path_report",
    "BETWEENNESS_WORK",
    "BETWEENNESS_SEED",
    "Deal",
    "DEAL_STAGES",
    "deal_weight",
    "stage_points",
    "referral_sources",
    "centres",
    "betweenness",
    "bridges",
    "deals_of",
    "referrals_report",
    "INTRO_POOL",
    "suggest_intros",
    "intros_report",
    "person_network",
]
