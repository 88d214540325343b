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
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from ..errors import SpecError
from ..topology.model import (
    INGRESS,
    Behaviour,
    Block,
    BlockSystem,
    Component,
    KOfN,
    Model,
    Network,
    Parallel,
    Region,
    Series,
    Topology,
    link_label,
)
from .importance import ElementImportance, importance_measures
from .kofn import fewer_than_k, fewer_than_k_identical
from .network import two_terminal_availability
from .results import AvailabilityResult, RegionAvailability, SystemMetrics

__all__ = ["MAX_BLOCK_WORK", "MAX_COMMON_CAUSES", "MAX_NETWORK_STATES", "MAX_ROLE_STATES",
           "MAX_TOTAL_NETWORK_STATES", "check_size", "exact_availability"]

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
class _Elements:
    """Basic elements with the unavailability of their scope's service when each is forced.

    ``q_up`` / ``q_down``: unavailability of the region's service given the global services
    up, with the element forced up / down (filled per region, empty for the whole list).
    """

    labels: Callable[[], list[tuple[str, str]]]   # (name, kind) per element, built only when shown
    counts: np.ndarray
    p: np.ndarray
    q: np.ndarray
    cycle_h: np.ndarray
    q_up: np.ndarray
    q_down: np.ndarray

    @cached_property
    def names(self) -> list[str]:
        return [name for name, _ in self.labels()]

    @cached_property
    def kinds(self) -> list[str]:
        return [kind for _, kind in self.labels()]

    def __len__(self) -> int:
        return len(self.counts)


@dataclass
class _RegionTerms:
    region: Region
    q_service: float        # unavailability of the service given the global services are up
    elements: _Elements


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
            distinct[_region_key(region)] = 1 << (zones + links)
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

    def __init__(self, region: Region) -> None:
        self.zones = len(region.zones)
        self.zone_bits = _bits(self.zones)
        self.links = region.network.links if region.network else ()
        self.link_bits = _bits(len(self.links)) if self.links else None
        if self.links:
            self.usable = self._reachable_masks(region)

    def _reachable_masks(self, region: Region) -> np.ndarray:
        """For every (zone state, link state): the mask of zones reaching the ingress."""
        index = {name: i for i, name in enumerate(region.zones)}
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

    def __init__(self, region: Region, roles: tuple, usable: _UsableZones) -> None:
        up_zones = usable.zone_bits.sum(axis=1)
        self.q_ok = np.empty((len(roles), 1 << usable.zones))
        self.q_bare = np.empty_like(self.q_ok)       # without the common-cause factor
        self.q_one_up = np.empty_like(self.q_ok)
        self.q_one_down = np.empty_like(self.q_ok)
        for r, role in enumerate(roles):
            k = role.required(region.instances(role))
            hosted = region.instances_per_zone(role) * up_zones
            p = role.instance.availability
            q_common = role.common_cause.unavailability if role.common_cause else 0.0

            def with_common(shortfall: np.ndarray, q_common: float = q_common) -> np.ndarray:
                return q_common + (1.0 - q_common) * shortfall

            self.q_bare[r] = fewer_than_k_identical(k, hosted, p)
            self.q_ok[r] = with_common(self.q_bare[r])
            self.q_one_up[r] = with_common(fewer_than_k_identical(k - 1, hosted - 1, p))
            self.q_one_down[r] = with_common(fewer_than_k_identical(k, hosted - 1, p))
        with np.errstate(divide="ignore"):
            self.log_ok = np.log1p(-self.q_ok)
        self.log_others = _exclusive_sums(self.log_ok)
        self.q_service = -np.expm1(self.log_ok.sum(axis=0)) if len(roles) else np.zeros(self.q_ok.shape[1])

    def q_with(self, r: int, q_role: np.ndarray) -> np.ndarray:
        """Service shortfall per zone set when role r has unavailability ``q_role``."""
        with np.errstate(divide="ignore"):
            return -np.expm1(self.log_others[r] + np.log1p(-q_role))


def _element_rows(topology: Topology, region: Region) -> list[tuple[str, str, int, Behaviour]]:
    """The region's basic elements (name, kind, count, behaviour), in the engine's order."""
    rows = [(f"region:{region.name}", "region", 1, region.region)]
    rows += [(f"zone:{zone}", "zone", 1, region.zone) for zone in region.zones]
    links = region.network.links if region.network else ()
    rows += [(link_label(a, b, region.name), "link", 1, behaviour) for a, b, behaviour in links]
    rows += [(f"instance:{role.name}@{zone}", "instance", region.instances_per_zone(role), role.instance)
             for role in topology.roles for zone in region.zones]
    rows += [(f"common-cause:{role.name}@{region.name}", "common-cause", 1, role.common_cause)
             for role in topology.roles if role.common_cause is not None]
    return rows


def _region_key(region: Region) -> tuple:
    """Everything the numbers of a region depend on, but the roles (the same for every region)."""
    links: tuple = ()
    if region.network:
        index = {zone: i for i, zone in enumerate(region.zones)}
        links = tuple((index.get(a, a), index.get(b, b), behaviour) for a, b, behaviour in region.network.links)
    return (len(region.zones), region.zone, region.region, links, tuple(sorted(region.per_zone)))


def _region_numbers(topology: Topology, region: Region) -> tuple[float, _Elements]:
    """Service unavailability given the global services up, and the region's elements."""
    usable = _UsableZones(region)
    p_zone = np.full(len(region.zones), region.zone.availability)
    p_link = np.array([b.availability for *_, b in usable.links]) if usable.links else None
    law = usable.law(p_zone, p_link)
    roles = _RoleTerms(region, topology.roles, usable)
    q_region = region.region.unavailability

    def q_of(zone_law: np.ndarray, q_shortfall: np.ndarray) -> float:
        # Σ_S P(S) = 1, so 1 − a_R Σ P(S)(1 − q_S) = q_R + a_R Σ P(S) q_S: no cancellation.
        return q_region + (1.0 - q_region) * float(zone_law @ q_shortfall)

    forced: list[tuple[float, float]] = [(float(law @ roles.q_service), 1.0)]
    for z in range(len(region.zones)):
        forced.append(tuple(q_of(usable.law(np.where(np.arange(len(p_zone)) == z, value, p_zone), p_link),
                                 roles.q_service) for value in (1.0, 0.0)))
    for link in range(len(usable.links)):
        assert p_link is not None
        forced.append(tuple(q_of(usable.law(p_zone, np.where(np.arange(len(p_link)) == link, value, p_link)),
                                 roles.q_service) for value in (1.0, 0.0)))
    hosted = usable.zone_bits.T                   # (zone, zone set): the zone is in the set
    for r in range(len(topology.roles)):
        # One instance of role r forced up / down in each zone at once: rows are zones.
        up, down = (q_region + (1.0 - q_region) * (roles.q_with(r, np.where(hosted, one, roles.q_ok[r])) @ law)
                    for one in (roles.q_one_up[r], roles.q_one_down[r]))
        forced += list(zip(up.tolist(), down.tolist()))
    for r, role in enumerate(topology.roles):
        if role.common_cause is not None:
            forced.append((q_of(law, roles.q_with(r, roles.q_bare[r])), 1.0))
    q_up, q_down = np.array(forced).T
    rows = _element_rows(topology, region)
    elements = _Elements(
        labels=lambda: [(row[0], row[1]) for row in rows],
        counts=np.array([row[2] for row in rows], dtype=int),
        p=np.array([row[3].availability for row in rows]),
        q=np.array([row[3].unavailability for row in rows]),
        cycle_h=np.array([row[3].cycle_h for row in rows]),
        q_up=q_up,
        q_down=q_down,
    )
    return q_of(law, roles.q_service), elements


def _region_terms(topology: Topology, region: Region, cache: dict | None = None) -> _RegionTerms:
    """Terms of one region; regions alike but for their names share the numbers (``cache``)."""
    key = _region_key(region)
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = _region_numbers(topology, region)
    q_service, elements = cache[key]
    rows = _element_rows(topology, region)
    return _RegionTerms(region, q_service, replace(elements, labels=lambda: [(r[0], r[1]) for r in rows]))


@dataclass
class _Scope:
    """Unavailability ``q`` of one system, and where forcing an element changes it.

    ``parts`` hold (slice of the element list, q with each element forced up, forced down,
    forced down as the failure-frequency formula counts it); elsewhere forcing changes nothing.
    """

    q: float
    parts: list[tuple[slice, np.ndarray, np.ndarray, np.ndarray]]
    fail_back_per_hour: float = 0.0   # outages a region's repair starts (see _Tenants.scope)

    def failures_per_hour(self, elements: _Elements) -> float:
        total = self.fail_back_per_hour
        for where, q_up, _, q_down_frequency in self.parts:
            birnbaum = q_down_frequency - q_up
            # An element with availability 1 (a perfect ingress link) never fails: it starts
            # no outage, whatever its Birnbaum importance, and needs no time law.
            relevant = (birnbaum != 0.0) & (elements.p[where] < 1.0)
            cycle = elements.cycle_h[where][relevant]
            if np.any(np.isnan(cycle)):
                return math.nan
            total += float(np.sum(elements.counts[where][relevant] * birnbaum[relevant] / cycle))
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
        return home.q_service, (home.elements.q_up, home.elements.q_down)
    behaviour = home.region.region
    served_fraction = 1.0 - outage_h / behaviour.mttr_h
    weight = behaviour.unavailability * served_fraction
    up, down = np.full(len(home.elements), weight), np.full(len(home.elements), weight)
    up[0], down[0] = 0.0, served_fraction   # element 0 is the region itself
    return weight, (up, down)


class _Tenants:
    """Tenant scopes of a topology: global services, then every region's elements."""

    def __init__(self, topology: Topology) -> None:
        _check_topology_size(topology)
        self.services = topology.used_global_services
        q_services = np.array([g.behaviour.unavailability for g in self.services])
        log_a = np.log1p(-q_services)
        self.q_global = float(-np.expm1(log_a.sum()))
        self.q_global_without = -np.expm1(log_a.sum() - log_a)    # each service forced up
        cache: dict = {}
        self.terms = [_region_terms(topology, region, cache) for region in topology.regions]
        sizes = [len(self.services)] + [len(t.elements) for t in self.terms]
        self.offsets = np.cumsum([0, *sizes])
        self.by_name = {t.region.name: i + 1 for i, t in enumerate(self.terms)}
        self.elements = self._all_elements(q_services)

    def _all_elements(self, q_services: np.ndarray) -> _Elements:
        parts = [t.elements for t in self.terms]
        return _Elements(
            labels=lambda: [(f"global:{g.name}", "global") for g in self.services]
            + [label for e in parts for label in e.labels()],
            counts=np.concatenate([np.ones(len(self.services), int)] + [e.counts for e in parts]),
            p=np.concatenate([1.0 - q_services] + [e.p for e in parts]),
            q=np.concatenate([q_services] + [e.q for e in parts]),
            cycle_h=np.concatenate([[g.behaviour.cycle_h for g in self.services]] + [e.cycle_h for e in parts]),
            q_up=np.empty(0),
            q_down=np.empty(0),
        )

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
        x = self.by_name[region]
        home = self.terms[x - 1]
        f = self.by_name[partner] if partner is not None else None
        q_f = self.terms[f - 1].q_service if f is not None else 1.0
        weight, forced_weight = _failover_weights(home, f is not None, outage_h)
        q = float(_tenant_q(self.q_global, home.q_service, q_f, weight))
        parts = []
        if len(self.services):
            up = _tenant_q(self.q_global_without, home.q_service, q_f, weight)
            parts.append((slice(0, len(self.services)), up, np.ones(len(self.services)), np.ones(len(self.services))))
        own = slice(self.offsets[x], self.offsets[x + 1])
        up = _tenant_q(self.q_global, home.elements.q_up, q_f, forced_weight[0])
        down = _tenant_q(self.q_global, home.elements.q_down, q_f, forced_weight[1])
        down_frequency = down
        if outage_h is not None and f is not None:
            # Every region loss that finds the tenant up starts an outage, even though the
            # failover serves it later: count it as a failure (Birnbaum would net it out).
            down_frequency = down.copy()
            down_frequency[0] = 1.0
        parts.append((own, up, down, down_frequency))
        if f is not None:
            partner_terms = self.terms[f - 1].elements
            up = _tenant_q(self.q_global, home.q_service, partner_terms.q_up, weight)
            down = _tenant_q(self.q_global, home.q_service, partner_terms.q_down, weight)
            parts.append((slice(self.offsets[f], self.offsets[f + 1]), up, down, down))
        fail_back = 0.0
        if outage_h is not None and f is not None and completion:
            q_home_region_up = home.elements.q_up[0]     # element 0 is the region itself
            fail_back = (completion * (1.0 - self.q_global) * (1.0 - q_f) * q_home_region_up
                         / home.region.region.cycle_h)
        return _Scope(q, parts, fail_back)


def _topology_result(topology: Topology, region_loss_outage_h: Mapping[str, float] | None = None,
                     failover_completion: Mapping[str, float] | None = None, detail: bool = True
                     ) -> AvailabilityResult:
    tenants = _Tenants(topology)
    elements = tenants.elements
    average = _Average(len(elements))
    regions = []
    for region in topology.regions:
        if not (region.home or detail):
            continue
        own = tenants.scope(region.name, None)
        tenant = own
        if region.fails_over_to:
            outage_h = region_loss_outage_h.get(region.name) if region_loss_outage_h is not None else None
            completion = (failover_completion or {}).get(region.name)
            tenant = tenants.scope(region.name, region.fails_over_to, outage_h, completion)
        if region.home:
            average.add(tenant)
        if detail:
            regions.append(RegionAvailability(region.name, _metrics(own, elements, topology.year_hours),
                                              _metrics(tenant, elements, topology.year_hours),
                                              region.fails_over_to, region.home))
    system, q_up, q_down = average.scope()
    notes = []
    if any(r.fails_over_to for r in topology.regions):
        notes.append(FAILOVER_NOTE if region_loss_outage_h is None else DR_FAILOVER_NOTE)
    notes += _frequency_notes(elements)
    return AvailabilityResult(
        name=topology.name,
        form="regions",
        system=_metrics(system, elements, topology.year_hours),
        regions=tuple(regions),
        importance=_ranked(elements, system.q, q_up, q_down) if detail else (),
        notes=tuple(notes),
        failover_model=_failover_model(topology, region_loss_outage_h),
    )


def _failover_model(topology: Topology, region_loss_outage_h: Mapping[str, float] | None) -> str:
    if not any(r.fails_over_to for r in topology.home_regions):
        return "none"
    return "instantaneous" if region_loss_outage_h is None else "dr-workflow"


def _metrics(scope: _Scope, elements: _Elements, year_hours: float) -> SystemMetrics:
    return SystemMetrics.from_unavailability(scope.q, scope.failures_per_hour(elements), year_hours)


def _frequency_notes(elements: _Elements) -> list[str]:
    fixed = [n for n, c, p in zip(elements.names, elements.cycle_h, elements.p) if math.isnan(c) and p < 1.0]
    if not fixed:
        return []
    return [f"failure frequency and mean outage need time laws; fixed availability: {', '.join(fixed[:5])}"]


def _ranked(elements: _Elements, q_system: float, q_up: np.ndarray, q_down: np.ndarray
            ) -> tuple[ElementImportance, ...]:
    measures = importance_measures(elements.q, q_system, q_up, q_down)
    items = [
        ElementImportance(
            element=name, kind=kind, count=int(count), availability=float(p),
            birnbaum=float(measures["birnbaum"][i]), criticality=float(measures["criticality"][i]),
            fussell_vesely=float(measures["fussell_vesely"][i]),
            risk_achievement_worth=float(measures["risk_achievement_worth"][i]),
            risk_reduction_worth=float(measures["risk_reduction_worth"][i]),
        )
        for i, (name, kind, count, p) in enumerate(zip(elements.names, elements.kinds, elements.counts, elements.p))
        if p < 1.0   # a perfect element (an implicit ingress link) has nothing to rank
    ]
    items.sort(key=lambda item: (-item.criticality, -item.birnbaum, item.element))
    return tuple(items)


# --- block form ----------------------------------------------------------------------------

def _unavailability(block: Block, q: Mapping[str, float]) -> float:
    """Unavailability of a block, computed without ``1 − A`` cancellation where possible."""
    if isinstance(block, Component):
        return q[block.name]
    if isinstance(block, Series):
        with np.errstate(divide="ignore"):
            return float(-np.expm1(sum(np.log1p(-_unavailability(child, q)) for child in block.children)))
    if isinstance(block, Parallel):
        return math.prod(_unavailability(child, q) for child in block.children)
    if isinstance(block, KOfN):
        return fewer_than_k(block.k, np.array([_unavailability(child, q) for child in block.children]))
    assert isinstance(block, Network)
    nodes = {name: 1.0 - q[c.name] for name, c in block.nodes if c is not None}
    edges = [(u, v, 1.0 - q[c.name] if c is not None else 1.0) for u, v, c in block.edges]
    return 1.0 - two_terminal_availability(edges, block.source, block.target, nodes)


class _BlockTree:
    """One evaluation of a block tree, kept so that forcing one element costs its path only.

    Every block's unavailability is stored, with what its parent needs to recompute itself
    when that one child changes: a series the sum of the others' ``log(1 − q)``, a parallel
    the product of the others' ``q`` (both from prefix and suffix sums, without subtraction,
    so a child with ``q = 1`` is exact), a k-of-n its children's ``q``. Forcing an element
    then walks up from its leaf (a network recomputes itself whole): ``O(depth)`` instead of
    re-evaluating the tree, with the same formulas and so the same digits.
    """

    def __init__(self, root: Block, q: Mapping[str, float]) -> None:
        self.q = q
        self.parent: list[tuple[int, int]] = []       # per block: (parent, slot among its children)
        self.blocks: list[Block] = []
        self.others: list[np.ndarray | None] = []
        self.leaf: dict[str, int] = {}                  # element name -> its block (leaf or network)
        self.value = self._visit(root, -1, 0)

    def _visit(self, block: Block, parent: int, slot: int) -> float:
        index = len(self.blocks)
        self.blocks.append(block)
        self.parent.append((parent, slot))
        self.others.append(None)
        if isinstance(block, Component):
            self.leaf[block.name] = index
            return self.q[block.name]
        if isinstance(block, Network):
            self.leaf.update({c.name: index for c in _network_components(block)})
            return _unavailability(block, self.q)
        child_q = np.array([self._visit(child, index, i) for i, child in enumerate(block.children)])
        if isinstance(block, KOfN):
            self.others[index] = child_q
            return fewer_than_k(block.k, child_q)
        if isinstance(block, Series):
            with np.errstate(divide="ignore"):
                logs = np.log1p(-child_q)
            self.others[index] = _exclusive(logs, np.add)
            return float(-np.expm1(logs.sum()))
        self.others[index] = _exclusive(child_q, np.multiply)
        return float(np.prod(child_q))

    def forced(self, name: str, value: float) -> float:
        """Unavailability of the tree with element ``name`` at unavailability ``value``."""
        index = self.leaf[name]
        block = self.blocks[index]
        new = value if isinstance(block, Component) else _unavailability(block, ChainMap({name: value}, self.q))
        parent, slot = self.parent[index]
        while parent >= 0:
            new = self._replaced(parent, slot, new)
            parent, slot = self.parent[parent]
        return new

    def _replaced(self, index: int, slot: int, q_child: float) -> float:
        block, others = self.blocks[index], self.others[index]
        assert others is not None
        if isinstance(block, Series):
            with np.errstate(divide="ignore"):
                return float(-np.expm1(others[slot] + np.log1p(-q_child)))
        if isinstance(block, Parallel):
            return float(others[slot] * q_child)
        assert isinstance(block, KOfN)
        child_q = others.copy()
        child_q[slot] = q_child
        return fewer_than_k(block.k, child_q)


def _exclusive(values: np.ndarray, combine: np.ufunc) -> np.ndarray:
    """Per position, ``combine`` of all the other values (prefix and suffix, no inverse)."""
    identity = 0.0 if combine is np.add else 1.0
    before = np.concatenate([[identity], combine.accumulate(values[:-1])])
    after = np.concatenate([combine.accumulate(values[::-1][:-1])[::-1], [identity]])
    return combine(before, after)


def _network_components(block: Network) -> list[Component]:
    return [c for _, c in block.nodes if c is not None] + [c for *_, c in block.edges if c is not None]


def _common_cause_states(q_common: dict[str, float]) -> list[tuple[tuple[bool, ...], float]]:
    """Every up/down state of the common-cause elements with its probability (zero ones dropped)."""
    states = []
    for state in itertools.product((True, False), repeat=len(q_common)):
        weight = math.prod(1.0 - q if up else q for q, up in zip(q_common.values(), state))
        if weight > 0.0:
            states.append((state, weight))
    return states


def _block_unavailabilities(system: BlockSystem, components: list[Component], q_common: dict[str, float]
                            ) -> tuple[float, np.ndarray, np.ndarray]:
    """Unavailability of the system, and with each element forced up / down (components, then
    common causes), by conditioning on every common-cause state and evaluating the tree."""
    base = {c.name: c.behaviour.unavailability for c in components}
    size = len(components) + len(q_common)
    q_system, q_up, q_down = 0.0, np.zeros(size), np.zeros(size)
    for state, weight in _common_cause_states(q_common):
        down = {cause for cause, up in zip(q_common, state) if not up}
        conditioned = dict(base)
        conditioned.update({c.name: 1.0 for c in components if c.common_cause in down})
        tree = _BlockTree(system.root, conditioned)
        q_system += weight * tree.value
        for i, c in enumerate(components):
            if c.common_cause in down:   # its group is down: forcing the copy changes nothing
                q_up[i] += weight * tree.value
                q_down[i] += weight * tree.value
            else:
                q_up[i] += weight * tree.forced(c.name, 0.0)
                q_down[i] += weight * tree.forced(c.name, 1.0)
        for j, up in enumerate(state):
            # forced up: the states with this cause up, weighed without its own factor
            others = math.prod(1.0 - q if u else q for k, (q, u) in enumerate(zip(q_common.values(), state))
                               if k != j)
            (q_up if up else q_down)[len(components) + j] += others * tree.value
    return q_system, q_up, q_down


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
    components = system.components()
    check_size(system)
    q_common = {name: behaviour.unavailability for name, behaviour in system.common_causes}
    # The forced values serve the failure frequency too, so they are needed without detail.
    q_system, q_up, q_down = _block_unavailabilities(system, components, q_common)
    behaviours = [c.behaviour for c in components] + [b for _, b in system.common_causes]
    names = [c.name for c in components] + list(q_common)
    kinds = ["component"] * len(components) + ["common-cause"] * len(q_common)
    elements = _Elements(
        labels=lambda: list(zip(names, kinds)),
        counts=np.ones(len(names), int),
        p=np.array([b.availability for b in behaviours]),
        q=np.array([b.unavailability for b in behaviours]),
        cycle_h=np.array([b.cycle_h for b in behaviours]),
        q_up=q_up,
        q_down=q_down,
    )
    scope = _Scope(q_system, [(slice(0, len(names)), q_up, q_down, q_down)])
    return AvailabilityResult(
        name=system.name,
        form="blocks",
        system=_metrics(scope, elements, system.year_hours),
        importance=_ranked(elements, q_system, q_up, q_down) if detail else (),
        notes=tuple(_frequency_notes(elements)),
    )
