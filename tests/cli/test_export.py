"""``hadr export`` (Open-PSA, PRISM) and ``hadr import`` (Open-PSA) from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from hadr_model.cli import main

ROOT = Path(__file__).resolve().parents[2]
COOLING = str(ROOT / "data" / "cooling_fault_tree.yaml")


def _cutsets(capsys, spec: str) -> dict:
    assert main(["cutsets", spec, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_export_then_import_gives_the_same_cut_sets_and_top_event(tmp_path, capsys):
    mef, spec = tmp_path / "cooling.xml", tmp_path / "cooling.yaml"
    assert main(["export", COOLING, "--format", "openpsa", "-o", str(mef)]) == 0
    assert f"{mef}: written" in capsys.readouterr().err
    assert main(["import", str(mef), "-o", str(spec)]) == 0
    capsys.readouterr()
    assert yaml.safe_load(spec.read_text())["fault_tree"]["top"] == "top"
    before, after = _cutsets(capsys, COOLING), _cutsets(capsys, str(spec))
    assert after["top_event_probability"] == before["top_event_probability"] or abs(
        after["top_event_probability"] / before["top_event_probability"] - 1) < 1e-12
    assert sorted(map(sorted, (c["elements"] for c in after["cut_sets"]))) == \
        sorted(map(sorted, (c["elements"] for c in before["cut_sets"])))


def test_export_to_standard_output(capsys):
    assert main(["export", str(ROOT / "data" / "bridge.yaml"), "--format", "prism"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2] == "ctmc" and 'label "down"' in out
    assert main(["export", str(ROOT / "data" / "bridge.yaml"), "--format", "openpsa"]) == 0
    assert capsys.readouterr().out.startswith('<?xml version="1.0"')


def test_bad_format_and_unwritable_output_exit_2(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as usage:       # argparse: a usage error, exit 2
        main(["export", COOLING, "--format", "jani2"])
    assert usage.value.code == 2 and "invalid choice" in capsys.readouterr().err
    assert main(["export", COOLING, "--format", "openpsa", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error: --output") and "written" in err


def test_import_of_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["import", str(tmp_path / "none.xml")]) == 2
    assert "an existing Open-PSA MEF file" in capsys.readouterr().err


def test_prism_export_of_a_fixed_availability_names_the_element(capsys):
    assert main(["export", str(ROOT / "data" / "web_tier.yaml"), "--format", "prism"]) == 2
    assert "dns" in capsys.readouterr().err
