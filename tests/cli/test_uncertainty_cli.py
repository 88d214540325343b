"""`hadr availability --uncertainty`, and `--overlay` on `hadr availability` and `hadr simulate`."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.evidence.overlay import apply_overlay


def _json(capsys, argv):
    code = main(argv)
    out = capsys.readouterr()
    return code, json.loads(out.out) if code == 0 else out.err


def test_availability_uncertainty_json(capsys):
    code, payload = _json(capsys, ["availability", "--uncertainty", "--samples", "256", "--json"])
    assert code == 0
    band = payload["uncertainty"]
    assert band["samples"] == 256 and band["failover_model"] == "dr-workflow"
    assert band["availability"]["p05"] <= band["availability"]["median"] <= band["availability"]["p95"]
    assert 0.0 < band["probability_met"] < 1.0
    assert band["sensitivity"][0]["field"] == "region.uncertainty.mttf"
    # the point figures are those of the command without --uncertainty
    _, plain = _json(capsys, ["availability", "--json"])
    assert "uncertainty" not in plain
    assert {k: v for k, v in payload.items() if k != "uncertainty"} == plain


def test_availability_uncertainty_text(capsys):
    assert main(["availability", "--uncertainty", "--samples", "128", "--top", "0"]) in (0, 3)
    out = capsys.readouterr().out
    assert "how sure are we: 128 parameter samples" in out
    assert "P(availability ≥ 0.9999 in every home region)" in out
    assert "learn the first row first" in out


def test_bad_uncertainty_spec_exits_2_with_the_field(tmp_path, capsys):
    raw = copy.deepcopy(hm.load_spec().raw)
    raw["zone"]["uncertainty"]["mttf"]["failures"] = -2
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(raw))
    assert main(["availability", str(spec), "--uncertainty"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and "zone.uncertainty.mttf.failures" in err and "Traceback" not in err


OVERLAY = {"zone.mttf": {"dist": "weibull_min", "c": 1.3, "mean": "9000h"}, "region.mttr": "12h"}


def test_overlay_on_availability(tmp_path, capsys):
    overlay = tmp_path / "fit.yaml"
    overlay.write_text(yaml.safe_dump(OVERLAY))
    code, payload = _json(capsys, ["availability", "--overlay", str(overlay), "--failover", "instantaneous",
                                   "--json"])
    assert code == 0
    expected = hm.availability(hm.load_spec(apply_overlay(hm.load_spec().raw, OVERLAY)), failover="instantaneous")
    assert payload["availability"] == pytest.approx(expected.system.availability, rel=1e-15)
    assert payload["availability"] != hm.availability(hm.load_spec(), failover="instantaneous").system.availability


@pytest.mark.parametrize("overlay, field", [
    ({"zone.mtbf": "1y"}, "zone.mtbf"),
    ({"nowhere.mttf": "1y"}, "nowhere.mttf"),
    ({"zone.mttf": {"dist": "weibull_min", "mean": "1y"}}, "zone.mttf"),
])
@pytest.mark.parametrize("command", [["availability"], ["simulate", "--runs", "10"]])
def test_bad_overlay_exits_2_naming_the_overlay_and_field(tmp_path, capsys, overlay, field, command):
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump(overlay))
    assert main([*command, "--overlay", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and str(path) in err and field in err


def test_missing_overlay_file(tmp_path, capsys):
    assert main(["availability", "--overlay", str(tmp_path / "absent.yaml")]) == 2
    assert "--overlay" in capsys.readouterr().err


def test_overlay_on_simulate(tmp_path, capsys):
    overlay = tmp_path / "fit.yaml"
    overlay.write_text(yaml.safe_dump({"zone.mttr": "80h"}))
    code, with_overlay = _json(capsys, ["simulate", "--overlay", str(overlay), "--runs", "20", "--seed", "1",
                                        "--failover", "instantaneous", "--json"])
    _, plain = _json(capsys, ["simulate", "--runs", "20", "--seed", "1", "--failover", "instantaneous", "--json"])
    assert code == 0
    assert with_overlay["availability"] < plain["availability"]      # ten times longer zone repairs


def test_fit_writes_posteriors_that_availability_samples(tmp_path, capsys):
    from pathlib import Path

    from hadr_model.evidence.overlay import read_overlay
    from hadr_model.topology.spec import default_spec_path

    records = Path(__file__).resolve().parents[2] / "data" / "incidents_example.csv"
    overlay = tmp_path / "fit.yaml"
    code, fitted = _json(capsys, ["fit", str(records), "--spec", str(default_spec_path()), "--uncertainty",
                                  "--out", str(overlay), "--json"])
    assert code == 0
    laws = read_overlay(overlay.read_text())
    for fit in fitted["fits"]:
        key = fit["overlay_keys"][0]
        path, _, last = key.rpartition(".")
        mean = "mttf" if last in ("mttf", "failure") else "mttr"
        entry = laws[f"{path}.uncertainty.{mean}"]
        if fit["chosen"] == "exponential":     # conjugate: the counts the fit saw
            events = "failures" if mean == "mttf" else "repairs"
            assert entry["dist"] == "gamma-posterior" and entry[events] == fit["observations"]["events"]
        else:                                  # Laplace: median the fitted mean, s from the Wald interval
            low, high = fit["candidates"][[c["family"] for c in fit["candidates"]].index(fit["chosen"])][
                "mean_interval_h"]
            assert entry["s"] == pytest.approx(np.log(high / low) / (2 * 1.959963984540054), rel=1e-5)
    code, payload = _json(capsys, ["availability", "--overlay", str(overlay), "--uncertainty", "--samples", "64",
                                   "--failover", "instantaneous", "--json"])
    assert code == 0
    assert len(payload["uncertainty"]["parameters"]) == 2 * len({k.rpartition(".")[0] for k in laws
                                                                 if ".uncertainty." not in k})


def test_a_fitted_law_drops_the_stale_uncertainty_of_its_mean():
    raw = hm.load_spec().raw
    applied = apply_overlay(raw, {"zone.mttf": "2y"})
    assert applied["zone"]["uncertainty"] == {"mttr": raw["zone"]["uncertainty"]["mttr"]}
    applied = apply_overlay(raw, {"zone.mttf": "2y", "zone.uncertainty.mttf": {"dist": "lognorm", "s": 0.1,
                                                                                "scale": "2y"}})
    assert applied["zone"]["uncertainty"]["mttf"]["scale"] == "2y"
