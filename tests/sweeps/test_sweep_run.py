"""Running sweeps: determinism across workers, failures, timeouts, resume and the store's refusals."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hadr_model.sweeps import SweepError, load_sweep, run_sweep
from hadr_model.sweeps import notebook as notebook_mode
from hadr_model.sweeps.points import make_points
from hadr_model.sweeps.store import JOURNAL

GRID = {"parameters": {"x": [0, 1, 2, 3, 4, 5, 6, 7]}, "options": {"delay": 0.0}}


def checked(model, *, seed: int, x: int = 0, delay: float = 0.0) -> dict[str, float]:
    """A test function: fails at x == 3, sleeps ``delay`` seconds, draws from the point's seed."""
    if x == 3:
        raise ValueError("x must not be 3")
    time.sleep(delay)
    return {"y": 2.0 * x, "u": float(np.random.default_rng(seed).random())}


def _stable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["seconds"])


def test_same_seed_same_table_for_one_and_two_workers(tmp_path):
    one = run_sweep(GRID, function=checked, out=tmp_path / "one", seed=7)
    two = run_sweep(GRID, function=checked, out=tmp_path / "two", seed=7, workers=2)
    pd.testing.assert_frame_equal(_stable(one), _stable(two))
    other = run_sweep(GRID, function=checked, seed=8)
    assert not np.allclose(one["u"].dropna(), other["u"].dropna())


def test_a_raising_point_is_recorded_and_the_others_go_on(tmp_path):
    table = run_sweep(GRID, function=checked, out=tmp_path / "s", workers=2)
    failed = table[table["status"] != "ok"]
    assert failed["x"].tolist() == [3]
    assert failed["error"].iloc[0] == "ValueError: x must not be 3"
    assert (table["status"] == "ok").sum() == 7
    assert table.attrs["summary"]["failed"] == 1


def test_a_point_past_its_timeout_is_stopped(tmp_path):
    grid = {"parameters": {"delay": [0.0, 5.0]}}
    start = time.perf_counter()
    table = run_sweep(grid, function=checked, timeout=0.5)
    assert time.perf_counter() - start < 4.0
    assert table["status"].tolist() == ["ok", "timeout"]


def test_spec_parameters_reach_the_model_and_combinations_may_fail():
    grid = {"parameters": {"roles.invoker.needs": [20, 25], "roles.invoker.per_zone": [8, 10]}}
    table = run_sweep(grid, function="availability")
    bad = table[table["status"] == "error"]
    assert bad[["roles.invoker.needs", "roles.invoker.per_zone"]].values.tolist() == [[25, 8]]
    assert "roles.invoker.needs" in bad["error"].iloc[0]
    ok = table[table["status"] == "ok"]
    assert ok["availability"].between(0.99, 1.0).all()


def test_resume_runs_only_what_is_missing(tmp_path):
    out = tmp_path / "s"
    full = run_sweep(GRID, function=checked, out=out, csv=True)
    journal = (out / JOURNAL).read_bytes().splitlines(keepends=True)
    # Keep three whole lines and half of the fourth, as a kill mid-write would.
    (out / JOURNAL).write_bytes(b"".join(journal[:3]) + journal[3][:20])
    (out / "results.parquet").unlink()
    resumed = run_sweep(GRID, function=checked, out=out, resume=True)
    assert resumed.attrs["summary"]["ran"] == 5
    pd.testing.assert_frame_equal(_stable(full), _stable(resumed))
    lines = [json.loads(line) for line in (out / JOURNAL).read_text().splitlines()]
    assert sorted(r["index"] for r in lines) == list(range(8))
    pd.testing.assert_frame_equal(_stable(load_sweep(out)), _stable(full))
    assert (out / "results.csv").exists()


def test_an_existing_sweep_is_never_overwritten(tmp_path):
    out = tmp_path / "s"
    run_sweep(GRID, function=checked, out=out)
    with pytest.raises(SweepError, match="--resume"):
        run_sweep(GRID, function=checked, out=out)
    with pytest.raises(SweepError, match="another sweep"):
        run_sweep(GRID, function=checked, out=out, resume=True, seed=1)


@pytest.mark.parametrize("damage", ["journal", "manifest", "table", "foreign"])
def test_corrupt_or_foreign_files_are_reported(tmp_path, damage):
    out = tmp_path / "s"
    run_sweep(GRID, function=checked, out=out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    if damage == "journal":
        lines = (out / JOURNAL).read_bytes().splitlines(keepends=True)
        (out / JOURNAL).write_bytes(lines[0] + b"{not json\n" + b"".join(lines[1:]))
    elif damage == "manifest":
        (out / "manifest.json").write_text("[1, 2]")
    elif damage == "table":
        (out / "results.parquet").write_bytes(b"PAR1 garbage")
    else:
        (out / "manifest.json").unlink()
    damaged = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(SweepError, match=r"corrupt|not a hadr_model|foreign"):
        run_sweep(GRID, function=checked, out=out, resume=True)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == damaged != before


def test_a_journal_line_of_another_sweep_is_refused(tmp_path):
    out = tmp_path / "s"
    run_sweep(GRID, function=checked, out=out)
    with open(out / JOURNAL, "a") as handle:
        handle.write(json.dumps({"index": 99, "point_id": "0123456789abcdef"}) + "\n")
    with pytest.raises(SweepError, match="not in this sweep"):
        run_sweep(GRID, function=checked, out=out, resume=True)


def _fake_task(tmp_path):
    return notebook_mode.NotebookTask(notebook="nb.ipynb", points_dir=str(tmp_path),
                                      parameters=("overrides", "results_path", "seed"))


def test_notebook_failures_are_classified_and_only_dead_kernels_retried(tmp_path, monkeypatch):
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    point = make_points([{"zone.mttr": 4.0}])[0]
    calls = []

    def failing(error):
        def execute(task, point, output, results):
            calls.append(1)
            raise error
        return execute

    cases = [(PapermillExecutionError(2, 3, "x", "ValueError", "bad", []), "error", "ValueError: bad", 1),
             (CellTimeoutError("Cell execution timed out"), "timeout", "CellTimeoutError", 1),
             (DeadKernelError("Kernel died"), "error", "DeadKernelError", 3)]
    for error, status, text, attempts in cases:
        calls.clear()
        monkeypatch.setattr(notebook_mode, "_execute", failing(error))
        row = notebook_mode.run_notebook_point(_fake_task(tmp_path), point)
        assert (row["status"], row["attempts"], len(calls)) == (status, attempts, attempts)
        assert text in row["error"]


def test_notebook_parameters_split_spec_paths_from_notebook_parameters(tmp_path):
    task = notebook_mode.NotebookTask(notebook="nb.ipynb", points_dir=str(tmp_path),
                                      parameters=("function", "overrides", "results_path", "seed"),
                                      options={"function": "dr"}, fixed_overrides={"region.mttr": 2.0})
    point = make_points([{"zone.mttr": 4.0, "function": "tradeoff"}], seed=3)[0]
    params = task.papermill_parameters(point, tmp_path / "r.json")
    assert params == {"function": "tradeoff", "overrides": {"region.mttr": 2.0, "zone.mttr": 4.0},
                      "seed": point.seed, "results_path": str(tmp_path / "r.json")}


@pytest.mark.parametrize(("name", "target"), [
    ("availability_grid", {"function": "availability"}), ("dr_grid", {"function": "dr"}),
    ("tradeoff_lhs", {"function": "tradeoff"}), ("notebook_grid", {"notebook": "notebooks/sweep_point.ipynb"})])
def test_example_grids_are_valid(name, target):
    from hadr_model.sweeps import plan_sweep

    root = Path(__file__).resolve().parents[2]
    target = {k: (root / v if k == "notebook" else v) for k, v in target.items()}
    assert plan_sweep(root / "data" / "grids" / f"{name}.yaml", **target).points


BLOCK_SPEC = """\
name: web-tier
blocks:
  series:
    - component: {name: lb, mttf: 2000h, mttr: 2h}
    - parallel:
        - component: {name: web, mttf: 500h, mttr: 4h, count: 2}
"""


def test_simulate_equals_the_monte_carlo_engine_for_the_same_point_and_seed(tmp_path):
    from hadr_model.engines.montecarlo import simulate as monte_carlo
    from hadr_model.sweeps.functions import flat_results
    from hadr_model.topology.paths import with_values
    from hadr_model.topology.spec import parse_spec, read_yaml

    spec = tmp_path / "web.yaml"
    spec.write_text(BLOCK_SPEC)
    name = "blocks.series[0].component.mttr"
    grid = {"spec": str(spec), "parameters": {name: [1.0, 3.0]}, "options": {"years": 2.0, "runs": 50}}
    table = run_sweep(grid, function="simulate", seed=4)
    assert table["status"].tolist() == ["ok", "ok"]
    base = read_yaml(BLOCK_SPEC, str(spec))
    for row in table.to_dict("records"):
        model = parse_spec(with_values(base, {name: row[name]}))
        expected = flat_results(monte_carlo(model, years=2.0, runs=50, seed=int(row["seed"])).as_dict())
        compared = {key: value for key, value in expected.items()
                    if key not in ("seconds", "seed", "name", "form") and isinstance(value, (int, float))}
        assert {"availability", "downtime_min_per_year_mean", "outages_per_year_mean"} <= set(compared)
        for key, value in compared.items():
            assert row[key] == value or (np.isnan(row[key]) and np.isnan(value)), key
    # Different points (and seeds) give different numbers: the comparison above is not vacuous.
    assert table["availability"].iloc[0] != table["availability"].iloc[1]


def non_finite(model, *, seed: int, x: int = 0) -> dict[str, float]:
    """A test function whose results hold NaN and ±inf (e.g. a mean outage with no outage)."""
    return {"y": float(x), "nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"),
            "np_nan": np.float64("nan")}


def _strict(text: str):
    def refuse(constant: str):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


def test_the_journal_is_strict_json_and_keeps_nan_and_inf(tmp_path):
    grid = {"parameters": {"x": [1, 2]}}
    out = tmp_path / "s"
    table = run_sweep(grid, function=non_finite, out=out)
    lines = (out / JOURNAL).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    records = [_strict(line) for line in lines]    # no NaN / Infinity literals anywhere
    assert records[0]["results"]["inf"] == {"__float__": "inf"}
    assert records[0]["results"]["nan"] == {"__float__": "nan"}
    # Read back from the journal alone (as after a kill, before results.parquet exists).
    (out / "results.parquet").unlink()
    again = load_sweep(out)
    for frame in (table, again):
        assert frame["y"].tolist() == [1.0, 2.0]
        assert frame["nan"].isna().all() and frame["np_nan"].isna().all()
        assert frame["inf"].tolist() == [np.inf, np.inf] and frame["ninf"].tolist() == [-np.inf, -np.inf]
    resumed = run_sweep(grid, function=non_finite, out=out, resume=True)
    assert resumed.attrs["summary"]["resumed"] == 2
    pd.testing.assert_frame_equal(_stable(resumed), _stable(table))


def test_an_out_that_is_a_file_is_a_sweep_error_and_is_kept(tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    for out in (target, target / "below"):
        with pytest.raises(SweepError, match="not a directory"):
            run_sweep({"parameters": {"x": [1]}}, function=checked, out=out)
    assert target.read_text() == "keep me"


def test_mixed_value_kinds_become_text_in_the_table(tmp_path):
    grid = {"parameters": {"roles.invoker.needs": [20, "60%"]}}
    table = run_sweep(grid, function="availability", out=tmp_path / "s")
    assert table["roles.invoker.needs"].tolist() == ["20", "60%"]
    assert load_sweep(tmp_path / "s")["roles.invoker.needs"].tolist() == ["20", "60%"]


def test_an_availability_point_equals_hadr_availability_on_its_spec(tmp_path):
    # One question through two entry points: the sweep's exact point and the facade (seed 0,
    # the CLI's default), DR-workflow failover included; the point seeds do not enter.
    import hadr_model as hm
    from hadr_model.topology.paths import with_values
    from hadr_model.topology.spec import read_yaml

    grid = {"parameters": {"zone.mttr": ["4h", "30m"], "region.mttf": ["3y"]}}
    table = run_sweep(grid, function="availability", out=tmp_path / "s", seed=11)
    raw = read_yaml(hm.default_spec_path().read_text(encoding="utf-8"))
    for _, row in table.iterrows():
        values = {"zone.mttr": row["zone.mttr_text"], "region.mttf": row["region.mttf_text"]}
        expected = hm.availability(hm.load_spec(with_values(raw, values)), seed=0).system
        assert row["availability"] == expected.availability
        assert row["failover_model"] == "dr-workflow"
    assert sorted(table["zone.mttr"]) == [0.5, 4.0]


def test_an_interrupted_inline_sweep_keeps_every_finished_point(tmp_path):
    """In this process a function without a batch form runs one point per chunk: a Ctrl-C after
    29 points keeps all 29, and --resume runs only the rest."""
    calls: list[int] = []

    def slow(model, *, seed=0):
        calls.append(seed)
        if len(calls) == 30 and stop:
            raise KeyboardInterrupt
        return {"x": 1.0}

    stop = True
    grid = {"parameters": {"zone.mttr": [f"{1 + i * 0.01:.2f}h" for i in range(160)]}}
    with pytest.raises(KeyboardInterrupt):
        run_sweep(grid, function=slow, workers=1, out=tmp_path / "s")
    calls.clear()
    stop = False
    table = run_sweep(grid, function=slow, workers=1, out=tmp_path / "s", resume=True)
    assert len(calls) == 160 - 29 and table.attrs["summary"]["resumed"] == 29
