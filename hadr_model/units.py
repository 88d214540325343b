"""Parsing of quantities with units: durations, data sizes, rates, fractions.

Everything inside hadr_model is in **hours** (time), **bytes** (size) and **bytes per
hour** (rate). A spec may write a bare number, which means the base unit (hours for a
duration), or a string with a unit:

========== =============================================
duration   ``30s``, ``15m`` / ``15min``, ``4h``, ``30d``, ``2w``, ``1y`` (365 d = 8760 h)
size       ``500B``, ``2KB``, ``2TB`` (SI, ×1000), ``100MiB`` (IEC, ×1024)
rate       ``200MB/s``, ``1TB/h`` (size per time)
fraction   ``0.6``, ``60%``
========== =============================================
"""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import SpecError

__all__ = [
    "HOURS_PER_YEAR",
    "MINUTES_PER_YEAR",
    "format_duration",
    "parse_duration",
    "parse_fraction",
    "parse_rate",
    "parse_size",
]

HOURS_PER_YEAR = 8760.0
MINUTES_PER_YEAR = HOURS_PER_YEAR * 60.0
# Beyond a million years a duration is a typo, not a model.
_MAX_HOURS = 1e6 * HOURS_PER_YEAR

_DURATION_UNITS_H = {
    "s": 1 / 3600, "sec": 1 / 3600, "second": 1 / 3600, "seconds": 1 / 3600,
    "m": 1 / 60, "min": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60,
    "h": 1.0, "hr": 1.0, "hour": 1.0, "hours": 1.0,
    "d": 24.0, "day": 24.0, "days": 24.0,
    "w": 168.0, "week": 168.0, "weeks": 168.0,
    "y": HOURS_PER_YEAR, "yr": HOURS_PER_YEAR, "year": HOURS_PER_YEAR, "years": HOURS_PER_YEAR,
}
_SIZE_UNITS_B = {
    "b": 1.0,
    "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15,
    "kib": 2.0**10, "mib": 2.0**20, "gib": 2.0**30, "tib": 2.0**40, "pib": 2.0**50,
}
# Unambiguous (each character can be matched one way only), so matching is linear: the former
# "\d+\.?\d*" split a run of digits in n ways and took minutes on a few thousand digits.
_NUMBER_UNIT = re.compile(r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z%]*)")
# No quantity needs more characters than this; a longer text is refused before any parsing.
MAX_QUANTITY_CHARS = 64
_DURATION_EXPECTED = "a duration: hours as a number, or a number with a unit s, m, h, d, w or y (e.g. '15m')"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_float(value: int | float) -> float:
    # An integer beyond the float range (YAML reads 1000…000 exactly) is out of every range.
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _split(value: str) -> tuple[float, str] | None:
    if len(value) > MAX_QUANTITY_CHARS:
        return None
    match = _NUMBER_UNIT.fullmatch(value.strip())
    if not match:
        return None
    return float(match.group(1)), match.group(2)


def _check_range(hours: float, field: str, value: Any, allow_zero: bool, expected: str) -> float:
    if hours > _MAX_HOURS:  # also +inf, e.g. '1e999h'
        raise SpecError(field, value, f"{expected}, at most a million years")
    if not math.isfinite(hours) or hours < 0 or (hours == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise SpecError(field, value, f"{expected}, {bound}")
    return hours


def parse_duration(value: Any, field: str = "", *, allow_zero: bool = False) -> float:
    """Return a duration in hours.

    Parameters
    ----------
    value : float or str
        Hours as a number, or a string such as ``"15m"``, ``"4h"``, ``"2y"``.
    field : str
        Field path used in the error message.
    allow_zero : bool
        Accept ``0`` (e.g. an RPO objective of zero).

    Raises
    ------
    SpecError
        When the value is not a duration, is negative, zero (unless allowed) or absurd.

    Examples
    --------
    >>> parse_duration("15m")
    0.25
    >>> parse_duration("1y")
    8760.0
    """
    if _is_number(value):
        return _check_range(_as_float(value), field, value, allow_zero, _DURATION_EXPECTED)
    if isinstance(value, str):
        parts = _split(value)
        if parts is not None:
            number, unit = parts
            factor = 1.0 if unit == "" else _DURATION_UNITS_H.get(unit.lower())
            if factor is not None:
                return _check_range(number * factor, field, value, allow_zero, _DURATION_EXPECTED)
            raise SpecError(field, value, f"a known time unit (s, m, h, d, w, y), not {unit!r}")
    raise SpecError(field, value, _DURATION_EXPECTED)


def parse_size(value: Any, field: str = "") -> float:
    """Return a data size in bytes (``"2TB"`` → 2e12, ``"1GiB"`` → 2**30).

    Examples
    --------
    >>> parse_size("2TB")
    2000000000000.0
    """
    expected = "a size: bytes as a number, or a number with a unit such as '500GB' or '2TiB'"
    if _is_number(value):
        number, unit = _as_float(value), "b"
    elif isinstance(value, str) and (parts := _split(value)) is not None:
        number, unit = parts[0], (parts[1] or "b").lower()
    else:
        raise SpecError(field, value, expected)
    if unit not in _SIZE_UNITS_B:
        raise SpecError(field, value, f"a known size unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), not {unit!r}")
    size = number * _SIZE_UNITS_B[unit]
    if not math.isfinite(size) or size <= 0 or size > 1e21:
        raise SpecError(field, value, "a size more than zero and at most 1 ZB")
    return size


def parse_rate(value: Any, field: str = "") -> float:
    """Return a throughput in bytes per hour (``"200MB/s"`` → 7.2e11).

    Examples
    --------
    >>> parse_rate("100MB/s")
    360000000000.0
    """
    expected = "a throughput more than zero, such as '200MB/s' or '1TB/h'"
    if not isinstance(value, str) or value.count("/") != 1:
        raise SpecError(field, value, expected)
    size_text, time_unit = (part.strip() for part in value.split("/"))
    per_hours = _DURATION_UNITS_H.get(time_unit.lower())
    if per_hours is None:
        raise SpecError(field, value, f"{expected} (time unit s, m, h, d)")
    try:
        size = parse_size(size_text, field)
    except SpecError as error:   # name the whole throughput, not only its size part
        raise SpecError(field, value, f"{expected}: {error.expected}") from None
    return size / per_hours


_FRACTION_EXPECTED = "a fraction in [0, 1] or a percentage such as '60%'"


def parse_fraction(value: Any, field: str = "", *, expected: str = _FRACTION_EXPECTED) -> float:
    """Return a fraction in [0, 1] from ``0.6`` or ``"60%"``.

    Examples
    --------
    >>> parse_fraction("99.99%")
    0.9999
    """
    if _is_number(value):
        number = _as_float(value)
    elif isinstance(value, str) and value.strip().endswith("%"):
        try:
            number = float(value.strip()[:-1]) / 100.0
        except ValueError:
            raise SpecError(field, value, expected) from None
    else:
        raise SpecError(field, value, expected)
    if not (0.0 <= number <= 1.0):
        raise SpecError(field, value, expected)
    return round(number, 15)


def format_duration(hours: float) -> str:
    """Format hours for people: ``0.25`` → ``'15 min'``, ``30`` → ``'1.25 d'``.

    Examples
    --------
    >>> format_duration(0.25)
    '15 min'
    """
    if not math.isfinite(hours):
        return str(hours)
    seconds = hours * 3600
    if seconds < 60:
        return f"{seconds:.3g} s"
    if hours < 1:
        return f"{hours * 60:.3g} min"
    if hours < 48:
        return f"{hours:.3g} h"
    return f"{hours / 24:.3g} d"
