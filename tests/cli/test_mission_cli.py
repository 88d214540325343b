"""``hadr availability --mission``: text, JSON (unit-named keys, the model of every figure), bad input."""

from __future__ import annotations

import json
import math

import pytest

from hadr_model.cli import main

SPEC = """
name: pair
blocks:
  parallel:
    - component: {name: db, mttf: 1000h, mttr: 10h, count: 2}
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return str(path)


def two_unit_reliability(lam: float, mu: float, t: float) -> float:
    # Trivedi §8.4: two units in parallel, each with its own repair (see tests/engines/test_mission.py)
    root = math.sqrt(lam * lam + 6 * lam * mu + mu * mu)
    r1, r2 = (-(3 * lam + mu) + root) / 2, (-(3 * lam + mu) - root) / 2
    return (r1 * math.exp(r2 * t) - r2 * math.exp(r1 * t)) / (r1 - r2)


def test_text_names_every_figure_and_its_model(spec, capsys):
    assert main(["availability", spec, "--mission", "8760h", "--at", "24h"]) == 0
    out = capsys.readouterr().out
    assert "mission of 8760 h from an all-up start" in out
    assert f"{two_unit_reliability(1e-3, 0.1, 24.0):.8f}" in out
    assert f"{two_unit_reliability(1e-3, 0.1, 8760.0):.8f}" in out
    assert "MTTF (to the first service outage)  51500 h" in out
    for figure in ("reliability", "mttf_h", "availability_at", "interval_availability"):
        assert f"  {figure} " in out
    assert "markov: 4 states, down states absorbing" in out


def test_json_keys_carry_units_and_models(spec, capsys):
    assert main(["availability", spec, "--mission", "1y", "--at", "24h,30d", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("reliability", "mttf_h", "availability_at", "interval_availability", "model", "mission_h", "t_h"):
        assert key in payload, key
    assert payload["mission_h"] == 8760.0 and payload["t_h"] == [24.0, 720.0, 8760.0]
    assert payload["mttf_h"]["value"] == pytest.approx(51500.0, rel=1e-12)
    assert payload["reliability"]["value"][0] == pytest.approx(two_unit_reliability(1e-3, 0.1, 24.0), rel=1e-12)
    assert set(payload["model"]) == {"reliability", "mttf_h", "availability_at", "interval_availability"}
    assert payload["interval_availability"]["error"][-1] < 1e-12
    assert payload["start"] == "all-up"


@pytest.mark.parametrize("arguments, message", [
    (["--mission=-1h"], "--mission"),
    (["--mission", "soon"], "--mission"),
    (["--mission", "10h", "--at", "24h"], "--at"),
    (["--mission", "10h", "--at", "1h,x"], "--at"),
    (["--mission", "10h", "--at", ","], "--at"),
    (["--at", "1h"], "--at"),
])
def test_bad_input_exits_2_with_one_line(spec, capsys, arguments, message):
    assert main(["availability", spec, *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error: ") and message in err and "Traceback" not in err
