"""Draw a model with matplotlib (Agg, no pyplot state): a picture people can read.

* **Region form**: one labelled box per region laid out in a grid, its zones as boxes inside
  with the role instance counts of each zone, global services in a band on top and
  ``fails_over_to`` arrows between regions. Regions are placed so that failover pairs are
  neighbours where possible, and every label is shrunk until it fits its box.
* **Block form**: a reliability-block diagram (series left to right, parallel and k-of-n
  stacked between rails; ``count`` copies collapsed into one ``name ×n`` box).

Layout is computed in inches (one data unit = one inch on a figure the size of the drawing),
so font sizes in points map predictably onto boxes. Colours are the Okabe–Ito colour-blind-safe
palette.

Every label is drawn as plain text (:func:`_label`: no mathtext, no TeX), so a ``$`` in a spec
name is a dollar sign, not a formula that stops the drawing. A model too big to draw legibly
(:func:`too_big_to_draw`: more than :data:`MAX_DRAWN_LABELS` labels or
:data:`MAX_DRAWING_AREA_IN2` square inches, computed from the spec before anything is drawn)
gets a one-line picture saying so instead of minutes of layout and gigabytes of pixels.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.text import Text

from ..errors import HadrError
from .model import Block, BlockSystem, Component, KOfN, Model, Network, Parallel, Region, Series, Topology

__all__ = ["MAX_DRAWING_AREA_IN2", "MAX_DRAWN_LABELS", "OKABE_ITO", "draw_topology", "format_availability",
           "too_big_to_draw"]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
_REGION_FILL = "#E3F1FB"       # sky blue, light tint: boxes stay readable behind black text
_FAILOVER_ONLY_FILL = "#FCEFD2"  # orange, light tint
_GLOBAL_FILL = "#D6EFE7"       # bluish green, light tint
_ARROW = OKABE_ITO["vermillion"]
_EDGE = OKABE_ITO["blue"]

# Region-form geometry (inches).
_ZONE_W, _ZONE_GAP, _PAD = 0.92, 0.08, 0.1
_HEADER_H, _ZONE_TITLE_H, _LINE_H = 0.7, 0.21, 0.16
_GUTTER_X, _GUTTER_Y, _MARGIN = 0.6, 0.45, 0.25
_TITLE_H, _GLOBAL_H, _LEGEND_H = 0.45, 0.95, 0.45
_MIN_REGION_W = 2.5
_MAX_BRUTE_FORCE = 8  # regions: up to 8! orderings are tried; above that the spec order is kept
_MAX_BLOCK_BOXES = 60
# Each label is measured and shrunk to fit (~4 ms); pixels cost 4 bytes each at the chosen dpi.
MAX_DRAWN_LABELS = 1500       # ~60 regions of 3 zones and 5 roles: a few seconds
MAX_DRAWING_AREA_IN2 = 1000   # 22 Mpx (90 MB) at the default 150 dpi


def format_availability(availability: float) -> str:
    """Availability as a percentage with two significant digits of unavailability.

    Examples
    --------
    >>> format_availability(0.9997717)
    '99.977 %'
    >>> format_availability(1.0)
    '100 %'
    """
    unavailability = 1.0 - availability
    if unavailability <= 0:
        return "100 %"
    # Decimals that show two significant digits of the unavailability (in per cent).
    digits = max(1, 1 - math.floor(math.log10(100 * unavailability) + 1e-9))
    return f"{100 * availability:.{digits}f} %"


def draw_topology(model: Model, target: str | Path | Axes | None = None, *, dpi: int = 150,
                  title: str | None = None) -> Figure:
    """Draw a model: regions, zones, roles, global services and failover arrows.

    Parameters
    ----------
    model : Topology or BlockSystem
        A loaded spec (:func:`hadr_model.load_spec`).
    target : path, matplotlib Axes or None
        A PNG (or any format matplotlib saves) file to write, an Axes to draw into, or
        ``None`` to only return the figure.
    dpi : int
        Resolution of a written file.
    title : str, optional
        Figure title (default: the model name and what it shows).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (the Axes' figure when an Axes was given).

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> figure = draw_topology(load_spec())
    >>> bool(figure.get_size_inches()[0] > 8)
    True
    """
    if not isinstance(model, (Topology, BlockSystem)):
        raise HadrError("draw_topology needs a loaded spec (Topology or BlockSystem), "
                        f"got {type(model).__name__}")
    reason = too_big_to_draw(model)
    layout: _RegionLayout | _BlockLayout | _TooBig
    if reason is not None:
        layout = _TooBig(model.name, reason)
    else:
        layout = _RegionLayout(model) if isinstance(model, Topology) else _BlockLayout(model)
    if isinstance(target, Axes):
        figure, axes = cast(Figure, target.figure), target
    else:
        figure = Figure(figsize=layout.size, dpi=100)
        axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, layout.size[0])
    axes.set_ylim(0, layout.size[1])
    axes.set_aspect("equal")
    layout.draw(axes, title)
    if target is not None and not isinstance(target, Axes):
        try:
            figure.savefig(Path(target), dpi=dpi, facecolor="white")
        except OSError as error:
            reason = error.strerror or str(error)
            raise HadrError(f"cannot write the topology picture to {target}: {reason}") from None
    return figure


def too_big_to_draw(model: Model) -> str | None:
    """Why ``model`` is too big to draw legibly, or ``None``; computed without drawing anything.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> too_big_to_draw(load_spec()) is None
    True
    """
    if isinstance(model, BlockSystem):
        boxes = _count_boxes(model.root)
        if boxes > _MAX_BLOCK_BOXES:
            return f"{boxes:,} blocks: too many to draw legibly (at most {_MAX_BLOCK_BOXES:,})"
        return None
    regions, roles = model.regions, len(model.roles)
    zones = sum(len(r.zones) for r in regions)
    labels = (1 + 3 * len(regions) + zones * (1 + roles)
              + (1 + 2 * len(model.global_services) if model.global_services else 0))
    what = f"{len(regions):,} regions, {zones:,} zones and {roles:,} roles"
    if labels > MAX_DRAWN_LABELS:
        return f"{what} make {labels:,} labels: too many to draw legibly (at most {MAX_DRAWN_LABELS:,})"
    width, height = _region_size(model)
    if width * height > MAX_DRAWING_AREA_IN2:
        return (f"{what} make a drawing of {width:.0f} × {height:.0f} inches: too big to draw "
                f"(at most {MAX_DRAWING_AREA_IN2:,} square inches)")
    return None


@dataclass
class _TooBig:
    """The picture of a model too big to draw: its name and why."""

    name: str
    reason: str

    def __post_init__(self) -> None:
        self.size = (9.0, 2.0)

    def draw(self, axes: Axes, title: str | None) -> None:
        w, h = self.size
        heading = _label(axes, w / 2, h - _MARGIN - 0.12, title or f"Topology of {self.name}", ha="center",
                         va="center", fontsize=12, fontweight="bold")
        _fit(heading, w - 2 * _MARGIN, axes, min_size=8.0)
        note = _label(axes, w / 2, h / 2 - 0.2, f"{self.reason}; see the tables", ha="center", va="center",
                      fontsize=9)
        _fit(note, w - 2 * _MARGIN, axes)


# --- shared helpers --------------------------------------------------------------------------

def _label(axes: Axes, x: float, y: float, text: str, **style: Any) -> Text:
    """Draw ``text`` as written: a ``$`` in a spec name is not mathtext, and nothing is TeX."""
    return axes.text(x, y, text, parse_math=False, usetex=False, **style)


def _renderer(figure: Figure | SubFigure) -> Any:
    canvas = figure.canvas
    if not hasattr(canvas, "get_renderer"):
        canvas = FigureCanvasAgg(cast(Figure, figure))
    return canvas.get_renderer()


_MAX_LABEL_CHARS = 120  # longer names are cut before measuring (each measure lays the text out)


def _fit(text: Text, width_in: float, axes: Axes, min_size: float = 5.0) -> None:
    """Shrink ``text`` until it is at most ``width_in`` data units (inches) wide.

    A text still too wide at ``min_size`` is cut, and ends in "…" to say so: a long spec name
    must not spill over its neighbours' boxes.
    """
    renderer = _renderer(axes.figure)
    inverse = axes.transData.inverted()

    def width() -> float:
        box = text.get_window_extent(renderer)
        (x0, _), (x1, _) = inverse.transform([(box.x0, box.y0), (box.x1, box.y1)])
        return x1 - x0

    full = text.get_text()
    if len(full) > _MAX_LABEL_CHARS:
        full = full[:_MAX_LABEL_CHARS]
        text.set_text(full + "…")
    while float(text.get_fontsize()) > min_size:
        if width() <= width_in:
            return
        text.set_fontsize(float(text.get_fontsize()) - 0.5)
    keep = len(full)
    while keep > 1 and (wide := width()) > width_in:
        keep = max(1, min(keep - 1, int(keep * width_in / wide)))
        text.set_text(full[:keep] + "…")


def _box(axes: Axes, x: float, y: float, w: float, h: float, *, fill: str, edge: str = _EDGE,
         linewidth: float = 1.0, zorder: float = 1.0, style: str = "round,pad=0,rounding_size=0.06"
         ) -> FancyBboxPatch:
    patch = FancyBboxPatch((x, y), w, h, boxstyle=style, facecolor=fill, edgecolor=edge,
                           linewidth=linewidth, zorder=zorder)
    axes.add_patch(patch)
    return patch


# --- region form -----------------------------------------------------------------------------

def _grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns): at most three columns so that the figure stays ~10 inches wide."""
    columns = min(n, 3) if n != 4 else 2
    return math.ceil(n / columns), columns


def _placement_cost(order: Sequence[str], edges: Sequence[tuple[str, str]], columns: int) -> float:
    where = {name: divmod(i, columns) for i, name in enumerate(order)}
    cost = 0.0
    for a, b in edges:
        (ra, ca), (rb, cb) = where[a], where[b]
        dx, dy = abs(ca - cb), abs(ra - rb)
        # Side by side: a short arrow in the gutter. Anything else passes behind other boxes.
        cost += 1.0 if dx + dy == 1 else (2.0 if dx == dy == 1 else 4.0 * (dx + dy))
    return cost


def _region_order(topology: Topology, columns: int) -> list[str]:
    """Regions in grid order, failover pairs placed side by side when possible."""
    names = [r.name for r in topology.regions]
    edges = [(r.name, r.fails_over_to) for r in topology.regions if r.fails_over_to in names]
    if not edges or len(names) > _MAX_BRUTE_FORCE:
        return names
    # permutations() yields the spec order first, so ties keep the order the author wrote.
    return list(min(itertools.permutations(names), key=lambda o: _placement_cost(list(o), edges, columns)))


def _zone_label(region: Region, zone: str) -> str:
    prefix = f"{region.name}-"
    return f"zone {zone[len(prefix):]}" if zone.startswith(prefix) else zone


def _region_box(t: Topology) -> tuple[float, float, float]:
    """(region width, zone height, region height) in inches."""
    zones = max(len(r.zones) for r in t.regions)
    region_w = max(_MIN_REGION_W, zones * _ZONE_W + (zones - 1) * _ZONE_GAP + 2 * _PAD)
    zone_h = _ZONE_TITLE_H + max(1, len(t.roles)) * _LINE_H + 0.08
    return region_w, zone_h, _HEADER_H + zone_h + _PAD


def _region_size(t: Topology) -> tuple[float, float]:
    """(width, height) in inches of the region-form drawing of ``t``."""
    rows, columns = _grid_shape(len(t.regions))
    region_w, _, region_h = _region_box(t)
    global_h = _GLOBAL_H if t.global_services else 0.0
    width = 2 * _MARGIN + columns * region_w + (columns - 1) * _GUTTER_X
    height = (_TITLE_H + global_h + rows * region_h + (rows - 1) * _GUTTER_Y + _LEGEND_H + 2 * _MARGIN)
    return width, height


@dataclass
class _RegionLayout:
    """Positions of every box of a region-form drawing, in inches."""

    topology: Topology

    def __post_init__(self) -> None:
        t = self.topology
        self.rows, self.columns = _grid_shape(len(t.regions))
        self.order = _region_order(t, self.columns)
        self.region_w, self.zone_h, self.region_h = _region_box(t)
        self.global_h = _GLOBAL_H if t.global_services else 0.0
        self.size = _region_size(t)

    def region_origin(self, name: str) -> tuple[float, float]:
        row, column = divmod(self.order.index(name), self.columns)
        x = _MARGIN + column * (self.region_w + _GUTTER_X)
        top = self.size[1] - _MARGIN - _TITLE_H - self.global_h
        return x, top - row * (self.region_h + _GUTTER_Y) - self.region_h

    def draw(self, axes: Axes, title: str | None) -> None:
        t = self.topology
        heading = _label(axes, self.size[0] / 2, self.size[1] - _MARGIN - 0.12,
                         title or f"Topology of {t.name}: regions, zones and failover",
                         ha="center", va="center", fontsize=12, fontweight="bold")
        _fit(heading, self.size[0] - 2 * _MARGIN, axes, min_size=8.0)
        self._draw_globals(axes)
        patches = {region.name: self._draw_region(axes, region) for region in t.regions}
        for region in t.regions:
            if region.fails_over_to in patches:
                self._draw_arrow(axes, patches[region.name], patches[region.fails_over_to])
        self._draw_legend(axes)

    def _draw_globals(self, axes: Axes) -> None:
        services = self.topology.global_services
        if not services:
            return
        users = {g.name: [r.name for r in self.topology.roles if g.name in r.depends_on] for g in services}
        y = self.size[1] - _MARGIN - _TITLE_H - self.global_h + 0.3
        h = self.global_h - 0.5
        _label(axes, _MARGIN, y + h + 0.1, "Global services (shared by every region: a common cause)",
               fontsize=8, va="bottom", color="0.25")
        width = min(3.2, (self.size[0] - 2 * _MARGIN - (len(services) - 1) * 0.2) / len(services))
        for i, service in enumerate(services):
            x = _MARGIN + i * (width + 0.2)
            _box(axes, x, y, width, h, fill=_GLOBAL_FILL, edge=OKABE_ITO["bluish_green"])
            used = ", ".join(users[service.name]) or "no role"
            availability = format_availability(service.behaviour.availability)
            label = _label(axes, x + width / 2, y + h * 0.64, f"{service.name}  A {availability}", ha="center",
                           va="center", fontsize=8.5, fontweight="bold")
            note = _label(axes, x + width / 2, y + h * 0.26, f"needed by {used}", ha="center", va="center",
                          fontsize=7.5)
            _fit(label, width - 0.12, axes)
            _fit(note, width - 0.12, axes)

    def _draw_region(self, axes: Axes, region: Region) -> FancyBboxPatch:
        x, y = self.region_origin(region.name)
        fill = _REGION_FILL if region.home else _FAILOVER_ONLY_FILL
        patch = _box(axes, x, y, self.region_w, self.region_h, fill=fill, linewidth=1.4)
        top = y + self.region_h
        inner = self.region_w - 2 * _PAD
        name = region.name + ("" if region.home else "  (failover only, no tenants)")
        lines = [
            (name, 10.0, "bold"),
            (f"region A {format_availability(region.region.availability)} · "
             f"zone A {format_availability(region.zone.availability)}", 8.0, "normal"),
            (f"fails over to {region.fails_over_to}" if region.fails_over_to else "no failover region",
             8.0, "normal"),
        ]
        for i, (text, size, weight) in enumerate(lines):
            label = _label(axes, x + _PAD, top - 0.15 - i * 0.19, text, fontsize=size, fontweight=weight,
                           va="center", ha="left", zorder=3)
            _fit(label, inner, axes)
        for i, zone in enumerate(region.zones):
            self._draw_zone(axes, region, zone, x + _PAD + i * (_ZONE_W + _ZONE_GAP), y + _PAD)
        return patch

    def _draw_zone(self, axes: Axes, region: Region, zone: str, x: float, y: float) -> None:
        _box(axes, x, y, _ZONE_W, self.zone_h, fill="white", edge=OKABE_ITO["sky_blue"], zorder=2)
        top = y + self.zone_h
        title = _label(axes, x + _ZONE_W / 2, top - 0.11, _zone_label(region, zone), ha="center", va="center",
                       fontsize=8, fontweight="bold", zorder=3)
        _fit(title, _ZONE_W - 0.08, axes)
        for i, role in enumerate(self.topology.roles):
            count = region.zone_counts(role)[region.zones.index(zone)]
            label = _label(axes, x + 0.07, top - _ZONE_TITLE_H - 0.08 - i * _LINE_H, f"{role.name} ×{count}",
                           ha="left", va="center", fontsize=7.5, zorder=3)
            _fit(label, _ZONE_W - 0.12, axes)

    @staticmethod
    def _draw_arrow(axes: Axes, source: FancyBboxPatch, target: FancyBboxPatch) -> None:
        def centre(patch: FancyBboxPatch) -> tuple[float, float]:
            return patch.get_x() + patch.get_width() / 2, patch.get_y() + patch.get_height() / 2

        # Behind the boxes (zorder 0.5): an arrow between distant regions passes under the boxes
        # in between instead of crossing their labels; the region header names the target anyway.
        arrow = FancyArrowPatch(centre(source), centre(target), patchA=source, patchB=target,
                                arrowstyle="-|>", mutation_scale=16, linewidth=2.0, color=_ARROW,
                                connectionstyle="arc3,rad=0.18", zorder=0.5)
        axes.add_patch(arrow)

    def _draw_legend(self, axes: Axes) -> None:
        handles = [
            Patch(facecolor=_REGION_FILL, edgecolor=_EDGE, label="region (tenants homed here)"),
            Patch(facecolor=_FAILOVER_ONLY_FILL, edgecolor=_EDGE, label="failover-only region"),
            Patch(facecolor="white", edgecolor=OKABE_ITO["sky_blue"], label="zone: role ×instances"),
            Line2D([], [], color=_ARROW, linewidth=2.0, marker=">", markersize=6, label="fails over to"),
        ]
        if self.topology.global_services:
            handles.insert(3, Patch(facecolor=_GLOBAL_FILL, edgecolor=OKABE_ITO["bluish_green"],
                                    label="global service"))
        axes.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=len(handles),
                    fontsize=7.5, frameon=False, handlelength=1.6, columnspacing=1.2)


# --- block form ------------------------------------------------------------------------------

_COMPONENT_W, _COMPONENT_H, _SERIES_GAP, _STACK_GAP, _RAIL = 1.35, 0.52, 0.35, 0.14, 0.22
_KOFN_LABEL_H = 0.24


@dataclass
class _Node:
    """A laid-out block: its size and how to draw it with its left port at (x, y_centre)."""

    w: float
    h: float
    draw: Callable[[Axes, float, float], None]


def _copies(children: Sequence[Block]) -> tuple[str, Component] | None:
    """``(base name, first copy)`` when all children are copies from ``count: n``."""
    copies = [c for c in children if isinstance(c, Component)]
    if len(children) < 2 or len(copies) != len(children):
        return None
    bases = {re.sub(r"\[\d+\]$", "", c.name) for c in copies}
    behaviours = {c.behaviour for c in copies}
    if len(bases) == 1 and len(behaviours) == 1 and all(c.name.endswith("]") for c in copies):
        return bases.pop(), copies[0]
    return None


def _line(axes: Axes, xs: Sequence[float], ys: Sequence[float]) -> None:
    axes.plot(xs, ys, color="0.3", linewidth=1.2, zorder=1, solid_capstyle="butt")


def _component_node(title: str, detail: str) -> _Node:
    def draw(axes: Axes, x: float, yc: float) -> None:
        _box(axes, x, yc - _COMPONENT_H / 2, _COMPONENT_W, _COMPONENT_H, fill=_REGION_FILL, zorder=2)
        for text, dy, size, weight in ((title, 0.1, 8.0, "bold"), (detail, -0.11, 7.0, "normal")):
            label = _label(axes, x + _COMPONENT_W / 2, yc + dy, text, ha="center", va="center", fontsize=size,
                           fontweight=weight, zorder=3)
            _fit(label, _COMPONENT_W - 0.1, axes)

    return _Node(_COMPONENT_W, _COMPONENT_H, draw)


def _series_node(children: list[_Node]) -> _Node:
    def draw(axes: Axes, x: float, yc: float) -> None:
        for i, child in enumerate(children):
            if i:
                _line(axes, [x - _SERIES_GAP, x], [yc, yc])
            child.draw(axes, x, yc)
            x += child.w + _SERIES_GAP

    width = sum(c.w for c in children) + _SERIES_GAP * (len(children) - 1)
    return _Node(width, max(c.h for c in children), draw)


def _stack_node(children: list[_Node], label: str | None) -> _Node:
    inner_w = max(c.w for c in children)
    stack_h = sum(c.h for c in children) + _STACK_GAP * (len(children) - 1)
    top_extra = _KOFN_LABEL_H if label else 0.0

    def draw(axes: Axes, x: float, yc: float) -> None:
        left, right = x + _RAIL, x + _RAIL + inner_w + _RAIL
        top = yc + stack_h / 2
        centres = []
        for child in children:
            cy = top - child.h / 2
            centres.append(cy)
            child.draw(axes, left + _RAIL / 2, cy)
            _line(axes, [left, left + _RAIL / 2], [cy, cy])
            _line(axes, [left + _RAIL / 2 + child.w, right], [cy, cy])
            top -= child.h + _STACK_GAP
        for rail in (left, right):
            _line(axes, [rail, rail], [min(centres), max(centres)])
        _line(axes, [x, left], [yc, yc])
        _line(axes, [right, right + _RAIL], [yc, yc])
        if label:
            _label(axes, x + (inner_w + 3 * _RAIL) / 2, yc + stack_h / 2 + 0.04, label, ha="center", va="bottom",
                   fontsize=7.5, fontstyle="italic", color=OKABE_ITO["blue"], zorder=3)

    return _Node(inner_w + 3 * _RAIL, stack_h + 2 * top_extra, draw)


def _count_boxes(block: Block) -> int:
    """How many nodes :func:`_block_node` would build for ``block`` (copies collapse into one)."""
    if isinstance(block, (Component, Network)):
        return 1
    if not isinstance(block, Series) and _copies(block.children) is not None:
        return 1
    return 1 + sum(_count_boxes(child) for child in block.children)


def _block_node(block: Block) -> _Node:
    if isinstance(block, Component):
        return _component_node(block.name, f"A {format_availability(block.behaviour.availability)}")
    if isinstance(block, Network):
        return _component_node(f"network {block.label}",
                               f"{len(block.nodes)} nodes, {len(block.edges)} links")
    copies = _copies(block.children) if not isinstance(block, Series) else None
    if copies is not None:
        base, first = copies
        n = len(block.children)
        need = f"{block.k}-of-{n}" if isinstance(block, KOfN) else f"any of {n}"
        each = format_availability(first.behaviour.availability)
        return _component_node(f"{base} ×{n}", f"{need}, each A {each}")
    children = [_block_node(child) for child in block.children]
    if isinstance(block, Series):
        return _series_node(children)
    label = f"{block.k}-of-{len(children)}" if isinstance(block, KOfN) else None
    assert isinstance(block, (Parallel, KOfN))
    return _stack_node(children, label)


@dataclass
class _BlockLayout:
    """A block diagram laid out left to right between an input and an output terminal."""

    system: BlockSystem

    def __post_init__(self) -> None:
        self.root = _block_node(self.system.root)  # draw_topology checked too_big_to_draw first
        self.size = (self.root.w + 2 * _MARGIN + 1.0, self.root.h + 2 * _MARGIN + _TITLE_H + 0.2)

    def draw(self, axes: Axes, title: str | None) -> None:
        w, h = self.size
        heading = _label(axes, w / 2, h - _MARGIN - 0.12, title or f"Reliability blocks of {self.system.name}",
                         ha="center", va="center", fontsize=12, fontweight="bold")
        _fit(heading, w - 2 * _MARGIN, axes, min_size=8.0)
        yc = (h - _TITLE_H) / 2
        x0 = _MARGIN + 0.5
        _line(axes, [x0 - 0.35, x0], [yc, yc])
        _line(axes, [x0 + self.root.w, x0 + self.root.w + 0.35], [yc, yc])
        axes.plot([x0 - 0.35, x0 + self.root.w + 0.35], [yc, yc], linestyle="none", marker="o",
                  color=OKABE_ITO["black"], markersize=5, zorder=3)
        self.root.draw(axes, x0, yc)
