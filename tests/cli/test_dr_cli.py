"""``hadr dr``: compliance table, JSON, exit codes."""

import json

from hadr_model.cli import main


def test_dr_json_has_scenarios_and_failover(capsys):
    assert main(["dr", "--disasters", "2000", "--seed", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["scenarios"]) == {"zone_loss", "region_loss", "corruption"}
    region = payload["scenarios"]["region_loss"]["db"]
    assert region["rto_first_tenant_mean_h"] <= region["rto_median_tenant_mean_h"] <= region["rto_last_tenant_mean_h"]
    assert {row["objective"] for row in region["compliance"]} == {"rpo", "rto"}
    us_south = payload["failover"]["us-south"]
    assert us_south["expected_outage_h"] < us_south["region_repair_mean_h"]


def test_dr_text_one_scenario(capsys):
    assert main(["dr", "--scenario", "region-loss", "--disasters", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verdict: functions-platform: FAIL")
    # The verdict and the per-site table cover every scenario; --scenario picks the per-role tables.
    per_role = out.split("per stateful role")[1]
    assert "region_loss" in per_role and "zone_loss" not in per_role and "RTO last tenant" in per_role


def test_dr_bad_input_exits_2(capsys, tmp_path):
    assert main(["dr", "--disasters", "0"]) == 2
    assert "--disasters" in capsys.readouterr().err
    spec = tmp_path / "blocks.yaml"
    spec.write_text("blocks: {component: {name: a, availability: 0.9}}\n")
    assert main(["dr", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "region-form" in err and "Traceback" not in err


def test_availability_json_says_which_failover_model(capsys):
    assert main(["availability", "--json"]) == 0
    dr = json.loads(capsys.readouterr().out)
    assert dr["failover"]["model"] == "dr-workflow"
    assert main(["availability", "--json", "--failover", "instantaneous"]) == 0
    instant = json.loads(capsys.readouterr().out)
    assert instant["failover"]["model"] == "instantaneous"
    assert instant["unavailability"] < dr["unavailability"]
