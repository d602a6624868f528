"""Jinja2 rendering of vault templates: the vault's ``templates/`` first, then the packaged defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from . import document
from .errors import VaultCRMError
from .settings import Settings


def environment(root: Path, settings: Settings) -> Any:
    import jinja2
    import jinja2.sandbox

    loaders = [
        jinja2.FileSystemLoader(str(root / settings.folders.templates)),
        jinja2.PackageLoader("vaultcrm", "templates"),
    ]
    # sandboxed: a template that came with someone else's vault cannot reach Python internals
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Markdown, not HTML
    )
    env.filters["yaml"] = document.render_value
    return env


def render(root: Path, settings: Settings, name: str, context: dict[str, Any]) -> str:
    """Render template ``name``; a template error names the template file and line."""
    import jinja2

    env = environment(root, settings)
    try:
        template = env.get_template(name)
        return str(template.render(**context))
    except jinja2.TemplateSyntaxError as exc:
        raise VaultCRMError(
            f"template error: {exc.message}",
            path=_template_path(root, settings, exc.filename or name),
            line=exc.lineno,
        ) from None
    except jinja2.TemplateError as exc:
        # jinja2 rewrites tracebacks so that template frames carry the template's file and line
        line, filename = None, name
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename.endswith((".j2", ".md")):  # message templates are .md files
                line, filename = tb.tb_lineno, code.co_filename
            tb = tb.tb_next
        raise VaultCRMError(
            f"template error: {exc}", path=_template_path(root, settings, filename), line=line
        ) from None


def _template_path(root: Path, settings: Settings, filename: str) -> str:
    candidate = Path(filename)
    try:
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        pass
    if (root / settings.folders.templates / candidate.name).exists():
        return f"{settings.folders.templates}/{candidate.name}"
    return f"(built-in) {candidate.name}"


def render_person(
    root: Path,
    settings: Settings,
    name: str,
    fields: dict[str, Any],
    today: dt.date,
    notes: str = "",
) -> str:
    context = {
        "name": name,
        "fields": fields,
        "today": today,
        "notes": notes,
        **{k: fields.get(k) for k in ("closeness", "circle", "stage", "tier", "emails", "phones", "tags")},
    }
    return render(root, settings, "person.md.j2", context)
