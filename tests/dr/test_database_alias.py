"""``data.ROLE.databases`` and its deprecated alias ``tenants``: the same DR numbers, never both.

A *tenant* is a user homed in a region (the availability figures); a *database* is what a DR
workflow restores. The spec key was ``tenants`` before the two got different names.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.dr import failover_costs, topology_scenarios

SHIPPED = Path(hm.__file__).resolve().parent / "specs" / "functions_platform.yaml"


def _shipped() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def _old_spelling(spec: dict) -> dict:
    old = copy.deepcopy(spec)
    for body in old["data"].values():
        if "databases" in body:
            body["tenants"] = body.pop("databases")
    return old


def test_shipped_spec_uses_databases():
    spec = _shipped()
    assert "databases" in spec["data"]["db"] and "tenants" not in spec["data"]["db"]
    assert spec["data"]["db"]["databases"]["count"] == 200


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_old_tenants_key_gives_identical_dr_numbers():
    new, old = hm.load_spec(_shipped()), hm.load_spec(_old_spelling(_shipped()))
    assert old.data == new.data
    kwargs = {"n_disasters": 400, "seed": 5}
    new_results = topology_scenarios(new, ("region-loss", "zone-loss"), **kwargs)
    old_results = topology_scenarios(old, ("region-loss", "zone-loss"), **kwargs)
    for scenario, roles in new_results.items():
        for role, result in roles.items():
            assert old_results[scenario][role].summary() == result.summary(), (scenario, role)
    assert new_results["region_loss"]["db"].summary()["databases"] == 200.0
    assert failover_costs(old, **kwargs) == failover_costs(new, **kwargs)


def test_both_keys_are_refused_naming_both(tmp_path, capsys):
    spec = _shipped()
    spec["data"]["db"]["tenants"] = dict(spec["data"]["db"]["databases"])
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(hm.SpecError) as error:
        hm.load_spec(spec)
    assert error.value.field == "data.db.tenants"
    assert main(["dr", str(path), "--disasters", "100"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hadr: error: ")
    assert "data.db.databases" in err and "data.db.tenants" in err and "not both" in err
    assert "Traceback" not in err
