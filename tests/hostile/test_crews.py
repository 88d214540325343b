"""Bad repair teams: each refused with exit 2 and the field path, within bounds."""

from __future__ import annotations

import pytest
import yaml

from ._bounded import run_bounded

BASE = {"zone": {"mttf": "8760h", "mttr": "4h"}, "region": {"mttf": "10y", "mttr": "12h"},
        "regions": {"east": {"zones": 3}}, "roles": {"app": {"per_zone": 2, "mttf": "2000h", "mttr": "3h"}}}

CASES = {
    "crews-zero": ({"ops": {"crews": 0, "repairs": ["zones"]}}, ["repair.ops.crews", "got 0"]),
    "crews-negative": ({"ops": {"crews": -3, "repairs": ["zones"]}}, ["repair.ops.crews"]),
    "crews-not-whole": ({"ops": {"crews": 1.5, "repairs": ["zones"]}}, ["repair.ops.crews"]),
    "names-nothing": ({"ops": {"crews": 1, "repairs": ["zones", "dbx"]}}, ["repair.ops.repairs[1]", "dbx"]),
    "no-links": ({"ops": {"crews": 1, "repairs": ["links"]}}, ["repair.ops.repairs[0]", "no links"]),
    "no-repairs": ({"ops": {"crews": 1}}, ["repair.ops.repairs"]),
    "priority-outside": ({"ops": {"crews": 1, "repairs": ["zones"], "priority": ["app"]}},
                         ["repair.ops.priority[0]", "app"]),
    "two-teams": ({"a": {"crews": 1, "repairs": ["zones"]}, "b": {"crews": 1, "repairs": ["zones"]}},
                  ["repair.b", "already in team a"]),
    "unknown-key": ({"ops": {"crews": 1, "repairs": ["zones"], "crew": 2}}, ["repair.ops", "crew"]),
    "global-per-region": (None, ["repair.ops.per_region"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_repair_team_is_refused_with_its_field(case, tmp_path):
    repair, fragments = CASES[case]
    spec = dict(BASE)
    if repair is None:
        spec["global"] = {"iam": {"mttf": "50000h", "mttr": "30m"}}
        spec["roles"] = {"app": {**BASE["roles"]["app"], "depends_on": ["iam"]}}
        repair = {"ops": {"crews": 1, "repairs": ["iam"], "per_region": True}}
    spec["repair"] = repair
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_bounded(["validate", str(path)], seconds=60).assert_refused(*fragments)


def test_block_form_component_that_does_not_exist(tmp_path):
    spec = {"blocks": {"component": {"name": "db", "mttf": "1000h", "mttr": "1h"}},
            "repair": {"ops": {"crews": 1, "components": ["web"]}}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_bounded(["availability", str(path)], seconds=60).assert_refused("repair.ops.components[0]", "web")


def test_a_team_too_large_for_the_chain_is_refused_fast(tmp_path):
    spec = {"blocks": {"parallel": [{"component": {"name": "u", "mttf": "1000h", "mttr": "1h", "count": 40}}]},
            "repair": {"ops": {"crews": 1, "components": ["u"]}}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_bounded(["availability", str(path)], seconds=30, memory_bytes=2 * 1024**3).assert_refused(
        "repair.ops", "1,099,511,627,776 Markov states", "hadr simulate")
