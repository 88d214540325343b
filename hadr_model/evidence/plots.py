"""Figures of a fit: probability (Q–Q) plots per candidate and a goodness-of-fit figure.

The nonparametric reference is the Kaplan–Meier estimate of the survival function with left
truncation (an observation is at risk at ``t`` when ``entry < t ≤ time``), an interval-censored
time taken at its midpoint (the figures only; the fit uses the interval itself), with
Greenwood's variance for the band.

Figures are :class:`matplotlib.figure.Figure` objects drawn on the Agg canvas: no pyplot, no
global state, safe in threads and servers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .fit import Fit
from .records import Sample

__all__ = ["KaplanMeier", "figures", "goodness_of_fit_figure", "kaplan_meier", "probability_figure", "save_figures",
           "tornado_figure"]


@dataclass(frozen=True)
class KaplanMeier:
    """Survival estimate at the distinct event times: ``survival[j] = S(times[j])`` (just after)."""

    times: np.ndarray
    survival: np.ndarray
    variance: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray

    def plotting_positions(self) -> np.ndarray:
        """``F`` midway through each step (never 0 or 1, so every quantile is finite)."""
        before = np.concatenate([[1.0], self.survival[:-1]])
        return 1.0 - 0.5 * (before + self.survival)


def kaplan_meier(sample: Sample) -> KaplanMeier:
    """Kaplan–Meier estimate of ``sample`` with left truncation (see the module docstring).

    Examples
    --------
    >>> km = kaplan_meier(Sample.right_censored([1.0, 2.0, 3.0, 4.0], [True, False, True, True]))
    >>> km.times.tolist(), [round(s, 4) for s in km.survival.tolist()]
    ([1.0, 3.0, 4.0], [0.75, 0.375, 0.0])
    """
    time = np.where(sample.interval, 0.5 * (sample.low + sample.high), sample.low)
    event = ~sample.censored
    times, events = np.unique(time[event], return_counts=True)
    ordered_time, ordered_entry = np.sort(time), np.sort(sample.entry)
    # at risk at u: time >= u and entry < u
    at_risk = ((len(time) - np.searchsorted(ordered_time, times, side="left"))
               - (len(time) - np.searchsorted(ordered_entry, times, side="left")))
    at_risk = np.maximum(at_risk, events)
    hazard = events / at_risk
    survival = np.cumprod(1.0 - hazard)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
    variance = survival**2 * np.cumsum(terms)
    return KaplanMeier(times, survival, variance, at_risk, events)


def _figure(width: float, height: float, rows: int = 1) -> Any:
    from matplotlib.figure import Figure

    # Fixed margins: the constrained layout engine costs about a second a figure.
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(left=0.09, right=0.98, bottom=0.13 / rows, top=1 - 0.14 / rows, wspace=0.3,
                           hspace=0.45)
    return figure


def _title(fit: Fit) -> str:
    what = "time to failure" if fit.sample.quantity == "failure" else "time to repair"
    return f"{fit.sample.element_class}: {what} ({fit.sample.describe()})"


def probability_figure(fit: Fit) -> Any:
    """Q–Q plots: each fitted candidate's quantile at the Kaplan–Meier plotting position against
    the observed time (log axes); a good law lies on the diagonal."""
    usable = [c for c in fit.candidates if c.converged]
    columns = max(1, min(2, len(usable)))
    rows = max(1, math.ceil(len(usable) / columns))
    figure = _figure(4.2 * columns, 3.6 * rows, rows)
    figure.suptitle(_title(fit), fontsize=9)
    km = kaplan_meier(fit.sample)
    positions = km.plotting_positions()
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for axis, candidate in zip(axes, usable):
        quantiles = candidate.frozen().ppf(positions)
        axis.loglog(km.times, quantiles, "o", markersize=3, label="records")
        low = float(min(km.times.min(initial=math.inf), np.nanmin(quantiles, initial=math.inf)))
        high = float(max(km.times.max(initial=0.0), np.nanmax(quantiles, initial=0.0)))
        if math.isfinite(low) and high > low > 0:
            axis.loglog([low, high], [low, high], "-", linewidth=1, color="grey", label="y = x")
        chosen = " (chosen)" if fit.chosen is not None and candidate.family == fit.chosen.family else ""
        axis.set_title(f"{candidate.family}{chosen}: ΔAIC {candidate.delta_aic:.2f}", fontsize=9)
        axis.set_xlabel("observed time (h)")
        axis.set_ylabel("fitted quantile (h)")
    for axis in axes[len(usable):]:
        axis.set_axis_off()
    if not usable:
        axes[0].text(0.5, 0.5, fit.reason, ha="center", va="center", wrap=True, fontsize=8,
                     transform=axes[0].transAxes)
    return figure


def goodness_of_fit_figure(fit: Fit) -> Any:
    """Left: the Kaplan–Meier survival with its Greenwood band and each candidate's survival
    function; right: P–P plot, each candidate's distribution function against Kaplan–Meier's."""
    figure = _figure(9.0, 3.8)
    figure.suptitle(_title(fit), fontsize=9)
    survival_axis, pp_axis = figure.subplots(1, 2)
    km = kaplan_meier(fit.sample)
    if km.times.size:
        z = 1.959963984540054
        band = z * np.sqrt(km.variance)
        survival_axis.step(km.times, km.survival, where="post", color="black", label="Kaplan–Meier")
        survival_axis.fill_between(km.times, np.clip(km.survival - band, 0, 1), np.clip(km.survival + band, 0, 1),
                                   step="post", color="grey", alpha=0.25, label="95 % band")
        grid = np.geomspace(max(km.times.min() / 2, 1e-6), km.times.max() * 1.5, 200)
        for candidate in (c for c in fit.candidates if c.converged):
            law = candidate.frozen()
            survival_axis.plot(grid, law.sf(grid), label=f"{candidate.family} (ΔAIC {candidate.delta_aic:.1f})")
            pp_axis.plot(1.0 - km.survival, law.cdf(km.times), "o", markersize=3, label=candidate.family)
        survival_axis.set_xscale("log")
        pp_axis.plot([0, 1], [0, 1], "-", color="grey", linewidth=1)
    survival_axis.set_xlabel("time (h)")
    survival_axis.set_ylabel("survival P(T > t)")
    pp_axis.set_xlabel("Kaplan–Meier F(t)")
    pp_axis.set_ylabel("fitted F(t)")
    chosen = f"; chosen: {fit.chosen.family}" if fit.chosen is not None else ""
    pp_axis.set_title(f"P–P plot{chosen}", fontsize=9)
    if km.times.size:
        survival_axis.legend(fontsize=7)
        pp_axis.legend(fontsize=7)
    else:
        survival_axis.text(0.5, 0.5, fit.reason, ha="center", va="center", wrap=True, fontsize=8,
                           transform=survival_axis.transAxes)
    return figure


def figures(fit: Fit) -> dict[str, Any]:
    """``{"probability": Figure, "goodness_of_fit": Figure}`` for one fit."""
    return {"probability": probability_figure(fit), "goodness_of_fit": goodness_of_fit_figure(fit)}


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120] or "_"


def save_figures(fits: Iterable[Fit], folder: str | Path) -> list[Path]:
    """Write ``CLASS.QUANTITY.probability.png`` and ``….goodness_of_fit.png`` for each fit."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fit in fits:
        for name, figure in figures(fit).items():
            path = folder / f"{_file_part(fit.key)}.{name}.png"
            figure.savefig(path, dpi=110)
            written.append(path)
    return written


def tornado_figure(indices: Iterable[Any], title: str = "Which uncertainty matters") -> Any:
    """Tornado of Sobol' indices (:func:`hadr_model.service.uncertainty.sobol_sensitivity`): one bar
    pair per parameter, total and first-order index with their bootstrap 95 % intervals, the
    parameter to learn first on top."""
    rows = list(indices)
    height = 1.5 + 0.45 * max(len(rows), 1)
    figure = _figure(7.0, height)
    axes = figure.add_subplot()
    where = np.arange(len(rows))[::-1]
    for offset, attribute, label in ((0.18, "total", "total"), (-0.18, "first_order", "first order")):
        values = np.array([getattr(r, attribute) for r in rows])
        bounds = np.array([getattr(r, f"{attribute}_ci95") for r in rows]).reshape(-1, 2)
        errors = np.abs(np.vstack([values - bounds[:, 0], bounds[:, 1] - values]))
        axes.barh(where + offset, values, height=0.34, xerr=errors, capsize=3, label=label)
    axes.set_yticks(where, [r.field for r in rows])
    axes.set_xlim(0.0, 1.05)
    axes.set_xlabel("Sobol' index of the unavailability (95 % bootstrap interval)")
    axes.set_title(title)
    axes.legend(loc="lower right")
    figure.subplots_adjust(left=0.35, bottom=0.6 / height, top=1 - 0.35 / height)   # room for paths and labels
    return figure
