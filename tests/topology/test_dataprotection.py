"""Parsing of the data, recovery and objectives sections: defaults and precise errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hadr_model.errors import SpecError
from hadr_model.topology.dataprotection import (
    STRATEGY_NAMES,
    Restore,
    parse_data,
    parse_objectives,
    parse_recovery,
)
from hadr_model.topology.laws import Law, deterministic

FULL = {
    "db": {
        "size": "2TB",
        "write_rate": {"records_per_s": 200, "bytes_per_record": "2KB"},
        "replication": {"within_region": "synchronous", "across_regions": {"mode": "async", "lag": "5m"}},
        "snapshots": {"every": "24h", "takes": "30m", "copy_to": "fails_over_to", "copy_takes": "1h",
                      "keep": "30d"},
        "restore": {"throughput": "200MB/s", "index_rebuild": "30m", "verify": "10m"},
        "databases": {"count": 200, "size": {"dist": "lognorm", "s": 1, "mean": "10GB"}, "slots": 4,
                      "shared_throughput": "1GB/s"},
    }
}


def test_full_data_section():
    db = parse_data(FULL)["db"]
    assert db.size_bytes.mean == 2e12
    assert db.write_rate.records_per_h == 200 * 3600 and db.write_rate.bytes_per_h == 200 * 3600 * 2000
    assert db.replication.across_regions == "async" and db.replication.lag.mean_h == pytest.approx(5 / 60)
    assert db.snapshots.keep_h == 720.0 and db.snapshots.copy_takes.mean_h == 1.0
    assert db.restore.throughput_bytes_per_h.mean == pytest.approx(200e6 * 3600)
    assert db.restore.verify.mean_h == pytest.approx(10 / 60)
    assert db.databases.count == 200 and db.databases.slots == 4
    assert db.database_size_bytes.mean == pytest.approx(10e9)
    assert db.databases.shared_throughput_bytes_per_h == pytest.approx(1e9 * 3600)


def test_defaults():
    db = parse_data({"db": {"size": "1TB"}})["db"]
    assert db.replication.within_region == "synchronous" and db.replication.across_regions == "none"
    assert db.snapshots.every_h == 24.0 and db.snapshots.copy_to == "fails_over_to"
    assert db.databases.count == 1 and db.database_size_bytes.mean == 1e12
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


def test_database_size_defaults_to_an_even_split_and_size_to_the_total():
    split = parse_data({"db": {"size": "2TB", "databases": {"count": 200}}})["db"]
    assert split.database_size_bytes.mean == pytest.approx(1e10)
    assert split.database_size_bytes.unit == "bytes"
    total = parse_data({"db": {"databases": {"count": 10, "size": "5GB"}}})["db"]
    assert total.size_bytes.mean == pytest.approx(5e10) and total.size_bytes.unit == "bytes"


# --- units: a size or a throughput is never read as hours -------------------------------------

def test_sizes_and_throughputs_parse_with_their_units():
    db = parse_data(FULL)["db"]
    sizes = (db.size_bytes, db.databases.size_bytes, db.database_size_bytes)
    assert [law.unit for law in sizes] == ["bytes"] * 3
    assert db.restore.throughput_bytes_per_h.unit == "bytes/h"
    assert Restore().throughput_bytes_per_h.unit == "bytes/h"       # the default too
    assert Restore().throughput_bytes_per_h.mean == pytest.approx(100 * 2**20 * 3600)
    # A law of sizes keeps its shape and unit; its mean is the spec's, in bytes.
    lognormal = db.databases.size_bytes
    assert lognormal.dist == "lognorm" and lognormal.kwargs["s"] == 1
    assert lognormal.mean == pytest.approx(10e9, rel=1e-12)
    assert lognormal.describe() == "lognorm(s=1, scale=6.06531e+09; mean 1e+10 bytes)"
    gamma = parse_data({"db": {"size": "1TB", "restore": {"throughput": {"dist": "gamma", "a": 4,
                                                                       "mean": "200MB/s"}}}})["db"]
    throughput = gamma.restore.throughput_bytes_per_h
    assert throughput.unit == "bytes/h" and throughput.mean == pytest.approx(200e6 * 3600, rel=1e-12)
    assert throughput.variance == pytest.approx((200e6 * 3600) ** 2 / 4, rel=1e-9)
    assert throughput.describe().endswith("bytes/h)")
    # Durations keep their unit.
    assert db.restore.verify.unit == "h" and db.replication.lag.unit == "h"


@pytest.mark.parametrize("law", [
    parse_data(FULL)["db"].size_bytes,                         # fixed size
    parse_data(FULL)["db"].databases.size_bytes,               # lognormal sizes
    parse_data(FULL)["db"].restore.throughput_bytes_per_h,     # fixed throughput
    deterministic(5.0, unit="bytes/h"),
])
@pytest.mark.parametrize("attribute", ["mean_h", "variance_h2", "fixed_h"])
def test_a_size_or_rate_law_refuses_to_be_read_in_hours(law, attribute):
    with pytest.raises(TypeError, match=f"{attribute} is the .* of a law of durations; this law is in {law.unit}"):
        getattr(law, attribute)
    assert np.isfinite(law.mean) and law.mean > 0          # the unit-neutral reading works


def test_a_law_unit_is_one_of_the_known_units():
    with pytest.raises(ValueError, match="unit 'GB'"):
        Law("expon", (("scale", 1.0),), "GB")
    stretched = deterministic(4.0, unit="bytes").with_mean(8.0)
    assert stretched.unit == "bytes" and stretched.mean == 8.0 and stretched.describe() == "fixed 8 bytes"
    assert deterministic(4.0).mean_h == 4.0 and deterministic(4.0).fixed_h == 4.0


# --- the deprecated spelling ``tenants`` of ``databases`` ------------------------------------

def _with_alias(raw: dict) -> dict:
    role = dict(raw["db"])
    role["tenants"] = role.pop("databases")
    return {"db": role}


def test_tenants_is_a_deprecated_alias_of_databases():
    with pytest.warns(DeprecationWarning, match="data.db.tenants is deprecated: write data.db.databases"):
        old = parse_data(_with_alias(FULL))["db"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the new spelling warns of nothing
        new = parse_data(FULL)["db"]
    assert old == new and old.databases.key == "tenants" and new.databases.key == "databases"


def test_giving_databases_and_tenants_is_an_error_naming_both():
    both = {"db": {"size": "1TB", "databases": {"count": 2}, "tenants": {"count": 2}}}
    with pytest.raises(SpecError) as error:
        parse_data(both)
    assert error.value.field == "data.db.tenants"
    assert "data.db.databases" in str(error.value) and "data.db.tenants" in str(error.value)
    assert "not both" in str(error.value)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_errors_under_the_alias_name_the_field_as_written():
    with pytest.raises(SpecError) as error:
        parse_data({"db": {"size": "1TB", "tenants": {"count": 0}}})
    assert error.value.field == "data.db.tenants.count"
    with pytest.raises(SpecError) as error:
        parse_data({"db": {"tenants": {"count": 3}}})
    assert error.value.field == "data.db.size" and "tenants.size" in str(error.value)


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
    ({"db": {"size": "1TB", "databases": {"count": 0}}}, "data.db.databases.count"),
    ({"db": {"size": "1TB", "databases": {"slots": 2.5}}}, "data.db.databases.slots"),
    ({"db": {"size": "1TB", "databases": {"size": "0GB"}}}, "data.db.databases.size"),
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
