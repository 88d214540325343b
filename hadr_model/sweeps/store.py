"""The results of one sweep in one directory, written so that an interruption loses nothing.

Layout of ``DIR``::

    .sweep.lock       held (flock) by the one sweep process using DIR; it holds that process's pid
    manifest.json     what the sweep is (grid hash, target, seed, number of points)
    journal.jsonl     one JSON line per finished point, appended, flushed per point
    results.parquet   the table, compacted from the journal at the end (CSV too on request)
                      (durations listed in the grid with a unit, ``[15m, 1h]``, in hours there, with
                      the text as written in a ``<parameter>_text`` column beside)
    points/           notebook mode: each executed notebook and its results file

The journal is the truth: a point is finished once its line is in it. Its lines are strict
JSON (RFC 8259, no ``NaN`` / ``Infinity`` literals, so any JSON reader takes them): a
non-finite number is written as ``{"__float__": "nan"}`` (or ``"inf"``, ``"-inf"``) and read
back as that float. The lines of the points of one task are written and flushed as they
arrive (the OS then has them, so killing the sweep loses nothing) and fsynced
at least every 0.2 s and at the end (so a machine crash loses at most the last 0.2 s). A line
cut short by a kill is dropped on resume; any other unreadable line, a manifest of another
sweep or sweep files without a manifest stop the sweep with :class:`SweepError` — nothing
in ``DIR`` is overwritten unless it belongs to this very sweep. Every whole-file write goes
to a temporary file first and then ``os.replace``.

One sweep at a time per directory: opening the store takes an exclusive ``flock`` on
``DIR/.sweep.lock`` and keeps it until the store is closed, so a second sweep (or resume) into the
same directory stops at once with :class:`SweepError` naming the holder's pid, instead of
running the missing points twice. The kernel releases the lock when its holder dies, so a
killed sweep never leaves a stale lock behind (the file stays; it is the lock that matters).

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     store = SweepStore.open(tmp, {"grid_hash": "abc", "points": 1}, resume=False)
...     store.append([{"index": 0, "point_id": "p0", "seed": 1, "parameters": {"x": 1},
...                    "results": {"y": 2.0}, "status": "ok", "error": None, "seconds": 0.1}])
...     store.close()
...     load_sweep(tmp)[["x", "y", "status"]].to_dict("records")
[{'x': 1, 'y': 2.0, 'status': 'ok'}]
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from ..errors import HadrError
from ..units import parse_duration

__all__ = ["JOURNAL", "LOCK", "MANIFEST", "TABLE", "SweepError", "SweepStore", "check_directory",
           "close_inherited_locks", "decode_line", "encode_line", "load_sweep", "rows_to_frame"]

FORMAT = "hadr_model.sweep"
VERSION = 1
MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
TABLE = "results.parquet"
CSV = "results.csv"
POINTS = "points"
LOCK = ".sweep.lock"   # not the reports' ".lock": one folder may hold both
FSYNC_EVERY_S = 0.2
_OURS = (MANIFEST, JOURNAL, TABLE, CSV, POINTS)
_FIRST = ("index", "point_id", "seed")
_LAST = ("status", "error", "seconds", "attempts", "notebook")


class SweepError(HadrError):
    """A sweep directory that cannot be used as asked (corrupt, foreign, or another sweep's)."""


_FLOAT_TAG = "__float__"
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _tagged(value: Any) -> Any:
    """``value`` with every NaN / ±inf replaced by its tag (containers copied, others kept)."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {_FLOAT_TAG: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, Mapping):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tagged(item) for item in value]
    return value


def _untag(mapping: dict[str, Any]) -> Any:
    if len(mapping) == 1 and mapping.get(_FLOAT_TAG) in _NON_FINITE:
        return _NON_FINITE[mapping[_FLOAT_TAG]]
    return mapping


def encode_line(record: Mapping[str, Any]) -> bytes:
    """One journal line: strict JSON, non-finite numbers tagged, newline-terminated.

    Examples
    --------
    >>> encode_line({"y": float("inf")})
    b'{"y": {"__float__": "inf"}}\\n'
    """
    try:
        # Most records hold finite numbers only: one C-level dump, no copy. Only one that holds
        # NaN / ±inf (refused by allow_nan=False) pays for the tagging walk.
        return json.dumps(record, allow_nan=False, default=str).encode() + b"\n"
    except ValueError:
        return json.dumps(_tagged(record), allow_nan=False, default=str).encode() + b"\n"


def decode_line(line: bytes | str) -> Any:
    """A journal line back as Python values (tags become NaN / ±inf again).

    Examples
    --------
    >>> decode_line(b'{"y": {"__float__": "-inf"}, "z": 1.5}')
    {'y': -inf, 'z': 1.5}
    """
    return json.loads(line, object_hook=_untag)


def check_directory(directory: str | Path) -> Path:
    """``directory`` as a Path, when it can be a sweep directory (missing, or a directory).

    Raises
    ------
    SweepError
        When it exists and is not a directory (a file), or a path above it is a file.
    """
    path = Path(directory)
    for candidate in (path, *path.parents):
        if candidate.exists():
            if not candidate.is_dir():
                what = "is a file" if candidate == path else f"is below {candidate}, which is a file"
                raise SweepError(f"{path} {what}, not a directory; the sweep needs a directory (a new one, "
                                 "or this sweep's to --resume) - choose another --out")
            break
    return path


_held_locks: set[int] = set()


def _lock(directory: Path) -> int | None:
    """Take the directory's lock (a file descriptor holding ``flock``), or raise naming its holder.

    Returns None where ``fcntl`` does not exist (Windows): no lock, as before.
    """
    try:
        import fcntl
    except ImportError:   # pragma: no cover - Windows
        return None
    path = directory / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise SweepError(f"cannot create the lock file {path}: {error.strerror or error}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        who = f"pid {holder}" if holder.isdigit() else "a process that is still starting"
        raise SweepError(f"{directory} is in use by another sweep ({who}; lock {path}); wait for it to "
                         "finish, or choose another --out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held_locks.add(fd)
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None and fd in _held_locks:
        _held_locks.discard(fd)
        os.close(fd)   # closing the last descriptor of the lock releases it


def close_inherited_locks() -> None:
    """In a forked child: close the copies of this process's sweep locks.

    A lock belongs to the open file, which a fork shares: a worker must not keep the sweep
    directory locked after the sweep process has ended. Closing the child's copy does not
    release the parent's lock.
    """
    for fd in list(_held_locks):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held_locks.clear()


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, write: Any) -> None:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then replace ``path``."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SweepError(f"{path}: corrupt sweep manifest ({error.__class__.__name__}); "
                         "refusing to touch this directory") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SweepError(f"{path}: not a hadr_model sweep manifest; refusing to touch this directory")
    if manifest.get("version") != VERSION:
        raise SweepError(f"{path}: sweep format version {manifest.get('version')!r}, this is {VERSION}")
    return manifest


def _read_journal(path: Path, expected: Mapping[str, int] | None) -> tuple[dict[str, dict[str, Any]], int]:
    """Records by point id, and the byte length of the whole lines (a cut last line excluded)."""
    records: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return records, 0
    data = path.read_bytes()
    good = 0
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        if not line.strip():
            good += len(line) + (0 if last else 1)
            continue
        if last:
            break   # no newline: cut short by a kill mid-write, so that point simply runs again
        try:
            record = decode_line(line)
            if not isinstance(record, dict) or not isinstance(record.get("point_id"), str):
                raise ValueError("not a point record")
        except ValueError:
            raise SweepError(f"{path}: line {number} is not a valid point record; the journal is "
                             "corrupt, refusing to go on (move the directory away to start afresh)") from None
        pid = record["point_id"]
        if expected is not None and (pid not in expected or expected[pid] != record.get("index")):
            raise SweepError(f"{path}: line {number} holds point {pid!r}, which is not in this sweep; "
                             "refusing to mix results of different sweeps")
        records.setdefault(pid, record)
        good += len(line) + (0 if last else 1)
    return records, good


def _check_table(directory: Path, grid_hash: str) -> None:
    path = directory / TABLE
    if not path.exists():
        return
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
        stored = json.loads(metadata.get(b"hadr_sweep", b"{}")).get("grid_hash")
    except Exception as error:
        raise SweepError(f"{path}: corrupt results table ({error.__class__.__name__}); refusing to "
                         "overwrite it (move it away to rebuild it from the journal)") from None
    if stored != grid_hash:
        raise SweepError(f"{path}: results table of another sweep (grid hash {stored!r}); refusing to "
                         "overwrite it")


class SweepStore:
    """Journal and table of one sweep directory (see the module docstring)."""

    def __init__(self, directory: Path, manifest: dict[str, Any], records: dict[str, dict[str, Any]],
                 handle: BinaryIO, lock: int | None = None) -> None:
        self.directory = directory
        self.manifest = manifest
        self.records = records
        self._handle = handle
        self._lock = lock
        self._synced = time.monotonic()
        self.failed = sum(1 for record in records.values() if record.get("status") != "ok")

    @classmethod
    def open(cls, directory: str | Path, manifest: Mapping[str, Any], *, resume: bool,
             expected: Mapping[str, int] | None = None) -> SweepStore:
        """Create a sweep directory, or reopen one to resume the same sweep.

        Parameters
        ----------
        directory : path
            The sweep directory (created when missing).
        manifest : mapping
            What the sweep is; ``grid_hash`` must identify grid, target and seed.
        resume : bool
            Reopen an existing sweep of the same grid hash; without it an existing sweep is
            an error, never overwritten.
        expected : mapping, optional
            Point id -> index of the points of this sweep, to refuse foreign journal lines.

        Raises
        ------
        SweepError
            Corrupt or foreign files, another sweep's directory, an existing sweep without
            ``resume``, or a directory another sweep process is using now.
        """
        directory = check_directory(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SweepError(f"cannot create the sweep directory {directory}: {error.strerror or error}") from None
        lock = _lock(directory)   # before anything is read: two sweeps must not both see points missing
        try:
            return cls._open_locked(directory, manifest, resume, expected, lock)
        except BaseException:
            _unlock(lock)
            raise

    @classmethod
    def _open_locked(cls, directory: Path, manifest: Mapping[str, Any], resume: bool,
                     expected: Mapping[str, int] | None, lock: int | None) -> SweepStore:
        manifest = {"format": FORMAT, "version": VERSION, **manifest}
        if (directory / MANIFEST).exists():
            existing = _read_manifest(directory)
            if existing.get("grid_hash") != manifest["grid_hash"]:
                raise SweepError(f"{directory} holds another sweep (grid hash {existing.get('grid_hash')}, "
                                 f"this one {manifest['grid_hash']}: grid, target or seed differ); refusing to "
                                 "mix results - choose another --out")
            if not resume:
                raise SweepError(f"{directory} already holds this sweep; pass --resume to finish it, or "
                                 "choose another --out")
            manifest = existing
        else:
            found = [name for name in _OURS if (directory / name).exists()]
            if found:
                raise SweepError(f"{directory} holds sweep files ({', '.join(found)}) but no {MANIFEST}: "
                                 "foreign or corrupt; refusing to overwrite them")
            try:
                atomic_write(directory / MANIFEST, lambda f: f.write(json.dumps(manifest, indent=2).encode()))
            except OSError as error:
                raise SweepError(f"cannot write in the sweep directory {directory}: "
                                 f"{error.strerror or error}") from None
        _check_table(directory, manifest["grid_hash"])
        journal = directory / JOURNAL
        records, good = _read_journal(journal, expected)
        try:
            handle = open(journal, "ab")
        except OSError as error:
            raise SweepError(f"cannot write the journal {journal}: {error.strerror or error}") from None
        if handle.tell() != good:
            handle.truncate(good)   # drop a line cut short by a kill before appending after it
        return cls(directory, manifest, records, handle, lock)

    def append(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Journal finished points: one line each, written and flushed together (they arrive
        together, from one task); fsync at most every ``FSYNC_EVERY_S``."""
        rows = list(rows)
        self._handle.write(b"".join(encode_line(row) for row in rows))
        self._handle.flush()
        for row in rows:
            if row["point_id"] not in self.records:
                self.records[row["point_id"]] = dict(row)
                self.failed += row["status"] != "ok"
        # An fsync costs milliseconds; one per point would cap fast sweeps at a few hundred points/s.
        if time.monotonic() - self._synced >= FSYNC_EVERY_S:
            self.sync()

    def sync(self) -> None:
        os.fsync(self._handle.fileno())
        self._synced = time.monotonic()

    def close(self) -> None:
        """Sync and close the journal, then release the directory's lock."""
        try:
            if not self._handle.closed:
                self.sync()
                self._handle.close()
        finally:
            _unlock(self._lock)
            self._lock = None

    def write_table(self, *, csv: bool = False) -> pd.DataFrame:
        """Compact the journal into ``results.parquet`` (and ``results.csv``), atomically."""
        frame = arrow_safe(rows_to_frame(self.records.values(), self.manifest))
        write_frame(frame, self.directory, self.manifest, csv=csv)
        return frame


def rows_to_frame(records: Iterable[Mapping[str, Any]], manifest: Mapping[str, Any] | None = None
                  ) -> pd.DataFrame:
    """One row per point, ordered by index: index, id, seed, parameters, results, status …"""
    rows = sorted(records, key=lambda r: r["index"])
    parameters = list((manifest or {}).get("parameters", []))
    for row in rows:
        parameters += [name for name in row.get("parameters", {}) if name not in parameters]
    taken = set(_FIRST) | set(_LAST) | set(parameters)
    results: list[str] = []
    for row in rows:
        results += [name for name in row.get("results") or {} if name not in results]
    columns = {name: (f"result.{name}" if name in taken else name) for name in results}
    flat = []
    for row in rows:
        item = {key: row.get(key) for key in _FIRST}
        item |= {name: row.get("parameters", {}).get(name) for name in parameters}
        item |= {columns[name]: (row.get("results") or {}).get(name) for name in results}
        item |= {key: row.get(key) for key in _LAST}
        flat.append(item)
    order = [*_FIRST, *parameters, *columns.values(), *_LAST]
    frame = pd.DataFrame(flat, columns=order)
    if frame["notebook"].isna().all():
        frame = frame.drop(columns="notebook")
    for name in (manifest or {}).get("duration_parameters", []):
        if name in frame:
            frame = _in_hours(frame, name)
    frame.attrs["parameters"] = parameters
    frame.attrs["results"] = list(columns.values())
    return frame


def _in_hours(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Column ``name`` (durations as written, ``"15m"``, or numbers of hours) in hours, as floats,
    with the text as written beside it in ``<name>_text`` (unless a column has that name)."""
    written = frame[name].tolist()
    frame[name] = [parse_duration(v, name, allow_zero=True) for v in written]
    text = f"{name}_text"
    if text not in frame:
        frame.insert(frame.columns.get_loc(name) + 1, text, [str(v) for v in written])
    return frame


def _text(value: Any) -> Any:
    if value is None:
        return None
    return json.dumps(value, default=str) if isinstance(value, (list, dict)) else str(value)


def arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet cannot type — mixed kinds (``needs: [20, '60%']``) or lists and mappings —
    become text (lists and mappings as JSON)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype != object:
            continue
        kinds = {type(v) for v in safe[column] if v is not None and v == v}
        if len(kinds) > 1 or kinds & {list, dict}:
            safe[column] = [_text(v) for v in safe[column]]
    safe.attrs = dict(frame.attrs)
    return safe


def write_frame(frame: pd.DataFrame, directory: Path, manifest: Mapping[str, Any], *, csv: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    safe = arrow_safe(frame)
    table = pa.Table.from_pandas(safe, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"hadr_sweep"] = json.dumps({**manifest, "parameter_columns": frame.attrs.get("parameters", []),
                                      "result_columns": frame.attrs.get("results", [])}).encode()
    table = table.replace_schema_metadata(meta)
    atomic_write(directory / TABLE, lambda f: pq.write_table(table, f))
    if csv:
        atomic_write(directory / CSV, lambda f: f.write(safe.to_csv(index=False).encode()))


def load_sweep(directory: str | Path) -> pd.DataFrame:
    """The results table of a sweep directory (from the journal if it was interrupted).

    ``frame.attrs`` holds ``parameters`` and ``results`` (column names) and ``manifest``.

    Raises
    ------
    SweepError
        When ``directory`` holds no sweep, or a corrupt one.
    """
    directory = Path(directory)
    if not (directory / MANIFEST).exists():
        raise SweepError(f"{directory}: no sweep here (no {MANIFEST})")
    manifest = _read_manifest(directory)
    records, _ = _read_journal(directory / JOURNAL, None)
    table = directory / TABLE
    if table.exists() and len(records) == manifest.get("points"):
        _check_table(directory, manifest["grid_hash"])
        import pyarrow.parquet as pq

        arrow = pq.read_table(table)
        frame = arrow.to_pandas()
        stored = json.loads((arrow.schema.metadata or {}).get(b"hadr_sweep", b"{}"))
        frame.attrs["parameters"] = stored.get("parameter_columns", [])
        frame.attrs["results"] = stored.get("result_columns", [])
    else:
        frame = arrow_safe(rows_to_frame(records.values(), manifest))
    frame.attrs["manifest"] = manifest
    return frame
