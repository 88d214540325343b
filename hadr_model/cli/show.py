"""``hadr show SPEC [--json] [--png FILE]``: describe and draw the topology.

The description covers every part of a spec: regions and their zones, failover pairs, roles
(instances per zone, what they need, their laws), global services, data protection, recovery
plans (the top level's and each region's own) and objectives (stated or not); for the block
form, the block structure and every component. ``--json`` gives the same as one JSON object.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..topology.dataprotection import SCENARIOS, STEPS, DataProtection, Objectives, RecoveryPlan
from ..topology.laws import Law, Sum
from ..topology.model import Behaviour, Block, BlockSystem, Component, KOfN, Model, Network, Parallel, Series, Topology
from ..units import format_duration
from ._common import add_json_argument, add_spec_argument, load, print_json, printable, table, with_spec


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="describe the topology; --png draws it")
    add_spec_argument(parser)
    parser.add_argument("--png", metavar="FILE.png",
                        help="draw the topology graph into a PNG file (a name ending in .png, in an existing folder)")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def law_text(law: Law) -> str:
    """A law for people, in the most readable unit: ``15 min``, ``exponential(mean 83.3 d)``,
    ``lognorm(s=1; mean 10 GB)``, ``100 MiB/s``."""
    show: Callable[[float], str]
    if law.unit == "bytes":
        show = size_text
    elif law.unit == "bytes/h":
        show = rate_text
    else:
        show = format_duration
    if isinstance(law, Sum):      # an outage: detect, then repair (each part in its own words)
        labels = law.labels if len(law.labels) == len(law.parts) else ("",) * len(law.parts)
        return " + ".join(f"{label} {law_text(part)}".strip() for label, part in zip(labels, law.parts))
    if law.fixed is not None:
        return show(law.fixed)
    if law.is_exponential:
        return f"exponential(mean {show(law.mean)})"
    shapes = ", ".join(f"{k}={v:g}" for k, v in law.params if k not in ("loc", "scale"))
    return f"{law.dist}({shapes}{'; ' if shapes else ''}mean {show(law.mean)})"


def size_text(size_bytes: float) -> str:
    """``5e11`` → ``'500 GB'`` (SI units, three significant digits)."""
    for unit, factor in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size_bytes >= factor:
            return f"{size_bytes / factor:.3g} {unit}"
    return f"{size_bytes:.3g} B"


def rate_text(bytes_per_h: float) -> str:
    """A throughput in bytes per hour for people, per second: ``'105 MB/s'``."""
    return f"{size_text(bytes_per_h / 3600.0)}/s"


def _law_json(law: Law | None) -> dict[str, Any] | None:
    if law is None:
        return None
    suffix = {"h": "mean_h", "bytes": "mean_bytes", "bytes/h": "mean_bytes_per_h"}[law.unit]
    return {"dist": law.dist, suffix: law.mean, "params": dict(law.params), "text": law_text(law)}


def _behaviour_json(behaviour: Behaviour | None) -> dict[str, Any] | None:
    if behaviour is None:
        return None
    if behaviour.fixed_availability is not None:
        return {"availability": behaviour.fixed_availability, "fixed": True,
                "text": f"availability {behaviour.fixed_availability:.6g} (fixed)"}
    return {"availability": behaviour.availability, "fixed": False, "failure": _law_json(behaviour.failure),
            "repair": _law_json(behaviour.repair),
            "text": f"fails {law_text(behaviour.failure)}, repaired {law_text(behaviour.repair)}"
            if behaviour.failure is not None and behaviour.repair is not None else ""}


def _objectives_json(objectives: Objectives | None) -> dict[str, Any] | None:
    if objectives is None:
        return None
    return {"availability": objectives.availability, "rpo_h": dict(objectives.rpo_h),
            "rto_h": dict(objectives.rto_h), "confidence": objectives.confidence,
            "stated": sorted(objectives.given)}


def _plan_json(plan: RecoveryPlan) -> dict[str, dict[str, Any]]:
    return {scenario: {step: _law_json(plan.step(scenario, step)) for step in STEPS[scenario]}
            for scenario in SCENARIOS}


def _data_json(data: DataProtection) -> dict[str, Any]:
    snapshots, restore, databases = data.snapshots, data.restore, data.databases
    return {
        "size": _law_json(data.size_bytes),
        "write_rate_bytes_per_h": data.write_rate.bytes_per_h if data.write_rate is not None else None,
        "replication": {"within_region": data.replication.within_region,
                        "across_regions": data.replication.across_regions, "lag": _law_json(data.replication.lag)},
        "snapshots": None if snapshots is None else {
            "every_h": snapshots.every_h, "takes": _law_json(snapshots.takes), "copy_to": snapshots.copy_to,
            "copy_takes": _law_json(snapshots.copy_takes), "keep_h": snapshots.keep_h},
        "restore": {"throughput": _law_json(restore.throughput_bytes_per_h),
                    "index_rebuild": _law_json(restore.index_rebuild), "verify": _law_json(restore.verify)},
        "databases": {"count": databases.count, "size": _law_json(data.database_size_bytes), "slots": databases.slots,
                      "shared_throughput_bytes_per_h": databases.shared_throughput_bytes_per_h},
    }


def _failover_pairs(model: Topology) -> list[dict[str, Any]]:
    targets = {r.name: r.fails_over_to for r in model.regions}
    pairs = []
    for region in model.regions:
        target = region.fails_over_to
        if target is None:
            continue
        mutual = targets.get(target) == region.name
        if mutual and target < region.name:
            continue   # listed once, from the first of the two names
        pairs.append({"from": region.name, "to": target, "mutual": mutual})
    return pairs


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Component):
        return {"component": block.name}
    if isinstance(block, Network):
        return {"network": {"source": block.source, "target": block.target, "terminals": list(block.connects),
                            "all_terminal": block.all_terminal,
                            "nodes": [{"name": n, "component": c.name if c else None} for n, c in block.nodes],
                            "edges": [{"between": [a, b], "component": c.name if c else None}
                                      for a, b, c in block.edges]}}
    if isinstance(block, KOfN):
        return {"k_of_n": {"k": block.k, "of": [_block_json(child) for child in block.children]}}
    kind = "series" if isinstance(block, Series) else "parallel"
    assert isinstance(block, Series | Parallel)
    return {kind: [_block_json(child) for child in block.children]}


def describe_json(model: Model) -> dict[str, Any]:
    """The topology as plain data (``hadr show --json``): what ``hadr show`` prints."""
    head = {"name": model.name, "form": "blocks" if isinstance(model, BlockSystem) else "regions",
            "source": model.source, "description": model.raw.get("description"), "year_hours": model.year_hours}
    if isinstance(model, BlockSystem):
        return {**head, "structure": _block_json(model.root),
                "components": [{"name": c.name, "behaviour": _behaviour_json(c.behaviour),
                                "common_cause": c.common_cause} for c in model.components()],
                "common_causes": [{"name": name, "behaviour": _behaviour_json(b)} for name, b in model.common_causes],
                "objectives": _objectives_json(model.objectives)}
    regions = [{"name": r.name, "zones": list(r.zones), "fails_over_to": r.fails_over_to, "home": r.home,
                "zone": _behaviour_json(r.zone), "region": _behaviour_json(r.region), "per_zone": dict(r.per_zone),
                "zone_network_links": len(r.network.links) if r.network else 0,
                "recovery": "own" if r.recovery is not None else "top-level"} for r in model.regions]
    roles = [{"name": role.name, "per_zone": role.per_zone, "needs": role.needs,
              "required": {r.name: [role.required(r.instances(role)), r.instances(role)] for r in model.regions},
              "depends_on": list(role.depends_on), "beta": role.beta, "instance": _behaviour_json(role.instance),
              "common_cause": _behaviour_json(role.common_cause)} for role in model.roles]
    recovery = model.recovery
    return {**head, "regions": regions, "failover_pairs": _failover_pairs(model), "roles": roles,
            "global_services": [{"name": g.name, "behaviour": _behaviour_json(g.behaviour),
                                 "used_by": [role.name for role in model.roles if g.name in role.depends_on]}
                                for g in model.global_services],
            "data": {name: _data_json(data) for name, data in (model.data or {}).items()},
            "recovery": None if recovery is None else {
                "strategy": recovery.strategy, "corruption_per_year": recovery.corruption_per_year,
                "steps": _plan_json(recovery),
                "regions": {r.name: _plan_json(r.recovery) for r in model.regions if r.recovery is not None}},
            "objectives": _objectives_json(model.objectives)}


def _text(entry: dict[str, Any] | None) -> str:
    return "-" if entry is None else entry["text"]


def summary_line(model: Model) -> str:
    """One line: the name and the size of the model."""
    if isinstance(model, BlockSystem):
        form = "fault tree (read as a block diagram; shared events)" if model.fault_tree else "block form"
        return (f"{printable(model.name)}: {form}, {len(model.components())} components, "
                f"{len(model.common_causes)} common-cause groups")
    return (f"{printable(model.name)}: {len(model.regions)} regions, {sum(len(r.zones) for r in model.regions)} "
            f"zones, {len(model.roles)} roles, {len(model.global_services)} global services")


def _tree_lines(tree: dict[str, Any], depth: int = 0) -> list[str]:
    pad = "  " * depth
    (kind, body), = tree.items()
    if kind == "component":
        return [f"{pad}{printable(body)}"]
    if kind == "network":
        failing = sum(1 for e in body["edges"] if e["component"]) + sum(1 for n in body["nodes"] if n["component"])
        terminals = body.get("terminals") or (body["source"], body["target"])
        ends = ("all-terminal" if body.get("all_terminal") else " -> ".join(printable(t) for t in terminals)
                if len(terminals) == 2 else "joining " + ", ".join(printable(t) for t in terminals))
        return [f"{pad}network {ends} "
                f"({len(body['edges'])} edges, {failing} elements that fail)"]
    if kind == "k_of_n":
        children, label = body["of"], f"{body['k']} of {len(body['of'])}"
    else:
        children, label = body, kind
    return [f"{pad}{label}"] + [line for child in children for line in _tree_lines(child, depth + 1)]


def _objectives_text(objectives: dict[str, Any] | None, dr: bool = True) -> list[str]:
    """The objectives, stated or not; RPO / RTO only where DR workflows exist (``dr``)."""
    if objectives is None:
        return []
    stated = set(objectives["stated"])

    def shown(key: str, value: str) -> str:
        return value if key in stated else f"{value} (not stated: not judged)"

    rows = [("availability", shown("availability", f"{objectives['availability']:.6g}"))]
    for objective in ("rpo", "rto") if dr else ():
        rows += [(f"{objective} {scenario}", shown(f"{objective}.{scenario}", format_duration(hours)))
                 for scenario, hours in objectives[f"{objective}_h"].items()]
    rows.append(("confidence", f"{objectives['confidence']:g}"))
    return [table(["objective", "target"], rows)]


def describe(model: Model) -> str:
    """A human description of a model (``hadr show``): every part of the topology."""
    info = describe_json(model)
    lines = [summary_line(model)]
    if isinstance(info.get("description"), str):
        lines.append(printable(info["description"].strip()))
    if isinstance(model, BlockSystem):
        lines.append("\n".join(_tree_lines(info["structure"])))
        lines.append(table(["component", "behaviour", "common cause"],
                           [(c["name"], _text(c["behaviour"]), c["common_cause"] or "-") for c in info["components"]]))
        if info["common_causes"]:
            lines.append(table(["common cause", "behaviour"],
                               [(c["name"], _text(c["behaviour"])) for c in info["common_causes"]]))
        return "\n\n".join(lines + _objectives_text(info["objectives"], dr=False))
    lines.append(table(["region", "zones", "fails over to", "home", "A(region)", "A(zone)", "per-zone overrides",
                        "zone links", "recovery"],
                       [(r["name"], ", ".join(r["zones"]), r["fails_over_to"] or "-", "yes" if r["home"] else "no",
                         r["region"]["availability"], r["zone"]["availability"],
                         ", ".join(f"{k}: {v}" for k, v in r["per_zone"].items()) or "-",
                         r["zone_network_links"], r["recovery"]) for r in info["regions"]]))
    pairs = [f"{p['from']} <-> {p['to']}" if p["mutual"] else f"{p['from']} -> {p['to']}"
             for p in info["failover_pairs"]]
    lines.append("failover: " + (printable(", ".join(pairs)) if pairs else "none (no region has fails_over_to)"))
    lines.append(table(["role", "per zone", "needs", "up needed (smallest region)", "depends on", "beta",
                        "instance fails", "repaired"],
                       [(role["name"], role["per_zone"], role["needs"], _needed(role),
                         ",".join(role["depends_on"]) or "-", role["beta"], _law_part(role["instance"], "failure"),
                         _law_part(role["instance"], "repair")) for role in info["roles"]]))
    if info["global_services"]:
        lines.append(table(["global service", "behaviour", "used by"],
                           [(g["name"], _text(g["behaviour"]), ",".join(g["used_by"]) or "-")
                            for g in info["global_services"]]))
    lines += _data_text(info["data"]) + _recovery_text(info["recovery"]) + _objectives_text(info["objectives"])
    return "\n\n".join(lines)


def _needed(role: dict[str, Any]) -> str:
    k, n = min(role["required"].values(), key=lambda pair: pair[1])
    return f"{k} of {n}"


def _law_part(behaviour: dict[str, Any] | None, part: str) -> str:
    if behaviour is None:
        return "-"
    if behaviour["fixed"]:
        return behaviour["text"]
    return behaviour[part]["text"]


def _data_text(data: dict[str, Any]) -> list[str]:
    if not data:
        return ["data protection: none (no data section: hadr dr needs one)"]
    rows = []
    for role, d in data.items():
        rep, snap, restore, dbs = d["replication"], d["snapshots"], d["restore"], d["databases"]
        across = rep["across_regions"] + (f" (lag {rep['lag']['text']})" if rep["lag"] else "")
        snapshots = "none" if snap is None else (f"every {format_duration(snap['every_h'])}, keep "
                                                 f"{format_duration(snap['keep_h'])}, copy to {snap['copy_to']}")
        rows.append((role, d["size"]["text"], rep["within_region"], across, snapshots,
                     f"{restore['throughput']['text']} + {restore['index_rebuild']['text']} + "
                     f"{restore['verify']['text']}",
                     f"{dbs['count']} × {dbs['size']['text']}, {dbs['slots']} at once"))
    return [table(["data", "size", "within region", "across regions", "snapshots", "restore (rate + rebuild + verify)",
                   "databases"], rows)]


def _recovery_text(recovery: dict[str, Any] | None) -> list[str]:
    if recovery is None:
        return []
    regions = recovery["regions"]
    headers = ["scenario", "step", "top-level plan"] + [f"{name} (own plan)" for name in regions]
    rows = [(scenario, step, law["text"], *(regions[name][scenario][step]["text"] for name in regions))
            for scenario, steps in recovery["steps"].items() for step, law in steps.items()]
    strategy = recovery["strategy"] or "none (the backup & restore values)"
    per_year = recovery["corruption_per_year"]
    head = f"recovery: strategy {strategy}; corruption per year: {'not given' if per_year is None else f'{per_year:g}'}"
    return [printable(head) + "\n" + table(headers, rows)]


def png_target(text: str) -> Path:
    """The file ``--png`` names, checked before anything is drawn.

    It must end in ``.png`` (matplotlib would otherwise pick the format from the suffix, or
    append ``.png`` to a name without one and write another file than the one named), must not
    be an existing directory, and its folder must exist.

    Raises
    ------
    SpecError
        Naming ``--png`` and what was expected.
    """
    path = Path(text)
    if path.is_dir():
        raise SpecError("--png", text, "a PNG file name, not an existing directory (e.g. DIR/topology.png)")
    if path.suffix.lower() != ".png":
        raise SpecError("--png", text, "a file name ending in .png (only PNG is written)")
    if not path.parent.is_dir():
        raise SpecError("--png", text, f"a file in an existing folder ({path.parent} does not exist)")
    return path


def run(args: argparse.Namespace) -> int:
    path = png_target(args.png) if args.png is not None else None
    model = load(args)
    if path is not None:
        from ..topology.drawing import too_big_to_draw

        # Counted from the spec before any figure exists: a 1,000-region drawing would take
        # minutes and gigabytes only to be unreadable.
        reason = too_big_to_draw(model)
        if reason is not None:
            raise SpecError("--png", str(path), f"a model small enough to draw; {reason} "
                            "(hadr show without --png describes it in tables)")
    if args.json:
        payload = describe_json(model)
    else:
        print(describe(model))
    if path is not None:
        from ..topology.drawing import draw_topology

        draw_topology(model, path)
        if args.json:
            payload["png"] = str(path)
        else:
            print(f"\ntopology drawn to {path}")
    if args.json:
        print_json(with_spec(payload, model, args.spec))
    return 0
