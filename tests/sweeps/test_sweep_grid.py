"""Grid files, point ids and seeds, and the checks made before anything runs."""

from __future__ import annotations

import pytest

from hadr_model.errors import SpecError
from hadr_model.sweeps import load_grid, make_points, plan_sweep
from hadr_model.sweeps.paths import check_path, parse_path, with_values


def test_grid_is_the_product_of_lists_and_ranges():
    grid = load_grid({"parameters": {"roles.invoker.per_zone": [8, 10],
                                     "zone.mttr": {"low": "2h", "high": "8h", "num": 3, "scale": "log"}}})
    values = grid.values()
    assert len(values) == grid.size() == 6
    assert [v["zone.mttr"] for v in values[:3]] == pytest.approx([2.0, 4.0, 8.0])


def test_integer_ranges_stay_whole_numbers():
    grid = load_grid({"parameters": {"roles.invoker.per_zone": {"low": 7, "high": 16}},
                      "sample": {"method": "random", "n": 50, "seed": 3}})
    values = [v["roles.invoker.per_zone"] for v in grid.values()]
    assert all(isinstance(v, int) and 7 <= v <= 16 for v in values)


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_samples_depend_only_on_their_seed(method):
    raw = {"parameters": {"zone.mttr": {"low": "1h", "high": "12h"}, "recovery.strategy": ["a", "b"]},
           "sample": {"method": method, "n": 16, "seed": 5}}
    assert load_grid(raw).values(seed=1) == load_grid(raw).values(seed=2)
    assert all(1.0 <= v["zone.mttr"] <= 12.0 for v in load_grid(raw).values())


def test_latin_hypercube_covers_each_stratum_once():
    grid = load_grid({"parameters": {"x": {"low": 0.0, "high": 1.0}}, "sample": {"method": "lhs", "n": 10}})
    strata = sorted(int(v["x"] * 10) for v in grid.values(seed=4))
    assert strata == list(range(10))


def test_point_ids_are_stable_and_repeated_draws_distinct():
    points = make_points([{"a": 1}, {"a": 2}, {"a": 1}], seed=0)
    again = make_points([{"a": 2}, {"a": 1}], seed=9)
    assert points[0].point_id == again[1].point_id
    assert len({p.point_id for p in points}) == 3
    assert points[0].seed != again[1].seed


def test_paths_copy_only_what_changes():
    raw = {"blocks": {"series": [{"component": {"name": "a", "mttf": 10}}]}, "other": {"k": 1}}
    assert parse_path("blocks.series[0].component.mttf") == ("blocks", "series", 0, "component", "mttf")
    changed = with_values(raw, {"blocks.series[0].component.mttf": 20})
    assert changed["blocks"]["series"][0]["component"]["mttf"] == 20
    assert raw["blocks"]["series"][0]["component"]["mttf"] == 10
    assert changed["other"] is raw["other"]
    with pytest.raises(SpecError, match="no key 'nope'"):
        check_path(raw, "nope.x")


@pytest.mark.parametrize(("raw", "field"), [
    ({"parameters": {"roles.invoker.per_zone": []}}, "parameters.roles.invoker.per_zone"),
    ({"parameters": {"zone.mttr": {"low": "8h", "high": "2h", "num": 2}}}, "parameters.zone.mttr"),
    ({"parameters": {"zone.mttr": 4}}, "parameters.zone.mttr"),
    ({"parameters": {"zone.mttr": {"low": "2h", "high": "8h"}}}, "parameters.zone.mttr.num"),
    ({"parameters": {"zone.mttr": [1]}, "sample": {"method": "random", "n": "many"}}, "sample.n"),
    ({"parameters": {"zone.mttr": [1]}, "sample": {"method": "sobol"}}, "sample.method"),
    ({"parameters": {"zone.mttr": {"low": "2h", "high": "soon", "num": 2}}}, "parameters.zone.mttr.high"),
    ({"parameters": [1, 2]}, "parameters"),
    ({"parameters": {"zone.mttr": [1]}, "colour": "red"}, "colour"),
])
def test_bad_grids_name_the_field(raw, field):
    with pytest.raises(SpecError) as error:
        load_grid(raw)
    assert error.value.field == field


@pytest.mark.parametrize(("raw", "field", "text"), [
    ({"parameters": {"roles.invokr.per_zone": [1]}}, "parameters.roles.invokr.per_zone", "no key 'invokr'"),
    ({"parameters": {"roles.kafka.needs": ["quorum", "most"]}}, "parameters.roles.kafka.needs", "most"),
    ({"parameters": {"roles.invoker.per_zone": [10, 5]}}, "parameters.roles.invoker.per_zone", "k at most"),
    ({"parameters": {"zone.mttr": [4, -1]}}, "parameters.zone.mttr", "duration"),
    ({"parameters": {"roles.kafka.colour": ["red"]}}, "parameters.roles.kafka.colour", "colour"),
    ({"parameters": {"zone.mttr": [4]}, "options": {"n_runs": 10}}, "options.n_runs", "option"),
])
def test_unknown_names_and_rejected_values_fail_before_running(raw, field, text):
    with pytest.raises(SpecError) as error:
        plan_sweep(raw, function="availability")
    assert error.value.field == field
    assert text in str(error.value)


def test_function_options_can_be_swept():
    plan = plan_sweep({"parameters": {"scenario": ["zone-loss", "region-loss"]},
                       "options": {"n_disasters": 50}}, function="dr")
    assert plan.option_names == ("scenario",)
    assert plan.options == {"n_disasters": 50}


def test_grid_hash_depends_on_seed_grid_and_target():
    grid = {"parameters": {"zone.mttr": [4, 8]}}
    base = plan_sweep(grid, function="availability", seed=0).manifest["grid_hash"]
    assert plan_sweep(grid, function="availability", seed=0).manifest["grid_hash"] == base
    assert plan_sweep(grid, function="availability", seed=1).manifest["grid_hash"] != base
    assert plan_sweep(grid, function="dr", seed=0).manifest["grid_hash"] != base
    assert plan_sweep({"parameters": {"zone.mttr": [4, 9]}}, function="availability").manifest["grid_hash"] != base
