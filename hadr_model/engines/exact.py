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
from .kofn import at_least_k, at_least_k_identical
from .network import two_terminal_availability
from .results import AvailabilityResult, RegionAvailability, SystemMetrics

__all__ = ["MAX_COMMON_CAUSES", "MAX_NETWORK_STATES", "exact_availability", "region_service_availability"]

MAX_NETWORK_STATES = 2**22
MAX_COMMON_CAUSES = 16
DR_FAILOVER_NOTE = ("'with failover': a region loss costs a tenant E[min(region repair, failover RTO)] and the "
                    "failover region serves it for the rest of the outage; failover is declared for region "
                    "loss only (zone-level outages are repaired in place), failback is immediate")
FAILOVER_NOTE = ("'with failover' assumes instantaneous failover to the paired region: an upper bound "
                 "until the DR workflow model replaces it")


def exact_availability(model: Model, *, region_loss_outage_h: Mapping[str, float] | None = None
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
        return _block_result(model)
    return _topology_result(model, region_loss_outage_h)


# --- region form ---------------------------------------------------------------------------

@dataclass
class _Elements:
    """Basic elements of one scope with their conditional service availability when forced."""

    names: list[str]
    kinds: list[str]
    counts: np.ndarray
    p: np.ndarray
    cycle_h: np.ndarray
    forced_up: np.ndarray
    forced_down: np.ndarray


@dataclass
class _RegionTerms:
    region: Region
    service: float          # B: service availability given the global services are up
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


def _exclusive_products(matrix: np.ndarray) -> np.ndarray:
    """Row r: product over all other rows (no division, so zeros are safe)."""
    ones = np.ones((1, matrix.shape[1]))
    before = np.cumprod(np.vstack([ones, matrix[:-1]]), axis=0)
    after = np.cumprod(np.vstack([ones, matrix[::-1][:-1]]), axis=0)[::-1]
    return before * after


def _region_terms(topology: Topology, region: Region) -> _RegionTerms:
    usable = _UsableZones(region)
    zone_count = len(region.zones)
    p_zone = np.full(zone_count, region.zone.availability)
    p_link = np.array([b.availability for *_, b in usable.links]) if usable.links else None
    law = usable.law(p_zone, p_link)
    up_zones = usable.zone_bits.sum(axis=1)
    roles = topology.roles
    role_ok = np.empty((len(roles), len(law)))
    role_bare = np.empty_like(role_ok)   # without the common-cause factor
    instance_rows: list[tuple[int, int, np.ndarray, np.ndarray]] = []
    for r, role in enumerate(roles):
        per_zone = region.instances_per_zone(role)
        k = role.required(region.instances(role))
        p = role.instance.availability
        common = role.common_cause.availability if role.common_cause else 1.0
        instances_up_zones = per_zone * up_zones
        role_bare[r] = at_least_k_identical(k, instances_up_zones, p)
        role_ok[r] = common * role_bare[r]
        one_up = common * at_least_k_identical(k - 1, instances_up_zones - 1, p)
        one_down = common * at_least_k_identical(k, instances_up_zones - 1, p)
        for z in range(zone_count):
            hosted = usable.zone_bits[:, z]
            instance_rows.append((r, z, np.where(hosted, one_up, role_ok[r]), np.where(hosted, one_down, role_ok[r])))
    others = _exclusive_products(role_ok)
    all_roles = others[0] * role_ok[0] if len(roles) else np.ones(len(law))
    a_region = region.region.availability
    service = a_region * float(law @ all_roles)

    builder = _ElementBuilder()
    builder.add(f"region:{region.name}", "region", 1, region.region, float(law @ all_roles), 0.0)
    for z, zone_name in enumerate(region.zones):
        for value, label in ((1.0, "up"), (0.0, "down")):
            forced = p_zone.copy()
            forced[z] = value
            builder.pending[label] = a_region * float(usable.law(forced, p_link) @ all_roles)
        builder.add(f"zone:{zone_name}", "zone", 1, region.zone, builder.pending["up"], builder.pending["down"])
    for link, (a, b, behaviour) in enumerate(usable.links):
        assert p_link is not None
        values = []
        for value in (1.0, 0.0):
            forced = p_link.copy()
            forced[link] = value
            values.append(a_region * float(usable.law(p_zone, forced) @ all_roles))
        builder.add(f"link:{a}-{b}@{region.name}", "link", 1, behaviour, *values)
    for r, z, ok_up, ok_down in instance_rows:
        role = roles[r]
        builder.add(f"instance:{role.name}@{region.zones[z]}", "instance", region.instances_per_zone(role),
                    role.instance, a_region * float(law @ (ok_up * others[r])),
                    a_region * float(law @ (ok_down * others[r])))
    for r, role in enumerate(roles):
        if role.common_cause is not None:
            builder.add(f"common-cause:{role.name}@{region.name}", "common-cause", 1, role.common_cause,
                        a_region * float(law @ (role_bare[r] * others[r])), 0.0)
    return _RegionTerms(region, service, builder.build())


class _ElementBuilder:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, int, Behaviour, float, float]] = []
        self.pending: dict[str, float] = {}

    def add(self, name: str, kind: str, count: int, behaviour: Behaviour, up: float, down: float) -> None:
        self.rows.append((name, kind, count, behaviour, up, down))

    def build(self) -> _Elements:
        return _Elements(
            names=[r[0] for r in self.rows],
            kinds=[r[1] for r in self.rows],
            counts=np.array([r[2] for r in self.rows], dtype=int),
            p=np.array([r[3].availability for r in self.rows]),
            cycle_h=np.array([r[3].cycle_h for r in self.rows]),
            forced_up=np.array([r[4] for r in self.rows]),
            forced_down=np.array([r[5] for r in self.rows]),
        )


def region_service_availability(topology: Topology, region: Region) -> float:
    """Availability of one region's service on its own (global services included)."""
    a_global = math.prod(g.behaviour.availability for g in topology.used_global_services)
    return a_global * _region_terms(topology, region).service


@dataclass
class _Scope:
    """Unavailability of one system and of it with each element forced up / down."""

    q: float
    q_up: np.ndarray
    q_down: np.ndarray
    q_down_frequency: np.ndarray | None = None   # q_down as the failure-frequency formula needs it


def _failover_weights(home: _RegionTerms, has_partner: bool, outage_h: float | None
                      ) -> tuple[float, tuple[np.ndarray | float, np.ndarray | float]]:
    """Weight of the partner's service, as is and with each home element forced up / down."""
    if not has_partner:
        return 0.0, (0.0, 0.0)
    if outage_h is None:
        return 1.0 - home.service, (1.0 - home.elements.forced_up, 1.0 - home.elements.forced_down)
    behaviour = home.region.region
    served_fraction = 1.0 - outage_h / behaviour.mttr_h
    weight = (1.0 - behaviour.availability) * served_fraction
    up, down = np.full(len(home.elements.names), weight), np.full(len(home.elements.names), weight)
    up[0], down[0] = 0.0, served_fraction   # element 0 is the region itself
    return weight, (up, down)


def _topology_result(topology: Topology, region_loss_outage_h: Mapping[str, float] | None = None
                     ) -> AvailabilityResult:
    services = topology.used_global_services
    a_g = np.array([g.behaviour.availability for g in services])
    q_global = float(-np.expm1(np.sum(np.log(a_g)))) if len(a_g) else 0.0
    terms = [_region_terms(topology, region) for region in topology.regions]
    offsets = np.cumsum([len(services)] + [len(t.elements.names) for t in terms])
    by_name = {t.region.name: i for i, t in enumerate(terms)}
    elements = _all_elements(services, terms)
    total = len(elements.names)

    a_rest = 1.0 - q_global

    def region_scope(x: int, partner: int | None, outage_h: float | None = None) -> _Scope:
        """Unavailability of region x's tenant, failing over to ``partner`` when given.

        The tenant is up with probability ``a_rest · (B_X + w · B_F)``: ``w = 1 − B_X`` for an
        instantaneous failover, ``w = (1 − a_region) · φ`` when a region loss costs
        ``outage_h = E[min(D, RTO)]`` (``φ = 1 − outage_h / MTTR_region``), ``w = 0`` without.
        """
        home, own = terms[x], slice(offsets[x], offsets[x + 1])
        b_f = terms[partner].service if partner is not None else 0.0
        forced_b_f = (terms[partner].elements.forced_up, terms[partner].elements.forced_down) \
            if partner is not None else (0.0, 0.0)
        weight, forced_weight = _failover_weights(home, partner is not None, outage_h)

        def q_of(b_home: np.ndarray | float, b_partner: np.ndarray | float, w: np.ndarray | float,
                 a: np.ndarray | float = a_rest) -> np.ndarray:
            return 1.0 - a * (b_home + w * b_partner)

        q = float(q_of(home.service, b_f, weight))
        q_up, q_down = np.full(total, q), np.full(total, q)
        if len(services):
            q_up[: len(services)] = q_of(home.service, b_f, weight, a_rest / a_g)
            q_down[: len(services)] = 1.0
        for forced, q_forced, w in zip((home.elements.forced_up, home.elements.forced_down), (q_up, q_down),
                                       forced_weight):
            q_forced[own] = q_of(forced, b_f, w)
        if partner is not None:
            other = slice(offsets[partner], offsets[partner + 1])
            q_up[other] = q_of(home.service, forced_b_f[0], weight)
            q_down[other] = q_of(home.service, forced_b_f[1], weight)
        q_down_frequency = None
        if outage_h is not None and partner is not None:
            # Every region loss that finds the tenant up starts an outage, even though the
            # failover later serves it: count it as a failure (Birnbaum would net it out).
            q_down_frequency = q_down.copy()
            q_down_frequency[offsets[x]] = 1.0
        return _Scope(q, q_up, q_down, q_down_frequency)

    regions = []
    home_scopes = []
    for x, term in enumerate(terms):
        region = term.region
        partner = by_name[region.fails_over_to] if region.fails_over_to else None
        own = region_scope(x, None)
        outage_h = region_loss_outage_h.get(region.name) if region_loss_outage_h is not None else None
        tenant = region_scope(x, partner, outage_h) if partner is not None else own
        if region.home:
            home_scopes.append(tenant)
        regions.append(RegionAvailability(region.name, _metrics(own, elements, topology.year_hours),
                                          _metrics(tenant, elements, topology.year_hours),
                                          region.fails_over_to, region.home))
    system = _Scope(float(np.mean([s.q for s in home_scopes])),
                    np.mean([s.q_up for s in home_scopes], axis=0),
                    np.mean([s.q_down for s in home_scopes], axis=0),
                    np.mean([s.q_down if s.q_down_frequency is None else s.q_down_frequency
                             for s in home_scopes], axis=0))
    notes = []
    if any(r.fails_over_to for r in topology.regions):
        notes.append(FAILOVER_NOTE if region_loss_outage_h is None else DR_FAILOVER_NOTE)
    notes += _frequency_notes(elements)
    return AvailabilityResult(
        name=topology.name,
        form="regions",
        system=_metrics(system, elements, topology.year_hours),
        regions=tuple(regions),
        importance=_ranked(elements, system),
        notes=tuple(notes),
    )


def _all_elements(services: tuple, terms: list[_RegionTerms]) -> _Elements:
    parts = [t.elements for t in terms]
    return _Elements(
        names=[f"global:{g.name}" for g in services] + [n for e in parts for n in e.names],
        kinds=["global"] * len(services) + [k for e in parts for k in e.kinds],
        counts=np.concatenate([np.ones(len(services), int)] + [e.counts for e in parts]),
        p=np.concatenate([[g.behaviour.availability for g in services]] + [e.p for e in parts]),
        cycle_h=np.concatenate([[g.behaviour.cycle_h for g in services]] + [e.cycle_h for e in parts]),
        forced_up=np.empty(0),
        forced_down=np.empty(0),
    )


def _failures_per_hour(scope: _Scope, elements: _Elements) -> float:
    q_down = scope.q_down if scope.q_down_frequency is None else scope.q_down_frequency
    birnbaum = q_down - scope.q_up
    relevant = birnbaum != 0.0
    if np.any(np.isnan(elements.cycle_h[relevant])):
        return math.nan
    return float(np.sum(elements.counts[relevant] * birnbaum[relevant] / elements.cycle_h[relevant]))


def _metrics(scope: _Scope, elements: _Elements, year_hours: float) -> SystemMetrics:
    return SystemMetrics.from_unavailability(scope.q, _failures_per_hour(scope, elements), year_hours)


def _frequency_notes(elements: _Elements) -> list[str]:
    fixed = [n for n, c in zip(elements.names, elements.cycle_h) if math.isnan(c)]
    if not fixed:
        return []
    return [f"failure frequency and mean outage need time laws; fixed availability: {', '.join(fixed[:5])}"]


def _ranked(elements: _Elements, scope: _Scope) -> tuple[ElementImportance, ...]:
    measures = importance_measures(elements.p, scope.q, scope.q_up, scope.q_down)
    items = [
        ElementImportance(
            element=name, kind=kind, count=int(count), availability=float(p),
            birnbaum=float(measures["birnbaum"][i]), criticality=float(measures["criticality"][i]),
            fussell_vesely=float(measures["fussell_vesely"][i]),
            risk_achievement_worth=float(measures["risk_achievement_worth"][i]),
            risk_reduction_worth=float(measures["risk_reduction_worth"][i]),
        )
        for i, (name, kind, count, p) in enumerate(zip(elements.names, elements.kinds, elements.counts, elements.p))
    ]
    items.sort(key=lambda item: (-item.criticality, -item.birnbaum, item.element))
    return tuple(items)


# --- block form ----------------------------------------------------------------------------

def _evaluate(block: Block, availability: dict[str, float]) -> float:
    if isinstance(block, Component):
        return availability[block.name]
    if isinstance(block, Series):
        return math.prod(_evaluate(child, availability) for child in block.children)
    if isinstance(block, Parallel):
        return 1.0 - math.prod(1.0 - _evaluate(child, availability) for child in block.children)
    if isinstance(block, KOfN):
        return at_least_k(block.k, np.array([_evaluate(child, availability) for child in block.children]))
    assert isinstance(block, Network)
    nodes = {name: availability[c.name] for name, c in block.nodes if c is not None}
    edges = [(u, v, availability[c.name] if c is not None else 1.0) for u, v, c in block.edges]
    return two_terminal_availability(edges, block.source, block.target, nodes)


def _block_availability(system: BlockSystem, availability: dict[str, float],
                        common: dict[str, float], members: dict[str, list[str]]) -> float:
    """Condition on every common-cause element, then evaluate the (independent) tree."""
    total = 0.0
    names = list(common)
    for states in itertools.product((True, False), repeat=len(names)):
        weight = math.prod(common[n] if up else 1.0 - common[n] for n, up in zip(names, states))
        if weight == 0.0:
            continue
        conditioned = dict(availability)
        for name, up in zip(names, states):
            if not up:
                conditioned.update({member: 0.0 for member in members[name]})
        total += weight * _evaluate(system.root, conditioned)
    return total


def _block_result(system: BlockSystem) -> AvailabilityResult:
    components = system.components()
    common = {name: behaviour.availability for name, behaviour in system.common_causes}
    if len(common) > MAX_COMMON_CAUSES:
        raise SpecError("blocks", f"{len(common)} common-cause groups", f"at most {MAX_COMMON_CAUSES}")
    members: dict[str, list[str]] = {name: [] for name in common}
    for component in components:
        if component.common_cause:
            members[component.common_cause].append(component.name)
    base = {c.name: c.behaviour.availability for c in components}
    h = _block_availability(system, base, common, members)
    behaviours = [c.behaviour for c in components] + [b for _, b in system.common_causes]
    names = [c.name for c in components] + list(common)
    up, down = [], []
    for name in names:
        for value, out in ((1.0, up), (0.0, down)):
            if name in common:
                forced_common = dict(common, **{name: value})
                out.append(_block_availability(system, base, forced_common, members))
            else:
                out.append(_block_availability(system, dict(base, **{name: value}), common, members))
    elements = _Elements(
        names=names,
        kinds=["component"] * len(components) + ["common-cause"] * len(common),
        counts=np.ones(len(names), int),
        p=np.array([b.availability for b in behaviours]),
        cycle_h=np.array([b.cycle_h for b in behaviours]),
        forced_up=np.array(up),
        forced_down=np.array(down),
    )
    scope = _Scope(1.0 - h, 1.0 - elements.forced_up, 1.0 - elements.forced_down)
    return AvailabilityResult(
        name=system.name,
        form="blocks",
        system=_metrics(scope, elements, system.year_hours),
        importance=_ranked(elements, scope),
        notes=tuple(_frequency_notes(elements)),
    )
