"""Monte Carlo at scale (issue 12, item 5): bounded memory, histogram percentiles, Dask clusters.

* the log-binned histogram's percentiles are within the stated bound of ``numpy.percentile``;
* past the cap of values kept, every figure but the percentiles is unchanged and the
  percentiles stay within the bound; the memory kept does not grow with the runs;
* one process, two processes and a real local Dask cluster (a scheduler and two worker
  processes) give byte-identical figures for the same seed.
"""

from __future__ import annotations

import math
import socket
import time
import tracemalloc

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.engines import montecarlo
from hadr_model.engines.montecarlo import MAX_RUNS, QUANTILE_RELATIVE_ERROR, simulate

distributed = pytest.importorskip("distributed")

SMALL_REGIONS = {
    "name": "small",
    "zone": {"mttf": "500h", "mttr": "10h"},
    "region": {"mttf": "3000h", "mttr": "20h"},
    "global": {"dns": {"mttf": "20000h", "mttr": "2h"}},
    "regions": {"east": {"zones": 3, "fails_over_to": "west"}, "west": {"zones": 3, "fails_over_to": "east"}},
    "roles": {
        "app": {"per_zone": 2, "needs": "quorum", "mttf": "200h", "mttr": "5h", "depends_on": ["dns"]},
        "db": {"per_zone": 1, "needs": 2, "mttf": "300h", "mttr": "4h", "beta": 0.1},
    },
}
ABSOLUTE = 2.0 ** -40       # values below it share the zero bin
PERCENTILE_FIGURES = ("downtime_min_per_year_p50", "downtime_min_per_year_p90", "downtime_min_per_year_p99",
                      "outage_duration_h_p50", "outage_duration_h_p90", "outage_duration_h_p99")


def _one_component(mttf: str = "100h", mttr: str = "5h"):
    return hm.load_spec({"name": "one", "blocks": {"series": [{"component": {"name": "a", "mttf": mttf,
                                                                           "mttr": mttr}}]}})


def _machine_free(result) -> dict:
    figures = result.as_dict()
    for key in ("seconds", "batches"):     # timing, and batch sizes chosen from it
        figures.pop(key)
    return figures


def _within_bound(approx: float, exact: float) -> bool:
    # 1e-12 of slack for the rounding of the interpolation itself
    return abs(approx - exact) <= QUANTILE_RELATIVE_ERROR * abs(exact) * (1 + 1e-12) + ABSOLUTE


# --- the histogram ---------------------------------------------------------------------------

QUANTILES = [0.0, 0.1, 1.0, 12.5, 50.0, 90.0, 99.0, 99.9, 100.0]


def _awkward_sample(rng: np.random.Generator, n: int) -> np.ndarray:
    """Zeros, values spread over 20 decades, ties and a few values below the zero bin."""
    return np.concatenate([np.zeros(n // 10), rng.lognormal(0.0, 6.0, n), rng.exponential(3.0, n),
                           np.full(n // 20, 7.25), rng.uniform(0, 1e-13, 50)])


def test_histogram_percentiles_are_within_the_stated_bound_of_numpy():
    rng = np.random.default_rng(1)
    worst = 0.0
    for n in (1, 2, 3, 17, 1000, 200_000):
        values = _awkward_sample(rng, n)
        histogram = montecarlo._LogHistogram()
        histogram.add(values)
        approx = histogram.percentiles(QUANTILES)
        exact = np.percentile(values, QUANTILES)
        for q, a, e in zip(QUANTILES, approx, exact):
            assert _within_bound(a, e), (n, q, a, e)
            if e > 1e-6:
                worst = max(worst, abs(a - e) / e)
    # The bound is tight: the histogram is not secretly exact, nor far inside its bound.
    assert QUANTILE_RELATIVE_ERROR / 4 < worst <= QUANTILE_RELATIVE_ERROR


def test_histogram_handles_negative_values_and_one_value():
    values = np.array([-5.0, -1e-3, 0.0, 2.0, 3e9])
    histogram = montecarlo._LogHistogram()
    histogram.add(values)
    for a, e in zip(histogram.percentiles(QUANTILES), np.percentile(values, QUANTILES)):
        assert _within_bound(a, e), (a, e)
    single = montecarlo._LogHistogram()
    single.add(np.array([42.0]))
    assert all(_within_bound(v, 42.0) for v in single.percentiles(QUANTILES))
    assert all(math.isnan(v) for v in montecarlo._LogHistogram().percentiles([50.0]))


def test_histogram_does_not_depend_on_how_the_values_are_split():
    values = _awkward_sample(np.random.default_rng(2), 10_000)
    whole, parts = montecarlo._LogHistogram(), montecarlo._LogHistogram()
    whole.add(values)
    for chunk in np.array_split(values[::-1], 37):
        parts.add(chunk)
    assert np.array_equal(whole.counts, parts.counts)
    assert whole.counts.sum() == values.size


def test_values_keep_the_first_cap_exactly_and_count_every_value():
    kept = montecarlo._Values(cap=25)
    blocks = [np.arange(10.0), np.arange(10.0, 30.0), np.arange(30.0, 40.0)]
    for block in blocks:
        kept.add(block)
    assert np.array_equal(kept.values(), np.arange(25.0))
    assert kept.count == 40 and not kept.exact
    assert kept.histogram.counts.sum() == 40
    every = np.concatenate(blocks)
    assert all(_within_bound(a, e) for a, e in zip(kept.percentiles(), np.percentile(every, [50, 90, 99])))
    below = montecarlo._Values(cap=40)
    for block in blocks:
        below.add(block)
    assert below.exact and below.percentiles() == [float(v) for v in np.percentile(every, [50, 90, 99])]


def test_moments_merged_by_chunk_equal_the_two_pass_figures():
    rng = np.random.default_rng(3)
    y = rng.lognormal(-8.0, 1.0, 5000)
    c = 0.7 * y + rng.normal(0.0, 1e-5, 5000)
    moments = montecarlo._Moments(2)
    for part in np.array_split(np.arange(5000), [1, 2, 500, 2999, 3000]):
        moments.add([y[part], c[part]])
    assert moments.n == 5000
    assert moments.mean == pytest.approx([y.mean(), c.mean()], rel=1e-14)
    cov = np.cov(np.stack([y, c]), ddof=1) * 4999
    np.testing.assert_allclose(moments.cross, cov, rtol=1e-12)
    assert moments.interval(0)[0] == moments.mean[0]
    assert moments.interval(0)[1] == pytest.approx(1.96 * y.std(ddof=1) / math.sqrt(5000), rel=1e-3)


def test_reading_the_figures_midway_changes_no_bit(monkeypatch):
    """The precision rule reads the interval at checkpoints: the result must not depend on it."""
    monkeypatch.setattr(montecarlo, "_FOLD_VALUES", 300)      # checkpoints fall inside chunks
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 70)
    model = hm.load_spec(SMALL_REGIONS)
    plain = simulate(model, years=1, runs=2100, seed=12)
    checked = simulate(model, years=1, runs=2100, seed=12, precision=1e-6)    # checks, never stops
    assert checked.stopped_by == "runs" and checked.runs == plain.runs
    figures = _machine_free(checked)
    # What the precision rule adds: its target, that it was not reached, and the note saying so.
    assert figures.pop("precision_target") == 1e-6 and figures.pop("precision_reached") is False
    notes = figures.pop("notes")
    assert len(notes) == 1 and notes[0].startswith("precision target 0.0001 % not reached")
    added = ("stopped_by", "precision_target", "precision_reached", "notes")
    figures.pop("stopped_by")
    assert figures == {k: v for k, v in _machine_free(plain).items() if k not in added}
    assert _machine_free(plain)["notes"] == []


# --- the engine past its cap -----------------------------------------------------------------

def test_past_the_cap_only_the_percentiles_change_and_within_the_bound(monkeypatch):
    model = hm.load_spec(SMALL_REGIONS)
    exact = simulate(model, years=1, runs=1500, seed=4, objective=0.9995)
    monkeypatch.setattr(montecarlo, "KEPT_VALUES", 400)     # 200 runs of 2 home regions
    capped = simulate(model, years=1, runs=1500, seed=4, objective=0.9995)
    for key in PERCENTILE_FIGURES:
        a, e = getattr(capped, key), getattr(exact, key)
        assert _within_bound(a, e), (key, a, e)
    # Everything else is a running sum over all the runs: the same bits.
    same = {k: v for k, v in _machine_free(exact).items() if k not in (*PERCENTILE_FIGURES, "notes")}
    assert {k: v for k, v in _machine_free(capped).items() if k in same} == same
    assert capped.attribution.equals(exact.attribution)
    # The arrays hold the first values, in block order; the notes say so.
    assert len(capped.per_run) == 200 and capped.tenant_downtime_min_per_year.size == 400
    assert capped.per_run.equals(exact.per_run.head(200))
    np.testing.assert_array_equal(capped.tenant_downtime_min_per_year, exact.tenant_downtime_min_per_year[:400])
    np.testing.assert_array_equal(capped.durations_h, exact.durations_h[:400])
    assert capped.outages_observed == exact.outages_observed == exact.durations_h.size > 400
    assert any("histogram of all 3,000 tenant-years" in n and "first 200 runs" in n for n in capped.notes)
    assert any(f"histogram of all {exact.outages_observed:,} complete outages" in n for n in capped.notes)
    assert not any("histogram" in n for n in exact.notes)


def _kept_bytes(monkeypatch, model, runs: int) -> tuple[int, int]:
    """Bytes of the values kept at the end, and the peak traced memory of the call."""
    seen = []
    original = montecarlo._result

    def spy(plan, totals, **kwargs):
        result = original(plan, totals, **kwargs)
        seen.append(totals.nbytes)          # everything folded in
        return result

    monkeypatch.setattr(montecarlo, "_result", spy)
    tracemalloc.start()
    try:
        simulate(model, years=1, runs=runs, seed=5, control_variate=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return seen[0], peak


def test_memory_does_not_grow_with_the_runs_past_the_cap(monkeypatch):
    # ~83 complete outages per run: 30 000 runs would keep 20 MB of durations without the cap.
    monkeypatch.setattr(montecarlo, "KEPT_VALUES", 5000)
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 250)
    monkeypatch.setattr(montecarlo, "BATCH_BYTES", 2**20)    # results of a batch held at once: 1 MB
    model = _one_component()
    simulate(model, years=1, runs=100, seed=1)      # imports and caches of a first call: not measured
    kept_small, peak_small = _kept_bytes(monkeypatch, model, 6000)     # past both caps already
    kept_large, peak_large = _kept_bytes(monkeypatch, model, 30_000)
    # The same arrays kept (durations, tenant-years, the runs table's figures) and two histograms.
    assert kept_small == kept_large == 5000 * 8 * 2 + 5000 * 16 + 2 * montecarlo._LogHistogram().nbytes
    # The whole call: 5x the runs, and the peak (blocks in flight, tables) stays put.
    assert peak_large < 1.3 * peak_small, (peak_small, peak_large)


def test_runs_beyond_the_cap_are_neither_refused_nor_stopped_early(monkeypatch):
    monkeypatch.setattr(montecarlo, "KEPT_VALUES", 1000)
    model = _one_component("10h", "1h")        # ~800 outages per run
    result = simulate(model, years=1, runs=3000, seed=1)
    assert result.stopped_by == "runs" and result.runs == 3000
    assert result.outages_observed > 2_000_000 and result.durations_h.size == 1000
    assert result.outage_duration_h_p50 == pytest.approx(math.log(2.0), rel=0.02)   # exponential repair, mean 1 h


# --- one simulation on 1 process, 2 processes and a Dask cluster -----------------------------

@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as connected:
        yield connected


@pytest.mark.slow
def test_same_seed_same_numbers_on_one_process_two_processes_and_a_dask_cluster(monkeypatch, cluster, client):
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 60)     # many blocks (read by this process only)
    monkeypatch.setattr(montecarlo, "KEPT_VALUES", 500)       # and past the cap: the histogram path too
    model = hm.load_spec(SMALL_REGIONS)
    one = simulate(model, years=1, runs=1200, seed=21)
    two = simulate(model, years=1, runs=1200, seed=21, workers=2)
    on_dask = simulate(model, years=1, runs=1200, seed=21, client=client)
    by_address = simulate(model, years=1, runs=1200, seed=21, scheduler=cluster.scheduler_address)
    assert one.blocks == 20 and on_dask.batches > 1
    assert any("histogram" in note for note in one.notes)
    for other in (two, on_dask, by_address):
        assert _machine_free(other) == _machine_free(one)
        np.testing.assert_array_equal(other.durations_h, one.durations_h)
        np.testing.assert_array_equal(other.tenant_downtime_min_per_year, one.tenant_downtime_min_per_year)
        assert other.attribution.equals(one.attribution) and other.per_run.equals(one.per_run)
    assert not client.status == "closed"      # the caller's client is left open
    assert simulate(model, years=1, runs=1200, seed=22, client=client).availability != one.availability


@pytest.mark.slow
def test_dask_run_stopped_by_time_equals_a_run_of_as_many_runs(client):
    model = _one_component("1000h", "10h")
    started = time.monotonic()
    stopped = simulate(model, years=11.4, runs=MAX_RUNS, seed=8, max_seconds=1.0, client=client)
    assert time.monotonic() - started < 3.0
    assert stopped.stopped_by == "max_seconds"
    assert stopped.runs == stopped.blocks * stopped.block_runs > 0
    again = simulate(model, years=11.4, runs=stopped.runs, seed=8)
    figures = _machine_free(again)
    figures.pop("stopped_by")
    assert {k: v for k, v in _machine_free(stopped).items() if k in figures} == figures


def _tasks_settle(cluster, seconds: float = 10.0) -> int:
    deadline = time.monotonic() + seconds
    while cluster.scheduler.tasks and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(cluster.scheduler.tasks)


@pytest.mark.slow
def test_an_interrupted_dask_run_cancels_its_tasks(monkeypatch, cluster, client):
    original = montecarlo._Totals.add
    calls = []

    def interrupted(self, batch):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        original(self, batch)

    monkeypatch.setattr(montecarlo._Totals, "add", interrupted)
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 20)
    with pytest.raises(KeyboardInterrupt):
        simulate(hm.load_spec(SMALL_REGIONS), years=1, runs=100_000, seed=3, client=client)
    assert _tasks_settle(cluster) == 0        # no batch left queued, the scattered plan released


# --- bad cluster arguments -------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("options, field, fragment", [
    ({"scheduler": "tcp://127.0.0.1:{port}"}, "scheduler", "reachable Dask scheduler"),
    ({"scheduler": "no-port"}, "scheduler", "tcp://host:8786"),
    ({"scheduler": "tcp://host:99999"}, "scheduler", "tcp://host:8786"),
    ({"scheduler": 8786}, "scheduler", "tcp://host:8786"),
    ({"scheduler": "x" * 5000}, "scheduler", "tcp://host:8786"),
    ({"client": object()}, "client", "distributed.Client"),
    ({"client": object(), "scheduler": "tcp://h:1"}, "scheduler", "not both"),
    ({"scheduler": "tcp://127.0.0.1:{port}", "workers": 2}, "workers", "cluster's workers"),
])
def test_bad_cluster_arguments_are_refused(options, field, fragment):
    port = _closed_port()
    options = {k: v.format(port=port) if isinstance(v, str) else v for k, v in options.items()}
    started = time.monotonic()
    with pytest.raises(hm.SpecError) as error:
        simulate(_one_component(), runs=10, **options)
    assert error.value.field == field and fragment in str(error.value), str(error.value)
    assert time.monotonic() - started < 6
    assert len(str(error.value)) < 400


def test_a_silent_server_is_refused_not_waited_on_forever(monkeypatch):
    monkeypatch.setattr(montecarlo, "_PROBE_SECONDS", 0.5)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with pytest.raises(hm.SpecError, match=r"sent nothing within 0\.5 s"):
            simulate(_one_component(), runs=10, scheduler=f"tcp://127.0.0.1:{server.getsockname()[1]}")


def test_missing_dask_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)     # import distributed -> ImportError
    with pytest.raises(hm.SpecError, match=r"pip install 'hadr_model\[dask\]'") as error:
        simulate(_one_component(), runs=10, scheduler="tcp://127.0.0.1:1")
    assert error.value.field == "scheduler"


@pytest.mark.slow
def test_workers_with_other_versions_are_refused(monkeypatch, client):
    monkeypatch.setattr(np, "__version__", "0.0.1")       # here only: the workers keep theirs
    with pytest.raises(hm.SpecError, match=r"numpy 0\.0\.1, as here") as error:
        simulate(_one_component(), runs=10, client=client)
    assert error.value.field == "client" and "same seed gives the same numbers" in str(error.value)


@pytest.mark.slow
def test_cli_scheduler_gives_the_numbers_of_one_process(tmp_path, capsys, cluster):
    import json

    from hadr_model.cli import main

    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SMALL_REGIONS))
    argv = ["simulate", str(spec), "--runs", "400", "--seed", "9", "--json"]
    assert main(argv) == 0
    here = json.loads(capsys.readouterr().out)
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    there = json.loads(capsys.readouterr().out)
    for figures in (here, there):
        figures.pop("seconds")
        figures.pop("batches")
    assert here == there and here["failover_model"] == "dr-workflow"


def test_workers_send_durations_binned_past_the_cap_and_the_figures_do_not_change(monkeypatch):
    monkeypatch.setattr(montecarlo, "KEPT_VALUES", 2000)
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 50)
    model = _one_component("10h", "1h")        # ~800 outages per run
    one = simulate(model, years=1, runs=1500, seed=6)
    binned, sizes = [], []
    original = montecarlo._Totals.add

    def spy(self, batch):
        binned.append(batch.durations_n >= 0)
        sizes.append(batch.nbytes)
        original(self, batch)

    monkeypatch.setattr(montecarlo._Totals, "add", spy)
    two = simulate(model, years=1, runs=1500, seed=6, workers=2)
    assert not binned[0] and sum(binned) > len(binned) // 2      # the first ones whole, then binned
    # What a binned block costs to send, on average (its batch's bin table included), vs a whole one.
    whole = [s for s, b in zip(sizes, binned) if not b]
    sent = [s for s, b in zip(sizes, binned) if b]
    assert sum(sent) / len(sent) < min(whole) / 5, (sum(sent) / len(sent), min(whole))
    assert _machine_free(two) == _machine_free(one)
    np.testing.assert_array_equal(two.durations_h, one.durations_h)
    assert one.outages_observed == two.outages_observed > 1_000_000


@pytest.mark.slow
def test_a_cluster_without_workers_is_refused(monkeypatch):
    monkeypatch.setattr(montecarlo, "CONNECT_SECONDS", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty, \
            distributed.Client(empty, set_as_default=False) as idle:
        with pytest.raises(hm.SpecError, match=r"at least one worker \(none within 1 s\)") as error:
            simulate(_one_component(), runs=10, client=idle)
    assert error.value.field == "client"


@pytest.mark.slow
def test_a_worker_killed_mid_task_is_a_clean_error(monkeypatch, tmp_path, capsys):
    """A task that kills its worker process (as an out-of-memory kill would): Dask gives up with
    ``KilledWorker``, which the API raises as a SpecError and the CLI prints as one line, exit 2."""
    import json
    import os

    import dask

    from hadr_model.cli import main

    def die(*args):        # a closure: Dask pickles it by value, so the worker runs this one
        os._exit(1)

    monkeypatch.setattr(montecarlo, "_run_blocks_remote", die)
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SMALL_REGIONS))
    # No retries on another worker (default 3): one death is enough to give up.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                     dashboard_address=":0") as dying, \
            distributed.Client(dying, set_as_default=False) as connected:
        died = r"the worker running a task died \(1 attempt, the last on worker tcp:"
        with pytest.raises(hm.SpecError, match=died) as error:
            simulate(hm.load_spec(SMALL_REGIONS), years=1, runs=200, seed=1, client=connected)
        assert error.value.field == "client" and "worker logs" in str(error.value)
        connected.wait_for_workers(1, timeout=30)       # the nanny starts a new worker
        assert main(["simulate", str(spec), "--runs", "200", "--scheduler", dying.scheduler_address]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hadr: error: --scheduler: got '{dying.scheduler_address}'; expected Dask workers "
                          "that stay up"), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
