"""Small typed readers for spec values: each raises SpecError naming the field."""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from ..errors import SpecError

MAX_COUNT = 100_000


def mapping(raw: Any, field: str, what: str = "a mapping") -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise SpecError(field, raw, what)
    for key in raw:
        if not isinstance(key, str):
            raise SpecError(field, key, "text keys only")
    return raw


def sequence(raw: Any, field: str, what: str = "a list") -> list[Any]:
    if not isinstance(raw, list):
        raise SpecError(field, raw, what)
    return raw


def check_keys(raw: Mapping[str, Any], allowed: Iterable[str], field: str) -> None:
    allowed = list(allowed)
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            where = f"{field}.{key}" if field else key
            raise SpecError(where, key, f"one of {', '.join(sorted(allowed))}{hint}")


def text(raw: Any, field: str, what: str = "a name (text)") -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise SpecError(field, raw, what)
    return raw


# '@' and '|' join the parts of element labels (instance:ROLE@ZONE, zone_link:A|B@REGION) and
# of internal names (the ingress of a zone network is "@ingress"); a name holding one could
# collide with another element or with an internal node. Control characters (a newline, a
# terminal escape) would break the one-line messages and tables a name is shown in.
RESERVED = "@|"
_RESERVED_OR_CONTROL = re.compile(r"[@|\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAME_RULE = "a name without '@', '|' or control characters"


def name(raw: Any, field: str, what: str = "a name") -> str:
    """A name of a region, zone, role or global service: text without reserved characters."""
    value = text(raw, field, f"{what} (text)")
    bad = _RESERVED_OR_CONTROL.search(value)
    if bad is not None:
        raise SpecError(field, value, f"{what}: {NAME_RULE} (found {bad.group()!r}; "
                        "'@' and '|' separate the parts of element labels such as instance:ROLE@ZONE)")
    return value


def integer(raw: Any, field: str, low: int = 1, high: int = MAX_COUNT) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SpecError(field, raw, f"a whole number from {low} to {high}")
    if not (low <= raw <= high):
        raise SpecError(field, raw, f"a whole number from {low} to {high}")
    return raw


def finite(raw: Any) -> TypeGuard[int | float]:
    """Whether ``raw`` is a finite int or float (an int beyond the float range is not)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return False
    try:
        return math.isfinite(raw)
    except OverflowError:
        return False


def number(raw: Any, field: str, low: float, high: float, what: str) -> float:
    if not finite(raw):
        raise SpecError(field, raw, what)
    if not (low <= raw <= high):
        raise SpecError(field, raw, what)
    return float(raw)


def boolean(raw: Any, field: str) -> bool:
    if not isinstance(raw, bool):
        raise SpecError(field, raw, "true or false")
    return raw


def size_within(raw: Any, limit: int) -> bool:
    """Whether ``raw`` has at most ``limit`` nodes, shared references counted every time.

    Stops after ``limit`` nodes, so the cost is O(limit) however large ``raw`` is (a value
    read with aliases shares its subtrees: walking it in full could take forever).
    """
    stack, seen = [raw], 0
    while stack:
        seen += 1
        if seen > limit:
            return False
        value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(itertools.islice(itertools.chain.from_iterable(value.items()), limit))
        elif isinstance(value, (list, tuple)):
            stack.extend(value[:limit])
    return True


def join(field: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{field}[{key}]"
    return f"{field}.{key}" if field else key
