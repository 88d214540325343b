"""Sweep points: a stable id (a hash of the parameter values) and a seed of their own.

The id depends only on the values, so it is the same whatever the order in which points are
run, the number of workers or an interruption; the seed depends only on the sweep seed and
the id, so a point draws the same random numbers wherever it runs.

Examples
--------
>>> points = make_points([{"zone.mttr": 4.0}, {"zone.mttr": 8.0}], seed=1)
>>> points[0].point_id == make_points([{"zone.mttr": 4.0}], seed=2)[0].point_id
True
>>> points[0].seed == make_points([{"zone.mttr": 4.0}], seed=2)[0].seed
False
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Point", "canonical_json", "make_points", "point_id", "point_seed"]


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its position, id, seed and parameter values."""

    index: int
    point_id: str
    seed: int
    values: dict[str, Any]


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)


def point_id(values: Mapping[str, Any], replicate: int = 0) -> str:
    """16 hex digits of the SHA-256 of the values (``replicate`` tells equal draws apart).

    Examples
    --------
    >>> point_id({"a": 1}) == point_id({"a": 1}), point_id({"a": 1}) == point_id({"a": 1}, 1)
    (True, False)
    """
    text = canonical_json(dict(values)) + (f"#{replicate}" if replicate else "")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def point_seed(sweep_seed: int, pid: str) -> int:
    """A 63-bit seed from ``numpy.random.SeedSequence([sweep_seed, id words])``.

    Feed it to ``numpy.random.default_rng(seed)`` or ``SeedSequence(seed)``.
    """
    words = [int(sweep_seed)] + [int(pid[i:i + 8], 16) for i in range(0, len(pid), 8)]
    high, low = np.random.SeedSequence(words).generate_state(2, np.uint32)
    return ((int(high) << 32) | int(low)) >> 1


def make_points(values: Sequence[Mapping[str, Any]], seed: int = 0) -> list[Point]:
    """Number the points, give each a stable id and seed.

    Equal values drawn twice (a random sample of a short list) get distinct ids through a
    replicate counter, so every row of the table is its own point.
    """
    seen: dict[str, int] = {}
    points = []
    for index, item in enumerate(values):
        base = point_id(item)
        replicate = seen.get(base, 0)
        seen[base] = replicate + 1
        pid = point_id(item, replicate) if replicate else base
        points.append(Point(index=index, point_id=pid, seed=point_seed(seed, pid), values=dict(item)))
    return points
