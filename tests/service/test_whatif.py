"""What it takes: each value put back into the spec just meets the objective; a bit less does not."""

from __future__ import annotations

import pytest

import hadr_model as hm
from hadr_model.service import verdict
from hadr_model.service.whatif import what_it_takes
from hadr_model.topology.paths import with_values
from hadr_model.topology.spec import read_yaml

N = 4000


@pytest.fixture(scope="module")
def default_remedies():
    raw = read_yaml(hm.default_spec_path().read_text())
    judged = verdict(hm.load_spec(raw), n_disasters=N)
    return raw, {(r.objective, r.field): r for r in what_it_takes(raw, judged, n_disasters=N)}


def _check(raw, field, value, objective, scenario=None):
    judged = verdict(hm.load_spec(with_values(raw, {field: value})), n_disasters=N)
    return next(c for c in judged.checks if c.objective == objective and c.scenario == scenario)


@pytest.mark.parametrize("field", ["region.mttr", "region.mttf"])
def test_availability_remedy_just_meets_the_objective(default_remedies, field):
    raw, remedies = default_remedies
    remedy = remedies[("availability", field)]
    at = _check(raw, field, remedy.required_h, "availability")
    assert at.worst_value == pytest.approx(at.target, abs=1e-9)
    # 0.1 % less of the change: the worst home region misses again.
    short = remedy.current_h + 0.999 * (remedy.required_h - remedy.current_h)
    assert _check(raw, field, short, "availability").status == "FAIL"
    assert at.worst_value >= at.target - 1e-6


def test_region_loss_rto_remedy_is_exact_on_the_samples(default_remedies):
    raw, remedies = default_remedies
    field = "regions.eu-de.recovery.region_loss.provision"
    remedy = remedies[("rto (region loss)", field)]
    assert remedy.required_h < remedy.current_h == 4.0
    assert _check(raw, field, remedy.required_h, "rto", "region_loss").status == "PASS"
    assert _check(raw, field, remedy.required_h + 1e-3, "rto", "region_loss").status == "FAIL"


def test_rpo_remedy_snapshot_interval():
    raw = read_yaml(hm.default_spec_path().read_text())
    raw = with_values(raw, {"objectives.rpo.region_loss": "12h"})
    judged = verdict(hm.load_spec(raw), n_disasters=N)
    assert "rpo (region loss)" in [c.label for c in judged.missed]
    (remedy,) = [r for r in what_it_takes(raw, judged, n_disasters=N) if r.objective == "rpo (region loss)"]
    assert remedy.field == "data.db.snapshots.every" and remedy.required_h < 24.0
    assert _check(raw, remedy.field, remedy.required_h, "rpo", "region_loss").status == "PASS"
    assert _check(raw, remedy.field, remedy.required_h * 1.001, "rpo", "region_loss").status == "FAIL"
