"""The exact engine vectorised over parameter samples equals the exact engine sample by sample.

The reference for sample s is independent of the vectorised code: the spec rewritten with every
uncertain parameter at its sampled value (``spec_at``), loaded and evaluated by
``hadr_model.availability`` — no row map, no shared region numbers, no broadcasting.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.service.uncertainty import Propagator, draw, spec_at

ROOT = Path(__file__).resolve().parents[2]
GAMMA = {"dist": "gamma-posterior", "failures": 4, "exposure": "6y"}
LOGNORM = {"dist": "lognorm", "s": 0.5, "scale": "10h"}


def _reference(model, parameters, theta, failover):
    """Per sample: (service q, per home region tenant q) from the point engine."""
    out = []
    for row in theta:
        point = hm.load_spec(spec_at(model.raw, dict(zip(parameters, row))))
        result = hm.availability(point, failover=failover)
        homes = [r.with_failover.unavailability for r in result.regions if r.home]
        out.append((result.system.unavailability, homes))
    return out


def _check(model, failover, count=6, seed=3):
    propagator = Propagator(model, failover=failover)
    theta = draw(propagator.parameters, count, method="random", seed=seed)
    got = propagator.samples(theta)
    for s, (q, homes) in enumerate(_reference(model, propagator.parameters, theta, failover)):
        assert got.q[s] == pytest.approx(q, rel=1e-12, abs=0.0)
        if homes:
            np.testing.assert_allclose(got.q_homes[s], homes, rtol=1e-12, atol=0.0)
    return propagator


def _default_with_more_uncertainty():
    raw = copy.deepcopy(hm.load_spec().raw)
    raw["region"]["uncertainty"]["mttr"] = LOGNORM                      # DR cost recomputed per sample
    raw["roles"]["db"]["mttf"] = {"uncertain": {"dist": "lognorm", "s": 0.7, "scale": "8000h"}}   # beta 0.05
    raw["regions"]["eu-de"]["zone"] = {"mttf": GAMMA, "mttr": "6h"}   # an override: its own column
    return hm.load_spec(raw)


@pytest.mark.parametrize("failover", ["dr-workflow", "instantaneous"])
def test_default_topology_equals_the_exact_engine(failover):
    propagator = _check(hm.load_spec(), failover)
    assert [p.field for p in propagator.parameters] == ["zone.uncertainty.mttf", "zone.uncertainty.mttr",
                                                        "region.uncertainty.mttf"]


@pytest.mark.parametrize("failover", ["dr-workflow", "instantaneous"])
def test_default_topology_with_role_override_and_region_repair(failover):
    propagator = _check(_default_with_more_uncertainty(), failover, count=4)
    assert len(propagator.parameters) == 6
    # the db role's mean sets its instances ((1 - beta) split) and its common cause (beta)
    table = propagator.model.compiled.elements
    db = propagator.f_col == [p.field for p in propagator.parameters].index("roles.db.mttf")
    assert {table.kinds[i] for i in np.flatnonzero(db)} == {"instance", "common-cause"}


def test_web_service():
    raw = copy.deepcopy(hm.load_spec(ROOT / "data" / "web_service.yaml").raw)
    raw["zone"]["uncertainty"] = {"mttf": GAMMA}
    raw["roles"]["app"]["mttr"] = {"uncertain": LOGNORM}
    _check(hm.load_spec(raw), "instantaneous")


def test_block_spec_with_k_of_n_copies_and_common_cause():
    spec = {"blocks": {"series": [
        {"component": {"name": "dns", "availability": 0.9999}},
        {"parallel": [{"component": {"name": "web", "mttf": {"uncertain": {"dist": "uniform", "loc": "500h",
                                                                             "scale": "1000h"}},
                                     "mttr": "1h", "count": 3, "beta": 0.1}}]},
        {"k_of_n": {"k": 2, "of": [
            {"component": {"name": "db-a", "mttf": GAMMA, "mttr": "2h"}},
            {"component": {"name": "db-b", "mttf": "8000h", "mttr": "2h", "uncertainty": {"mttr": LOGNORM}}},
            {"component": {"name": "db-c", "failure": {"dist": "weibull_min", "c": 1.5, "mean": "6000h"},
                           "repair": "4h", "uncertainty": {"mttf": LOGNORM | {"scale": "6000h"}}}}]}}]}}
    propagator = _check(hm.load_spec(spec), "instantaneous", count=8)
    assert propagator.dimension == 4


@pytest.mark.parametrize("name", ["bridge.yaml", "cooling_fault_tree.yaml"])
def test_network_and_fault_tree_sample_by_sample(name):
    raw = copy.deepcopy(hm.load_spec(ROOT / "data" / name).raw)
    if "fault_tree" in raw:
        raw["fault_tree"]["events"]["grid"]["uncertainty"] = {"mttf": GAMMA}
    else:
        raw["blocks"]["network"]["edges"][2]["mttr"] = {"uncertain": LOGNORM}
    _check(hm.load_spec(raw), "instantaneous", count=4)


def test_no_uncertain_parameter_gives_the_point():
    model = hm.load_spec(ROOT / "data" / "web_tier.yaml")
    propagator = Propagator(model)
    assert propagator.dimension == 0
    q = propagator.unavailability(np.zeros((3, 0)))
    np.testing.assert_allclose(q, hm.availability(model).system.unavailability, rtol=1e-12)
