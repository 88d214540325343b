"""Incident records: what each record means for the samples, Parquet, limits, the example file."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hadr_model.errors import SpecError
from hadr_model.evidence import records as records_module
from hadr_model.evidence.records import COLUMNS, Sample, read_records

DATA = Path(__file__).resolve().parents[2] / "data"
HEADER = "record,element_class,element,start,end,duration,detected,window_start,window_end,up_since"


def _write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _pairs(sample: Sample) -> list[tuple[float, float, float]]:
    return [(round(float(lo), 6), float(hi) if math.isinf(hi) else round(float(hi), 6), round(float(a), 6))
            for lo, hi, a in zip(sample.low, sample.high, sample.entry)]


def test_up_periods_and_outages_of_one_element(tmp_path):
    path = _write(tmp_path,
                  "window,zone,z1,,,,,2024-01-01T00:00Z,2024-01-11T00:00Z,",
                  "incident,zone,z1,2024-01-03T00:00Z,2024-01-03T04:00Z,,,,,",
                  "incident,zone,z1,2024-01-05T04:00Z,,2h,2024-01-05T04:30Z,,,")
    records = read_records(path)
    # 48 h up, 4 h down, 48 h up, 2 h down, 138 h up until the end (right-censored)
    assert _pairs(records.sample("zone", "failure")) == [(48.0, 48.0, 0.0), (48.0, 48.0, 0.0), (138.0, math.inf, 0.0)]
    assert _pairs(records.sample("zone", "repair")) == [(4.0, 4.0, 0.0), (2.0, 2.0, 0.0)]
    ttf, ttr = records.sample("zone", "failure"), records.sample("zone", "repair")
    assert ttf.exposure_h + ttr.exposure_h == 240.0          # the whole window, up or down
    assert records.detection_h["zone"].tolist() == [0.5]
    assert ttf.elements == 1 and ttf.rows == 3


def test_left_truncation_from_up_since(tmp_path):
    path = _write(tmp_path,
                  "window,zone,z1,,,,,2024-01-02T00:00Z,2024-01-11T00:00Z,2024-01-01T00:00Z",
                  "incident,zone,z1,2024-01-03T00:00Z,2024-01-03T04:00Z,,,,,")
    # up since 24 h before the window: first up period is 48 h given that it exceeded 24 h
    assert _pairs(read_records(path).sample("zone", "failure")) == [(48.0, 48.0, 24.0), (188.0, math.inf, 0.0)]


def test_left_truncation_without_failure(tmp_path):
    path = _write(tmp_path, "window,region,r1,,,,,2024-01-02T00:00Z,2024-01-03T00:00Z,2024-01-01T00:00Z")
    assert _pairs(read_records(path).sample("region", "failure")) == [(48.0, math.inf, 24.0)]


def test_dates_only_are_interval_censored(tmp_path):
    path = _write(tmp_path,
                  "window,zone,z1,,,,,2024-01-01T00:00Z,2024-01-11T00:00Z,",
                  "incident,zone,z1,2024-01-03,2024-01-04,,,,,",
                  "incident,zone,z1,2024-01-06T00:00Z,2024-01-06T01:00Z,,,,,")
    records = read_records(path)
    # failure on 3 Jan: up 48-72 h; repaired on 4 Jan: down 0-48 h; next up from [4 Jan, 5 Jan) to 6 Jan 00:00
    assert _pairs(records.sample("zone", "failure")) == [(48.0, 72.0, 0.0), (24.0, 48.0, 0.0),
                                                         (119.0, math.inf, 0.0)]
    assert _pairs(records.sample("zone", "repair")) == [(0.0, 48.0, 0.0), (1.0, 1.0, 0.0)]
    assert records.sample("zone", "failure").interval_count == 2


def test_open_outage_is_right_censored_and_ends_the_span(tmp_path):
    path = _write(tmp_path,
                  "window,roles.db,d1,,,,,2024-01-01T00:00Z,2024-01-02T00:00Z,",
                  "incident,roles.db,d1,2024-01-01T20:00Z,,,,,,")
    records = read_records(path)
    assert _pairs(records.sample("roles.db", "failure")) == [(20.0, 20.0, 0.0)]   # no up period after it
    assert _pairs(records.sample("roles.db", "repair")) == [(4.0, math.inf, 0.0)]


def test_touching_windows_are_one_span_and_gaps_restart(tmp_path):
    path = _write(tmp_path,
                  "window,zone,z1,,,,,2024-01-01T00:00Z,2024-01-02T00:00Z,",
                  "window,zone,z1,,,,,2024-01-02T00:00Z,2024-01-03T00:00Z,",
                  "window,zone,z1,,,,,2024-01-05T00:00Z,2024-01-06T00:00Z,",
                  "incident,zone,z1,2024-01-02T12:00Z,2024-01-02T13:00Z,,,,,")
    assert _pairs(read_records(path).sample("zone", "failure")) == [(36.0, 36.0, 0.0), (11.0, math.inf, 0.0),
                                                                    (24.0, math.inf, 0.0)]


def test_elements_and_classes_are_kept_apart(tmp_path):
    path = _write(tmp_path,
                  "window,zone,z1,,,,,2024-01-01T00:00Z,2024-01-02T00:00Z,",
                  "window,zone,z2,,,,,2024-01-01T00:00Z,2024-01-02T00:00Z,",
                  "window,region,z1,,,,,2024-01-01T00:00Z,2024-01-03T00:00Z,",
                  "incident,zone,z2,2024-01-01T06:00Z,2024-01-01T07:00Z,,,,,")
    records = read_records(path)
    assert records.classes == ("region", "zone")
    assert records.sample("zone", "failure").elements == 2
    assert sorted(_pairs(records.sample("zone", "failure"))) == [(6.0, 6.0, 0.0), (17.0, math.inf, 0.0),
                                                                 (24.0, math.inf, 0.0)]
    assert _pairs(records.sample("region", "failure")) == [(48.0, math.inf, 0.0)]


def test_columns_in_any_order_and_optional_ones_left_out(tmp_path):
    path = _write(tmp_path, "zone,window,2024-01-02,2024-01-01,", "zone,incident,,,2024-01-01T10:00Z",
                  header="element_class,record,window_end,window_start,start")
    records = read_records(path)
    assert _pairs(records.sample("zone", "failure")) == [(10.0, 10.0, 0.0)]
    assert _pairs(records.sample("zone", "repair")) == [(14.0, math.inf, 0.0)]


def test_unknown_class_is_refused_only_with_classes(tmp_path):
    path = _write(tmp_path, "window,zones,,,,,,2024-01-01,2024-01-02,")
    assert read_records(path).classes == ("zones",)
    with pytest.raises(SpecError) as raised:
        read_records(path, classes={"zone", "region"})
    error = raised.value
    assert (error.field, error.value, error.file) == ("row 2, column element_class", "zones", str(path))
    assert "region, zone" in error.expected


def test_parquet_with_typed_columns_reads_as_the_csv(tmp_path):
    frame = pd.DataFrame({
        "record": ["window", "incident", "incident"],
        "element_class": ["zone"] * 3, "element": ["z1"] * 3,
        "start": pd.to_datetime([None, "2024-01-03T00:00Z", "2024-01-05T04:00Z"], utc=True),
        "duration": pd.to_timedelta([None, "4h", None]),
        "end": pd.to_datetime([None, None, "2024-01-05T06:00Z"], utc=True),
        "window_start": pd.to_datetime(["2024-01-01", None, None]),      # naive: UTC
        "window_end": pd.to_datetime(["2024-01-11", None, None]),
    })
    path = tmp_path / "r.parquet"
    frame.to_parquet(path)
    records = read_records(path)
    assert _pairs(records.sample("zone", "failure")) == [(48.0, 48.0, 0.0), (48.0, 48.0, 0.0), (138.0, math.inf, 0.0)]
    assert _pairs(records.sample("zone", "repair")) == [(4.0, 4.0, 0.0), (2.0, 2.0, 0.0)]


def test_parquet_errors_name_the_record_number(tmp_path):
    frame = pd.DataFrame({"record": ["window", "windows"], "element_class": ["zone", "zone"],
                          "window_start": ["2024-01-01", "2024-01-01"], "window_end": ["2024-01-02", "2024-01-02"]})
    path = tmp_path / "r.parquet"
    frame.to_parquet(path)
    with pytest.raises(SpecError) as raised:
        read_records(path)
    assert raised.value.field == "row 2, column record"


def test_row_limit_is_checked_before_parsing(tmp_path, monkeypatch):
    path = _write(tmp_path, *["window,zone,z,,,,,2024-01-01,2024-01-02,"] * 6)
    monkeypatch.setattr(records_module, "MAX_ROWS", 5)

    def never(*args, **kwargs):
        raise AssertionError("parsed a file over the row limit")

    monkeypatch.setattr(pd, "read_csv", never)
    with pytest.raises(SpecError, match="at most 5 rows"):
        read_records(path)


def test_parquet_row_limit_is_read_from_the_metadata(tmp_path, monkeypatch):
    path = tmp_path / "r.parquet"
    pd.DataFrame({"record": ["window"] * 6, "element_class": ["zone"] * 6}).to_parquet(path)
    monkeypatch.setattr(records_module, "MAX_ROWS", 5)
    import pyarrow.parquet as pq

    monkeypatch.setattr(pq.ParquetFile, "read", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    with pytest.raises(SpecError, match="at most 5 rows"):
        read_records(path)


def test_size_limit_is_checked_first(tmp_path, monkeypatch):
    path = _write(tmp_path, "window,zone,z,,,,,2024-01-01,2024-01-02,")
    monkeypatch.setattr(records_module, "MAX_BYTES", 10)
    with pytest.raises(SpecError, match="at most 10 bytes"):
        read_records(path)


def test_example_file_is_what_its_script_writes(tmp_path):
    target = tmp_path / "incidents.csv"
    subprocess.run([sys.executable, str(DATA / "make_incidents.py"), str(target)], check=True, capture_output=True)
    assert target.read_bytes() == (DATA / "incidents_example.csv").read_bytes()


def test_example_file_uses_every_feature():
    records = read_records(DATA / "incidents_example.csv", classes={"zone", "region", "roles.db", "roles.edge"})
    zone = records.sample("zone", "failure")
    assert zone.interval_count > 0 and zone.truncated_count > 0 and zone.right_censored_count > 0
    assert records.sample("roles.db", "repair").right_censored_count == 1      # the outage open at the export
    assert records.detection_h["roles.db"].size > 0
    header = (DATA / "incidents_example.csv").read_text().splitlines()[0].split(",")
    assert set(header) <= set(COLUMNS)


@pytest.mark.slow
def test_a_million_rows_read_in_bounded_time(tmp_path):
    # The limit itself: 1,000,000 rows must be readable, not only refusable.
    rows = 1_000_000
    elements = np.arange(rows // 2)
    frame = pd.DataFrame({
        "record": np.repeat([["window", "incident"]], rows // 2, axis=0).ravel(),
        "element_class": "zone",
        "element": np.repeat(elements, 2).astype(str),
        "start": np.tile(["", "2024-01-01T06:00Z"], rows // 2),
        "duration": np.tile(["", "2"], rows // 2),
        "window_start": np.tile(["2024-01-01", ""], rows // 2),
        "window_end": np.tile(["2024-01-02", ""], rows // 2),
    })
    path = tmp_path / "big.parquet"
    frame.to_parquet(path)
    records = read_records(path)
    assert records.sample("zone", "failure").events == rows // 2
    assert records.sample("zone", "repair").exposure_h == 2.0 * rows // 2
