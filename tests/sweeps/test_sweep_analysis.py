"""Sweep tables keep typed values: durations listed in a grid are hours in the table (issue 13
item 8), and the heatmap orders its axes by value, not as text."""

from __future__ import annotations

import pandas as pd

from hadr_model.sweeps import heatmap_table, load_sweep, run_sweep
from hadr_model.sweeps.analysis import axis_labels
from hadr_model.units import parse_duration

PROVISION = "recovery.region_loss.provision"


def seen(model, *, seed: int) -> dict[str, float]:
    """Test function: the provision time the model received, read back from the parsed spec."""
    return {"provision_h": float(model.recovery.region_loss["provision"].mean_h)}


def test_a_grid_of_durations_gives_a_numeric_column_in_hours(tmp_path):
    grid = {"parameters": {PROVISION: ["15m", "1h", "30m"], "zone.mttr": ["2h", 3]}}
    table = run_sweep(grid, function=seen, out=tmp_path / "s")
    assert pd.api.types.is_float_dtype(table[PROVISION]) and pd.api.types.is_float_dtype(table["zone.mttr"])
    assert table.sort_values(PROVISION)[PROVISION].unique().tolist() == [0.25, 0.5, 1.0]
    # The text as written sits beside it; a bare number there is hours.
    assert table[[PROVISION, f"{PROVISION}_text"]].drop_duplicates().values.tolist() == [
        [0.25, "15m"], [1.0, "1h"], [0.5, "30m"]]
    assert table["zone.mttr"].tolist()[:2] == [2.0, 3.0] and table["zone.mttr_text"].tolist()[:2] == ["2h", "3"]
    # The model got the same duration (the independent reading: the parsed spec's hours).
    assert (table["provision_h"] == table[PROVISION]).all()
    assert table["provision_h"].tolist() == [parse_duration(v) for v in table[f"{PROVISION}_text"]]
    # The table read back (parquet, and the journal of an interrupted sweep) keeps the types.
    again = load_sweep(tmp_path / "s")
    pd.testing.assert_frame_equal(again[table.columns.tolist()], table, check_like=False)
    (tmp_path / "s" / "results.parquet").unlink()
    pd.testing.assert_frame_equal(load_sweep(tmp_path / "s")[table.columns.tolist()], table)


def test_values_that_are_not_durations_stay_as_written():
    grid = {"parameters": {"recovery.strategy": ["pilot_light", "warm_standby"], "roles.invoker.needs": ["60%"]}}
    table = run_sweep(grid, function=seen)
    assert table["recovery.strategy"].tolist() == ["pilot_light", "warm_standby"]
    assert table["roles.invoker.needs"].tolist() == ["60%", "60%"]
    assert not any(column.endswith("_text") for column in table)


def test_the_heatmap_orders_a_duration_axis_by_hours(tmp_path):
    grid = {"parameters": {PROVISION: ["15m", "1h", "30m"], "zone.mttr": ["8h", "90m"]}}
    table = run_sweep(grid, function=seen)
    heat = heatmap_table(table, PROVISION, "zone.mttr", "provision_h")
    assert heat.columns.tolist() == [0.25, 0.5, 1.0] and heat.index.tolist() == [1.5, 8.0]
    assert heat.to_numpy().tolist() == [[0.25, 0.5, 1.0], [0.25, 0.5, 1.0]]
    assert axis_labels(table, PROVISION, heat.columns) == ["15m", "30m", "1h"]
    assert axis_labels(table, "zone.mttr", heat.index) == ["90m", "8h"]


def test_the_heatmap_orders_duration_texts_of_an_older_table_by_hours():
    # A table from before durations were stored in hours: text labels, ordered by their hours.
    older = pd.DataFrame({"p": ["1h", "15m", "30m", "1h"], "q": ["1d", "1d", "1d", "90m"],
                          "v": [3.0, 1.0, 2.0, 4.0], "status": ["ok"] * 4})
    heat = heatmap_table(older, "p", "q", "v")
    assert heat.columns.tolist() == ["15m", "30m", "1h"] and heat.index.tolist() == ["90m", "1d"]
    plain = pd.DataFrame({"p": ["b", "a"], "q": [1, 1], "v": [1.0, 2.0]})
    assert heatmap_table(plain, "p", "q", "v").columns.tolist() == ["a", "b"]
