"""``hadr simulate``: exit codes, text and JSON output."""

from __future__ import annotations

import json

import pytest

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.engines import exact
from hadr_model.engines.exact import exact_availability
from hadr_model.errors import HadrError

SPEC = """
name: two-of-three
blocks:
  k_of_n:
    k: 2
    of:
      - component: {name: db, mttf: 1000h, mttr: 10h, count: 3}
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return str(path)


def test_json_has_unit_named_keys(spec, capsys):
    assert main(["simulate", spec, "--years", "2", "--runs", "300", "--seed", "4", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("availability", "availability_ci95_low", "availability_ci95_high",
                "downtime_min_per_year_mean", "downtime_min_per_year_p50", "downtime_min_per_year_p90",
                "downtime_min_per_year_p99",
                "outages_per_year_mean", "outage_duration_h_mean", "probability_meeting_objective",
                "runs", "years", "seed", "attribution"):
        assert key in payload, key
    assert payload["runs"] == 300 and payload["years"] == 2.0 and payload["seed"] == 4
    # The figures are the spec's: the intervals cover the exact engine's values.
    system = exact_availability(hm.load_spec(spec)).system
    assert payload["availability_ci95_low"] <= system.availability <= payload["availability_ci95_high"]
    assert payload["downtime_min_per_year_mean"] == pytest.approx((1 - payload["availability"]) * 8760 * 60)
    assert payload["downtime_min_per_year_p50"] <= payload["downtime_min_per_year_p90"] \
        <= payload["downtime_min_per_year_p99"]
    assert payload["control_variate"] is True and payload["notes"] == []


def test_same_seed_same_json(spec, capsys):
    outputs = []
    for _ in range(2):
        assert main(["simulate", spec, "--runs", "200", "--seed", "9", "--json"]) == 0
        payload = json.loads(capsys.readouterr().out)
        payload.pop("seconds")
        outputs.append(payload)
    assert outputs[0] == outputs[1]


def test_text_report(spec, capsys):
    assert main(["simulate", spec, "--runs", "200", "--precision", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "95% CI" in out and "p99" in out and "outages per year" in out and "db[" in out


@pytest.mark.parametrize("argv", [
    ["--runs", "-3"], ["--runs", "10000001"], ["--precision", "1.5"], ["--precision", "0"], ["--precision", "1"],
    ["--precision", "nan"], ["--years", "-1"], ["--years", "1e300"], ["--years", "1001"], ["--years", "nan"],
    ["--years", "inf"], ["--years", "1e7", "--runs", "2"], ["--workers", "0"], ["--workers", "65"],
    ["--max-seconds", "0"], ["--max-seconds", "nan"], ["--objective", "0"], ["--objective", "1"],
    ["--objective", "1.5"], ["--objective", "nan"], ["--seed", "-1"], ["--top", "-1"]])
def test_bad_arguments_exit_2_without_traceback(spec, capsys, argv):
    assert main(["simulate", spec, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and "Traceback" not in err
    assert argv[0] in err


def test_run_too_long_to_fit_in_memory_exits_2(tmp_path, capsys):
    # 400 instances cycling every 2 h: 3.5 million transitions per run-year, 35 million in 10.
    path = tmp_path / "big.yaml"
    path.write_text("zone: {availability: 1.0}\nregion: {availability: 1.0}\nregions:\n  east: {zones: 1}\n"
                    "roles:\n  app: {per_zone: 400, needs: 45%, mttf: 1h, mttr: 1h}\n")
    assert main(["simulate", str(path), "--years", "10", "--runs", "2"]) == 2
    err = capsys.readouterr().err
    assert "fit in memory" in err and "Traceback" not in err


def test_dropped_control_variate_is_said_in_the_text_and_json(spec, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise HadrError("model too large for the exact engine")

    monkeypatch.setattr(exact, "element_birnbaum", refuse)
    assert main(["simulate", spec, "--runs", "200"]) == 0
    out = capsys.readouterr().out
    assert "plain mean" in out and "note: control variate not used" in out and "too large" in out
    assert main(["simulate", spec, "--runs", "200", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["control_variate"] is False and any("too large" in note for note in payload["notes"])


def test_fixed_availability_spec_exits_2(tmp_path, capsys):
    path = tmp_path / "fixed.yaml"
    path.write_text("blocks:\n  series:\n    - component: {name: dns, availability: 0.9999}\n")
    assert main(["simulate", str(path)]) == 2
    assert "dns" in capsys.readouterr().err


REGIONS = """
name: dr-pair
zone: {mttf: 20000h, mttr: 2h}
region: {mttf: 300h, mttr: 30h}
regions:
  east: {zones: 2, fails_over_to: west}
  west: {zones: 2, fails_over_to: east}
roles:
  app: {per_zone: 1, needs: 1, mttf: 20000h, mttr: 2h}
"""


@pytest.mark.parametrize(("argv", "model"), [([], "dr-workflow"), (["--failover", "dr-workflow"], "dr-workflow"),
                                              (["--failover", "instantaneous"], "instantaneous")])
def test_failover_model(tmp_path, capsys, argv, model):
    path = tmp_path / "regions.yaml"
    path.write_text(REGIONS)
    assert main(["simulate", str(path), "--runs", "200", "--seed", "3", "--json", *argv]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["failover_model"] == model
    if model == "dr-workflow":   # the DR workflow's RTO costs availability
        instant = ["simulate", str(path), "--runs", "200", "--seed", "3", "--json", "--failover", "instantaneous"]
        assert main(instant) == 0
        assert json.loads(capsys.readouterr().out)["availability"] > payload["availability"]
    assert main(["simulate", str(path), "--runs", "200", "--seed", "3", *argv]) == 0
    assert "failover" in capsys.readouterr().out


def test_block_spec_has_no_failover(spec, capsys):
    assert main(["simulate", spec, "--runs", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["failover_model"] == "none"


def test_a_precision_target_not_reached_is_a_warning_and_a_json_field(capsys):
    assert main(["simulate", "--runs", "200", "--precision", "0.001", "--failover", "instantaneous"]) == 0
    out = capsys.readouterr().out
    assert "warning: precision target 0.1 % not reached" in out and "--runs limit of 200 runs" in out
    assert main(["simulate", "--runs", "200", "--precision", "0.001", "--failover", "instantaneous", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["precision_target"] == 0.001 and payload["precision_reached"] is False
    assert payload["relative_precision"] > 0.001


def test_a_precision_target_reached_says_so():
    from hadr_model.engines.montecarlo import simulate

    spec = {"blocks": {"component": {"name": "a", "mttf": "100h", "mttr": "10h"}}}
    result = simulate(hm.load_spec(spec), years=10, runs=200_000, seed=1, precision=0.05)
    assert result.stopped_by == "precision" and result.precision_reached is True
    assert result.relative_precision <= 0.05 and not any("not reached" in n for n in result.notes)
    plain = simulate(hm.load_spec(spec), years=10, runs=300, seed=1)
    assert plain.precision_target is None and plain.precision_reached is None
