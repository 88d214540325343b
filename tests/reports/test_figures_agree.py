"""The report's figures describe what their tables describe (one population, one verdict)."""

from __future__ import annotations

import html

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.reports import sections as rs


def test_montecarlo_histogram_is_the_tables_tenant_years():
    model = hm.load_spec()
    result = hm.simulate(model, years=1, runs=300, seed=2)
    values = rs.montecarlo_downtime(result)
    assert values.size == 300 * len(model.home_regions)
    np.testing.assert_allclose(np.percentile(values, [50, 90, 99]),
                               [result.downtime_min_per_year_p50, result.downtime_min_per_year_p90,
                                result.downtime_min_per_year_p99], rtol=1e-12)
    allowed = rs.allowed_downtime_min(model.objectives.availability, model.year_hours)
    assert np.mean(values <= allowed * (1 + 1e-12)) == pytest.approx(result.probability_meeting_objective, abs=1e-12)
    figure = rs.plot_downtime_distribution(values, model.objectives.availability)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert f"p99 = {result.downtime_min_per_year_p99:.1f} min" in labels


def test_verdict_html_is_the_cli_verdict():
    judged = hm.verdict(hm.load_spec(), n_disasters=2000)
    page = rs.verdict_html(judged)
    assert html.escape(judged.headline) in page
    for row in judged.rows():     # every cell of the CLI's table, in the page's table
        for cell in row:
            assert f">{html.escape(str(cell))}</td>" in page, cell
