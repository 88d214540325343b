"""Specs whose elements depend on one another (repair teams, standby spares).

The structure-function entry points assume independent elements; each must refuse such a spec
by name rather than answer for the independent model, while ``hm.availability`` answers it
through the Markov engine and says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.engines.exact import exact_availability, unavailability_function
from hadr_model.engines.mission import mission
from hadr_model.service.uncertainty import propagate

DATA = Path(__file__).resolve().parents[2] / "data"
SPECS = {"standby": DATA / "standby_spares.yaml", "repair": DATA / "oncall_crews.yaml"}


@pytest.mark.parametrize("field", sorted(SPECS))
def test_structure_entry_points_refuse_by_name_and_the_facade_answers(field):
    model = hm.load_spec(SPECS[field])
    for call in (lambda: exact_availability(model), lambda: unavailability_function(model),
                 lambda: propagate(model, samples=64)):
        with pytest.raises(hm.SpecError) as caught:
            call()
        assert caught.value.field == field
    result = hm.availability(model)
    assert result.engine.startswith("Markov chain")
    assert 0.0 < result.system.unavailability < 1e-2


def test_mission_and_cut_sets_refuse_standby_spares(capsys):
    model = hm.load_spec(SPECS["standby"])
    with pytest.raises(hm.SpecError) as caught:
        mission(model, 100.0, [10.0])
    assert caught.value.field == "standby"
    assert main(["cutsets", str(SPECS["standby"])]) == 2
    assert "standby" in capsys.readouterr().err


PAIR_ONE_CREW = """\
name: pair-one-crew
blocks:
  parallel:
    - component: {name: a, mttf: 1000h, mttr: 10h}
    - component: {name: b, mttf: 1000h, mttr: 10h}
repair:
  ops: {crews: 1, components: [a, b]}
"""


@pytest.mark.parametrize("field", sorted(SPECS))
def test_cut_sets_and_exports_refuse_dependent_elements(capsys, tmp_path, field):
    # Each would state the spec with independent elements: a shared crew's pair came out at half
    # its unavailability, a standby spec at 50 times it.
    spec = SPECS[field]
    if field == "repair":       # a block spec: the cut sets refuse the region form anyway
        spec = tmp_path / "pair.yaml"
        spec.write_text(PAIR_ONE_CREW)
    commands = [["cutsets", str(spec)], ["export", str(spec), "--format", "openpsa"],
                ["export", str(spec), "--format", "prism"]]
    for command in commands:
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert f": {field}: got" in err and "independent" in err, err
