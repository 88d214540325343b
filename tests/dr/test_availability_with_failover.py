"""Failover folded into the exact engine: closed forms of the renewal-reward argument."""

import math

import numpy as np
import pytest

from hadr_model import SpecError, load_spec
from hadr_model.dr import availability_with_failover, disasters_per_year, failover_costs, region_loss_rto_samples
from hadr_model.engines.exact import exact_availability

ZONE_MTTF, ZONE_MTTR = 2000.0, 5.0
REGION_MTTF, REGION_MTTR = 20000.0, 10.0
APP_MTTF, APP_MTTR = 1000.0, 1.0
IAM_MTTF, IAM_MTTR = 50000.0, 2.0


def _spec(steps_h: float = 1.0) -> dict:
    return {
        "name": "pair",
        "zone": {"mttf": f"{ZONE_MTTF}h", "mttr": f"{ZONE_MTTR}h"},
        "region": {"mttf": f"{REGION_MTTF}h", "mttr": f"{REGION_MTTR}h"},
        "global": {"iam": {"mttf": f"{IAM_MTTF}h", "mttr": f"{IAM_MTTR}h"}},
        "regions": {"x": {"zones": 1, "fails_over_to": "f"}, "f": {"zones": 1, "home": False}},
        "roles": {"app": {"per_zone": 1, "needs": "any", "mttf": f"{APP_MTTF}h", "mttr": f"{APP_MTTR}h",
                          "depends_on": ["iam"]}},
        "recovery": {"region_loss": {"detect": f"{steps_h}h", "decide": 0, "provision": 0, "promote": 0,
                                     "traffic_shift": 0}},
    }


def _a(mttf: float, mttr: float) -> float:
    return mttf / (mttf + mttr)


def test_region_loss_costs_expected_min_of_repair_and_rto():
    """A = a_G · (a_R · B' + (1 − a_R) · φ · B_F), φ = 1 − E[min(D, r)]/E[D] with D ~ Exp(MTTR)."""
    rto = 3.0
    outage = REGION_MTTR * -math.expm1(-rto / REGION_MTTR)
    a_g, a_r = _a(IAM_MTTF, IAM_MTTR), _a(REGION_MTTF, REGION_MTTR)
    inner = _a(ZONE_MTTF, ZONE_MTTR) * _a(APP_MTTF, APP_MTTR)        # B' of either region
    expected = a_g * (a_r * inner + (1 - a_r) * (1 - outage / REGION_MTTR) * a_r * inner)
    result = exact_availability(load_spec(_spec()), region_loss_outage_h={"x": outage})
    assert result.system.availability == pytest.approx(expected, rel=1e-13)
    assert result.system.unavailability == pytest.approx(1 - expected, rel=1e-9)


def test_bounds_no_failover_and_instant_failover():
    """outage = repair mean: the failover never helps; outage = 0 stays below the instant upper bound."""
    model = load_spec(_spec())
    own = exact_availability(model).regions[0].own
    useless = exact_availability(model, region_loss_outage_h={"x": REGION_MTTR}).system
    assert useless.unavailability == pytest.approx(own.unavailability, rel=1e-12)
    assert useless.failure_frequency_per_year == pytest.approx(own.failure_frequency_per_year, rel=1e-12)
    perfect = exact_availability(model, region_loss_outage_h={"x": 0.0}).system
    upper = exact_availability(model).system
    assert own.unavailability > perfect.unavailability > upper.unavailability


def test_every_region_loss_counts_as_an_outage():
    """Failure frequency: a region loss that finds the tenant up always starts an outage."""
    model = load_spec(_spec())
    per_hour = {
        "iam": 1 / (IAM_MTTF + IAM_MTTR), "region": 1 / (REGION_MTTF + REGION_MTTR),
        "zone": 1 / (ZONE_MTTF + ZONE_MTTR), "app": 1 / (APP_MTTF + APP_MTTR),
    }
    a = {"iam": _a(IAM_MTTF, IAM_MTTR), "region": _a(REGION_MTTF, REGION_MTTR),
         "zone": _a(ZONE_MTTF, ZONE_MTTR), "app": _a(APP_MTTF, APP_MTTR)}
    outage = 4.0
    phi = 1 - outage / REGION_MTTR
    b_f = a["region"] * a["zone"] * a["app"]
    # Birnbaum of each element of the home region, with the partner weight (1 - a_R)·φ·B_F.
    home_up = a["iam"] * a["region"] * a["zone"] * a["app"]
    served = a["iam"] * (1 - a["region"]) * phi
    expected = (
        per_hour["iam"] * (home_up + served * b_f) / a["iam"]
        + per_hour["region"] * home_up / a["region"]
        + per_hour["zone"] * home_up / a["zone"] + per_hour["app"] * home_up / a["app"]
        + (per_hour["region"] / a["region"] + per_hour["zone"] / a["zone"] + per_hour["app"] / a["app"])
        * served * b_f
    ) * 8760
    result = exact_availability(model, region_loss_outage_h={"x": outage})
    assert result.system.failure_frequency_per_year == pytest.approx(expected, rel=1e-12)


def test_deterministic_workflow_gives_exact_cost():
    costs = failover_costs(load_spec(_spec(steps_h=2.5)), n_disasters=100, seed=0)
    assert costs["x"].rto_mean_h == pytest.approx(2.5)
    assert costs["x"].expected_outage_h == pytest.approx(REGION_MTTR * -math.expm1(-2.5 / REGION_MTTR), rel=1e-9)
    assert "f" not in costs


def test_default_topology_lies_between_bounds():
    model = load_spec()
    result, costs = availability_with_failover(model, n_disasters=2000, seed=0)
    upper = exact_availability(model).system
    own_worst = max(r.own.unavailability for r in result.regions if r.home)
    assert upper.unavailability < result.system.unavailability < own_worst
    assert set(costs) == {r.name for r in model.regions if r.fails_over_to}
    again, _ = availability_with_failover(model, n_disasters=2000, seed=0)
    assert again.system == result.system


def test_disaster_rates_from_topology():
    model = load_spec()
    assert disasters_per_year(model, "zone-loss") == pytest.approx(3 * 8760 / (8760 + 8))
    assert disasters_per_year(model, "region-loss") == pytest.approx(8760 / (5 * 8760 + 10))
    assert disasters_per_year(model, "corruption") == pytest.approx(0.5)


def test_several_stateful_roles_share_detection_and_traffic_shift():
    """Two databases restored side by side: RTO = detect + decide + max(provision + restore) + shift."""
    spec = _spec()
    spec["roles"]["db"] = {"per_zone": 1, "needs": "any", "mttf": "1000h", "mttr": "1h"}
    spec["recovery"] = {"region_loss": {"detect": "10m", "decide": "20m", "provision": "1h", "traffic_shift": "5m"}}
    restore = {"throughput": "100MB/s", "index_rebuild": 0, "verify": 0}
    spec["data"] = {
        "app": {"size": "360GB", "restore": restore},   # 3600 s = 1 h at 100 MB/s
        "db": {"size": "720GB", "restore": restore},    # 2 h: the slower one sets the RTO
    }
    samples = region_loss_rto_samples(load_spec(spec), n_disasters=50, seed=4)
    assert samples == pytest.approx(np.full(50, (10 + 20) / 60 + 1 + 2 + 5 / 60), rel=1e-12)


def test_rto_stream_differs_from_the_simulation_streams():
    """The RTO samples draw from a tagged stream, not child 0 of SeedSequence(seed)."""
    spec = _spec()
    spec["recovery"] = {"region_loss": {"detect": {"dist": "expon", "mean": "1h"}, "decide": 0, "provision": 0,
                                        "traffic_shift": 0}}
    samples = region_loss_rto_samples(load_spec(spec), n_disasters=5, seed=7)
    child = np.random.default_rng(np.random.SeedSequence(7).spawn(1)[0]).exponential(1.0, 5)
    assert not np.allclose(samples, child)


def test_a_region_can_have_its_own_recovery_steps():
    """A failover into a site with no running compute: only that region's tenants wait longer."""
    spec = _spec(steps_h=1.0)
    spec["regions"] = {"x": {"zones": 1, "fails_over_to": "f", "recovery": {"region_loss": {"detect": "3h"}}},
                       "y": {"zones": 1, "fails_over_to": "f"}, "f": {"zones": 1, "home": False}}
    costs = failover_costs(load_spec(spec), n_disasters=20, seed=0)
    assert costs["x"].rto_mean_h == pytest.approx(3.0) and costs["y"].rto_mean_h == pytest.approx(1.0)
    assert costs["x"].expected_outage_h == pytest.approx(REGION_MTTR * -math.expm1(-3.0 / REGION_MTTR), rel=1e-9)
    result, _ = availability_with_failover(load_spec(spec), n_disasters=20, seed=0)
    by_name = {r.name: r.with_failover for r in result.regions}
    assert by_name["x"].unavailability > by_name["y"].unavailability


def test_a_misspelt_region_recovery_step_names_its_field():
    spec = _spec()
    spec["regions"]["x"]["recovery"] = {"region_loss": {"provisin": "4h"}}
    with pytest.raises(SpecError) as error:
        load_spec(spec)
    assert "regions.x.recovery.region_loss.provisin" in str(error.value) and "provision" in str(error.value)
