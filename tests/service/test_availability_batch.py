"""Many models at once: ``availability_batch`` (and ``exact_batch`` under it) give, model by
model, what ``availability(model, detail=False)`` gives — the one-model path is the reference."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.engines.exact import batch_signature, exact_availability, exact_batch
from hadr_model.errors import SpecError
from hadr_model.service import availability_batch
from hadr_model.sweeps import run_sweep
from hadr_model.topology.paths import with_values
from hadr_model.topology.spec import default_spec_path, parse_spec, read_yaml

DATA = Path(__file__).resolve().parents[2] / "data"
REGION_SPECS = [default_spec_path(), DATA / "two_regions.yaml", DATA / "web_service.yaml", DATA / "dr_example.yaml"]


def _variants(path: Path, count: int = 6, seed: int = 0) -> list:
    """Models of one structure with random figures: zone, region and role repair and failure times."""
    raw = read_yaml(path.read_text())
    rng = np.random.default_rng(seed)
    first_role = next(iter(raw["roles"]))
    models = []
    for _ in range(count):
        values = {"region.mttf": f"{rng.uniform(1, 20):.6f}y", "region.mttr": f"{rng.uniform(2, 48):.6f}h",
                  f"roles.{first_role}.mttr": f"{rng.uniform(0.1, 8):.6f}h"}
        if "mttr" in raw["zone"]:
            values["zone.mttr"] = f"{rng.uniform(0.5, 24):.6f}h"
        models.append(parse_spec(with_values(raw, values)))
    return models


def _same(batch: hm.AvailabilityResult, single: hm.AvailabilityResult) -> None:
    assert batch.failover_model == single.failover_model
    assert batch.notes == single.notes
    for key, value in single.system.as_dict().items():
        got = batch.system.as_dict()[key]
        if value is None or got is None:
            assert got == value, key
        else:
            assert math.isclose(got, value, rel_tol=1e-13, abs_tol=0.0), (key, got, value)


@pytest.mark.parametrize("path", REGION_SPECS, ids=lambda p: p.stem)
@pytest.mark.parametrize("failover", ["instantaneous", "dr-workflow"])
def test_batch_equals_one_model_at_a_time(path, failover):
    models = _variants(path)
    assert len({batch_signature(m) for m in models}) == 1     # one structure: one vectorised pass
    results = availability_batch(models, failover=failover, n_disasters=2000)
    for model, result in zip(models, results):
        _same(result, hm.availability(model, failover=failover, n_disasters=2000, detail=False))


def test_a_batch_of_one_is_the_engine_itself():
    """``exact_availability`` is ``exact_batch`` of one model: the same digits, not just close."""
    model = hm.load_spec()
    (batch,) = exact_batch([model])
    assert batch.system == exact_availability(model, detail=False).system


def test_mixed_structures_and_forms_keep_their_order():
    raw = read_yaml(default_spec_path().read_text())
    more_invokers = parse_spec(with_values(raw, {"roles.invoker.per_zone": 12}))
    blocks = hm.load_spec(DATA / "bridge.yaml")
    crews = hm.load_spec(DATA / "oncall_crews.yaml")
    models = [*_variants(default_spec_path(), 2), more_invokers, blocks, crews,
              *_variants(DATA / "two_regions.yaml", 2)]
    assert batch_signature(blocks) is None and batch_signature(crews) is None
    results = availability_batch(models, n_disasters=2000)
    assert [r.name for r in results] == [m.name for m in models]
    for model, result in zip(models, results):
        _same(result, hm.availability(model, n_disasters=2000, detail=False))


def test_exact_batch_refuses_models_of_another_structure():
    raw = read_yaml(default_spec_path().read_text())
    other = parse_spec(with_values(raw, {"roles.invoker.per_zone": 12}))
    with pytest.raises(SpecError) as error:
        exact_batch([hm.load_spec(), other])
    assert error.value.field == "topologies[1]"
    assert "structure of the first" in error.value.expected


def test_exact_batch_needs_a_figure_for_every_model_or_none():
    models = _variants(default_spec_path(), 2)
    with pytest.raises(SpecError) as error:
        exact_batch(models, region_loss_outage_h=[{"us-south": 1.0}, {}])
    assert error.value.field == "region_loss_outage_h"


def test_sweep_batches_points_and_isolates_a_bad_one():
    """A chunk goes through the batch form (two structures in it: two instance counts); a
    combination the spec refuses fails alone, and every other point equals ``hm.availability``
    on its own spec."""
    grid = {"parameters": {"roles.invoker.per_zone": [8, 10], "roles.invoker.needs": [2, 25],
                           "zone.mttr": ["2h", "5h", "9h"]},
            "options": {"n_disasters": 2000}}
    table = run_sweep(grid, function="availability", workers=1)
    assert len(table) == 12
    rows = table.to_dict("records")
    bad = [r for r in rows if r["roles.invoker.per_zone"] * 3 < r["roles.invoker.needs"]]
    assert len(bad) == 3 and all(r["status"] == "error" and "needs" in r["error"] for r in bad)
    raw = read_yaml(default_spec_path().read_text())
    good = [r for r in rows if r not in bad]
    assert len(good) == 9 and all(r["status"] == "ok" for r in good)
    for row in good:
        values = {name: row[name] for name in ("roles.invoker.per_zone", "roles.invoker.needs")}
        spec = parse_spec(with_values(raw, {**values, "zone.mttr": row["zone.mttr_text"]}))
        single = hm.availability(spec, n_disasters=2000, detail=False).system
        assert math.isclose(row["availability"], single.availability, rel_tol=1e-13)
        assert math.isclose(row["failure_frequency_per_year"], single.failure_frequency_per_year, rel_tol=1e-13)


def test_regions_without_a_failover_cost_are_grouped_apart():
    """A region with a fixed availability has no DR failover cost (instantaneous for it): such a
    model and one where the region has a repair law share a structure, not one batch."""
    raw = read_yaml((DATA / "web_service.yaml").read_text())
    fixed = with_values(raw, {"regions.east.region": {"availability": 0.9999}})
    models = [parse_spec(fixed), parse_spec(raw), parse_spec(fixed)]
    assert batch_signature(models[0]) == batch_signature(models[1])
    for model, result in zip(models, availability_batch(models, n_disasters=2000)):
        _same(result, hm.availability(model, n_disasters=2000, detail=False))


def test_exact_batch_wants_one_mapping_per_model():
    models = _variants(default_spec_path(), 3)
    with pytest.raises(SpecError) as error:
        exact_batch(models, region_loss_outage_h=[{}, {}])
    assert error.value.field == "region_loss_outage_h" and "one mapping per model (3)" in error.value.expected


def test_a_batch_larger_than_the_memory_budget_is_cut(monkeypatch):
    """Models × cells over MAX_BATCH_CELLS are evaluated in parts: the same figures."""
    import hadr_model.engines.exact as exact

    models = _variants(default_spec_path(), 5)
    whole = exact_batch(models)
    monkeypatch.setattr(exact, "MAX_BATCH_CELLS", 1)     # one model per part
    parts = exact_batch(models)
    assert [r.system for r in parts] == [r.system for r in whole]
