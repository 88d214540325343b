"""Exact steady-state availability: structure function with shared events, no sampling.

Region form
-----------
Write ``a_x`` for the steady-state availability of element ``x`` (``MTTF/(MTTF+MTTR)``). A
region's service is up when every global service its roles depend on, the region itself and
every role are up. Zones are shared events for the instances they host, so the engine
conditions on the set ``S`` of *usable* zones (up, and reaching the region's ingress when a
zone network is given), whose law ``P(S)`` is enumerated exactly over the ``2^Z`` zone states
(times the link states). Given ``S``, roles are independent and role ``r`` with ``n_r``
instances per zone, ``k_r`` required, instance availability ``p_r`` and common-cause element
``c_r`` is up with probability

``P_r(S) = a_{c_r} · P(Bin(n_r · |S|, p_r) ≥ k_r)``

so the region's service, given the global services up, is

``B = a_region · Σ_S P(S) · Π_r P_r(S)``  and  ``A_region = a_G · B``, ``a_G = Π_g a_g``.

The cost is ``O(2^Z · roles)`` per region — linear in the number of regions. A tenant homed in
region X that fails over to F is up when either service is up; global services are shared by
both, so ``T_X = a_G · (1 − (1 − B_X)(1 − B_F))``. This treats failover as instantaneous — an
**upper bound** on what a real failover achieves. The service as the spec defines it is a
tenant whose home region is drawn uniformly: ``A = mean_X T_X``.

Importance measures need ``h(1_i)`` and ``h(0_i)`` for each element (see
:mod:`~hadr_model.engines.importance`); every term above is multilinear, so forcing an element
only changes its own factor: forcing one instance of role ``r`` in zone ``z`` up replaces the
binomial tail by ``P(Bin(N_S − 1, p) ≥ k − 1)`` for the states ``S`` that contain ``z``.

Block form
----------
Series ``Π a_i``, parallel ``1 − Π (1 − a_i)``, k-of-n by the Poisson-binomial law,
networks by factoring (:mod:`~hadr_model.engines.network`). Copies sharing a common-cause
element are handled exactly by conditioning on the common-cause states.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.compiled import (
    CompiledModel,
    ElementTable,
    Leaf,
    Node,
    Part,
    RegionSite,
    Unreachable,
    region_key,
)
from ..topology.model import (
    INGRESS,
    BlockSystem,
    Model,
    Region,
    Topology,
)
from .importance import ElementImportance, importance_measures
from .network import network_availability
from .results import AvailabilityResult, RegionAvailability, SystemMetrics

__all__ = ["MAX_BATCH_CELLS", "MAX_BLOCK_WORK", "MAX_COMMON_CAUSES", "MAX_KOFN_CELLS", "MAX_NETWORK_STATES",
           "MAX_ROLE_STATES", "MAX_TOTAL_NETWORK_STATES", "batch_signature", "check_size", "element_birnbaum",
           "exact_availability", "exact_batch"]

MAX_NETWORK_BITS = 22     # zones + links of one region with a zone network
MAX_NETWORK_STATES = 2**MAX_NETWORK_BITS
MAX_ROLE_STATES = 2**22
MAX_TOTAL_NETWORK_STATES = 2**25
MAX_BLOCK_WORK = 3e7      # microseconds of block evaluation (see _BlockPlan.work)
MAX_KOFN_CELLS = 1 << 22  # count cells of one k-of-n gate: 32 MB per distribution
MAX_COMMON_CAUSES = 16
MAX_BATCH_CELLS = 1 << 21  # exact_batch: model × array cells evaluated together (16 MB per float array)
DR_FAILOVER_NOTE = ("'with failover': a region loss costs a tenant E[min(region repair, failover RTO)] and the "
                    "failover region serves it for the rest of the outage; failover is declared for region "
                    "loss only (zone-level outages are repaired in place), failback is immediate")
FAILOVER_NOTE = ("'with failover' assumes instantaneous failover to the paired region: an upper bound "
                 "until the DR workflow model replaces it")


def exact_availability(model: Model, *, region_loss_outage_h: Mapping[str, float] | None = None,
                       failover_completion: Mapping[str, float] | None = None, detail: bool = True
                       ) -> AvailabilityResult:
    """Exact steady-state availability, failure frequency and importance ranking.

    Parameters
    ----------
    model : Topology or BlockSystem
        A loaded spec (:func:`hadr_model.load_spec`).
    region_loss_outage_h : mapping, optional
        Per home region, the mean outage a tenant suffers per region loss,
        ``E[min(region repair, failover RTO)]`` in hours (see
        :func:`hadr_model.dr.availability_with_failover`, which computes it from the DR
        workflows). Without it, failover is instantaneous: an upper bound.
    failover_completion : mapping, optional
        Per home region, ``P(RTO < D)``: the probability that the failover completes before the
        region returns. Only the failure frequency uses it (outages that the region's repair
        starts by failing back onto a home service that is down); omitted, those are not counted.
    detail : bool
        ``False`` computes the service figures only (no per-region figures, no importance
        ranking): the fast path for large sweeps.

    Returns
    -------
    AvailabilityResult

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"series": [{"component": {"name": "a", "availability": 0.9999}},
    ...                               {"component": {"name": "b", "availability": 0.9999}}]}}
    >>> round(exact_availability(load_spec(spec)).system.availability, 8)
    0.99980001
    """
    check_independent(model, "exact_availability")
    if isinstance(model, BlockSystem):
        return _block_result(model, detail)
    return _topology_result(model, region_loss_outage_h, failover_completion, detail)


def check_independent(model: Model, what: str) -> None:
    """Refuse a spec whose elements are not independent (shared repair crews, standby spares).

    The structure function multiplies per-element probabilities, which is exact only for
    independent elements. Such specs are answered by :func:`hadr_model.availability` (which
    sends them to the Markov engine) or by Monte Carlo; ``what`` names the refusing entry point.
    """
    compiled = model.compiled
    for field, groups, kind in (("standby", compiled.standby, "standby group"),
                                ("repair", compiled.teams, "repair team")):
        if groups:
            raise SpecError(field, f"{len(groups)} {kind}(s)",
                            f"a spec of independent elements for {what}: with {kind}s the elements depend "
                            "on one another; hadr_model.availability / `hadr availability` solve it with the "
                            "Markov engine, `hadr simulate` by Monte Carlo")


# --- region form ---------------------------------------------------------------------------

def _bits(width: int) -> np.ndarray:
    masks = np.arange(1 << width)
    return ((masks[:, None] >> np.arange(width)) & 1).astype(bool)


def _state_probability(bits: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per model (rows of ``p``, ``(B, width)``), the probability of every state of ``bits``."""
    return np.prod(np.where(bits[None, :, :], p[:, None, :], 1.0 - p[:, None, :]), axis=2)


def _network_field(topology: Topology, region: Region) -> str:
    """The spec field a region's zone network comes from (its own, or the top-level one)."""
    own = topology.raw.get("regions", {}).get(region.name)
    return f"regions.{region.name}.network" if isinstance(own, Mapping) and "network" in own else "network"


def check_size(model: Model) -> None:
    """Refuse, before allocating anything, a model too large for the exact engine.

    Raises
    ------
    SpecError
        Naming the field, the size found and the limit (see :func:`_check_topology_size`
        and :func:`_check_block_work`).

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> check_size(load_spec())   # the shipped topology is well within every limit
    """
    if isinstance(model, BlockSystem):
        if len(model.common_causes) > MAX_COMMON_CAUSES:
            raise SpecError("blocks", f"{len(model.common_causes)} common-cause groups",
                            f"at most {MAX_COMMON_CAUSES} for the exact engine")
        if not model.fault_tree:     # a fault tree is a DAG: the BDD checks its own budget as it grows
            _check_block_work(model, len(model.common_causes))
    else:
        _check_topology_size(model)


def _check_topology_size(topology: Topology) -> None:
    """Refuse, before allocating anything, a topology too large for the exact engine.

    Per region the engine holds ``2^(zones + links)`` zone-and-link states (a zone network)
    and ``roles × 2^zones`` role terms; both are checked against their limits here, from the
    counts alone, and so is the time: the states of all the distinct regions with a zone
    network (regions alike but for their names are computed once) at most
    :data:`MAX_TOTAL_NETWORK_STATES`.
    """
    roles = len(topology.roles)
    distinct: dict[tuple, int] = {}
    for region in topology.regions:
        zones = len(region.zones)
        links = len(region.network.links) if region.network else 0
        if links and zones + links > MAX_NETWORK_BITS:
            raise SpecError(_network_field(topology, region),
                            f"{zones} zones and {links} links in region {region.name} (2^{zones + links} states)",
                            f"at most 2^{MAX_NETWORK_BITS} zone and link states for the "
                            "exact engine (fewer zones, or no zone_link: it adds a link per pair of zones)")
        if links:
            distinct[region_key(region)] = 1 << (zones + links)
        if roles << zones > MAX_ROLE_STATES:
            raise SpecError("roles", f"{roles} roles × 2^{zones} zone states of region {region.name}",
                            f"at most {MAX_ROLE_STATES:,} role terms per region for the exact engine "
                            "(fewer roles or zones)")
    total = sum(distinct.values())
    if total > MAX_TOTAL_NETWORK_STATES:
        raise SpecError("regions", f"{len(distinct)} distinct regions with zone networks ({total:,} states in all)",
                        f"at most {MAX_TOTAL_NETWORK_STATES:,} zone and link states in all for the exact engine "
                        "(about 4 s per 2^22; fewer zones, or regions that differ only by their names)")


class _Figures:
    """Per-element figures of ``B`` models of one structure, as ``(B, rows)`` arrays.

    The region-form engine evaluates every formula on these arrays, so a sweep's models that
    differ only in their numbers are evaluated in one pass (:func:`exact_batch`) with the same
    arithmetic, element by element, as a single model (``B = 1``).
    """

    def __init__(self, q: np.ndarray, p: np.ndarray, cycle_h: np.ndarray, counts: np.ndarray,
                 tables: tuple[ElementTable, ...] = ()) -> None:
        self.q, self.p, self.cycle_h, self.counts = q, p, cycle_h, counts
        self.tables = tables
        self.size = q.shape[0]

    @classmethod
    def of(cls, tables: Sequence[ElementTable]) -> _Figures:
        if len(tables) == 1:
            table = tables[0]
            return cls(table.q[None, :], table.p[None, :], table.cycle_h[None, :], table.counts, tuple(tables))
        return cls(np.stack([t.q for t in tables]), np.stack([t.p for t in tables]),
                   np.stack([t.cycle_h for t in tables]), tables[0].counts, tuple(tables))

    def mttr_h(self, row: int) -> np.ndarray:
        """Mean repair time of element ``row`` in every model."""
        return np.array([table.behaviours[row].mttr_h for table in self.tables])


def _lead(values: np.ndarray, ndim: int) -> np.ndarray:
    """``values`` of shape ``(B,)`` broadcastable against arrays of ``ndim`` dimensions ``(B, …)``."""
    return values.reshape(values.shape + (1,) * (ndim - 1))


@dataclass
class _RegionTerms:
    """A region's numbers: ``q_service`` (its service's unavailability given the global services
    up, shape ``(B,)``) and the same with each of its elements (the table slice ``site.span``)
    forced up / down (``(B, elements)``); ``q_region``, ``cycle_h``: the region element's figures."""

    site: RegionSite
    q_region: np.ndarray
    cycle_h: np.ndarray
    q_service: np.ndarray
    q_up: np.ndarray
    q_down: np.ndarray


class _UsableZones:
    """Law of the set of usable zones of a region (bit z set: zone z usable).

    The sizes were checked by :func:`check_size` before: nothing here is larger than
    :data:`MAX_NETWORK_STATES` states.
    """

    def __init__(self, site: RegionSite) -> None:
        self.zones = len(site.zones)
        self.zone_bits = _bits(self.zones)
        self.links = site.links
        self.link_bits = _bits(len(self.links)) if self.links else None
        if self.links:
            self.usable = self._reachable_masks(site)

    def _reachable_masks(self, site: RegionSite) -> np.ndarray:
        """For every (zone state, link state): the mask of zones reaching the ingress."""
        assert self.link_bits is not None, "called only for a region with links"
        index = {name: i for i, name in enumerate(site.zone_names)}
        zone_up = np.repeat(self.zone_bits, len(self.link_bits), axis=0)
        link_up = np.tile(self.link_bits, (len(self.zone_bits), 1))
        reach = np.zeros_like(zone_up)
        for _ in range(self.zones):
            for link, (a, b, _) in enumerate(self.links):
                for src, dst in ((a, b), (b, a)):
                    if dst == INGRESS:
                        continue
                    source_ok = np.ones(len(reach), bool) if src == INGRESS else reach[:, index[src]]
                    reach[:, index[dst]] |= source_ok & link_up[:, link] & zone_up[:, index[dst]]
        return (reach * (1 << np.arange(self.zones))).sum(axis=1)

    def law(self, p_zone: np.ndarray, p_link: np.ndarray | None = None) -> np.ndarray:
        """``P(S)`` per model: ``p_zone`` is ``(B, zones)`` (``p_link`` ``(B, links)``), the law ``(B, 2^zones)``."""
        zone_probability = _state_probability(self.zone_bits, p_zone)
        if not self.links:
            return zone_probability
        assert self.link_bits is not None and p_link is not None, "a region with links has link states and figures"
        link_probability = _state_probability(self.link_bits, p_link)
        return np.stack([np.bincount(self.usable, weights=np.outer(zones, links).ravel(), minlength=1 << self.zones)
                         for zones, links in zip(zone_probability, link_probability)])


def _exclusive_sums(matrix: np.ndarray) -> np.ndarray:
    """Along the second-last axis: each row the sum of all the other rows, without subtraction
    (rows may hold -inf)."""
    zeros = np.zeros_like(matrix[..., :1, :])
    before = np.cumsum(np.concatenate([zeros, matrix[..., :-1, :]], axis=-2), axis=-2)
    flipped = np.flip(matrix, axis=-2)[..., :-1, :]
    after = np.flip(np.cumsum(np.concatenate([zeros, flipped], axis=-2), axis=-2), axis=-2)
    return before + after


def _fewer_than_k_rows(k: np.ndarray, n: np.ndarray, availability: np.ndarray) -> np.ndarray:
    """:func:`~hadr_model.engines.kofn.fewer_than_k_identical` for a column of ``k`` and of
    availabilities (one row each) at once: the same ufunc on the same values, element by element."""
    from scipy import special  # loaded with .kofn already; imported here so start-up stays lazy

    n = np.maximum(n, 0)
    inside = k - 1 < n
    bdtr = special.bdtr(np.maximum(k - 1, 0), np.where(inside, n, np.maximum(k, 1)), availability)
    return np.where(k <= 0, 0.0, np.where(inside, bdtr, 1.0))


class _RoleTerms:
    """Per model, role and usable-zone set (arrays ``(B, roles, 2^zones)``): unavailability of
    the role, and with one instance forced up / down."""

    def __init__(self, site: RegionSite, figures: _Figures, usable: _UsableZones) -> None:
        roles = site.roles
        # All roles at once (rows: roles, columns: zone sets); element by element the same
        # arithmetic as one role at a time, so the same numbers.
        k = np.array([role.required for role in roles], dtype=np.int64)[:, None]
        counts = np.array([role.zone_counts for role in roles], dtype=np.int64).reshape(len(roles), usable.zones)
        # Instances hosted by each zone set (uneven placement: the sum over its zones).
        hosted = counts @ usable.zone_bits.astype(np.int64).T
        # Every zone hosts the same instances: the first zone's row stands for the role.
        p = figures.p[:, [role.instances[0] for role in roles]][:, :, None]
        common = [role.common_cause if role.common_cause is not None else -1 for role in roles]
        q_common = np.where(np.array(common) >= 0, figures.q[:, common], 0.0)[:, :, None] if roles else p * 0.0

        def with_common(shortfall: np.ndarray) -> np.ndarray:
            return q_common + (1.0 - q_common) * shortfall

        self.q_bare = _fewer_than_k_rows(k, hosted, p)       # without the common-cause factor
        self.q_ok = with_common(self.q_bare)
        # Only read where the forced zone hosts one (zone sets with hosted ≥ 1).
        others = np.maximum(hosted - 1, 0)
        self.q_one_up = with_common(_fewer_than_k_rows(k - 1, others, p))
        self.q_one_down = with_common(_fewer_than_k_rows(k, others, p))
        with np.errstate(divide="ignore"):
            self.log_ok = np.log1p(-self.q_ok)
        self.log_others = _exclusive_sums(self.log_ok) if len(roles) else self.log_ok
        states = 1 << usable.zones
        self.q_service = (-np.expm1(self.log_ok.sum(axis=-2)) if len(roles)
                          else np.zeros((figures.size, states)))

    def q_with(self, r: int, q_role: np.ndarray) -> np.ndarray:
        """Service shortfall per zone set when role r has unavailability ``q_role`` (``(B, …, 2^zones)``)."""
        others = self.log_others[:, r]
        others = others.reshape(others.shape[:1] + (1,) * (q_role.ndim - 2) + others.shape[1:])
        with np.errstate(divide="ignore"):
            return -np.expm1(others + np.log1p(-q_role))


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Σ a·b`` over the last axis, broadcast over the others, as a matrix product (the sum a
    single model's ``law @ q`` makes, so a batch of one gives the same digits)."""
    a, b = np.broadcast_arrays(a, b)
    return np.matmul(a[..., None, :], b[..., :, None])[..., 0, 0]


def _region_numbers(site: RegionSite, figures: _Figures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Service unavailability given the global services up, and with each element forced up /
    down, in the order of the region's table slice (region, zones, links, instances, common causes):
    arrays ``(B,)``, ``(B, elements)``, ``(B, elements)``."""
    usable = _UsableZones(site)
    p_zone = figures.p[:, list(site.zones)]
    p_link = figures.p[:, [index for *_, index in site.links]] if site.links else None
    law = usable.law(p_zone, p_link)
    roles = _RoleTerms(site, figures, usable)
    q_region = figures.q[:, site.region]

    def q_of(zone_law: np.ndarray, q_shortfall: np.ndarray) -> np.ndarray:
        # Σ_S P(S) = 1, so 1 − a_R Σ P(S)(1 − q_S) = q_R + a_R Σ P(S) q_S: no cancellation.
        region = _lead(q_region, zone_law.ndim - 1)
        return region + (1.0 - region) * _dot(zone_law, q_shortfall)

    base = _dot(law, roles.q_service)
    ups, downs = [base[:, None]], [np.ones((figures.size, 1))]
    zones = len(site.zones)

    def forced_law(z: int, value: float, links: bool = False) -> np.ndarray:
        if links:
            assert p_link is not None
            return usable.law(p_zone, np.where(np.arange(p_link.shape[1]) == z, value, p_link))
        return usable.law(np.where(np.arange(zones) == z, value, p_zone), p_link)

    if site.links:
        for z in range(zones):
            ups.append(q_of(forced_law(z, 1.0), roles.q_service)[:, None])
            downs.append(q_of(forced_law(z, 0.0), roles.q_service)[:, None])
    else:
        # Every zone forced up, then down, in one array: row 2z + j is zone z forced to 1 − j.
        forced_p = np.repeat(p_zone[:, None, :], 2 * zones, axis=1)
        forced_p[:, 0::2][:, np.arange(zones), np.arange(zones)] = 1.0
        forced_p[:, 1::2][:, np.arange(zones), np.arange(zones)] = 0.0
        laws = np.prod(np.where(usable.zone_bits[None, None, :, :], forced_p[:, :, None, :],
                                1.0 - forced_p[:, :, None, :]), axis=3)
        values = q_of(laws, roles.q_service[:, None, :])
        ups.append(values[:, 0::2])
        downs.append(values[:, 1::2])
    for link in range(len(site.links)):
        ups.append(q_of(forced_law(link, 1.0, links=True), roles.q_service)[:, None])
        downs.append(q_of(forced_law(link, 0.0, links=True), roles.q_service)[:, None])
    hosted = usable.zone_bits.T[None, :, :]        # (1, zone, zone set): the zone is in the set
    region = q_region[:, None]
    for r in range(len(site.roles)):
        # One instance of role r forced up / down in each zone at once: rows are zones.
        up, down = (region + (1.0 - region) * np.matmul(
                        roles.q_with(r, np.where(hosted, one[:, None, :], roles.q_ok[:, r][:, None, :])),
                        law[:, :, None])[..., 0]
                    for one in (roles.q_one_up[:, r], roles.q_one_down[:, r]))
        empty = np.array(site.roles[r].zone_counts) == 0      # no instance there to force
        up[:, empty] = down[:, empty] = base[:, None]
        ups.append(up)
        downs.append(down)
    for r, role in enumerate(site.roles):
        if role.common_cause is not None:
            ups.append(q_of(law, roles.q_with(r, roles.q_bare[:, r]))[:, None])
            downs.append(np.ones((figures.size, 1)))
    return q_of(law, roles.q_service), np.concatenate(ups, axis=1), np.concatenate(downs, axis=1)


def _site_signature(site: RegionSite) -> tuple:
    """Everything but the figures that a region's numbers depend on (not its name)."""
    zones = {name: i for i, name in enumerate(site.zone_names)}
    links = tuple((zones.get(a, a), zones.get(b, b)) for a, b, _ in site.links)
    roles = tuple((role.zone_counts, role.required, role.common_cause is not None) for role in site.roles)
    return len(site.zones), links, roles


def _region_terms(site: RegionSite, figures: _Figures, cache: dict) -> _RegionTerms:
    """Terms of one region; regions alike but for their names share the numbers (``cache``):
    the same structure and the same figures in every model of the batch."""
    span = site.span
    key = (_site_signature(site), figures.q[:, span].tobytes(), figures.p[:, span].tobytes())
    if key not in cache:
        cache[key] = _region_numbers(site, figures)
    return _RegionTerms(site, figures.q[:, site.region], figures.cycle_h[:, site.region], *cache[key])


@dataclass
class _Scope:
    """Unavailability ``q`` of one system in every model (``(B,)``), and where forcing an element
    changes it.

    ``parts`` hold (slice of the element table, q with each element forced up, forced down,
    forced down as the failure-frequency formula counts it; each ``(B, elements)``); elsewhere
    forcing changes nothing.
    """

    q: np.ndarray
    parts: list[tuple[slice, np.ndarray, np.ndarray, np.ndarray]]
    fail_back_per_hour: np.ndarray | float = 0.0   # outages a region's repair starts (see _Tenants.scope)
    birnbaum: np.ndarray | None = None   # one part only: its importances, computed without cancellation

    def failures_per_hour(self, figures: _Figures) -> np.ndarray:
        total = np.zeros(figures.size) + self.fail_back_per_hour
        missing = np.zeros(figures.size, dtype=bool)
        for where, q_up, _, q_down_frequency in self.parts:
            birnbaum = q_down_frequency - q_up if self.birnbaum is None else self.birnbaum
            # An element with availability 1 (a perfect ingress link) never fails: it starts
            # no outage, whatever its Birnbaum importance, and needs no time law.
            relevant = (birnbaum != 0.0) & (figures.p[:, where] < 1.0)
            cycle = figures.cycle_h[:, where]
            missing |= np.any(relevant & np.isnan(cycle), axis=1)
            with np.errstate(invalid="ignore"):
                rates = np.where(relevant, figures.counts[where] * birnbaum / cycle, 0.0)
            total = total + rates.sum(axis=1)
        return np.where(missing, math.nan, total)


class _Average:
    """Running average of scopes over the home regions (memory O(elements), not O(regions²))."""

    def __init__(self, models: int, size: int) -> None:
        self.count, self.q, self.fail_back = 0, np.zeros(models), np.zeros(models)
        self.delta = [np.zeros((models, size)) for _ in range(3)]

    def add(self, scope: _Scope) -> None:
        self.count += 1
        self.q = self.q + scope.q
        self.fail_back = self.fail_back + scope.fail_back_per_hour
        for where, *forced in scope.parts:
            for delta, values in zip(self.delta, forced):
                delta[:, where] += values - scope.q[:, None]

    def scope(self) -> tuple[_Scope, np.ndarray, np.ndarray]:
        q = self.q / self.count
        up, down, down_frequency = (q[:, None] + delta / self.count for delta in self.delta)
        everything = slice(0, up.shape[1])
        return _Scope(q, [(everything, up, down, down_frequency)], self.fail_back / self.count), up, down


def _tenant_q(q_global: np.ndarray | float, q_home: np.ndarray | float, q_partner: np.ndarray | float,
              weight: np.ndarray | float) -> np.ndarray:
    """Unavailability of a tenant: ``1 − a_G (B_X + w B_F)`` written without cancellation.

    ``1 − B_X − w B_F = q_X q_F + (q_X − w) B_F``; for an instantaneous failover ``w = q_X``
    and the second term is exactly zero.
    """
    return np.asarray(q_global + (1.0 - q_global) * (q_home * q_partner + (q_home - weight) * (1.0 - q_partner)))


def _failover_weights(home: _RegionTerms, has_partner: bool, outage_h: np.ndarray | None, mttr_h: Any
                      ) -> tuple[np.ndarray | float, tuple[np.ndarray | float, np.ndarray | float]]:
    """Weight of the partner's service (``(B,)``), as is and with each home element forced up /
    down (``(B, elements)``)."""
    if not has_partner:
        return 0.0, (0.0, 0.0)
    if outage_h is None:
        return home.q_service, (home.q_up, home.q_down)
    served_fraction = 1.0 - outage_h / mttr_h()
    weight = home.q_region * served_fraction
    up = np.repeat(weight[:, None], home.q_up.shape[1], axis=1)
    down = up.copy()
    up[:, 0], down[:, 0] = 0.0, served_fraction   # element 0 of a region's slice is the region itself
    return weight, (up, down)


class _Tenants:
    """Tenant scopes of a compiled topology: the global services, then every region's slice."""

    def __init__(self, compiled: CompiledModel, figures: _Figures) -> None:
        self.figures = figures
        self.services = slice(0, len(compiled.globals))   # the table starts with them
        q_services = figures.q[:, self.services]
        log_a = np.log1p(-q_services)
        self.q_global = -np.expm1(log_a.sum(axis=1))
        self.q_global_without = -np.expm1(log_a.sum(axis=1)[:, None] - log_a)    # each service forced up
        cache: dict = {}
        self.terms = {site.name: _region_terms(site, figures, cache) for site in compiled.regions}

    def scope(self, region: str, partner: str | None, outage_h: np.ndarray | None = None,
              completion: np.ndarray | None = None) -> _Scope:
        """Unavailability of a tenant of ``region``, failing over to ``partner`` when given.

        The tenant is up with probability ``a_G (B_X + w B_F)``: ``w = 1 − B_X`` for an
        instantaneous failover, ``w = (1 − a_region) φ`` when a region loss costs
        ``outage_h = E[min(D, RTO)]`` (``φ = 1 − outage_h / MTTR_region``), ``w = 0`` without.

        With a real failover the tenant is not a coherent structure: the *repair* of its region
        starts an outage when the failover had completed (probability ``completion = P(RTO <
        D)``), the partner was serving and the home service is down for another reason. Those
        fail-backs happen at rate ``completion · a_G · B_F · q'_X / (MTTF_R + MTTR_R)``, with
        ``q'_X`` the home service's unavailability while its region is up.

        ``outage_h`` and ``completion`` are ``(B,)``: one figure per model.
        """
        home = self.terms[region]
        other = self.terms[partner] if partner is not None else None
        q_f = other.q_service if other is not None else np.ones(self.figures.size)
        weight, forced_weight = _failover_weights(home, other is not None, outage_h,
                                                  lambda: self.figures.mttr_h(home.site.region))
        q_global, q_home, q_partner = self.q_global[:, None], home.q_service[:, None], q_f[:, None]
        w = weight[:, None] if isinstance(weight, np.ndarray) else weight
        q = _tenant_q(self.q_global, home.q_service, q_f, weight)
        parts = []
        services = self.services.stop
        if services:
            up = _tenant_q(self.q_global_without, q_home, q_partner, w)
            ones = np.ones((self.figures.size, services))
            parts.append((self.services, up, ones, ones))
        up = _tenant_q(q_global, home.q_up, q_partner, forced_weight[0])
        down = _tenant_q(q_global, home.q_down, q_partner, forced_weight[1])
        down_frequency = down
        if outage_h is not None and other is not None:
            # Every region loss that finds the tenant up starts an outage, even though the
            # failover serves it later: count it as a failure (Birnbaum would net it out).
            down_frequency = down.copy()
            down_frequency[:, 0] = 1.0
        parts.append((home.site.span, up, down, down_frequency))
        if other is not None:
            up = _tenant_q(q_global, q_home, other.q_up, w)
            down = _tenant_q(q_global, q_home, other.q_down, w)
            parts.append((other.site.span, up, down, down))
        fail_back: np.ndarray | float = 0.0
        if outage_h is not None and other is not None and completion is not None:
            q_home_region_up = home.q_up[:, 0]     # element 0 of the slice is the region itself
            fail_back = (completion * (1.0 - self.q_global) * (1.0 - q_f) * q_home_region_up / home.cycle_h)
        return _Scope(q, parts, fail_back)


def _per_model(values: Sequence[Mapping[str, float]] | None, region: str, field: str) -> np.ndarray | None:
    """A region's figure in every model of a batch (``None``: given for none of them)."""
    if values is None:
        return None
    figures = [mapping.get(region) for mapping in values]
    if all(figure is None for figure in figures):
        return None
    if any(figure is None for figure in figures):
        raise SpecError(field, region, "a figure for this region in every model of the batch, or in none")
    return np.array(figures, dtype=float)


def _topology_numbers(compiled: CompiledModel, figures: _Figures,
                      region_loss_outage_h: Sequence[Mapping[str, float]] | None = None,
                      failover_completion: Sequence[Mapping[str, float]] | None = None, detail: bool = True
                      ) -> tuple[_Scope, np.ndarray, np.ndarray, list[tuple[RegionSite, _Scope, _Scope]]]:
    """The service's scope (a tenant with a uniformly drawn home), the whole table forced up /
    down, and (``detail``) every region's own and tenant scopes; ``region_loss_outage_h`` and
    ``failover_completion`` hold one mapping per model."""
    tenants = _Tenants(compiled, figures)
    average = _Average(figures.size, figures.q.shape[1])
    regions = []
    for site in compiled.regions:
        if not (site.home or detail):
            continue
        # Without detail, a tenant that fails over needs no figures of its own region alone.
        own = tenants.scope(site.name, None) if detail or not site.fails_over_to else None
        tenant = own
        if site.fails_over_to:
            tenant = tenants.scope(site.name, site.fails_over_to,
                                   _per_model(region_loss_outage_h, site.name, "region_loss_outage_h"),
                                   _per_model(failover_completion, site.name, "failover_completion"))
        if site.home:
            assert tenant is not None, "a home region's tenant scope is computed above"
            average.add(tenant)
        if detail:
            assert own is not None and tenant is not None, "detail computes every region's own scope"
            regions.append((site, own, tenant))
    system, q_up, q_down = average.scope()
    return system, q_up, q_down, regions


def _topology_result(topology: Topology, region_loss_outage_h: Mapping[str, float] | None = None,
                     failover_completion: Mapping[str, float] | None = None, detail: bool = True
                     ) -> AvailabilityResult:
    _check_topology_size(topology)
    compiled = topology.compiled
    figures = _Figures.of([compiled.elements])
    outage = None if region_loss_outage_h is None else [region_loss_outage_h]
    completion = None if failover_completion is None else [failover_completion]
    system, q_up, q_down, regions = _topology_numbers(compiled, figures, outage, completion, detail)
    year_hours = topology.year_hours
    table = compiled.elements
    return AvailabilityResult(
        name=topology.name,
        form="regions",
        system=_metrics(system, figures, year_hours)[0],
        regions=tuple(RegionAvailability(site.name, _metrics(own, figures, year_hours)[0],
                                         _metrics(tenant, figures, year_hours)[0], site.fails_over_to, site.home)
                      for site, own, tenant in regions),
        importance=_ranked(table, float(system.q[0]), q_up[0], q_down[0]) if detail else (),
        notes=tuple(_topology_notes(topology, region_loss_outage_h)),
        failover_model=_failover_model(topology, region_loss_outage_h),
    )


def _topology_notes(topology: Topology, region_loss_outage_h: Mapping[str, float] | None) -> list[str]:
    notes = []
    if any(site.fails_over_to for site in topology.compiled.regions):
        notes.append(FAILOVER_NOTE if region_loss_outage_h is None else DR_FAILOVER_NOTE)
    return notes + _frequency_notes(topology.compiled.elements)


def batch_signature(model: Model) -> tuple | None:
    """What models evaluated together by :func:`exact_batch` must share: the compiled structure
    (element rows and counts, regions, roles, failover pairs), everything but the figures.
    ``None`` for a model that :func:`exact_batch` does not take (block form, repair teams,
    standby spares)."""
    if not isinstance(model, Topology):
        return None
    compiled = model.compiled
    if compiled not in _SIGNATURES:
        _SIGNATURES[compiled] = None if compiled.teams or compiled.standby else _structure(compiled)
    return _SIGNATURES[compiled]


# Asked once by the service and once more by exact_batch per model: kept while the model lives.
_SIGNATURES: weakref.WeakKeyDictionary[CompiledModel, tuple | None] = weakref.WeakKeyDictionary()


def _structure(compiled: CompiledModel) -> tuple:
    table = compiled.elements
    sites = tuple((site.name, site.home, site.fails_over_to, site.span.start, site.span.stop, site.region,
                   site.zones, tuple(index for *_, index in site.links), _site_signature(site),
                   tuple((role.instances, role.common_cause) for role in site.roles))
                  for site in compiled.regions)
    return (table.names, table.counts.tobytes(), compiled.globals, sites, compiled.year_hours)


def _cells_per_model(compiled: CompiledModel) -> int:
    """Array cells one model holds at once in the region engine (its largest region's zone
    states times the role and forced-zone rows, or its element table)."""
    largest = 0
    for site in compiled.regions:
        states = 1 << (len(site.zones) + len(site.links))
        largest = max(largest, states * (len(site.roles) * (len(site.zones) + 4) + 2 * len(site.zones) + 2))
    return max(largest, 4 * len(compiled.elements), 1)


def exact_batch(topologies: Sequence[Topology], *,
                region_loss_outage_h: Sequence[Mapping[str, float]] | None = None,
                failover_completion: Sequence[Mapping[str, float]] | None = None) -> list[AvailabilityResult]:
    """:func:`exact_availability` with ``detail=False`` for many region-form models of one
    structure (equal :func:`batch_signature`), in one pass over ``(models, elements)`` arrays.

    The arithmetic is that of one model, element by element, so each result equals
    ``exact_availability(topology, detail=False)`` (to the last digits of a sum's order); only
    the Python overhead is shared. ``region_loss_outage_h`` and ``failover_completion``, when
    given, hold one mapping per model.

    Raises
    ------
    SpecError
        When the models do not share one structure (naming the first that differs), or one is
        too large for the exact engine.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> from hadr_model.topology.spec import default_spec_path, read_yaml, parse_spec
    >>> from hadr_model.topology.paths import with_values
    >>> raw = read_yaml(default_spec_path().read_text())
    >>> models = [parse_spec(with_values(raw, {"zone.mttr": hours})) for hours in (2.0, 8.0)]
    >>> [round(r.system.availability, 9) for r in exact_batch(models)] == [
    ...     round(exact_availability(m, detail=False).system.availability, 9) for m in models]
    True
    """
    if not topologies:
        return []
    first = batch_signature(topologies[0])
    for index, topology in enumerate(topologies):
        check_independent(topology, "exact_batch")
        signature = first if index == 0 else batch_signature(topology)
        if signature is None or signature != first:
            raise SpecError(f"topologies[{index}]", topology.name,
                            "a region-form model with the structure of the first (exact_batch evaluates "
                            "models that differ only in their figures)")
        _check_topology_size(topology)
    for name, values in (("region_loss_outage_h", region_loss_outage_h), ("failover_completion", failover_completion)):
        if values is not None and len(values) != len(topologies):
            raise SpecError(name, f"{len(values)} mappings", f"one mapping per model ({len(topologies)})")
    compiled = topologies[0].compiled
    # Memory grows with the models evaluated together: cut the batch to a fixed budget of cells.
    step = max(1, MAX_BATCH_CELLS // _cells_per_model(compiled))
    metrics: list[SystemMetrics] = []
    for start in range(0, len(topologies), step):
        part = slice(start, start + step)
        figures = _Figures.of([topology.compiled.elements for topology in topologies[part]])
        system, _, _, _ = _topology_numbers(compiled, figures,
                                            None if region_loss_outage_h is None else region_loss_outage_h[part],
                                            None if failover_completion is None else failover_completion[part],
                                            detail=False)
        metrics += _metrics(system, figures, compiled.year_hours)
    return [AvailabilityResult(name=topology.name, form="regions", system=figures_of, regions=(), importance=(),
                               notes=tuple(_topology_notes(topology, None if region_loss_outage_h is None
                                                           else region_loss_outage_h[index])),
                               failover_model=_failover_model(topology, None if region_loss_outage_h is None
                                                              else region_loss_outage_h[index]))
            for index, (topology, figures_of) in enumerate(zip(topologies, metrics))]


def element_birnbaum(model: Model, *, region_loss_outage_h: Mapping[str, float] | None = None) -> np.ndarray:
    """Birnbaum importance ``h(1_i) − h(0_i)`` of one copy of every element, in table order.

    The rows are those of ``model.compiled.elements``: another engine (Monte Carlo's control
    variate) takes them by index, never by name.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"series": [{"component": {"name": "a", "availability": 0.9}},
    ...                               {"component": {"name": "b", "availability": 0.8}}]}}
    >>> [round(float(x), 9) for x in element_birnbaum(load_spec(spec))]
    [0.8, 0.9]
    """
    if isinstance(model, BlockSystem):
        check_size(model)
        return _block_unavailabilities(model.compiled)[3]
    _check_topology_size(model)
    compiled = model.compiled
    outage = None if region_loss_outage_h is None else [region_loss_outage_h]
    _, q_up, q_down, _ = _topology_numbers(compiled, _Figures.of([compiled.elements]), outage, detail=False)
    return (q_down - q_up)[0]


def _failover_model(topology: Topology, region_loss_outage_h: Mapping[str, float] | None) -> str:
    if not any(site.fails_over_to for site in topology.compiled.regions if site.home):
        return "none"
    return "instantaneous" if region_loss_outage_h is None else "dr-workflow"


def _metrics(scope: _Scope, figures: _Figures, year_hours: float) -> list[SystemMetrics]:
    """The figures of ``scope`` in every model."""
    rates = scope.failures_per_hour(figures)
    return [SystemMetrics.from_unavailability(q, rate, year_hours)
            for q, rate in zip(np.atleast_1d(scope.q).tolist(), rates.tolist())]



def _frequency_notes(table: ElementTable) -> list[str]:
    # Whole columns at numpy speed; names only for the rows found.
    fixed = [table.names[i] for i in np.flatnonzero(np.isnan(table.cycle_h) & (table.p < 1.0)).tolist()]
    if not fixed:
        return []
    return [f"failure frequency and mean outage need time laws; fixed availability: {', '.join(fixed[:5])}"]


def _ranked(table: ElementTable, q_system: float, q_up: np.ndarray, q_down: np.ndarray,
            birnbaum: np.ndarray | None = None) -> tuple[ElementImportance, ...]:
    measures = importance_measures(table.q, q_system, q_up, q_down, birnbaum=birnbaum)
    ranked = np.flatnonzero(table.p < 1.0)   # a perfect element (an implicit ingress link) has nothing to rank
    criticality, birnbaum_ = measures["criticality"][ranked], measures["birnbaum"][ranked]
    if np.isnan(criticality).any() or np.isnan(birnbaum_).any():
        order = sorted(range(ranked.size), key=lambda j: (-criticality[j], -birnbaum_[j], table.names[ranked[j]]))
    else:   # the same order as sorting by (-criticality, -birnbaum, name), at numpy speed
        names = np.array([table.names[i] for i in ranked.tolist()], dtype=str)
        order = np.lexsort((names, -birnbaum_, -criticality)).tolist()
    rows = ranked[order]
    # Whole columns as Python numbers first (the same values as float() of each entry): thousands
    # of rows are built at list speed, not at the speed of numpy scalar indexing.
    columns = zip([table.names[i] for i in rows.tolist()], [table.kinds[i] for i in rows.tolist()],
                  table.counts[rows].tolist(), table.p[rows].tolist(),
                  *(measures[key][rows].tolist() for key in ("birnbaum", "criticality", "fussell_vesely",
                                                             "risk_achievement_worth", "risk_reduction_worth")))
    return tuple(ElementImportance(element=name, kind=kind, count=count, availability=p, birnbaum=b, criticality=c,
                                   fussell_vesely=fv, risk_achievement_worth=raw, risk_reduction_worth=rrw)
                 for name, kind, count, p, b, c, fv, raw, rrw in columns)


# --- block form ----------------------------------------------------------------------------

def _log_of(x: np.ndarray, complement: np.ndarray) -> np.ndarray:
    """``log x`` with full digits: ``log1p(−complement)`` while the complement is small (``x``
    near 1, where ``log x`` loses them), ``log x`` otherwise (``x`` small, kept exactly)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(complement < 0.5, np.log1p(-np.minimum(complement, 0.5)), np.log(np.maximum(x, 0.0)))


def _network_qa(rule: Unreachable, child_q: np.ndarray, child_a: np.ndarray) -> tuple[float, float]:
    nodes = {name: float(child_a[c]) for name, c in rule.node_channels.items()}
    edges = [(u, v, float(child_a[c]) if c is not None else 1.0) for u, v, c in rule.edges]
    a = network_availability(edges, rule.terminals, nodes, field=rule.field)
    return 1.0 - a, a


class _Group:
    """Nodes of one height evaluated together: ``AtLeast(m)`` nodes with ``n`` children each
    (``children`` is ``(g, n)``), or one network node (``rule`` set, ``children`` ``(1, n)``)."""

    __slots__ = ("children", "m", "nodes", "rule")

    def __init__(self, nodes: np.ndarray, children: np.ndarray, m: int, rule: Unreachable | None = None) -> None:
        self.nodes, self.children, self.m, self.rule = nodes, children, m, rule


class _BlockPlan:
    """A block structure flattened once: its parts breadth first, grouped for whole-array passes.

    Every occurrence of a part is a node (a common-cause leaf under several components is
    several leaves). Nodes of the same height and shape — ``AtLeast(m)`` over ``n`` children —
    form one :class:`_Group`, evaluated as ``(g, n)`` arrays: 100 × (2-of-3) in series is one
    group of 100 rows and a series of 3,000 is one row, whatever the tree's size a few dozen
    numpy operations per distinct height and shape, not a Python walk per node.
    """

    def __init__(self, root: Part) -> None:
        # Breadth first: a node's children get consecutive indices after it, the root is 0.
        parts: list[Any] = [root]
        kids: list[range] = [range(0)]
        index = 0
        while index < len(parts):
            part = parts[index]
            if type(part) is Node:
                children = [child for channel in part.channels for child in channel]
                kids[index] = range(len(parts), len(parts) + len(children))
                parts.extend(children)
                kids.extend([range(0)] * len(children))
            index += 1
        height = [0] * len(parts)
        for index in range(len(parts) - 1, -1, -1):
            if kids[index]:
                height[index] = 1 + max(height[k] for k in kids[index])
        self.size = len(parts)
        leaves = [(i, part.element) for i, part in enumerate(parts) if type(part) is Leaf]
        self.leaf_nodes = np.array([i for i, _ in leaves], dtype=np.intp)
        self.leaf_elements = np.array([e for _, e in leaves], dtype=np.intp)
        first: dict[int, int] = {}
        for node, element in leaves:
            first.setdefault(element, node)
        self.elements = np.fromiter(first.keys(), dtype=np.intp, count=len(first))   # each element's first leaf
        self.element_nodes = np.fromiter(first.values(), dtype=np.intp, count=len(first))
        shapes: dict[tuple[int, int, int], list[int]] = {}
        networks: list[tuple[int, int]] = []
        for index, part in enumerate(parts):
            if type(part) is not Node:
                continue
            rule = part.rule
            if isinstance(rule, Unreachable):
                networks.append((height[index], index))
            else:
                shapes.setdefault((height[index], rule.m, len(kids[index])), []).append(index)
        groups = [(h, _Group(np.array(nodes, dtype=np.intp), _child_rows(kids, nodes, n), m))
                  for (h, m, n), nodes in shapes.items()]
        groups += [(h, _Group(np.array([i], dtype=np.intp), _child_rows(kids, [i], len(kids[i])), 0, parts[i].rule))
                   for h, i in networks]
        groups.sort(key=lambda item: item[0])
        self.groups = [group for _, group in groups]
        self.widest = max((g.children.shape[1] * (g.m + 1) for g in self.groups
                           if g.rule is None and 1 < g.m < g.children.shape[1]), default=0)
        self.work = sum(_group_work(g) for g in self.groups) + 1e-3 * self.size

    def __repr__(self) -> str:
        return f"_BlockPlan({self.size} parts, {len(self.groups)} groups)"

    def evaluate(self, q: np.ndarray, a: np.ndarray) -> _BlockValues:
        """One pass up (every node's ``q`` and ``a``), one pass down (the root with each node
        forced down / up, and ``∂Q/∂q`` of each node), for elements of unavailabilities ``q``."""
        node_q, node_a = np.empty(self.size), np.empty(self.size)
        node_q[self.leaf_nodes], node_a[self.leaf_nodes] = q[self.leaf_elements], a[self.leaf_elements]
        local = []
        for group in self.groups:
            child_q, child_a = node_q[group.children], node_a[group.children]
            if group.rule is None:
                (up_q, up_a), forced = _at_least_rows(group.m, child_q, child_a)
            else:
                (up_q, up_a), forced = _network_rows(group.rule, child_q, child_a)
            node_q[group.nodes], node_a[group.nodes] = up_q, up_a
            local.append(forced)
        down, up, derivative = np.empty(self.size), np.empty(self.size), np.empty(self.size)
        down[0], up[0], derivative[0] = 1.0, 0.0, 1.0      # the root forced down, up; ∂Q/∂q_root
        for group, (q_down, a_down, q_up, a_up, slope) in zip(reversed(self.groups), reversed(local)):
            parent_down, parent_up = down[group.nodes][:, None], up[group.nodes][:, None]
            # Root with the child forced: P(node down | child forced)·Q(node down) + P(up | …)·Q(node up).
            down[group.children] = parent_down * q_down + parent_up * a_down
            up[group.children] = parent_down * q_up + parent_up * a_up
            derivative[group.children] = derivative[group.nodes][:, None] * slope
        return _BlockValues(float(node_q[0]), float(node_a[0]), down, up, derivative, self)


@dataclass(frozen=True)
class _BlockValues:
    """What :meth:`_BlockPlan.evaluate` finds: the root's ``q`` and ``a``, and per node the
    root's unavailability with that node forced down / up and its derivative ``∂Q/∂q_node``."""

    value: float
    available: float
    down: np.ndarray
    up: np.ndarray
    derivative: np.ndarray
    plan: _BlockPlan

    def per_element(self, values: np.ndarray, size: int, absent: float) -> np.ndarray:
        """``values`` (per node) at each element's leaf, ``absent`` for elements not in the tree."""
        out = np.full(size, absent)
        out[self.plan.elements] = values[self.plan.element_nodes]
        return out


def _child_rows(kids: list[range], nodes: list[int], n: int) -> np.ndarray:
    """``(len(nodes), n)`` indices of the children of ``nodes`` (each a consecutive range)."""
    starts = np.array([kids[i].start for i in nodes], dtype=np.intp)
    return starts[:, None] + np.arange(n, dtype=np.intp)


_PLANS: weakref.WeakKeyDictionary[Any, _BlockPlan] = weakref.WeakKeyDictionary()


def _plan(root: Part) -> _BlockPlan:
    """The plan of ``root``, made once per structure (a sweep re-evaluates it with new numbers)."""
    plan = _PLANS.get(root)
    if plan is None:
        plan = _PLANS[root] = _BlockPlan(root)
    return plan


class _BlockTree:
    """One evaluation of a block structure (see :class:`_BlockPlan`): the value, every
    element's Birnbaum importance and the value with any element forced, each ``O(size)`` in all.

    Every node keeps its unavailability ``q`` *and* availability ``a``, each computed from its
    children's (never ``1 −`` the other, so a node almost always down keeps the digits of its
    availability). The pass down carries, for each node ``v``, the root's unavailability with
    ``v`` forced down, ``Q(v↓)``, and up, ``Q(v↑)``: the root is multilinear in ``v``'s state
    (each component appears once), so for a child ``c`` of ``v``

    ``Q(c↓) = P(v down | c down) Q(v↓) + P(v up | c down) Q(v↑)``

    and the same for ``c↑`` — sums of positive terms, no subtraction. ``P(v … | c …)`` is, per
    rule: series ``Π_{j≠c} a_j`` (when ``c`` is up), parallel ``Π_{j≠c} q_j`` (when ``c`` is
    down), k-of-n the count of down siblings (prefix and suffix count distributions truncated at
    ``m`` with an "``m`` or more" bucket, so both tails are sums of their own terms), a network
    its two forced evaluations. The derivative ``∂Q/∂q_c = ∂Q/∂q_v · ∂q_v/∂q_c`` multiplies the
    local derivatives down (series ``Π_{j≠c} a_j``, parallel ``Π_{j≠c} q_j``, k-of-n the
    probability that exactly ``m − 1`` siblings are down), so a tiny importance keeps its digits.
    """

    def __init__(self, root: Part, q: np.ndarray, a: np.ndarray) -> None:
        self.values = _plan(root).evaluate(q, a)
        self.value, self.available = self.values.value, self.values.available

    def birnbaum(self, size: int) -> np.ndarray:
        """``∂Q/∂q_i`` of every element (0 for one outside the structure)."""
        return self.values.per_element(self.values.derivative, size, 0.0)

    def forced(self, element: int, value: float) -> float:
        """Unavailability of the structure with ``element`` at unavailability ``value`` (0 or 1)."""
        plan = self.values.plan
        where = np.flatnonzero(plan.elements == element)
        if not where.size:                  # a perfect element, left out of the structure
            return self.value
        node = plan.element_nodes[where[0]]
        return float((self.values.down if value == 1.0 else self.values.up)[node])


Forced = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _group_work(group: _Group) -> float:
    """Estimated microseconds of one group's passes: numpy calls at ~1 µs, cells at ~3 ns each."""
    g, n = group.children.shape
    if group.rule is not None:            # a network: itself and each child forced down and up
        rule = group.rule
        return (1 + 2 * n) * (10.0 + len(rule.nodes) + len(rule.edges))
    if 1 < group.m < n:                   # k-of-n: a numpy update per child, count cells per child
        return 40.0 + 8.0 * n + 0.05 * g * n * (group.m + 1)
    return 40.0 + 0.02 * g * n


def _at_least_rows(m: int, child_q: np.ndarray, child_a: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], Forced]:
    """``AtLeast(m)`` over the ``(g, n)`` children's ``q`` and ``a``, row by row: the nodes'
    ``(q, a)``, and per child the node's ``(q, a)`` with the child forced down, forced up, and
    ``∂q_node/∂q_child`` (see :class:`_BlockTree`)."""
    g, n = child_q.shape
    zeros, ones = np.zeros((g, n)), np.ones((g, n))
    if m > n or m <= 0:                     # never down (or always): the children do not matter
        down = m <= 0
        node = (np.full(g, float(down)), np.full(g, float(not down)))
        same = (ones, zeros) if down else (zeros, ones)
        return node, (*same, *same, zeros)
    if m == 1 or m == n:                    # series: product of a; parallel: product of q
        logs = _log_of(child_a, child_q) if m == 1 else _log_of(child_q, child_a)
        total = logs.sum(axis=1)
        others = _exclusive_rows(logs)
        product, complement = np.exp(others), -np.expm1(others)
        if m == 1:      # series: down when any child is
            return (-np.expm1(total), np.exp(total)), (ones, zeros, complement, product, product)
        return (np.exp(total), -np.expm1(total)), (product, complement, zeros, ones, product)
    return _k_of_n_rows(m, child_q, child_a)


def _k_of_n_rows(m: int, child_q: np.ndarray, child_a: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], Forced]:
    """A k-of-n gate (``1 < m < n``) by count distributions truncated at ``m``: index ``j < m``
    holds ``P(exactly j down)``, index ``m`` the bucket ``P(m or more down)``."""
    g, n = child_q.shape
    prefix = np.zeros((g, n + 1, m + 1))        # prefix[:, i]: children before i
    suffix = np.zeros((g, n + 1, m + 1))        # suffix[:, i]: children from i on
    prefix[:, 0, 0] = suffix[:, n, 0] = 1.0
    for i in range(n):
        _add_child(prefix[:, i], prefix[:, i + 1], child_q[:, i, None], child_a[:, i, None], m)
    for i in range(n - 1, -1, -1):
        _add_child(suffix[:, i + 1], suffix[:, i], child_q[:, i, None], child_a[:, i, None], m)
    node = (prefix[:, n, m].copy(), prefix[:, n, :m].sum(axis=1))
    before, after = prefix[:, :n], suffix[:, 1:]          # (g, n, m + 1): the siblings of child i
    head = np.cumsum(after[..., :m], axis=-1)             # head[t] = P(after ≤ t down), t < m
    tail = np.cumsum(after[..., ::-1], axis=-1)[..., ::-1]  # tail[t] = P(after ≥ t down), bucket included

    def fewer(r: int) -> np.ndarray:      # P(fewer than r siblings down), 1 ≤ r ≤ m
        return (before[..., :r] * head[..., r - 1::-1]).sum(axis=-1)

    def at_least(r: int) -> np.ndarray:   # P(r or more siblings down)
        return (before * tail[..., np.maximum(r - np.arange(m + 1), 0)]).sum(axis=-1)

    exactly = (before[..., :m] * after[..., m - 1::-1]).sum(axis=-1)   # exactly m − 1 siblings down
    # A child down leaves m − 1 to fail the gate, a child up m.
    return node, (at_least(m - 1), fewer(m - 1), at_least(m), fewer(m), exactly)


def _add_child(counts: np.ndarray, out: np.ndarray, q: np.ndarray, a: np.ndarray, m: int) -> None:
    """``out`` = the truncated count distribution ``counts`` with one more child (``q``, ``a``)."""
    out[:, :m] = counts[:, :m] * a
    out[:, 1:m] += counts[:, :m - 1] * q
    out[:, m] = counts[:, m] + counts[:, m - 1] * q[:, 0]     # m or more stays so, whatever the child


def _network_rows(rule: Unreachable, child_q: np.ndarray, child_a: np.ndarray
                  ) -> tuple[tuple[np.ndarray, np.ndarray], Forced]:
    """One network node (a row): its ``(q, a)`` and each child's two forced evaluations."""
    cq, ca = child_q[0], child_a[0]
    q, a = _network_qa(rule, cq, ca)
    slots = np.arange(len(cq))
    down = np.array([_network_qa(rule, np.where(slots == i, 1.0, cq), np.where(slots == i, 0.0, ca)) for i in slots])
    up = np.array([_network_qa(rule, np.where(slots == i, 0.0, cq), np.where(slots == i, 1.0, ca)) for i in slots])
    down, up = down.reshape(len(cq), 2), up.reshape(len(cq), 2)
    down_q, down_a, up_q, up_a = (column[None, :] for column in (down[:, 0], down[:, 1], up[:, 0], up[:, 1]))
    return (np.array([q]), np.array([a])), (down_q, down_a, up_q, up_a, down_q - up_q)


def _exclusive_rows(values: np.ndarray) -> np.ndarray:
    """Per row and position, the sum of the row's other values (prefix and suffix, no subtraction)."""
    g = values.shape[0]
    before = np.concatenate([np.zeros((g, 1)), np.cumsum(values[:, :-1], axis=1)], axis=1)
    after = np.concatenate([np.cumsum(values[:, :0:-1], axis=1)[:, ::-1], np.zeros((g, 1))], axis=1)
    return before + after


def _common_cause_states(q_common: np.ndarray) -> list[tuple[tuple[bool, ...], float]]:
    """Every up/down state of the common-cause elements with its probability (zero ones dropped)."""
    states = []
    for state in itertools.product((True, False), repeat=len(q_common)):
        weight = math.prod(1.0 - q if up else q for q, up in zip(q_common, state))
        if weight > 0.0:
            states.append((state, weight))
    return states


def _block_unavailabilities(compiled: CompiledModel) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Unavailability of the system, with each table element forced up / down, and each
    element's Birnbaum importance, by conditioning on every common-cause state and evaluating
    the structure.

    Given the common-cause states the components are independent and each appears once in
    the structure, so the tree formulas are exact.
    """
    table = compiled.elements
    if compiled.shared:
        # A fault tree's events feed several gates: the tree formulas would count them twice.
        from . import bdd

        analysis = bdd.analyse(compiled.tenants()[0], table.q, name="fault_tree", counts=table.counts,
                               names=table.names)
        return analysis.q_system, analysis.q_up, analysis.q_down, analysis.birnbaum
    common = list(compiled.common_causes)
    q_common = table.q[common]
    components = [i for i in range(len(table)) if table.kinds[i] == "component"]
    root = compiled.tenants()[0]
    q_system, q_up, q_down = 0.0, np.zeros(len(table)), np.zeros(len(table))
    birnbaum = np.zeros(len(table))
    for state, weight in _common_cause_states(q_common):
        conditioned, available = table.q.copy(), table.p.copy()
        conditioned[common] = [0.0 if up else 1.0 for up in state]
        available[common] = [1.0 if up else 0.0 for up in state]
        tree = _BlockTree(root, conditioned, available)
        values = tree.values
        q_system += weight * tree.value
        birnbaum += weight * tree.birnbaum(len(table))   # the causes' own entries are set below
        q_up[components] += weight * values.per_element(values.up, len(table), tree.value)[components]
        q_down[components] += weight * values.per_element(values.down, len(table), tree.value)[components]
        for j, up in enumerate(state):
            # forced up: the states with this cause up, weighed without its own factor
            others = math.prod(1.0 - q if u else q for k, (q, u) in enumerate(zip(q_common, state)) if k != j)
            (q_up if up else q_down)[common[j]] += others * tree.value
    birnbaum[common] = q_down[common] - q_up[common]     # a few causes: conditioned, not derived
    return q_system, q_up, q_down, birnbaum


def _check_block_work(system: BlockSystem, common_causes: int) -> None:
    """Refuse, before evaluating, a block diagram that would take more than about half a minute
    or whose k-of-n count distributions would not fit in memory.

    Per common-cause state (``2^groups``) the structure is evaluated once, in whole-array passes
    per group of nodes alike (:class:`_BlockPlan`, whose ``work`` estimates the microseconds of
    one evaluation), plus ~100 µs of conditioning and ``2 c²`` for the weights of the ``c``
    causes; a k-of-n gate of ``n`` children failing at ``m`` down holds ``n (m + 1)`` numbers
    per count distribution.
    """
    plan = _plan(system.compiled.tenants()[0])
    if plan.widest > MAX_KOFN_CELLS:
        raise SpecError("blocks", f"a k-of-n block with {plan.widest:,} count cells (children × (n − k + 2))",
                        f"at most {MAX_KOFN_CELLS:,} for the exact engine: smaller k-of-n blocks, or Monte Carlo "
                        "(hadr simulate)")
    # Per state, besides the passes: conditioning the table and weighing each cause (c² products).
    work = (plan.work + 100.0 + 2.0 * common_causes ** 2) * (1 << common_causes)
    if work > MAX_BLOCK_WORK:
        raise SpecError("blocks", f"{plan.size:,} blocks and {common_causes} common-cause groups "
                        f"({work:.3g} steps)",
                        f"at most {MAX_BLOCK_WORK:.0e} steps for the exact engine (about half a minute): "
                        "fewer components, fewer 'beta' groups or smaller k-of-n blocks, or Monte Carlo "
                        "(hadr simulate)")


def _block_result(system: BlockSystem, detail: bool = True) -> AvailabilityResult:
    check_size(system)
    table = system.compiled.elements
    # The forced values serve the failure frequency too, so they are needed without detail.
    q_system, q_up, q_down, birnbaum = _block_unavailabilities(system.compiled)
    scope = _Scope(np.array([q_system]), [(slice(0, len(table)), q_up[None, :], q_down[None, :], q_down[None, :])],
                   birnbaum=birnbaum[None, :])
    return AvailabilityResult(
        name=system.name,
        form="blocks",
        system=_metrics(scope, _Figures.of([table]), system.year_hours)[0],
        importance=_ranked(table, q_system, q_up, q_down, birnbaum) if detail else (),
        notes=tuple(_frequency_notes(table)),
    )


# --- the structure as a function of its elements' unavailabilities -------------------------

def unavailability_function(model: Model) -> Any:
    r"""The service's unavailability ``Q = h(q)`` as a function of one copy's unavailability per row.

    ``h`` is the same structure function as :func:`exact_availability` (a tenant with a
    uniformly drawn home region, instantaneous failover; block form: the root), evaluated
    exactly for *independent* elements whose unavailabilities are ``q`` (aligned with
    ``model.compiled.elements``) instead of the steady-state ones: the region form conditions
    on the usable zones, the block form on the common-cause states (a fault tree with shared
    events: its BDD, built once). Use it wherever the elements are independent but not in their
    steady state, e.g. ``q_i(t)`` from an all-up start (:mod:`hadr_model.engines.mission`).

    Returns
    -------
    callable
        ``h(q, a=None) -> float``; ``a`` (default ``1 − q``) are the availabilities, to pass
        when ``q`` is near 1 and ``a`` is known with more digits than ``1 − q`` has.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"parallel": [{"component": {"name": "a", "mttf": "99h", "mttr": "1h"}},
    ...                                 {"component": {"name": "b", "mttf": "99h", "mttr": "1h"}}]}}
    >>> h = unavailability_function(load_spec(spec))
    >>> round(h(np.array([0.1, 0.2])), 12)
    0.02
    """
    check_independent(model, "unavailability_function")
    check_size(model)
    compiled = model.compiled
    size = len(compiled.elements)

    def substituted(q: Any, a: Any) -> tuple[CompiledModel, np.ndarray, np.ndarray]:
        q = np.asarray(q, dtype=float)
        a = 1.0 - q if a is None else np.asarray(a, dtype=float)
        if q.shape != (size,) or a.shape != (size,) or np.any(~np.isfinite(q)) or np.any(q < 0) or np.any(q > 1):
            raise SpecError("q", f"array of shape {q.shape}", f"{size} unavailabilities in [0, 1], one per element")
        table = dataclasses.replace(compiled.elements)
        table.__dict__["q"], table.__dict__["p"] = q, a     # the cached steady-state columns, replaced
        return dataclasses.replace(compiled, elements=table), q, a

    if compiled.form == "regions":
        homes = [site for site in compiled.regions if site.home]

        def h_regions(q: Any, a: Any = None) -> float:
            substitute = substituted(q, a)[0]
            tenants = _Tenants(substitute, _Figures.of([substitute.elements]))
            return float(np.mean([tenants.scope(site.name, site.fails_over_to).q[0] for site in homes]))

        return h_regions
    root = compiled.tenants()[0]
    if compiled.shared:
        from . import bdd

        modules = bdd.build_modules(root, size, name="fault_tree", counts=compiled.elements.counts,
                                    names=compiled.elements.names)
        return lambda q, a=None: bdd.top_event_probability(modules, substituted(q, a)[1])
    common = list(compiled.common_causes)

    def h_blocks(q: Any, a: Any = None) -> float:
        _, q, a = substituted(q, a)
        total = 0.0
        for state, weight in _common_cause_states(q[common]):
            conditioned, available = q.copy(), a.copy()
            conditioned[common] = [0.0 if up else 1.0 for up in state]
            available[common] = [1.0 if up else 0.0 for up in state]
            total += weight * _BlockTree(root, conditioned, available).value
        return total

    return h_blocks
