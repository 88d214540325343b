"""Monte Carlo without pandas, scipy or tqdm where no table is asked for: same rows, same bits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hadr_model as hm
from hadr_model.engines import montecarlo
from hadr_model.engines._student import TABLE_DOF
from hadr_model.engines.montecarlo import simulate

SERIES = {"name": "three in series", "blocks": {"series": [
    {"component": {"name": "a", "mttf": "1000h", "mttr": "10h"}},
    {"component": {"name": "b", "mttf": "2000h", "mttr": "5h"}},
    {"component": {"name": "c", "mttf": "500h", "mttr": "2h"}}]}}


def _pandas_order(values: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({"v": values, "i": np.arange(len(values))})
    return frame.sort_values("v", ascending=False, ignore_index=True)["i"].to_numpy()


@pytest.mark.parametrize("size", [0, 1, 2, 5, 16, 17, 40, 200, 5000])
def test_descending_is_the_permutation_pandas_applies_ties_included(size):
    rng = np.random.default_rng(size)
    # Few distinct values: many ties, where an unstable sort could reorder rows.
    values = rng.integers(0, 4, size).astype(float) * 0.5
    assert np.array_equal(montecarlo._descending(values), _pandas_order(values))
    distinct = rng.standard_normal(size)
    assert np.array_equal(montecarlo._descending(distinct), _pandas_order(distinct))


def _pandas_attribution(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The table as it was built before the columns were: filtered and sorted by pandas."""
    frame = pd.DataFrame({k: list(v) if v.dtype == object else v for k, v in columns.items()})
    frame = frame[frame["downtime_min_per_year"] > 0]
    return frame.sort_values("downtime_min_per_year", ascending=False, ignore_index=True)


def test_attribution_table_is_the_pandas_filtered_and_sorted_table(monkeypatch):
    unsorted = {}
    real = montecarlo._attribution_columns

    def spy(plan, totals):
        # The unsorted columns, rebuilt with every row kept (the same figures).
        homes = len(plan.tenants)
        charged = totals.charged / homes
        run_years = totals.runs * totals.years
        total = charged.sum()
        unsorted.update({
            "element": np.array([e.name for e in plan.elements] + [montecarlo._DOWN_AT_START], dtype=object),
            "kind": np.array([e.kind for e in plan.elements] + ["-"], dtype=object),
            "count": np.array([e.count for e in plan.elements] + [0], dtype=np.int64),
            "outages_started_per_year": totals.started / homes / run_years,
            "downtime_min_per_year": charged * 60.0 / run_years,
            "share": charged / total if total > 0 else np.zeros(len(charged)),
        })
        return real(plan, totals)

    monkeypatch.setattr(montecarlo, "_attribution_columns", spy)
    result = simulate(hm.load_spec(), years=1, runs=200, seed=3)
    expected = _pandas_attribution(unsorted)
    assert result.attribution.equals(expected)
    assert list(result.attribution.dtypes) == list(expected.dtypes)
    assert result.attribution_records() == expected.to_dict(orient="records")
    for top in (0, 1, 3, 100):
        assert result.attribution_records(top) == expected.head(top).to_dict(orient="records")


def test_records_are_python_scalars_and_tables_are_built_once():
    result = simulate(hm.load_spec(SERIES), years=2, runs=300, seed=5, control_variate=False)
    records = result.attribution_records()
    assert [r["element"] for r in records][:3] == list(result.attribution["element"][:3])
    for record in records:
        assert type(record["count"]) is int and type(record["share"]) is float and type(record["element"]) is str
    assert result.per_run is result.per_run and result.attribution is result.attribution
    assert len(result.runs_frame()) == 300
    assert result.runs_frame()["downtime_h"].mean() / (2 * 8760) == pytest.approx(result.unavailability, rel=1e-12)
    # as_dict leaves the tables and arrays out
    assert not {"runs_columns", "attribution_columns", "durations_h", "per_run"} & set(result.as_dict())


# What a block spec's `hadr simulate` never needs: tables, distributions, the progress bar, the DR
# workflows (SimPy), installed-package metadata, numpy's masked arrays and polynomials, the exact
# engine, the mission and verdict machinery, and the other subcommands' modules.
UNNEEDED = ("pandas", "scipy", "tqdm", "simpy", "importlib.metadata", "importlib.resources", "numpy.ma",
            "numpy.polynomial", "hadr_model.dr", "hadr_model.engines.exact", "hadr_model.engines.mission",
            "hadr_model.service.mission", "hadr_model.service.verdict", "hadr_model.cli.availability",
            "hadr_model.cli.report", "hadr_model.cli.sweep", "hadr_model.cli.show", "hadr_model.service.whatif")


def test_a_small_block_model_simulates_without_pandas_scipy_or_tqdm(tmp_path):
    spec = tmp_path / "series.json"
    spec.write_text(json.dumps(SERIES))
    code = (
        "import sys, json\n"
        "from hadr_model.cli import main\n"
        f"main(['simulate', {str(spec)!r}, '--plain', '--precision', '0.02', '--runs', '100000',"
        " '--years', '11.4', '--json'])\n"
        f"print(json.dumps(sorted(m for m in {UNNEEDED!r} if m in sys.modules)), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert json.loads(run.stderr.strip().splitlines()[-1]) == []
    payload = json.loads(run.stdout)
    assert payload["stopped_by"] == "precision" and payload["runs"] < TABLE_DOF
    assert [row["element"] for row in payload["attribution"]][:3] == ["a", "c", "b"]


@settings(max_examples=300, deadline=None)
@given(values=hnp.arrays(np.float64, st.integers(1, 300),
                         elements=st.one_of(st.floats(0.0, 1e12), st.just(np.inf), st.sampled_from([0.0, 1.0, 2.5]))),
       q=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=4))
def test_order_percentiles_are_numpy_percentile_bit_for_bit(values, q):
    # Ties, zeros and never-repaired (infinite) outages included; the stored array is untouched.
    kept = values.copy()
    with np.errstate(invalid="ignore"):
        ours = montecarlo.order_percentiles(values, q)
        theirs = np.percentile(values, q)
    assert np.array_equal(ours, theirs, equal_nan=True)
    assert np.array_equal(values, kept)
