"""RPO / RTO p95 bands and P(objective met) under uncertain DR parameters (issue 14 item 3)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from scipy import stats

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.dr.uncertainty import dr_parameters
from hadr_model.errors import SpecError
from hadr_model.service.uncertainty import draw_dr, propagate, propagate_dr
from hadr_model.service.verdict import PASS

SIZE_B = 1e12
S, SCALE_B_PER_H = 0.4, 100e6 * 3600          # lognormal law over the restore throughput
TARGET_H = 3.0


def _one_database() -> dict:
    """RTO of a region loss = size / throughput exactly: one 1 TB database, every other step 0."""
    return {
        "name": "one-db",
        "zone": {"mttf": "1y", "mttr": "8h"},
        "region": {"mttf": "5y", "mttr": "10h"},
        "regions": {"home": {"zones": 3, "fails_over_to": "site"}, "site": {"zones": 3, "home": False}},
        "roles": {"db": {"per_zone": 1, "needs": "any", "mttf": "8000h", "mttr": "2h"}},
        "data": {"db": {"size": "1TB", "snapshots": {"every": "24h", "takes": 0, "copy_takes": 0},
                        "restore": {"throughput": "100MB/s", "index_rebuild": 0, "verify": 0,
                                    "uncertainty": {"throughput": {"dist": "lognorm", "s": S,
                                                                   "scale": "100MB/s"}}}}},
        "recovery": {"region_loss": {"detect": 0, "decide": 0, "provision": 0, "traffic_shift": 0}},
        "objectives": {"rto": {"region_loss": f"{TARGET_H}h"}},
    }


def _rto_quantile(q: float) -> float:
    """Closed form: T = size / X with X ~ lognorm(s, scale) is decreasing in X."""
    return SIZE_B / stats.lognorm(S, scale=SCALE_B_PER_H).ppf(1.0 - q)


def test_single_database_band_and_probability_match_the_closed_form():
    model = hm.load_spec(_one_database())
    m = 256
    result = propagate_dr(model, samples=m, n_disasters=10, seed=5)
    (row,) = [s for s in result.scenarios if s.scenario == "region_loss"]
    # every sample's p95 is size / θ exactly (the RTO is deterministic given θ)
    np.testing.assert_allclose(result.p95_h["rto", "region_loss"], SIZE_B / result.theta[:, 0], rtol=1e-12)
    # scrambled Sobol' in one dimension puts one point in each [i/M, (i+1)/M): an empirical
    # quantile q lies between the exact quantiles at q ∓ 2/M
    for q, value in ((0.05, row.rto_p95_h.low), (0.5, row.rto_p95_h.median), (0.95, row.rto_p95_h.high)):
        assert _rto_quantile(q - 2 / m) <= value <= _rto_quantile(q + 2 / m)
    assert row.rto_p95_h.median == pytest.approx(_rto_quantile(0.5), rel=1e-2)
    # P(met) = P(size / X ≤ target) = P(X ≥ size / target), within one stratum
    exact = stats.lognorm(S, scale=SCALE_B_PER_H).sf(SIZE_B / TARGET_H)
    assert abs(row.p_rto_met - exact) <= 1 / m + 1e-12
    assert row.rpo_target_h is None and row.p_rpo_met is None   # not stated: no probability


def _rich() -> dict:
    """Random sizes and rebuilds, a queue, two home regions (one with its own plan)."""
    return {
        "name": "rich",
        "zone": {"mttf": "1y", "mttr": "8h"},
        "region": {"mttf": "5y", "mttr": "10h"},
        "regions": {"a": {"zones": 3, "fails_over_to": "b"},
                    "b": {"zones": 3, "fails_over_to": "a",
                          "recovery": {"region_loss": {"provision": "90m"}}}},
        "roles": {"db": {"per_zone": 1, "needs": "any", "mttf": "8000h", "mttr": "2h"}},
        "data": {"db": {"size": "300GB",
                        "restore": {"throughput": {"dist": "gamma", "a": 8, "mean": "100MB/s"},
                                    "index_rebuild": {"dist": "lognorm", "s": 0.8, "mean": "10m"},
                                    "uncertainty": {"throughput": {"dist": "lognorm", "s": 0.5,
                                                                   "scale": "100MB/s"}}},
                        "databases": {"count": 3, "size": {"dist": "lognorm", "s": 1, "mean": "100GB"},
                                      "slots": 2}}},
        "recovery": {"region_loss": {"detect": "15m", "provision": "1h", "traffic_shift": "5m",
                                     "decide": {"uncertain": {"dist": "gamma", "a": 3, "scale": "10m"}}},
                     "corruption": {"detect": {"dist": "expon", "mean": "2d"}}},
        "objectives": {"rpo": {"region_loss": "25h"}, "rto": {"region_loss": "3.6h", "corruption": "8h"}},
    }


def _brute_force_spec(raw: dict, throughput_b_per_h: float, decide_h: float) -> dict:
    """The spec rewritten by hand at one sample (not through dr_spec_at)."""
    raw = copy.deepcopy(raw)
    restore = raw["data"]["db"]["restore"]
    restore["throughput"] = {"dist": "gamma", "a": 8, "mean": f"{throughput_b_per_h / 3600!r}B/s"}
    raw["recovery"]["region_loss"]["decide"] = f"{decide_h!r}h"
    return raw


def test_probability_met_equals_a_brute_force_loop_over_point_verdicts():
    raw = _rich()
    model = hm.load_spec(raw)
    m, n, seed = 12, 400, 3
    result = propagate_dr(model, samples=m, n_disasters=n, seed=seed)
    parameters = dr_parameters(model)
    assert [p.field for p in parameters] == ["data.db.restore.uncertainty.throughput", "recovery.region_loss.decide"]
    theta = draw_dr(parameters, m, seed=seed)
    np.testing.assert_array_equal(theta, result.theta)
    hits: dict[tuple[str, str], int] = {}
    worst_rto = []
    for throughput, decide in theta:
        point = hm.load_spec(_brute_force_spec(raw, float(throughput), float(decide)))
        judged = hm.verdict(point, seed=seed, n_disasters=n)
        for check in judged.checks:
            if check.scenario is not None and check.target is not None:
                hits[check.objective, check.scenario] = hits.get((check.objective, check.scenario), 0) + \
                    (check.status == PASS)
        sites = hm.dr.sites.site_outcomes(point, ("region-loss",), n_disasters=n, seed=seed)["region_loss"]
        worst_rto.append(max(np.quantile(s.rto_h, 0.95) for s in sites.values()))
    rows = {s.scenario: s for s in result.scenarios}
    assert set(rows) == {"zone_loss", "region_loss", "corruption"}
    assert rows["region_loss"].p_rpo_met == hits["rpo", "region_loss"] / m
    assert rows["region_loss"].p_rto_met == hits["rto", "region_loss"] / m
    assert rows["corruption"].p_rto_met == hits["rto", "corruption"] / m
    assert 0 < hits["rto", "region_loss"] < m            # the uncertainty decides: a real test of P(met)
    np.testing.assert_allclose(result.p95_h["rto", "region_loss"], worst_rto, rtol=1e-9)


def test_seeds_reproduce_and_differ():
    model = hm.load_spec(_rich())
    a = propagate_dr(model, samples=8, n_disasters=200, seed=1)
    b = propagate_dr(model, samples=8, n_disasters=200, seed=1)
    c = propagate_dr(model, samples=8, n_disasters=200, seed=2)
    assert a.as_dict() == b.as_dict()
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


def test_only_the_scenarios_a_step_reaches_get_rows():
    raw = _rich()
    del raw["data"]["db"]["restore"]["uncertainty"]
    result = propagate_dr(hm.load_spec(raw), samples=4, n_disasters=100, seed=0)
    assert [s.scenario for s in result.scenarios] == ["region_loss"]


def test_no_uncertain_dr_parameter_adds_nothing():
    result = propagate(hm.load_spec(), samples=64, sensitivity=False)
    assert result.dr is None and result.as_dict()["dr"] is None
    assert not any(line.startswith("DR objectives") for line in result.describe_lines())
    assert propagate_dr(hm.load_spec()) is None


def test_propagate_carries_the_dr_rows_and_refuses_the_cost_first():
    model = hm.load_spec(_one_database())
    result = propagate(model, samples=64, sensitivity=False, dr_samples=8, dr_disasters=10)
    assert result.dr is not None and result.as_dict()["dr"]["common_random_numbers"] is True
    assert any(line.startswith("DR objectives") for line in result.describe_lines())
    with pytest.raises(SpecError, match="dr_samples × dr_disasters"):
        propagate(model, samples=64, sensitivity=False, dr_samples=200, dr_disasters=20_000)


def _write(tmp_path, raw: dict) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


def test_cli_json_and_text(tmp_path, capsys):
    import json

    spec = _write(tmp_path, _one_database())
    argv = ["availability", spec, "--uncertainty", "--samples", "64", "--dr-samples", "8", "--dr-disasters", "10"]
    main([*argv, "--json"])
    dr = json.loads(capsys.readouterr().out)["uncertainty"]["dr"]
    assert dr["samples"] == 8 and dr["disasters"] == 10
    assert [p["field"] for p in dr["parameters"]] == ["data.db.restore.uncertainty.throughput"]
    main(argv)
    out = capsys.readouterr().out
    assert "DR objectives: 8 DR parameter samples" in out and "P(RTO met)" in out


def test_cli_refuses_the_cost_with_exit_2(tmp_path, capsys):
    spec = _write(tmp_path, _one_database())
    assert main(["availability", spec, "--uncertainty", "--samples", "64", "--dr-samples", "513"]) == 2
    assert "at most 512" in capsys.readouterr().err
    code = main(["availability", spec, "--uncertainty", "--samples", "64", "--dr-samples", "100",
                 "--dr-disasters", "30000"])
    err = capsys.readouterr().err
    assert code == 2 and "dr_samples × dr_disasters" in err and "Traceback" not in err


def test_cli_bad_uncertainty_exit_2_with_the_field(tmp_path, capsys):
    raw = _one_database()
    raw["data"]["db"]["snapshots"]["copy_to"] = {"uncertain": {"dist": "lognorm", "s": 1, "scale": 1}}
    code = main(["availability", _write(tmp_path, raw), "--uncertainty"])
    err = capsys.readouterr().err
    assert code == 2 and "data.db.snapshots.copy_to" in err and err.count("\n") == 1
