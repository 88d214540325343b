"""``hadr show SPEC [--png FILE]``: describe and draw the topology."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import SpecError
from ..topology.model import BlockSystem, Model
from ._common import add_spec_argument, load, printable, table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="describe the topology; --png draws it")
    add_spec_argument(parser)
    parser.add_argument("--png", metavar="FILE.png",
                        help="draw the topology graph into a PNG file (a name ending in .png, in an existing folder)")
    parser.set_defaults(run=run)


def summary(model: Model) -> str:
    """A short human description of a model."""
    if isinstance(model, BlockSystem):
        components = model.components()
        lines = [f"{printable(model.name)}: block form, {len(components)} components, "
                 f"{len(model.common_causes)} common-cause groups"]
        rows = [(c.name, c.behaviour.describe()) for c in components]
        return "\n".join(lines + [table(["component", "behaviour"], rows)])
    lines = [f"{printable(model.name)}: {len(model.regions)} regions, "
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
    print(summary(model))
    if path is not None:
        from ..topology.drawing import draw_topology

        draw_topology(model, path)
        print(f"\ntopology drawn to {path}")
    return 0
