"""``build_report``: the report's logic, without a notebook — one question, one answer.

Every figure it returns is the facade's own (``hadr_model.availability / simulate / verdict``) for
the same seed and sizes, the sections that do not apply to a spec say why, and the JSON summary
is strict JSON with no local path in it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hadr_model as hm
from hadr_model.cli._verdict import advise
from hadr_model.errors import SpecError
from hadr_model.reports import build_report
from hadr_model.reports import sections as rs
from hadr_model.reports.build import LIVE, NOT_APPLICABLE, NOT_REQUESTED
from hadr_model.reports.sections import json_ready

SEED, RUNS, DISASTERS = 4, 60, 400


def _round_trip(value: Any) -> Any:
    return json.loads(json.dumps(json_ready(value), allow_nan=False))


def _machine_free(figures: dict[str, Any]) -> dict[str, Any]:
    """Monte Carlo figures without what depends on the machine (time taken, batches handed out)."""
    return {key: value for key, value in figures.items() if key not in ("seconds", "batches")}


@pytest.fixture(scope="module")
def report():
    return build_report(None, seed=SEED, runs=RUNS, disasters=DISASTERS)


@pytest.fixture(scope="module")
def model():
    return hm.load_spec()


def test_figures_are_the_facades_for_the_same_seed(report, model):
    facade = hm.availability(model, seed=SEED, n_disasters=DISASTERS)
    assert report.availability.failover_model == "dr-workflow"
    assert report.availability.to_dict() == facade.to_dict()
    assert report.realistic is report.availability
    assert report.upper.to_dict() == hm.availability(model, failover="instantaneous").to_dict()
    assert report.verdict.as_dict() == hm.verdict(model, seed=SEED, n_disasters=DISASTERS).as_dict()
    simulated = hm.simulate(model, years=1, runs=RUNS, seed=SEED, n_disasters=DISASTERS)
    assert _machine_free(report.montecarlo.as_dict()) == _machine_free(simulated.as_dict())
    # What it takes: the text every command prints comes from the same remedies and preset.
    advice = advise(model, report.verdict, seed=SEED, n_disasters=DISASTERS)
    assert report.summary["what_it_takes"] == _round_trip(advice["what_it_takes"])
    assert report.summary["strategy"] == _round_trip(advice["strategy"])
    assert report.summary["strategy"]["cheapest"] == "pilot_light"


def test_summary_holds_the_same_numbers_as_the_report(report):
    summary = report.summary
    assert summary == _round_trip(summary)          # plain, strict JSON already
    assert summary["availability"] == _round_trip(report.availability.to_dict())
    assert summary["verdict"] == _round_trip(report.verdict.as_dict())
    assert _machine_free(summary["montecarlo"]) == _round_trip(_machine_free(report.montecarlo.as_dict()))
    headline = summary["headline"]
    assert headline["availability"] == report.availability.system.availability
    assert headline["verdict"] == report.verdict_word == "FAIL"
    assert headline["source"] == "exact engine, failover taking the DR workflow's RTO"
    assert [item["element"] for item in summary["importance_top"]] == [
        item.element for item in report.availability.importance[:12]]
    assert summary["reproducibility"]["seed"] == SEED
    assert summary["reproducibility"]["parameters"] == {"mc_runs": RUNS, "mc_years": 1.0,
                                                       "dr_disasters": DISASTERS, "sweep": None}
    assert set(summary["failover_costs"]) == {r.name for r in report.model.home_regions if r.fails_over_to}


def test_dr_and_strategy_sections_are_the_dr_engines(report, model):
    from hadr_model.dr import compare_strategies, topology_scenarios

    assert list(report.sections) == ["montecarlo", "dr", "strategies", "sweep"]
    assert [report.sections[n].status for n in ("montecarlo", "dr", "strategies", "sweep")] == [
        LIVE, LIVE, LIVE, NOT_REQUESTED]
    scenarios = topology_scenarios(model, n_disasters=DISASTERS, seed=SEED)
    assert report.summary["dr"] == _round_trip({name: {role: r.summary() for role, r in roles.items()}
                                                for name, roles in scenarios.items()})
    assert list(report.dr) == ["db"] and list(report.dr["db"]) == list(scenarios)
    table = compare_strategies(model.data["db"], model.recovery, model.objectives, n_disasters=DISASTERS,
                               seed=SEED)
    assert report.summary["strategies"]["db"] == _round_trip(table.to_dict("records"))
    assert len(report.summary["dr_compliance"]) == 2 * len(scenarios)   # RPO and RTO per scenario


def test_summary_has_no_local_path(report):
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            strings.extend(map(str, value))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.append(value)

    walk(report.summary)
    root = str(Path(hm.__file__).resolve().parents[1])
    assert not [s for s in strings if root in s or s.startswith("/") or str(Path.home()) in s]
    assert report.summary["reproducibility"]["spec_file"] == "hadr_model/specs/functions_platform.yaml"
    assert report.spec_file == "hadr_model/specs/functions_platform.yaml"


def test_block_spec_says_which_sections_do_not_apply(tmp_path):
    spec = tmp_path / "web.yaml"
    spec.write_text("name: web-tier\nobjectives: {availability: 0.9999}\nblocks:\n  series:\n"
                    "    - component: {name: dns, availability: 0.9999}\n"
                    "    - component: {name: web, mttf: 1000h, mttr: 1h, count: 2}\n")
    report = build_report(spec, seed=1, runs=20, disasters=50)
    assert not report.is_topology and report.realistic is None
    assert report.availability.to_dict() == hm.availability(hm.load_spec(spec)).to_dict()
    assert report.montecarlo is None and report.dr == {} and report.strategies == {}
    assert {name: s.status for name, s in report.sections.items()} == {
        "montecarlo": NOT_APPLICABLE, "dr": NOT_APPLICABLE, "strategies": NOT_APPLICABLE, "sweep": NOT_REQUESTED}
    assert "dns" in report.sections["montecarlo"].reason          # the fixed availability, by name
    assert "no 'data' section" in report.sections["dr"].reason
    assert report.summary["not_applicable"]["dr"] == report.sections["dr"].reason
    assert "montecarlo" not in report.summary and "dr" not in report.summary and "failover_costs" not in report.summary
    assert report.spec_file == "web.yaml"
    with pytest.raises(SpecError):   # the facade refuses the same spec the same way
        hm.simulate(hm.load_spec(spec), years=1, runs=20, seed=1)


def test_topology_without_data_has_monte_carlo_but_no_dr(tmp_path):
    spec = tmp_path / "two.yaml"
    spec.write_text("name: two\nzone: {mttf: 1y, mttr: 8h}\nregion: {mttf: 5y, mttr: 10h}\n"
                    "regions:\n  a: {zones: 3, fails_over_to: b}\n  b: {zones: 3, fails_over_to: a}\n"
                    "roles:\n  web: {per_zone: 1, needs: any, mttf: 1000h, mttr: 1h}\n")
    report = build_report(spec, seed=2, runs=20, disasters=50)
    assert report.sections["montecarlo"].live and report.montecarlo.runs == 20
    assert not report.sections["dr"].live and not report.sections["strategies"].live
    # No data to restore, but the recovery plan (its defaults) still times the failover.
    assert report.availability.to_dict() == hm.availability(hm.load_spec(spec), seed=2, n_disasters=50).to_dict()
    assert report.objective is None and not report.stated            # the spec states no objective


def test_no_objectives_means_nothing_to_pass_or_fail(tmp_path):
    spec = tmp_path / "plain.yaml"
    spec.write_text("name: plain\nblocks: {component: {name: db, mttf: 1000h, mttr: 1h}}\n")
    report = build_report(spec, seed=0, runs=20, disasters=50)
    assert report.verdict_word == "no objectives" == report.summary["headline"]["verdict"]
    assert report.objective is None and report.summary["objectives"]["given"] == []
    table = rs.montecarlo_table(report.montecarlo, objective=report.objective)
    assert "share of tenant-years meeting the objective" not in table["Monte Carlo figure"].tolist()


def test_sweep_section_names_the_folder_not_its_path(tmp_path):
    from hadr_model.sweeps import run_sweep

    folder = tmp_path / "my-sweep"
    run_sweep({"parameters": {"zone.mttr": ["4h", "8h"]}}, function="availability", out=folder)
    report = build_report(None, seed=1, runs=20, disasters=100, sweep=folder)
    assert report.sections["sweep"].live and len(report.sweep) == 2
    sweep = report.summary["sweep"]
    assert sweep["directory"] == "my-sweep" and sweep["points"] == 2 and sweep["parameters"] == ["zone.mttr"]
    assert report.summary["reproducibility"]["parameters"]["sweep"] == "my-sweep"
    assert str(tmp_path) not in json.dumps(report.summary)


@pytest.mark.parametrize(("options", "field"), [
    ({"seed": -1}, "seed"), ({"seed": True}, "seed"), ({"runs": 1}, "mc_runs"), ({"disasters": 0}, "dr_disasters"),
    ({"years": 0.0}, "mc_years"), ({"years": float("nan")}, "mc_years"), ({"top": 0}, "top"),
    ({"sweep": "/nonexistent/sweep"}, "--sweep"),
])
def test_bad_arguments_are_refused_by_name(options, field):
    with pytest.raises(SpecError) as caught:
        build_report(None, **{"runs": 20, "disasters": 50, **options})
    assert caught.value.field == field


def test_bad_spec_is_refused_before_anything_runs(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("regions:\n  r1: {zones: 0}\n")
    with pytest.raises(SpecError):
        build_report(bad, runs=20, disasters=50)
    with pytest.raises(SpecError):
        build_report(tmp_path / "missing.yaml", runs=20, disasters=50)


# --- every chart says what it shows ------------------------------------------------------------

def test_every_chart_of_the_report_describes_its_numbers(report):
    allowed = rs.allowed_downtime_min(report.objective, report.year_hours)
    regions = [r for r in report.upper.regions if r.home]
    alt = rs.alt_text(rs.plot_downtime_by_region(report.upper, report.objective, report.realistic,
                                                 year_hours=report.year_hours))
    assert alt.startswith("Bar chart of the expected downtime per year") and f"allows {allowed:.1f} min" in alt
    for region in regions:
        assert f"{region.name} {region.own.downtime_min_per_year:.1f} (own region only)" in alt

    alt = rs.alt_text(rs.plot_topology(report.model))
    assert alt.startswith("Diagram of the topology of functions-platform: 7 regions")
    assert all(region.name in alt for region in report.model.regions) and "fails over to us-east" in alt
    assert "Global services shared by every region: iam, dns." in alt

    top = report.availability.importance[0]
    alt = rs.alt_text(rs.plot_importance(report.availability, top=10))
    assert f"{top.element} ({top.kind}) {100 * top.criticality:.2f} %" in alt

    values = rs.montecarlo_downtime(report.montecarlo)
    alt = rs.alt_text(rs.plot_downtime_distribution(values, report.objective, year_hours=report.year_hours))
    simulated = report.montecarlo
    assert alt.startswith(f"Histogram of the downtime per tenant-year over {values.size:,} simulated tenant-years")
    assert f"50 % of tenant-years have at most {simulated.downtime_min_per_year_p50:.1f} min" in alt
    assert f"99 % at most {simulated.downtime_min_per_year_p99:.1f} min" in alt
    assert (f"allows {allowed:.1f} min per year: {100 * simulated.probability_meeting_objective:.1f} % of "
            "tenant-years are within it") in alt

    results = report.dr["db"]
    alt = rs.alt_text(rs.plot_rpo_rto_distributions(results, "db"))
    for name, result in results.items():
        summary = result.summary()
        assert f"{name.replace('_', ' ')}: RPO objective" in alt
        for share in (summary["p_rpo_met"], summary["p_rto_met"]):
            assert f"met in {100 * share:.1f} %" in alt

    comparison = report.strategies["db"]
    alt = rs.alt_text(rs.plot_strategies(comparison, report.model.objectives, "db"))
    assert all(f"{label}: RPO" in alt for label in comparison["label"])
    assert "The objectives are RPO 25 h and RTO 8 h" in alt


def test_block_diagrams_and_sweeps_are_described(tmp_path):
    from hadr_model.sweeps import run_sweep

    model = hm.load_spec({"name": "web", "blocks": {"series": [
        {"component": {"name": "dns", "availability": 0.9999}},
        {"k_of_n": {"k": 2, "of": [{"component": {"name": f"db-{i}", "mttf": "8000h", "mttr": "2h"}}
                                    for i in "abc"]}}]}})
    assert rs.alt_text(rs.plot_topology(model)) == (
        "Reliability block diagram of web with 4 components: series of [dns, 2-of-3 of [db-a, db-b, db-c]].")
    table = run_sweep({"parameters": {"zone.mttr": ["4h", "8h"]}}, function="availability", out=tmp_path / "s")
    alt = rs.alt_text(rs.plot_sweep(table, 0.9999))
    first, last = table["downtime_min_per_year"].iloc[0], table["downtime_min_per_year"].iloc[-1]
    assert alt.startswith("Scatter charts of downtime min per year at each of the 2 sweep points")
    assert f"zone.mttr from {table['zone.mttr'].iloc[0]} ({first:.4g}) to " in alt and f"({last:.4g})" in alt


def test_a_loaded_model_reports_as_its_file_and_a_dict_model_is_refused():
    from hadr_model import load_spec
    from hadr_model.errors import SpecError
    from hadr_model.reports import build_report

    by_model = build_report(load_spec(), seed=0, runs=50, disasters=500)
    by_path = build_report(None, seed=0, runs=50, disasters=500)
    assert by_model.spec_file == by_path.spec_file
    assert by_model.summary["availability"] == by_path.summary["availability"]
    with pytest.raises(SpecError, match="spec file"):
        build_report(load_spec({"blocks": {"component": {"name": "a", "availability": 0.9}}}))
