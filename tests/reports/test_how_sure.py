"""The report's "How sure are we" section: one question, one answer, through every entry point.

The band ``build_report`` shows is :func:`hadr_model.service.uncertainty.propagate` called
directly with the same seed and sizes; with incident records it is the band of the spec with
the overlay ``hadr fit --uncertainty`` writes for those records. The section says why it is
absent for a spec without uncertainty, its figures carry descriptions that say what they show,
and the JSON summary holds the band figures under ``how_sure``.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.errors import SpecError
from hadr_model.reports import build_report
from hadr_model.reports import sections as rs
from hadr_model.reports.build import HOW_SURE_SAMPLES, LIVE, NOT_APPLICABLE
from hadr_model.service.uncertainty import SobolIndex, propagate, uncertain_parameters

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "data" / "incidents_example.csv"
WEB = ROOT / "data" / "web_service.yaml"
SEED, RUNS, DISASTERS = 5, 30, 200


@pytest.fixture(scope="module")
def report():
    return build_report(None, seed=SEED, runs=RUNS, disasters=DISASTERS)


@pytest.fixture(scope="module")
def with_records():
    return build_report(None, seed=SEED, runs=RUNS, disasters=DISASTERS, records=RECORDS)


def _round_trip(value):
    return json.loads(json.dumps(rs.json_ready(value), allow_nan=False))


def test_band_is_propagate_called_directly_with_the_same_seed(report):
    how = report.how_sure
    assert how.section.status == LIVE and how.records_file is None and how.fits == ()
    direct = propagate(hm.load_spec(), samples=HOW_SURE_SAMPLES, seed=SEED, n_disasters=DISASTERS)
    assert how.result.as_dict() == direct.as_dict()
    assert [p.field for p in how.result.parameters] == [p.field for p in uncertain_parameters(hm.load_spec())]
    # The summary holds the very same figures.
    summary = report.summary["how_sure"]
    assert summary["availability"] == _round_trip(direct.availability.as_dict())
    assert summary["probability_met"] == direct.probability_met


def test_band_with_records_is_the_band_of_the_hadr_fit_overlay(with_records, tmp_path, capsys):
    from hadr_model.evidence.overlay import load_with_overlay

    overlay = tmp_path / "fitted.yaml"
    assert main(["fit", str(RECORDS), "--spec", str(hm.default_spec_path()), "--uncertainty",
                 "--out", str(overlay)]) == 0
    capsys.readouterr()
    model = load_with_overlay(None, str(overlay))
    direct = propagate(model, samples=HOW_SURE_SAMPLES, seed=SEED, n_disasters=DISASTERS)
    how = with_records.how_sure
    assert how.result.as_dict() == direct.as_dict()
    assert how.records_file == "incidents_example.csv" and how.records_rows > 0
    assert set(how.fitted_keys) == {"zone.mttf", "zone.mttr", "region.mttf", "region.mttr", "roles.db.mttf",
                                    "roles.db.mttr"}
    assert [fit.key for fit in how.fits] == [fit.key for fit in hm.evidence.fit_records(
        hm.evidence.read_records(RECORDS))]
    # The rest of the report is the spec as written.
    assert with_records.availability.to_dict() == hm.availability(hm.load_spec(), seed=SEED,
                                                                  n_disasters=DISASTERS).to_dict()


def test_no_uncertainty_means_the_section_says_why(tmp_path):
    assert uncertain_parameters(hm.load_spec(WEB)) == ()       # the test's premise
    report = build_report(WEB, seed=1, runs=RUNS, disasters=50)
    how = report.how_sure
    assert how.section.status == NOT_APPLICABLE and how.result is None
    assert "--records" in how.section.reason
    assert report.summary["how_sure"] == {"status": NOT_APPLICABLE, "reason": how.section.reason}
    assert list(report.sections) == ["montecarlo", "dr", "strategies", "sweep"]    # unchanged
    assert "&lt;" not in rs.not_applicable_html(how.section.reason)


def test_tornado_and_fit_figures_say_what_they_show(with_records):
    result = with_records.how_sure.result
    figure = rs.plot_tornado(result)
    alt = rs.alt_text(figure)
    assert alt != rs._figure_title(figure) and alt.startswith("Bar chart (a tornado) of the Sobol' indices")
    first = result.sensitivity[0]
    assert f"{first.field} total {first.total:.3f}" in alt
    assert all(s.field in alt for s in result.sensitivity)
    page = rs.figure_html(figure)
    width, shown = rs._png_size(__import__("base64").b64decode(re.search(r"base64,([^\"]+)", page)[1]))[0], \
        int(re.search(r'width="(\d+)"', page)[1])
    assert width == pytest.approx(2 * shown, abs=2)          # a 2x PNG
    assert 'alt="Bar chart (a tornado)' in page
    fit = with_records.how_sure.fits[0]
    for made in (rs.plot_fit_probability(fit), rs.plot_fit_goodness(fit)):
        text = rs.alt_text(made)
        assert fit.sample.element_class in text and fit.chosen.family in text and len(text) > 150


def test_summary_has_the_band_keys_and_no_local_path(with_records):
    summary = with_records.summary
    assert summary == _round_trip(summary)
    how = summary["how_sure"]
    assert how["status"] == LIVE and how["samples"] == HOW_SURE_SAMPLES == how["samples_cap"]
    for key in ("availability", "downtime_min_per_year", "worst_region_availability"):
        assert set(how[key]) == {"median", "p05", "p95", "mean"}
        assert how[key]["p05"] <= how[key]["median"] <= how[key]["p95"]
    assert how["objective"] == 0.9999 and 0.0 < how["probability_met"] < 1.0
    assert how["sensitivity"][0]["field"] == "region.uncertainty.mttf"
    assert how["records"]["file"] == "incidents_example.csv"
    assert summary["reproducibility"]["parameters"]["records"] == "incidents_example.csv"
    assert str(ROOT) not in json.dumps(summary)


def test_band_tables_and_prose_hold_the_result(report):
    result = report.how_sure.result
    frame = rs.how_sure_band_table(result)
    assert frame["median"].iloc[1] == f"{result.downtime_min_per_year.median:.4g}"
    prose = rs.how_sure_met_html(result, year_hours=report.year_hours)
    assert f"P(objective met) = {100 * result.probability_met:.1f} %" in prose
    assert len(rs.sobol_table(result)) == len(result.parameters)
    assert result.sensitivity[0].field in rs.learn_first_html(result)


def test_hostile_parameter_names_are_text():
    payload = "$\\x$ <img src=x onerror=alert(1)>"
    index = SobolIndex(payload, 0.5, (0.4, 0.6), 0.6, (0.5, 0.7))

    class Result:
        sensitivity = (index,)

    figure = rs.plot_tornado(Result())
    figure.savefig(io.BytesIO(), format="png")      # mathtext would raise on \x
    page = rs.figure_html(figure)
    assert "<img src=x" not in page.split('alt="', 1)[1] and "&lt;img src=x" in page
    assert "<img src=x" not in rs.learn_first_html(Result())


def test_bad_records_and_sample_counts_are_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(RECORDS.read_text().replace("element_class", "klass", 1))
    with pytest.raises(SpecError) as error:
        build_report(None, seed=0, runs=RUNS, disasters=50, records=bad)
    assert "bad.csv" in str(error.value)
    for samples in (0, HOW_SURE_SAMPLES + 1, True):
        with pytest.raises(SpecError, match="samples"):
            build_report(None, seed=0, runs=RUNS, disasters=50, samples=samples)


def test_cli_refuses_bad_records_before_running_the_notebook(tmp_path, capsys):
    code = main(["report", "--records", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "r")])
    assert code == 2
    assert "missing.csv" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_hadr_report_with_records_shows_the_fitted_law_plots(tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "--records", str(RECORDS), "--out", str(out), "--runs", "20", "--disasters", "100",
                 "--json"]) in (0, 1)
    payload = json.loads(capsys.readouterr().out)
    how = payload["how_sure"]
    assert how["status"] == LIVE and how["records"]["file"] == "incidents_example.csv"
    page = Path(payload["paths"]["html"]).read_text(encoding="utf-8")
    fits = len(how["records"]["fits"])
    assert fits == 6
    assert page.count('alt="Scatter charts (Q–Q plots)') == fits
    assert page.count('alt="Cumulative view of the goodness of fit') == fits
    assert page.count('alt="Bar chart (a tornado)') == 1 and "How sure are we" in page
    assert "records-incidents-example" in Path(payload["paths"]["html"]).name
    assert str(ROOT) not in page and str(tmp_path) not in page
