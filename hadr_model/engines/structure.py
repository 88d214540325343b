r"""Vectorised structure functions over piecewise-constant signals of many runs at once.

A :class:`Signal` is an integer-valued step function of time for each of ``B`` independent
runs on ``[0, T)``: its value at time 0 (``init``, shape ``(B,)``) and its changes, padded to a
rectangle: ``times`` ``(B, K)`` (``inf`` where a row has fewer than ``K`` changes), ``deltas``
(the jump at each change, 0 for padding) and ``causes`` (the id of the basic element whose
transition caused the change). The value after the ``j``-th change of row ``b`` is
``init[b] + deltas[b, :j+1].sum()``.

A basic element contributes its *down count* (number of down copies). A node of a structure
combines a few *channels*, each the sum of some child signals, with a rule ``f``:

``v(t) = f(c_1(t), …, c_m(t))``,  ``c_j(t) = Σ_{s ∈ channel j} s(t)``.

It is evaluated only at the merged change points of its children (sorted row by row), and
only the points where ``v`` changes are kept, so the signals get sparser on the way up the
structure and the cost is dominated by the basic elements' own transitions. A change of the
node's value inherits the cause of the child transition that triggered it: at the top this
names the element whose transition started (or ended) each system outage.

When every child is a basic element (a k-of-n or parallel of copies, a series of a few
components), the merge sorts one integer key per change instead of sorting the times and
gathering the rest: the non-negative times viewed as integers (same order), with the child's
index and the sign of the change in the lowest :data:`_PACK_BITS` bits. That moves a time by
less than ``2**_PACK_BITS`` units in the last place (< 1e-9 h at 1e5 h) and orders changes at
the same instant by child, as the stable sort of the general merge does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

# The rules are the compiled model's (one structure for every engine); re-exported for callers.
from ..topology.compiled import AtLeast, RoleDown, TenantDown, Unreachable

__all__ = ["AtLeast", "RoleDown", "Signal", "TenantDown", "Unreachable", "combine"]


@dataclass
class Signal:
    """Step functions of time for a batch of runs (see the module docstring)."""

    init: np.ndarray     # (B,) int32 (a down count can exceed any smaller type)
    times: np.ndarray    # (B, K) float, inf for padding
    deltas: np.ndarray   # (B, K) int8, ±1 (one copy fails or is repaired; a node flips), 0 for padding
    causes: np.ndarray   # (B, K) int, -1 for padding
    cause: int | None = None   # the cause of every change, when there is one (a basic element)

    @property
    def runs(self) -> int:
        return len(self.init)


_PACK_BITS = 6
_PACK_MASK = (1 << _PACK_BITS) - 1


def _merge_packed(parts: Sequence[tuple[int, Signal]], channels: int) -> tuple[Any, ...]:
    """:func:`_merge` of basic elements' signals (constant causes, times ≥ 0): one key sort.

    Key = time bits with the low bits replaced by ``child << 2 | (delta mod 4)`` (0 for padding,
    so that padding stays ``inf``); the sorted keys viewed as floats are the merged times.
    """
    if len(parts) == 1:
        keys = parts[0][1].times.view(np.int64) & ~_PACK_MASK
    else:
        keys = np.concatenate([s.times for _, s in parts], axis=1).view(np.int64)
        keys &= ~_PACK_MASK
    offset = 0
    for p, (_, s) in enumerate(parts):
        width = s.times.shape[1]
        code = s.deltas & 3
        if p:
            code |= (s.deltas != 0).view(np.int8) * np.int8(p << 2)
        keys[:, offset:offset + width] |= code
        offset += width
    keys.sort(axis=1, kind="stable")
    low = keys.astype(np.int8)                       # the low byte: the code
    deltas = ((low & 3) ^ 2) - 2                     # 1 -> +1, 3 -> -1, 0 -> 0
    times = keys.view(np.float64)
    if len(parts) == 1:
        # Every change belongs to the one child, whichever channel it is in (the other
        # channels may be empty: e.g. a role whose zone never fails).
        causes = np.broadcast_to(np.int32(cast(int, parts[0][1].cause)), times.shape)
        ids = np.broadcast_to(np.int32(parts[0][0]), times.shape) if channels > 1 else None
        return times, deltas, causes, ids
    which = (low >> 2) & ((1 << (_PACK_BITS - 2)) - 1)
    causes = np.array([s.cause for _, s in parts], np.int32)[which]
    ids = np.array([j for j, _ in parts], np.int32)[which] if channels > 1 else None
    return times, deltas, causes, ids


def _merge(channels: Sequence[Sequence[Signal]], runs: int) -> tuple[np.ndarray, ...]:
    """Children's changes merged and sorted by time within each run, with their channel ids."""
    parts = [(j, s) for j, channel in enumerate(channels) for s in channel]
    if not parts:
        empty = np.empty((runs, 0))
        return empty, empty.astype(np.int8), empty.astype(np.int32), empty.astype(np.int32)
    if len(parts) <= 1 << (_PACK_BITS - 2) and all(s.cause is not None for _, s in parts):
        return _merge_packed(parts, len(channels))
    times = np.concatenate([s.times for _, s in parts], axis=1)
    # One gather instead of three: cause (high 32 bits), channel (30 bits) and delta + 1 (2 bits)
    # packed into one integer; no practical node has 2**30 channels.
    codes = np.concatenate([(s.causes.astype(np.int64) << 32) + (j << 2) + (s.deltas + 1) for j, s in parts],
                           axis=1)
    order = np.argsort(times, axis=1, kind="stable")
    times = np.take_along_axis(times, order, axis=1)
    codes = np.take_along_axis(codes, order, axis=1)
    deltas = (codes & 3).astype(np.int8) - 1
    ids = ((codes >> 2) & ((1 << 30) - 1)).astype(np.int32)
    return times, deltas, (codes >> 32).astype(np.int32), ids


def _channel_values(channels: Sequence[Sequence[Signal]], deltas: np.ndarray,
                    ids: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    starts, values = [], []
    for j, channel in enumerate(channels):
        init = np.zeros(len(deltas), np.int32)
        for s in channel:
            init += s.init
        own = deltas if len(channels) == 1 else np.where(ids == j, deltas, 0)
        starts.append(np.asarray(init))
        # Down counts of large roles exceed 8 and 16 bits (an instance count is unbounded):
        # a 32-bit running sum is exact for any realistic count.
        values.append(init[:, None] + np.cumsum(own, axis=1, dtype=np.int32))
    return starts, values


def compact(init: np.ndarray, times: np.ndarray, values: np.ndarray, causes: np.ndarray) -> Signal:
    """Keep only the points where ``values`` changes (``init``: the value before the first point)."""
    before = np.concatenate([init[:, None], values[:, :-1]], axis=1)
    changed = values != before
    counts = np.count_nonzero(changed, axis=1)
    width = int(counts.max()) if counts.size else 0
    # Boolean masks keep row-major order: the k-th change of a row goes to its slot k.
    slots = np.arange(width) < counts[:, None]
    out_times = np.full((len(init), width), np.inf)
    # Node values are 0 / 1 (every rule is a down flag), so a change is ±1.
    out_deltas = np.zeros((len(init), width), np.int8)
    out_causes = np.full((len(init), width), -1, np.int32)
    out_times[slots] = times[changed]
    out_deltas[slots] = values[changed] - before[changed]
    out_causes[slots] = causes[changed]
    return Signal(init.astype(np.int32), out_times, out_deltas, out_causes)


def combine(channels: Sequence[Sequence[Signal]], rule: Callable[[list[np.ndarray]], Any], runs: int) -> Signal:
    """Signal of a node: ``rule`` applied to its channels at every merged change point.

    Parameters
    ----------
    channels : sequence of sequences of Signal
        Each channel is the sum of its signals.
    rule : callable
        Maps the list of channel value arrays (any common shape) to the node's value (int).
    runs : int
        Number of runs ``B`` (needed when no channel has a signal: a node that never fails).

    Returns
    -------
    Signal
        Only the changes of the node's value, with the cause of each.
    """
    times, deltas, causes, ids = _merge(channels, runs)
    starts, values = _channel_values(channels, deltas, ids)
    init = rule(starts)
    return compact(np.asarray(init), times, rule(values), causes)
