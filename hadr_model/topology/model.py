"""The validated model a spec is loaded into.

Two forms share one vocabulary of *elements*, each a repairable thing that is up or down:

* the **region form** (:class:`Topology`): regions of zones hosting role instances, shared
  global services, optional zone networks; zones, regions and global services are shared
  (common-cause) events for everything they contain;
* the **block form** (:class:`BlockSystem`): a reliability-block diagram of series, parallel,
  k-of-n and network blocks over named components.

All durations are hours. The dataclasses are frozen: a model is a value, sweeps change it by
building a new one from an edited spec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .laws import Law

__all__ = [
    "INGRESS",
    "Behaviour",
    "Block",
    "BlockSystem",
    "Component",
    "GlobalService",
    "KOfN",
    "Model",
    "Network",
    "Parallel",
    "Region",
    "Role",
    "Series",
    "Topology",
    "ZoneNetwork",
    "link_label",
]


@dataclass(frozen=True)
class Behaviour:
    """How an element fails and is repaired.

    Either a pair of time laws (``failure``, ``repair``) or a fixed steady-state
    ``availability`` (an SLA figure with no time behaviour).

    Examples
    --------
    >>> from hadr_model.topology.laws import exponential
    >>> Behaviour(exponential(999.0), exponential(1.0)).availability
    0.999
    """

    failure: Law | None = None
    repair: Law | None = None
    fixed_availability: float | None = None

    @property
    def has_time_law(self) -> bool:
        return self.failure is not None and self.repair is not None

    # The figures below are cached (a behaviour is a frozen value, shared by many table rows):
    # the compiled table and the engines read them ~1000 times per model of the default spec.
    @cached_property
    def mttf_h(self) -> float:
        return self.failure.mean_h if self.failure is not None else math.nan

    @cached_property
    def mttr_h(self) -> float:
        return self.repair.mean_h if self.repair is not None else math.nan

    @cached_property
    def availability(self) -> float:
        if self.fixed_availability is not None:
            return self.fixed_availability
        return self.mttf_h / (self.mttf_h + self.mttr_h)

    @cached_property
    def unavailability(self) -> float:
        """``MTTR / (MTTF + MTTR)``, computed directly so tiny values keep their digits."""
        if self.fixed_availability is not None:
            return 1.0 - self.fixed_availability
        if self.repairable is False:
            return 1.0      # down for good once failed: the long run is down (inf / inf otherwise)
        return self.mttr_h / (self.mttf_h + self.mttr_h)

    @cached_property
    def repairable(self) -> bool | None:
        """``False`` for a non-repairable element (``mttr: never``), ``None`` without time laws."""
        if self.repair is None:
            return None
        return not self.repair.is_never

    @cached_property
    def cycle_h(self) -> float:
        """Mean length of one up-down cycle, ``MTTF + MTTR`` (NaN without time laws)."""
        return self.mttf_h + self.mttr_h

    def describe(self) -> str:
        if self.fixed_availability is not None:
            return f"availability {self.fixed_availability:.6g} (fixed)"
        assert self.failure is not None and self.repair is not None
        return f"failure {self.failure.describe()}, repair {self.repair.describe()}"


PERFECT = Behaviour(fixed_availability=1.0)


@dataclass(frozen=True)
class Role:
    """A component role replicated in every zone of every region.

    ``required`` instances out of all the role's instances in a region must be up (and in an
    up, reachable zone) for the role to be up. With a beta factor, each instance keeps the
    independent part of its failure rate and one common-cause element per region fails all
    instances of the role at once.
    """

    name: str
    per_zone: int | tuple[int, ...]     # the same in every zone, or one count per zone (uneven)
    needs: str
    instance: Behaviour
    depends_on: tuple[str, ...] = ()
    beta: float = 0.0
    common_cause: Behaviour | None = None

    def required(self, total: int) -> int:
        """Number of instances that must be up among ``total`` instances of the role."""
        needs = self.needs
        if needs == "any":
            return 1
        if needs == "all":
            return total
        if needs == "quorum":
            return total // 2 + 1
        if needs.endswith("%"):
            fraction = float(needs[:-1]) / 100.0
            return max(1, math.ceil(round(fraction * total, 9)))
        return int(needs)


@dataclass(frozen=True)
class GlobalService:
    """A service shared by every region (DNS, identity …): a common-cause event for all."""

    name: str
    behaviour: Behaviour


INGRESS = "@ingress"
"""The ingress endpoint of a zone network's links: '@' is reserved, so no zone can be named so."""


@dataclass(frozen=True)
class ZoneNetwork:
    """Links inside a region: a zone's instances count only when the zone reaches the ingress.

    ``links`` are (endpoint, endpoint, behaviour) with endpoints zone names or :data:`INGRESS`.
    """

    links: tuple[tuple[str, str, Behaviour], ...]


def link_label(a: str, b: str, region: str) -> str:
    """Element label of the link between endpoints ``a`` and ``b`` of ``region``'s zone network.

    ``ingress_link:ZONE@REGION`` for a zone's link to the ingress, ``zone_link:A|B@REGION``
    between two zones. Names hold neither '@' nor '|', so two links never share a label.

    Examples
    --------
    >>> link_label(INGRESS, "east-1", "east"), link_label("east-1", "east-2", "east")
    ('ingress_link:east-1@east', 'zone_link:east-1|east-2@east')
    """
    if INGRESS in (a, b):
        zone = b if a == INGRESS else a
        return f"ingress_link:{zone}@{region}"
    return f"zone_link:{a}|{b}@{region}"


@dataclass(frozen=True)
class Region:
    """A region: its zones, its own failure behaviour and its failover target."""

    name: str
    zones: tuple[str, ...]
    zone: Behaviour
    region: Behaviour
    fails_over_to: str | None = None
    home: bool = True
    network: ZoneNetwork | None = None
    per_zone: tuple[tuple[str, int | tuple[int, ...]], ...] = ()
    recovery: Any = None     # this region's own recovery plan (None: the topology's)

    @cached_property
    def _per_zone_overrides(self) -> dict[str, int | tuple[int, ...]]:
        return dict(self.per_zone)

    def zone_counts(self, role: Role) -> tuple[int, ...]:
        """Instances of ``role`` in each zone of this region, in zone order (a region may override;
        a tuple places them unevenly, e.g. 4 app servers across 3 zones as ``(2, 1, 1)``)."""
        count = self._per_zone_overrides.get(role.name, role.per_zone)
        if isinstance(count, tuple):
            return count
        return (count,) * len(self.zones)

    def instances_per_zone(self, role: Role) -> int:
        """Instances of ``role`` in each zone, when every zone has as many (else ``ValueError``)."""
        counts = set(self.zone_counts(role))
        if len(counts) > 1:
            raise ValueError(f"{role.name} is placed unevenly in {self.name}: {self.zone_counts(role)}")
        return counts.pop() if counts else 0

    def instances(self, role: Role) -> int:
        """Instances of ``role`` in the whole region."""
        return sum(self.zone_counts(role))


@dataclass(frozen=True)
class Topology:
    """Region form of a spec (see :mod:`hadr_model.topology.spec`)."""

    name: str
    regions: tuple[Region, ...]
    roles: tuple[Role, ...]
    global_services: tuple[GlobalService, ...] = ()
    year_hours: float = 8760.0
    data: Any = None
    recovery: Any = None
    objectives: Any = None
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def compiled(self) -> Any:
        """The element table and structure every engine consumes (compiled once; see
        :mod:`hadr_model.topology.compiled`)."""
        from .compiled import compile_model  # compiled builds on this module

        return compile_model(self)

    def region(self, name: str) -> Region:
        for region in self.regions:
            if region.name == name:
                return region
        raise KeyError(name)

    def recovery_of(self, region: Region) -> Any:
        """The recovery plan that applies when ``region`` is lost."""
        return region.recovery if region.recovery is not None else self.recovery

    @property
    def home_regions(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.home)

    @property
    def used_global_services(self) -> tuple[GlobalService, ...]:
        used = {name for role in self.roles for name in role.depends_on}
        return tuple(g for g in self.global_services if g.name in used)


@dataclass(frozen=True)
class Component:
    """A leaf of a block diagram."""

    name: str
    behaviour: Behaviour
    common_cause: str | None = None


@dataclass(frozen=True)
class Series:
    children: tuple[Block, ...]


@dataclass(frozen=True)
class Parallel:
    children: tuple[Block, ...]


@dataclass(frozen=True)
class KOfN:
    k: int
    children: tuple[Block, ...]


@dataclass(frozen=True)
class Network:
    """A network: up while its terminals are all connected over up nodes and edges.

    Two-terminal: ``source`` reaches ``target``; K-terminal: every node of ``terminals``
    (``source`` and ``target`` are then its first and last); all-terminal (``all_terminal``):
    every node. ``nodes`` maps a node name to its component (``None``: a node that never
    fails); ``edges`` are (node, node, component or None), undirected. ``spec_field`` is the spec
    field it was read from (named by the engines' refusals).
    """

    source: str
    target: str
    nodes: tuple[tuple[str, Component | None], ...]
    edges: tuple[tuple[str, str, Component | None], ...]
    terminals: tuple[str, ...] = ()
    all_terminal: bool = False
    spec_field: str = field(default="blocks.network", compare=False)

    @property
    def connects(self) -> tuple[str, ...]:
        """The nodes that must be connected (``(source, target)`` for two terminals)."""
        return self.terminals or (self.source, self.target)

    @property
    def label(self) -> str:
        """What it asks, in words: ``s → t``, ``all-terminal`` or ``terminals a, b, c``."""
        if self.all_terminal:
            return "all-terminal"
        if len(self.connects) == 2:
            return f"{self.connects[0]} → {self.connects[1]}"
        return "terminals " + ", ".join(self.connects)


Block = Component | Series | Parallel | KOfN | Network


@dataclass(frozen=True)
class BlockSystem:
    """Block form of a spec: a reliability-block diagram.

    ``common_causes`` maps a common-cause element name to its behaviour; the components of a
    group (copies with a beta factor) are all down while it is down.
    """

    name: str
    root: Block
    common_causes: tuple[tuple[str, Behaviour], ...] = ()
    year_hours: float = 8760.0
    objectives: Any = None
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    fault_tree: bool = False     # read from a fault tree: blocks and components may be shared
    # PRA common-cause groups (hadr_model.topology.ccf), already expanded into shared events of the root
    ccf_groups: tuple[Any, ...] = ()

    @cached_property
    def compiled(self) -> Any:
        """The element table and structure every engine consumes (compiled once; see
        :mod:`hadr_model.topology.compiled`)."""
        from .compiled import compile_model  # compiled builds on this module

        return compile_model(self)

    def components(self) -> list[Component]:
        """Every component leaf, in order of first appearance (a shared one once)."""
        found: list[Component] = []
        _collect(self.root, found)
        return found


def _collect(block: Block, found: list[Component]) -> None:
    # Iterative with a seen set: a fault tree's shared gates are walked once, however deep.
    seen: set[int] = set()
    stack = [block]
    while stack:
        block = stack.pop()
        if id(block) in seen:
            continue
        seen.add(id(block))
        if isinstance(block, Component):
            found.append(block)
        elif isinstance(block, Network):
            for c in [c for _, c in block.nodes if c is not None] + [c for _, _, c in block.edges if c is not None]:
                if id(c) not in seen:
                    seen.add(id(c))
                    found.append(c)
        else:
            stack.extend(reversed(block.children))


Model = Topology | BlockSystem
