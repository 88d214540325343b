"""``hadr validate SPEC``: check a spec; say what it states and the defaults it falls back to.

Besides "valid", it lists what the spec states (its sections, in a line each), every default
the validator applied where the spec is silent (the value taken and why, recorded where the
validator applies it: :func:`~hadr_model.topology.spec.load_spec_with_defaults`), and, once,
that a bare number in a duration field is read as hours.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..engines.exact import check_size
from ..errors import SpecError
from ..topology.laws import Sum
from ..topology.model import BlockSystem, Model, Topology
from ..topology.schema import Default, bare_hours
from ..topology.spec import load_spec_with_defaults
from ..units import format_duration
from ._common import add_json_argument, add_spec_argument, print_json, printable, table, with_spec
from .show import summary_line


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a spec: what it states and the defaults it falls back to")
    add_spec_argument(parser)
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model, defaults = load_spec_with_defaults(args.spec)
    exact_limit = _exact_engine_limit(model)
    bare = bare_hours(model.raw)
    if args.json:
        form = "blocks" if isinstance(model, BlockSystem) else "regions"
        payload: dict[str, Any] = {"valid": True, "name": model.name, "form": form, "source": model.source,
                                   "states": dict(stated(model)), "defaults": [d.as_dict() for d in defaults],
                                   "bare_hours": bare}
        if exact_limit is not None:
            payload["exact_engine"] = exact_limit
        print_json(with_spec(payload, model, args.spec))
        return 0
    print(f"{printable(model.source or 'spec')}: valid")
    print(summary_line(model))
    print()
    print(table(["section", "the spec states"], stated(model)))
    print()
    print(render_defaults(defaults, model))
    if bare:
        more = f" (and {len(bare) - 1} more)" if len(bare) > 1 else ""
        print(f"\nnote: a bare number in a duration field is read as hours: {printable(bare[0])}{more}; "
              "write the unit ('30m', '4h') to be explicit")
    if exact_limit is not None:
        print(f"note: too large for the exact engine (hadr availability): {exact_limit}; "
              "Monte Carlo (hadr simulate) is not bound by this limit")
    return 0


def _names(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f", … ({len(names)} in all)" if len(names) > most else "")


def stated(model: Model) -> list[tuple[str, str]]:
    """What the spec itself states, one line per section (defaults aside)."""
    raw = model.raw
    rows = [("name", model.name if "name" in raw else "-")]
    if isinstance(model, Topology):
        rows += [("regions", _names([r.name for r in model.regions]) + f" ({sum(len(r.zones) for r in model.regions)}"
                  " zones)"),
                 ("roles", _names([role.name for role in model.roles])),
                 ("global", _names([g.name for g in model.global_services]) or "-"),
                 ("network", "zone networks" if "network" in raw else "-"),
                 ("data", _names(list(model.data)) if model.data else "-"),
                 ("recovery", _recovery_stated(raw.get("recovery")))]
    else:
        rows.append(("blocks", f"{len(model.components())} components, {len(model.common_causes)} common-cause groups"))
        rows += [("common_cause_groups", group.describe()) for group in model.ccf_groups]
    detection = _detection_stated(model)
    if detection:       # only when the spec states one (a row of '-' for every other spec says nothing)
        rows.append(("detection", detection))
    rows.append(("objectives", _objectives_stated(model)))
    return [(section, printable(text)) for section, text in rows]


def _detection_stated(model: Model) -> str:
    """The elements whose outage starts with a detection delay (mttd / detect), with its mean."""
    table = model.compiled.elements
    found = [(name, behaviour.repair.parts[0].mean_h) for name, behaviour in zip(table.names, table.behaviours)
             if isinstance(behaviour.repair, Sum)]
    if not found:
        return ""
    means = sorted({mean for _, mean in found})
    mean = format_duration(means[0]) if len(means) == 1 else \
        f"{format_duration(means[0])} to {format_duration(means[-1])}"
    return (f"{_names([name for name, _ in found])}: mean {mean} before repair starts "
            "(outage = detect + repair, A = MTTF / (MTTF + MTTD + MTTR))")


def _recovery_stated(raw: Any) -> str:
    if not isinstance(raw, dict) or not raw:
        return "-"
    parts = [f"strategy {raw['strategy']}"] if raw.get("strategy") else []
    parts += [f"{scenario}: {', '.join(steps)}" for scenario, steps in raw.items()
              if scenario != "strategy" and isinstance(steps, dict) and steps]
    return "; ".join(parts) or "-"


def _objectives_stated(model: Model) -> str:
    objectives = model.objectives
    if objectives is None or not objectives.given:
        return "none (the verdict judges nothing)"
    parts = []
    for name in sorted(objectives.given):
        if name == "availability":
            parts.append(f"availability {objectives.availability:.6g}")
        else:
            objective, scenario = name.split(".", 1)
            hours = (objectives.rpo_h if objective == "rpo" else objectives.rto_h)[scenario]
            parts.append(f"{objective} {scenario} {format_duration(hours)}")
    return ", ".join(parts)


def _pattern(field: str, model: Model) -> tuple[str, str]:
    """``regions.east.home`` → ``("regions.*.home", "east")``: the field with its region or role name starred."""
    if isinstance(model, Topology):
        sections = {"regions": [r.name for r in model.regions], "roles": [r.name for r in model.roles],
                    "data": list(model.data or {})}
        for section, names in sections.items():
            for name in names:
                prefix = f"{section}.{name}"
                if field == prefix or field.startswith(prefix + "."):
                    return f"{section}.*{field[len(prefix):]}", name
    return field, field


def render_defaults(defaults: list[Default], model: Model) -> str:
    """The defaults as a table; the same default for every region or role (``regions.*.home``) on one row."""
    if not defaults:
        return "defaults: none (the spec states every key)"
    groups: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for default in defaults:
        pattern, name = _pattern(default.field, model)
        groups.setdefault((pattern, default.value, default.why), []).append((default.field, name))
    rows = [(found[0][0] if len(found) == 1 else f"{pattern} ({_names([name for _, name in found], 3)})", value, why)
            for (pattern, value, why), found in groups.items()]
    return f"defaults the spec falls back to ({len(defaults)}):\n" + table(["field", "default", "why"], rows)


def _exact_engine_limit(model: Model) -> str | None:
    """Why the exact engine would refuse this valid spec (a size limit), or None."""
    try:
        check_size(model)
    except SpecError as error:
        return str(error)
    return None
