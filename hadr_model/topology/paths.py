"""Dotted parameter paths into a raw spec (sweeps, what-it-takes): read them, set them without copying.

A path is keys joined by dots, with ``[i]`` for list items:
``roles.invoker.per_zone``, ``zone.mttr``, ``blocks.series[1].parallel[0].component.mttf``.

Examples
--------
>>> raw = {"zone": {"mttf": "1y", "mttr": "8h"}, "roles": {"db": {"per_zone": 1}}}
>>> with_values(raw, {"zone.mttr": 4.0})["zone"]
{'mttf': '1y', 'mttr': 4.0}
>>> raw["zone"]["mttr"]            # the original is untouched
'8h'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import SpecError

__all__ = ["check_path", "parse_path", "set_path", "with_values"]

Path = tuple[str | int, ...]
_SEGMENT = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")


def parse_path(name: str) -> Path:
    """Split a dotted name into keys and list indices.

    Examples
    --------
    >>> parse_path("blocks.series[1].component.mttf")
    ('blocks', 'series', 1, 'component', 'mttf')
    """
    if not isinstance(name, str) or not name:
        raise SpecError("parameters", name, "a parameter name: a dotted path such as 'zone.mttr'")
    parts: list[str | int] = []
    for segment in name.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise SpecError(f"parameters.{name}", name, "a dotted path such as 'roles.invoker.per_zone'")
        parts.append(match.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(parts)


def _describe(prefix: Path) -> str:
    text = ""
    for part in prefix:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the top level"


def check_path(raw: Mapping[str, Any], name: str) -> Path:
    """Check that every parent of ``name`` exists in ``raw``; the last key may be new.

    A new last key is checked later, when the value is applied and the spec parsed (the
    spec parser rejects keys it does not know).

    Raises
    ------
    SpecError
        Naming the parameter and the first missing key.
    """
    path = parse_path(name)
    node: Any = raw
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise SpecError(f"parameters.{name}", name,
                                f"a path into the spec; {_describe(path[:depth])} has no item [{part}]")
            node = node[part]
            continue
        if not isinstance(node, Mapping):
            raise SpecError(f"parameters.{name}", name,
                            f"a path into the spec; {_describe(path[:depth])} is not a mapping")
        if part not in node:
            if last:
                return path
            known = ", ".join(sorted(map(str, node))) or "nothing"
            raise SpecError(f"parameters.{name}", name,
                            f"a parameter of the spec; {_describe(path[:depth])} has no key {part!r} "
                            f"(it has {known})")
        node = node[part]
    return path


def set_path(node: Any, path: Path, value: Any) -> Any:
    """A copy of ``node`` with ``path`` set; only the containers along the path are copied."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(node)
        items[head] = set_path(items[head], rest, value)
        return items
    copy = dict(node)
    copy[head] = set_path(node.get(head), rest, value) if rest else value
    return copy


def with_values(raw: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` with each dotted name set to its value (copy on write; ``raw`` is not changed)."""
    result: Any = dict(raw)
    for name, value in values.items():
        result = set_path(result, parse_path(name), value)
    return result
