"""The import plan: match every record against the vault and compute each note's new text
(:func:`build_plan`); nothing is written until :func:`vaultcrm.importers.write.apply`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .. import document
from .. import vault as vaultio
from ..errors import WriteRefused
from . import match
from . import normalize as norm
from .merge_note import Context, merge_text
from .record import Record, Skipped

if TYPE_CHECKING:
    from ..core import Vault


# ---------------------------------------------------------------------------
# The plan


@dataclass
class NewNote:
    name: str
    path: str
    records: list[Record]
    text: str = ""
    why: str = ""  # e.g. "beside people/Anna.md, whose frontmatter cannot be parsed"
    photo: tuple[str, bytes] | None = None


@dataclass
class MergeInto:
    path: str
    name: str
    records: list[Record]
    key: str  # the matching key: "email:anna@example.com", "name", "source"
    text: str = ""
    changes: list[str] = field(default_factory=list)
    photo: tuple[str, bytes] | None = None
    log: bool = True  # write the import's `note:` log line (not when a note is adopted in place)
    before: str = ""  # the text the plan was computed from


@dataclass
class Plan:
    """What an import would do; nothing is written until :func:`apply`."""

    new: list[NewNote] = field(default_factory=list)
    merges: list[MergeInto] = field(default_factory=list)  # only those that change the note
    unchanged: list[MergeInto] = field(default_factory=list)  # already imported
    orgs: list[NewNote | MergeInto] = field(default_factory=list)
    suggestions: list[match.Suggestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # notes that cannot be merged into, and why
    interactions: int = 0
    records: int = 0
    region: str | None = None
    context: Context | None = None

    @property
    def writes(self) -> list[str]:
        paths = [n.path for n in self.new] + [m.path for m in self.merges]
        paths += [o.path for o in self.orgs if isinstance(o, NewNote) or o.changes]
        return paths

    def to_json(self) -> dict[str, Any]:
        def names(recs: list[Record]) -> list[str]:
            return [r.locator for r in recs]

        return {
            "records": self.records,
            "new": [{"name": n.name, "path": n.path, "sources": names(n.records), "note": n.why} for n in self.new],
            "merges": [
                {"name": m.name, "path": m.path, "key": m.key, "changes": m.changes, "sources": names(m.records)}
                for m in self.merges
            ],
            "unchanged": [{"name": m.name, "path": m.path} for m in self.unchanged],
            "orgs": [
                {"name": o.name, "path": o.path, "new": isinstance(o, NewNote)}
                for o in self.orgs
                if isinstance(o, NewNote) or o.changes
            ],
            "suggestions": [{"a": s.a, "b": s.b, "score": s.score, "reason": s.reason} for s in self.suggestions],
            "skipped": [{"source": s.locator, "line": s.line, "reason": s.reason} for s in self.skipped],
            "problems": self.problems,
            "interactions": self.interactions,
        }


def region_of(v: Vault) -> str | None:
    region = getattr(v.settings, "phone_region", None)
    return str(region) if region else None


def context_for(v: Vault) -> Context:
    return Context(
        today=v.today,
        region=region_of(v),
        type_words=frozenset(w.lower() for w in v.settings.type_words()),
    )


def photo_name(stem: str, rec_list: list[Record]) -> str | None:
    for r in rec_list:
        if r.photo:
            ext = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "gif": "gif", "webp": "webp"}.get(
                (r.photo_type or "jpeg").lower(), "jpg"
            )
            return f"{stem}.{ext}"
    return None


def build_plan(
    v: Vault,
    items: Iterable[Record | Skipped],
    *,
    progress: Callable[[int, int], None] | None = None,
    extra_targets: dict[str, list[Record]] | None = None,
) -> Plan:
    """Match every record and compute every note's new text; write nothing.

    ``extra_targets`` (path → records) merges records into given notes directly
    (the obsidian source adopting notes in place).
    """
    ctx = context_for(v)
    plan = Plan(region=ctx.region, context=ctx)
    people_dir = v.settings.folders.people
    orgs_dir = v.settings.folders.orgs
    records: list[Record] = []
    for item in items:
        if isinstance(item, Skipped):
            plan.skipped.append(item)
        elif not item.has_identity():
            plan.skipped.append(Skipped(item.locator, "no name, no email and no profile"))
        else:
            records.append(item)
    plan.records = len(records)
    plan.interactions = sum(len(r.interactions) for r in records)
    people_recs = [r for r in records if not r.is_org]
    org_recs = [r for r in records if r.is_org]

    existing_people = v.people()
    by_path = {p.path: p for p in existing_people}
    vindex = match.VaultIndex(match.meta_entity(p.path, p.name, p.meta, ctx.region) for p in existing_people)
    unreadable = {}
    for d in v.unreadable():
        if d.path.startswith(people_dir + "/") and d.path.endswith(".md"):
            stem = d.path.rsplit("/", 1)[-1][:-3]
            unreadable[norm.name_key(stem)] = d.path

    entities = [match.record_entity(r, f"rec:{i}", ctx.region) for i, r in enumerate(people_recs)]
    groups, ambiguous = match.cluster(entities)
    targets: dict[str, tuple[list[Record], str]] = {}
    grown: dict[str, match.Entity] = {}  # vault people with what this import adds to them
    fresh: list[tuple[match.Entity, list[Record], str]] = []
    total = len(groups)
    for n, idxs in enumerate(groups):
        if progress is not None and (n % 200 == 0 or n == total - 1):
            progress(n + 1, total)
        ent = match.Entity(f"new:{n}", entities[idxs[0]].name)
        for i in idxs:
            ent.absorb(entities[i])
        recs = [people_recs[i] for i in idxs]
        target, key = vindex.located(ent), "source"
        others: list[str] = []
        if target is None:
            target, key, others = vindex.strong(ent)
        if target is None:
            fits, _clash = vindex.by_names(ent)
            # a person who already took records in this import must still fit them all
            # (two namesakes in the import never both join one vault note by name)
            fits = [ref for ref in fits if ref not in grown or match.conflict(grown[ref], ent) is None]
            if len(fits) == 1:
                target, key = fits[0], "name"
            elif len(fits) > 1:
                for ref in fits:
                    plan.suggestions.append(match.Suggestion(ref, ent.name, 95, "same name, several people fit"))
        if target is not None:
            old = targets.get(target)
            targets[target] = ((old[0] if old else []) + recs, old[1] if old else key)
            if target not in grown:
                base = vindex.entities[target]
                grown[target] = match.Entity(base.ref, base.name)
                grown[target].absorb(base)
            grown[target].absorb(ent)
            for ref in others:
                plan.suggestions.append(
                    match.Suggestion(target, ref, 100, f"the import links both (through {ent.name})")
                )
            continue
        why = ""
        for k in ent.names:
            if k in unreadable:
                why = f"beside {unreadable[k]}, whose frontmatter cannot be parsed"
                plan.problems.append(f"{unreadable[k]}: frontmatter cannot be parsed; {ent.name} goes to a new note")
                break
        fresh.append((ent, recs, why))
    adopted = set(extra_targets or {})
    for path, recs in (extra_targets or {}).items():
        old = targets.get(path)
        targets[path] = ((old[0] if old else []) + recs, old[1] if old else "file")

    # suggestions: new people whose names resemble someone's (blocked by family name); a
    # record with a name only ("Kate Okafor" from Facebook) that resembles someone is held
    # back rather than made a second note for one person
    new_index = match.VaultIndex(ent for ent, _, _ in fresh)
    kept: list[tuple[match.Entity, list[Record], str]] = []
    for ent, recs, why in fresh:
        found = [(ref, score, reason) for ref, score, reason in match.suggestions_for(ent, vindex, set())[:3]]
        found_new = [
            (new_index.entities[ref].name, score, reason, ref)
            for ref, score, reason in match.suggestions_for(ent, new_index, set())[:3]
        ]
        name_only = not any(True for _ in ent.strong_keys())
        strong_new = [f for f in found_new if any(True for _ in new_index.entities[f[3]].strong_keys())]
        # held back only for the same name or a nickname: "Anna Schmitt" is not "Anna Schmidt"
        same = [f for f in found if f[2].startswith(("same name", "nickname"))]
        same_new = [f[:3] for f in strong_new if f[2].startswith(("same name", "nickname"))]
        if name_only and (same or same_new):
            other, score, reason = same[0] if same else same_new[0]
            for r in recs:
                plan.skipped.append(
                    Skipped(
                        r.locator,
                        f"held back: only a name, which resembles {other} ({reason}); "
                        f"to merge it, add '{ent.name}' to that person's aliases and import again",
                    )
                )
            plan.suggestions.append(match.Suggestion(other, ent.name, score, reason + ", held back"))
            continue
        kept.append((ent, recs, why))
        for ref, score, reason in found:
            plan.suggestions.append(match.Suggestion(ref, ent.name, score, reason))
        for name, score, reason, ref in found_new:
            if ref > ent.ref and not (name_only and ref in {f[3] for f in strong_new}):
                plan.suggestions.append(match.Suggestion(name, ent.name, score, reason))
    fresh = kept
    for i, j, reason in ambiguous:
        plan.suggestions.append(match.Suggestion(entities[i].name, entities[j].name, 90, reason))

    # texts of merges
    for path in sorted(targets):
        recs, key = targets[path]
        person = by_path.get(path)
        try:
            text = vaultio.decode(vaultio.read_bytes(v.root / path))
        except (OSError, vaultio.ReadProblem) as exc:
            plan.problems.append(f"{path}: cannot be read ({exc}); not changed")
            continue
        stem = path.rsplit("/", 1)[-1][:-3]
        pctx = replace(ctx, photo_name=photo_name(stem, recs), log_import=path not in adopted, stem=stem)
        try:
            res = merge_text(text, recs, pctx, person.meta if person is not None else None)
        except WriteRefused as exc:
            plan.problems.append(f"{path}: {exc.message}; not changed")
            continue
        merged = MergeInto(
            path, person.name if person else stem, recs, key, res.text, res.changes, res.photo, pctx.log_import, text
        )
        (plan.merges if res.text != text else plan.unchanged).append(merged)

    # new notes
    taken = {p.lower() for p in vaultio.walk(v.root, skip=(v.settings.folders.templates,))}
    template = _PersonTemplate(v)
    for ent, recs, why in fresh:
        name = ent.name or "Unnamed"
        company = next((r.company for r in recs if r.company), None)
        path = _free_path(people_dir, name, company, taken, force_suffix=bool(why) or _name_taken(name, vindex))
        stem = path.rsplit("/", 1)[-1][:-3]
        text = template.render(name, recs)
        pctx = replace(ctx, photo_name=photo_name(stem, recs), log_import=False)
        res = merge_text(text, recs, pctx)
        plan.new.append(NewNote(name, path, recs, res.text, why, res.photo))

    # organisations
    org_groups: dict[str, list[Record]] = {}
    for r in org_recs:
        name = norm.display_name(r.company or r.name or "")
        if name:
            org_groups.setdefault(norm.fold(name), []).append(r)
    for recs in org_groups.values():
        name = norm.display_name(recs[0].company or recs[0].name or "")
        path = f"{orgs_dir}/{vaultio.safe_stem(name)}.md"
        octx = replace(ctx, log_import=False)
        if (v.root / path).exists():
            try:
                text = vaultio.decode(vaultio.read_bytes(v.root / path))
                res = merge_text(text, recs, octx)
            except (OSError, vaultio.ReadProblem, WriteRefused) as exc:
                plan.problems.append(f"{path}: {exc}; not changed")
                continue
            plan.orgs.append(MergeInto(path, name, recs, "name", res.text, res.changes if res.text != text else []))
        else:
            text = "---\nname: " + document.render_value(name) + "\n---\n"
            plan.orgs.append(NewNote(name, path, recs, merge_text(text, recs, octx).text))
    return plan


def _name_taken(name: str, vindex: match.VaultIndex) -> bool:
    return bool(vindex.by_name.get(norm.name_key(name)))


def _free_path(folder: str, name: str, company: str | None, taken: set[str], force_suffix: bool) -> str:
    stem = vaultio.safe_stem(name)
    import itertools

    first = [] if force_suffix else [stem]
    if company:
        first.append(vaultio.safe_stem(f"{name} ({company})"))
    for c in itertools.chain(first, (f"{stem} {n}" for n in range(2, 1000))):
        rel = f"{folder}/{c}.md"
        if rel.lower() not in taken:
            taken.add(rel.lower())
            return rel
    raise WriteRefused(f"no free file name for '{name}'")


class _PersonTemplate:
    """The person template, compiled once per import (compiling it per note costs 4 ms)."""

    def __init__(self, v: Vault) -> None:
        self.v = v
        self.template: Any = None

    def render(self, name: str, recs: list[Record]) -> str:
        from .. import templating

        notes = "\n".join(r.notes.strip() for r in recs if r.notes and r.notes.strip())
        if self.template is None:
            try:
                self.template = templating.environment(self.v.root, self.v.settings).get_template("person.md.j2")
            except Exception:  # noqa: BLE001 - the slow path reports template errors with file and line
                return templating.render_person(self.v.root, self.v.settings, name, {}, self.v.today, notes)
        context: dict[str, Any] = {
            "name": name,
            "fields": {},
            "today": self.v.today,
            "notes": notes,
            **{k: None for k in ("closeness", "circle", "stage", "tier", "emails", "phones", "tags")},
        }
        try:
            return str(self.template.render(**context))
        except Exception:  # noqa: BLE001
            return templating.render_person(self.v.root, self.v.settings, name, {}, self.v.today, notes)
