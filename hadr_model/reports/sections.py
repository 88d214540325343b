"""Building blocks of the availability report: tables, charts and the JSON summary.

The report notebook (``hadr_model/notebooks/availability_report.ipynb``) stays thin: it shows
what :func:`hadr_model.reports.build.build_report` computed, through these functions. Every
chart is a plain ``matplotlib.figure.Figure`` (no pyplot state), titled, with units on its axes,
the Okabe–Ito colour-blind-safe palette and an alternative text that says what it shows
(:func:`describe`). Minutes of downtime an objective allows follow the
spec's own year (``year_hours``, 8760 to 8784): pass ``model.year_hours`` to the functions
that take ``year_hours``.

Everything a spec says (names, descriptions, comments) is data, never markup: the report
shows text only through :func:`html_text` / :func:`say` (every value HTML-escaped),
:func:`styled` / :func:`table` (cells, headers and index escaped) and :func:`show` (chart text drawn without
mathtext or TeX, the alternative text escaped). The notebook displays nothing else, so a spec
cannot put a tag or a script into the published page.

Examples
--------
>>> from hadr_model import load_spec
>>> from hadr_model.engines.exact import exact_availability
>>> result = exact_availability(load_spec())
>>> frame = region_table(result, objective=0.9999)
>>> list(frame.columns)[:3]
['home region', 'fails over to', 'availability (own region)']
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import importlib
import io
import json
import math
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from ..engines.results import AvailabilityResult, SystemMetrics
from ..errors import HadrError, SpecError
from ..topology.drawing import OKABE_ITO, format_availability
from ..topology.spec import default_spec_path
from ..units import HOURS_PER_YEAR, MINUTES_PER_YEAR

__all__ = [
    "COMPLIANCE_FORMATS",
    "DR_FORMATS",
    "FIT_FORMATS",
    "MINUTES_PER_YEAR",
    "RESTORE_ORDER_FORMATS",
    "SOBOL_FORMATS",
    "STRATEGY_FORMATS",
    "UNCERTAIN_FORMATS",
    "SafeHtml",
    "SpecSource",
    "allowed_downtime_min",
    "alt_text",
    "availability_headline",
    "by_role",
    "compliance_table",
    "describe",
    "dr_table",
    "figure_html",
    "fit_intro_html",
    "fit_table",
    "header_html",
    "how_sure_band_table",
    "how_sure_intro_html",
    "how_sure_met_html",
    "html_text",
    "importance_advice",
    "importance_table",
    "json_ready",
    "learn_first_html",
    "montecarlo_downtime",
    "montecarlo_table",
    "not_applicable_html",
    "plain_texts",
    "plot_downtime_by_region",
    "plot_downtime_distribution",
    "plot_fit_goodness",
    "plot_fit_probability",
    "plot_importance",
    "plot_rpo_rto_distributions",
    "plot_strategies",
    "plot_sweep",
    "plot_topology",
    "plot_tornado",
    "read_spec_source",
    "region_table",
    "remedy_table",
    "reproducibility",
    "reproducibility_html",
    "restore_order_table",
    "say",
    "show",
    "sobol_table",
    "spec_header",
    "spec_label",
    "spec_parameters",
    "strategy_advice_html",
    "strategy_table",
    "styled",
    "sweep_columns",
    "sweep_intro_html",
    "sweep_table",
    "table",
    "today",
    "uncertain_parameters_table",
    "use_report_style",
    "verdict_html",
    "write_summary",
]

_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"],
            OKABE_ITO["vermillion"], OKABE_ITO["sky_blue"], OKABE_ITO["black"])
_OBJECTIVE: dict[str, Any] = {"color": OKABE_ITO["vermillion"], "linestyle": "--", "linewidth": 1.5}


# --- presentation helpers --------------------------------------------------------------------

class SafeHtml(str):
    """Markup the report wrote itself, every value in it escaped (made by :func:`html_text`).

    IPython's ``display`` shows it as HTML; any other ``str`` is text. Adding or joining
    strings gives a plain ``str`` again, so markup cannot be put together by accident.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)


def _escaped(value: Any) -> Any:
    if isinstance(value, SafeHtml):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return value  # a number keeps its format specification ({x:.1f}) and has nothing to escape
    return html.escape(str(value), quote=True)


def html_text(template: str, /, **values: Any) -> SafeHtml:
    """Fill a markup ``template`` written in code; every value is inserted as escaped text.

    ``template`` must be a literal of the report's code, never text from a spec. Each value is
    ``str()``-ed and HTML-escaped, quotes included, so a spec name can neither open a tag nor
    leave an attribute; numbers keep their format specification; a :class:`SafeHtml` value
    (the result of another call) is inserted as it is.

    Examples
    --------
    >>> html_text("<b>{name}</b>: {x:.1f} min", name='<img src=x onerror="alert(1)">', x=52.56)
    '<b>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</b>: 52.6 min'
    """
    return SafeHtml(template.format(**{key: _escaped(value) for key, value in values.items()}))


def _join(parts: Sequence[Any], separator: str = "") -> SafeHtml:
    """Concatenate markup parts; a part that is not :class:`SafeHtml` is escaped."""
    return SafeHtml(separator.join(str(_escaped(part)) for part in parts))


def say(template: str, /, **values: Any) -> None:
    """Show :func:`html_text` of ``template`` in the notebook: the report's only way to write prose.

    (Markdown is not used for anything a spec says: Markdown passes raw HTML through.)
    """
    from IPython.display import HTML, display

    display(HTML(html_text(template, **values)))


def use_report_style() -> None:
    """Matplotlib defaults for the report: readable sizes and the colour-blind-safe cycle."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({
        "font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "legend.fontsize": 9,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.prop_cycle": cycler(color=_COLOURS),
        "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100,
        "text.usetex": False,  # TeX would read %, &, _ and $ in spec names as commands
    })


def plain_texts(figure: Figure) -> Figure:
    """Draw every title, label, legend entry and annotation of ``figure`` as plain text.

    Matplotlib reads ``$…$`` in any text as mathtext (``$\\x$`` in a region name stops the
    drawing with a parse error) and, with ``text.usetex``, all of it as TeX. Spec names are
    data, so both are turned off for every text, except the numbers a numeric axis formats
    itself (``10^{2}`` on a log axis is mathtext on purpose). Tick labels set from names (a
    fixed formatter) are plain text too. Returns ``figure``.
    """
    from matplotlib.ticker import FixedFormatter

    numeric: set[int] = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if isinstance(axis.get_major_formatter(), FixedFormatter):
                continue
            ticks = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
            numeric.update(id(text) for tick in ticks for text in (tick.label1, tick.label2))
            numeric.add(id(axis.get_offset_text()))
    for text in figure.findobj(Text):
        if id(text) not in numeric:
            text.set_parse_math(False)
            text.set_usetex(False)
    return figure


_ALT = "_hadr_alt_text"   # the attribute a chart function leaves its description in
FIGURE_DPI = 200          # pixels per inch of the embedded PNG: twice the CSS pixels (crisp when zoomed)
SHOWN_PX_PER_INCH = 100   # CSS pixels per inch the figure is laid out with (its point sizes at 100 %)
NARROWEST_SCALE = 0.72    # on a narrow screen the figure scrolls rather than shrink below this


def describe(figure: Figure, text: str) -> Figure:
    """Give ``figure`` the alternative text :func:`show` puts on its image; returns ``figure``.

    A chart function calls it with what the chart shows in words and numbers (the kind of
    chart, what is plotted, the figures that matter and the objective), for readers who do not
    see the picture.
    """
    setattr(figure, _ALT, " ".join(text.split()))
    return figure


def alt_text(figure: Figure) -> str:
    """The description :func:`describe` gave ``figure``, else its title (never a bar label)."""
    text = getattr(figure, _ALT, None)
    return text if isinstance(text, str) and text else _figure_title(figure)


def show(figure: Figure, *, dpi: int = FIGURE_DPI, alt: str | None = None) -> None:
    """Display a figure as an embedded PNG, with alternative text, that stays legible on any screen.

    Rendered at ``dpi`` (twice the CSS pixels by default) and laid out at 100 CSS px per inch,
    so labels keep their point size at 100 % zoom and stay crisp on high-DPI screens and when
    zoomed. On a screen narrower than the figure it shrinks to at most
    :data:`NARROWEST_SCALE` of its size and then scrolls sideways inside its own box (the
    page itself never gets wider than the screen). The ``<img>`` carries ``alt`` (default:
    :func:`alt_text`) for screen readers. Every text of the figure is drawn as plain text
    (:func:`plain_texts`), whoever made the figure.
    """
    from IPython.display import HTML, display

    display(HTML(figure_html(figure, dpi=dpi, alt=alt)))


def figure_html(figure: Figure, *, dpi: int = FIGURE_DPI, alt: str | None = None) -> SafeHtml:
    """The markup :func:`show` displays: a scrolling box around the embedded PNG (escaped alt text)."""
    buffer = io.BytesIO()
    plain_texts(figure).savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight",
                                pad_inches=0.1)
    width_px, height_px = _png_size(buffer.getvalue())
    shown = round(width_px * SHOWN_PX_PER_INCH / dpi)    # bbox_inches="tight" changes the size: read it back
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return html_text('<div class="hadr-figure"><img src="data:image/png;base64,{data}" width="{width}" '
                     'height="{height}" style="min-width: {narrowest}px" alt="{alt}"></div>',
                     data=data, width=shown, height=round(height_px * SHOWN_PX_PER_INCH / dpi),
                     narrowest=round(shown * NARROWEST_SCALE), alt=alt or alt_text(figure))


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _figure_title(figure: Figure) -> str:
    # Titles only: the first text of an Axes may be a bar label ("142.4"), which describes nothing.
    titles = [figure.get_suptitle(), *(axes.get_title() for axes in figure.axes)]
    titles = [t for t in titles if t]
    return (titles[0] if titles else "chart").replace("\n", " ")


def _listed(items: Sequence[str], most: int = 12) -> str:
    """``a; b; c`` — at most ``most`` items, then how many more (an alt text stays readable)."""
    shown = "; ".join(items[:most])
    return shown + (f"; and {len(items) - most} more" if len(items) > most else "")


def _plain_cell(value: Any) -> Any:
    """A cell the Styler can escape: text and numbers as they are, anything else as its text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return value
    if isinstance(value, (str, int, float, np.generic)):
        return value
    return str(value)  # a list or mapping (a sweep's parameter value): the Styler escapes only str


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with text column names, a plain index and no non-text objects in its cells."""
    plain = frame.reset_index(drop=True)
    plain.columns = [str(c) for c in frame.columns]
    for i in range(plain.shape[1]):
        if pd.api.types.is_object_dtype(plain.iloc[:, i].dtype):
            plain.isetitem(i, plain.iloc[:, i].map(_plain_cell))
    return plain


def styled(frame: pd.DataFrame, formats: Mapping[str, str] | None = None) -> Any:
    """A table for the report: no index, number formats, PASS / FAIL in colour *and* words.

    Every cell, column name and index label is HTML-escaped after formatting (a spec name is
    shown as text, never as markup).

    Examples
    --------
    >>> html = styled(pd.DataFrame({"x": [0.5], "result": ["PASS"]}), {"x": "{:.0%}"}).to_html()
    >>> "50%" in html and "PASS" in html
    True
    >>> "&lt;b&gt;" in styled(pd.DataFrame({"<b>": ["<b>"]})).to_html()
    True
    """
    def verdict(value: Any) -> str:
        # Only the words (or real booleans): 1 and 0.0 compare equal to True and False.
        if isinstance(value, (str, bool, np.bool_)) and value in ("PASS", True):
            return f"color: {OKABE_ITO['blue']}; font-weight: bold"
        if isinstance(value, (str, bool, np.bool_)) and value in ("FAIL", False):
            return f"color: {OKABE_ITO['vermillion']}; font-weight: bold"
        return ""

    frame = _plain_frame(frame)
    formatters: dict[str, Any] = {c: (format_availability if c == "availability" else _number)
                                  for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}
    formatters.update({str(k): v for k, v in (formats or {}).items()})
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    short = [c for c in text if frame[c].astype(str).str.len().max() <= 24]
    styler = frame.style.hide(axis="index").format(formatters, na_rep="-", escape="html").map(verdict)
    styler = styler.format_index(escape="html", axis="index").format_index(escape="html", axis="columns")
    styler = styler.set_properties(subset=text, **{"text-align": "left"})
    styler = styler.set_properties(subset=short, **{"white-space": "nowrap"})
    return styler.set_table_styles([{"selector": "th", "props": "text-align: left"}])


def table(frame: pd.DataFrame, formats: Mapping[str, str] | None = None) -> SafeHtml:
    """:func:`styled` as markup inside a box that scrolls sideways when the table is wider than the screen.

    Examples
    --------
    >>> table(pd.DataFrame({"<b>": [1.5]})).startswith('<div class="hadr-table">')
    True
    """
    return SafeHtml('<div class="hadr-table">' + styled(frame, formats).to_html() + "</div>")


def _number(value: float) -> str:
    """Four significant digits, no exponent for everyday magnitudes."""
    if not math.isfinite(value):
        return "-"
    return f"{value:.4g}" if 1e-3 <= abs(value) < 1e6 or value == 0 else f"{value:.3e}"


def allowed_downtime_min(objective: float, year_hours: float = HOURS_PER_YEAR) -> float:
    """Downtime per year an availability objective allows (minutes), in a year of ``year_hours``.

    ``year_hours`` is the spec's (``model.year_hours``: 8760, or 8784 for a leap-year
    calendar), as the engines use it; the default is the 365-day year
    (:data:`hadr_model.units.HOURS_PER_YEAR`, :data:`~hadr_model.units.MINUTES_PER_YEAR` minutes).

    Examples
    --------
    >>> round(allowed_downtime_min(0.9999), 2)
    52.56
    >>> round(allowed_downtime_min(0.9999, year_hours=8784), 3)
    52.704
    """
    if isinstance(year_hours, bool) or not isinstance(year_hours, (int, float)) or not (
            math.isfinite(year_hours) and year_hours > 0):
        raise SpecError("year_hours", year_hours, "a positive number of hours in a year (8760 to 8784)")
    return (1.0 - objective) * year_hours * 60.0


# --- spec source and parameters --------------------------------------------------------------

@dataclass(frozen=True)
class SpecSource:
    """The spec file a report was made from: its path, text and sha256 of its bytes."""

    path: Path
    text: str
    sha256: str


def read_spec_source(spec_path: str | Path | None) -> SpecSource:
    """Read the spec file (``None``: the shipped default) and hash its bytes.

    Examples
    --------
    >>> len(read_spec_source(None).sha256)
    64
    """
    path = Path(spec_path) if spec_path else default_spec_path()
    try:
        data = path.read_bytes()
    except OSError:
        raise SpecError("", str(path), "an existing, readable spec file") from None
    return SpecSource(path, data.decode("utf-8", errors="replace"), hashlib.sha256(data).hexdigest())


def spec_label(path: str | Path) -> str:
    """How the report names a spec file: never an absolute local path.

    A spec shipped with the package is named from the package (``hadr_model/specs/….yaml``);
    any other by its file name only (its sha256, shown beside it, identifies its content).

    Examples
    --------
    >>> spec_label(default_spec_path())
    'hadr_model/specs/functions_platform.yaml'
    >>> spec_label("/home/someone/work/my service.yaml")
    'my service.yaml'
    """
    resolved = Path(path).resolve()
    package = Path(__file__).resolve().parents[1]
    if resolved.is_relative_to(package):
        return f"{package.name}/{resolved.relative_to(package).as_posix()}"
    return resolved.name


def _split_comment(line: str) -> tuple[str, str]:
    """Split a YAML line into content and ``# comment`` (a ``#`` inside quotes is content)."""
    quote = None
    for i, char in enumerate(line):
        if char in "'\"" and quote in (None, char):
            quote = None if quote else char
        elif char == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[^:#\s][^:#]*?)\s*:(?:\s+(?P<value>.*))?$")


def spec_parameters(text: str) -> pd.DataFrame:
    """Every parameter of a YAML spec with the comment that gives its source.

    The comment is the line's own ``# …``; a key without one inherits the comment block just
    above it. Returns columns ``line``, ``parameter`` (dotted path), ``value`` and ``source``.

    Examples
    --------
    >>> spec_parameters("zone:\\n  mttf: 1y   # [ibm-res]\\n").to_dict("records")[-1]
    {'line': 2, 'parameter': 'zone.mttf', 'value': '1y', 'source': '[ibm-res]'}
    """
    rows: list[dict[str, Any]] = []
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    block_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue  # the body of a folded / literal block scalar (description: >)
        block_indent = None
        content, comment = _split_comment(line)
        if not content.strip():
            # A comment line joins the block above the next key; a blank line ends the block.
            pending = [*pending, comment] if comment else []
            continue
        match = _KEY.match(content)
        if not match:
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key, value = match["key"].strip(), (match["value"] or "").strip()
        stack.append((indent, key))
        if value in (">", "|", ">-", "|-", ">+", "|+"):
            block_indent = indent
        # A short comment block above a key is its note; a long one introduces a whole section.
        source = comment or (" ".join(pending) if len(pending) <= 3 else "")
        if value.startswith((">", "|")):
            value = "(text block)"
        if value or comment:
            rows.append({"line": number, "parameter": ".".join(k for _, k in stack), "value": value,
                         "source": source})
        pending = []
    return pd.DataFrame(rows, columns=["line", "parameter", "value", "source"])


def spec_header(text: str) -> str:
    """The comment block at the top of a spec (where sources are usually introduced)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines)


# --- the topology ----------------------------------------------------------------------------

def plot_topology(model: Any) -> Figure:
    """The topology picture (:func:`hadr_model.topology.drawing.draw_topology`) with a description."""
    from ..topology.drawing import draw_topology, too_big_to_draw
    from ..topology.model import Topology

    figure = draw_topology(model)
    reason = too_big_to_draw(model)
    if reason is not None:
        text = f"The topology of {model.name} is not drawn: {reason}."
    elif isinstance(model, Topology):
        text = _topology_alt(model)
    else:
        text = (f"Reliability block diagram of {model.name} with {len(model.components())} components: "
                f"{_block_words(model.root)}.")
    return describe(figure, text)


def _per_zone(counts: int | tuple[int, ...]) -> str:
    return str(counts) if isinstance(counts, int) else "/".join(map(str, counts))


def _topology_alt(model: Any) -> str:
    regions = []
    for region in model.regions:
        words = f"{region.name} ({len(region.zones)} zone{'s' if len(region.zones) != 1 else ''}"
        words += f", fails over to {region.fails_over_to}" if region.fails_over_to else ", no failover"
        words += ", not a home region" if not region.home else ""
        if region.per_zone:
            words += ", its own counts: " + ", ".join(f"{role} {_per_zone(n)}" for role, n in region.per_zone)
        regions.append(words + ")")
    roles = [f"{role.name} {_per_zone(role.per_zone)} (needs {role.needs})" for role in model.roles]
    text = (f"Diagram of the topology of {model.name}: {len(model.regions)} regions — {_listed(regions)}. "
            f"Each zone runs instances of {len(roles)} roles (instances per zone): {_listed(roles)}.")
    if model.global_services:
        text += (" Global services shared by every region: "
                 + ", ".join(g.name for g in model.global_services) + ".")
    return text


def _block_words(block: Any, depth: int = 0) -> str:
    """A block diagram in words, nested up to three levels (deeper levels are counted, not named)."""
    from ..topology.model import Component, KOfN, Network, Parallel, Series

    if isinstance(block, Component):
        return block.name
    if isinstance(block, Network):
        if len(block.connects) > 2:
            return f"a network ({block.label}) of {len(block.nodes)} nodes"
        return f"a network from {block.source} to {block.target} of {len(block.nodes)} nodes"
    kind = {Series: "series", Parallel: "parallel"}.get(type(block))
    if isinstance(block, KOfN):
        kind = f"{block.k}-of-{len(block.children)}"
    if depth >= 3:
        return f"{kind} of {len(block.children)} blocks"
    return f"{kind} of [" + ", ".join(_block_words(child, depth + 1) for child in block.children[:8]) + (
        f", and {len(block.children) - 8} more" if len(block.children) > 8 else "") + "]"


# --- the verdict -----------------------------------------------------------------------------

def today() -> str:
    """The date the report is made, ISO format (UTC)."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def header_html(name: str, *, date: str, spec_file: str, seed: int, runs: int, disasters: int,
                verdict: str) -> SafeHtml:
    """The first lines of the report: the service's name, the date, the verdict word, and what the numbers used.

    Examples
    --------
    >>> page = header_html("<web>", date="2025-01-02", spec_file="web.yaml", seed=1, runs=2000, disasters=20000,
    ...                    verdict="FAIL")
    >>> "<h1>Availability report: &lt;web&gt;</h1>" in page and "2,000 Monte Carlo runs" in page
    True
    """
    status = {"PASS": "pass", "FAIL": "fail"}.get(verdict, "none")
    return html_text(
        '<header class="hadr-header"><h1>Availability report: {name}</h1>'
        '<p class="hadr-meta"><span class="hadr-badge {status}">{verdict}</span> {date} · spec <code>{file}</code>'
        " · seed {seed} · {runs} Monte Carlo runs · {disasters} disasters per DR scenario</p></header>",
        name=name, status=status, verdict=verdict, date=date, file=spec_file, seed=str(seed), runs=f"{runs:,}",
        disasters=f"{disasters:,}")


def not_applicable_html(reason: str) -> SafeHtml:
    """Why a section has no figures for this spec, in one escaped paragraph."""
    return html_text("<p><strong>Not applicable to this spec:</strong> {reason}.</p>", reason=reason.rstrip("."))


def verdict_html(judged: Any) -> SafeHtml:
    """The verdict's headline and one row per objective, as the CLI prints them (escaped HTML).

    ``judged`` is a :class:`hadr_model.service.Verdict`.
    """
    from ..service import VERDICT_COLUMNS

    status = "pass" if judged.passed else "fail"
    head = html_text('<p class="verdict {status}"><strong>{headline}</strong></p>', status=status,
                     headline=judged.headline)
    rows = table(pd.DataFrame(judged.rows(), columns=list(VERDICT_COLUMNS)))
    models = sorted({check.model for check in judged.checks if check.status != "absent"})
    foot = html_text("<p><em>Computed by: {models}.</em></p>", models="; ".join(models)) if models else ""
    return SafeHtml(head + rows + foot)


def remedy_table(remedies: Sequence[Any]) -> pd.DataFrame:
    """What it takes: one row per (missed objective, parameter) (:mod:`hadr_model.service.whatif`)."""
    return pd.DataFrame([{"missed objective": r.objective, "spec field": r.field, "now (h)": round(r.current_h, 4),
                          "to meet it (h)": "-" if r.required_h is None else round(r.required_h, 4),
                          "note": r.note} for r in remedies])


def strategy_advice_html(advice: Any) -> SafeHtml:
    """The cheapest DR strategy preset that meets every objective, one paragraph (escaped HTML).

    ``advice`` is a :class:`hadr_model.service.whatif.StrategyAdvice` (empty markup for ``None``:
    nothing is missed, or a block-form spec).

    Examples
    --------
    >>> from hadr_model.service.whatif import PresetTrial, StrategyAdvice
    >>> advice = StrategyAdvice("pilot_light", (PresetTrial("backup_restore", "Backup & restore", 1.0, ("a",)),
    ...                         PresetTrial("pilot_light", "Pilot light", 1.2, ())), 0, 100, "dr-workflow")
    >>> "Backup &amp; restore misses a" in strategy_advice_html(advice)
    True
    """
    if advice is None:
        return SafeHtml("")
    return html_text("<p><strong>DR strategy:</strong> {line}. <em>Each preset is put into the spec (its "
                     "replication and region-loss steps, every region's own plan included) and judged over every "
                     "objective as above, on the same {n} disasters per scenario (seed {seed}); the relative "
                     "costs are an assumption (section 6).</em></p>",
                     line=advice.describe(), n=advice.n_disasters, seed=advice.seed)


# --- availability ----------------------------------------------------------------------------

def _verdict(metrics: SystemMetrics, objective: float) -> str:
    return "PASS" if metrics.availability >= objective else "FAIL"


def availability_headline(result: AvailabilityResult, objective: float | None,
                          realistic: AvailabilityResult | None = None, *,
                          year_hours: float = HOURS_PER_YEAR) -> str:
    """One HTML paragraph: the service's availability against its objective.

    Uses ``realistic`` (failover taking the DR workflow's RTO) when given, else ``result``;
    ``year_hours`` is the spec's year, for the minutes the objective allows.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> from hadr_model.engines.exact import exact_availability
    >>> "objective" in availability_headline(exact_availability(load_spec()), 0.9999)
    True
    """
    s = (realistic or result).system
    if result.form != "regions":
        scope = "the whole block diagram"
    elif realistic is not None:
        scope = ("a tenant whose home region is drawn uniformly, failing over in the time the DR "
                 "workflow takes")
    else:
        scope = "a tenant whose home region is drawn uniformly, with instantaneous failover (an upper bound)"
    # A block with a fixed availability has no failure frequency: say nothing rather than "nan".
    outages = (f", {s.failure_frequency_per_year:.2g} outages per year of {s.mean_outage_h:.2g} h on average"
               if math.isfinite(s.failure_frequency_per_year) and math.isfinite(s.mean_outage_h) else "")
    figures = html_text(
        "<strong>Service availability {availability}</strong> ({nines:.2f} nines, {downtime:.1f} min of "
        "downtime per year{outages}) for {scope}.",
        availability=format_availability(s.availability), nines=s.nines, downtime=s.downtime_min_per_year,
        outages=outages, scope=scope)
    if objective is None:     # no objective in the spec: nothing to pass or fail
        return SafeHtml(f"<p>{figures} The spec states no availability objective.</p>")
    return SafeHtml(f"<p>{figures} " + html_text(
        "The objective is {objective} ({allowed:.1f} min per year): <strong>{verdict}</strong> for the "
        "tenant mixture (the verdict above judges the worst home region).</p>",
        objective=format_availability(objective), allowed=allowed_downtime_min(objective, year_hours),
        verdict=_verdict(s, objective)))


def region_table(result: AvailabilityResult, objective: float | None,
                 realistic: AvailabilityResult | None = None) -> pd.DataFrame:
    """One row per home region: its own service, and a tenant homed there with failover.

    ``result`` is the exact engine (failover instantaneous: an upper bound); ``realistic``,
    when given, the same with each region loss costing the DR workflow's RTO
    (:func:`hadr_model.dr.availability_with_failover`). The verdict uses the realistic figure
    when there is one.
    """
    realistic_by_name = {r.name: r for r in (realistic.regions if realistic else ())}
    rows = []
    for region in (r for r in result.regions if r.home):
        row = {
            "home region": region.name,
            "fails over to": region.fails_over_to or "-",
            "availability (own region)": format_availability(region.own.availability),
            "downtime min/year (own region)": round(region.own.downtime_min_per_year, 1),
            "availability (instant failover)": format_availability(region.with_failover.availability),
            "downtime min/year (instant failover)": round(region.with_failover.downtime_min_per_year, 1),
        }
        tenant = region.with_failover
        if region.name in realistic_by_name:
            tenant = realistic_by_name[region.name].with_failover
            row["availability (failover with DR RTO)"] = format_availability(tenant.availability)
            row["downtime min/year (failover with DR RTO)"] = round(tenant.downtime_min_per_year, 1)
        row["nines (tenant)"] = round(tenant.nines, 2)
        if objective is not None:
            row["tenant meets objective"] = _verdict(tenant, objective)
        rows.append(row)
    return pd.DataFrame(rows)


def plot_downtime_by_region(result: AvailabilityResult, objective: float | None,
                            realistic: AvailabilityResult | None = None, *,
                            year_hours: float = HOURS_PER_YEAR) -> Figure:
    """Horizontal bars: downtime per year of each home region, own and with failover.

    The objective's line is at the minutes it allows in a year of ``year_hours`` (the spec's).
    """
    regions = [r for r in result.regions if r.home]
    series = [("own region only", [r.own.downtime_min_per_year for r in regions], OKABE_ITO["orange"]),
              ("tenant, instant failover (upper bound)",
               [r.with_failover.downtime_min_per_year for r in regions], OKABE_ITO["sky_blue"])]
    if realistic is not None:
        by_name = {r.name: r for r in realistic.regions}
        series.append(("tenant, failover taking the DR RTO",
                       [by_name[r.name].with_failover.downtime_min_per_year for r in regions],
                       OKABE_ITO["blue"]))
    height = 0.8 / len(series)
    figure = Figure(figsize=(9.0, 0.28 * len(regions) * len(series) + 2.0), layout="constrained")
    axes = figure.add_subplot()
    y = np.arange(len(regions))
    for i, (label, values, colour) in enumerate(series):
        bars = axes.barh(y - 0.4 + height * (i + 0.5), values, height=height * 0.92, color=colour,
                         label=label)
        axes.bar_label(bars, labels=[f"{v:.1f}" for v in values], padding=3, fontsize=8)
    allowed = 0.0
    if objective is not None:
        allowed = allowed_downtime_min(objective, year_hours)
        axes.axvline(allowed, **_OBJECTIVE,
                     label=f"objective {format_availability(objective)} = {allowed:.1f} min")
    axes.set_xscale("log")
    axes.set_xlim(right=max(allowed, *(r.own.downtime_min_per_year for r in regions)) * 4)
    axes.set_yticks(y, [r.name for r in regions], parse_math=False)
    axes.invert_yaxis()
    axes.set_xlabel("expected downtime (minutes per year, log scale)")
    axes.set_title("Expected downtime per year by home region")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, frameon=False)
    rows = [f"{region.name} " + ", ".join(f"{values[i]:.1f} ({label})" for label, values, _ in series)
            for i, region in enumerate(regions)]
    return describe(plain_texts(figure), (
        f"Bar chart of the expected downtime per year, in minutes on a log scale, of each of the {len(regions)} "
        f"home regions: {_listed(rows)}."
        + (f" The objective {format_availability(objective)} allows {allowed:.1f} min per year."
           if objective is not None else " The spec states no availability objective.")))


def importance_table(result: AvailabilityResult, top: int = 12) -> pd.DataFrame:
    """The top of the importance ranking in plain columns."""
    rows = []
    for rank, item in enumerate(result.importance[:top], start=1):
        rows.append({
            "rank": rank, "element": item.element, "kind": item.kind, "count": item.count,
            "availability": format_availability(item.availability),
            "share of unavailability (criticality)": f"{100 * item.criticality:.2f} %",
            "if it never failed: unavailability ÷": round(item.risk_reduction_worth, 3),
            "if it were always down: unavailability ×": _factor(item.risk_achievement_worth),
        })
    return pd.DataFrame(rows)


def _factor(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def importance_advice(result: AvailabilityResult, top: int = 3) -> SafeHtml:
    """An HTML list naming the elements to improve first, in plain words."""
    items = [html_text("<li><strong>{element}</strong> ({kind}) causes {share:.1f} % of the service's "
                       "unavailability; if it never failed, the unavailability would be divided by "
                       "{divided:.3g}.</li>", element=item.element, kind=item.kind,
                       share=100 * item.criticality, divided=item.risk_reduction_worth)
             for item in result.importance[:top]]
    if not items:
        items = [html_text("<li>The model has no element whose failure matters.</li>")]
    return html_text("<ul>{items}</ul>", items=_join(items))


def plot_importance(result: AvailabilityResult, top: int = 10) -> Figure:
    """Horizontal bars of each element's share of the unavailability (criticality)."""
    items = list(result.importance[:top])
    figure = Figure(figsize=(9.0, 0.42 * len(items) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    shares = [100 * i.criticality for i in items]
    bars = axes.barh(range(len(items)), shares, color=OKABE_ITO["blue"], height=0.6)
    axes.bar_label(bars, labels=[f"{s:.2f} %" for s in shares], padding=3, fontsize=8)
    axes.set_yticks(range(len(items)), [i.element for i in items], parse_math=False)
    axes.invert_yaxis()
    axes.set_xlim(0, max([*shares, 1.0]) * 1.18)
    axes.set_xlabel("share of the service's unavailability (criticality, %)")
    axes.set_title(f"What to improve first: top {len(items)} contributors to downtime")
    ranked = [f"{item.element} ({item.kind}) {share:.2f} %" for item, share in zip(items, shares)]
    return describe(plain_texts(figure), (
        f"Bar chart of the {len(items)} elements causing most of the service's unavailability, as their share "
        f"of it (criticality): {_listed(ranked) or 'no element matters'}."))


# --- Monte Carlo -----------------------------------------------------------------------------

def montecarlo_downtime(result: Any) -> np.ndarray:
    """Downtime of each simulated tenant-year (a run and a home region), in minutes per year.

    The same population as the table's percentiles and share meeting the objective
    (:class:`hadr_model.engines.montecarlo.SimulationResult`), so the chart and the table agree.
    """
    return np.asarray(result.tenant_downtime_min_per_year, dtype=float)


def montecarlo_table(result: Any, *, objective: float | None) -> pd.DataFrame:
    """The Monte Carlo engine's figures in words (per tenant-year: a run and a home region).

    ``objective`` is the availability objective the spec states: with ``None`` (it states
    none) the table shows no share meeting an objective, as the verdict has no PASS / FAIL.
    """
    low, high = result.availability_ci95
    rows = [
        ("availability (95 % confidence interval)", f"{format_availability(result.availability)} "
         f"({100 * low:.4f} – {100 * high:.4f} %)"),
        ("mean downtime", f"{result.downtime_min_per_year_mean:.1f} min/year"),
        ("median / p90 / p99 downtime of a tenant-year",
         f"{result.downtime_min_per_year_p50:.1f} / {result.downtime_min_per_year_p90:.1f} / "
         f"{result.downtime_min_per_year_p99:.1f} min"),
        ("outages per year", f"{result.outages_per_year_mean:.3g}"),
        ("outage duration mean / p99",
         f"{result.outage_duration_h_mean:.3g} h / {result.outage_duration_h_p99:.3g} h"),
    ]
    if result.probability_meeting_objective is not None and objective is not None:
        share = 100 * result.probability_meeting_objective
        rows.append(("share of tenant-years meeting the objective", f"{share:.2f} %"))
    rows.append(("runs × years simulated", f"{result.runs} × {result.years:g}"))
    return pd.DataFrame(rows, columns=["Monte Carlo figure", "value"])


def plot_downtime_distribution(downtime_min: np.ndarray, objective: float | None, *,
                               unit: str = "per tenant-year",
                               year_hours: float = HOURS_PER_YEAR) -> Figure:
    """Histogram of downtime per year with the objective's allowance and the percentiles marked.

    The allowance is for a year of ``year_hours`` (the spec's, as the Monte Carlo engine uses).
    """
    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    axes = figure.add_subplot()
    values = np.asarray(downtime_min, dtype=float)
    allowed = allowed_downtime_min(objective, year_hours) if objective is not None else 0.0
    upper = max(float(values.max()), allowed) * 1.05 or 1.0
    axes.hist(values, bins=list(np.linspace(0, upper, 41)), color=OKABE_ITO["sky_blue"], edgecolor="white")
    # Most years have little downtime and a few have a long outage: a log count axis shows both.
    axes.set_yscale("log")
    title = f"Downtime {unit}"
    if objective is not None:
        axes.axvline(allowed, **_OBJECTIVE, label=f"objective allows {allowed:.1f} min")
        title += f": {100 * float((values <= allowed).mean()):.1f} % within the objective"
    for q, style in ((50, ":"), (90, "-."), (99, "-")):    # the table's percentiles, the same population
        value = float(np.percentile(values, q))
        axes.axvline(value, color=OKABE_ITO["vermillion"] if q == 99 else OKABE_ITO["black"], linestyle=style,
                     linewidth=1.5, label=f"p{q} = {value:.1f} min")
    axes.set_title(title)
    axes.set_xlabel("downtime (minutes per year)")
    axes.set_ylabel(f"number of {unit.removeprefix('per ')}s (log scale)")
    axes.set_xlim(left=0)
    axes.legend(loc="upper right")
    return describe(plain_texts(figure), _distribution_alt(values, objective, allowed, unit))


def _distribution_alt(values: np.ndarray, objective: float | None, allowed: float, unit: str) -> str:
    """In words: how many simulated years, their percentiles, and the share within the objective."""
    what = unit.removeprefix("per ") if "," not in unit else "tenant"   # "per year of a tenant, runs of …"
    p50, p90, p99 = (float(np.percentile(values, q)) for q in (50, 90, 99))
    text = (f"Histogram of the downtime {unit} over {values.size:,} simulated {what}s (count on a log scale): "
            f"50 % of {what}s have at most {p50:.1f} min of downtime, 90 % at most {p90:.1f} min, "
            f"99 % at most {p99:.1f} min; the longest has {float(values.max()):.1f} min.")
    if objective is None:
        return text + " The spec states no availability objective."
    share = 100 * float((values <= allowed).mean())
    return text + (f" The objective {format_availability(objective)} allows {allowed:.1f} min per year: "
                   f"{share:.1f} % of {what}s are within it.")


# --- DR workflows ----------------------------------------------------------------------------

def by_role(results: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Regroup ``{scenario: {role: result}}`` as ``{role: {scenario: result}}``.

    The input is what :func:`hadr_model.dr.topology_scenarios` returns.

    Examples
    --------
    >>> by_role({"zone_loss": {"db": 1}, "region_loss": {"db": 2}})
    {'db': {'zone_loss': 1, 'region_loss': 2}}
    """
    roles: dict[str, dict[str, Any]] = {}
    for scenario, per_role in results.items():
        for role, result in per_role.items():
            roles.setdefault(role, {})[scenario] = result
    return roles


def _ecdf(axes: Any, values: np.ndarray, colour: str) -> None:
    finite = np.sort(values[np.isfinite(values)])
    if finite.size == 0:
        return
    y = np.arange(1, finite.size + 1) / values.size  # unrecoverable draws keep the curve below 1
    axes.step(np.concatenate([[0.0], finite]), np.concatenate([[0.0], y]), where="post", color=colour,
              linewidth=1.8)


def plot_rpo_rto_distributions(results: Mapping[str, Any], role: str) -> Figure:
    """Cumulative distributions of realised RPO (top) and RTO (bottom) per scenario with the objectives."""
    scenarios = list(results)
    figure = Figure(figsize=(3.3 * len(scenarios) + 0.6, 6.2), layout="constrained")
    grid = figure.subplots(2, len(scenarios), squeeze=False)
    for column, name in enumerate(scenarios):
        result = results[name]
        for row, (label, values, target, colour) in enumerate((
                ("RPO", result.outcomes.rpo_h, result.rpo_target_h, OKABE_ITO["blue"]),
                ("RTO", result.outcomes.rto_h, result.rto_target_h, OKABE_ITO["bluish_green"]))):
            axes = grid[row][column]
            _ecdf(axes, values, colour)
            axes.axvline(target, **_OBJECTIVE, label=f"objective {_hours(target)}")
            met = float((values <= target).mean())
            if np.all(values == 0):
                axes.annotate("every disaster: 0 h", (0.5, 0.5), xycoords="axes fraction", ha="center",
                              fontsize=9, color=colour)
            axes.set_title(f"{name.replace('_', ' ')}: {label}\nmet in {100 * met:.1f} % of disasters",
                           fontsize=10)
            axes.set_xscale("symlog", linthresh=1 / 60)
            finite = values[np.isfinite(values)]
            largest = float(finite.max()) if finite.size else 0.0
            axes.set_xlim(0, 2 * max(target, largest, 1 / 30))
            axes.set_ylim(0, 1.02)
            axes.set_xlabel(f"realised {label} (hours, log scale above 1 min)")
            axes.set_ylabel("share of disasters ≤ x")
            axes.legend(loc="lower right", fontsize=8)
            axes.grid(True, linewidth=0.3, alpha=0.5)
    figure.suptitle(f"Realised RPO and RTO of '{role}' per disaster scenario", fontsize=12)
    facts = []
    for name in scenarios:
        result = results[name]
        parts = [f"{label} objective {_hours(target)} met in {100 * float((values <= target).mean()):.1f} % "
                 f"(p95 {_hours(float(np.percentile(values, 95)))})"
                 for label, values, target in (("RPO", result.outcomes.rpo_h, result.rpo_target_h),
                                               ("RTO", result.outcomes.rto_h, result.rto_target_h))]
        facts.append(f"{name.replace('_', ' ')}: " + ", ".join(parts))
    return describe(plain_texts(figure), (
        f"Cumulative distributions of the realised recovery point (RPO) and recovery time (RTO) of '{role}' "
        f"over the simulated disasters of {len(scenarios)} scenarios, with the objectives as dashed lines; "
        f"{'; '.join(facts)}."))


def _hours(value_h: float) -> str:
    if not math.isfinite(value_h):
        return "unrecoverable" if value_h > 0 else "-"
    if value_h == 0:
        return "0"
    if value_h < 1:
        return f"{60 * value_h:.3g} min"
    return f"{value_h:.3g} h"


def dr_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """One row per scenario: realised RPO / RTO percentiles against the objectives (hours)."""
    rows = []
    for name, result in results.items():
        s = result.summary()
        rows.append({
            "scenario": name.replace("_", " "),
            "RPO objective": _hours(s["rpo_target_h"]),
            "RPO p50 h": s["rpo_p50_h"], "RPO p95 h": s["rpo_p95_h"],
            "RPO max h": s["rpo_max_h"], "P(RPO met)": s["p_rpo_met"],
            "RTO objective": _hours(s["rto_target_h"]),
            "RTO p50 h": s["rto_p50_h"], "RTO p95 h": s["rto_p95_h"],
            "RTO max h": s["rto_max_h"], "P(RTO met)": s["p_rto_met"],
            "P(unrecoverable)": s["p_unrecoverable"],
        })
    return pd.DataFrame(rows)


def restore_order_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """Restore contention: RTO of the first, median and last database restored (hours).

    After a region loss every (tenant) database of the region is restored at once into the
    failover region, sharing restore slots and bandwidth; the databases restored last wait longest.
    """
    rows = []
    for name, result in results.items():
        s = result.summary()
        rows.append({
            "scenario": name.replace("_", " "),
            "databases": int(s["databases"]),
            "first database mean h": s["rto_first_database_mean_h"],
            "first database p95 h": s["rto_first_database_p95_h"],
            "median database mean h": s["rto_median_database_mean_h"],
            "median database p95 h": s["rto_median_database_p95_h"],
            "last database mean h": s["rto_last_database_mean_h"],
            "last database p95 h": s["rto_last_database_p95_h"],
        })
    return pd.DataFrame(rows)


RESTORE_ORDER_FORMATS = {c: "{:.3g}" for c in ("first database mean h", "first database p95 h",
                                                "median database mean h", "median database p95 h",
                                                "last database mean h", "last database p95 h")}
DR_FORMATS = {c: "{:.3g}" for c in ("RPO p50 h", "RPO p95 h", "RPO max h", "RTO p50 h", "RTO p95 h",
                                     "RTO max h")}
DR_FORMATS |= {c: "{:.1%}" for c in ("P(RPO met)", "P(RTO met)", "P(unrecoverable)")}
COMPLIANCE_FORMATS = {"target": "{}", "p95": "{}", "p99": "{}", "probability met": "{:.1%}",
                      "required": "{:.0%}"}
STRATEGY_FORMATS = {"RPO p95": "{}", "RTO p95": "{}", "P(RPO met)": "{:.1%}", "P(RTO met)": "{:.1%}",
                    "P(both met)": "{:.1%}", "relative cost": "{:g}"}


def compliance_table(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Objective compliance of every scenario (from ``ScenarioResult.compliance()``) in words."""
    frame = pd.concat(list(frames), ignore_index=True)
    return pd.DataFrame({
        "scenario": frame["scenario"].str.replace("_", " "),
        "objective": frame["objective"].str.upper(),
        "target": [_hours(v) for v in frame["target_h"]],
        "p95": [_hours(v) for v in frame["p95_h"]],
        "p99": [_hours(v) for v in frame["p99_h"]],
        "probability met": frame["probability_met"],
        "required": frame["required_probability"],
        "result": ["PASS" if v else "FAIL" for v in frame["passed"]],
    })


def strategy_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """A strategy comparison (:func:`hadr_model.dr.compare_strategies`) in words."""
    return pd.DataFrame({
        "strategy": comparison["label"],
        "RPO p95": [_hours(v) for v in comparison["rpo_p95_h"]],
        "RTO p95": [_hours(v) for v in comparison["rto_p95_h"]],
        "P(RPO met)": comparison["p_rpo_met"], "P(RTO met)": comparison["p_rto_met"],
        "P(both met)": comparison["p_objectives_met"], "relative cost": comparison["cost_units"],
    })


def plot_strategies(comparison: pd.DataFrame, objectives: Any, role: str) -> Figure:
    """Region loss of ``role``: RPO p95 against RTO p95 of each DR strategy preset, with a description."""
    from ..dr import plot_rpo_rto

    figure = plot_rpo_rto(comparison, objectives, "region_loss",
                          title=f"Region loss of '{role}': RPO vs RTO (p95) by DR strategy")
    points = [f"{row.label}: RPO {_hours(row.rpo_p95_h)}, RTO {_hours(row.rto_p95_h)}, cost {row.cost_units:g}"
              for row in comparison.itertuples(index=False)]
    target = (f" The objectives are RPO {_hours(objectives.rpo_h['region_loss'])} and RTO "
              f"{_hours(objectives.rto_h['region_loss'])} (dashed lines)." if objectives is not None else "")
    return describe(plain_texts(figure), (
        f"Scatter chart of the 95th-percentile recovery point (RPO) against recovery time (RTO) after a region "
        f"loss of '{role}' under {len(points)} DR strategies, both in hours on log scales: {_listed(points)}."
        + target))


# --- how sure are we (parameter uncertainty and incident records) ----------------------------

def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def how_sure_intro_html(how: Any) -> SafeHtml:
    """What the band is made of: samples, method, seed, and where the uncertainty comes from.

    ``how`` is :class:`hadr_model.reports.build.HowSure` (live).
    """
    result = how.result
    fields = ", ".join(p.field for p in result.parameters)
    text = html_text("<p>{samples} parameter samples ({method} points, seed {seed}; at most {most} in a report), "
                     "each evaluated by the exact engine with {failover}. Uncertain parameters: {fields}.</p>",
                     samples=f"{result.samples:,}", method=result.method, seed=str(result.seed),
                     most=f"{how.samples_cap:,}", failover=_failover_words(result.failover_model), fields=fields)
    if how.records_file is None:
        return text
    replaced = ", ".join(how.fitted_keys) or "none"
    return SafeHtml(text + html_text(
        "<p><strong>Records:</strong> <code>{file}</code> ({rows} rows). The band uses the laws fitted to them and "
        "their uncertainty in place of the spec's figures for: {replaced}. The other sections of this report use "
        "the spec as written.</p>", file=how.records_file, rows=f"{how.records_rows:,}", replaced=replaced))


def _failover_words(model: str) -> str:
    return ("failover taking the DR workflow's RTO" if model == "dr-workflow"
            else "instantaneous failover (an upper bound)")


def how_sure_band_table(result: Any) -> pd.DataFrame:
    """The credible bands (median, 5 %, 95 %) of the service's figures, one row each.

    ``result`` is a :class:`hadr_model.service.uncertainty.UncertaintyResult`.
    """
    rows = [("availability (tenant mixture)", result.availability, True),
            ("downtime min/year (tenant mixture)", result.downtime_min_per_year, False)]
    if result.worst_region is not None:
        rows.append((f"availability of the worst home region (most often {result.worst_region})",
                     result.worst_region_availability, True))
    return pd.DataFrame([{"figure": name,
                          "median": format_availability(band.median) if share else f"{band.median:.4g}",
                          "5 %": format_availability(band.low) if share else f"{band.low:.4g}",
                          "95 %": format_availability(band.high) if share else f"{band.high:.4g}"}
                         for name, band, share in rows])


def how_sure_met_html(result: Any, *, year_hours: float = HOURS_PER_YEAR) -> SafeHtml:
    """``P(objective met)`` under the uncertainty, in one paragraph (escaped HTML)."""
    band = result.downtime_min_per_year
    head = html_text("<p><strong>Downtime {median:.1f} min per year</strong> (90 % credible band {low:.1f} – "
                     "{high:.1f} min).", median=band.median, low=band.low, high=band.high)
    if result.objective is None or result.probability_met is None:
        return SafeHtml(head + html_text(" The spec states no availability objective.</p>"))
    low, high = result.probability_met_ci95
    return SafeHtml(head + html_text(
        " The objective {objective} allows {allowed:.1f} min per year: given what we know of the parameters, "
        "<strong>P(objective met) = {met}</strong> — the share of samples in which every home region meets it "
        "(the verdict's check; sampling 95 % interval {low} – {high}).</p>",
        objective=format_availability(result.objective), allowed=allowed_downtime_min(result.objective, year_hours),
        met=_percent(result.probability_met), low=_percent(low), high=_percent(high)))


def uncertain_parameters_table(result: Any) -> pd.DataFrame:
    """Each uncertain parameter: its law, its point figure and its 90 % interval (hours)."""
    rows = []
    for parameter in result.parameters:
        facts = parameter.as_dict()
        rows.append({"parameter": facts["field"], "point h": facts["point_h"], "point is": facts["point_is"],
                     "median h": facts["median_h"], "5 % h": facts["p05_h"], "95 % h": facts["p95_h"],
                     "law over the parameter": facts["law"]})
    return pd.DataFrame(rows)


def sobol_table(result: Any) -> pd.DataFrame:
    """The Sobol' ranking: total and first-order index with their bootstrap 95 % intervals."""
    rows = [{"rank": rank, "parameter": s.field, "total index": s.total,
             "total 95 % interval": f"{s.total_ci95[0]:.3f} – {s.total_ci95[1]:.3f}",
             "first-order index": s.first_order,
             "first-order 95 % interval": f"{s.first_order_ci95[0]:.3f} – {s.first_order_ci95[1]:.3f}"}
            for rank, s in enumerate(result.sensitivity, start=1)]
    return pd.DataFrame(rows, columns=["rank", "parameter", "total index", "total 95 % interval",
                                       "first-order index", "first-order 95 % interval"])


SOBOL_FORMATS = {"total index": "{:.3f}", "first-order index": "{:.3f}"}
UNCERTAIN_FORMATS = {c: "{:.4g}" for c in ("point h", "median h", "5 % h", "95 % h")}


def learn_first_html(result: Any) -> SafeHtml:
    """"Learn X first": the parameter whose uncertainty moves the unavailability most (escaped HTML)."""
    if not result.sensitivity:
        return SafeHtml("")
    first = result.sensitivity[0]
    return html_text("<p><strong>Learn {field} first:</strong> its uncertainty explains {total} of the variance "
                     "of the unavailability (total Sobol' index; {first} on its own).</p>",
                     field=first.field, total=_percent(first.total), first=_percent(first.first_order))


def plot_tornado(result: Any) -> Figure:
    """The tornado of Sobol' indices (:func:`hadr_model.evidence.plots.tornado_figure`) with a description."""
    from ..evidence.plots import tornado_figure

    figure = tornado_figure(result.sensitivity, title="Which uncertainty matters: Sobol' indices of the "
                                                      "unavailability")
    # Parameter paths as tick labels set with parse_math=False (ticks made at draw time keep it).
    axes = figure.axes[0]
    axes.set_yticks(axes.get_yticks(), [label.get_text() for label in axes.get_yticklabels()], parse_math=False)
    ranked = [f"{s.field} total {s.total:.3f} ({s.total_ci95[0]:.3f}–{s.total_ci95[1]:.3f}), first order "
              f"{s.first_order:.3f}" for s in result.sensitivity]
    return describe(plain_texts(figure), (
        f"Bar chart (a tornado) of the Sobol' indices of the service's unavailability for {len(ranked)} uncertain "
        f"parameters, total and first-order index with 95 % bootstrap intervals, the parameter to learn first on "
        f"top: {_listed(ranked)}."))


def fit_table(fit: Any) -> pd.DataFrame:
    """The candidate laws of one fit (:class:`hadr_model.evidence.fit.Fit`): AIC, BIC, weight and mean."""
    rows = []
    for c in fit.candidates:
        chosen = fit.chosen is not None and c.family == fit.chosen.family
        if not c.converged:
            rows.append({"law": c.family, "chosen": "", "log-likelihood": math.nan, "AIC": math.nan,
                         "ΔAIC": math.nan, "BIC": math.nan, "AIC weight": math.nan, "mean h": math.nan,
                         "mean 95 % interval h": "-", "note": c.note})
            continue
        low, high = c.mean_interval_h
        rows.append({"law": c.family, "chosen": "chosen" if chosen else "", "log-likelihood": c.loglik,
                     "AIC": c.aic, "ΔAIC": c.delta_aic, "BIC": c.bic, "AIC weight": c.weight, "mean h": c.mean_h,
                     "mean 95 % interval h": f"{low:.4g} – {high:.4g}", "note": c.note})
    return pd.DataFrame(rows)


FIT_FORMATS = {"log-likelihood": "{:.2f}", "AIC": "{:.2f}", "ΔAIC": "{:.2f}", "BIC": "{:.2f}",
               "AIC weight": "{:.3f}"}


def fit_intro_html(fit: Any) -> SafeHtml:
    """One fit's heading line: the class, the quantity, the records and why the law was chosen."""
    what = "time to failure" if fit.sample.quantity == "failure" else "time to repair"
    return html_text("<h4><code>{cls}</code>: {what}</h4><p>{records}; {elements} elements. {why}.</p>",
                     cls=fit.sample.element_class, what=what, records=fit.sample.describe(),
                     elements=str(fit.sample.elements), why=("Chosen: " + fit.reason) if fit.chosen else fit.reason)


def _fit_words(fit: Any) -> str:
    what = "time to failure" if fit.sample.quantity == "failure" else "time to repair"
    chosen = (f"the chosen law is {fit.chosen.family} with mean {fit.chosen.mean_h:.4g} h"
              if fit.chosen is not None else f"no law was fitted ({fit.reason})")
    return f"of the {what} of {fit.sample.element_class} from {fit.sample.describe()}; {chosen}"


def plot_fit_probability(fit: Any) -> Figure:
    """Q–Q plots of each fitted candidate (:func:`hadr_model.evidence.plots.probability_figure`), described."""
    from ..evidence.plots import probability_figure

    families = [f"{c.family} (ΔAIC {c.delta_aic:.2f})" for c in fit.candidates if c.converged]
    return describe(plain_texts(probability_figure(fit)), (
        f"Scatter charts (Q–Q plots), on log axes, of the fitted quantile against the observed time "
        f"{_fit_words(fit)}: one panel per "
        f"candidate law ({_listed(families) or 'none fitted'}); a law that fits lies on the diagonal."))


def plot_fit_goodness(fit: Any) -> Figure:
    """Kaplan–Meier survival against each fitted law, and the P–P plot
    (:func:`hadr_model.evidence.plots.goodness_of_fit_figure`), described."""
    from ..evidence.plots import goodness_of_fit_figure

    return describe(plain_texts(goodness_of_fit_figure(fit)), (
        f"Cumulative view of the goodness of fit {_fit_words(fit)}: left, the Kaplan–Meier survival estimate "
        f"with its 95 % Greenwood band "
        f"and each candidate law's survival function on a log time axis; right, the P–P plot of each candidate's "
        f"distribution function against Kaplan–Meier's, a good fit lying on the diagonal."))


# --- sweeps ----------------------------------------------------------------------------------

_RESULT_PREFERENCE = ("downtime_min_per_year", "availability", "nines", "unavailability")
_NOT_PARAMETERS = ("index", "point_id", "seed", "status", "error", "seconds", "attempts", "notebook")


def sweep_columns(frame: pd.DataFrame) -> tuple[list[str], str | None]:
    """(parameter columns, the result column to chart) of a sweep table.

    Uses the column lists :func:`hadr_model.sweeps.load_sweep` stores in ``frame.attrs``;
    without them, every column that is not bookkeeping is a parameter or a known result.

    Examples
    --------
    >>> sweep_columns(pd.DataFrame({"zone.mttr": ["4h"], "availability": [0.999], "status": ["ok"]}))
    (['zone.mttr'], 'availability')
    """
    results = list(frame.attrs.get("results") or [c for c in _RESULT_PREFERENCE if c in frame.columns])
    parameters = list(frame.attrs.get("parameters") or [
        c for c in frame.columns if c not in results and c not in _NOT_PARAMETERS])
    numeric = [c for c in results if c in frame.columns and pd.api.types.is_numeric_dtype(frame[c])]
    preferred = [c for c in _RESULT_PREFERENCE if c in numeric]
    return parameters, (preferred or numeric or [None])[0]


def plot_sweep(frame: pd.DataFrame, objective: float | None = None, *,
               year_hours: float = HOURS_PER_YEAR) -> Figure | None:
    """The result against each swept parameter: every point, and the mean over the other parameters.

    Parameter values are placed in the order the sweep lists them (durations such as ``4h``
    stay readable); a downtime result gets the objective's line for a year of ``year_hours``.
    Returns ``None`` when there is nothing to chart.
    """
    parameters, result = sweep_columns(frame)
    ok = frame[frame["status"] == "ok"] if "status" in frame.columns else frame
    parameters = [p for p in parameters if p in ok.columns and ok[p].astype(str).nunique() > 1][:6]
    if result is None or not parameters or ok.empty:
        return None
    columns = min(3, len(parameters))
    rows = math.ceil(len(parameters) / columns)
    figure = Figure(figsize=(3.6 * columns + 0.4, 3.2 * rows + 0.7), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    ranges = []   # for the alternative text: the mean result at the first and last value of each parameter
    for axes, parameter in zip(grid.flat, parameters):
        labels = list(dict.fromkeys(ok[parameter].astype(str)))
        if pd.api.types.is_numeric_dtype(ok[parameter]):
            labels = [str(v) for v in sorted(ok[parameter].unique())]
        position = ok[parameter].astype(str).map({label: i for i, label in enumerate(labels)})
        axes.scatter(position, ok[result], s=16, color=OKABE_ITO["sky_blue"], label="sweep points", zorder=2)
        means = ok.groupby(position)[result].mean()
        axes.plot(means.index, means.to_numpy(), color=OKABE_ITO["blue"], marker="o", label="mean", zorder=3)
        ranges.append(f"{parameter} from {labels[int(means.index[0])]} ({means.iloc[0]:.4g}) to "
                      f"{labels[int(means.index[-1])]} ({means.iloc[-1]:.4g})")
        if objective is not None and result == "downtime_min_per_year":
            axes.axhline(allowed_downtime_min(objective, year_hours), **_OBJECTIVE, label="objective")
        axes.set_xticks(range(len(labels)), labels, rotation=30 if max(map(len, labels)) > 6 else 0,
                        parse_math=False)
        axes.set_xlabel(parameter)
        axes.set_ylabel(result.replace("_", " ").replace("min per year", "(min/year)"))
        axes.grid(True, linewidth=0.3, alpha=0.5)
    grid.flat[0].legend(fontsize=8)
    for axes in list(grid.flat)[len(parameters):]:
        axes.set_visible(False)
    figure.suptitle(f"Sweep of {len(ok)} points: {result.replace('_', ' ')} against each parameter",
                    fontsize=12)
    return describe(plain_texts(figure), (
        f"Scatter charts of {result.replace('_', ' ')} at each of the {len(ok)} sweep points against each swept "
        f"parameter, with the mean over the other parameters as a line: {_listed(ranges)}."))


def sweep_intro_html(name: str | None, frame: pd.DataFrame) -> SafeHtml:
    """One paragraph: the sweep's folder name, its points and parameters, and how many failed.

    Examples
    --------
    >>> sweep_intro_html("s1", pd.DataFrame({"zone.mttr": ["4h", "8h"], "status": ["ok", "error"]}))
    '<p>Sweep <code>s1</code>: 2 points over zone.mttr; <strong>1 failed</strong> (see the status column).</p>'
    """
    parameters, _ = sweep_columns(frame)
    failed = int((frame["status"] != "ok").sum()) if "status" in frame.columns else 0
    tail = html_text("; <strong>{n} failed</strong> (see the status column).", n=failed) if failed else "."
    return html_text("<p>Sweep <code>{folder}</code>: {points} points over {parameters}{tail}</p>",
                     folder=name or "-", points=len(frame), parameters=", ".join(parameters), tail=tail)


def sweep_table(frame: pd.DataFrame, rows: int = 50) -> pd.DataFrame:
    """The first rows of a sweep table: parameters, results and status."""
    parameters, _ = sweep_columns(frame)
    results = [c for c in frame.attrs.get("results", _RESULT_PREFERENCE) if c in frame.columns]
    keep = [c for c in (*parameters, *results, "status") if c in frame.columns]
    return frame[keep].head(rows)


# --- summary and reproducibility -------------------------------------------------------------

def reproducibility(source: SpecSource, seed: int, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """What is needed to make the same report again: spec file and hash, seed, versions, date.

    The spec is named by :func:`spec_label` (no local path); its sha256 identifies it.
    """
    from .. import __version__

    versions = {}
    for name in ("numpy", "scipy", "pandas", "matplotlib", "networkx"):
        try:
            versions[name] = importlib.import_module(name).__version__
        except ImportError:  # pragma: no cover - all are dependencies
            versions[name] = None
    return {
        "spec_file": spec_label(source.path), "spec_sha256": source.sha256, "seed": int(seed),
        "hadr_model_version": __version__, "python": platform.python_version(), "libraries": versions,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "parameters": dict(parameters),
    }


def json_ready(value: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN / inf to ``None``, frames to records."""
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return json_ready(value.to_dict("records"))
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_summary(path: str | Path, summary: Mapping[str, Any]) -> Path:
    """Write the report's JSON summary (strict JSON: no NaN)."""
    target = Path(path)
    try:
        target.write_text(json.dumps(json_ready(summary), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise HadrError(f"cannot write the report summary {target}: {error.strerror or error}") from None
    return target


def reproducibility_html(facts: Mapping[str, Any]) -> SafeHtml:
    """The reproducibility footer as an HTML list (paths and values escaped)."""
    libraries = ", ".join(f"{k} {v}" for k, v in facts["libraries"].items())
    parameters = ", ".join(f"{k} = {v}" for k, v in facts["parameters"].items())
    return html_text(
        "<ul><li><strong>spec</strong>: <code>{file}</code></li>"
        "<li><strong>spec sha256</strong>: <code>{sha}</code></li>"
        "<li><strong>seed</strong>: {seed}; <strong>parameters</strong>: {parameters}</li>"
        "<li><strong>hadr_model</strong> {version}, Python {python}, {libraries}</li>"
        "<li><strong>generated</strong>: {generated} (UTC)</li></ul>",
        file=facts["spec_file"], sha=facts["spec_sha256"], seed=str(facts["seed"]), parameters=parameters,
        version=facts["hadr_model_version"], python=facts["python"], libraries=libraries,
        generated=facts["generated_at"])
