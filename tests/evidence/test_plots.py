"""Figures of a fit: Kaplan–Meier with truncation (against lifelines), Figure objects, no pyplot."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from hadr_model.evidence.fit import fit_sample
from hadr_model.evidence.plots import figures, kaplan_meier, save_figures
from hadr_model.evidence.records import Sample


def _sample(seed: int = 2, n: int = 80) -> Sample:
    rng = np.random.default_rng(seed)
    times = 100.0 * rng.weibull(1.4, n)
    entry = np.where(rng.random(n) < 0.3, rng.uniform(0, 40, n), 0.0)
    keep = times > entry
    times, entry = times[keep], entry[keep]
    censor = entry + rng.uniform(30, 250, len(times))
    return Sample.right_censored(np.minimum(times, censor), times <= censor, entry)


def test_kaplan_meier_with_truncation_matches_lifelines():
    lifelines = pytest.importorskip("lifelines")
    sample = _sample()
    km = kaplan_meier(sample)
    fitter = lifelines.KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(sample.low, ~sample.censored, entry=sample.entry)
    theirs = fitter.survival_function_at_times(km.times).to_numpy()
    np.testing.assert_allclose(km.survival, theirs, rtol=1e-12)
    # Greenwood: variance / S² is the running sum of d / (n (n − d)), lifelines' _cumulative_sq_
    greenwood = fitter._cumulative_sq_.reindex(km.times).to_numpy()
    finite = km.survival > 0
    np.testing.assert_allclose((km.variance / km.survival**2)[finite], greenwood[finite], rtol=1e-12)


def test_figures_are_figure_objects_with_one_panel_per_candidate():
    fit = fit_sample(_sample())
    drawn = figures(fit)
    assert set(drawn) == {"probability", "goodness_of_fit"}
    assert all(isinstance(f, Figure) for f in drawn.values())
    panels = [a for a in drawn["probability"].axes if a.axison]
    assert len(panels) == 4
    events = len(kaplan_meier(fit.sample).times)
    for axis in panels:
        assert len(axis.lines[0].get_xdata()) == events                 # one point per event time
    chosen_titles = [a.get_title() for a in panels if "(chosen)" in a.get_title()]
    assert chosen_titles == [f"{fit.chosen.family} (chosen): ΔAIC 0.00"]
    survival, pp = drawn["goodness_of_fit"].axes
    assert len(survival.lines) == 1 + 4 and len(pp.lines) == 4 + 1       # KM + laws; laws + diagonal
    buffer = io.BytesIO()
    drawn["goodness_of_fit"].savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_fit_without_a_law_still_draws():
    fit = fit_sample(Sample.right_censored([100.0, 200.0], [False, False]))
    drawn = figures(fit)
    assert "no failure" in drawn["probability"].axes[0].texts[0].get_text()


def test_save_figures_names_files_by_key(tmp_path):
    fit = fit_sample(_sample(), ["exponential", "weibull"])
    written = save_figures([fit], tmp_path / "out")
    assert sorted(p.name for p in written) == ["x.failure.goodness_of_fit.png", "x.failure.probability.png"]


def test_no_pyplot_state():
    code = ("import sys, io; from hadr_model.evidence.fit import fit_sample; "
            "from hadr_model.evidence.records import Sample; from hadr_model.evidence.plots import figures; "
            "f = figures(fit_sample(Sample.right_censored([1.0, 2.0, 3.0, 5.0], [True] * 4))); "
            "[g.savefig(io.BytesIO(), format='png') for g in f.values()]; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
