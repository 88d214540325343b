"""The `hadr` command line: exit codes, JSON output, one-line errors (DESIGN.md §4)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hadr_model.cli import main

SYSTEM_KEYS = ("availability", "unavailability", "downtime_min_per_year", "nines",
               "failure_frequency_per_year", "mean_outage_h")
BLOCK_SPEC = """\
name: pair
blocks:
  parallel:
    - component: {name: web, mttf: 999h, mttr: 1h, count: 2}
"""
BAD_SPEC = """\
zone: {mttf: 1y, mttr: 8h}
region: {mttf: 5y, mttr: 10h}
regions:
  east: {zones: 3}
roles:
  web: {per_zone: 2, needs: 150%, mttf: 2000h, mttr: 30m}
"""


@pytest.fixture
def block_file(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text(BLOCK_SPEC)
    return path


@pytest.fixture
def bad_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_SPEC)
    return path


def test_validate_default(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "functions-platform" in out


def test_validate_json(capsys, block_file):
    assert main(["validate", str(block_file), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    head = {key: payload[key] for key in ("valid", "name", "form", "source")}
    assert head == {"valid": True, "name": "pair", "form": "blocks", "source": str(block_file)}
    assert payload["states"] == {"name": "pair", "blocks": "2 components, 0 common-cause groups",
                                 "objectives": "none (the verdict judges nothing)"}
    assert [d["field"] for d in payload["defaults"]] == ["objectives.availability", "objectives.confidence",
                                                          "year_hours"]
    assert payload["bare_hours"] == []


def test_show_default(capsys):
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    for word in ("us-south", "eu-nl", "kafka", "invoker", "iam"):
        assert word in out


def test_show_block_form(capsys, block_file):
    assert main(["show", str(block_file)]) == 0
    out = capsys.readouterr().out
    assert "web[1]" in out and "web[2]" in out


def test_show_png_draws_the_named_file(capsys, tmp_path, block_file):
    target = tmp_path / "pair.PNG"
    assert main(["show", str(block_file), "--png", str(target)]) == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    assert f"drawn to {target}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pair.PNG", "pair.yaml"]


@pytest.mark.parametrize(("target", "text"), [
    ("picture.txt", "ending in .png"),          # was a matplotlib ValueError, exit 1
    ("picture", "ending in .png"),              # matplotlib would have written picture.png
    ("folder", "not an existing directory"),    # was exit 0, writing folder.png, saying "drawn to folder"
    ("missing/picture.png", "existing folder"),
])
def test_show_png_bad_targets_exit_2_and_write_nothing(capsys, tmp_path, block_file, target, text):
    (tmp_path / "folder").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["show", str(block_file), "--png", str(tmp_path / target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert "--png" in captured.err and text in captured.err and len(captured.err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("argv", [["--top", "-1"], ["--top", "two"], ["--seed", "-1"]])
def test_availability_bad_numbers_exit_2(capsys, block_file, argv):
    with pytest.raises(SystemExit) as stop:
        main(["availability", str(block_file), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert argv[0] in err and "Traceback" not in err


def test_availability_top_counts_importance_rows(capsys, block_file):
    def rows(top: str) -> list[str]:
        assert main(["availability", str(block_file), "--top", top]) == 0
        out = capsys.readouterr().out
        return [line for line in out.splitlines() if line.startswith("web[")]

    assert len(rows("1")) == 1 and len(rows("2")) == 2 and rows("0") == []


def test_availability_text(capsys, block_file):
    assert main(["availability", str(block_file)]) == 0
    out = capsys.readouterr().out
    assert "0.99999900" in out            # 1 − 0.001²
    assert "importance" in out


def test_availability_json_block_form(capsys, block_file):
    assert main(["availability", str(block_file), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in (*SYSTEM_KEYS, "regions", "importance"):
        assert key in payload
    assert payload["availability"] == pytest.approx(1 - 0.001**2, rel=1e-12)
    assert payload["downtime_min_per_year"] == pytest.approx(0.001**2 * 525600, rel=1e-6)
    assert payload["regions"] == {}
    assert [item["element"] for item in payload["importance"]] == ["web[1]", "web[2]"]


def test_availability_json_default(capsys):
    assert main(["availability", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in (*SYSTEM_KEYS, "regions", "importance"):
        assert key in payload, key
    for key in SYSTEM_KEYS:
        assert isinstance(payload[key], float) and math.isfinite(payload[key]), key
    assert 0.999 < payload["availability"] < 1.0
    assert payload["unavailability"] == pytest.approx(1 - payload["availability"], rel=1e-9)
    assert payload["downtime_min_per_year"] == pytest.approx(payload["unavailability"] * 525600, rel=1e-9)
    assert set(payload["regions"]) == {"us-south", "us-east", "eu-gb", "eu-de", "jp-tok", "au-syd", "eu-nl"}
    for region in payload["regions"].values():
        for key in SYSTEM_KEYS:
            assert key in region and key in region["with_failover"]
    ranking = payload["importance"]
    assert ranking and {"element", "birnbaum", "criticality", "fussell_vesely"} <= set(ranking[0])
    criticality = [item["criticality"] for item in ranking]
    assert criticality == sorted(criticality, reverse=True)


def test_availability_instant_failover_matches_the_engine(capsys):
    from hadr_model import load_spec
    from hadr_model.engines.exact import exact_availability

    assert main(["availability", "--json", "--failover", "instantaneous"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["failover_model"] == "instantaneous"
    expected = exact_availability(load_spec()).system
    assert payload["availability"] == pytest.approx(expected.availability, rel=1e-12)


@pytest.mark.parametrize("command", ["validate", "show", "availability"])
def test_bad_spec_exits_2_with_one_line(capsys, bad_file, command):
    assert main([command, str(bad_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert str(bad_file) in lines[0]
    assert "roles.web.needs" in lines[0] and "'150%'" in lines[0]
    assert f"{bad_file}:6:" in lines[0]


@pytest.mark.parametrize("command", ["validate", "show", "availability"])
def test_missing_file_exits_2(capsys, tmp_path, command):
    missing = tmp_path / "missing.yaml"
    assert main([command, str(missing)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "missing.yaml" in err and "Traceback" not in err


def test_yaml_syntax_error_exits_2(capsys, tmp_path):
    path = tmp_path / "syntax.yaml"
    path.write_text("blocks:\n  component: {name: a, availability: [0.9}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:" in err and "valid YAML" in err and "Traceback" not in err


def test_unknown_option_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["availability", "--no-such-option"])
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_no_command_exits_2(capsys):
    assert main([]) == 2


def _console_script() -> str:
    found = shutil.which("hadr")
    if found:
        return found
    candidate = Path(sys.executable).parent / "hadr"
    assert candidate.exists(), "the hadr console script is not installed"
    return str(candidate)


def test_installed_console_script(block_file, bad_file):
    script = _console_script()
    done = subprocess.run([script, "availability", str(block_file), "--json"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["availability"] == pytest.approx(0.999999, rel=1e-12)
    done = subprocess.run([script, "validate", str(bad_file)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "roles.web.needs" in done.stderr


def test_validate_says_once_that_a_bare_number_is_hours(capsys, tmp_path):
    path = tmp_path / "bare.yaml"
    path.write_text(BLOCK_SPEC.replace("mttf: 999h, mttr: 1h", "mttf: 999, mttr: 1"))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("bare number") == 1
    assert "read as hours: blocks.parallel[0].component.mttf (and 1 more)" in out


def test_validate_lists_the_defaults_with_why(capsys, tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text(BAD_SPEC.replace("150%", "50%"))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    for line in ("name  ", "year_hours", "8760", "a year of 365 days", "regions.east.home", "roles.web.beta",
                 "recovery.region_loss.decide", "30 min", "objectives.availability"):
        assert line in out, line


def test_show_json_block_form(capsys, block_file):
    assert main(["show", str(block_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "pair" and info["form"] == "blocks"
    assert info["structure"] == {"parallel": [{"component": "web[1]"}, {"component": "web[2]"}]}
    web = info["components"][0]["behaviour"]
    assert web["failure"]["mean_h"] == 999.0 and web["repair"]["mean_h"] == 1.0
    assert web["availability"] == pytest.approx(0.999)


def test_show_json_region_form(capsys):
    assert main(["show", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "functions-platform" and info["form"] == "regions"
    assert {"from": "us-east", "to": "us-south", "mutual": True} in info["failover_pairs"]
    assert {"from": "eu-de", "to": "eu-nl", "mutual": False} in info["failover_pairs"]
    assert info["regions"][-1]["home"] is False and info["recovery"]["regions"]["eu-de"]["region_loss"][
        "provision"]["mean_h"] == 4.0
    invoker = next(role for role in info["roles"] if role["name"] == "invoker")
    assert invoker["required"]["us-south"] == [20, 30]
    assert info["data"]["db"]["databases"]["count"] == 200


def test_schema_command_is_listed(capsys):
    with pytest.raises(SystemExit) as done:   # argparse's --help exits
        main(["--help"])
    assert done.value.code == 0
    assert "schema" in capsys.readouterr().out


def _subcommand_help(parser, command: str) -> str:
    (action,) = [a for a in parser._actions if a.dest == "command"]
    return action.choices[command].format_help()


def test_each_command_parses_alike_with_only_its_own_module_loaded():
    # main() builds the parser of the one command named; its options must be those of the full parser.
    from hadr_model.cli import _COMMANDS, build_parser

    full = build_parser()
    for command in (*_COMMANDS, "import"):
        alone = build_parser(command)
        assert _subcommand_help(alone, command) == _subcommand_help(full, command), command


@pytest.mark.parametrize("argv", [["simulat", "x.yaml"], []])
def test_a_mistyped_or_missing_command_still_lists_every_command(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as done:  # argparse's own usage error
        code = done.code
    assert code == 2
    err = capsys.readouterr().err
    assert "simulate" in err and "import" in err and "cutsets" in err


@pytest.mark.parametrize(("given", "expected"), [({}, "1"), ({"OPENBLAS_NUM_THREADS": "2"}, "2"),
                                                 ({"OMP_NUM_THREADS": "2"}, "")])
def test_the_command_line_runs_blas_on_one_thread_unless_told_otherwise(given, expected):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")} | given
    code = ("import os, sys, hadr_model.cli; assert 'numpy' in sys.modules; "
            "print(os.environ.get('OPENBLAS_NUM_THREADS', ''))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == expected
