"""Bad standby spares: each refused with exit 2, one line naming the field path, within bounds."""

from __future__ import annotations

import copy

import pytest
import yaml

from ._bounded import run_bounded

ROLE = {"zone": {"mttf": "8760h", "mttr": "4h"}, "region": {"mttf": "10y", "mttr": "12h"},
        "regions": {"east": {"zones": 3}}, "roles": {"app": {"per_zone": 2, "mttf": "2000h", "mttr": "3h"}}}
BLOCK = {"blocks": {"parallel": [{"component": {"name": "pump", "mttf": "1000h", "mttr": "10h", "count": 2}}]}}
COMPONENT = "blocks.parallel[0].component"

# name: (form, what to merge into the role / component, fragments the one-line message must hold)
CASES = {
    "role-without-primary": ("role", {"per_zone": 0, "standby": {"spares": 1, "mode": "cold"}},
                             ["roles.app.per_zone", "got 0"]),
    "block-without-primary": ("block", {"count": 0, "standby": {"spares": 1, "mode": "cold"}},
                              [f"{COMPONENT}.count", "got 0"]),
    "spares-negative": ("role", {"standby": {"spares": -1, "mode": "cold"}}, ["roles.app.standby.spares", "-1"]),
    "spares-not-whole": ("block", {"standby": {"spares": 1.5, "mode": "cold"}}, [f"{COMPONENT}.standby.spares"]),
    "switch-above-one": ("block", {"standby": {"spares": 1, "mode": "cold", "switch_success": 1.5}},
                         [f"{COMPONENT}.standby.switch_success", "1.5"]),
    "switch-negative": ("role", {"standby": {"spares": 1, "mode": "cold", "switch_success": -0.1}},
                        ["roles.app.standby.switch_success", "-0.1"]),
    "switch-zero": ("role", {"standby": {"spares": 1, "mode": "cold", "switch_success": 0}},
                    ["roles.app.standby.switch_success", "more than 0"]),
    "dormant-on-cold": ("block", {"standby": {"spares": 1, "mode": "cold", "dormant_mttf": "5000h"}},
                        [f"{COMPONENT}.standby.dormant_mttf", "only a warm spare"]),
    "dormant-on-hot": ("role", {"standby": {"spares": 1, "mode": "hot", "dormant_mttf": "5000h"}},
                       ["roles.app.standby.dormant_mttf"]),
    "warm-without-dormant": ("role", {"standby": {"spares": 1, "mode": "warm"}},
                             ["roles.app.standby.dormant_mttf", "warm spare"]),
    "dormant-below-mttf": ("block", {"standby": {"spares": 1, "mode": "warm", "dormant_mttf": "10h"}},
                           [f"{COMPONENT}.standby.dormant_mttf", "at least the unit's MTTF"]),
    "unknown-mode": ("role", {"standby": {"spares": 1, "mode": "lukewarm"}},
                     ["roles.app.standby.mode", "lukewarm", "cold, warm, hot"]),
    "no-mode": ("block", {"standby": {"spares": 1}}, [f"{COMPONENT}.standby.mode"]),
    "unknown-key": ("role", {"standby": {"spares": 1, "mode": "cold", "spare": 2}},
                    ["roles.app.standby.spare", "did you mean"]),
    "not-a-mapping": ("block", {"standby": 2}, [f"{COMPONENT}.standby"]),
    "fixed-availability": ("block", {"mttf": None, "mttr": None, "availability": 0.99,
                                     "standby": {"spares": 1, "mode": "cold"}},
                           [f"{COMPONENT}.standby", "time laws"]),
    "with-beta": ("role", {"beta": 0.1, "standby": {"spares": 1, "mode": "cold"}}, ["roles.app.beta", "standby"]),
    "negative-switch-time": ("block", {"standby": {"spares": 1, "mode": "cold", "switch_time": "-5m"}},
                             [f"{COMPONENT}.standby.switch_time"]),
}


def _spec(form: str, change: dict) -> dict:
    spec = copy.deepcopy(ROLE if form == "role" else BLOCK)
    target = spec["roles"]["app"] if form == "role" else spec["blocks"]["parallel"][0]["component"]
    for key, value in change.items():
        if value is None:
            del target[key]
        else:
            target[key] = value
    return spec


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_standby_is_refused_with_its_field(case, tmp_path):
    form, change, fragments = CASES[case]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(_spec(form, change)))
    run_bounded(["validate", str(path)], seconds=60).assert_refused(*fragments)


def test_a_team_holding_part_of_a_standby_group_is_refused(tmp_path):
    spec = _spec("block", {"standby": {"spares": 1, "mode": "cold"}})
    spec["repair"] = {"ops": {"crews": 1, "components": ["pump[1]"]}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_bounded(["availability", str(path)], seconds=60).assert_refused("repair.ops", "pump[2]", "standby group")


def test_the_exact_engine_refuses_a_switch_time_and_points_to_simulate(tmp_path):
    spec = _spec("role", {"standby": {"spares": 1, "mode": "cold", "switch_time": "5m"}})
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_bounded(["availability", str(path)], seconds=60).assert_refused("roles.app.standby.switch_time",
                                                                        "hadr simulate")
