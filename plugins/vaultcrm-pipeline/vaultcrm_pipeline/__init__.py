"""vaultcrm-pipeline: your deals in the weekly review, and a badge for the first one won.

Deals are files in ``deals/`` (DESIGN.md): frontmatter ``contact``, ``stage`` (lead,
qualified, proposal, won, lost — ``deal_stages`` in vaultcrm.yaml), ``value``, ``currency``,
``close``, and a ``## Log`` whose ``- 2026-11-20 stage: proposal → won`` lines date each move
(``vaultcrm deal move`` writes them).

* a weekly-review section **Deals pipeline**: deals and value per stage, and the deals won
  this week;
* a badge **First Win** (bronze): the first deal won, dated by its ``→ won`` log line (else
  its close date).

The files are read here with vaultcrm's own safe YAML loader (``vaultcrm.yamlio``), so the
badge is a pure function of the vault's files, like every built-in badge.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultcrm.hooks import Badge, History, ReviewSection, hookimpl

if TYPE_CHECKING:
    from vaultcrm.core import Vault
    from vaultcrm.settings import Settings

__version__ = "0.1.0"
DEFAULT_CURRENCY = "EUR"

SECTION = """\
{% if stages -%}
| Stage | Deals | Value |
| --- | ---: | ---: |
{% for s in stages -%}
| {{ s.stage }} | {{ s.count }} | {{ s.value }} |
{% endfor -%}
{% if won %}
Won this week: {{ won | join(", ") }} 🎉
{% endif -%}
{% else -%}
No deals yet: `vaultcrm deal add` starts one.
{% endif %}"""


class DealFile(NamedTuple):
    path: str  # vault-relative
    title: str
    stage: str | None
    value: float | None
    currency: str
    close: dt.date | None
    won_on: dt.date | None  # the first "→ won" move, else the close date of a won deal


def won_stage(settings: Settings) -> str:
    """The stage that means won: the second-to-last deal stage (…, won, lost)."""
    stages = [s.lower() for s in settings.deal_stages]
    return stages[-2] if len(stages) >= 3 else stages[-1]


def read_deals(root: Path, settings: Settings) -> list[DealFile]:
    """Every ``deals/*.md`` file; a file that cannot be read is passed over (``check`` reports it)."""
    from vaultcrm import document, logline, yamlio

    folder = root / settings.folders.deals
    won = won_stage(settings)
    out: list[DealFile] = []
    try:
        files = sorted(p for p in folder.rglob("*.md") if p.is_file())
    except OSError:
        return []
    for path in files:
        try:
            doc = document.split(path.read_text(encoding="utf-8-sig"))
            fm = yamlio.load(doc.header) if doc.header and doc.header.strip() else {}
        except (OSError, UnicodeDecodeError, yamlio.YAMLProblem):
            continue
        if not isinstance(fm, dict):
            fm = {}
        stage = str(fm["stage"]).strip() if fm.get("stage") is not None else None
        value = fm.get("value")
        value = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        close = fm.get("close")
        close = close if isinstance(close, dt.date) else None
        won_on = None
        for line in doc.body.splitlines():
            parsed = logline.parse(line.strip())
            if (
                parsed is not None
                and parsed.reserved
                and parsed.type == "stage"
                and (parsed.new or "").lower() == won
                and (won_on is None or parsed.date < won_on)
            ):
                won_on = parsed.date
        if won_on is None and (stage or "").lower() == won:
            won_on = close
        out.append(
            DealFile(
                path.relative_to(root).as_posix(),
                str(fm.get("title") or path.stem),
                stage,
                value,
                str(fm.get("currency") or DEFAULT_CURRENCY),
                close,
                won_on,
            )
        )
    return out


def money(total: dict[str, float]) -> str:
    if not total:
        return "-"
    parts = []
    for currency, amount in sorted(total.items()):
        n = int(amount) if float(amount).is_integer() else round(amount, 2)
        parts.append(f"{n:,} {currency}")
    return " + ".join(parts)


def section_context(v: Vault, monday: dt.date) -> dict[str, Any]:
    sunday = monday + dt.timedelta(days=6)
    deals = read_deals(v.root, v.settings)
    order = list(v.settings.deal_stages)
    rows: dict[str, dict[str, Any]] = {}
    for d in deals:
        key = next((s for s in order if s.lower() == (d.stage or "").lower()), d.stage or "(no stage)")
        row = rows.setdefault(key, {"stage": key, "count": 0, "total": {}})
        row["count"] += 1
        if d.value is not None:
            row["total"][d.currency] = row["total"].get(d.currency, 0.0) + d.value
    rank = {s: i for i, s in enumerate(order)}
    ranked = sorted(rows.values(), key=lambda r: (rank.get(r["stage"], len(order)), r["stage"]))
    stages = [{"stage": r["stage"], "count": r["count"], "value": money(r["total"])} for r in ranked]
    won = [
        f"[[{Path(d.path).stem}]]" + (f" ({money({d.currency: d.value})})" if d.value is not None else "")
        for d in deals
        if d.won_on is not None and monday <= d.won_on <= sunday
    ]
    return {"stages": stages, "won": won}


def first_win(history: History) -> list[dt.date]:
    """The badge's progress: the dates deals were won (the first one earns it)."""
    if history.root is None:
        return []
    return sorted(d.won_on for d in read_deals(history.root, history.settings) if d.won_on is not None)


@hookimpl
def vaultcrm_review_sections() -> list[ReviewSection]:
    return [ReviewSection("Deals pipeline", SECTION, section_context)]


@hookimpl
def vaultcrm_badges() -> list[Badge]:
    return [Badge("first_win", "First Win", (("bronze", 1),), first_win, "the first deal won")]
