"""Hostile budgets (issue 9, defects 6–8): Monte Carlo and DR sizes and time budgets.

Each case runs the CLI in a subprocess capped at 2 GiB of address space (about 1 GiB of it is
the imports) and a wall-clock limit: it is refused (exit 2, one message naming the option or
field, no traceback) within seconds, or answered correctly within the bounds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from ._bounded import run_bounded

GIB = 1024**3
SHIPPED = Path(__file__).resolve().parents[2] / "hadr_model" / "specs" / "functions_platform.yaml"


def _spec(tmp_path: Path, change, name: str = "spec.yaml") -> str:
    spec = yaml.safe_load(SHIPPED.read_text())
    change(spec)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec))
    return str(path)


def _blocks(tmp_path: Path, component: dict, name: str = "blocks.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"name": "slow", "blocks": {"k_of_n": {"k": 2, "of": [{"component": component}]}}}))
    return str(path)


def _timed(argv: list[str], seconds: float = 60.0):
    started = time.monotonic()
    done = run_bounded(argv, seconds=seconds, memory_bytes=2 * GIB)
    return done, time.monotonic() - started


# --- hadr dr --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-5", "99999999999", "1e12"])
def test_dr_disaster_counts_out_of_range_are_refused(value):
    done, elapsed = _timed(["dr", "--disasters", value])
    done.assert_refused("--disasters", value)
    assert elapsed < 20


def test_dr_advertised_maximum_is_refused_before_allocating():
    # 10 million disasters × 200 databases: 2e9 restore jobs, and 3.4 GiB of results.
    done, elapsed = _timed(["dr", "--disasters", "10000000"])
    done.assert_refused("--disasters", "10000000", "at most 5,000,000 disasters")
    assert elapsed < 20


def test_dr_memory_of_the_whole_command_is_refused_before_allocating(tmp_path):
    # One database: the restore jobs fit; 3 results + RTO samples of 6 million do not.
    spec = _spec(tmp_path, lambda s: s["data"]["db"]["databases"].update(count=1))
    done, elapsed = _timed(["dr", spec, "--disasters", "6000000"])
    done.assert_refused("--disasters", "6000000", "memory budget", "3 result(s)")
    assert elapsed < 20


def test_dr_database_count_is_bounded(tmp_path):
    spec = _spec(tmp_path, lambda s: s["data"]["db"]["databases"].update(count=10**9))
    done, elapsed = _timed(["dr", spec, "--disasters", "100"])
    done.assert_refused("data.db.databases.count", "1000000000", "at most 10,000")
    assert elapsed < 20


def test_dr_many_databases_within_the_bound_are_answered(tmp_path):
    spec = _spec(tmp_path, lambda s: s["data"]["db"]["databases"].update(count=10_000))
    done, _ = _timed(["dr", spec, "--disasters", "300", "--scenario", "region-loss", "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)["scenarios"]["region_loss"]["db"]
    assert summary["databases"] == 10_000
    # 10 000 databases of 200 MB through 4 slots sharing 400 MB/s: about 10 000 × 0.2 GB /
    # 0.4 GB/s plus the rebuilds — the last database is back after more than a day.
    assert summary["rto_last_database_mean_h"] > 24


def test_dr_snapshots_every_second_kept_for_years_are_refused(tmp_path):
    spec = _spec(tmp_path, lambda s: s["data"]["db"]["snapshots"].update(every="1s", keep="10y", takes="5y"))
    done, elapsed = _timed(["dr", spec, "--disasters", "100"])
    done.assert_refused("data.db.snapshots.keep", "snapshots retained at once")
    assert elapsed < 20


def test_dr_simpy_restores_lasting_centuries_end_within_seconds(tmp_path):
    def slow(spec):
        spec["data"]["db"]["restore"]["throughput"] = "1B/h"
        spec["data"]["db"]["databases"].update(count=20)
        del spec["data"]["db"]["databases"]["shared_throughput"]

    done, elapsed = _timed(["dr", _spec(tmp_path, slow), "--disasters", "200", "--engine", "simpy",
                            "--scenario", "region-loss", "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert elapsed < 30
    assert json.loads(done.stdout)["scenarios"]["region_loss"]["db"]["rto_mean_h"] > 1e9


# --- hadr simulate --------------------------------------------------------------------------

@pytest.mark.parametrize("argv, flag, value", [
    (["--runs", "0"], "--runs", "0"),
    (["--runs", "1e12"], "--runs", "1e12"),
    (["--runs", "99999999999"], "--runs", "99999999999"),
    (["--years", "1e12"], "--years", "1000000000000.0"),
    (["--years", "nan"], "--years", "nan"),
    (["--max-seconds", "0"], "--max-seconds", "0"),
    (["--max-seconds", "inf"], "--max-seconds", "inf"),
    (["--workers", "65"], "--workers", "65"),
])
def test_simulate_options_out_of_range_are_refused(argv, flag, value):
    done, elapsed = _timed(["simulate", *argv])
    done.assert_refused(flag, value)
    assert elapsed < 20


def test_simulate_heavy_tailed_repairs_are_answered(tmp_path):
    # lognormal s = 12 (variance e^144 means squared) once asked numpy for ~1e31 phases per copy.
    spec = _blocks(tmp_path, {"name": "db", "count": 3, "mttf": "100h",
                              "repair": {"dist": "lognorm", "s": 12, "mean": "1h"}})
    done, _ = _timed(["simulate", spec, "--runs", "200", "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["runs"] == 200 and 0.0 < result["availability"] <= 1.0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_simulate_time_budget_holds_with_a_slow_law(tmp_path, workers):
    """kstwo draws cost ~13 µs each: one old batch (27 000 runs) took ~10 s; blocks take ~0.5 s."""
    spec = _blocks(tmp_path, {"name": "db", "count": 3, "mttf": "1000h",
                              "repair": {"dist": "kstwo", "n": 2, "mean": "10h"}})
    done, elapsed = _timed(["simulate", spec, "--runs", "10000000", "--max-seconds", "2", "--workers", workers,
                            "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["stopped_by"] == "max_seconds"
    assert result["seconds"] < 2.5 and elapsed < 8, (result["seconds"], elapsed)
    assert result["runs"] == result["blocks"] * result["block_runs"] > 0


def test_simulate_budget_shorter_than_one_block_of_a_very_slow_law_is_refused(tmp_path):
    # gausshyper samples by numerical inversion (~1 ms a draw): the first block alone takes a minute.
    spec = _blocks(tmp_path, {"name": "db", "count": 3, "mttf": "1000h",
                              "repair": {"dist": "gausshyper", "a": 2, "b": 2, "c": 2, "z": 2, "mean": "10h"}})
    done, elapsed = _timed(["simulate", spec, "--runs", "1000", "--max-seconds", "2"])
    done.assert_refused("--max-seconds", "2", "one block of")
    assert elapsed < 10
