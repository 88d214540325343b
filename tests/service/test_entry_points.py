"""One question, one answer: the same spec through every entry point gives the same figures.

For the default and two other specs: the Python facade, ``hadr availability --json``, ``hadr
simulate --json`` (within its confidence interval), the report's JSON summary, a sweep function
point and the explore notebook (papermill) all give the same availability, the same failover
model label and the same top of the importance ranking.
"""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.reports import publish_report
from hadr_model.sweeps.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
SPECS = {"default": str(hm.default_spec_path()), "two-regions": str(ROOT / "data" / "two_regions.yaml"),
         "bridge": str(ROOT / "data" / "bridge.yaml")}


@pytest.fixture(scope="module", params=sorted(SPECS))
def answers(request, tmp_path_factory):
    spec = SPECS[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    facade = hm.availability(hm.load_spec(spec))
    return spec, tmp, facade


def _cli_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_availability_and_sweep_function_agree_with_the_facade(answers, capsys):
    spec, _, facade = answers
    payload = _cli_json(capsys, ["availability", spec, "--json"])
    assert payload["availability"] == facade.system.availability
    assert payload["failover_model"] == facade.failover_model
    assert payload["importance"][0]["element"] == facade.importance[0].element
    point = FUNCTIONS["availability"](hm.load_spec(spec), seed=0)
    assert point["availability"] == facade.system.availability
    assert point["failover_model"] == facade.failover_model


def test_cli_simulate_covers_the_facade_within_its_interval(answers, capsys):
    spec, _, facade = answers
    payload = _cli_json(capsys, ["simulate", spec, "--json", "--years", "20", "--runs", "400", "--seed", "5"])
    assert payload["failover_model"] == facade.failover_model
    low, high = payload["availability_ci95_low"], payload["availability_ci95_high"]
    assert low <= facade.system.availability <= high


@pytest.mark.slow
def test_report_summary_and_explore_notebook_agree_with_the_facade(answers):
    spec, tmp, facade = answers
    paths = publish_report(spec, out=tmp / "reports", seed=0, mc_runs=50)
    summary = json.loads(paths.summary.read_text())
    assert summary["availability"]["availability"] == facade.system.availability
    assert summary["availability"]["failover_model"] == facade.failover_model
    assert summary["importance_top"][0]["element"] == facade.importance[0].element
    assert summary["headline"]["availability"] == facade.system.availability
    results = tmp / "explore.json"
    papermill.execute_notebook(str(ROOT / "notebooks" / "explore_topology.ipynb"), str(tmp / "explore.ipynb"),
                               parameters={"spec_path": spec, "top": 3, "results_path": str(results)},
                               kernel_name="python3", progress_bar=False)
    explored = json.loads(results.read_text())
    assert explored["availability"] == facade.system.availability
    assert explored["failover_model"] == facade.failover_model
    assert explored["importance_top"][0] == facade.importance[0].element
