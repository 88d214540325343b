"""``hadr report``: exit codes and messages, and no half-written report on failure."""

from __future__ import annotations

import json
import sys

import pytest

from hadr_model.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_bad_spec_exits_2_and_leaves_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text("zone: {mttf: 1y, mttr: 8h}\nregion: {mttf: 5y, mttr: 10h}\nregions:\n  r1: {zones: 3}\n"
                    "roles:\n  web: {per_zone: 1, needs: most, mttf: 1y, mttr: 1h}\n")
    out = tmp_path / "reports"
    code, _, stderr = _run(capsys, "report", str(spec), "--out", str(out))
    assert code == 2
    assert stderr.startswith("hadr: error: ") and "roles.web.needs" in stderr and "Traceback" not in stderr
    assert stderr.count("\n") == 1
    assert not out.exists()


def test_missing_spec_exits_2(tmp_path, capsys):
    code, _, stderr = _run(capsys, "report", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "r"))
    assert code == 2 and "an existing spec file" in stderr
    assert not (tmp_path / "r").exists()


def test_unwritable_out_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, stderr = _run(capsys, "report", "--out", str(blocker / "reports"))
    assert code == 2 and "cannot write reports to" in stderr


def test_missing_sweep_folder_exits_2(tmp_path, capsys):
    code, _, stderr = _run(capsys, "report", "--sweep", str(tmp_path / "none"), "--out", str(tmp_path / "r"))
    assert code == 2 and "--sweep" in stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv", [["--seed", "-1"], ["--runs", "1"], ["--disasters", "0"]])
def test_bad_numbers_exit_2(tmp_path, capsys, argv):
    code, _, stderr = _run(capsys, "report", "--out", str(tmp_path / "r"), *argv)
    assert code == 2 and stderr.startswith("hadr: error: ")


def test_pdf_without_weasyprint_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # importing it now raises ImportError
    out = tmp_path / "r"
    code, _, stderr = _run(capsys, "report", "--pdf", "--out", str(out))
    assert code == 2 and "hadr_model[pdf]" in stderr
    assert not out.exists()


@pytest.mark.slow
def test_report_publishes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative --out, as `make report` uses
    out = tmp_path / "reports"
    code, stdout, stderr = _run(capsys, "report", "--out", "reports/", "--seed", "1", "--runs", "100",
                                "--disasters", "1000")
    assert code == 0, stderr
    html = next(out.glob("*.html"))
    assert html.name != "index.html" or len(list(out.glob("*.html"))) == 2
    assert "report:   reports/" in stdout
    summaries = [json.loads(p.read_text()) for p in out.glob("*.json")]
    assert len(summaries) == 1 and summaries[0]["reproducibility"]["seed"] == 1
    # What it takes, as `hadr availability` and `hadr dr` print it: the remedies, then the cheapest
    # preset, judged on the report's own disasters and seed.
    strategy = summaries[0]["strategy"]
    assert (strategy["seed"], strategy["n_disasters"], strategy["cheapest"]) == (1, 1000, "pilot_light")
    assert summaries[0]["what_it_takes"] and f"strategy: {strategy['line']}" in stdout.splitlines()
    (page,) = [p for p in out.glob("*.html") if p.name != "index.html"]
    assert "DR strategy:</strong> Pilot light (pilot_light" in page.read_text()
    assert (out / "index.html").is_file()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".lock"]  # no staging left


def test_report_prints_the_verdict_first(tmp_path, capsys):
    spec = tmp_path / "web.yaml"
    spec.write_text("name: web\nobjectives: {availability: 99.99%}\n"
                    "blocks: {parallel: [{component: {name: web, mttf: 1000h, mttr: 1h, count: 2}}]}\n")
    code, stdout, _ = _run(capsys, "report", str(spec), "--out", str(tmp_path / "r"), "--runs", "50",
                           "--disasters", "100", "--fail-on-miss")
    # Two 99.9 % units in parallel: U = 1e-6, 0.53 min/year, which passes 99.99 %.
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == "verdict: web: PASS — all 1 objectives met"
    assert lines[3].split()[:4] == ["availability", "99.99", "%", "99.9999"] and lines[3].endswith("PASS")
