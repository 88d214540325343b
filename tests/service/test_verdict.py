"""The verdict over every objective: per home region with its own plan, absent objectives, exit 3."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.dr.sites import site_outcomes
from hadr_model.service import verdict

# Two regions failing over to each other; "b" has its own (slower) region-loss plan. Restore
# is deterministic (one tenant database, fixed size and throughput), detection exponential:
# RTO = fixed steps + Exp(mean 1 h), so P(RTO ≤ target) = 1 − exp(−(target − fixed) / 1 h).
CLOSED_FORM_SPEC = {
    "name": "closed-form",
    "zone": {"mttf": "1y", "mttr": "8h"},
    "region": {"mttf": "5y", "mttr": "10h"},
    "regions": {
        "a": {"zones": 3, "fails_over_to": "b"},
        "b": {"zones": 3, "fails_over_to": "a", "recovery": {"region_loss": {"provision": "90m"}}},
    },
    "roles": {"db": {"per_zone": 1, "needs": "quorum", "mttf": "8000h", "mttr": "2h"}},
    "data": {"db": {"size": "360GB", "restore": {"throughput": "100MB/s", "index_rebuild": "0h", "verify": "0h"}}},
    "recovery": {"region_loss": {"detect": {"dist": "expon", "mean": "1h"}, "decide": "30m", "provision": "1h",
                                 "traffic_shift": "30m"}},
    "objectives": {"rto": {"region_loss": "4h"}},
}
RESTORE_H = 360e9 / 100e6 / 3600          # 1 h
FIXED_H = {"a": 0.5 + 1.0 + RESTORE_H + 0.5, "b": 0.5 + 1.5 + RESTORE_H + 0.5}


def _closed_form_met(region: str, target_h: float = 4.0) -> float:
    slack = target_h - FIXED_H[region]
    return 1.0 - math.exp(-slack) if slack > 0 else 0.0


def test_each_home_region_uses_its_own_plan_closed_form():
    n = 40_000
    sites = site_outcomes(hm.load_spec(CLOSED_FORM_SPEC), ("region-loss",), n_disasters=n, seed=3)["region_loss"]
    for region in ("a", "b"):
        p = _closed_form_met(region)
        measured = sites[region].probability_met("rto", 4.0)
        assert measured == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n)), region
    check = next(c for c in verdict(hm.load_spec(CLOSED_FORM_SPEC), n_disasters=n, seed=3).checks
                 if c.objective == "rto" and c.scenario == "region_loss")
    assert check.status == "FAIL" and check.worst_region == "b"          # 1 − e^−0.5 < 1 − e^−1 < 95 %
    mixture = (sites["a"].probability_met("rto", 4.0) + sites["b"].probability_met("rto", 4.0)) / 2
    assert check.value == pytest.approx(mixture, abs=1e-12)
    assert check.worst_value == sites["b"].probability_met("rto", 4.0)


def test_default_eu_de_fails_region_loss_rto_by_its_own_plan():
    model = hm.load_spec()
    sites = site_outcomes(model, ("region-loss",), n_disasters=20_000, seed=0)["region_loss"]
    # eu-de's plan differs from the others only by 3 h more provisioning (fixed), and every site
    # draws the same restore streams: its P(RTO ≤ 8 h) is the others' P(RTO ≤ 5 h) exactly.
    assert sites["eu-de"].probability_met("rto", 8.0) == sites["us-south"].probability_met("rto", 5.0)
    np.testing.assert_allclose(sites["eu-de"].rto_h - sites["us-south"].rto_h, 3.0, atol=1e-9)
    check = next(c for c in verdict(model, n_disasters=20_000).checks
                 if c.objective == "rto" and c.scenario == "region_loss")
    assert (check.status, check.worst_region) == ("FAIL", "eu-de")
    assert 0.7 < check.worst_value < 0.9


def _rpo_miss_spec() -> dict:
    spec = dict(CLOSED_FORM_SPEC, objectives={"rpo": {"corruption": "1h"}})
    return spec


def test_missed_rpo_objective_fails_the_headline_and_exits_3(tmp_path, capsys):
    judged = verdict(hm.load_spec(_rpo_miss_spec()), n_disasters=4000)
    assert not judged.passed
    assert [c.label for c in judged.missed] == ["rpo (corruption)"]
    assert judged.headline.startswith("closed-form: FAIL")
    stated = [c for c in judged.checks if c.status != "absent"]
    assert [c.label for c in stated] == ["rpo (corruption)"]
    path = tmp_path / "miss.yaml"
    import yaml

    path.write_text(yaml.safe_dump(_rpo_miss_spec()))
    assert main(["availability", str(path), "--top", "0"]) == 0
    assert main(["availability", str(path), "--top", "0", "--fail-on-miss"]) == 3
    out = capsys.readouterr().out
    assert "verdict: closed-form: FAIL" in out and "rpo (corruption)" in out


def test_spec_without_objectives_gets_no_pass_or_fail():
    spec = {key: value for key, value in CLOSED_FORM_SPEC.items() if key != "objectives"}
    judged = verdict(hm.load_spec(spec), n_disasters=2000)
    assert {c.status for c in judged.checks} == {"absent"}
    assert judged.passed and "no objectives stated" in judged.headline
    assert main(["availability", "data/web_tier.yaml", "--fail-on-miss", "--top", "0"]) == 0


def test_a_scenario_draws_the_same_numbers_whatever_runs_beside_it():
    model = hm.load_spec()
    alone = site_outcomes(model, ("corruption",), n_disasters=500, seed=4)["corruption"]["us-south"]
    together = site_outcomes(model, n_disasters=500, seed=4)["corruption"]["us-south"]
    np.testing.assert_array_equal(alone.rpo_h, together.rpo_h)
    np.testing.assert_array_equal(alone.rto_h, together.rto_h)
