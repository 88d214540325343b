"""``hadr show SPEC [--png FILE]``: describe and draw the topology."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import SpecError
from ..topology.model import BlockSystem, Model
from ._common import add_spec_argument, load, table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="describe the topology; --png draws it")
    add_spec_argument(parser)
    parser.add_argument("--png", metavar="FILE", help="draw the topology graph into a PNG file")
    parser.set_defaults(run=run)


def summary(model: Model) -> str:
    """A short human description of a model."""
    if isinstance(model, BlockSystem):
        components = model.components()
        lines = [f"{model.name}: block form, {len(components)} components, "
                 f"{len(model.common_causes)} common-cause groups"]
        rows = [(c.name, c.behaviour.describe()) for c in components]
        return "\n".join(lines + [table(["component", "behaviour"], rows)])
    lines = [f"{model.name}: {len(model.regions)} regions, "
             f"{sum(len(r.zones) for r in model.regions)} zones, {len(model.roles)} roles, "
             f"{len(model.global_services)} global services"]
    region_rows = [(r.name, len(r.zones), r.fails_over_to or "-", "yes" if r.home else "no",
                    r.region.availability, r.zone.availability) for r in model.regions]
    lines.append(table(["region", "zones", "fails over to", "home", "A(region)", "A(zone)"], region_rows))
    role_rows = [(role.name, role.per_zone, role.needs, ",".join(role.depends_on) or "-", role.beta,
                  role.instance.describe()) for role in model.roles]
    lines.append(table(["role", "per zone", "needs", "depends on", "beta", "instance behaviour"], role_rows))
    if model.global_services:
        lines.append(table(["global service", "behaviour"],
                           [(g.name, g.behaviour.describe()) for g in model.global_services]))
    return "\n\n".join(lines)


def run(args: argparse.Namespace) -> int:
    model = load(args)
    print(summary(model))
    if args.png:
        path = Path(args.png)
        if not path.parent.exists():
            raise SpecError("--png", args.png, "a file in an existing folder")
        from ..topology.drawing import draw_topology

        draw_topology(model, path)
        print(f"\ntopology drawn to {path}")
    return 0
