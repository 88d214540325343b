"""Every command's ``--json`` follows the same conventions, and text output reads durations in units.

The conventions (issue 13, item 7): the document parses as one JSON object; it names its spec
(``"spec": {"name", "file", "sha256"}``, the hash of the file's bytes); counts are integers
(``n_disasters: 500``, not ``500.0``); scenario names have one spelling, ``zone_loss``,
``region_loss``, ``corruption``, in keys and values alike. Text output prints durations in
the most readable unit (``5 min``, not ``0.0833333``).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hadr_model.cli import main
from hadr_model.topology.spec import default_spec_path

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ROOT / "data" / "web_service.yaml"
BLOCKS = ROOT / "data" / "cooling_fault_tree.yaml"
RECORDS = ROOT / "data" / "incidents_example.csv"
HYPHENATED = {"zone-loss", "region-loss"}
# Counts named without one of the suffixes below.
NAMED_COUNTS = {"count", "databases", "seed", "outages_observed", "points", "ok", "failed", "timeout", "ran",
                "resumed", "rows", "events", "right_censored", "interval_censored", "left_truncated", "elements",
                "blocks", "batches", "block_runs", "order", "k"}


def _is_count(key: str) -> bool:
    return key.startswith("n_") or key.endswith(("_count", "runs", "disasters")) or key in NAMED_COUNTS


def _walk(value: Any, path: str = "$"):
    """Every (path, key, value) of the document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", key, item
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def check_conventions(payload: dict[str, Any], spec: Path | None, name: str | None) -> int:
    """The checks every ``--json`` document passes; returns how many counts it checked."""
    assert isinstance(payload, dict)
    named = payload["spec"]
    assert named["name"] == name
    if spec is not None:
        assert named["sha256"] == hashlib.sha256(spec.read_bytes()).hexdigest()
        assert named["file"] == str(spec) or named["file"].endswith(spec.name)
    counts = 0
    for path, key, value in _walk(payload):
        if _is_count(key) and isinstance(value, (int, float)) and not isinstance(value, bool):
            counts += 1
            assert isinstance(value, int), (path, value)      # 500, never 500.0
        assert key not in HYPHENATED, path
        if key == "scenario":
            assert value not in HYPHENATED, (path, value)
    return counts


def _run_json(capsys, argv: list[str]) -> dict[str, Any]:
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, 3), captured.err          # 3: an objective missed (not with --fail-on-miss, though)
    assert code == 0, captured.err
    return json.loads(captured.out)


def _name(spec: Path) -> str:
    return yaml.safe_load(spec.read_text())["name"]


COMMANDS = [
    ("validate", REGIONS, []), ("validate", BLOCKS, []),
    ("show", REGIONS, []), ("show", BLOCKS, []),
    ("availability", REGIONS, []), ("availability", BLOCKS, []),
    ("simulate", REGIONS, ["--runs", "50"]), ("simulate", BLOCKS, ["--runs", "50"]),
    ("dr", REGIONS, ["--disasters", "300"]),
    ("cutsets", BLOCKS, ["--paths"]),
    ("export", BLOCKS, ["--format", "openpsa"]), ("export", BLOCKS, ["--format", "prism"]),
]


@pytest.mark.parametrize(("command", "spec", "extra"), COMMANDS, ids=[f"{c}-{s.stem}" for c, s, _ in COMMANDS])
def test_every_json_names_its_spec_counts_in_ints_scenarios_in_snake_case(capsys, command, spec, extra):
    payload = _run_json(capsys, [command, str(spec), "--json", *extra])
    counts = check_conventions(payload, spec, _name(spec))
    assert payload["name"] == _name(spec)
    if command in ("dr", "simulate", "cutsets"):
        assert counts > 0    # the walk found the counts it is meant to check


def test_dr_json_counts_disasters_as_ints_and_keys_scenarios_in_snake_case(capsys):
    payload = _run_json(capsys, ["dr", str(REGIONS), "--disasters", "300", "--json"])
    assert set(payload["scenarios"]) == {"zone_loss", "region_loss", "corruption"}
    for roles in payload["scenarios"].values():
        for summary in roles.values():
            assert summary["n_disasters"] == 300 and type(summary["n_disasters"]) is int
            assert type(summary["databases"]) is int
    assert {row["scenario"] for row in payload["sites"]} == {"zone_loss", "region_loss", "corruption"}


@pytest.mark.parametrize("spelling", ["region_loss", "region-loss"])
def test_dr_scenario_takes_the_snake_case_name_and_the_hyphenated_alias(capsys, spelling):
    payload = _run_json(capsys, ["dr", str(REGIONS), "--disasters", "200", "--scenario", spelling, "--json"])
    assert list(payload["scenarios"]) == ["region_loss"]


def test_dr_scenario_refuses_an_unknown_name_listing_the_snake_case_ones(capsys):
    with pytest.raises(SystemExit) as caught:      # a usage error: argparse exits 2 itself
        main(["dr", str(REGIONS), "--scenario", "zone"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'zone'" in err and "'zone_loss', 'region_loss', 'corruption'" in err


def test_fit_json_names_its_spec(capsys):
    payload = _run_json(capsys, ["fit", str(RECORDS), "--spec", str(default_spec_path()), "--json"])
    check_conventions(payload, default_spec_path(), "functions-platform")
    assert payload["spec"]["file"] == "hadr_model/specs/functions_platform.yaml"   # no local path
    assert type(payload["rows"]) is int


def test_fit_json_without_a_spec_says_so(capsys):
    payload = _run_json(capsys, ["fit", str(RECORDS), "--json"])
    assert payload["spec"] is None


def test_sweep_json_names_the_spec_of_its_grid(capsys, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"spec: {REGIONS}\nparameters:\n  zone.mttr: [4h, 8h]\n")
    payload = _run_json(capsys, ["sweep", "--function", "availability", "--grid", str(grid), "--out",
                                 str(tmp_path / "out"), "--no-progress", "--json"])
    check_conventions(payload, REGIONS, "web-service")
    assert payload["summary"] == {"points": 2, "ok": 2, "failed": 0, "timeout": 0, "ran": 2, "resumed": 0}
    assert Path(payload["table"]).is_file()


def test_schema_accepts_json_and_prints_the_same_schema(capsys):
    assert main(["schema"]) == 0
    plain = capsys.readouterr().out
    assert main(["schema", "--json"]) == 0
    assert capsys.readouterr().out == plain and json.loads(plain)["type"] == "object"


@pytest.mark.slow
def test_report_json_is_the_summary_with_the_spec_and_the_files(capsys, tmp_path):
    spec = tmp_path / "web.yaml"
    spec.write_text("name: web\nobjectives: {availability: 99.99%}\n"
                    "blocks: {parallel: [{component: {name: web, mttf: 1000h, mttr: 1h, count: 2}}]}\n")
    payload = _run_json(capsys, ["report", str(spec), "--out", str(tmp_path / "r"), "--runs", "50",
                                 "--disasters", "100", "--json"])
    check_conventions(payload, spec, "web")
    assert payload["verdict"]["passed"] is True
    assert payload["reproducibility"]["spec_sha256"] == payload["spec"]["sha256"]
    written = json.loads(Path(payload["paths"]["summary"]).read_text())
    assert written["verdict"] == payload["verdict"] and Path(payload["paths"]["html"]).is_file()
    assert payload["montecarlo"]["runs"] == 50 and type(payload["montecarlo"]["runs"]) is int


# --- durations in text output ---------------------------------------------------------------------

def _text(capsys, argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _spec(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


FIXED_REPAIR = {"name": "one", "blocks": {"component": {
    "name": "box", "failure": {"dist": "exponential", "mean": "1000h"},
    "repair": {"dist": "deterministic", "value": "30m"}}}}


def test_dr_text_prints_5_min_not_hours(capsys, tmp_path):
    raw = yaml.safe_load(REGIONS.read_text())
    raw["recovery"]["zone_loss"] = {"detect": "2m", "failover": "3m"}      # a fixed RTO of 2 + 3 = 5 minutes
    out = _text(capsys, ["dr", str(_spec(tmp_path, raw)), "--disasters", "200", "--scenario", "zone_loss"])
    rows = [line.split() for line in out.splitlines() if line.startswith("zone_loss ")]
    site_rows = [row for row in rows if row[1] in ("east", "west")]
    assert len(site_rows) == 2
    for row in site_rows:   # scenario, region, plan, RPO p95 (0 s), P, RTO mean, RTO p95, P
        assert row[3:5] == ["0", "s"] and row[6:8] == ["5", "min"] and row[8:10] == ["5", "min"], row
    assert "0.0833" not in out and "DR workflows (hours)" not in out
    assert "≤ 5 min in 95% of disasters" in out                                  # the RTO target, in the verdict


def test_availability_text_prints_the_mean_outage_and_targets_in_units(capsys, tmp_path):
    out = _text(capsys, ["availability", str(_spec(tmp_path, FIXED_REPAIR))])
    # One component: an outage is one repair, 30 minutes.
    assert re.search(r"^  mean outage +30 min$", out, re.MULTILINE), out


def test_availability_what_it_takes_lines_are_in_units(capsys):
    out = _text(capsys, ["availability", "--top", "0"])        # the shipped spec misses two objectives
    lines = [line.strip() for line in out.splitlines() if line.startswith("  ") and "(now " in line]
    assert lines
    for line in lines:
        assert re.search(r"(at most|at least) [\d.,]+ (s|min|h|d|y) \(now [\d.,]+ (s|min|h|d|y)\)$", line), line
    assert "availability: region.mttf at least" in out and "(now 5 y)" in out   # 5y = 43800 h, as 5 y


def test_simulate_text_prints_outage_durations_in_units(capsys, tmp_path):
    out = _text(capsys, ["simulate", str(_spec(tmp_path, FIXED_REPAIR)), "--runs", "20", "--years", "5"])
    line = next(line for line in out.splitlines() if line.strip().startswith("outage duration"))
    # Every outage is one fixed 30-minute repair: mean and percentiles are 30 min.
    assert re.match(r"^  outage duration +mean 30 min  p50 30 min  p90 30 min  p99 30 min  \(\d+ complete outages\)$",
                    line), line


def test_show_and_validate_print_durations_in_units(capsys):
    shown = _text(capsys, ["show", str(REGIONS)])
    assert "fails exponential(mean 11.4 y)" in shown           # dns mttf 100000h, not 4.17e+03 d
    assert "exponential(mean 365 d)" in shown and "every 1 h, keep 7 d" in shown
    valid = _text(capsys, ["validate", str(REGIONS)])
    assert "rpo region_loss 5 min" in valid and "rto corruption 6 h" in valid


def test_import_json_names_the_imported_spec_and_its_file(capsys, tmp_path):
    xml = tmp_path / "tree.xml"
    assert main(["export", str(BLOCKS), "--format", "openpsa", "-o", str(xml)]) == 0
    capsys.readouterr()
    payload = _run_json(capsys, ["import", str(xml), "--json"])
    assert payload["spec"]["file"] == str(xml) and len(payload["spec"]["sha256"]) == 64
    assert payload["gates"] > 0 and payload["basic_events"] > 0
    assert "fault_tree:" in payload["text"]
