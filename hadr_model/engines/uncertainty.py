r"""The exact engine vectorised over parameter samples: one structure, ``N`` sets of element figures.

:mod:`hadr_model.engines.exact` evaluates a compiled model for one set of per-element
availabilities. Epistemic uncertainty (:mod:`hadr_model.service.uncertainty`) asks the same
question for ``N`` parameter samples at once; this module evaluates the *same formulas* with
every per-element figure an array over the samples:

* element figures: row ``i`` of sample ``s`` has ``q = MTTR / (MTTF + MTTR)`` and
  ``p = MTTF / (MTTF + MTTR)`` (each computed directly, as :class:`~hadr_model.topology.model.Behaviour`
  does), arrays ``(N, rows)``;
* region form: per region the law of the usable zones ``P_s(S)`` (``N × 2^Z``), the role
  shortfalls ``q_c + (1 − q_c) P(Bin(n_r |S|, p_r) < k_r)`` and the region's service
  ``q_R + (1 − q_R) Σ_S P_s(S) (1 − Π_r (1 − q_r(S)))``; a tenant homed in X failing over to F
  is ``q_G + (1 − q_G)(q_X q_F + (q_X − w) (1 − q_F))`` with ``w = q_X`` (instantaneous
  failover) or ``w = q_{R_X} φ_X`` (a region loss costs ``E[min(D, RTO)]``, ``φ_X`` the
  served fraction, per sample when the region's repair is uncertain);
* block form: the series / parallel / k-of-n tree over arrays, conditioned on every
  common-cause state; a network block or a fault tree's shared events are evaluated sample
  by sample with the exact engine's own code (:func:`per_sample_block_q`).

Regions whose numbers depend on the same rows' figures share them (``RegionSite.key`` plus the
sampled columns each row takes), as the exact engine shares regions alike but for their names.

The evaluation is tested equal to :func:`~hadr_model.engines.exact.exact_availability` per
sample at ``1e-12`` relative (tests/engines/test_uncertainty.py).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import SpecError
from ..topology.compiled import AtLeast, CompiledModel, Leaf, Node, Part, RegionSite
from .exact import _common_cause_states, _log_of, _UsableZones
from .kofn import fewer_than_k_identical

__all__ = ["MAX_SAMPLE_CELLS", "ServiceSamples", "element_figures", "per_sample_block_q", "service_samples"]

# Samples × (2^zones states, or table rows) held at once: a chunk is cut to stay under it.
MAX_SAMPLE_CELLS = 4_000_000


@dataclass(frozen=True)
class ServiceSamples:
    """Per sample: the service's unavailability (tenant with a uniformly drawn home) and, region
    form, each home region's tenant unavailability (``homes`` names the columns)."""

    q: np.ndarray
    q_homes: np.ndarray
    homes: tuple[str, ...]


def element_figures(mttf_h: np.ndarray, mttr_h: np.ndarray, fixed_q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(q, p)`` per sample and row from the means; rows with a fixed availability (NaN means)
    take ``fixed_q``. Both computed directly, so a tiny ``q`` keeps its digits."""
    cycle = mttf_h + mttr_h
    timed = ~np.isnan(cycle)
    with np.errstate(invalid="ignore"):
        q = np.where(timed, mttr_h / cycle, fixed_q)
        p = np.where(timed, mttf_h / cycle, 1.0 - fixed_q)
    return q, p


def service_samples(compiled: CompiledModel, q: np.ndarray, p: np.ndarray, *,
                    served_fraction: Mapping[str, np.ndarray | float] | None = None,
                    columns: Sequence[Hashable] | None = None) -> ServiceSamples:
    """Service unavailability for every sample (row of ``q``, ``p``).

    Parameters
    ----------
    compiled : CompiledModel
    q, p : numpy.ndarray
        ``(N, rows)`` unavailability and availability of one copy of every table element.
    served_fraction : mapping, optional
        Region form: per home region with a failover region, ``φ_X = 1 − E[min(D, RTO)] / E[D]``
        (a number or one per sample). ``None``: instantaneous failover (an upper bound).
    columns : sequence of hashable, optional
        Per table row, the sampled column(s) its figures come from (an int, -1: fixed, or a
        tuple such as ``(failure column, repair column)``); rows sharing columns share their
        numbers. ``None``: every row its own.

    Returns
    -------
    ServiceSamples
    """
    q = np.atleast_2d(np.asarray(q, dtype=float))
    p = np.atleast_2d(np.asarray(p, dtype=float))
    if compiled.form == "blocks":
        q_root = block_q(compiled, q, p)
        return ServiceSamples(q_root, q_root[:, None], ())
    return _topology_samples(compiled, q, p, served_fraction, columns)


# --- region form ----------------------------------------------------------------------------

def _region_q(site: RegionSite, q: np.ndarray, p: np.ndarray, usable: _UsableZones) -> np.ndarray:
    """A region's service unavailability given the global services up, per sample."""
    p_zone = p[:, list(site.zones)]
    zone_law = np.prod(np.where(usable.zone_bits[None, :, :], p_zone[:, None, :], 1.0 - p_zone[:, None, :]), axis=2)
    if site.links:
        assert usable.link_bits is not None, "a region with links has link states"
        p_link = p[:, [index for *_, index in site.links]]
        link_law = np.prod(np.where(usable.link_bits[None, :, :], p_link[:, None, :], 1.0 - p_link[:, None, :]),
                           axis=2)
        joint = (zone_law[:, :, None] * link_law[:, None, :]).reshape(len(q), -1)
        onehot = np.zeros((joint.shape[1], 1 << usable.zones))
        onehot[np.arange(joint.shape[1]), usable.usable] = 1.0
        zone_law = joint @ onehot
    log_ok = np.zeros(zone_law.shape)
    for role in site.roles:
        hosted = usable.zone_bits.astype(np.int64) @ np.array(role.zone_counts, dtype=np.int64)
        p_role = p[:, role.instances[0]]
        shortfall = fewer_than_k_identical(role.required, hosted[None, :], p_role[:, None])
        if role.common_cause is not None:
            q_common = q[:, role.common_cause][:, None]
            shortfall = q_common + (1.0 - q_common) * shortfall
        with np.errstate(divide="ignore"):
            log_ok = log_ok + np.log1p(-shortfall)
    q_service = -np.expm1(log_ok) if site.roles else np.zeros(zone_law.shape)
    q_region = q[:, site.region]
    return q_region + (1.0 - q_region) * np.einsum("ns,ns->n", zone_law, q_service)


def _region_keys(compiled: CompiledModel, columns: Sequence[Hashable] | None) -> dict[str, tuple]:
    keys = {}
    for site in compiled.regions:
        rows = range(site.span.start, site.span.stop)
        taken = tuple(columns[i] for i in rows) if columns is not None else (site.name,)
        keys[site.name] = (site.key, taken)
    return keys


def _topology_samples(compiled: CompiledModel, q: np.ndarray, p: np.ndarray,
                      served_fraction: Mapping[str, np.ndarray | float] | None,
                      columns: Sequence[Hashable] | None) -> ServiceSamples:
    globals_ = list(compiled.globals)
    q_global = -np.expm1(np.log1p(-q[:, globals_]).sum(axis=1)) if globals_ else np.zeros(len(q))
    keys = _region_keys(compiled, columns)
    needed = {site.name for site in compiled.regions if site.home}
    needed |= {site.fails_over_to for site in compiled.regions if site.home and site.fails_over_to}
    cache: dict[tuple, np.ndarray] = {}
    usable: dict[tuple, _UsableZones] = {}
    region_q: dict[str, np.ndarray] = {}
    for site in compiled.regions:
        if site.name not in needed:
            continue
        key = keys[site.name]
        if key not in cache:
            zones = usable.setdefault(site.key, _UsableZones(site))
            cache[key] = _region_q(site, q, p, zones)
        region_q[site.name] = cache[key]
    homes, tenants = [], []
    total = np.zeros(len(q))
    for site in compiled.regions:
        if not site.home:
            continue
        q_home = region_q[site.name]
        if site.fails_over_to is None:
            tenant = q_global + (1.0 - q_global) * (q_home * 1.0 + (q_home - 0.0) * (1.0 - 1.0))
        else:
            q_partner = region_q[site.fails_over_to]
            if served_fraction is None:
                weight = q_home
            else:
                weight = q[:, site.region] * np.asarray(served_fraction[site.name], dtype=float)
            tenant = q_global + (1.0 - q_global) * (q_home * q_partner + (q_home - weight) * (1.0 - q_partner))
        homes.append(site.name)
        tenants.append(tenant)
        total = total + tenant
    q_homes = np.stack(tenants, axis=1) if tenants else np.zeros((len(q), 0))
    return ServiceSamples(total / max(len(tenants), 1), q_homes, tuple(homes))


# --- block form -----------------------------------------------------------------------------

def _vectorisable(part: Part | None) -> bool:
    stack = [part]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, Leaf):
            continue
        if not (isinstance(node, Node) and isinstance(node.rule, AtLeast)):
            return False
        stack.extend(child for channel in node.channels for child in channel)
    return True


def _tree(part: Part, q: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(q, a)`` of a series / parallel / k-of-n tree per sample (the exact engine's formulas)."""
    if isinstance(part, Leaf):
        return q[:, part.element], a[:, part.element]
    assert isinstance(part, Node) and isinstance(part.rule, AtLeast)
    pairs = [_tree(child, q, a) for channel in part.channels for child in channel]
    m, n = part.rule.m, len(pairs)
    size = len(q)
    if m > n:
        return np.zeros(size), np.ones(size)
    child_q = np.stack([cq for cq, _ in pairs])
    child_a = np.stack([ca for _, ca in pairs])
    if m == 1:
        log_a = _log_of(child_a, child_q).sum(axis=0)
        return -np.expm1(log_a), np.exp(log_a)
    if m == n:
        log_q = _log_of(child_q, child_a).sum(axis=0)
        return np.exp(log_q), -np.expm1(log_q)
    counts = [np.ones(size)] + [np.zeros(size) for _ in range(m - 1)]
    bucket = np.zeros(size)
    for cq, ca in zip(child_q, child_a):
        bucket = bucket + counts[-1] * cq
        for c in range(m - 1, 0, -1):
            counts[c] = counts[c] * ca + counts[c - 1] * cq
        counts[0] = counts[0] * ca
    return bucket, np.sum(counts, axis=0)


def block_q(compiled: CompiledModel, q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Unavailability of a block diagram per sample: vectorised for series / parallel / k-of-n
    trees (conditioned on each common-cause state), else sample by sample (networks, fault trees)."""
    root = compiled.tenants()[0]
    if compiled.shared or not _vectorisable(root):
        return per_sample_block_q(compiled, q, p)
    common = list(compiled.common_causes)
    total = np.zeros(len(q))
    for state in _common_cause_states(np.full(len(common), 0.5)):
        up = np.array(state[0], dtype=bool)
        weight = np.prod(np.where(up[None, :], 1.0 - q[:, common], q[:, common]), axis=1) if common else 1.0
        conditioned, available = q.copy(), p.copy()
        if common:
            conditioned[:, common] = np.where(up, 0.0, 1.0)
            available[:, common] = np.where(up, 1.0, 0.0)
        total = total + weight * _tree(root, conditioned, available)[0]
    return total


def per_sample_block_q(compiled: CompiledModel, q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The exact block engine, one sample at a time (the element figures replaced in a copy of
    the table): the route for network blocks and fault trees, ~1 ms per sample."""
    from .exact import _block_unavailabilities

    out = np.empty(len(q))
    for s in range(len(q)):
        table = copy.copy(compiled.elements)
        table.__dict__.update(q=q[s].copy(), p=p[s].copy())     # the cached per-element figures
        out[s] = _block_unavailabilities(dataclasses.replace(compiled, elements=table))[0]
    return out


def check_samples(count: int, compiled: CompiledModel, limit: int) -> None:
    """Refuse, before allocating, more samples than ``limit``."""
    if not 1 <= count <= limit:
        raise SpecError("samples", count, f"a number of parameter samples from 1 to {limit:,}")
    if compiled.form == "regions":
        widest = max((1 << len(site.zones)) * (1 << len(site.links)) for site in compiled.regions)
        if widest > MAX_SAMPLE_CELLS:
            raise SpecError("regions", f"{widest:,} zone and link states in a region",
                            f"at most {MAX_SAMPLE_CELLS:,} for the vectorised exact engine")


def chunks(count: int, width: int) -> list[slice]:
    """Slices of the samples so that a chunk holds at most :data:`MAX_SAMPLE_CELLS` cells."""
    step = max(1, MAX_SAMPLE_CELLS // max(width, 1))
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]

