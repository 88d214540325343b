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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from ..errors import SpecError
from ..topology.model import (
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
)
from .importance import ElementImportance, importance_measures
from .kofn import fewer_than_k, fewer_than_k_identical
from .network import two_terminal_availability
from .results import AvailabilityResult, RegionAvailability, SystemMetrics

__all__ = ["MAX_COMMON_CAUSES", "MAX_NETWORK_STATES", "exact_availability"]

MAX_NETWORK_STATES = 2**22
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


class _UsableZones:
    """Law of the set of usable zones of a region (bit z set: zone z usable)."""

    def __init__(self, region: Region) -> None:
        self.zones = len(region.zones)
        self.zone_bits = _bits(self.zones)
        self.links = region.network.links if region.network else ()
        self.link_bits = _bits(len(self.links)) if self.links else None
        if self.links:
            states = (1 << self.zones) * (1 << len(self.links))
            if states > MAX_NETWORK_STATES:
                raise SpecError(f"regions.{region.name}.network", f"{states} zone and link states",
                                f"at most {MAX_NETWORK_STATES} states for the exact engine "
                                "(fewer zones or links)")
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
                    if dst == "ingress":
                        continue
                    source_ok = np.ones(len(reach), bool) if src == "ingress" else reach[:, index[src]]
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
    rows += [(f"link:{a}-{b}@{region.name}", "link", 1, behaviour) for a, b, behaviour in links]
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
    )


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

def _unavailability(block: Block, q: dict[str, float]) -> float:
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


def _block_unavailability(system: BlockSystem, q: dict[str, float], q_common: dict[str, float],
                          members: dict[str, list[str]]) -> float:
    """Condition on every common-cause element, then evaluate the (independent) tree."""
    total = 0.0
    names = list(q_common)
    for states in itertools.product((True, False), repeat=len(names)):
        weight = math.prod(1.0 - q_common[n] if up else q_common[n] for n, up in zip(names, states))
        if weight == 0.0:
            continue
        conditioned = dict(q)
        for name, up in zip(names, states):
            if not up:
                conditioned.update({member: 1.0 for member in members[name]})
        total += weight * _unavailability(system.root, conditioned)
    return total


def _block_result(system: BlockSystem, detail: bool = True) -> AvailabilityResult:
    components = system.components()
    q_common = {name: behaviour.unavailability for name, behaviour in system.common_causes}
    if len(q_common) > MAX_COMMON_CAUSES:
        raise SpecError("blocks", f"{len(q_common)} common-cause groups", f"at most {MAX_COMMON_CAUSES}")
    members: dict[str, list[str]] = {name: [] for name in q_common}
    for component in components:
        if component.common_cause:
            members[component.common_cause].append(component.name)
    base = {c.name: c.behaviour.unavailability for c in components}
    q_system = _block_unavailability(system, base, q_common, members)
    behaviours = [c.behaviour for c in components] + [b for _, b in system.common_causes]
    names = [c.name for c in components] + list(q_common)
    forced: dict[float, list[float]] = {0.0: [], 1.0: []}
    for name in names:
        for value, out in forced.items():
            if name in q_common:
                out.append(_block_unavailability(system, base, dict(q_common, **{name: value}), members))
            else:
                out.append(_block_unavailability(system, dict(base, **{name: value}), q_common, members))
    q_up, q_down = np.array(forced[0.0]), np.array(forced[1.0])
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
