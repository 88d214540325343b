"""The service facade loads its submodules on first use, and its names stay the functions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import hadr_model as hm
from hadr_model import service

FUNCTIONS = ("availability", "mission", "verdict")


def test_every_public_name_resolves_to_what_its_submodule_defines():
    for name in service.__all__:
        module = sys.modules[importlib_name(name)]
        assert getattr(service, name) is getattr(module, name)
    assert sorted(dir(service)) == sorted(service.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = service.nothing


def importlib_name(name: str) -> str:
    getattr(service, name)      # loads the submodule
    return f"hadr_model.service{service._LAZY[name]}"


@pytest.mark.parametrize("first", ["hadr_model.service.verdict", "hadr_model.service.mission",
                                   "hadr_model.service.availability", "hadr_model.service.uncertainty"])
def test_importing_a_submodule_first_leaves_the_functions_in_place(first):
    # A fresh interpreter: the submodule is imported before any name of the package is asked.
    code = (f"import importlib, json, types; importlib.import_module({first!r})\n"
            "import hadr_model as hm\n"
            "from hadr_model import service\n"
            f"print(json.dumps({{n: isinstance(getattr(service, n), types.FunctionType) for n in {FUNCTIONS!r}}}))\n"
            "print(hm.availability is service.availability is importlib.import_module("
            "'hadr_model.service.availability').availability)\n")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert json.loads(lines[0]) == dict.fromkeys(FUNCTIONS, True)
    assert lines[1] == "True"


def test_a_simulation_through_the_facade_is_the_engine_s_run():
    from hadr_model.engines.montecarlo import simulate as engine

    spec = hm.load_spec({"name": "one", "blocks": {"component": {"name": "a", "mttf": "100h", "mttr": "5h"}}})
    ours, theirs = service.simulate(spec, years=1, runs=200, seed=4), engine(spec, years=1, runs=200, seed=4)
    assert ours.failover_model == "none"
    timing = {"seconds", "elapsed_s"}
    assert ({k: v for k, v in ours.as_dict().items() if k not in timing}
            == {k: v for k, v in theirs.as_dict().items() if k not in timing})
