"""Safe YAML reading that keeps what a person typed.

PyYAML's SafeLoader follows YAML 1.1: ``on``/``yes``/``no`` become booleans,
``12:30`` becomes 750 and ``0123`` becomes 83. A person file is written by a
human, so those resolvers are removed: only ``true``/``false`` are booleans and
numbers look like numbers. Dates stay dates. Unknown tags (``!!python/object``
and friends) are errors, never executed. The C loader is used when libyaml is
present; without it a warning is printed once by the CLI.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

HAS_LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
_Base: Any = yaml.CSafeLoader if HAS_LIBYAML else yaml.SafeLoader


class VaultLoader(_Base):
    """A safe loader with YAML 1.1's surprising implicit types removed."""


def _strip_resolvers(loader: Any) -> None:
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in _Base.yaml_implicit_resolvers.items():
        kept = [
            (tag, regexp)
            for tag, regexp in entries
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        ]
        if kept:
            resolvers[first] = kept
    loader.yaml_implicit_resolvers = resolvers
    # YAML 1.2 core schema booleans and numbers only.
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:-?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-0123456789"),
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:-?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
            r"|-?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+"
            r"|-?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-0123456789."),
    )


_strip_resolvers(VaultLoader)


def _construct_int(loader: Any, node: Any) -> int:
    value = loader.construct_scalar(node).replace("_", "")
    if value.startswith(("0o", "0x")):
        return int(value, 0)
    return int(value, 10)


VaultLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _construct_timestamp(loader: Any, node: Any) -> Any:
    try:
        return _Base.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)  # 2026-02-30 stays text; validation reports it


VaultLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class YAMLProblem(Exception):
    """A YAML error with a 1-based line inside the parsed text."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


MAX_DEPTH = 64


def _check_shape(data: Any) -> None:
    """Refuse YAML that re-uses a node through an alias (``*name``: a few aliases can expand into
    billions of values once copied, the "billion laughs"), or that nests absurdly deep.
    Linear in the distinct nodes."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                raise YAMLProblem("YAML aliases (*name) are not supported in vaultcrm files", None)
            if depth > MAX_DEPTH:
                raise YAMLProblem(f"YAML nested more than {MAX_DEPTH} levels deep", None)
            seen.add(id(node))
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def load(text: str) -> Any:
    """Parse YAML text; raise :class:`YAMLProblem` with a 1-based line on error."""
    try:
        data = yaml.load(text, Loader=VaultLoader)  # noqa: S506 - VaultLoader is a SafeLoader
        if "*" in text or text.count("[") + text.count("{") + text.count("\n ") > MAX_DEPTH:
            _check_shape(data)
        return data
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        found = re.search(r"tag '([^']*)'", exc.problem or "")
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else ""
        reason = f"unsupported YAML tag {tag}" if tag else f"YAML error: {exc.problem}"
        raise YAMLProblem(reason, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        context = getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        if mark is not None and mark.line >= text.count("\n"):
            # the parser ran off the end (an unclosed bracket or quote): point at where it
            # opened when known, else at the last line with content
            if context is not None and context.line < mark.line:
                line = context.line + 1
            else:
                content = [i for i, ln in enumerate(text.split("\n")) if ln.strip()]
                line = content[-1] + 1 if content else line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # PyYAML >= 6.0.4 stops deep nesting itself
            raise YAMLProblem(f"YAML nested more than {MAX_DEPTH} levels deep", line) from None
        raise YAMLProblem(f"invalid YAML: {problem}", line) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise YAMLProblem(f"invalid YAML value: {exc}", None) from None
    except RecursionError:
        raise YAMLProblem("invalid YAML: nested too deeply", None) from None


def key_lines(text: str) -> dict[str, int]:
    """Return {top-level key: 1-based line} for a YAML mapping text (best effort)."""
    try:
        node = yaml.compose(text, Loader=VaultLoader)  # noqa: S506
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                out.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return out


def plain_is_string_everywhere(s: str) -> bool:
    """True when ``k: s`` reads back as the string ``s`` in YAML 1.1 readers too.

    vaultcrm's own reader keeps ``yes``, ``030123457``, ``+4930…`` and ``12:30`` as text, but
    Obsidian, Dataview, PyYAML's defaults and Ruby read them as booleans, numbers or
    sexagesimals. A value vaultcrm writes is quoted unless every common reader agrees.
    """
    try:
        return yaml.load(f"k: {s}", Loader=_Base) == {"k": s}
    except yaml.YAMLError:
        return False
