"""Hostile grid files: no grid value becomes code, every refusal names the file, in bounded time.

The CLI cases run ``hadr sweep`` in a subprocess under a wall-clock and address-space limit
(:func:`run_bounded`); the notebook cases run a real kernel and check what arrived in it; a
hypothesis property feeds arbitrary grid files (tags, aliases, odd keys) to the planner.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hadr_model.errors import SpecError
from hadr_model.sweeps import plan_sweep, run_sweep

from ._bounded import run_bounded

GIB = 1024**3
SECONDS = 10.0
ROOT = Path(__file__).resolve().parents[2]
SWEEP_POINT = ROOT / "notebooks" / "sweep_point.ipynb"


def _grid(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _binary(payload: str) -> str:
    """A ``!!binary`` YAML value whose bytes are ``payload``."""
    import base64

    return "!!binary " + base64.b64encode(payload.encode()).decode()


# --- values that are not JSON never reach a point ----------------------------------------------

def _breakout(marker: Path) -> str:
    # What papermill wrote between double quotes for bytes: a quote ends the string, the rest runs.
    return f'"); open({str(marker)!r}, "w").close(); print("'


@pytest.mark.parametrize(("where", "field"), [
    ("options", "options.function"),
    ("nested", "parameters.overrides_probe[1].deep[0].y"),
])
def test_binary_values_are_refused_before_any_point_runs(tmp_path, where, field):
    marker = tmp_path / "pwned"
    value = _binary(_breakout(marker))
    if where == "options":
        text = f"parameters:\n  zone.mttr: [4]\noptions:\n  function: {value}\n"
    else:
        text = f"parameters:\n  overrides_probe: [1, {{deep: [{{y: {value}}}]}}]\n"
    grid = _grid(tmp_path, text)
    out = tmp_path / "out"
    start = time.monotonic()
    done = run_bounded(["sweep", str(SWEEP_POINT), "--grid", str(grid), "--out", str(out), "--no-progress"],
                       seconds=60, memory_bytes=2 * GIB)
    done.assert_refused(f"{grid}: {field}: got bytes b'\"); open(", "expected a JSON value")
    assert time.monotonic() - start < 30
    assert not out.exists() and not marker.exists()   # nothing planned, nothing ran


@pytest.mark.parametrize(("value", "field", "words"), [
    ("!!set {a, b}", "parameters.zone.mttr[1]", "got set of 2 items"),
    ("2024-01-01", "parameters.zone.mttr[1]", "got date 2024-01-01"),
    ("2001-12-14t21:59:43.10-05:00", "parameters.zone.mttr[1]", "got datetime"),
    ("!!omap [a: 1]", "parameters.zone.mttr[1][0]", "got tuple of 2 items"),
    (".nan", "parameters.zone.mttr[1]", "a finite number"),
    ("-.inf", "parameters.zone.mttr[1]", "a finite number"),
    ("123456789012345678901234567890", "parameters.zone.mttr[1]", "2**63"),
    ("{1: a}", "parameters.zone.mttr[1]", "text keys"),
    ('"\\ud800"', "parameters.zone.mttr[1]", "lone surrogate"),
])
def test_other_non_json_values_are_refused_naming_file_and_path(tmp_path, value, field, words):
    grid = _grid(tmp_path, f"parameters:\n  zone.mttr: [4, {value}]\n")
    done = run_bounded(["sweep", "--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "o")],
                       seconds=60, memory_bytes=2 * GIB)
    done.assert_refused(f"{grid}: {field}: ", words)
    assert not (tmp_path / "o").exists()


def _echo_notebook(path: Path) -> Path:
    """A notebook that writes back what it received, and whether a marker file exists."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell('text: str = ""\nnested: list = []\nresults_path: str = "out.json"')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json\n"
        "json.dump({'text_json': json.dumps(text), 'nested_json': json.dumps(nested)}, open(results_path, 'w'))")
    notebook.cells = [parameters, body]
    nbformat.write(notebook, str(path))
    return path


@pytest.mark.slow
def test_hostile_strings_arrive_byte_identical_and_run_no_code(tmp_path):
    marker = tmp_path / "pwned"
    code = f"open({str(marker)!r}, 'w').close()"
    payloads = [
        f'"{_breakout(marker)}',
        f"'); {code}; ('",
        f'"""; {code}; """',
        f"'''; {code}; '''",
        f'\\"); {code}  # \\\\',
        f'\n{code}\n',
        f'\\\n{code}\r\n\\',
        f'{{}} {{{{x}}}} %s \x00 \t \u2028 é \U0001f600 {code}',
    ]
    nested = [{"k": p, p: [p]} for p in payloads[:3]]
    text = yaml.safe_dump({"parameters": {"text": payloads}, "options": {"nested": nested}}, allow_unicode=False)
    assert yaml.safe_load(text) == {"parameters": {"text": payloads}, "options": {"nested": nested}}
    grid = _grid(tmp_path, text)
    out = tmp_path / "out{pm}"   # papermill formats its output path: braces must stay literal
    frame = run_sweep(grid, notebook=_echo_notebook(tmp_path / "echo.ipynb"), out=out, warm_kernel=True)
    assert frame["status"].tolist() == ["ok"] * len(payloads), frame["error"].tolist()
    for row in frame.itertuples():
        # The results file, not the table: compare the exact text that arrived in the kernel.
        stored = json.loads((out / row.notebook).with_suffix(".json").read_text(encoding="utf-8"))
        assert json.loads(stored["text_json"]) == payloads[row.Index]
        assert json.loads(stored["nested_json"]) == nested
    assert not marker.exists()


# --- alias bombs ------------------------------------------------------------------------------

def _laughs(levels: int = 9, width: int = 9) -> str:
    """Anchors ``l0`` … ``l8`` under ``description``: ``*l8`` is 9^9 strings once expanded."""
    lines = ["description:", f"  l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("where", ["parameters", "options", "description"])
def test_alias_bomb_in_a_grid_is_refused_fast_in_little_memory(tmp_path, where):
    tail = {"parameters": "parameters:\n  zone.mttr: *l8\n",
            "options": "parameters:\n  zone.mttr: [4]\noptions:\n  n_disasters: *l8\n",
            "description": "parameters:\n  zone.mttr: [4]\n"}[where]
    grid = _grid(tmp_path, _laughs() + tail)
    assert len(grid.read_text()) < 1000
    start = time.monotonic()
    done = run_bounded(["sweep", "--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "o")],
                       seconds=60, memory_bytes=2 * GIB)   # ~1 GiB of address space is the imports
    done.assert_refused(f"{grid}:")
    assert time.monotonic() - start < SECONDS
    assert not (tmp_path / "o").exists()


def test_alias_bomb_in_the_sweeps_spec_is_refused_fast(tmp_path):
    # The bomb sits in the spec's description, which validation does not read; the planner's
    # canonical JSON of the spec would expand it.
    spec = tmp_path / "spec.yaml"
    spec.write_text(_laughs() + "blocks:\n  component: {name: db, availability: 0.999}\n", encoding="utf-8")
    grid = _grid(tmp_path, f"spec: {spec}\nparameters:\n  blocks.component.availability: [0.99, 0.999]\n")
    start = time.monotonic()
    done = run_bounded(["sweep", "--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "o")],
                       seconds=60, memory_bytes=2 * GIB)
    done.assert_refused(f"{spec}:")
    assert time.monotonic() - start < SECONDS


# --- property: any grid file plans with plain values, or raises SpecError naming the file ------

_SCALARS = st.sampled_from([
    "1", "-3", "0", "2.5", "1e999", ".nan", "-.inf", "~", "true", "lol", "'q\"uote'", '"x\\ty"', "4h", "dr",
    "instant", "!!binary IiksIG9wZW4oJ3B3bmVkJyk=", "!!set {a, b}", "!!timestamp 2001-12-14", "2001-12-14",
    "!!omap [a: 1]", "!!pairs [a: 1]", "!!str 5", "!!float 3", "!!int 0x" + "f" * 30, "!!null ''",
    "!!python/object:os.system [ls]", "!unknown x", "*a0", "*zz", "[]", "{}", '"\\ud800"', "99999999999999999999",
])
_KEYS = st.sampled_from(["zone.mttr", "region.mttr", "roles.invoker.per_zone", "failover", "n_disasters", "x",
                         "1", "~", "!!binary eA==", "? [k]", "low", "high", "num", "scale", "integer"])


def _node(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    flow_list = st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]")
    flow_map = st.lists(st.tuples(_KEYS, children), max_size=4).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
    anchored = st.tuples(st.sampled_from(["a0", "a1"]), st.one_of(flow_list, flow_map)).map(
        lambda pair: f"&{pair[0]} {pair[1]}")
    return st.one_of(flow_list, flow_map, anchored)


_VALUES = st.recursive(_SCALARS, _node, max_leaves=10)
_RANGES = st.fixed_dictionaries({"low": _SCALARS, "high": _SCALARS},
                                optional={"num": st.sampled_from(["1", "3", "0", "10000000", "x"]),
                                          "scale": st.sampled_from(["linear", "log", "!!binary eA=="]),
                                          "integer": _SCALARS}).map(
    lambda fields: "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}")
_SAMPLES_OK = st.sampled_from(["{method: grid}", "{}", "{method: random, n: 3, seed: 1}", "{method: lhs, n: 2}"])
_SAMPLES = st.sampled_from(["{method: grid}", "{method: random, n: 3, seed: 1}", "{method: lhs, n: 2}", "{}",
                            "{method: random, n: 10000000}", "{method: !!binary eA==}", "[]", "{n: 3}"])


_GOOD_PARAMETERS = st.sampled_from([
    ("zone.mttr", "[1, 2, 4h]"), ("zone.mttr", "&a2 [1, !!float 3, !!str 4h]"), ("roles.invoker.per_zone", "[8, 10]"),
    ("failover", "[dr, instant]"), ("n_disasters", "[50]"), ("region.mttr", "{low: 2, high: 24, num: 2, scale: log}")])
_GOOD_OPTIONS = st.sampled_from(["{n_disasters: 50}", "{failover: instantaneous}", "{}", "{zone.mttf: 2y}"])


@st.composite
def _grids(draw) -> str:
    # Half the grids are clean but for the tags and aliases of good values, so that the
    # property also sees plans succeed; the others mix hostile values into good ones.
    clean = draw(st.booleans(), label="clean")

    def _sometimes(good: st.SearchStrategy, hostile: st.SearchStrategy) -> st.SearchStrategy:
        return good if clean else st.one_of(good, good, hostile)

    lines = []
    if draw(st.booleans(), label="anchors first"):
        lines.append("description: [&a0 [1, 2, 3], &a1 {k: *a0}]")
    hostile_entry = st.tuples(_KEYS, st.one_of(_VALUES, _RANGES))
    spoiled = st.tuples(_GOOD_PARAMETERS, _SCALARS).map(
        lambda pair: (pair[0][0], f"[4, {pair[1]}]" if pair[0][1].startswith("[") else pair[0][1]))
    parameters = draw(st.lists(_sometimes(_GOOD_PARAMETERS, st.one_of(hostile_entry, spoiled)), min_size=1,
                               max_size=3, unique_by=lambda entry: entry[0]), label="parameters")
    lines.append("parameters:" + "".join(f"\n  {k}: {v}" for k, v in parameters))
    if draw(st.booleans(), label="options"):
        lines.append(f"options: {draw(_sometimes(_GOOD_OPTIONS, _VALUES), label='options')}")
    if draw(st.booleans(), label="sample"):
        lines.append(f"sample: {draw(_SAMPLES if not clean else _SAMPLES_OK, label='sample')}")
    if not clean and draw(st.booleans(), label="extra key"):
        lines.append(f"{draw(_KEYS, label='extra key')}: {draw(_SCALARS, label='extra value')}")
    return "\n".join(lines) + "\n"


def _assert_plain(value: object) -> None:
    """Only JSON types, at every depth (and JSON text that reads back equal)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            assert all(type(k) is str for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            assert item is None or type(item) in (str, int, float, bool), type(item)
    assert json.loads(json.dumps(value, allow_nan=False)) == value


@settings(max_examples=50, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(text=_grids())
def test_grid_files_plan_with_plain_values_or_raise_spec_error_naming_the_file(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz-grid.yaml"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        try:
            plan = plan_sweep(path, function="availability")
        except SpecError as error:
            message = str(error)
            assert message.startswith(f"{path}:"), message
            assert "\n" not in message and len(message) < 2000
        else:
            for point in plan.points:
                _assert_plain(point.values)
            _assert_plain(plan.options)
            _assert_plain(plan.spec_options)
        assert time.perf_counter() - start < 8.0
