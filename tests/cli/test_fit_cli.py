"""`hadr fit`: the overlay it writes, its JSON, its figures, and exit 2 for every bad record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hadr_model.cli import main
from hadr_model.evidence.overlay import apply_overlay, element_classes, read_overlay
from hadr_model.topology.laws import parse_law
from hadr_model.topology.spec import default_spec_path, load_spec, read_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "incidents_example.csv"
HEADER = "record,element_class,element,start,end,duration,detected,window_start,window_end,up_since"
WINDOW = "window,zone,z1,,,,,2024-01-01T00:00Z,2024-02-01T00:00Z,"


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One run of `hadr fit --json` on the example records against the default spec."""
    folder = tmp_path_factory.mktemp("fit")
    overlay, plots = folder / "overlay.yaml", folder / "plots"
    done = subprocess.run([sys.executable, "-m", "hadr_model.cli", "fit", str(EXAMPLE), "--spec",
                           str(default_spec_path()), "--out", str(overlay), "--plots", str(plots), "--json"],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), overlay, plots


def test_overlay_laws_load_with_parse_law(fitted):
    payload, overlay, _ = fitted
    laws = read_overlay(overlay.read_text(), str(overlay))
    # The default spec writes mttf / mttr: the overlay uses its keys, one per fitted figure.
    assert set(laws) == {f"{c}.{k}" for c in ("zone", "region", "roles.db") for k in ("mttf", "mttr")}
    chosen = {f"{fit['element_class']}.{fit['quantity']}": fit for fit in payload["fits"]}
    for key, raw in laws.items():
        law = parse_law(raw, key, fixed_means_exponential=True)
        cls, _, short = key.rpartition(".")
        fit = chosen[f"{cls}.{'failure' if short == 'mttf' else 'repair'}"]
        candidate = next(c for c in fit["candidates"] if c["family"] == fit["chosen"])
        assert law.mean_h == pytest.approx(candidate["mean_h"], rel=1e-9)
        assert law.dist == candidate["dist"]


def test_overlay_comments_name_their_records(fitted):
    payload, overlay, _ = fitted
    text = overlay.read_text()
    lines = text.splitlines()
    for fit in payload["fits"]:
        (key,) = fit["overlay_keys"]
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
        comment = "\n".join(lines[at - 3:at])
        observations = fit["observations"]
        assert comment.startswith(f"# {key}: chosen {fit['chosen']}: lowest AIC")
        assert f"from {EXAMPLE}" in comment
        assert f"{observations['events']} " in comment and f"{observations['right_censored']} right-censored" in comment
        assert f"exposure {observations['exposure_h']:.6g} h" in comment
        assert "CI" in comment and "Wald" in comment


def test_overlay_applies_to_the_spec(fitted):
    _, overlay, _ = fitted
    raw = read_yaml(default_spec_path().read_text())
    laws = read_overlay(overlay.read_text())
    model = load_spec(apply_overlay(raw, laws))
    zone = model.regions[0].zone
    expected = parse_law(laws["zone.mttf"], "zone.mttf", fixed_means_exponential=True)
    assert zone.failure == expected
    db = next(role for role in model.roles if role.name == "db")
    # db carries a beta factor: the fitted law is split, its mean kept over both parts
    independent = db.instance.failure.mean_h
    assert 1 / independent + 1 / db.common_cause.failure.mean_h == pytest.approx(
        1 / parse_law(laws["roles.db.mttf"], "x", fixed_means_exponential=True).mean_h, rel=1e-12)


def test_json_has_the_candidate_table(fitted):
    payload, _, _ = fitted
    assert payload["records"] == str(EXAMPLE) and payload["rows"] > 200
    zone = next(f for f in payload["fits"] if f["element_class"] == "zone" and f["quantity"] == "failure")
    assert [c["family"] for c in zone["candidates"]] == ["exponential", "weibull", "lognormal", "gamma"]
    assert zone["chosen"] == "weibull" and zone["law"]["dist"] == "weibull_min"
    for candidate in zone["candidates"]:
        assert candidate["aic"] == pytest.approx(2 * candidate["k"] - 2 * candidate["loglik"])
        assert candidate["mean_interval_h"][0] < candidate["mean_h"] < candidate["mean_interval_h"][1]
    assert payload["detection_h"]["roles.db"]["count"] > 0


def test_figures_are_written(fitted):
    payload, _, plots = fitted
    names = sorted(p.name for p in plots.iterdir())
    assert len(names) == 2 * len(payload["fits"]) and "zone.failure.probability.png" in names
    assert all((plots / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)


def test_text_output_explains_the_choice(capsys, tmp_path):
    records = tmp_path / "r.csv"
    records.write_text("\n".join([HEADER, WINDOW, *(f"incident,zone,z1,2024-01-{d:02d}T00:00Z,2024-01-{d:02d}T02:00Z"
                                                     ",,,,," for d in (3, 9, 14, 20, 27))]) + "\n")
    assert main(["fit", str(records)]) == 0
    out = capsys.readouterr().out
    assert "zone.failure — time to failure: 5 failures, 1 right-censored" in out
    assert "log-lik" in out and "ΔAIC" in out and "BIC" in out
    assert "chosen: " in out
    overlay = yaml.safe_load(out.split("\noverlay:\n")[1])
    assert set(overlay) == {"zone.failure", "zone.repair"}      # no spec: the long keys


def test_block_spec_classes_are_component_names(tmp_path, capsys):
    spec = tmp_path / "pair.yaml"
    spec.write_text("name: pair\nblocks:\n  parallel:\n    - component: {name: web, mttf: 999h, mttr: 1h, count: 2}\n")
    assert element_classes(read_yaml(spec.read_text())) == {"web": (("blocks", "parallel", 0, "component"),)}
    records = tmp_path / "r.csv"
    records.write_text("\n".join([HEADER, WINDOW.replace("zone", "web"),
                                  "incident,web,z1,2024-01-03T00:00Z,2024-01-03T02:00Z,,,,,"]) + "\n")
    out_file = tmp_path / "overlay.yaml"
    assert main(["fit", str(records), "--spec", str(spec), "--out", str(out_file)]) == 0
    laws = read_overlay(out_file.read_text())
    assert set(laws) == {"blocks.parallel[0].component.mttf", "blocks.parallel[0].component.mttr"}
    model = load_spec(apply_overlay(read_yaml(spec.read_text()), laws))
    # 48 h up, 2 h down, 694 h up to the end: one failure in 742 h
    assert model.components()[0].behaviour.failure.mean_h == pytest.approx(742.0, rel=1e-12)


# --- bad records: exit 2 naming file, row, column and value ---------------------------------

BAD = [
    # (rows after the header, row, column, value shown)
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,2024-01-03T04:00Z,,,,,"], 3, "end", "2024-01-03T04:00Z"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,,-2h,,,,"], 3, "duration", "-2h"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,,2 parsecs,,,,"], 3, "duration", "2 parsecs"),
    ([WINDOW, "incident,zone,z1,2024-13-03T05:00Z,,,,,,"], 3, "start", "2024-13-03T05:00Z"),
    ([WINDOW, "incident,zone,z1,03/01/2024,,,,,,"], 3, "start", "03/01/2024"),
    ([WINDOW, "incident,zone,z1,2024-01,,,,,,"], 3, "start", "2024-01"),
    ([WINDOW, "window,zone,z1,,,,,2024-01-15T00:00Z,2024-03-01T00:00Z,"], 3, "window_start", "2024-01-15T00:00Z"),
    (["window,zone,z1,,,,,2024-02-01T00:00Z,2024-01-01T00:00Z,"], 2, "window_end", "2024-01-01T00:00Z"),
    (["window,zone,z1,,,,,2024-01-01T00:00Z,2024-02-01T00:00Z,2024-01-05T00:00Z"], 2, "up_since",
     "2024-01-05T00:00Z"),
    ([WINDOW, "incident,zone,z1,2024-03-03T05:00Z,2024-03-03T06:00Z,,,,,"], 3, "start", "2024-03-03T05:00Z"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,2024-01-03T09:00Z,,,,,",
      "incident,zone,z1,2024-01-03T08:00Z,2024-01-03T10:00Z,,,,,"], 4, "start", "2024-01-03T08:00Z"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,,,,,,",
      "incident,zone,z1,2024-01-09T08:00Z,2024-01-09T10:00Z,,,,,"], 4, "start", "2024-01-09T08:00Z"),
    ([WINDOW, "incident,zone,z1,2024-01-01T00:00Z,2024-01-01T01:00Z,,,,,"], 3, "start", "2024-01-01T00:00Z"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,2024-01-03T06:00Z,1h,,,,"], 3, "duration", "1h"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,,,2024-01-03T04:00Z,,,"], 3, "detected", "2024-01-03T04:00Z"),
    ([WINDOW, "incident,zone,z2,2024-01-03T05:00Z,,,,,,"], 3, "element", "z2"),
    ([WINDOW, "outage,zone,z1,2024-01-03T05:00Z,,,,,,"], 3, "record", "outage"),
    ([WINDOW, "incident,,z1,2024-01-03T05:00Z,,,,,,"], 3, "element_class", "''"),
    (["window,zone,z1,2024-01-03T05:00Z,,,,2024-01-01T00:00Z,2024-02-01T00:00Z,"], 2, "start", "2024-01-03T05:00Z"),
    ([WINDOW, "incident,zone,z1,2024-01-03T05:00Z,,,,2024-01-01T00:00Z,,"], 3, "window_start", "2024-01-01T00:00Z"),
    (["window,zone,z1,,,,,,2024-02-01T00:00Z,"], 2, "window_start", "<no value>"),
    ([WINDOW, "incident,zone,z1,,2024-01-03T05:00Z,,,,,"], 3, "start", "<no value>"),
]


def _shown(value: str) -> str:
    return value if value.startswith(("<", "'")) else repr(value)


@pytest.mark.parametrize("rows, row, column, value", BAD)
def test_bad_record_exits_2_naming_file_row_column_value(tmp_path, capsys, rows, row, column, value):
    records = tmp_path / "bad.csv"
    records.write_text("\n".join([HEADER, *rows]) + "\n")
    assert main(["fit", str(records)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    message = err[0]
    assert message.startswith(f"hadr: error: {records}: row {row}, column {column}: ")
    if value == "<no value>":
        assert "missing" in message or "got ''" in message, message
    else:
        assert f"got {_shown(value)}" in message, message


def test_unknown_element_class_of_the_spec_exits_2(tmp_path, capsys):
    records = tmp_path / "bad.csv"
    records.write_text("\n".join([HEADER, WINDOW.replace("zone", "roles.dbx")]) + "\n")
    assert main(["fit", str(records), "--spec", str(default_spec_path())]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"hadr: error: {records}: row 2, column element_class: got 'roles.dbx'; "
                              "expected an element class of the spec: ")
    assert "roles.db" in message and "zone" in message


@pytest.mark.parametrize("header, expected", [
    (HEADER + ",severity", "column"), ("record,element", "element_class"), ("", "header")])
def test_bad_columns_exit_2(tmp_path, capsys, header, expected):
    records = tmp_path / "bad.csv"
    records.write_text(header + "\n" if header else "")
    assert main(["fit", str(records)]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"hadr: error: {records}: ") and expected in message, message


@pytest.mark.parametrize("name, content, expected", [
    ("missing.csv", None, "an existing records file"),
    ("records.txt", "x", "a .csv or .parquet records file"),
    ("bad.parquet", "not parquet", "a readable Parquet file"),
    ("latin.csv", b"record,element_class\nwindow,z\xe9ne\n", "UTF-8"),
])
def test_bad_files_exit_2(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert main(["fit", str(path)]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("hadr: error: ") and expected in message and str(path) in message, message


def test_unwritable_out_exits_2(tmp_path, capsys):
    records = tmp_path / "r.csv"
    records.write_text("\n".join([HEADER, WINDOW]) + "\n")
    assert main(["fit", str(records), "--out", str(tmp_path / "no" / "such" / "dir" / "o.yaml")]) == 2
    assert "--out" in capsys.readouterr().err
