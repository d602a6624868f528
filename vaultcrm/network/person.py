"""A person's place in the network, as `vaultcrm show` tells it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .graph import name_key

if TYPE_CHECKING:
    from ..core import Vault
    from ..events import Interaction
    from ..model import Person


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
