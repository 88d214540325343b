"""Parsing of quantities with units: durations, data sizes, rates, fractions.

Everything inside hadr_model is in **hours** (time), **bytes** (size) and **bytes per
hour** (rate). A spec may write a bare number, which means the base unit (hours for a
duration, bytes for a size), or a string with a unit:

========== =============================================
duration   ``30s``, ``15m`` / ``15min`` / ``10 mins``, ``4h`` / ``5000hrs``, ``30d``, ``2w``,
           ``1y`` (365 d = 8760 h); every name in :data:`DURATION_UNITS`
size       ``500B``, ``2KB``, ``2TB`` (SI, ×1000), ``100MiB`` (IEC, ×1024)
rate       ``200MB/s``, ``1TB/h`` (size per time, any time unit of :data:`DURATION_UNITS`)
fraction   ``0.6``, ``60%``
========== =============================================

Case rules: unit names are matched in any case (``4H``, ``15MIN``, ``2TB`` = ``2tb``),
with one exception: a lone upper-case ``M`` is refused as ambiguous (minute? month? mega?),
while ``m`` is a minute. A month has no fixed length, so ``mo`` / ``month`` / ``months`` are
refused with a hint (write ``30d`` or ``730h``). Size units have no bits: ``Mb`` is a megabyte.

Durations are printed for people by :func:`format_duration` (``5 min``, ``3.8 h``, ``2.1 d``);
JSON keys ending in ``_h`` keep hours.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import SpecError

__all__ = [
    "DURATION_UNITS",
    "HOURS_PER_YEAR",
    "MINUTES_PER_YEAR",
    "duration_unit_pattern",
    "duration_units_text",
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

# The one table of time units: (what it is, hours per unit, every accepted spelling). Parsing,
# the error message, rates and the JSON Schema's pattern all come from it.
DURATION_UNITS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("seconds", 1 / 3600, ("s", "sec", "secs", "second", "seconds")),
    ("minutes", 1 / 60, ("m", "min", "mins", "minute", "minutes")),
    ("hours", 1.0, ("h", "hr", "hrs", "hour", "hours")),
    ("days (24 h)", 24.0, ("d", "day", "days")),
    ("weeks (7 d)", 168.0, ("w", "wk", "wks", "week", "weeks")),
    ("years (365 d)", HOURS_PER_YEAR, ("y", "yr", "yrs", "year", "years")),
)
# Lower-case spelling -> hours per unit (any case is accepted, but for a lone 'M').
_DURATION_UNITS_H = {name: hours for _, hours, names in DURATION_UNITS for name in names}
# Refused spellings: a lone upper-case 'M', and the months in any case (with what to write instead).
_AMBIGUOUS_M = ("a time unit other than 'M', which is ambiguous (minute? month? mega?): write 'min' for "
                "minutes, or e.g. '30d' or '730h' for a month")
_MONTH = "a time unit other than a month, which has no fixed length: write e.g. '30d' or '730h'"
_MONTHS = ("mo", "mos", "mon", "mth", "month", "months")


def duration_units_text() -> str:
    """Every accepted time unit, as the error messages list it.

    Examples
    --------
    >>> duration_units_text().split("; ")[1]
    'm, min, mins, minute, minutes = minutes'
    """
    return "; ".join(f"{', '.join(names)} = {what}" for what, _, names in DURATION_UNITS)


def duration_unit_pattern() -> str:
    """A regular expression (no flags: JSON Schema has none) matching exactly the accepted time units.

    Any case of every spelling, but ``m`` only in lower case (``M`` is refused as ambiguous).

    Examples
    --------
    >>> import re
    >>> [bool(re.fullmatch(duration_unit_pattern(), u)) for u in ("m", "M", "MIN", "hrs", "mo")]
    [True, False, True, True, False]
    """
    def any_case(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)

    ordered = sorted(_DURATION_UNITS_H, key=len, reverse=True)   # longest first: 'min' before 'm'
    return "(?:" + "|".join("m" if name == "m" else any_case(name) for name in ordered) + ")"


def _hours_per_unit(unit: str, field: str, value: Any) -> float:
    """Hours in one ``unit`` (a spelling of :data:`DURATION_UNITS`); a SpecError listing the table otherwise."""
    if unit == "M":
        why = _AMBIGUOUS_M
    elif unit.lower() in _MONTHS:
        why = _MONTH
    elif unit.lower() in _DURATION_UNITS_H:
        return _DURATION_UNITS_H[unit.lower()]
    else:
        why = f"a known time unit, not {unit!r}"
    raise SpecError(field, value, f"{why}; time units, in any case but 'M': {duration_units_text()}")


_SIZE_UNITS_B = {
    "b": 1.0,
    "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15,
    "kib": 2.0**10, "mib": 2.0**20, "gib": 2.0**30, "tib": 2.0**40, "pib": 2.0**50,
}
_SIZE_UNITS_TEXT = "B; KB, MB, GB, TB, PB (×1000); KiB, MiB, GiB, TiB, PiB (×1024)"
# Unambiguous (each character can be matched one way only), so matching is linear: the former
# "\d+\.?\d*" split a run of digits in n ways and took minutes on a few thousand digits.
_NUMBER_UNIT = re.compile(r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z%]*)")
# No quantity needs more characters than this; a longer text is refused before any parsing.
MAX_QUANTITY_CHARS = 64
_DURATION_EXPECTED = ("a duration: hours as a number, or a number with a time unit (e.g. '15m', '4h', '30d'); "
                      "time units, in any case but 'M': " + duration_units_text())


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
            factor = 1.0 if unit == "" else _hours_per_unit(unit, field, value)
            return _check_range(number * factor, field, value, allow_zero, _DURATION_EXPECTED)
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
        raise SpecError(field, value, f"a known size unit, in any case ({_SIZE_UNITS_TEXT}), not {unit!r}")
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
    try:
        per_hours = _hours_per_unit(time_unit, field, value)
    except SpecError as error:
        raise SpecError(field, value, f"{expected}: {error.expected}") from None
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


# Units of the printed durations: (name, hours per unit, the largest magnitude, in hours, printed in it).
_PRINTED_UNITS = (("s", 1 / 3600, 1 / 60), ("min", 1 / 60, 1.0), ("h", 1.0, 48.0), ("d", 24.0, 2 * HOURS_PER_YEAR),
                  ("y", HOURS_PER_YEAR, math.inf))


def format_duration(hours: float) -> str:
    """Format hours for people, in the most readable unit: ``5 min``, ``3.8 h``, ``2.1 d``.

    The rule: seconds below a minute, minutes below an hour, hours below 48 h, days below two
    years, years beyond; three significant digits (trailing zeros dropped), so that at most
    three digits of a figure are read. The unit is chosen after rounding: 59.99 s is ``1 min``,
    not ``60 s``. Years from 1000 on have no exponent (``1,230 y``). Zero is ``0 s``; a
    non-finite value is ``inf`` / ``nan``. JSON keeps hours (keys ending in ``_h``).

    Examples
    --------
    >>> [format_duration(h) for h in (5 / 60, 3.8, 50.4, 0.25, 72, 8760 * 10)]
    ['5 min', '3.8 h', '2.1 d', '15 min', '3 d', '10 y']
    """
    if not math.isfinite(hours):
        return str(hours)
    if hours == 0:
        return "0 s"
    sign = "-" if hours < 0 else ""
    for name, per_unit, below in _PRINTED_UNITS:
        shown = float(f"{abs(hours) / per_unit:.3g}")
        if shown * per_unit < below * (1 - 1e-12):   # the rounded figure decides: 59.99 s is 1 min
            return f"{sign}{f'{shown:,.0f}' if shown >= 1000 else f'{shown:.3g}'} {name}"
    raise AssertionError("unreachable: the last unit has no upper bound")
