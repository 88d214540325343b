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

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.compiled import (
    AtLeast,
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
    Behaviour,
    Block,
    BlockSystem,
    Component,
    KOfN,
    Model,
    Network,
    Region,
    Topology,
)
from .importance import ElementImportance, importance_measures
from .kofn import fewer_than_k_identical
from .network import two_terminal_availability
from .results import AvailabilityResult, RegionAvailability, SystemMetrics

__all__ = ["MAX_BLOCK_WORK", "MAX_COMMON_CAUSES", "MAX_NETWORK_STATES", "MAX_ROLE_STATES",
           "MAX_TOTAL_NETWORK_STATES", "check_size", "element_birnbaum", "exact_availability"]

MAX_NETWORK_BITS = 22     # zones + links of one region with a zone network
MAX_NETWORK_STATES = 2**MAX_NETWORK_BITS
MAX_ROLE_STATES = 2**22
MAX_TOTAL_NETWORK_STATES = 2**25
MAX_BLOCK_WORK = 3e7
MAX_COMMON_CAUSES = 16
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
    if isinstance(model, BlockSystem):
        return _block_result(model, detail)
    return _topology_result(model, region_loss_outage_h, failover_completion, detail)


# --- region form ---------------------------------------------------------------------------

@dataclass
class _RegionTerms:
    """A region's numbers: ``q_service`` (its service's unavailability given the global services
    up) and the same with each of its elements (the table slice ``site.span``) forced up / down."""

    site: RegionSite
    region: Behaviour
    q_service: float
    q_up: np.ndarray
    q_down: np.ndarray


def _bits(width: int) -> np.ndarray:
    masks = np.arange(1 << width)
    return ((masks[:, None] >> np.arange(width)) & 1).astype(bool)


def _state_probability(bits: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.prod(np.where(bits, p, 1.0 - p), axis=1)


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
        zone_probability = _state_probability(self.zone_bits, p_zone)
        if not self.links:
            return zone_probability
        joint = np.outer(zone_probability, _state_probability(self.link_bits, p_link))
        return np.bincount(self.usable, weights=joint.ravel(), minlength=1 << self.zones)


def _exclusive_sums(matrix: np.ndarray) -> np.ndarray:
    """Row r: sum over all other rows, without subtraction (rows may hold -inf)."""
    zeros = np.zeros((1, matrix.shape[1]))
    before = np.cumsum(np.vstack([zeros, matrix[:-1]]), axis=0)
    after = np.cumsum(np.vstack([zeros, matrix[::-1][:-1]]), axis=0)[::-1]
    return before + after


class _RoleTerms:
    """Per role and usable-zone set: unavailability of the role, and with one instance forced."""

    def __init__(self, site: RegionSite, table: ElementTable, usable: _UsableZones) -> None:
        roles = site.roles
        self.q_ok = np.empty((len(roles), 1 << usable.zones))
        self.q_bare = np.empty_like(self.q_ok)       # without the common-cause factor
        self.q_one_up = np.empty_like(self.q_ok)
        self.q_one_down = np.empty_like(self.q_ok)
        for r, role in enumerate(roles):
            k = role.required
            # Instances hosted by each zone set (uneven placement: the sum over its zones).
            hosted = usable.zone_bits.astype(np.int64) @ np.array(role.zone_counts, dtype=np.int64)
            p = float(table.p[role.instances[0]])       # every zone hosts the same instances
            q_common = float(table.q[role.common_cause]) if role.common_cause is not None else 0.0

            def with_common(shortfall: np.ndarray, q_common: float = q_common) -> np.ndarray:
                return q_common + (1.0 - q_common) * shortfall

            self.q_bare[r] = fewer_than_k_identical(k, hosted, p)
            self.q_ok[r] = with_common(self.q_bare[r])
            # Only read where the forced zone hosts one (zone sets with hosted ≥ 1).
            others = np.maximum(hosted - 1, 0)
            self.q_one_up[r] = with_common(fewer_than_k_identical(k - 1, others, p))
            self.q_one_down[r] = with_common(fewer_than_k_identical(k, others, p))
        with np.errstate(divide="ignore"):
            self.log_ok = np.log1p(-self.q_ok)
        self.log_others = _exclusive_sums(self.log_ok)
        self.q_service = -np.expm1(self.log_ok.sum(axis=0)) if len(roles) else np.zeros(self.q_ok.shape[1])

    def q_with(self, r: int, q_role: np.ndarray) -> np.ndarray:
        """Service shortfall per zone set when role r has unavailability ``q_role``."""
        with np.errstate(divide="ignore"):
            return -np.expm1(self.log_others[r] + np.log1p(-q_role))


def _region_numbers(site: RegionSite, table: ElementTable) -> tuple[float, np.ndarray, np.ndarray]:
    """Service unavailability given the global services up, and with each element forced up /
    down, in the order of the region's table slice (region, zones, links, instances, common causes)."""
    usable = _UsableZones(site)
    p_zone = table.p[list(site.zones)]
    p_link = table.p[[index for *_, index in site.links]] if site.links else None
    law = usable.law(p_zone, p_link)
    roles = _RoleTerms(site, table, usable)
    q_region = float(table.q[site.region])

    def q_of(zone_law: np.ndarray, q_shortfall: np.ndarray) -> float:
        # Σ_S P(S) = 1, so 1 − a_R Σ P(S)(1 − q_S) = q_R + a_R Σ P(S) q_S: no cancellation.
        return q_region + (1.0 - q_region) * float(zone_law @ q_shortfall)

    forced: list[tuple[float, float]] = [(float(law @ roles.q_service), 1.0)]
    for z in range(len(site.zones)):
        forced.append(tuple(q_of(usable.law(np.where(np.arange(len(p_zone)) == z, value, p_zone), p_link),
                                 roles.q_service) for value in (1.0, 0.0)))
    for link in range(len(site.links)):
        assert p_link is not None
        forced.append(tuple(q_of(usable.law(p_zone, np.where(np.arange(len(p_link)) == link, value, p_link)),
                                 roles.q_service) for value in (1.0, 0.0)))
    hosted = usable.zone_bits.T                   # (zone, zone set): the zone is in the set
    for r in range(len(site.roles)):
        # One instance of role r forced up / down in each zone at once: rows are zones.
        up, down = (q_region + (1.0 - q_region) * (roles.q_with(r, np.where(hosted, one, roles.q_ok[r])) @ law)
                    for one in (roles.q_one_up[r], roles.q_one_down[r]))
        empty = np.array(site.roles[r].zone_counts) == 0      # no instance there to force
        up[empty] = down[empty] = forced[0][0]
        forced += list(zip(up.tolist(), down.tolist()))
    for r, role in enumerate(site.roles):
        if role.common_cause is not None:
            forced.append((q_of(law, roles.q_with(r, roles.q_bare[r])), 1.0))
    q_up, q_down = np.array(forced).T
    return q_of(law, roles.q_service), q_up, q_down


def _region_terms(site: RegionSite, table: ElementTable, cache: dict) -> _RegionTerms:
    """Terms of one region; regions alike but for their names share the numbers (``cache``)."""
    if site.key not in cache:
        cache[site.key] = _region_numbers(site, table)
    return _RegionTerms(site, table.behaviours[site.region], *cache[site.key])


@dataclass
class _Scope:
    """Unavailability ``q`` of one system, and where forcing an element changes it.

    ``parts`` hold (slice of the element table, q with each element forced up, forced down,
    forced down as the failure-frequency formula counts it); elsewhere forcing changes nothing.
    """

    q: float
    parts: list[tuple[slice, np.ndarray, np.ndarray, np.ndarray]]
    fail_back_per_hour: float = 0.0   # outages a region's repair starts (see _Tenants.scope)
    birnbaum: np.ndarray | None = None   # one part only: its importances, computed without cancellation

    def failures_per_hour(self, table: ElementTable) -> float:
        total = self.fail_back_per_hour
        for where, q_up, _, q_down_frequency in self.parts:
            birnbaum = q_down_frequency - q_up if self.birnbaum is None else self.birnbaum
            # An element with availability 1 (a perfect ingress link) never fails: it starts
            # no outage, whatever its Birnbaum importance, and needs no time law.
            relevant = (birnbaum != 0.0) & (table.p[where] < 1.0)
            cycle = table.cycle_h[where][relevant]
            if np.any(np.isnan(cycle)):
                return math.nan
            total += float(np.sum(table.counts[where][relevant] * birnbaum[relevant] / cycle))
        return total


class _Average:
    """Running average of scopes over the home regions (memory O(elements), not O(regions²))."""

    def __init__(self, size: int) -> None:
        self.count, self.q, self.fail_back = 0, 0.0, 0.0
        self.delta = [np.zeros(size) for _ in range(3)]

    def add(self, scope: _Scope) -> None:
        self.count += 1
        self.q += scope.q
        self.fail_back += scope.fail_back_per_hour
        for where, *forced in scope.parts:
            for delta, values in zip(self.delta, forced):
                delta[where] += values - scope.q

    def scope(self) -> tuple[_Scope, np.ndarray, np.ndarray]:
        q = self.q / self.count
        up, down, down_frequency = (q + delta / self.count for delta in self.delta)
        everything = slice(0, len(up))
        return _Scope(q, [(everything, up, down, down_frequency)], self.fail_back / self.count), up, down


def _tenant_q(q_global: np.ndarray | float, q_home: np.ndarray | float, q_partner: np.ndarray | float,
              weight: np.ndarray | float) -> np.ndarray:
    """Unavailability of a tenant: ``1 − a_G (B_X + w B_F)`` written without cancellation.

    ``1 − B_X − w B_F = q_X q_F + (q_X − w) B_F``; for an instantaneous failover ``w = q_X``
    and the second term is exactly zero.
    """
    return q_global + (1.0 - q_global) * (q_home * q_partner + (q_home - weight) * (1.0 - q_partner))


def _failover_weights(home: _RegionTerms, has_partner: bool, outage_h: float | None
                      ) -> tuple[float, tuple[np.ndarray | float, np.ndarray | float]]:
    """Weight of the partner's service, as is and with each home element forced up / down."""
    if not has_partner:
        return 0.0, (0.0, 0.0)
    if outage_h is None:
        return home.q_service, (home.q_up, home.q_down)
    behaviour = home.region
    served_fraction = 1.0 - outage_h / behaviour.mttr_h
    weight = behaviour.unavailability * served_fraction
    up, down = np.full(len(home.q_up), weight), np.full(len(home.q_up), weight)
    up[0], down[0] = 0.0, served_fraction   # element 0 of a region's slice is the region itself
    return weight, (up, down)


class _Tenants:
    """Tenant scopes of a compiled topology: the global services, then every region's slice."""

    def __init__(self, compiled: CompiledModel) -> None:
        table = compiled.elements
        self.services = slice(0, len(compiled.globals))   # the table starts with them
        q_services = table.q[self.services]
        log_a = np.log1p(-q_services)
        self.q_global = float(-np.expm1(log_a.sum()))
        self.q_global_without = -np.expm1(log_a.sum() - log_a)    # each service forced up
        cache: dict = {}
        self.terms = {site.name: _region_terms(site, table, cache) for site in compiled.regions}

    def scope(self, region: str, partner: str | None, outage_h: float | None = None,
              completion: float | None = None) -> _Scope:
        """Unavailability of a tenant of ``region``, failing over to ``partner`` when given.

        The tenant is up with probability ``a_G (B_X + w B_F)``: ``w = 1 − B_X`` for an
        instantaneous failover, ``w = (1 − a_region) φ`` when a region loss costs
        ``outage_h = E[min(D, RTO)]`` (``φ = 1 − outage_h / MTTR_region``), ``w = 0`` without.

        With a real failover the tenant is not a coherent structure: the *repair* of its region
        starts an outage when the failover had completed (probability ``completion = P(RTO <
        D)``), the partner was serving and the home service is down for another reason. Those
        fail-backs happen at rate ``completion · a_G · B_F · q'_X / (MTTF_R + MTTR_R)``, with
        ``q'_X`` the home service's unavailability while its region is up.
        """
        home = self.terms[region]
        other = self.terms[partner] if partner is not None else None
        q_f = other.q_service if other is not None else 1.0
        weight, forced_weight = _failover_weights(home, other is not None, outage_h)
        q = float(_tenant_q(self.q_global, home.q_service, q_f, weight))
        parts = []
        services = self.services.stop
        if services:
            up = _tenant_q(self.q_global_without, home.q_service, q_f, weight)
            parts.append((self.services, up, np.ones(services), np.ones(services)))
        up = _tenant_q(self.q_global, home.q_up, q_f, forced_weight[0])
        down = _tenant_q(self.q_global, home.q_down, q_f, forced_weight[1])
        down_frequency = down
        if outage_h is not None and other is not None:
            # Every region loss that finds the tenant up starts an outage, even though the
            # failover serves it later: count it as a failure (Birnbaum would net it out).
            down_frequency = down.copy()
            down_frequency[0] = 1.0
        parts.append((home.site.span, up, down, down_frequency))
        if other is not None:
            up = _tenant_q(self.q_global, home.q_service, other.q_up, weight)
            down = _tenant_q(self.q_global, home.q_service, other.q_down, weight)
            parts.append((other.site.span, up, down, down))
        fail_back = 0.0
        if outage_h is not None and other is not None and completion:
            q_home_region_up = home.q_up[0]     # element 0 of the slice is the region itself
            fail_back = (completion * (1.0 - self.q_global) * (1.0 - q_f) * q_home_region_up
                         / home.region.cycle_h)
        return _Scope(q, parts, fail_back)


def _topology_numbers(topology: Topology, region_loss_outage_h: Mapping[str, float] | None = None,
                      failover_completion: Mapping[str, float] | None = None, detail: bool = True
                      ) -> tuple[_Scope, np.ndarray, np.ndarray, list[RegionAvailability]]:
    """The service's scope (a tenant with a uniformly drawn home), the whole table forced up /
    down, and (``detail``) the figures of every region."""
    _check_topology_size(topology)
    compiled = topology.compiled
    table = compiled.elements
    tenants = _Tenants(compiled)
    average = _Average(len(table))
    regions = []
    for site in compiled.regions:
        if not (site.home or detail):
            continue
        own = tenants.scope(site.name, None)
        tenant = own
        if site.fails_over_to:
            outage_h = region_loss_outage_h.get(site.name) if region_loss_outage_h is not None else None
            completion = (failover_completion or {}).get(site.name)
            tenant = tenants.scope(site.name, site.fails_over_to, outage_h, completion)
        if site.home:
            average.add(tenant)
        if detail:
            regions.append(RegionAvailability(site.name, _metrics(own, table, compiled.year_hours),
                                              _metrics(tenant, table, compiled.year_hours),
                                              site.fails_over_to, site.home))
    system, q_up, q_down = average.scope()
    return system, q_up, q_down, regions


def _topology_result(topology: Topology, region_loss_outage_h: Mapping[str, float] | None = None,
                     failover_completion: Mapping[str, float] | None = None, detail: bool = True
                     ) -> AvailabilityResult:
    system, q_up, q_down, regions = _topology_numbers(topology, region_loss_outage_h, failover_completion, detail)
    table = topology.compiled.elements
    notes = []
    if any(site.fails_over_to for site in topology.compiled.regions):
        notes.append(FAILOVER_NOTE if region_loss_outage_h is None else DR_FAILOVER_NOTE)
    notes += _frequency_notes(table)
    return AvailabilityResult(
        name=topology.name,
        form="regions",
        system=_metrics(system, table, topology.year_hours),
        regions=tuple(regions),
        importance=_ranked(table, system.q, q_up, q_down) if detail else (),
        notes=tuple(notes),
        failover_model=_failover_model(topology, region_loss_outage_h),
    )


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
    _, q_up, q_down, _ = _topology_numbers(model, region_loss_outage_h, detail=False)
    return q_down - q_up


def _failover_model(topology: Topology, region_loss_outage_h: Mapping[str, float] | None) -> str:
    if not any(site.fails_over_to for site in topology.compiled.regions if site.home):
        return "none"
    return "instantaneous" if region_loss_outage_h is None else "dr-workflow"


def _metrics(scope: _Scope, table: ElementTable, year_hours: float) -> SystemMetrics:
    return SystemMetrics.from_unavailability(scope.q, scope.failures_per_hour(table), year_hours)


def _frequency_notes(table: ElementTable) -> list[str]:
    fixed = [n for n, c, p in zip(table.names, table.cycle_h, table.p) if math.isnan(c) and p < 1.0]
    if not fixed:
        return []
    return [f"failure frequency and mean outage need time laws; fixed availability: {', '.join(fixed[:5])}"]


def _ranked(table: ElementTable, q_system: float, q_up: np.ndarray, q_down: np.ndarray,
            birnbaum: np.ndarray | None = None) -> tuple[ElementImportance, ...]:
    measures = importance_measures(table.q, q_system, q_up, q_down, birnbaum=birnbaum)
    items = [
        ElementImportance(
            element=table.names[i], kind=table.kinds[i], count=int(table.counts[i]), availability=float(p),
            birnbaum=float(measures["birnbaum"][i]), criticality=float(measures["criticality"][i]),
            fussell_vesely=float(measures["fussell_vesely"][i]),
            risk_achievement_worth=float(measures["risk_achievement_worth"][i]),
            risk_reduction_worth=float(measures["risk_reduction_worth"][i]),
        )
        for i, p in enumerate(table.p)
        if p < 1.0   # a perfect element (an implicit ingress link) has nothing to rank
    ]
    items.sort(key=lambda item: (-item.criticality, -item.birnbaum, item.element))
    return tuple(items)


# --- block form ----------------------------------------------------------------------------

def _at_least(m: int, child_q: np.ndarray, child_a: np.ndarray) -> tuple[float, float]:
    """``(P(at least m children down), P(fewer than m down))``, each summed over its own cases.

    Series (``m = 1``) and parallel (``m = n``) by products in log space; otherwise the count
    distribution truncated at ``m`` (an absorbing "m or more" bucket), from the children's
    unavailabilities *and* availabilities, so neither figure is ``1 −`` the other.
    """
    n = len(child_q)
    if m > n:
        return 0.0, 1.0
    if m == 1:
        log_a = float(_log_of(child_a, child_q).sum())
        return float(-np.expm1(log_a)), float(np.exp(log_a))
    if m == n:
        log_q = float(_log_of(child_q, child_a).sum())
        return float(np.exp(log_q)), float(-np.expm1(log_q))
    if n * m <= 4096:      # small gates (2-of-3 …): plain floats beat numpy's per-call cost
        counts, bucket = [1.0] + [0.0] * (m - 1), 0.0
        for q, a in zip(child_q.tolist(), child_a.tolist()):
            bucket += counts[-1] * q
            for c in range(m - 1, 0, -1):
                counts[c] = counts[c] * a + counts[c - 1] * q
            counts[0] *= a
        return bucket, math.fsum(counts)
    counts_ = np.zeros(m)
    counts_[0] = 1.0
    bucket = 0.0
    for q, a in zip(child_q, child_a):
        bucket += counts_[-1] * q
        counts_[1:] = counts_[1:] * a + counts_[:-1] * q
        counts_[0] *= a
    return float(bucket), float(counts_.sum())


def _log_of(x: np.ndarray, complement: np.ndarray) -> np.ndarray:
    """``log x`` with full digits: ``log1p(−complement)`` while the complement is small (``x``
    near 1, where ``log x`` loses them), ``log x`` otherwise (``x`` small, kept exactly)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(complement < 0.5, np.log1p(-np.minimum(complement, 0.5)), np.log(np.maximum(x, 0.0)))


def _log_one(x: float, complement: float) -> float:
    """:func:`_log_of` of one number (the walk up forcing an element calls it per step)."""
    if complement < 0.5:
        return math.log1p(-complement)
    return math.log(x) if x > 0.0 else -math.inf


def _network_qa(rule: Unreachable, child_q: np.ndarray, child_a: np.ndarray) -> tuple[float, float]:
    nodes = {name: float(child_a[c]) for name, c in rule.node_channels.items()}
    edges = [(u, v, float(child_a[c]) if c is not None else 1.0) for u, v, c in rule.edges]
    a = two_terminal_availability(edges, rule.source, rule.target, nodes)
    return 1.0 - a, a


class _BlockTree:
    """One evaluation of a compiled block structure, kept so that forcing one element costs
    its path only, and every Birnbaum importance one pass down.

    Every node keeps its unavailability ``q`` *and* availability ``a``, each computed from the
    children's (never ``1 −`` the other, so a node almost always down keeps the digits of its
    availability), with what it needs to recompute itself when one child changes: a series
    (``AtLeast(1)``) the sum of the others' ``log a``, a parallel (``AtLeast(n)``) the sum of
    the others' ``log q`` (prefix and suffix sums, no subtraction), a k-of-n or a network its
    children's ``(q, a)``. Forcing an element walks up from its leaf: ``O(depth)``.
    """

    def __init__(self, root: Part, q: np.ndarray, a: np.ndarray) -> None:
        self.q, self.a = q, a
        self.parent: list[tuple[int, int]] = []       # per part: (parent, slot among its children)
        self.parts: list[Part] = []
        self.others: list[Any] = []
        self.children: list[list[int]] = []           # per part: its children's indices
        self.leaf: dict[int, int] = {}                  # element -> its leaf (components appear once)
        self.value, self.available = self._visit(root, -1, 0)

    def _visit(self, part: Part, parent: int, slot: int) -> tuple[float, float]:
        index = len(self.parts)
        self.parts.append(part)
        self.parent.append((parent, slot))
        self.others.append(None)
        self.children.append([])
        if parent >= 0:
            self.children[parent].append(index)
        if isinstance(part, Leaf):
            self.leaf.setdefault(part.element, index)
            return float(self.q[part.element]), float(self.a[part.element])
        assert isinstance(part, Node)
        children = [child for channel in part.channels for child in channel]
        pairs = [self._visit(child, index, i) for i, child in enumerate(children)]
        child_q = np.array([q for q, _ in pairs])
        child_a = np.array([a for _, a in pairs])
        rule = part.rule
        if isinstance(rule, Unreachable):
            self.others[index] = (child_q, child_a)
            return _network_qa(rule, child_q, child_a)
        m, n = rule.m, len(child_q)
        if m == 1 and n:
            self.others[index] = _exclusive(_log_of(child_a, child_q), np.add)
        elif m == n and n:
            self.others[index] = _exclusive(_log_of(child_q, child_a), np.add)
        else:
            self.others[index] = (child_q, child_a)
        return _at_least(m, child_q, child_a)

    def birnbaum(self, size: int) -> np.ndarray:
        """``∂Q/∂q_i`` of every element in one pass down the tree (preorder: parents first).

        The derivative of a node with respect to a child is, without any subtraction: series
        ``Π_{j≠i} a_j``, parallel ``Π_{j≠i} q_j``, k-of-n the probability that exactly
        ``m − 1`` of the other children are down (``m``: down children that fail the node); a
        network's is the difference of the two forced evaluations. The chain rule multiplies
        them down to each leaf, so a tiny importance keeps its digits (``q_down − q_up`` would not).
        """
        derivative = np.zeros(len(self.parts))
        derivative[0] = 1.0
        for index, part in enumerate(self.parts):
            if isinstance(part, Leaf) or not self.children[index] or derivative[index] == 0.0:
                continue
            derivative[self.children[index]] = derivative[index] * self._local_derivatives(index)
        out = np.zeros(size)
        for element, index in self.leaf.items():
            out[element] = derivative[index]
        return out

    def _local_derivatives(self, index: int) -> np.ndarray:
        part, others = self.parts[index], self.others[index]
        assert isinstance(part, Node) and others is not None
        rule = part.rule
        if isinstance(rule, Unreachable):
            child_q, child_a = others
            slots = np.arange(len(child_q))
            down = [_network_qa(rule, np.where(slots == i, 1.0, child_q), np.where(slots == i, 0.0, child_a))[0]
                    for i in slots]
            up = [_network_qa(rule, np.where(slots == i, 0.0, child_q), np.where(slots == i, 1.0, child_a))[0]
                  for i in slots]
            return np.array(down) - np.array(up)
        m, n = rule.m, len(self.children[index])
        if m == 1 or m == n:
            return np.exp(others)               # Σ_{j≠i} log a_j (series), log q_j (parallel)
        child_q, child_a = others
        return _exactly_among_others(child_q, child_a, m - 1)

    def forced(self, element: int, value: float) -> float:
        """Unavailability of the structure with ``element`` at unavailability ``value`` (0 or 1)."""
        if element not in self.leaf:        # a perfect element, left out of the structure
            return self.value
        new, index = (value, 1.0 - value), self.leaf[element]
        parent, slot = self.parent[index]
        while parent >= 0:
            new = self._replaced(parent, slot, new)
            parent, slot = self.parent[parent]
        return new[0]

    def _replaced(self, index: int, slot: int, child: tuple[float, float]) -> tuple[float, float]:
        part, others = self.parts[index], self.others[index]
        assert isinstance(part, Node) and others is not None
        rule = part.rule
        q_child, a_child = child
        if isinstance(rule, AtLeast) and rule.m == 1:
            log_a = float(others[slot]) + _log_one(a_child, q_child)
            return float(-np.expm1(log_a)), float(np.exp(log_a))
        if isinstance(rule, AtLeast) and rule.m == len(self.children[index]):
            log_q = float(others[slot]) + _log_one(q_child, a_child)
            return float(np.exp(log_q)), float(-np.expm1(log_q))
        child_q, child_a = (values.copy() for values in others)
        child_q[slot], child_a[slot] = q_child, a_child
        if isinstance(rule, Unreachable):
            return _network_qa(rule, child_q, child_a)
        return _at_least(rule.m, child_q, child_a)


def _exactly_among_others(q: np.ndarray, a: np.ndarray, count: int) -> np.ndarray:
    """Per child ``i``: ``P(exactly count of the other children are down)``, from prefix and
    suffix count distributions truncated at ``count`` (``O(n · count)``, no subtraction)."""
    n, width = len(q), count + 1
    prefix = np.zeros((n + 1, width))
    suffix = np.zeros((n + 1, width))
    prefix[0, 0] = suffix[n, 0] = 1.0
    for i in range(n):
        prefix[i + 1] = prefix[i] * a[i]
        prefix[i + 1, 1:] += prefix[i, :-1] * q[i]
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] * a[i]
        suffix[i, 1:] += suffix[i + 1, :-1] * q[i]
    return (prefix[:n] * suffix[1:, ::-1]).sum(axis=1)


def _exclusive(values: np.ndarray, combine: np.ufunc) -> np.ndarray:
    """Per position, ``combine`` of all the other values (prefix and suffix, no inverse)."""
    identity = 0.0 if combine is np.add else 1.0
    before = np.concatenate([[identity], combine.accumulate(values[:-1])])
    after = np.concatenate([combine.accumulate(values[::-1][:-1])[::-1], [identity]])
    return combine(before, after)


def _network_components(block: Network) -> list[Component]:
    return [c for _, c in block.nodes if c is not None] + [c for *_, c in block.edges if c is not None]


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
        q_system += weight * tree.value
        birnbaum += weight * tree.birnbaum(len(table))   # the causes' own entries are set below
        for i in components:
            q_up[i] += weight * tree.forced(i, 0.0)
            q_down[i] += weight * tree.forced(i, 1.0)
        for j, up in enumerate(state):
            # forced up: the states with this cause up, weighed without its own factor
            others = math.prod(1.0 - q if u else q for k, (q, u) in enumerate(zip(q_common, state)) if k != j)
            (q_up if up else q_down)[common[j]] += others * tree.value
    birnbaum[common] = q_down[common] - q_up[common]     # a few causes: conditioned, not derived
    return q_system, q_up, q_down, birnbaum


def _block_work(block: Block, above: float = 0.0) -> tuple[int, float]:
    """Cost of one evaluation of the tree (blocks) and of forcing each of its elements once
    (the summed cost of the blocks on each element's path to the root): ``(blocks, forcing)``."""
    if isinstance(block, Component):
        return 1, above
    if isinstance(block, Network):
        size = 1 + len(block.nodes) + len(block.edges)
        return size, len(_network_components(block)) * (above + size)
    n = len(block.children)
    # fewer_than_k: n numpy updates of k numbers, each ~5 steps plus ~1 ns per number
    own = n * (5.0 + block.k / 1000) if isinstance(block, KOfN) else 1.0
    blocks, forcing = 1, 0.0
    for child in block.children:
        child_blocks, child_forcing = _block_work(child, above + own)
        blocks += child_blocks
        forcing += child_forcing
    return blocks, forcing


def _check_block_work(system: BlockSystem, common_causes: int) -> None:
    """Refuse, before starting, a block diagram that would take more than about half a minute.

    Per common-cause state (``2^groups``) the tree is evaluated once, then every element is
    forced up and down along its path (:class:`_BlockTree`).
    """
    blocks, forcing = _block_work(system.root)
    work = (blocks + 2 * forcing) * (1 << common_causes)
    if work > MAX_BLOCK_WORK:
        raise SpecError("blocks", f"{blocks:,} blocks and {common_causes} common-cause groups "
                        f"({work:.3g} steps)",
                        f"at most {MAX_BLOCK_WORK:.0e} steps for the exact engine (about half a minute): "
                        "fewer components, fewer 'beta' groups or smaller k-of-n blocks, or Monte Carlo "
                        "(hadr simulate)")


def _block_result(system: BlockSystem, detail: bool = True) -> AvailabilityResult:
    check_size(system)
    table = system.compiled.elements
    # The forced values serve the failure frequency too, so they are needed without detail.
    q_system, q_up, q_down, birnbaum = _block_unavailabilities(system.compiled)
    scope = _Scope(q_system, [(slice(0, len(table)), q_up, q_down, q_down)], birnbaum=birnbaum)
    return AvailabilityResult(
        name=system.name,
        form="blocks",
        system=_metrics(scope, table, system.year_hours),
        importance=_ranked(table, q_system, q_up, q_down, birnbaum) if detail else (),
        notes=tuple(_frequency_notes(table)),
    )
