r"""The compiled model: one table of basic elements and the structure over them.

Every engine consumes this one object, built once per loaded spec
(:attr:`Topology.compiled <hadr_model.topology.model.Topology.compiled>`); none walks the
topology again, and no engine matches elements to another engine's by name — they share the
table's indices.

Element table
-------------
One row per *basic element* — a repairable thing that is up or down, or a group of ``count``
identical independent copies (a role's instances in one zone): its name, kind, count,
behaviour (time laws or a fixed availability) and placement (region, zone, role). The order
is fixed: the global services the roles use, then region after region
``[region, zones, zone-network links, instances (role-major, then zone), common causes]``;
block form: the components in order of appearance, then the common-cause elements.

Structure
---------
Two views of the same structure function, both over table indices:

* **sites** (region form): per region its element indices (:class:`RegionSite`) and per role
  the instance group of each zone, the number required and the common-cause element
  (:class:`RoleSite`). The exact engine conditions on zones with these
  (:mod:`hadr_model.engines.exact`).
* **a tree of parts** over *down counts*: a :class:`Leaf` is the number of down copies of one
  element; a :class:`Node` combines channels (each the sum of its parts) with a rule — down
  flags, evaluated vectorised over any array shape:

  - :class:`AtLeast` ``m``: down when the channel counts at least ``m`` down (series ``m = 1``,
    parallel ``m = n``, k-of-n ``m = n − k + 1``);
  - :class:`RoleDown`: a role in a region, ``Σ_z (unusable_z ? n_z : down_z) ≥ m``, or its
    common cause down;
  - :class:`Unreachable`: a network — two-terminal (a zone cut off from its region's ingress),
    K-terminal or all-terminal;
  - :class:`TenantDown`: a tenant homed in a region, with instantaneous failover or failover on
    region loss once the RTO has elapsed (the :class:`Served` marker, which only a
    time-domain engine can evaluate).

  Monte Carlo evaluates the tree on signals over time, the exact block engine and the Markov
  bridge on probabilities and states. Elements that can never be down (availability exactly 1)
  are left out of the tree: they change no count.

A *tenant* is a user homed in a region (the availability figures average over a home drawn
uniformly); it is not a restored tenant database of the DR model.

Examples
--------
>>> from hadr_model import load_spec
>>> compiled = load_spec().compiled
>>> compiled.form, len(compiled.tenants()) == len(compiled.home_regions)
('regions', True)
>>> compiled.elements.names[compiled.regions[0].region]
'region:us-south'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import SpecError
from .laws import Law
from .model import (
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

__all__ = ["AtLeast", "CompiledModel", "ElementTable", "Leaf", "Node", "Part", "RegionSite", "RoleDown",
           "RoleSite", "Served", "TenantDown", "Unreachable", "compile_model", "evaluate_down",
           "region_key", "used_rows"]


# --- rules: down flags of a node from its channels' down counts -----------------------------

class AtLeast:
    """Down when the (single) channel counts at least ``m`` down: series (m=1), k-of-n, parallel."""

    def __init__(self, m: int) -> None:
        self.m = m

    def __call__(self, values: Sequence[np.ndarray]) -> np.ndarray:
        return (values[0] >= self.m).astype(np.int8)


class RoleDown:
    """A role in a region: instances in unusable zones do not count; a common cause fails all.

    Channels: for each zone ``z`` its unusable flag then its instance down count, then
    (optionally) the common-cause element. ``per_zone[z]`` instances are in zone ``z`` and the
    role is down when ``Σ_z (unusable_z ? n_z : down_z) ≥ m`` or the common cause is down.
    """

    def __init__(self, per_zone: Sequence[int], m: int, common_cause: bool) -> None:
        self.per_zone = tuple(per_zone)
        self.m = m
        self.common_cause = common_cause

    def __call__(self, values: Sequence[np.ndarray]) -> np.ndarray:
        lost = np.zeros(values[0].shape, dtype=np.int64)
        for z, n in enumerate(self.per_zone):
            lost += np.where(values[2 * z] > 0, n, values[2 * z + 1])
        down = lost >= self.m
        if self.common_cause:
            down |= values[-1] > 0
        return down.astype(np.int8)


class TenantDown:
    """A tenant: down when a global service is down, or its home and failover regions both are.

    Channels: the global services (summed, when there are any), the home region's service, and
    the failover region's service (when there is one). With ``region_loss_only`` (failover
    after a region loss, once the RTO has elapsed) two more channels follow: the home region
    element and the *served* flag (region lost and failover done); the tenant then follows
    the failover region's service while both are set, and its home region's service otherwise.
    """

    def __init__(self, has_global: bool, has_partner: bool, region_loss_only: bool = False) -> None:
        self.has_global = has_global
        self.has_partner = has_partner
        self.region_loss_only = region_loss_only and has_partner

    def __call__(self, values: Sequence[np.ndarray]) -> np.ndarray:
        rest = list(values)
        global_down = rest.pop(0) > 0 if self.has_global else False
        down = rest[0] > 0
        if self.region_loss_only:
            # The served flag only counts while the region is down: at a repair the region's
            # change comes first (same instant), so failback is immediate and seamless.
            served = (rest[2] > 0) & (rest[3] > 0)
            down = np.where(served, rest[1] > 0, down)
        elif self.has_partner:
            down = down & (rest[1] > 0)
        return (down | global_down).astype(np.int8)


class Unreachable:
    """Network: down when ``target`` cannot reach ``source`` over up nodes and edges — or, with
    ``terminals``, when some terminal cannot reach the first (K-terminal, all-terminal).

    Channels: one per failing node then one per failing edge, in the orders given.
    ``nodes`` lists every node name, ``node_channels`` maps a failing node to its channel and
    ``edges`` is a list of ``(u, v, channel or None)``; ``field`` is the spec field named by
    the exact engine's refusals.
    """

    def __init__(self, source: str, target: str, nodes: Sequence[str], node_channels: dict[str, int],
                 edges: Sequence[tuple[str, str, int | None]], terminals: Sequence[str] = (),
                 field: str = "network") -> None:
        self.source = source
        self.target = target
        self.nodes = tuple(nodes)
        self.node_channels = dict(node_channels)
        self.edges = tuple(edges)
        self.terminals = tuple(terminals) or (source, target)
        self.field = field

    def __call__(self, values: Sequence[np.ndarray]) -> np.ndarray:
        shape = values[0].shape
        alive = {n: (values[c] == 0 if (c := self.node_channels.get(n)) is not None else np.ones(shape, bool))
                 for n in self.nodes}
        reach = {n: np.zeros(shape, bool) for n in self.nodes}
        reach[self.terminals[0]] = alive[self.terminals[0]].copy()
        # Relaxing every edge |V| times reaches the fixed point of the breadth-first search.
        for _ in range(len(self.nodes)):
            for u, v, channel in self.edges:
                link = values[channel] == 0 if channel is not None else True
                reach[v] |= reach[u] & link & alive[v]
                reach[u] |= reach[v] & link & alive[u]
        connected = np.logical_and.reduce([reach[t] for t in self.terminals[1:]])
        return (~connected).astype(np.int8)


# --- parts of the tree ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Leaf:
    """Down count of table element ``element``."""

    element: int


@dataclass(frozen=True, eq=False)
class Node:
    """``rule`` over ``channels``, each the sum of its parts' down counts."""

    channels: tuple[tuple[Any, ...], ...]
    rule: Any


@dataclass(frozen=True, eq=False)
class Served:
    """1 while home region ``home`` is lost and its failover has completed (RTO elapsed)."""

    region: Leaf
    home: str


Part = Leaf | Node | Served


def evaluate_down(part: Part, down: np.ndarray, cache: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """Down flag (or count, for a leaf) of ``part`` for every column of ``down``.

    Parameters
    ----------
    part : Part
    down : numpy.ndarray
        ``(elements, S)`` down copies of every table element in ``S`` states.

    Examples
    --------
    >>> import numpy as np
    >>> node = Node(((Leaf(0), Leaf(1)),), AtLeast(2))     # parallel of two elements
    >>> evaluate_down(node, np.array([[0, 1, 1], [1, 0, 1]])).tolist()
    [0, 0, 1]
    """
    cache = {} if cache is None else cache
    key = id(part)
    if key not in cache:
        if isinstance(part, Leaf):
            cache[key] = down[part.element]
        elif isinstance(part, Served):
            raise SpecError("failover", "dr-workflow",
                            "a state-based evaluation: failover after an RTO needs a time-domain engine")
        else:
            channels = [sum((evaluate_down(child, down, cache) for child in channel),
                            np.zeros(down.shape[1:], np.int64)) for channel in part.channels]
            cache[key] = part.rule(channels)
    return cache[key]


def used_rows(parts: Sequence[Part]) -> list[int]:
    """Table rows of the leaves the parts reach, ascending."""
    seen: set[int] = set()
    rows: set[int] = set()
    stack: list[Any] = list(parts)
    while stack:
        part = stack.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        if isinstance(part, Leaf):
            rows.add(part.element)
        elif isinstance(part, Served):
            stack.append(part.region)
        else:
            stack.extend(child for channel in part.channels for child in channel)
    return sorted(rows)


# --- the element table ----------------------------------------------------------------------

@dataclass(frozen=True)
class ElementTable:
    """Basic elements, one row each (see the module docstring for the order).

    ``common_cause[i]`` is the index of the common-cause element that takes element ``i``
    down with it (-1: none).
    """

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    counts: np.ndarray
    behaviours: tuple[Behaviour, ...]
    region: tuple[str | None, ...]
    zone: tuple[str | None, ...]
    role: tuple[str | None, ...]
    common_cause: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    @cached_property
    def p(self) -> np.ndarray:
        """Steady-state availability of one copy of each element."""
        return self._column("availability")

    @cached_property
    def q(self) -> np.ndarray:
        """Steady-state unavailability of one copy (computed directly, digits kept)."""
        return self._column("unavailability")

    @cached_property
    def cycle_h(self) -> np.ndarray:
        """Mean up-down cycle ``MTTF + MTTR`` in hours (NaN for a fixed availability)."""
        return self._column("cycle_h")

    @cached_property
    def _distinct(self) -> tuple[list[Behaviour], np.ndarray]:
        # Rows share a few behaviour objects (every instance of a role, every zone): each
        # figure is read once per distinct object and spread to the rows by index.
        first: dict[int, int] = {}
        index = [first.setdefault(id(b), len(first)) for b in self.behaviours]
        distinct = list({id(b): b for b in self.behaviours}.values())
        return distinct, np.array(index, dtype=np.intp)

    def _column(self, figure: str) -> np.ndarray:
        distinct, index = self._distinct
        return np.array([getattr(b, figure) for b in distinct], dtype=float)[index]

    @cached_property
    def _index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    @cached_property
    def _leaves(self) -> dict[int, Leaf]:
        return {}

    def leaf(self, index: int) -> Leaf:
        """The one :class:`Leaf` of element ``index``."""
        return self._leaves.setdefault(index, Leaf(index))

    def index(self, name: str) -> int:
        """Row of the element called ``name``."""
        return self._index[name]

    def time_laws(self, row: int, what: str) -> tuple[Law, Law]:
        """``(failure, repair)`` laws of row ``row``; refused, naming the element, when it has a
        fixed availability only (nothing to say about time: ``what`` names who needs it)."""
        behaviour = self.behaviours[row]
        if behaviour.failure is None or behaviour.repair is None:
            raise SpecError(self.names[row], f"availability {behaviour.fixed_availability}",
                            f"time laws (mttf/mttr or failure/repair) for {what}: a fixed availability "
                            "says nothing about time")
        return behaviour.failure, behaviour.repair


class _Rows:
    """Collects the table's rows."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, name: str, kind: str, behaviour: Behaviour, count: int = 1, region: str | None = None,
            zone: str | None = None, role: str | None = None, common_cause: int = -1) -> int:
        self.rows.append((name, kind, count, behaviour, region, zone, role, common_cause))
        return len(self.rows) - 1

    def table(self) -> ElementTable:
        columns = list(zip(*self.rows)) if self.rows else [()] * 8
        return ElementTable(
            names=tuple(columns[0]), kinds=tuple(columns[1]), counts=np.array(columns[2], dtype=int),
            behaviours=tuple(columns[3]), region=tuple(columns[4]), zone=tuple(columns[5]),
            role=tuple(columns[6]), common_cause=np.array(columns[7], dtype=int))


# --- region form: sites ---------------------------------------------------------------------

@dataclass(frozen=True)
class RoleSite:
    """A role in one region: an instance group per zone, ``required`` of all to be up."""

    name: str
    zone_counts: tuple[int, ...]        # instances in each zone (uneven placement allowed)
    required: int
    instances: tuple[int, ...]          # per zone: the element of its instances
    common_cause: int | None
    depends_on: tuple[int, ...]         # the global-service elements it needs
    stateful: bool = False              # holds data (the spec's ``data`` names it)


@dataclass(frozen=True)
class RegionSite:
    """A region: its elements (a contiguous slice ``span`` of the table), its roles, and as a
    DR *site* its failover target and the recovery plan that applies when it is hit (its own
    ``regions.NAME.recovery``, else the spec's)."""

    name: str
    home: bool
    fails_over_to: str | None
    span: slice
    region: int
    zones: tuple[int, ...]
    zone_names: tuple[str, ...]
    links: tuple[tuple[str, str, int], ...]     # (endpoint, endpoint, element); INGRESS an endpoint
    roles: tuple[RoleSite, ...]
    recovery: Any = None                            # the recovery plan when this region is hit
    key: tuple = field(compare=False, default=())   # the numbers depend on this only (not the names)


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Element table and structure of one model (see the module docstring)."""

    name: str
    form: str
    year_hours: float
    elements: ElementTable
    globals: tuple[int, ...] = ()
    regions: tuple[RegionSite, ...] = ()
    root: Part | None = None                      # block form
    common_causes: tuple[int, ...] = ()           # block form
    block_links: tuple[tuple[str, str, int | None], ...] = ()   # block form: network edges
    shared: bool = False          # block form: some event or gate feeds several gates (a fault tree)
    model: Any = field(default=None, repr=False)

    @cached_property
    def teams(self) -> tuple[Any, ...]:
        """Repair teams of the spec's ``repair`` section (:mod:`hadr_model.topology.repair`);
        ``()``: every element has its own crews (independent repair)."""
        from .repair import resolve_teams

        return resolve_teams(self)

    @cached_property
    def standby(self) -> tuple[Any, ...]:
        """Standby groups of the spec's ``standby`` keys (:mod:`hadr_model.topology.standby`);
        ``()``: no spares. A group's rows count its active positions only."""
        from .standby import resolve_standby

        return resolve_standby(self)

    @cached_property
    def _sites(self) -> dict[str, RegionSite]:
        return {site.name: site for site in self.regions}

    def region(self, name: str) -> RegionSite:
        """The site of region ``name``."""
        return self._sites[name]

    @property
    def home_regions(self) -> tuple[str, ...]:
        return tuple(site.name for site in self.regions if site.home)

    def tenants(self, failover: str = "instantaneous") -> tuple[Part, ...]:
        """The structure of the service: one part per home region (block form: the root).

        ``failover``: ``"instantaneous"`` (a tenant is up while its home or failover region's
        service is) or ``"region-loss"`` (the failover region serves only after a region loss,
        from the :class:`Served` instant on).
        """
        if self.form == "blocks":
            return (self.root if self.root is not None else Node(((),), AtLeast(1)),)
        return self._tenant_parts[failover]

    @cached_property
    def _services(self) -> dict[str, tuple[Node, Leaf | None]]:
        return {site.name: _region_service(site, self.elements) for site in self.regions}

    @cached_property
    def _tenant_parts(self) -> dict[str, tuple[Part, ...]]:
        return {mode: tuple(self._tenant(site, mode == "region-loss") for site in self.regions if site.home)
                for mode in ("instantaneous", "region-loss")}

    def _tenant(self, site: RegionSite, region_loss_only: bool) -> Node:
        services = _present(self.elements, *(self.elements.leaf(g) for g in self.globals))
        service, own = self._services[site.name]
        channels: tuple[tuple[Part, ...], ...] = ((services,) if services else ()) + ((service,),)
        partner = site.fails_over_to
        only = False
        if partner:
            channels += ((self._services[partner][0],),)
            if region_loss_only:
                if own is None:     # a perfect region is never lost: no region loss, no failover
                    channels, partner = channels[:-1], None
                else:
                    channels += ((own,), (Served(own, site.name),))
                    only = True
        return Node(channels, TenantDown(bool(services), bool(partner), only))


def _never_down(table: ElementTable, index: int) -> bool:
    # A perfect element (availability 1), or a group of no copies (a zone without instances).
    return table.q[index] == 0.0 or table.counts[index] == 0


def _present(table: ElementTable, *parts: Part | None) -> tuple[Part, ...]:
    """The parts that can be down."""
    return tuple(p for p in parts if p is not None and not (isinstance(p, Leaf) and _never_down(table, p.element)))


def _leaf(table: ElementTable, index: int | None) -> Leaf | None:
    """The one leaf of element ``index`` (a shared event is one part wherever it is used)."""
    if index is None or _never_down(table, index):
        return None
    return table.leaf(index)


def _unusable_zones(site: RegionSite, table: ElementTable) -> list[Part | None]:
    """Per zone: the part that is down when the zone's instances cannot serve."""
    zones = [_leaf(table, z) for z in site.zones]
    if not site.links:
        return list(zones)
    links = [_leaf(table, index) for *_, index in site.links]
    channels = tuple((z,) for z in zones if z is not None) + tuple((link,) for link in links if link is not None)
    node_channels, c = {}, 0
    for name, zone in zip(site.zone_names, zones):
        if zone is not None:
            node_channels[name] = c
            c += 1
    edges = []
    for (a, b, _), link in zip(site.links, links):
        edges.append((a, b, c if link is not None else None))
        c += link is not None
    nodes = (INGRESS, *site.zone_names)
    return [Node(channels, Unreachable(INGRESS, z, nodes, node_channels, edges)) for z in site.zone_names]


def _region_service(site: RegionSite, table: ElementTable) -> tuple[Node, Leaf | None]:
    own = _leaf(table, site.region)
    unusable = _unusable_zones(site, table)
    roles = []
    for role in site.roles:
        channels: list[tuple[Part, ...]] = []
        for z, instances in enumerate(role.instances):
            channels.append(tuple(p for p in (unusable[z],) if p is not None))
            channels.append(_present(table, table.leaf(instances)))
        common = _leaf(table, role.common_cause)
        if common is not None:
            channels.append((common,))
        total = sum(role.zone_counts)
        roles.append(Node(tuple(channels), RoleDown(role.zone_counts, total - role.required + 1, common is not None)))
    parts = tuple(p for p in (own, *roles) if p is not None)
    return Node((parts,), AtLeast(1)), own


def _region_site(topology: Topology, region: Region, rows: _Rows, globals_: Mapping[str, int],
                 stateful: set[str]) -> RegionSite:
    start = len(rows.rows)
    name = region.name
    own = rows.add(f"region:{name}", "region", region.region, region=name)
    zones = tuple(rows.add(f"zone:{zone}", "zone", region.zone, region=name, zone=zone) for zone in region.zones)
    links = tuple((a, b, rows.add(link_label(a, b, name), "link", behaviour, region=name))
                  for a, b, behaviour in (region.network.links if region.network else ()))
    counts = [region.zone_counts(role) for role in topology.roles]     # read once per role
    instances = [[rows.add(f"instance:{role.name}@{zone}", "instance", role.instance, count, name, zone, role.name)
                  for zone, count in zip(region.zones, zone_counts)]
                 for role, zone_counts in zip(topology.roles, counts)]
    roles = []
    for role, groups, zone_counts in zip(topology.roles, instances, counts):
        common = None
        if role.common_cause is not None:
            common = rows.add(f"common-cause:{role.name}@{name}", "common-cause", role.common_cause,
                              region=name, role=role.name)
            for index in groups:
                rows.rows[index] = rows.rows[index][:7] + (common,)
        roles.append(RoleSite(role.name, zone_counts, role.required(sum(zone_counts)),
                              tuple(groups), common, tuple(globals_[g] for g in role.depends_on if g in globals_),
                              role.name in stateful))
    return RegionSite(name, region.home, region.fails_over_to, slice(start, len(rows.rows)), own, zones,
                      region.zones, links, tuple(roles), topology.recovery_of(region), key=region_key(region))


def region_key(region: Region) -> tuple:
    """Everything the numbers of a region depend on, but the roles (the same for every region)."""
    links: tuple = ()
    if region.network:
        index = {zone: i for i, zone in enumerate(region.zones)}
        links = tuple((index.get(a, a), index.get(b, b), behaviour) for a, b, behaviour in region.network.links)
    return (len(region.zones), region.zone, region.region, links, tuple(sorted(region.per_zone)))


def _compile_topology(topology: Topology) -> CompiledModel:
    rows = _Rows()
    globals_ = {g.name: rows.add(f"global:{g.name}", "global", g.behaviour) for g in topology.used_global_services}
    stateful = set(topology.data or {})
    sites = tuple(_region_site(topology, region, rows, globals_, stateful) for region in topology.regions)
    return CompiledModel(topology.name, "regions", topology.year_hours, rows.table(),
                         globals=tuple(globals_.values()), regions=sites, model=topology)


# --- block form -----------------------------------------------------------------------------

class _BlockCompiler:
    def __init__(self, system: BlockSystem) -> None:
        self.rows = _Rows()
        components = system.components()
        self.index = {id(c): self.rows.add(c.name, "component", c.behaviour) for c in components}
        self.common = {name: self.rows.add(name, "common-cause", behaviour) for name, behaviour in system.common_causes}
        for c in components:
            if c.common_cause:
                i = self.index[id(c)]
                self.rows.rows[i] = self.rows.rows[i][:7] + (self.common[c.common_cause],)
        self.table = self.rows.table()
        self.links: list[tuple[str, str, int | None]] = []
        self.parts: dict[int, Part | None] = {}

    def part(self, block: Block) -> Part | None:
        # A fault tree's shared gate is one part wherever it is used (and is built once).
        key = id(block)
        if key not in self.parts:
            self.parts[key] = self._part(block)
        return self.parts[key]

    def _part(self, block: Block) -> Part | None:
        table = self.table
        if isinstance(block, Component):
            leaf = _leaf(table, self.index[id(block)])
            shared = _leaf(table, self.common[block.common_cause]) if block.common_cause else None
            return Node((tuple(p for p in (leaf, shared) if p is not None),), AtLeast(1)) \
                if shared is not None else leaf
        if isinstance(block, Network):
            return self.network(block)
        children = [self.part(child) for child in block.children]
        n = len(children)
        need = {Series: 1, Parallel: n}.get(type(block), n - getattr(block, "k", 0) + 1)
        parts = tuple(p for p in children if p is not None)
        if len(parts) == 1 and need == 1:
            return parts[0]     # a series of one: no node needed (every block part is 0 / 1)
        assert isinstance(block, (Series, Parallel, KOfN))
        return Node((parts,), AtLeast(need))

    def network(self, block: Network) -> Node:
        channels: list[tuple[Part, ...]] = []
        node_channels: dict[str, int] = {}
        for name, component in block.nodes:
            part = self.part(component) if component is not None else None
            if part is not None:
                node_channels[name] = len(channels)
                channels.append((part,))
        edges = []
        for u, v, component in block.edges:
            part = self.part(component) if component is not None else None
            edges.append((u, v, len(channels) if part is not None else None))
            self.links.append((u, v, self.index[id(component)] if component is not None else None))
            if part is not None:
                channels.append((part,))
        nodes = tuple(name for name, _ in block.nodes)
        return Node(tuple(channels), Unreachable(block.source, block.target, nodes, node_channels, edges,
                                                 terminals=block.connects, field=block.spec_field))


def _compile_blocks(system: BlockSystem) -> CompiledModel:
    compiler = _BlockCompiler(system)
    root = compiler.part(system.root)
    return CompiledModel(system.name, "blocks", system.year_hours, compiler.table, root=root,
                         common_causes=tuple(compiler.common.values()), block_links=tuple(compiler.links),
                         shared=system.fault_tree or bool(system.ccf_groups), model=system)


def compile_model(model: Model) -> CompiledModel:
    """Compile a loaded spec; prefer ``model.compiled``, which compiles once per model.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"parallel": [{"component": {"name": "web", "mttf": "1000h", "mttr": "1h",
    ...                                                "count": 2}}]}}
    >>> compiled = compile_model(load_spec(spec))
    >>> compiled.elements.names, compiled.root.rule.m
    (('web[1]', 'web[2]'), 2)
    """
    if isinstance(model, BlockSystem):
        return _compile_blocks(model)
    return _compile_topology(model)
