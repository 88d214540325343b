"""Parsing of the data, recovery and objectives sections: defaults and precise errors."""

from __future__ import annotations

import pytest

from hadr_model.errors import SpecError
from hadr_model.topology.dataprotection import (
    STRATEGY_NAMES,
    parse_data,
    parse_objectives,
    parse_recovery,
)

FULL = {
    "db": {
        "size": "2TB",
        "write_rate": {"records_per_s": 200, "bytes_per_record": "2KB"},
        "replication": {"within_region": "synchronous", "across_regions": {"mode": "async", "lag": "5m"}},
        "snapshots": {"every": "24h", "takes": "30m", "copy_to": "fails_over_to", "copy_takes": "1h",
                      "keep": "30d"},
        "restore": {"throughput": "200MB/s", "index_rebuild": "30m", "verify": "10m"},
        "tenants": {"count": 200, "size": {"dist": "lognorm", "s": 1, "mean": "10GB"}, "slots": 4,
                    "shared_throughput": "1GB/s"},
    }
}


def test_full_data_section():
    db = parse_data(FULL)["db"]
    assert db.size_bytes.mean_h == 2e12
    assert db.write_rate.records_per_h == 200 * 3600 and db.write_rate.bytes_per_h == 200 * 3600 * 2000
    assert db.replication.across_regions == "async" and db.replication.lag.mean_h == pytest.approx(5 / 60)
    assert db.snapshots.keep_h == 720.0 and db.snapshots.copy_takes.mean_h == 1.0
    assert db.restore.throughput_bytes_per_h.mean_h == pytest.approx(200e6 * 3600)
    assert db.restore.verify.mean_h == pytest.approx(10 / 60)
    assert db.tenants.count == 200 and db.tenants.slots == 4
    assert db.tenant_size_bytes.mean_h == pytest.approx(10e9)
    assert db.tenants.shared_throughput_bytes_per_h == pytest.approx(1e9 * 3600)


def test_defaults():
    db = parse_data({"db": {"size": "1TB"}})["db"]
    assert db.replication.within_region == "synchronous" and db.replication.across_regions == "none"
    assert db.snapshots.every_h == 24.0 and db.snapshots.copy_to == "fails_over_to"
    assert db.tenants.count == 1 and db.tenant_size_bytes.mean_h == 1e12
    assert db.write_rate is None
    assert parse_data(None) == {} and parse_data({}) == {}
    plan = parse_recovery(None)
    assert plan.strategy is None
    assert plan.step("region_loss", "provision").mean_h == 1.0
    assert plan.step("corruption", "detect").mean_h == 48.0
    objectives = parse_objectives(None)
    assert objectives.availability == 0.9999
    assert objectives.rpo_h == {"zone_loss": 0.0, "region_loss": 25.0, "corruption": 24.0}
    assert objectives.rto_h["region_loss"] == 4.0 and objectives.confidence == 0.95


def test_tenant_size_defaults_to_an_even_split_and_size_to_the_total():
    split = parse_data({"db": {"size": "2TB", "tenants": {"count": 200}}})["db"]
    assert split.tenant_size_bytes.mean_h == pytest.approx(1e10)
    total = parse_data({"db": {"tenants": {"count": 10, "size": "5GB"}}})["db"]
    assert total.size_bytes.mean_h == pytest.approx(5e10)


def test_snapshots_none_and_copy_none():
    assert parse_data({"db": {"size": "1TB", "snapshots": "none"}})["db"].snapshots is None
    assert parse_data({"db": {"size": "1TB", "snapshots": {"copy_to": "none"}}})["db"].snapshots.copy_to == "none"


def test_strategy_fills_defaults_and_explicit_steps_override():
    plan = parse_recovery({"strategy": "warm_standby", "region_loss": {"detect": "1m"}})
    assert plan.strategy == "warm_standby"
    assert plan.step("region_loss", "detect").mean_h == pytest.approx(1 / 60)
    assert plan.step("region_loss", "promote").mean_h == pytest.approx(5 / 60)
    assert set(STRATEGY_NAMES) == {"backup_restore", "pilot_light", "warm_standby", "active_active"}


def test_random_steps_and_objectives():
    plan = parse_recovery({"corruption": {"detect": {"dist": "expon", "mean": "2d"}}})
    assert plan.step("corruption", "detect").is_exponential
    objectives = parse_objectives({"availability": "99.95%", "rpo": {"region_loss": "1h"}, "confidence": 0.99})
    assert objectives.availability == 0.9995 and objectives.rpo_h["region_loss"] == 1.0
    assert objectives.rpo_h["zone_loss"] == 0.0 and objectives.confidence == 0.99


BAD_DATA = [
    ({"db": {"size": "2XB"}}, "data.db.size"),
    ({"db": {}}, "data.db.size"),
    ({"db": {"size": "1TB", "snapshot": {"every": "1h"}}}, "data.db.snapshot"),
    ({"db": {"size": "1TB", "snapshots": {"every": "-1h"}}}, "data.db.snapshots.every"),
    ({"db": {"size": "1TB", "snapshots": {"every": "24h", "keep": "1h"}}}, "data.db.snapshots.keep"),
    ({"db": {"size": "1TB", "snapshots": {"copy_to": "mars"}}}, "data.db.snapshots.copy_to"),
    ({"db": {"size": "1TB", "replication": {"within_region": "sometimes"}}}, "data.db.replication.within_region"),
    ({"db": {"size": "1TB", "replication": {"across_regions": {"mode": "async"}}}},
     "data.db.replication.across_regions.lag"),
    ({"db": {"size": "1TB", "replication": {"across_regions": {"mode": "eventual", "lag": "1m"}}}},
     "data.db.replication.across_regions.mode"),
    ({"db": {"size": "1TB", "restore": {"throughput": "fast"}}}, "data.db.restore.throughput"),
    ({"db": {"size": "1TB", "restore": {"throughput": {"dist": "gamma", "a": 2, "mean": "200MB"}}}},
     "data.db.restore.throughput.mean"),
    ({"db": {"size": "1TB", "restore": {"index_rebuild": {"dist": "nonsense", "mean": "1h"}}}},
     "data.db.restore.index_rebuild.dist"),
    ({"db": {"size": "1TB", "tenants": {"count": 0}}}, "data.db.tenants.count"),
    ({"db": {"size": "1TB", "tenants": {"slots": 2.5}}}, "data.db.tenants.slots"),
    ({"db": {"size": "1TB", "write_rate": {"records_per_s": -3}}}, "data.db.write_rate.records_per_s"),
    ({"db": "big"}, "data.db"),
    (["db"], "data"),
]


@pytest.mark.parametrize(("raw", "field"), BAD_DATA)
def test_bad_data_names_the_field(raw, field):
    with pytest.raises(SpecError) as error:
        parse_data(raw)
    assert error.value.field == field
    assert str(error.value).startswith(field)


BAD_RECOVERY = [
    ({"region_loss": {"detect": "soon"}}, "recovery.region_loss.detect"),
    ({"region_loss": {"detct": "5m"}}, "recovery.region_loss.detct"),
    ({"zone_lost": {"detect": "5m"}}, "recovery.zone_lost"),
    ({"strategy": "pilot_lite"}, "recovery.strategy"),
    ({"corruption": {"detect": {"dist": "expon"}, "decide": -1}}, "recovery.corruption.decide"),
    ({"corruption": "later"}, "recovery.corruption"),
]


@pytest.mark.parametrize(("raw", "field"), BAD_RECOVERY)
def test_bad_recovery_names_the_field(raw, field):
    with pytest.raises(SpecError) as error:
        parse_recovery(raw)
    assert error.value.field == field


BAD_OBJECTIVES = [
    ({"availability": 1.5}, "objectives.availability"),
    ({"rpo": {"region_loss": "a day"}}, "objectives.rpo.region_loss"),
    ({"rto": {"regionloss": "4h"}}, "objectives.rto.regionloss"),
    ({"rto_h": {}}, "objectives.rto_h"),
    ({"confidence": "most"}, "objectives.confidence"),
]


@pytest.mark.parametrize(("raw", "field"), BAD_OBJECTIVES)
def test_bad_objectives_name_the_field(raw, field):
    with pytest.raises(SpecError) as error:
        parse_objectives(raw)
    assert error.value.field == field


@pytest.mark.parametrize(("parse", "raw", "suggestion"), [
    (parse_data, {"db": {"size": "1TB", "snapshot": {}}}, "snapshots"),
    (parse_recovery, {"region_loss": {"detct": "5m"}}, "detect"),
    (parse_recovery, {"strategy": "pilot_lite"}, "pilot_light"),
    (parse_objectives, {"rto": {"regionloss": "4h"}}, "region_loss"),
])
def test_unknown_keys_suggest_the_closest_name(parse, raw, suggestion):
    with pytest.raises(SpecError, match=f"did you mean '{suggestion}'"):
        parse(raw)


def test_field_prefix_is_used():
    with pytest.raises(SpecError) as error:
        parse_data({"db": {"size": "x"}}, field="spec.data")
    assert error.value.field == "spec.data.db.size"
