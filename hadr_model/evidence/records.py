r"""Incident records: a CSV or Parquet file of observation windows and incidents, read into samples.

Format
------
One row per *observation window* of an element (``record: window``) or per *incident*
(``record: incident``: an outage of the element). Columns (header names exactly these; any
order; a column that is not needed may be left out):

================ ===================================================================================
``record``       ``window`` or ``incident`` (required)
``element_class`` where the element's behaviour sits in the spec: ``zone``, ``region``,
                 ``roles.db``, ``global.iam``, ``regions.eu-de.zone``, or a block component name
                 (required; the fitted laws are written under this key)
``element``      which element of the class (``eu-de-1``, ``db@eu-de-2``); empty: the class is one
                 element. Windows and incidents are matched by (class, element).
``start``        incident: when the outage began (required)
``end``          incident: when it ended; empty with ``duration`` empty: still open (right-censored)
``duration``     incident: instead of ``end``, how long it lasted (``4h``, ``30m``, or hours)
``detected``     incident, optional: when it was detected (a delay summary is reported)
``window_start`` window: when observation of the element began (required)
``window_end``   window: when it ended, e.g. the export date (required)
``up_since``     window, optional: when the up period in progress at ``window_start`` began
                 (installation or last repair): observation started late, the first up period
                 is *left-truncated*. Empty: the element is taken as new (or just repaired) at
                 ``window_start``
``note``         free text, ignored
================ ===================================================================================

Times are ISO 8601 (``2024-03-05T14:20:00Z``, ``2024-03-05 14:20+01:00``; no zone means UTC) or
a bare date ``2024-03-05``. In ``start`` and ``end`` a bare date means *only the day is known*:
the time is *interval-censored* to that day (``[00:00, 24:00)`` UTC). In the window columns,
``up_since`` and ``detected`` a bare date means midnight UTC. Parquet timestamp columns are
exact instants.

What is derived
---------------
Per element, windows that touch (one ends where the next starts) are one observation span.
Within a span, incidents in order of start give:

* **time to failure** (up periods): from the span start (or the end of the previous incident)
  to the next incident's start; the last up period, still running at the span end, is
  *right-censored*; the first one is left-truncated at ``window_start − up_since``
  (likelihood conditional on surviving to the start of observation); an interval-censored
  start or end makes the up period interval-censored;
* **time to repair**: the outage durations; an outage still open at the span end is
  right-censored at the span end (at the latest possible start when the start is a day).

Bad records are refused with :class:`~hadr_model.errors.SpecError` naming the file, the row
(as a spreadsheet numbers it: the header is row 1; in Parquet the 1-based record number), the
column and the value: an unknown column, an unparsable time or duration, an end before the
start, an unknown element class (when the spec's classes are given), overlapping windows of
an element, an incident outside every window of its element or overlapping the previous one,
an incident after one still open.

Limits
------
At most :data:`MAX_ROWS` rows and :data:`MAX_BYTES` bytes, checked before the file is parsed
(the file size, then its line count or the Parquet row count from its metadata).

Examples
--------
>>> import io, tempfile, os
>>> text = ("record,element_class,element,start,end,window_start,window_end\n"
...         "window,zone,z1,,,2024-01-01,2024-01-11\n"
...         "incident,zone,z1,2024-01-03T00:00Z,2024-01-03T04:00Z,,\n")
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "incidents.csv")
...     _ = open(path, "w").write(text)
...     records = read_records(path)
>>> ttf = records.sample("zone", "failure")
>>> ttf.low.tolist(), ttf.high.tolist()        # 48 h up, then 188 h still up at the end
([48.0, 188.0], [48.0, inf])
>>> records.sample("zone", "repair").low.tolist()
[4.0]
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SpecError
from ..units import parse_duration

__all__ = ["COLUMNS", "MAX_BYTES", "MAX_ROWS", "QUANTITIES", "Records", "Sample", "read_records"]

COLUMNS = ("record", "element_class", "element", "start", "end", "duration", "detected",
           "window_start", "window_end", "up_since", "note")
REQUIRED = ("record", "element_class")
QUANTITIES = ("failure", "repair")
MAX_ROWS = 1_000_000
MAX_BYTES = 256 * 1024**2
MAX_CLASS_CHARS = 200
MAX_HEADER_BYTES = 64 * 1024
MAX_DURATION_H = 1e6 * 8760.0     # as units.parse_duration: beyond a million years it is a typo
DAY_H = 24.0

_TIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
                        r"(?:Z|[+-]\d{2}(?::?\d{2})?)?")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_EXPECTED = "a time in ISO 8601 (2024-03-05T14:20Z) or a date (2024-03-05: only the day known)"
_WINDOW_ONLY = ("window_start", "window_end", "up_since")
_INCIDENT_ONLY = ("start", "end", "duration", "detected")


@dataclass(frozen=True)
class Sample:
    r"""Observed durations (hours) of one quantity of one element class, with their censoring.

    Observation ``i`` says: the duration lies in ``[low[i], high[i]]`` — exact when
    ``low == high``, right-censored (``> low``) when ``high`` is ``inf``, interval-censored
    otherwise — given that it exceeded ``entry[i]`` (left truncation; 0: none).

    Parameters
    ----------
    element_class : str
        The element class (a spec path such as ``zone`` or ``roles.db``).
    quantity : {"failure", "repair"}
        Time to failure (up periods) or time to repair (outages).
    low, high, entry : numpy.ndarray
        Hours, as above.
    source : str
        The records file.
    elements : int
        How many elements of the class the observations come from.
    rows : int
        How many records (rows) of the class there were.

    Examples
    --------
    >>> s = Sample.right_censored([10.0, 20.0, 5.0], [True, False, True])
    >>> s.events, s.right_censored_count, s.exposure_h
    (2, 1, 35.0)
    """

    element_class: str
    quantity: str
    low: np.ndarray
    high: np.ndarray
    entry: np.ndarray
    source: str = ""
    elements: int = 1
    rows: int = 0

    @classmethod
    def right_censored(cls, times: Any, observed: Any, entry: Any = None, *, element_class: str = "x",
                       quantity: str = "failure") -> Sample:
        """A sample of exact (``observed``) and right-censored times, optionally left-truncated."""
        low = np.asarray(times, dtype=float)
        high = np.where(np.asarray(observed, dtype=bool), low, math.inf)
        start = np.zeros_like(low) if entry is None else np.asarray(entry, dtype=float)
        return cls(element_class, quantity, low, high, start, elements=len(low), rows=len(low))

    @property
    def size(self) -> int:
        """Number of observations."""
        return len(self.low)

    @property
    def exact(self) -> np.ndarray:
        return self.low == self.high

    @property
    def censored(self) -> np.ndarray:
        return np.isinf(self.high)

    @property
    def interval(self) -> np.ndarray:
        return ~self.exact & ~self.censored

    @property
    def events(self) -> int:
        """Observed failures (or repairs): exact and interval-censored observations."""
        return int(np.count_nonzero(~self.censored))

    @property
    def right_censored_count(self) -> int:
        return int(np.count_nonzero(self.censored))

    @property
    def interval_count(self) -> int:
        return int(np.count_nonzero(self.interval))

    @property
    def truncated_count(self) -> int:
        return int(np.count_nonzero(self.entry > 0))

    @property
    def exposure_h(self) -> float:
        """Time at risk observed: ``Σ (time − entry)``, an interval-censored time at its midpoint."""
        time = np.where(self.interval, 0.5 * (self.low + self.high), self.low)
        return float(np.sum(time - self.entry))

    def describe(self) -> str:
        """``'12 failures, 3 right-censored, 1 interval-censored, exposure 87600 h'``."""
        noun = "failures" if self.quantity == "failure" else "repairs"
        parts = [f"{self.events} {noun}", f"{self.right_censored_count} right-censored"]
        if self.interval_count:
            parts.append(f"{self.interval_count} interval-censored")
        if self.truncated_count:
            parts.append(f"{self.truncated_count} left-truncated")
        parts.append(f"exposure {self.exposure_h:.6g} h")
        return ", ".join(parts)


@dataclass(frozen=True)
class Records:
    """The samples read from one records file.

    ``samples`` holds, per element class, the time-to-failure and the time-to-repair sample
    (either may be empty); ``detection_h`` the detection delays (``detected − start``, hours)
    of the incidents with an exact start and a detection time, per class.
    """

    file: str
    samples: tuple[Sample, ...]
    detection_h: Mapping[str, np.ndarray] = field(default_factory=dict)
    rows: int = 0

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.element_class for s in self.samples))

    def sample(self, element_class: str, quantity: str) -> Sample:
        for sample in self.samples:
            if sample.element_class == element_class and sample.quantity == quantity:
                return sample
        raise KeyError((element_class, quantity))


# --- reading the file -----------------------------------------------------------------------

def read_records(path: str | os.PathLike[str], *, classes: Collection[str] | None = None) -> Records:
    """Read and check a records file (see the module docstring for the format).

    Parameters
    ----------
    path : path
        A ``.csv`` or ``.parquet`` (``.pq``) file.
    classes : collection of str, optional
        The element classes of the spec; a record of any other class is refused.

    Raises
    ------
    SpecError
        Naming the file, row, column and value of the first bad record.
    """
    file = str(path)
    frame, first_row = _load_frame(Path(path), file)
    table = _Table(frame, file, first_row)
    _check_rows(table, classes)
    return _derive(table)


def _load_frame(path: Path, file: str) -> tuple[Any, int]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise SpecError("records", file, "a .csv or .parquet records file", file=file)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SpecError("records", file, "an existing records file (.csv or .parquet)", file=file) from None
    except OSError as error:
        raise SpecError("records", file, f"a readable records file ({error.__class__.__name__})", file=file) from None
    if not path.is_file():
        raise SpecError("records", file, "a records file, not a directory", file=file)
    if size > MAX_BYTES:
        raise SpecError("records", f"{size} bytes", f"a records file of at most {MAX_BYTES} bytes", file=file)
    if suffix == ".csv":
        return _read_csv(path, file), 2
    return _read_parquet(path, file), 1


def _count_lines(path: Path, most: int) -> int:
    """Newlines in the file, counting stops once past ``most`` (so a huge file costs little)."""
    count = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            count += chunk.count(b"\n")
            if count > most:
                break
    return count


def _header(path: Path, file: str) -> list[str]:
    """The column names, from the first line alone (a header of 100 000 names costs nothing)."""
    import csv

    with path.open("rb") as stream:
        line = stream.readline(MAX_HEADER_BYTES + 1)
    if len(line) > MAX_HEADER_BYTES:
        raise SpecError("columns", f"a header line of more than {MAX_HEADER_BYTES} bytes",
                        f"the record columns: {', '.join(COLUMNS)}", file=file)
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError("records", file, "a readable UTF-8 CSV file (the header is not UTF-8)", file=file) from None
    names = next(csv.reader([text]), [])
    if not names or names == [""]:
        raise SpecError("records", file, "a CSV file with a header row (record, element_class, …)", file=file)
    return names


def _read_csv(path: Path, file: str) -> Any:
    import pandas as pd
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    # Every data row ends in a newline but perhaps the last: rows <= newlines (a quoted note
    # spanning lines only lowers the true count).
    if _count_lines(path, MAX_ROWS + 1) > MAX_ROWS + 1:
        raise SpecError("records", f"more than {MAX_ROWS} lines", f"at most {MAX_ROWS} rows", file=file)
    names = _header(path, file)
    _check_columns(names, file)
    bad_rows: list[Any] = []

    def invalid(row: Any) -> str:
        bad_rows.append(row)
        return "error"

    # Arrow's reader, not pandas': it refuses a row with more fields than the header (pandas
    # would take the first column as an index, or drop the extra fields, silently).
    try:
        table = pa_csv.read_csv(
            path,
            # One block for the whole file (at most MAX_BYTES): a long cell cannot straddle two.
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=max(1 << 20, path.stat().st_size + 1)),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                   strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as error:
        if bad_rows:
            row = bad_rows[0]
            raise SpecError(f"row {row.number}" if row.number else "row", (row.text or "")[:200],
                            f"{row.expected_columns} fields as in the header, not {row.actual_columns}",
                            file=file) from None
        reason = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        raise SpecError("records", file, f"a readable UTF-8 CSV file ({reason[:200]})", file=file) from None
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def _read_parquet(path: Path, file: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        rows = handle.metadata.num_rows
        names = list(handle.schema_arrow.names)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise SpecError("records", file, f"a readable Parquet file ({error.__class__.__name__})",
                        file=file) from None
    if rows > MAX_ROWS:
        raise SpecError("records", f"{rows} rows", f"at most {MAX_ROWS} rows", file=file)
    _check_columns(names, file)
    try:
        return handle.read(columns=names).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise SpecError("records", file, f"a readable Parquet file ({error.__class__.__name__})",
                        file=file) from None


def _check_columns(names: list[Any], file: str) -> None:
    if len(names) > 4 * len(COLUMNS):
        raise SpecError("columns", f"{len(names)} columns", f"the record columns: {', '.join(COLUMNS)}", file=file)
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or name.strip() not in COLUMNS:
            raise SpecError("columns", name, f"one of the record columns: {', '.join(COLUMNS)}", file=file)
        if name.strip() in seen:
            raise SpecError("columns", name, "each column once", file=file)
        seen.add(name.strip())
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        raise SpecError("columns", names, f"the required column(s) {', '.join(missing)}", file=file)


class _Table:
    """The records as columns: text (for checks and messages) and, once checked, parsed values.

    Text columns are Arrow-backed strings: the checks are vectorised (Arrow's RE2), so a
    million rows cost about a second rather than a Python loop over every cell.
    """

    parsed: _Parsed

    def __init__(self, frame: Any, file: str, first_row: int) -> None:
        frame = frame.rename(columns=lambda name: name.strip())
        if len(frame) > MAX_ROWS:
            raise SpecError("records", f"{len(frame)} rows", f"at most {MAX_ROWS} rows", file=file)
        self.frame = frame
        self.file = file
        self.first_row = first_row
        self.size = len(frame)
        self.text = {name: _as_text(frame[name] if name in frame else None, self.size)
                     for name in COLUMNS if name != "note"}

    def row(self, index: int) -> int:
        return int(index) + self.first_row

    def refuse(self, index: int, column: str, expected: str) -> SpecError:
        value = self.frame[column].iloc[int(index)] if column in self.frame else SpecError.NO_VALUE
        if isinstance(value, str):
            value = value.strip()
        return SpecError(f"row {self.row(index)}, column {column}", value, expected, file=self.file)

    def first_bad(self, mask: np.ndarray, column: str, expected: str) -> None:
        bad = np.flatnonzero(mask)
        if bad.size:
            raise self.refuse(bad[0], column, expected)

    def present(self, column: str) -> np.ndarray:
        return (self.text[column] != "").to_numpy(dtype=bool)

    def matches(self, column: str, pattern: str) -> np.ndarray:
        """Whether each cell matches ``pattern`` (RE2 syntax) in full."""
        return self.text[column].str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)


def _as_text(series: Any, size: int) -> Any:
    """A column as stripped Arrow text, empty where missing (Parquet nulls) or absent."""
    import pandas as pd

    if series is None:
        return pd.Series([""] * size, dtype="string[pyarrow]")
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_timedelta64_dtype(series.dtype):
        # Kept typed (see _times, _durations); the text only says which cells are present.
        return pd.Series(np.where(series.isna().to_numpy(), "", "x"), dtype="string[pyarrow]")
    if not (pd.api.types.is_string_dtype(series.dtype) or pd.api.types.is_object_dtype(series.dtype)):
        series = series.astype(object).where(series.notna(), None)
        series = series.map(lambda value: value if value is None else str(value))
    text = series.astype("string[pyarrow]").fillna("").str.strip()
    return text.reset_index(drop=True)


# --- checking rows --------------------------------------------------------------------------

@dataclass
class _Parsed:
    window: np.ndarray
    element_class: np.ndarray
    element: np.ndarray
    start_lo: np.ndarray
    start_hi: np.ndarray
    end_lo: np.ndarray
    end_hi: np.ndarray
    duration: np.ndarray
    detected: np.ndarray
    window_start: np.ndarray
    window_end: np.ndarray
    up_since: np.ndarray


# RE2 (Arrow) syntax: \x{...} for code points.
_CONTROL_RE2 = r".*[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}].*"


def _check_rows(table: _Table, classes: Collection[str] | None) -> None:
    kind = table.text["record"].str.lower()
    window = (kind == "window").to_numpy(dtype=bool)
    table.first_bad(~window & (kind != "incident").to_numpy(dtype=bool), "record", "'window' or 'incident'")
    element_class = _element_classes(table, classes)
    _check_names(table, "element", "an element name")
    element = np.where(table.present("element"), table.text["element"].to_numpy(dtype=object), element_class)
    for column in _INCIDENT_ONLY:
        table.first_bad(window & table.present(column), column, "empty on a window row (it describes an incident)")
    for column in _WINDOW_ONLY:
        table.first_bad(~window & table.present(column), column,
                        "empty on an incident row (it describes an observation window)")
    start_lo, start_day = _times(table, "start")
    end_lo, end_day = _times(table, "end")
    window_start, _ = _times(table, "window_start")
    window_end, _ = _times(table, "window_end")
    up_since, _ = _times(table, "up_since")
    detected, _ = _times(table, "detected")
    duration = _durations(table)
    table.parsed = _Parsed(window, element_class, element, start_lo, start_lo + np.where(start_day, DAY_H, 0.0),
                           end_lo, end_lo + np.where(end_day, DAY_H, 0.0), duration, detected,
                           window_start, window_end, up_since)
    _check_windows(table, window)
    _check_incidents(table, ~window)


def _check_names(table: _Table, column: str, what: str) -> None:
    text = table.text[column]
    too_long = (text.str.len() > MAX_CLASS_CHARS).to_numpy(dtype=bool)
    table.first_bad(too_long | table.matches(column, _CONTROL_RE2), column,
                    f"{what} of at most {MAX_CLASS_CHARS} characters without control characters")


def _element_classes(table: _Table, classes: Collection[str] | None) -> np.ndarray:
    table.first_bad(~table.present("element_class"), "element_class",
                    "an element class such as zone, region or roles.db")
    _check_names(table, "element_class", "an element class")
    values = table.text["element_class"]
    if classes is not None:
        names = sorted(set(classes))
        listing = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
        table.first_bad(~values.isin(names).to_numpy(dtype=bool), "element_class",
                        f"an element class of the spec: {listing or 'none'}")
    return values.to_numpy(dtype=object)


def _times(table: _Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Hours since 1970 (NaN where empty) and whether each cell was a bare date."""
    import pandas as pd

    empty = np.full(table.size, math.nan), np.zeros(table.size, dtype=bool)
    if column not in table.frame:
        return empty
    series = table.frame[column]
    epoch = pd.Timestamp(0, tz="UTC")
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series.dt.tz_localize("UTC") if series.dt.tz is None else series.dt.tz_convert("UTC")
        return ((stamps - epoch) / pd.Timedelta(hours=1)).to_numpy(dtype=float, na_value=math.nan), empty[1]
    present = table.present(column)
    if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
        table.first_bad(present, column, _TIME_EXPECTED)
    table.first_bad(present & ~table.matches(column, _TIME_TEXT.pattern), column, _TIME_EXPECTED)
    text = table.text[column]
    parsed = pd.to_datetime(text.where(text != "", None), format="ISO8601", utc=True, errors="coerce")
    hours = ((parsed - epoch) / pd.Timedelta(hours=1)).to_numpy(dtype=float, na_value=math.nan)
    table.first_bad(present & np.isnan(hours), column, _TIME_EXPECTED)
    return hours, table.matches(column, _DATE_ONLY.pattern)


def _durations(table: _Table) -> np.ndarray:
    import pandas as pd

    hours = np.full(table.size, math.nan)
    if "duration" not in table.frame:
        return hours
    series = table.frame["duration"]
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        hours = (series / pd.Timedelta(hours=1)).to_numpy(dtype=float, na_value=math.nan)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        hours = series.to_numpy(dtype=float, na_value=math.nan)
    else:
        text = table.text["duration"]
        present = table.present("duration")
        # Plain numbers (hours) at once; text with a unit ("4h") one by one.
        hours = pd.to_numeric(text.where(present, None), errors="coerce").to_numpy(dtype=float, na_value=math.nan)
        for index in np.flatnonzero(present & np.isnan(hours)):
            hours[index] = _duration(table, int(index), table.text["duration"].iloc[index])
    valid = (hours > 0) & (hours <= MAX_DURATION_H)
    for index in np.flatnonzero(~np.isnan(hours) & ~valid)[:1]:
        _duration(table, index, float(hours[index]))     # raises, with parse_duration's own words
    return hours


def _duration(table: _Table, index: int, value: Any) -> float:
    try:
        return parse_duration(value, "duration")
    except SpecError as error:
        raise table.refuse(index, "duration", error.expected) from None


def _check_windows(table: _Table, window: np.ndarray) -> None:
    p = table.parsed
    table.first_bad(window & np.isnan(p.window_start), "window_start", "the start of the observation window")
    table.first_bad(window & np.isnan(p.window_end), "window_end", "the end of the observation window")
    table.first_bad(window & ~(p.window_end > p.window_start), "window_end", "a window end after its start")
    table.first_bad(window & (p.up_since > p.window_start), "up_since",
                    "a time at or before window_start (when the up period in progress then began)")


def _check_incidents(table: _Table, incident: np.ndarray) -> None:
    p = table.parsed
    table.first_bad(incident & np.isnan(p.start_lo), "start", "the start of the incident")
    both = incident & ~np.isnan(p.end_lo) & ~np.isnan(p.duration)
    table.first_bad(both, "duration", "either an end or a duration, not both")
    table.first_bad(incident & ~(p.end_hi > p.start_lo) & ~np.isnan(p.end_lo), "end", "an end after the start")
    table.first_bad(incident & (p.detected < p.start_lo), "detected", "a detection time at or after the start")


# --- from rows to samples -------------------------------------------------------------------

class _Collector:
    """Observations of one element class as they are derived."""

    def __init__(self) -> None:
        self.failure: list[tuple[float, float, float]] = []
        self.repair: list[tuple[float, float, float]] = []
        self.detection: list[float] = []
        self.elements = 0
        self.rows = 0


class _Walker:
    """Walks each element's windows and incidents in time order (one Python pass over lists:
    numpy scalar access would cost ten times more per row)."""

    def __init__(self, table: _Table) -> None:
        p = table.parsed
        self.table = table
        self.start_lo, self.start_hi = p.start_lo.tolist(), p.start_hi.tolist()
        self.end_lo, self.end_hi = p.end_lo.tolist(), p.end_hi.tolist()
        self.duration, self.detected = p.duration.tolist(), p.detected.tolist()
        self.window_start, self.window_end, self.up_since = (p.window_start.tolist(), p.window_end.tolist(),
                                                             p.up_since.tolist())

    def spans(self, windows: list[int]) -> list[tuple[float, float, float, int]]:
        """``(start, end, entry, last row)`` of each observation span (touching windows merged)."""
        spans: list[tuple[float, float, float, int]] = []
        for index in windows:
            start, end, up = self.window_start[index], self.window_end[index], self.up_since[index]
            entry = 0.0 if math.isnan(up) else start - up
            if spans and start < spans[-1][1]:
                raise self.table.refuse(index, "window_start", "a window of the element that starts at or after the "
                                        f"end of its previous window (row {self.table.row(spans[-1][3])})")
            if spans and start == spans[-1][1]:
                if entry > 0:
                    raise self.table.refuse(index, "up_since", "empty: this window continues the element's previous "
                                            f"window (row {self.table.row(spans[-1][3])})")
                spans[-1] = (spans[-1][0], end, spans[-1][2], index)
            else:
                spans.append((start, end, entry, index))
        return spans

    def element(self, element: str, windows: list[int], incidents: list[int], out: _Collector) -> None:
        if not windows:
            raise self.table.refuse(incidents[0], "element", "an element with an observation window (a 'window' "
                                    f"row for element {element!r} of this class)")
        spans = self.spans(windows)
        position = 0
        for span_start, span_end, entry, _ in spans:
            inside = []
            while position < len(incidents) and self.start_lo[incidents[position]] < span_end:
                index = incidents[position]
                if self.start_hi[index] <= span_start:
                    raise self._outside(index, spans)
                inside.append(index)
                position += 1
            self.span(span_start, span_end, entry, inside, out)
        if position < len(incidents):
            raise self._outside(incidents[position], spans)

    def _outside(self, index: int, spans: list[tuple[float, float, float, int]]) -> SpecError:
        rows = ", ".join(str(self.table.row(s[3])) for s in spans[:5]) + (", …" if len(spans) > 5 else "")
        return self.table.refuse(index, "start", "a start inside an observation window of the element "
                                 f"(window rows {rows})")

    def span(self, span_start: float, span_end: float, entry: float, incidents: list[int], out: _Collector) -> None:
        """Up periods and outages of one observation span, in order."""
        up_lo = up_hi = span_start       # when the current up period began (an interval if a day)
        previous: int | None = None      # the row of the previous incident
        for index in incidents:
            if previous is not None and math.isnan(up_lo):
                raise self.table.refuse(index, "start", "no incident after one still open (row "
                                        f"{self.table.row(previous)} has no end)")
            start_lo = max(self.start_lo[index], up_lo)
            start_hi = min(self.start_hi[index], span_end)
            if start_hi <= up_lo:
                what = (f"a start after the end of the element's previous incident (row {self.table.row(previous)})"
                        if previous is not None else "a start after the window start (an up period of zero length)")
                raise self.table.refuse(index, "start", what)
            out.failure.append((entry + max(0.0, start_lo - up_hi), entry + start_hi - up_lo, entry))
            entry = 0.0
            up_lo, up_hi = self.repair(index, start_lo, start_hi, span_end, out)
            previous = index
        if math.isnan(up_lo):
            return                       # still down at the end: no up period to censor
        if span_end > up_hi:
            out.failure.append((entry + span_end - up_hi, math.inf, entry))

    def repair(self, index: int, start_lo: float, start_hi: float, span_end: float,
               out: _Collector) -> tuple[float, float]:
        """Record the outage of row ``index``; return when it ended (an interval), NaN if still open."""
        detected, duration = self.detected[index], self.duration[index]
        if not math.isnan(detected) and self.start_lo[index] == self.start_hi[index]:
            out.detection.append(detected - self.start_lo[index])
        if not math.isnan(duration):
            out.repair.append((duration, duration, 0.0))
            return start_lo + duration, start_hi + duration
        if math.isnan(self.end_lo[index]):
            censored_at = span_end - start_hi     # the least it has lasted
            if censored_at > 0:
                out.repair.append((censored_at, math.inf, 0.0))
            return math.nan, math.nan
        end_lo, end_hi = max(self.end_lo[index], start_lo), self.end_hi[index]
        if end_hi <= start_lo:
            raise self.table.refuse(index, "end", "an end after the start")
        out.repair.append((max(0.0, end_lo - start_hi), end_hi - start_lo, 0.0))
        return end_lo, end_hi


def _derive(table: _Table) -> Records:
    import pandas as pd

    p = table.parsed
    keys = pd.DataFrame({"c": p.element_class, "e": p.element})
    codes = keys.groupby(["c", "e"], sort=True).ngroup().to_numpy()
    # Per element: its windows by start, then its incidents by start (ties: file order).
    time_key = np.where(p.window, p.window_start, p.start_lo)
    order = np.lexsort((np.arange(table.size), time_key, ~p.window, codes))
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    windows_of = np.bincount(codes, weights=p.window, minlength=int(codes.max(initial=-1)) + 1).astype(int)
    walker = _Walker(table)
    collectors: dict[str, _Collector] = {}
    classes, elements = p.element_class.tolist(), p.element.tolist()
    ordered, edges = order.tolist(), [0, *bounds.tolist(), table.size]
    windows_of, codes_list = windows_of.tolist(), codes.tolist()
    for begin, end in itertools.pairwise(edges) if table.size else []:
        rows = ordered[begin:end]
        first = rows[0]
        collector = collectors.setdefault(classes[first], _Collector())
        collector.elements += 1
        collector.rows += len(rows)
        count = windows_of[codes_list[first]]
        walker.element(elements[first], rows[:count], rows[count:], collector)
    samples = []
    for element_class in sorted(collectors):
        collector = collectors[element_class]
        for quantity in QUANTITIES:
            values = np.array(getattr(collector, quantity), dtype=float).reshape(-1, 3)
            samples.append(Sample(element_class, quantity, values[:, 0], values[:, 1], values[:, 2],
                                  source=table.file, elements=collector.elements, rows=collector.rows))
    detection = {c: np.array(k.detection, dtype=float) for c, k in sorted(collectors.items()) if k.detection}
    return Records(table.file, tuple(samples), detection, table.size)
