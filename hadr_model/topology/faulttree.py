r"""The fault-tree form of a spec: coherent gates over named basic events, shared freely.

.. code-block:: yaml

    name: cooling
    fault_tree:
      top: loss_of_cooling
      gates:
        loss_of_cooling: {or: [power, pumps]}
        pumps: {atleast: {k: 2, of: [pump_a, pump_b, pump_c]}}
        power: {and: [grid, diesel]}
      events:
        grid:   {mttf: 2000h, mttr: 4h}
        diesel: {probability: 0.01}          # failed on demand: no time behaviour
        pump_a: {mttf: 1000h, mttr: 10h}
        …

A gate fails when **any** (``or``), **every** (``and``) or **at least k** (``atleast``) of its
inputs fail; inputs are gates or events, and one event (or gate) may feed several gates, so the
structure is a directed acyclic graph. It is read into the block form by duality — failure
``or`` = series, ``and`` = parallel, ``atleast k of n`` = ``k_of_n`` with ``n − k + 1`` up —
with each event **one** component and each gate **one** block wherever it is used: the
compiled model then holds one leaf per event, and the exact engine evaluates the shared
structure with a binary decision diagram (:mod:`hadr_model.engines.bdd`). An event takes time
laws like a component (``mttf``/``mttr``, ``failure``/``repair``), a fixed ``availability``, or a
``probability`` of being failed (``availability = 1 − probability``; no time behaviour, so Monte
Carlo refuses it by name).

Refused, naming the field: an unknown input, a cycle, a gate without inputs, ``k`` out of
``1 … inputs``, a name used for both a gate and an event, more than :data:`MAX_DEPTH` gates on
one path, more gates or events than the block form's limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import SpecError
from . import _checks as check
from . import schema
from .model import Behaviour, Block, BlockSystem, Component, KOfN, Parallel, Series

__all__ = ["MAX_DEPTH", "parse_fault_tree_form"]

MAX_DEPTH = 200
"""Most gates on one path from the top: deeper trees are refused (and nothing recurses deeper)."""


def parse_fault_tree_form(top: Mapping[str, Any], source: str | None) -> BlockSystem:
    """Read a ``fault_tree`` spec (already a mapping) into a :class:`BlockSystem` with shared parts."""
    from .spec import _check_description, _name, _year_hours, parse_behaviour, parse_fraction

    check.check_keys(top, schema.keys("fault_tree_form"), "")
    _check_description(top, "")
    tree = check.mapping(top["fault_tree"], "fault_tree", "a mapping with top, gates and events")
    check.check_keys(tree, schema.keys("fault_tree"), "fault_tree")
    for key in ("top", "gates", "events"):
        if key not in tree:
            raise SpecError(f"fault_tree.{key}", SpecError.NO_VALUE, "the top event, the gates and the basic events")
    events = _events(tree["events"], parse_behaviour, parse_fraction)
    gates = _gates(tree["gates"], events)
    top_name = check.text(tree["top"], "fault_tree.top", "the name of a gate or an event")
    if top_name not in gates and top_name not in events:
        raise SpecError("fault_tree.top", top_name, "the name of a gate or an event")
    blocks, groups = _common_cause(top, events, gates)
    root = _blocks(top_name, gates, blocks)
    from . import dataprotection

    objectives = dataprotection.parse_objectives(top.get("objectives", {}), "objectives")
    return BlockSystem(name=_name(top, "fault_tree_form"), root=root, year_hours=_year_hours(top, "fault_tree_form"),
                       objectives=objectives, source=source, raw=dict(top), fault_tree=True, ccf_groups=groups)


def _common_cause(top: Mapping[str, Any], events: dict[str, Component], gates: Mapping[str, Any]
                  ) -> tuple[dict[str, Block], tuple[Any, ...]]:
    """Each event's block: itself, or for a member of a ``common_cause_groups`` group the OR of its
    group's events (:mod:`hadr_model.topology.ccf`); and the groups."""
    if "common_cause_groups" not in top:
        return dict(events), ()
    from . import ccf

    groups = ccf.parse_groups(top["common_cause_groups"], {name: c.behaviour for name, c in events.items()},
                              set(events) | set(gates))
    expanded, groups = ccf.member_blocks(groups, events)
    return {**events, **expanded}, groups


def _events(raw: Any, parse_behaviour: Any, parse_fraction: Any) -> dict[str, Component]:
    from .spec import MAX_BLOCK_COMPONENTS, _check_description

    section = check.mapping(raw, "fault_tree.events", "a mapping of event names to {probability} or time laws")
    if not section or len(section) > MAX_BLOCK_COMPONENTS:
        raise SpecError("fault_tree.events", f"{len(section)} events", f"1 to {MAX_BLOCK_COMPONENTS:,} basic events")
    events = {}
    for name, body in section.items():
        field = f"fault_tree.events.{name}"
        check.name(name, field, "an event name")
        body = check.mapping(body, field, "{probability: 0.01}, {mttf: …, mttr: …} or {availability: …}")
        check.check_keys(body, schema.keys("event"), field)
        _check_description(body, field)
        if "probability" in body:
            others = [k for k in schema.BEHAVIOUR_KEYS if k in body]
            if others:
                raise SpecError(f"{field}.{others[0]}", body[others[0]], "either a probability or time laws, not both")
            p = parse_fraction(body["probability"], f"{field}.probability",
                               expected="a probability in [0, 1)")
            if not 0.0 <= p < 1.0:
                raise SpecError(f"{field}.probability", body["probability"],
                                "a probability in [0, 1) (1: always failed)")
            behaviour = Behaviour(fixed_availability=1.0 - p)
        else:
            behaviour = parse_behaviour(body, field)
        events[name] = Component(name, behaviour)
    return events


def _gates(raw: Any, events: Mapping[str, Component]) -> dict[str, tuple[str, int, tuple[str, ...]]]:
    """Per gate: (kind, failed inputs that fail it, inputs), every input checked to exist."""
    from .spec import MAX_BLOCKS

    section = check.mapping(raw, "fault_tree.gates", "a mapping of gate names to {or|and: [...]} or {atleast: …}")
    if not section or len(section) > MAX_BLOCKS:
        raise SpecError("fault_tree.gates", f"{len(section)} gates", f"1 to {MAX_BLOCKS:,} gates")
    gates = {}
    for name, body in section.items():
        field = f"fault_tree.gates.{name}"
        check.name(name, field, "a gate name")
        if name in events:
            raise SpecError(field, name, "a name that is not also an event's")
        body = check.mapping(body, field, "exactly one of {or: [...]}, {and: [...]}, {atleast: {k, of}}")
        check.check_keys(body, schema.keys("gate"), field)
        if len(body) != 1:
            raise SpecError(field, sorted(body), "exactly one of or, and, atleast")
        (kind, value), = body.items()
        if kind == "atleast":
            value = check.mapping(value, f"{field}.atleast", "{k: 2, of: [inputs]}")
            check.check_keys(value, schema.keys("atleast"), f"{field}.atleast")
            inputs = _inputs(value.get("of"), f"{field}.atleast.of", section, events)
            failed = check.integer(value.get("k"), f"{field}.atleast.k", 1, len(inputs))
        else:
            inputs = _inputs(value, f"{field}.{kind}", section, events)
            failed = 1 if kind == "or" else len(inputs)
        gates[name] = (kind, failed, inputs)
    return gates


def _inputs(raw: Any, field: str, gates: Mapping[str, Any], events: Mapping[str, Component]) -> tuple[str, ...]:
    items = check.sequence(raw, field, "a list of gate or event names")
    if not items:
        raise SpecError(field, [], "at least one input (a gate or an event)")
    names = []
    for i, item in enumerate(items):
        name = check.text(item, f"{field}[{i}]", "a gate or event name")
        if name not in gates and name not in events:
            raise SpecError(f"{field}[{i}]", name, "the name of a gate or an event of this fault tree")
        names.append(name)
    return tuple(names)


def _blocks(top: str, gates: Mapping[str, tuple[str, int, tuple[str, ...]]],
            events: Mapping[str, Block]) -> Block:
    """The block of ``top``, each gate built once (iteratively: no recursion however deep)."""
    if top in events:
        return events[top]
    built: dict[str, Block] = {}
    on_path: list[str] = []
    stack: list[tuple[str, bool]] = [(top, False)]
    while stack:
        name, expanded = stack.pop()
        if name in built or name in events:
            continue
        kind, failed, inputs = gates[name]
        if expanded:
            on_path.pop()
            children = tuple(built[i] if i in built else events[i] for i in inputs)
            built[name] = _gate_block(kind, failed, children)
            continue
        # A gate reached again while it is on the path is caught below, as an input of its descendant.
        on_path.append(name)
        if len(on_path) > MAX_DEPTH:
            raise SpecError(f"fault_tree.gates.{name}", f"{len(on_path)} gates deep",
                            f"at most {MAX_DEPTH} gates on a path")
        stack.append((name, True))
        stack.extend((i, False) for i in reversed(inputs) if i in gates and i not in built)
        for i in inputs:
            if i in on_path:
                raise SpecError(f"fault_tree.gates.{name}", " → ".join([*on_path[on_path.index(i):], i]),
                                "a gate that does not depend on itself (no cycle)")
    return built[top]


def _gate_block(kind: str, failed: int, children: tuple[Block, ...]) -> Block:
    # Duality: a failure OR is a series of successes, an AND a parallel, ≥ k failed of n a (n−k+1)-of-n.
    if kind == "or":
        return Series(children)
    if kind == "and":
        return Parallel(children)
    return KOfN(len(children) - failed + 1, children)
