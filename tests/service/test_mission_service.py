"""The service's mission facade: spec durations, the export, the same numbers as the engine."""

from __future__ import annotations

import math

import pytest

from hadr_model import load_spec
from hadr_model.engines.mission import mission as engine_mission
from hadr_model.errors import SpecError
from hadr_model.service import MissionResult, mission

SERIES = {"blocks": {"series": [{"component": {"name": "a", "mttf": "1000h", "mttr": "never"}},
                                {"component": {"name": "b", "mttf": "500h", "repair": "never"}}]}}


def test_durations_as_spec_text_and_the_closed_forms():
    model = load_spec(SERIES)
    result = mission(model, "30d", ["1d"])
    assert isinstance(result, MissionResult) and result.times_h == (24.0, 720.0)
    rate = 1 / 1000 + 1 / 500
    assert result.reliability.at(720.0) == pytest.approx(math.exp(-rate * 720.0), rel=1e-12)
    assert result.mttf_h == pytest.approx(1 / rate, rel=1e-10)
    assert result.as_dict() == engine_mission(model, 720.0, [24.0]).as_dict()


def test_bad_durations_name_the_field():
    model = load_spec(SERIES)
    with pytest.raises(SpecError, match="mission"):
        mission(model, "-1h")
    with pytest.raises(SpecError, match=r"at\[0\]"):
        mission(model, "10h", ["20h"])
