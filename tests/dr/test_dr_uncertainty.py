"""Uncertain DR parameters: spec syntax, the finder, the rewrite at sampled values, the cost bound."""

from __future__ import annotations

import copy

import jsonschema
import numpy as np
import pytest

from hadr_model import load_spec
from hadr_model.dr.sites import site_outcomes
from hadr_model.dr.uncertainty import (
    MAX_DR_CELLS,
    MAX_DR_SAMPLES,
    check_dr_cost,
    dr_outcomes,
    dr_parameters,
    dr_spec_at,
)
from hadr_model.errors import SpecError
from hadr_model.topology import schema
from hadr_model.topology.spec import parse_spec

LOGNORM_RATE = {"dist": "lognorm", "s": 0.4, "scale": "100MB/s"}


def _spec(**restore) -> dict:
    """One home region failing over to a recovery site; one 1 TB database, every step 0."""
    return {
        "name": "one-db",
        "zone": {"mttf": "1y", "mttr": "8h"},
        "region": {"mttf": "5y", "mttr": "10h"},
        "regions": {"home": {"zones": 3, "fails_over_to": "site"}, "site": {"zones": 3, "home": False}},
        "roles": {"db": {"per_zone": 1, "needs": "any", "mttf": "8000h", "mttr": "2h"}},
        "data": {"db": {"size": "1TB", "snapshots": {"every": "24h", "takes": 0, "copy_takes": 0},
                        "restore": {"throughput": "100MB/s", "index_rebuild": 0, "verify": 0, **restore}}},
        "recovery": {"region_loss": {"detect": 0, "decide": 0, "provision": 0, "traffic_shift": 0}},
        "objectives": {"rto": {"region_loss": "3h"}},
    }


def test_beside_keeps_the_point_and_in_place_takes_the_median():
    beside = parse_spec(_spec(uncertainty={"throughput": LOGNORM_RATE}))
    plain = parse_spec(_spec())
    assert beside.data == plain.data            # the point figures are the written value's
    in_place = parse_spec(_spec(throughput={"uncertain": {"dist": "lognorm", "s": 0.4, "scale": "80MB/s"}}))
    rate = in_place.data["db"].restore.throughput_bytes_per_h
    assert rate.fixed == pytest.approx(80e6 * 3600, rel=1e-12)   # lognorm median = scale


def test_finder_names_the_field_unit_and_scenarios():
    raw = _spec(uncertainty={"throughput": LOGNORM_RATE})
    raw["recovery"]["region_loss"]["decide"] = {"uncertain": {"dist": "gamma", "a": 4, "scale": "15m"}}
    raw["regions"]["home"]["recovery"] = {"corruption": {"decide": "1h",
                                                         "uncertainty": {"decide": {"dist": "expon", "scale": "1h"}}}}
    found = dr_parameters(raw)
    assert [(p.field, p.unit, p.scenarios) for p in found] == [
        ("regions.home.recovery.corruption.uncertainty.decide", "h", ("corruption",)),
        ("data.db.restore.uncertainty.throughput", "bytes/h", ("zone_loss", "region_loss", "corruption")),
        ("recovery.region_loss.decide", "h", ("region_loss",)),
    ]
    # gamma(a=4, scale 0.25 h): its median is the point, from scipy's own quantile
    from scipy import stats
    assert found[2].law.point_h == pytest.approx(stats.gamma(4, scale=0.25).ppf(0.5), rel=1e-12)
    assert found[1].law.point_h == pytest.approx(100e6 * 3600, rel=1e-12)
    assert dr_parameters(load_spec()) == ()


def test_the_json_schema_accepts_both_spellings():
    raw = _spec(uncertainty={"throughput": LOGNORM_RATE}, index_rebuild={"uncertain": {"dist": "lognorm", "s": 1,
                                                                                       "scale": "10m"}})
    raw["data"]["db"]["size"] = {"uncertain": {"dist": "lognorm", "s": 0.2, "scale": "1TB"}}
    raw["recovery"]["region_loss"]["uncertainty"] = {"provision": {"dist": "lognorm", "s": 0.5, "scale": "1h"}}
    jsonschema.validate(raw, schema.json_schema(), cls=jsonschema.Draft202012Validator)
    parse_spec(raw)
    bad = copy.deepcopy(raw)
    bad["data"]["db"]["restore"]["uncertainty"]["slots"] = LOGNORM_RATE
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema.json_schema(), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(("where", "value", "field"), [
    (("snapshots", "copy_to"), {"uncertain": {"dist": "lognorm", "s": 1, "scale": 1}}, "data.db.snapshots.copy_to"),
    (("snapshots", "every"), {"uncertain": {"dist": "lognorm", "s": 1, "scale": 1}}, "data.db.snapshots.every"),
    (("snapshots", "uncertainty"), {"copy_to": {"dist": "lognorm", "s": 1, "scale": 1}},
     "data.db.snapshots.uncertainty.copy_to"),
    (("restore", "uncertainty"), {"throughput": {"dist": "deterministic", "value": "1MB/s"}},
     "data.db.restore.uncertainty.throughput"),
    (("restore", "throughput"), {"dist": "gamma-posterior", "repairs": 1, "repair_time": "1h"},
     "data.db.restore.throughput"),
    (("restore", "throughput"), {"uncertain": "100MB/s"}, "data.db.restore.throughput.uncertain"),
    (("restore", "throughput"), {"uncertain": {"dist": "norm", "loc": "100MB/s", "scale": "50MB/s"}},
     "data.db.restore.throughput.uncertain"),
    (("databases",), {"count": {"uncertain": {"dist": "lognorm", "s": 1, "scale": 3}}}, "data.db.databases.count"),
])
def test_bad_uncertainty_names_the_field(where, value, field):
    raw = _spec()
    holder = raw["data"]["db"]
    for part in where[:-1]:
        holder = holder[part]
    holder[where[-1]] = value
    with pytest.raises(SpecError) as error:
        parse_spec(raw)
    assert error.value.field == field


def test_beside_needs_the_point_written():
    raw = _spec()
    raw["data"]["db"]["snapshots"] = {"every": "24h", "uncertainty": {"takes": {"dist": "expon", "scale": "1h"}}}
    with pytest.raises(SpecError, match=r"data\.db\.snapshots\.uncertainty\.takes"):
        parse_spec(raw)


def test_spec_at_sets_the_mean_and_keeps_the_shape():
    raw = _spec(uncertainty={"throughput": LOGNORM_RATE})
    raw["data"]["db"]["snapshots"]["takes"] = {"dist": "lognorm", "s": 0.5, "mean": "30m"}
    raw["data"]["db"]["snapshots"]["uncertainty"] = {"takes": {"dist": "lognorm", "s": 0.3, "scale": "30m"}}
    takes, rate = dr_parameters(raw)
    moved = parse_spec(dr_spec_at(raw, {takes: 0.75, rate: 3.6e11}))
    law = moved.data["db"].snapshots.takes
    assert law.dist == "lognorm" and dict(law.params)["s"] == 0.5 and law.mean == pytest.approx(0.75, rel=1e-12)
    assert moved.data["db"].restore.throughput_bytes_per_h.fixed == 3.6e11
    with pytest.raises(SpecError, match=r"data\.db\.restore\.uncertainty\.throughput"):
        dr_spec_at(raw, {rate: 0.0})


def test_cost_is_bounded_before_drawing():
    check_dr_cost(MAX_DR_SAMPLES, MAX_DR_CELLS // MAX_DR_SAMPLES)
    with pytest.raises(SpecError, match="dr_samples"):
        check_dr_cost(MAX_DR_SAMPLES + 1, 1)
    with pytest.raises(SpecError, match="dr_samples × dr_disasters"):
        check_dr_cost(100, MAX_DR_CELLS // 100 + 1)
    raw = _spec(uncertainty={"throughput": LOGNORM_RATE})
    model = parse_spec(raw)
    with pytest.raises(SpecError):
        next(dr_outcomes(model, dr_parameters(raw), np.ones((200, 1)), n_disasters=20_000, seed=0))


def test_outcomes_at_a_sample_are_the_rewritten_specs_common_random_numbers():
    raw = _spec(uncertainty={"throughput": LOGNORM_RATE})
    raw["data"]["db"]["restore"]["index_rebuild"] = {"dist": "lognorm", "s": 1, "mean": "10m"}
    model = parse_spec(raw)
    (rate,) = dr_parameters(raw)
    theta = np.array([[2e11], [4e11]])
    for row, (_, sites) in zip(theta, dr_outcomes(model, (rate,), theta, n_disasters=300, seed=9)):
        raw_s = copy.deepcopy(raw)
        raw_s["data"]["db"]["restore"]["throughput"] = f"{float(row[0]) / 3600!r}B/s"
        reference = site_outcomes(load_spec(raw_s), ("region-loss",), n_disasters=300, seed=9)
        np.testing.assert_allclose(sites["region_loss"]["home"].rto_h, reference["region_loss"]["home"].rto_h,
                                   rtol=1e-12)
    # the same seed in both samples: the index-rebuild draws coincide, so the RTO gap is the
    # restore's 1 TB × (1/2e11 − 1/4e11) h exactly, disaster by disaster
    (_, a), (_, b) = list(dr_outcomes(model, (rate,), theta, n_disasters=300, seed=9))
    gap = a["region_loss"]["home"].rto_h - b["region_loss"]["home"].rto_h
    np.testing.assert_allclose(gap, 1e12 / 2e11 - 1e12 / 4e11, rtol=1e-9)


def test_a_sample_at_the_points_reproduces_the_point_figures():
    raw = _spec(uncertainty={"throughput": LOGNORM_RATE})
    raw["data"]["db"]["restore"]["index_rebuild"] = {"dist": "lognorm", "s": 1, "mean": "10m"}
    raw["recovery"]["region_loss"]["decide"] = {"dist": "gamma", "a": 2, "mean": "20m"}
    raw["recovery"]["region_loss"]["uncertainty"] = {"decide": {"dist": "lognorm", "s": 0.3, "scale": "20m"}}
    model = parse_spec(raw)
    parameters = dr_parameters(raw)
    point = np.array([[p.law.point_h for p in parameters]])
    ((_, sites),) = list(dr_outcomes(model, parameters, point, n_disasters=500, seed=4))
    reference = site_outcomes(model, ("region-loss",), n_disasters=500, seed=4)
    np.testing.assert_array_equal(sites["region_loss"]["home"].rto_h, reference["region_loss"]["home"].rto_h)
    np.testing.assert_array_equal(sites["region_loss"]["home"].rpo_h, reference["region_loss"]["home"].rpo_h)
