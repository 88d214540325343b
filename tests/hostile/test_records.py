"""Hostile incident records: refused in seconds with exit 2 naming what is wrong, or answered.

Each case runs ``hadr fit`` in a subprocess under a wall-clock and address-space cap
(:func:`run_bounded`): a file that would take minutes or gigabytes to parse must be refused
from its size, its line count or its Parquet metadata before it is read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hadr_model.evidence.records import MAX_BYTES, MAX_ROWS

from ._bounded import run_bounded

GIB = 1024**3
HEADER = "record,element_class,element,start,end,duration,detected,window_start,window_end,up_since\n"


def test_too_many_lines_refused_before_parsing(tmp_path):
    path = tmp_path / "many.csv"
    with path.open("w") as stream:
        stream.write(HEADER)
        stream.write("window,zone\n" * (MAX_ROWS + 1))
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused(str(path), f"at most {MAX_ROWS} rows")


def test_huge_file_refused_from_its_size(tmp_path):
    path = tmp_path / "sparse.csv"
    with path.open("wb") as stream:
        stream.write(HEADER.encode())
        stream.truncate(MAX_BYTES + 1)      # sparse: costs nothing on disk
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused(str(path), f"at most {MAX_BYTES} bytes")


def test_parquet_row_count_refused_from_metadata(tmp_path):
    path = tmp_path / "many.parquet"
    pd.DataFrame({"record": np.full(MAX_ROWS + 1, "window"), "element_class": "zone"}).to_parquet(path)
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused(str(path), f"{MAX_ROWS + 1} rows", f"at most {MAX_ROWS} rows")


def test_many_columns_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n")   # a 600 kB header line
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused(str(path), "a header line of more than 65536 bytes")


def test_huge_cell_refused_with_a_short_message(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text(HEADER + "window," + "z" * 50_000_000 + ",,,,,,2024-01-01,2024-01-02,\n")
    done = run_bounded(["fit", str(path)], seconds=60, memory_bytes=3 * GIB)
    done.assert_refused(str(path), "row 2, column element_class", "at most 200 characters")
    assert len(done.stderr) < 1000


def test_binary_garbage_refused(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB).assert_refused(str(path))


def test_terminal_escapes_in_a_class_refused(tmp_path):
    path = tmp_path / "escape.csv"
    path.write_text(HEADER + "window,\x1b[2Jzone,,,,,,2024-01-01,2024-01-02,\n")
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused("row 2, column element_class", "control characters")
    assert "\x1b" not in done.stderr


def test_quoted_newlines_cannot_hide_rows(tmp_path):
    # A quoted note spanning lines: the line count bounds the rows from above.
    path = tmp_path / "notes.csv"
    path.write_text("record,element_class,note\nwindow,zone,\"" + "\n" * (MAX_ROWS + 2) + "\"\n")
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused(str(path), f"at most {MAX_ROWS} rows")


@pytest.mark.slow
def test_a_million_rows_are_answered_within_bounds(tmp_path):
    rows = MAX_ROWS
    frame = pd.DataFrame({
        "record": np.tile(["window", "incident"], rows // 2),
        "element_class": "zone",
        "element": np.repeat(np.arange(rows // 2), 2).astype(str),
        "start": np.tile(["", "2024-01-01T06:00Z"], rows // 2),
        "duration": np.tile(["", "2"], rows // 2),
        "window_start": np.tile(["2024-01-01", ""], rows // 2),
        "window_end": np.tile(["2024-01-02", ""], rows // 2),
    })
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    done = run_bounded(["fit", str(path), "--json"], seconds=240, memory_bytes=3 * GIB)
    assert done.returncode == 0, done.stderr[-2000:]


def test_extra_fields_refused_not_shifted(tmp_path):
    # pandas would take the first column as an index and shift every value one column left.
    path = tmp_path / "shifted.csv"
    path.write_text(HEADER + "window,zone,z1,,,,,,2024-01-01,2024-01-02,\n")
    done = run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB)
    done.assert_refused(str(path), "row 2", "10 fields as in the header, not 11")


def test_many_short_columns_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["record"] * 5000) + "\n")
    run_bounded(["fit", str(path)], seconds=30, memory_bytes=2 * GIB).assert_refused(str(path), "5000 columns")
