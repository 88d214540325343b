"""Small typed readers for spec values: each raises SpecError naming the field."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

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


def integer(raw: Any, field: str, low: int = 1, high: int = MAX_COUNT) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SpecError(field, raw, f"a whole number from {low} to {high}")
    if not (low <= raw <= high):
        raise SpecError(field, raw, f"a whole number from {low} to {high}")
    return raw


def finite(raw: Any) -> bool:
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


def join(field: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{field}[{key}]"
    return f"{field}.{key}" if field else key
