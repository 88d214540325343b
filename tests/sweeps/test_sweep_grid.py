"""Grid files, point ids and seeds, and the checks made before anything runs."""

from __future__ import annotations

import time

import pytest

from hadr_model.errors import SpecError
from hadr_model.sweeps import load_grid, make_points, plan_sweep
from hadr_model.topology.paths import check_path, parse_path, with_values


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


# --- sizes, integer ranges -------------------------------------------------------------------

def test_grid_sizes_are_checked_before_anything_is_built(monkeypatch):
    import numpy as np

    def refuse(*args, **kwargs):
        raise AssertionError("a grid axis was built before its size was checked")

    monkeypatch.setattr(np, "linspace", refuse)
    monkeypatch.setattr(np, "geomspace", refuse)
    with pytest.raises(SpecError) as error:   # was a MemoryError: np.linspace(…, 1e11) ran first
        load_grid({"parameters": {"zone.mttr": {"low": "1h", "high": "2h", "num": 100_000_000_000}}})
    assert error.value.field == "parameters.zone.mttr.num" and "1000000" in error.value.expected
    with pytest.raises(SpecError) as error:   # each axis allowed, their product not
        load_grid({"parameters": {"zone.mttr": {"low": 1.0, "high": 2.0, "num": 100_000},
                                  "region.mttr": {"low": 1.0, "high": 2.0, "num": 100_000, "scale": "log"},
                                  "roles.invoker.per_zone": [8, 10]}})
    assert error.value.field == "parameters" and "at most 1000000 points" in str(error.value)
    assert "100000 × 100000 × 2" in str(error.value)


def test_integer_log_ranges_are_drawn_log_uniformly():
    import math

    for method in ("random", "lhs"):
        grid = load_grid({"parameters": {"roles.invoker.per_zone": {"low": 1, "high": 1000, "scale": "log"}},
                          "sample": {"method": method, "n": 20_000, "seed": 2}})
        values = [v["roles.invoker.per_zone"] for v in grid.values()]
        assert all(isinstance(v, int) and 1 <= v <= 1000 for v in values)
        # Log-uniform, then floored: P(k) = log((k+1)/k) / log(1001). Uniform would give 0.1 % each.
        for k in (1, 2, 3):
            expected = math.log((k + 1) / k) / math.log(1001)
            assert sum(v == k for v in values) / len(values) == pytest.approx(expected, abs=0.01)
        assert sum(v <= 31 for v in values) / len(values) == pytest.approx(math.log(32) / math.log(1001), abs=0.02)
        assert max(values) > 900   # the top of the range is still reached


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_integer_ranges_with_a_fractional_low_stay_in_the_range(scale):
    parameters = {"roles.invoker.per_zone": {"low": 1.5, "high": 4, "integer": True, "scale": scale}}
    for method in ("random", "lhs"):
        grid = load_grid({"parameters": parameters, "sample": {"method": method, "n": 300, "seed": 1}})
        assert {v["roles.invoker.per_zone"] for v in grid.values()} == {2, 3, 4}   # never 1, below low
        assert grid.axes[0].at(0.0) == 2 and grid.axes[0].at(0.999999999) == 4
    num, expected = (10, list(range(2, 12))) if scale == "linear" else (4, [2, 4, 6, 11])
    grid = load_grid({"parameters": {"x": {"low": 1.4, "high": 11, "integer": True, "num": num, "scale": scale}}})
    assert [v["x"] for v in grid.values()] == expected   # spaced over the whole numbers 2 … 11


def test_an_integer_range_without_a_whole_number_is_refused():
    with pytest.raises(SpecError) as error:
        load_grid({"parameters": {"x": {"low": 1.2, "high": 1.8, "integer": True}},
                   "sample": {"method": "random", "n": 4}})
    assert error.value.field == "parameters.x" and "whole number" in error.value.expected


@pytest.mark.parametrize(("parameters", "text"), [
    ({"low": 1, "high": 3, "num": 5}, "at most 3: there are only 3 whole numbers from 1 to 3"),
    ({"low": 1, "high": 100, "num": 50, "scale": "log"}, "give only 34 distinct whole numbers (1, 2, 3"),
])
def test_integer_grid_ranges_that_rounding_would_shrink_are_refused(parameters, text):
    # Rounding merges values: the grid would silently run fewer points than num asked for.
    with pytest.raises(SpecError) as error:
        load_grid({"parameters": {"roles.invoker.per_zone": parameters}})
    assert error.value.field == "parameters.roles.invoker.per_zone.num"
    assert text in error.value.expected
    ok = load_grid({"parameters": {"roles.invoker.per_zone": {**parameters, "num": 3}}})
    assert len(ok.values()) == ok.size() == 3


# --- plain JSON values only, at every depth ---------------------------------------------------

@pytest.mark.parametrize(("raw", "field", "words"), [
    ({"parameters": {"x": [1, [2, {"y": b'"'}]]}}, "parameters.x[1][1].y", "got bytes b'\"'"),
    ({"parameters": {"x": [1]}, "options": {"o": {"deep": [{1, 2}]}}}, "options.o.deep[0]", "got set of 2 items"),
    ({"parameters": {"x": [(1, 2)]}}, "parameters.x[0]", "got tuple of 2 items"),
    ({"parameters": {"x": [float("nan")]}}, "parameters.x[0]", "a finite number"),
    ({"parameters": {"x": [1]}, "options": {"o": float("-inf")}}, "options.o", "a finite number"),
    ({"parameters": {"x": [2**63]}}, "parameters.x[0]", "2**63"),
    ({"parameters": {"x": [{"a": {3: "b"}}]}}, "parameters.x[0].a", "a key of type int"),
    ({"parameters": {"x": [object()]}}, "parameters.x[0]", "got object;"),
    ({"parameters": {"x": [1]}, "description": b"x"}, "description", "got bytes"),
])
def test_values_that_are_not_plain_json_are_refused_at_any_depth(raw, field, words):
    with pytest.raises(SpecError) as error:
        load_grid(raw)
    assert error.value.field == field
    assert words in str(error.value) and "expected" in str(error.value)


def test_a_built_grid_is_checked_too():
    from hadr_model.sweeps import Axis, Grid

    with pytest.raises(SpecError, match=r"parameters\.x\[1\]: got bytes"):
        load_grid(Grid(axes=(Axis(name="x", values=(1, b"2")),)))
    with pytest.raises(SpecError, match=r"options\.o: got date"):
        import datetime

        load_grid(Grid(axes=(Axis(name="x", values=(1,)),), options={"o": datetime.date(2024, 1, 1)}))


def test_numpy_numbers_from_the_python_api_are_plain_enough():
    import numpy as np

    grid = load_grid({"parameters": {"zone.mttr": list(np.linspace(1.0, 2.0, 3))}})
    assert [v["zone.mttr"] for v in grid.values()] == [1.0, 1.5, 2.0]


def test_plain_checks_are_bounded_in_depth_and_size():
    from hadr_model.sweeps.plain import MAX_DEPTH, check_plain

    deep: list = []
    node = deep
    for _ in range(MAX_DEPTH + 5):
        node.append([])
        node = node[0]
    with pytest.raises(SpecError, match=f"nested at most {MAX_DEPTH} levels"):
        check_plain(deep, "options")
    recursive: list = []
    recursive.append(recursive)   # a recursive YAML alias, were the loader to allow one
    with pytest.raises(SpecError, match="nested at most"):
        check_plain(recursive, "options")
    shared = ["lol"] * 10
    for _ in range(8):
        shared = [shared] * 10    # 10^9 values once expanded, a few hundred objects here
    start = time.perf_counter()
    with pytest.raises(SpecError) as error:
        check_plain(shared, "parameters.x", max_nodes=100_000)
    assert time.perf_counter() - start < 1.0
    assert "at most 100000 values in all" in str(error.value) and error.value.field.startswith("parameters.x")
    # Every value counts, containers too: 1 + 9,090 lists + 90,900 strings is within the bound,
    # one more list of ten is not.
    check_plain([["lol"] * 10] * 9_090, "parameters.x", max_nodes=100_000)
    with pytest.raises(SpecError, match="at most 100000 values"):
        check_plain([["lol"] * 10] * 9_091, "parameters.x", max_nodes=100_000)


def test_planning_errors_name_the_grid_file(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("parameters:\n  roles.invokr.per_zone: [1]\n")
    with pytest.raises(SpecError) as error:
        plan_sweep(grid, function="availability")
    assert error.value.file == str(grid) and error.value.field == "parameters.roles.invokr.per_zone"
    grid.write_text("parameters:\n  zone.mttr: [4, -1]\n")
    with pytest.raises(SpecError) as error:
        plan_sweep(grid, function="availability")
    assert str(error.value).startswith(f"{grid}: parameters.zone.mttr: got -1;")
