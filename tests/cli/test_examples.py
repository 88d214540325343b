"""Every example spec in ``data/`` through every command, with numbers that make sense.

Each example is copied by users as the start of their own spec: it must validate (against the
validator and the JSON Schema), say what it states and the defaults it takes, describe itself
(``show`` and ``show --json``), and give sane figures from ``availability``, ``simulate`` and,
when it has a ``data`` section, ``dr``. ``hadr report`` (slow) runs on the web-service example.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from hadr_model.cli import main
from hadr_model.topology.schema import json_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "data").glob("*.yaml"))
# A fixed availability (an SLA figure) has no time behaviour: Monte Carlo refuses it by name.
FIXED_AVAILABILITY = {"web_tier.yaml": "dns"}
ids = [path.name for path in EXAMPLES]


def _json(capsys, argv: list[str], code: int = 0) -> dict:
    assert main(argv) == code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_the_examples_a_newcomer_needs_are_there():
    names = {path.name for path in EXAMPLES}
    assert {"web_service.yaml", "payment_path.yaml", "dr_example.yaml", "two_regions.yaml"} <= names
    service = _raw(ROOT / "data" / "web_service.yaml")
    assert {"data", "recovery", "objectives"} <= set(service)
    assert service["roles"]["app"]["needs"] == "50%" and service["roles"]["db"]["needs"] == "quorum"
    assert service["data"]["db"]["replication"]["across_regions"]["mode"] == "async"
    assert service["data"]["db"]["snapshots"]["every"] == "1h"


@pytest.mark.parametrize("path", EXAMPLES, ids=ids)
def test_examples_cite_only_what_exists(path):
    text = path.read_text()
    for stale in ("/work/", "/home/", "cloud-hadr-facts", "DESIGN.md"):
        assert stale not in text, stale


@pytest.mark.parametrize("path", EXAMPLES, ids=ids)
def test_validate_states_the_spec_and_its_defaults(path, capsys):
    raw = _raw(path)
    jsonschema.validate(raw, json_schema(), cls=jsonschema.Draft202012Validator)
    payload = _json(capsys, ["validate", str(path), "--json"])
    assert payload["valid"] is True and payload["name"] == raw["name"]
    assert payload["states"]["name"] == raw["name"]
    fields = [d["field"] for d in payload["defaults"]]
    assert len(fields) == len(set(fields))
    assert not any(field in raw for field in fields)          # a stated top-level key is no default
    assert ("year_hours" in fields) is ("year_hours" not in raw)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: valid\n") and "the spec states" in out
    assert "defaults the spec falls back to" in out or "defaults: none" in out


@pytest.mark.parametrize("path", EXAMPLES, ids=ids)
def test_show_describes_the_topology(path, capsys):
    raw = _raw(path)
    info = _json(capsys, ["show", str(path), "--json"])
    assert info["name"] == raw["name"] and info["source"] == str(path)
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    if "regions" in raw:
        assert [r["name"] for r in info["regions"]] == list(raw["regions"])
        assert [r["name"] for r in info["roles"]] == list(raw["roles"])
        assert sorted(info["data"]) == sorted(raw.get("data") or {})
        for role in info["roles"]:
            assert role["needs"] == str(raw["roles"][role["name"]].get("needs", "any")).strip()
            assert all(1 <= k <= n for k, n in role["required"].values())
        for pair in info["failover_pairs"]:
            assert raw["regions"][pair["from"]]["fails_over_to"] == pair["to"]
        assert set(info["recovery"]["steps"]) == {"zone_loss", "region_loss", "corruption"}
        for word in (*raw["regions"], *raw["roles"], "failover:", "objective"):
            assert word in out
    else:
        assert info["form"] == "blocks" and info["components"]
        assert all(c["name"] in out for c in info["components"])


@pytest.mark.parametrize("path", EXAMPLES, ids=ids)
def test_availability_and_simulate_give_sane_figures(path, capsys):
    exact = _json(capsys, ["availability", str(path), "--json", "--top", "3"])
    assert 0.0 < exact["availability"] < 1.0
    assert exact["unavailability"] == pytest.approx(1.0 - exact["availability"], rel=1e-6, abs=1e-12)
    assert exact["verdict"]["name"] == _raw(path)["name"] and exact["verdict"]["checks"]
    argv = ["simulate", str(path), "--json", "--runs", "200", "--seed", "1"]
    if path.name in FIXED_AVAILABILITY:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert FIXED_AVAILABILITY[path.name] in err and "fixed availability" in err
        return
    simulated = _json(capsys, argv)
    assert 0.0 < simulated["availability_ci95_low"] <= simulated["availability"] <= simulated["availability_ci95_high"]
    # 200 runs: the exact figure within four half-widths (a loose but failing-when-wrong check)
    halfwidth = simulated["unavailability_ci95_halfwidth"]
    assert abs(simulated["unavailability"] - exact["unavailability"]) <= 4 * halfwidth + 1e-7


@pytest.mark.parametrize("path", EXAMPLES, ids=ids)
def test_dr_runs_on_every_example_with_data(path, capsys):
    raw = _raw(path)
    argv = ["dr", str(path), "--json", "--disasters", "300", "--seed", "1"]
    if not raw.get("data"):
        assert main(argv) == 2
        assert "data" in capsys.readouterr().err
        return
    payload = _json(capsys, argv)
    verdict = payload["verdict"]
    assert verdict["name"] == raw["name"] and isinstance(verdict["passed"], bool)
    assert {c["status"].lower() for c in verdict["checks"]} <= {"pass", "fail", "absent"}
    missed = [(c["objective"], c["scenario"]) for c in verdict["checks"] if c["status"].lower() == "fail"]
    # dr_example.yaml says in its header that it misses its region-loss RTO (and only that)
    assert missed == ([("rto", "region_loss")] if path.name == "dr_example.yaml" else [])
    assert verdict["passed"] is (not missed)
    for row in payload["sites"]:
        assert row["rto_mean_h"] >= 0 and row["rpo_p95_h"] >= 0
        for p in (row["p_rpo_met"], row["p_rto_met"]):
            assert p is None or 0.0 <= p <= 1.0
    stated = raw.get("objectives") or {}
    for check in verdict["checks"]:   # judged exactly when the spec states the objective
        objective, scenario = check["objective"], check["scenario"]
        given = objective in stated if scenario is None else scenario in (stated.get(objective) or {})
        assert (check["status"].lower() != "absent") is given, check


@pytest.mark.slow
def test_report_on_the_web_service_example(tmp_path):
    assert main(["report", str(ROOT / "data" / "web_service.yaml"), "--out", str(tmp_path), "--runs", "100",
                 "--disasters", "500"]) == 0
    summaries = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert summaries and 0.0 < summaries[0]["availability"]["availability"] < 1.0
