"""Grid files: which parameters a sweep varies, over which values, and how points are drawn.

Format (YAML)
-------------
::

    spec: ../specs/mine.yaml        # optional; relative to the grid file; default: shipped topology
    parameters:                     # name -> a list of values, or a range
      roles.invoker.per_zone: [5, 10, 15]            # a list: exactly these values
      zone.mttr: {low: 1h, high: 12h, num: 4}        # a range (durations in hours or with a unit)
      roles.db.mttf: {low: 2000h, high: 20000h, num: 3, scale: log}
      region.mttr: {low: 2, high: 24, integer: false}
    sample: {method: grid}          # grid (default) | random | lhs, with n: POINTS and seed: S
    options: {n_disasters: 2000}    # fixed keyword arguments of the function / notebook parameters

A *name* is either a dotted path into the spec (``roles.invoker.per_zone``) or the name of an
option of the function (``scenario``) or a parameter of the notebook. A *range* is
``{low, high}`` with optional ``num`` (number of values, grid only), ``scale`` (``linear`` or
``log``) and ``integer`` (default: true when both bounds are whole numbers without a unit).
``method: grid`` takes the product of the lists and of ``num`` values of each range;
``random`` and ``lhs`` (Latin hypercube, :class:`scipy.stats.qmc.LatinHypercube`) draw ``n``
points, picking list items uniformly and range values uniformly (log-uniformly with
``scale: log``).

Integer ranges take the whole numbers in ``[low, high]`` only (``{low: 1.5, high: 4}`` means
2, 3, 4; a range holding no whole number is an error). Drawn (random / lhs) with
``scale: linear``, every such number is equally likely; with ``scale: log`` the draw is
log-uniform on ``[lo, hi + 1)`` and then floored, so ``k`` has probability
``log((k+1)/k) / log((hi+1)/lo)`` (small numbers more often, as on a log axis). In a grid,
the ``num`` evenly (or geometrically) spaced values are rounded to whole numbers and kept
inside the range; when rounding would merge some of them (``{low: 1, high: 3, num: 5}``)
the grid is refused with a :class:`~hadr_model.errors.SpecError` giving the largest ``num``
that works, rather than silently running fewer points than asked.

Sizes are checked before anything is built: a range's ``num`` and the product of the
axis sizes are at most :data:`MAX_POINTS`.

Every value of the file — listed values, ``options``, at every depth — must be plain JSON
(numbers, text, true/false, null, lists, mappings with text keys; see :mod:`.plain`): a YAML
tag such as ``!!binary`` or ``!!set``, an unquoted date, ``.nan`` or ``.inf`` is refused with
a :class:`~hadr_model.errors.SpecError` naming the file and the path (``options.x[2].y``),
before anything is planned. Every error names the grid file.

Examples
--------
>>> grid = load_grid({"parameters": {"roles.invoker.per_zone": [5, 10], "zone.mttr": {"low": 1, "high": 3,
...                   "num": 2}}})
>>> grid.values(seed=0)
[{'roles.invoker.per_zone': 5, 'zone.mttr': 1}, {'roles.invoker.per_zone': 5, 'zone.mttr': 3}, \
{'roles.invoker.per_zone': 10, 'zone.mttr': 1}, {'roles.invoker.per_zone': 10, 'zone.mttr': 3}]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from ..errors import SpecError
from ..topology.spec import read_yaml
from ..units import parse_duration
from .plain import check_plain

__all__ = ["MAX_POINTS", "METHODS", "Axis", "Grid", "load_grid"]

METHODS = ("grid", "random", "lhs")
MAX_POINTS = 1_000_000
_TOP_KEYS = ("spec", "parameters", "sample", "options", "description")
_RANGE_KEYS = ("low", "high", "num", "scale", "integer")


@dataclass(frozen=True)
class Axis:
    """One swept parameter: a list of ``values``, or a range ``low``..``high``."""

    name: str
    values: tuple[Any, ...] | None = None
    low: float = 0.0
    high: float = 0.0
    num: int | None = None
    scale: str = "linear"
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.values is None

    def size_bound(self) -> int:
        """The number of values a ``grid`` sample takes at most, known without building them."""
        return len(self.values) if self.values is not None else int(self.num or 0)

    def _whole_bounds(self) -> tuple[int, int]:
        """The smallest and largest whole numbers in [low, high] (an integer range)."""
        return math.ceil(self.low), math.floor(self.high)

    def grid_values(self) -> list[Any]:
        """The values a ``grid`` sample takes (a range needs ``num``).

        An integer range spaces its values between the smallest and largest whole numbers of
        [low, high] and rounds them; duplicates that rounding creates are dropped here, and
        :func:`load_grid` refuses such grids.
        """
        if self.values is not None:
            return list(self.values)
        assert self.num is not None
        low, high = self._whole_bounds() if self.integer else (self.low, self.high)
        if self.scale == "log":
            points = np.geomspace(low, high, self.num)
        else:
            points = np.linspace(low, high, self.num)
        if not self.integer:
            return _dedupe([min(max(float(x), low), high) for x in points])
        return _dedupe([min(max(round(float(x)), low), high) for x in points])

    def at(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1) of this axis's sampling law.

        Lists: each item equally likely. Ranges: uniform, or log-uniform with ``scale: log``;
        an integer range transforms first (log), then floors onto the whole numbers of
        [low, high] and clamps to them (see the module docstring).
        """
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.integer:
            lo, hi = self._whole_bounds()
            if self.scale == "log":
                # Log-uniform on [lo, hi + 1), floored: P(k) = log((k+1)/k) / log((hi+1)/lo).
                x = math.exp(math.log(lo) + u * (math.log(hi + 1) - math.log(lo)))
            else:
                x = lo + u * (hi - lo + 1)   # every whole number in [lo, hi] equally likely
            return min(max(math.floor(x), lo), hi)
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return min(max(float(x), self.low), self.high)


def _dedupe(values: list[Any]) -> list[Any]:
    """Numbers in first-seen order without repeats (linear time: a grid axis may be long)."""
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class Grid:
    """A parsed grid file (see the module docstring for the format)."""

    axes: tuple[Axis, ...]
    method: str = "grid"
    n: int | None = None
    sample_seed: int | None = None
    spec: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    source: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(axis.name for axis in self.axes)

    def values(self, seed: int = 0) -> list[dict[str, Any]]:
        """Parameter values of every point, in a fixed order.

        Parameters
        ----------
        seed : int
            Seed of random / lhs draws when the grid file gives no ``sample.seed``.
        """
        if self.method == "grid":
            columns = [axis.grid_values() for axis in self.axes]
            return [dict(zip(self.names, combo)) for combo in itertools.product(*columns)]
        rng = np.random.default_rng(np.random.SeedSequence(self.sample_seed if self.sample_seed is not None
                                                           else seed))
        assert self.n is not None
        if self.method == "lhs":
            from scipy.stats import qmc

            quantiles = qmc.LatinHypercube(d=len(self.axes), rng=rng).random(self.n)
        else:
            quantiles = rng.random((self.n, len(self.axes)))
        return [{axis.name: axis.at(float(u)) for axis, u in zip(self.axes, row)} for row in quantiles]

    def size(self) -> int:
        """The number of points (:func:`load_grid` has made sure it is at most MAX_POINTS)."""
        if self.method != "grid":
            return int(self.n or 0)
        return math.prod(len(axis.grid_values()) for axis in self.axes)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (used in the sweep's grid hash)."""
        return {
            "axes": [{"name": a.name, "values": list(a.values) if a.values is not None else None,
                      "low": a.low, "high": a.high, "num": a.num, "scale": a.scale, "integer": a.integer}
                     for a in self.axes],
            "method": self.method, "n": self.n, "sample_seed": self.sample_seed, "options": self.options,
        }


def load_grid(source: str | Path | Mapping[str, Any] | Grid) -> Grid:
    """Read and check a grid file (or an already-parsed mapping).

    Parameters
    ----------
    source : path, mapping or Grid
        A YAML grid file, its parsed content, or a Grid (returned unchanged).

    Raises
    ------
    SpecError
        Naming the field (``parameters.zone.mttr``, ``sample.n`` …) and what was expected.

    Examples
    --------
    >>> load_grid({"parameters": {"zone.mttr": {"low": "1h", "high": "1d"}},
    ...            "sample": {"method": "lhs", "n": 8, "seed": 1}}).axes[0].high
    24.0
    """
    if isinstance(source, Grid):
        _check_grid(source)   # built in Python: its values must be as plain as a file's
        return source
    if isinstance(source, Mapping):
        return _parse(dict(source), base=Path.cwd(), file=None)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("grid", str(path), "an existing grid file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError("grid", str(path), f"a readable UTF-8 grid file ({error.__class__.__name__})") from None
    raw = read_yaml(text, str(path))
    try:
        return _parse(raw, base=path.resolve().parent, file=str(path))
    except SpecError as error:
        raise error.located(str(path)) from None


def _check_grid(grid: Grid) -> None:
    """The values and options of an already-built Grid are plain JSON (see :mod:`.plain`)."""
    for axis in grid.axes:
        if not isinstance(axis.name, str):
            raise SpecError("parameters", axis.name, "parameter names as text")
        if axis.values is not None:
            check_plain(list(axis.values), f"parameters.{axis.name}")
    check_plain(grid.options, "options")


def _parse(raw: Any, base: Path, file: str | None) -> Grid:
    # The whole document first, before any part of it is read or quoted in a message: a value
    # that is not plain JSON (bytes, a set, a date, NaN) never reaches a point or a notebook,
    # and an alias bomb is refused after a bounded walk instead of being expanded.
    check_plain(raw, "")
    if not isinstance(raw, Mapping):
        raise SpecError("", raw, "a grid: a mapping with 'parameters' (and optional spec, sample, options)")
    for key in raw:
        if key not in _TOP_KEYS:
            raise SpecError(str(key), key, f"one of {', '.join(_TOP_KEYS)}")
    parameters = raw.get("parameters")
    if not isinstance(parameters, Mapping) or not parameters:
        raise SpecError("parameters", parameters, "a non-empty mapping of parameter names to values or ranges")
    method, n, sample_seed = _parse_sample(raw.get("sample", {}))
    axes = tuple(_parse_axis(str(name), value, method) for name, value in parameters.items())
    options = raw.get("options", {})
    if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
        raise SpecError("options", options, "a mapping of option names to fixed values")
    overlap = sorted(set(options) & {a.name for a in axes})
    if overlap:
        raise SpecError(f"options.{overlap[0]}", overlap[0], "a name not also swept under 'parameters'")
    if method == "grid":
        # Counted from the list lengths and nums: nothing is built before the size is known.
        bound = math.prod(axis.size_bound() for axis in axes)
        if bound > MAX_POINTS:
            sizes = " × ".join(str(axis.size_bound()) for axis in axes)
            raise SpecError("parameters", f"{sizes} = {bound} points",
                            f"at most {MAX_POINTS} points in a grid (fewer values or num, or method random / lhs)")
        for axis in axes:
            if axis.is_range:
                _check_distinct(axis, f"parameters.{axis.name}")
    return Grid(axes=axes, method=method, n=n, sample_seed=sample_seed, spec=_spec_path(raw.get("spec"), base),
                options=dict(options), source=file)


def _spec_path(raw: Any, base: Path) -> Path | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise SpecError("spec", raw, "the path of a spec file")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_sample(raw: Any) -> tuple[str, int | None, int | None]:
    if not isinstance(raw, Mapping):
        raise SpecError("sample", raw, "a mapping {method: grid|random|lhs, n: points, seed: s}")
    for key in raw:
        if key not in ("method", "n", "seed"):
            raise SpecError(f"sample.{key}", key, "one of method, n, seed")
    method = raw.get("method", "grid")
    if method not in METHODS:
        raise SpecError("sample.method", method, f"one of {', '.join(METHODS)}")
    n = raw.get("n")
    if method == "grid" and n is not None:
        raise SpecError("sample.n", n, "no 'n' with method grid (the grid size follows from the values)")
    if method != "grid" and (not _whole(n) or not 1 <= n <= MAX_POINTS):
        raise SpecError("sample.n", n, f"a whole number of points from 1 to {MAX_POINTS} for method {method}")
    seed = raw.get("seed")
    if seed is not None and (not _whole(seed) or seed < 0):
        raise SpecError("sample.seed", seed, "a non-negative whole number")
    return method, n, seed


def _parse_axis(name: str, raw: Any, method: str) -> Axis:
    field = f"parameters.{name}"
    if isinstance(raw, list):
        if not raw:
            raise SpecError(field, raw, "at least one value (the list is empty)")
        # Every item is plain JSON already (checked with the whole document in _parse).
        return Axis(name=name, values=tuple(raw))
    if isinstance(raw, Mapping):
        return _parse_range(name, raw, method, field)
    raise SpecError(field, raw, "a list of values [a, b, …] or a range {low: …, high: …}")


def _bound(raw: Mapping[str, Any], key: str, field: str) -> tuple[float, bool]:
    """A range bound as a float, and whether it was written as a whole number without a unit."""
    if key not in raw:
        raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"'{key}' in a range {{low: …, high: …}}")
    value = raw[key]
    if isinstance(value, bool):
        raise SpecError(f"{field}.{key}", value, "a number or a duration such as '4h'")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise SpecError(f"{field}.{key}", value, "a finite number")
        return float(value), _whole(value)
    if isinstance(value, str):
        return parse_duration(value, f"{field}.{key}", allow_zero=True), False
    raise SpecError(f"{field}.{key}", value, "a number or a duration such as '4h'")


def _parse_range(name: str, raw: Mapping[str, Any], method: str, field: str) -> Axis:
    for key in raw:
        if key not in _RANGE_KEYS:
            raise SpecError(f"{field}.{key}", key, f"one of {', '.join(_RANGE_KEYS)} in a range")
    low, low_whole = _bound(raw, "low", field)
    high, high_whole = _bound(raw, "high", field)
    if not low < high:
        raise SpecError(field, {"low": raw["low"], "high": raw["high"]}, "a range with low < high (it is empty)")
    scale = raw.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise SpecError(f"{field}.scale", scale, "linear or log")
    if scale == "log" and low <= 0:
        raise SpecError(f"{field}.low", raw["low"], "a low bound more than 0 with scale log")
    integer = raw.get("integer", low_whole and high_whole)
    if not isinstance(integer, bool):
        raise SpecError(f"{field}.integer", integer, "true or false")
    if integer and math.ceil(low) > math.floor(high):
        raise SpecError(field, {"low": raw["low"], "high": raw["high"]},
                        "a range holding at least one whole number with integer: true")
    num = raw.get("num")
    if method == "grid":
        if not _whole(num) or not 1 <= num <= MAX_POINTS:
            raise SpecError(f"{field}.num", num if num is not None else SpecError.NO_VALUE,
                            f"a whole number of values from 1 to {MAX_POINTS} for a range in a grid sample")
    elif num is not None:
        raise SpecError(f"{field}.num", num, f"no 'num' with method {method} (sample.n sets the points)")
    return Axis(name=name, low=low, high=high, num=num, scale=scale, integer=integer)


def _check_distinct(axis: Axis, field: str) -> None:
    """Refuse a range whose ``num`` values are not all distinct (rounding to whole numbers merged some)."""
    assert axis.num is not None
    values = axis.grid_values()
    if len(values) == axis.num:
        return
    shown = ", ".join(map(str, values[:8])) + (", …" if len(values) > 8 else "")
    if axis.integer and axis.scale == "linear":
        lo, hi = axis._whole_bounds()
        expected = f"at most {hi - lo + 1}: there are only {hi - lo + 1} whole numbers from {lo} to {hi}"
    else:
        kind = "whole numbers" if axis.integer else "numbers"
        expected = (f"fewer values: {axis.num} {axis.scale}-spaced values from {axis.low:g} to {axis.high:g} "
                    f"give only {len(values)} distinct {kind} ({shown})")
    raise SpecError(f"{field}.num", axis.num, f"{expected}; lower num, or list the values")
