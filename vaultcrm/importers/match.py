"""Deciding who is who: incoming records against each other and against the vault's people.

Three kinds of evidence, in this order:

1. **Strong keys** (an email, an E.164 phone number, a profile URL or handle): two things
   sharing one are the same person, merged automatically. Keys are looked up in dicts,
   so matching is linear in the number of records and people (never all pairs).
2. **The same name** (accent-, case- and order-folded: "Müller, José" = "jose muller"):
   merged only when nothing conflicts (see :func:`conflict`) and exactly one candidate fits.
   Two "Anna Schmidt" with different emails and different companies stay two people.
3. **Similar names** (nicknames such as Bob/Robert from ``nicknames.txt``, or a rapidfuzz
   score), compared only inside blocks of the same folded family name: a *suggestion*
   for the user (`vaultcrm merge`), never a merge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import normalize as norm
from .record import Record

SUGGEST_MIN = 85  # rapidfuzz score (0-100) from which similar names become a suggestion


@dataclass
class Entity:
    """Someone, with the comparable forms of what we know: a vault person or incoming records."""

    ref: str  # the vault path, or "new:N" for a cluster of incoming records
    name: str
    names: set[str] = field(default_factory=set)  # folded name keys (name and aliases)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: dict[str, str] = field(default_factory=dict)
    companies: set[str] = field(default_factory=set)
    birthdays: set[str] = field(default_factory=set)  # full YYYY-MM-DD only
    locators: set[str] = field(default_factory=set)

    def strong_keys(self) -> Iterator[str]:
        """The strong keys, most telling first."""
        for e in sorted(self.emails):
            yield f"email:{e}"
        for p in sorted(self.phones):
            yield f"phone:{p}"
        for net, h in sorted(self.handles.items()):
            yield f"{net}:{h}"

    def absorb(self, other: Entity) -> None:
        self.names |= other.names
        self.emails |= other.emails
        self.phones |= other.phones
        for net, h in other.handles.items():
            self.handles.setdefault(net, h)
        self.companies |= other.companies
        self.birthdays |= other.birthdays
        self.locators |= other.locators
        if not self.name:
            self.name = other.name


def record_name(rec: Record) -> str:
    """The display name a record stands for (a handle or an email when it has no name)."""
    name = norm.display_name(rec.name)
    if not name:
        parts = [p for p in (rec.prefix, rec.given, rec.middle, rec.family, rec.suffix) if p and p.strip()]
        name = norm.display_name(" ".join(parts))
    if not name and rec.nickname:
        name = norm.display_name(rec.nickname)
    if not name and rec.is_org and rec.company:
        name = norm.display_name(rec.company)
    if not name:
        for net, h in sorted(rec.handles.items()):
            if net != "twitter_id" and h:
                name = f"@{h.lstrip('@')}" if net in ("twitter", "instagram", "github") else h
                break
    if not name and rec.emails:
        name = rec.emails[0].strip()
    if not name and rec.handles.get("twitter_id"):
        name = f"X user {rec.handles['twitter_id']}"  # only an account id: the user names them later
    if not name and rec.urls:
        found = norm.profile_url(rec.urls[0])
        if found:
            name = f"X user {found[1]}" if found[0] == "twitter_id" else found[1]
    return name


def record_entity(rec: Record, ref: str, region: str | None) -> Entity:
    name = record_name(rec)
    ent = Entity(ref, name)
    if name:
        ent.names.add(norm.name_key(name))
    if rec.nickname and rec.family:
        ent.names.add(norm.name_key(f"{rec.nickname} {rec.family}"))
    ent.emails = {e for e in (norm.email(x) for x in rec.emails) if e}
    ent.phones = {p for p in (norm.phone(x, region) for x in rec.phones) if p}
    ent.handles = norm.handle_keys(rec.handles, rec.urls)
    if rec.company and not rec.is_org:
        ent.companies.add(norm.fold(rec.company))
    if rec.birthday and not str(rec.birthday).startswith("--"):
        ent.birthdays.add(str(rec.birthday))
    ent.locators.add(rec.locator)
    return ent


def _strs(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
    if isinstance(value, dict):
        return []
    return [str(value)]


def meta_entity(ref: str, name: str, meta: dict[str, Any], region: str | None) -> Entity:
    """An entity from a note's frontmatter (any spelling users wrote: `email`, `phone`, `alias` …)."""
    ent = Entity(ref, name)
    all_names = [name, *_strs(meta.get("aliases")), *_strs(meta.get("alias"))]
    ent.names = {k for k in (norm.name_key(n) for n in all_names) if k}
    emails = _strs(meta.get("emails")) + _strs(meta.get("email"))
    ent.emails = {e for e in (norm.email(x) for x in emails) if e}
    phones = _strs(meta.get("phones")) + _strs(meta.get("phone")) + _strs(meta.get("mobile"))
    ent.phones = {p for p in (norm.phone(x, region) for x in phones) if p}
    handles = meta.get("handles")
    hd = {str(k): str(v) for k, v in handles.items() if v is not None} if isinstance(handles, dict) else {}
    for net in norm.NETWORKS:
        for v in _strs(meta.get(net)):
            hd.setdefault(net, v)
    ent.handles = norm.handle_keys(hd, _strs(meta.get("urls")) + _strs(meta.get("url")))
    for company in _strs(meta.get("company")):
        from ..logline import links

        found = links(company)
        ent.companies.add(norm.fold(found[0] if found else company))
    for b in _strs(meta.get("birthday")):
        if not b.startswith("--"):
            ent.birthdays.add(b[:10])
    ent.locators = set(_strs(meta.get("sources")))
    return ent


def conflict(a: Entity, b: Entity) -> str | None:
    """Why ``a`` and ``b`` cannot be the same person, or None.

    Different profiles on the same network; or different full birthdays; or two kinds of
    contact data that both differ (emails and phones, or emails and companies).
    """
    for net in a.handles.keys() & b.handles.keys():
        if net != "mastodon" and a.handles[net] != b.handles[net]:
            return f"different {net} profiles"
    if a.birthdays and b.birthdays and not a.birthdays & b.birthdays:
        return "different birthdays"
    emails = bool(a.emails and b.emails and not a.emails & b.emails)
    phones = bool(a.phones and b.phones and not a.phones & b.phones)
    companies = bool(a.companies and b.companies and not a.companies & b.companies)
    if emails and (phones or companies):
        return "different emails and " + ("phones" if phones else "companies")
    if phones and companies:
        return "different phones and companies"
    return None


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class Suggestion:
    """Two people who may be one: for the user to decide (`vaultcrm merge A B`)."""

    a: str  # a vault path or the name of a new person
    b: str
    score: int
    reason: str


def cluster(entities: list[Entity]) -> tuple[list[list[int]], list[tuple[int, int, str]]]:
    """Group incoming entities: shared strong keys, then equal names without conflicts.

    Returns the groups (indices into ``entities``, in input order) and the ambiguous
    name pairs (index, index, reason) that were kept apart.
    """
    uf = _Union(len(entities))
    seen: dict[str, int] = {}
    for i, ent in enumerate(entities):
        for key in ent.strong_keys():
            j = seen.setdefault(key, i)
            if j != i:
                uf.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(entities)):
        groups[uf.find(i)].append(i)
    merged: list[Entity] = []
    members: list[list[int]] = []
    for idxs in groups.values():
        ent = Entity(f"new:{len(merged)}", entities[idxs[0]].name)
        for i in idxs:
            ent.absorb(entities[i])
        merged.append(ent)
        members.append(idxs)
    # equal names: strongest clusters first, each name-only cluster joins exactly one fit
    by_name: dict[str, list[int]] = defaultdict(list)
    order = sorted(range(len(merged)), key=lambda c: (-sum(1 for _ in merged[c].strong_keys()), members[c][0]))
    final: list[int] = []  # cluster ids that stay heads
    head_of: dict[int, int] = {}
    ambiguous: list[tuple[int, int, str]] = []
    for c in order:
        ent = merged[c]
        fits: list[int] = []
        clash: list[tuple[int, str]] = []
        for k in ent.names:
            for h in by_name.get(k, ()):
                if h in fits or any(h == x for x, _ in clash):
                    continue
                why = conflict(merged[h], ent)
                if why is None:
                    fits.append(h)
                else:
                    clash.append((h, why))
        if len(fits) == 1:
            h = fits[0]
            merged[h].absorb(ent)
            head_of[c] = h
            for k in ent.names:
                if h not in by_name[k]:
                    by_name[k].append(h)
            continue
        for h in fits:
            ambiguous.append((members[h][0], members[c][0], "same name, more than one person could be meant"))
        final.append(c)
        head_of[c] = c
        for k in ent.names:
            by_name[k].append(c)
    out: dict[int, list[int]] = {c: list(members[c]) for c in final}
    for c, h in head_of.items():
        if c != h:
            out[h].extend(members[c])
    result = sorted((sorted(v) for v in out.values()), key=lambda v: v[0])
    return result, ambiguous


class VaultIndex:
    """The vault's people by strong key and by folded name: built once, looked up per cluster."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities: dict[str, Entity] = {}
        self.by_key: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_locator: dict[str, list[str]] = defaultdict(list)
        self.by_block: dict[str, list[str]] = defaultdict(list)
        for ent in entities:
            self.add(ent)

    def add(self, ent: Entity) -> None:
        self.entities[ent.ref] = ent
        for key in ent.strong_keys():
            self.by_key[key].append(ent.ref)
        for k in ent.names:
            self.by_name[k].append(ent.ref)
            for b in blocks(k):
                refs = self.by_block[b]
                if not refs or refs[-1] != ent.ref:
                    refs.append(ent.ref)
        for loc in ent.locators:
            self.by_locator[loc].append(ent.ref)

    def strong(self, ent: Entity) -> tuple[str | None, str, list[str]]:
        """(best path, the key that matched, other paths that also matched a key)."""
        hits: dict[str, list[str]] = defaultdict(list)
        for key in ent.strong_keys():
            for ref in self.by_key.get(key, ()):
                hits[ref].append(key)
        if not hits:
            return None, "", []
        ranked = sorted(hits, key=lambda r: (-len(hits[r]), r))
        return ranked[0], hits[ranked[0]][0], ranked[1:]

    def by_names(self, ent: Entity) -> tuple[list[str], list[tuple[str, str]]]:
        """Vault people with an equal name: (no conflict, [(conflicting, why)])."""
        fits: list[str] = []
        clash: list[tuple[str, str]] = []
        for k in ent.names:
            for ref in self.by_name.get(k, ()):
                if ref in fits or any(ref == r for r, _ in clash):
                    continue
                why = conflict(self.entities[ref], ent)
                if why is None:
                    fits.append(ref)
                else:
                    clash.append((ref, why))
        return fits, clash

    def located(self, ent: Entity) -> str | None:
        """A person whose `sources:` already list one of these records under the same name."""
        for loc in sorted(ent.locators):
            for ref in self.by_locator.get(loc, ()):
                if self.entities[ref].names & ent.names:
                    return ref
        return None


BLOCK_MAX = 300  # a spelling block larger than this is too common a name to compare pairwise


def _given_family(name_key: str) -> tuple[str, str]:
    """Given and family of a folded name, a trailing number ("Anna Schmidt 2") left out."""
    words = [w for w in name_key.split() if not w.isdigit()] or name_key.split()
    if not words:
        return "", ""
    return words[0], (words[-1] if len(words) > 1 else "")


def blocks(name_key: str) -> list[str]:
    """Blocking keys of a folded name: same family and given name, same family and nickname
    group, and a spelling block (the family name's first four letters and the given name's
    first letter) for typos."""
    given, family = _given_family(name_key)
    if not given:
        return []
    out = [f"n:{family}:{given}"]
    out += [f"g:{family}:{gid}" for gid in sorted(norm.nickname_groups(given))]
    out.append(f"s:{family[:4]}:{given[:1]}")
    return out


def similar(a: Entity, b: Entity) -> tuple[int, str] | None:
    """A score 0-100 and a reason when two names are alike enough to suggest a merge."""
    from rapidfuzz import fuzz

    best: tuple[int, str] | None = None
    for ka in a.names:
        for kb in b.names:
            if not ka or not kb:
                continue
            ga, fa = _given_family(ka)
            gb, fb = _given_family(kb)
            if ka == kb or (ga, fa) == (gb, fb):
                cand = (95, "same name")
            elif fa and fa == fb and norm.same_given(ga, gb):
                cand = (90, f"nickname: {ga} / {gb}")
            else:
                score = int(fuzz.token_sort_ratio(ka, kb))
                if score < SUGGEST_MIN:
                    continue
                cand = (score, "similar names")
            if best is None or cand[0] > best[0]:
                best = cand
    return best


def suggestions_for(ent: Entity, index: VaultIndex, exclude: set[str]) -> list[tuple[str, int, str]]:
    """Vault people whose names resemble ``ent``'s (looked up by block, never all pairs), best first."""
    seen: set[str] = set()
    out: list[tuple[str, int, str]] = []
    for k in ent.names:
        for b in blocks(k):
            refs = index.by_block.get(b, ())
            if b.startswith("s:") and len(refs) > BLOCK_MAX:
                continue
            for ref in refs:
                if ref in seen or ref in exclude or ref == ent.ref:
                    continue
                seen.add(ref)
                other = index.entities[ref]
                if conflict(other, ent):
                    continue
                found = similar(ent, other)
                if found:
                    out.append((ref, *found))
    out.sort(key=lambda t: (-t[1], t[0]))
    return out


def find_dupes(entities: list[Entity]) -> list[Suggestion]:
    """Likely duplicates among vault people: shared strong keys, then similar names in blocks."""
    out: list[Suggestion] = []
    pairs: set[tuple[str, str]] = set()
    by_key: dict[str, list[Entity]] = defaultdict(list)
    for ent in entities:
        for key in ent.strong_keys():
            by_key[key].append(ent)
    for key, ents in sorted(by_key.items()):
        for i, a in enumerate(ents):
            for b in ents[i + 1 :]:
                pair = (min(a.ref, b.ref), max(a.ref, b.ref))
                if pair in pairs:
                    continue
                pairs.add(pair)
                kind = key.split(":", 1)[0]
                out.append(Suggestion(pair[0], pair[1], 100, f"same {kind}: {key.split(':', 1)[1]}"))
    index = VaultIndex(entities)
    for ent in entities:
        for ref, score, reason in suggestions_for(ent, index, set()):
            pair = (min(ent.ref, ref), max(ent.ref, ref))
            if pair in pairs:
                continue
            pairs.add(pair)
            out.append(Suggestion(pair[0], pair[1], score, reason))
    out.sort(key=lambda s: (-s.score, s.a, s.b))
    return out
