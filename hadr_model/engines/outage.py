"""Expected outage of a region loss with a failover: ``E[min(D, R)]``, exact.

When a region is lost, a tenant is served again either when the region is repaired (after
``D``) or when its failover completes (after ``R``, the RTO), whichever comes first. For
independent non-negative ``D`` and ``R``

    E[min(D, R)] = ∫₀^∞ P(min(D, R) > t) dt = ∫₀^∞ S_D(t) · S_R(t) dt,

with ``S`` the survival functions. For a fixed RTO ``r`` this is ``∫₀^r S_D(t) dt``; for an
exponential repair of mean ``m`` it is ``m (1 − e^{−r/m})``. From RTO samples ``r_1 … r_n``
(the empirical law) it is the average of ``G(r_j) = ∫₀^{r_j} S_D(t) dt``, evaluated here
exactly up to quadrature error: ``G`` is accumulated over panels between the sorted samples
(refined so that no panel spans more than a factor 1.5) with 16-point Gauss–Legendre rules,
vectorised; the panel at 0 is integrated by QUADPACK. No sample is rounded to a grid.
An unrecoverable failover (``r = inf``) costs the whole repair, ``G(inf) = E[D]``.

This module belongs to the engines layer (the exact and Monte Carlo engines use it to fold a
failover RTO into availability); :mod:`hadr_model.dr.failover` re-exports it for the DR API.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.laws import Law, gauss_legendre

__all__ = ["expected_outage_h"]

_PANELS_PER_CHUNK = 1 << 15


def _integral_of_survival(law: Law, upper_h: float) -> float:
    """G(r) = ∫₀^r S(t) dt = E[min(D, r)]."""
    if not math.isfinite(upper_h):
        return law.mean_h
    closed = law.expected_min_closed_h(np.array(upper_h))
    if closed is not None:
        return float(closed)
    points = [p for p in law.kinks_h if 0 < p < upper_h]
    survival = law.sf
    from scipy import integrate  # ~0.3 s to import: only when a law has no closed form

    value, _ = integrate.quad(lambda t: float(survival(t)), 0.0, upper_h, points=points or None, limit=200)
    return value


def _from_laws(repair: Law, rto: Law) -> float:
    # min(D, r) with one side fixed: the other's G at that value.
    if rto.fixed_h is not None:
        return _integral_of_survival(repair, rto.fixed_h)
    if repair.fixed_h is not None:
        return _integral_of_survival(rto, repair.fixed_h)
    from scipy import integrate

    repair_sf, rto_sf = repair.sf, rto.sf
    points = sorted(p for p in repair.kinks_h + rto.kinks_h if p > 0)
    head, tail_start = 0.0, 0.0
    if points:
        tail_start = points[-1]
        head, _ = integrate.quad(lambda t: float(repair_sf(t) * rto_sf(t)), 0.0, tail_start,
                                 points=points[:-1] or None, limit=200)
    tail, _ = integrate.quad(lambda t: float(repair_sf(t) * rto_sf(t)), tail_start, np.inf, limit=200)
    return head + tail


def _survival_integrals(repair: Law, sorted_h: np.ndarray) -> np.ndarray:
    """G(r) at every sorted sample r, accumulated over the gaps between samples."""
    closed = repair.expected_min_closed_h(sorted_h)
    if closed is not None:
        return closed
    edges = _panel_edges(repair, sorted_h)
    sf = repair.sf
    # 16 nodes per panel and one panel per sample: chunked, so 10 million samples need
    # a few MB of nodes at a time instead of 2.5 GB at once.
    pieces = np.concatenate([_panel_integrals(sf, edges[1 + k:2 + k + _PANELS_PER_CHUNK])
                             for k in range(0, max(len(edges) - 2, 0), _PANELS_PER_CHUNK)] or [np.empty(0)])
    # The first panel touches 0, where S may have an infinite slope (Weibull c < 1): QUADPACK.
    first = _integral_of_survival(repair, float(edges[1]))
    cumulative = np.concatenate([[0.0, first], first + np.cumsum(pieces)])
    return cumulative[np.searchsorted(edges, sorted_h)]


def _panel_integrals(sf: Any, edges: np.ndarray) -> np.ndarray:
    """16-point Gauss–Legendre integral of ``sf`` over each panel between consecutive edges."""
    low, high = edges[:-1], edges[1:]
    half_width = (high - low) / 2
    unit_nodes, weights = gauss_legendre(16)
    nodes = ((low + high) / 2)[:, None] + half_width[:, None] * unit_nodes[None, :]
    return half_width * (sf(nodes) @ weights)


def _panel_edges(repair: Law, sorted_h: np.ndarray) -> np.ndarray:
    """Samples, kinks and a geometric grid (ratio 1.5) so that each panel [a, b] away from 0
    has b ≤ 1.5 a, where a 16-point Gauss–Legendre rule is exact to rounding for the smooth
    survival functions of scipy laws."""
    top = float(sorted_h[-1])
    positive = sorted_h[sorted_h > 0]
    bottom = min(float(positive[0]) if positive.size else top, 1e-6 * repair.mean_h)
    grid = np.geomspace(bottom, top, max(2, int(np.ceil(np.log(top / bottom) / np.log(1.5))) + 1)) \
        if top > bottom > 0 else np.empty(0)
    kinks = [p for p in repair.kinks_h if p < top]
    return np.unique(np.concatenate([[0.0], sorted_h, grid, kinks]))


def _from_samples(repair: Law, rto_h: np.ndarray) -> float:
    finite = np.sort(rto_h[np.isfinite(rto_h)])
    if finite.size and finite[0] < 0:
        raise SpecError("rto", float(finite[0]), "RTO samples of zero or more hours")
    total = _survival_integrals(repair, finite).sum() if finite.size else 0.0
    # A failover that never completes costs the whole repair: G(inf) = E[D].
    total += (rto_h.size - finite.size) * repair.mean_h
    return float(total / rto_h.size)


def expected_outage_h(repair_law: Law, rto: Law | np.ndarray | float) -> float:
    """Expected outage of a region loss for one tenant, ``E[min(D, R)]`` in hours.

    Parameters
    ----------
    repair_law : Law
        Law of the region repair time ``D``.
    rto : Law, array of samples, or float
        Failover RTO ``R``: a law (exact numerical integration of ``S_D · S_R``), samples
        (e.g. ``ScenarioResult.outcomes.rto_h``; ``inf`` = no failover possible) or a fixed
        number of hours.

    Examples
    --------
    >>> from hadr_model.topology.laws import exponential, deterministic
    >>> round(expected_outage_h(exponential(12.0), 4.0), 6)  # 12 (1 - e^(-4/12))
    3.401624
    >>> expected_outage_h(deterministic(12.0), np.array([2.0, 20.0]))
    7.0
    """
    if isinstance(rto, Law):
        return _from_laws(repair_law, rto)
    if isinstance(rto, (int, float)) and not isinstance(rto, bool):
        if rto < 0:
            raise SpecError("rto", rto, "an RTO of zero or more hours")
        return _integral_of_survival(repair_law, float(rto))
    samples = np.asarray(rto, dtype=float).ravel()
    if samples.size == 0:
        raise SpecError("rto", rto, "at least one RTO sample")
    return _from_samples(repair_law, samples)
