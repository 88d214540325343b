"""Hostile specs: refused in seconds with exit 2 and the field named, or answered correctly.

Each CLI case runs ``hadr`` in a subprocess under a wall-clock and address-space limit
(:func:`run_bounded`), so a hang or a blow-up fails the test instead of the machine. The
in-process cases check answers (a zone named like an internal node), messages built from
huge values, and a hypothesis property over YAML text full of anchors, aliases and tags.
"""

from __future__ import annotations

import json
import math
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.errors import SpecError
from hadr_model.topology.spec import MAX_ALIAS_NODES, MAX_BLOCK_COMPONENTS, read_yaml

from ._bounded import run_bounded

GIB = 1024**3
SECONDS = 10.0        # every refusal below must come well within this

REGIONS = textwrap.dedent(
    """\
    name: hostile
    zone: {mttf: 1y, mttr: 8h}
    region: {mttf: 5y, mttr: 10h}
    regions:
      east: {zones: 3, fails_over_to: west}
      west: {zones: 3, fails_over_to: east}
    roles:
      web: {per_zone: 2, needs: any, mttf: 2000h, mttr: 30m}
      db: {per_zone: 1, needs: quorum, mttf: 8000h, mttr: 2h}
    """
)


def _laughs(levels: int = 9, width: int = 9, indent: str = "  ") -> str:
    """A "billion laughs": level i holds ``width`` aliases of level i − 1 (width^levels strings)."""
    lines = [f"{indent}l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _timed(argv: list[str], memory_bytes: int = 3 * GIB):
    start = time.monotonic()
    done = run_bounded(argv, seconds=60, memory_bytes=memory_bytes)
    return done, time.monotonic() - start


# --- alias bombs ---------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["name", "description", "data"])
def test_billion_laughs_is_refused_fast_in_little_memory(tmp_path, where):
    # A few hundred bytes that expand to 9^9 strings, in a checked field (name), in one nothing
    # checks (description) and in the data section (the parse cache key expanded it).
    bomb = _laughs()
    if where == "data":
        text = REGIONS + "data:\n  db:\n    size: 1TB\n    snapshots:\n" + _laughs(indent="      ")
    else:
        text = REGIONS.replace("name: hostile\n", f"{where}:\n{bomb}")
    assert len(text) < 1000
    done, seconds = _timed(["validate", _spec(tmp_path, text)], memory_bytes=int(1.5 * GIB))
    done.assert_refused("spec.yaml:", "*l", f"{MAX_ALIAS_NODES:,} nodes")
    assert seconds < SECONDS


def test_recursive_alias_is_refused(tmp_path):
    done = run_bounded(["validate", _spec(tmp_path, REGIONS + "description: &d [a, *d]\n")], seconds=30)
    done.assert_refused("spec.yaml:10:", "'*d'", "recursive alias")


def test_aliases_for_shared_behaviour_still_work(tmp_path):
    # anchors are how users share a behaviour: the bound leaves them alone
    text = REGIONS.replace("zone: {mttf: 1y, mttr: 8h}", "zone: &z {mttf: 1y, mttr: 8h}")
    text = text.replace("west: {zones: 3, fails_over_to: east}", "west: {zones: 3, fails_over_to: east, zone: *z}")
    done = run_bounded(["validate", _spec(tmp_path, text)], seconds=30)
    assert done.returncode == 0, done.stderr


def test_alias_bound_counts_each_use_by_the_size_it_repeats():
    # an aliased list of 99 scalars is 100 nodes: 1000 uses add exactly 100,000, one more is refused
    def text(uses: int) -> str:
        return "a: &a [" + ", ".join(["x"] * 99) + "]\nb: [" + ", ".join(["*a"] * uses) + "]\n"

    assert len(read_yaml(text(1000))["b"]) == 1000
    with pytest.raises(SpecError, match=r"f.yaml:2: got '\*a'; expected YAML aliases that add at most 100,000 "
                                         r"nodes to the document once expanded \(with this one: 100,100\)"):
        read_yaml(text(1001), "f.yaml")
    # a long text counts by its length: 100 characters per node
    long_text = "a: &a '" + "y" * 9_900 + "'\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    with pytest.raises(SpecError, match="100,000 nodes"):
        read_yaml(long_text, "f.yaml")


def test_validate_notes_a_spec_too_large_for_the_exact_engine(tmp_path):
    text = REGIONS.replace("east: {zones: 3", "east: {zones: 7") + "network:\n  zone_link: {mttf: 1y, mttr: 1h}\n"
    done = run_bounded(["validate", _spec(tmp_path, text), "--json"], seconds=30)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["valid"] is True and "2^22" in payload["exact_engine"]


def test_error_message_of_a_huge_value_is_short_and_fast():
    nested: object = ["lol"] * 9
    for _ in range(9):
        nested = [nested] * 9            # 9^10 strings once expanded, shared here
    recursive: list = []
    recursive.append(recursive)
    values = [nested, {i: nested for i in range(10**5)}, 10**10_000, b'"' * 10**6, "x" * 10**7, recursive,
              {frozenset({1, 2}): set(range(10**5))}]
    for value in values:
        start = time.perf_counter()
        message = str(SpecError("roles.web.needs", value, "any, all or quorum"))
        assert time.perf_counter() - start < 0.05, type(value)
        assert message.startswith("roles.web.needs: got ") and message.endswith("; expected any, all or quorum")
        assert len(message) < 160, message
    assert "got <an integer of about 10001 digits>" in str(SpecError("f", 10**10_000, "x"))
    assert str(SpecError("f", "a" * 100, "x")) == f"f: got '{'a' * 76}...; expected x"


def test_huge_key_is_cut_in_the_message(tmp_path):
    text = REGIONS + f"{'k' * 100_000}: 1\n"
    done = run_bounded(["validate", _spec(tmp_path, text)], seconds=30)
    done.assert_refused("kkkk...")
    assert len(done.stderr) < 1000


def test_many_digits_are_refused_fast(tmp_path):
    # the duration pattern used to backtrack quadratically: 8000 digits took 4 s
    text = REGIONS.replace("mttf: 2000h", f"mttf: '{'1' * 100_000}!'")
    done, seconds = _timed(["validate", _spec(tmp_path, text)])
    done.assert_refused("roles.web.mttf", "a duration")
    assert seconds < SECONDS


# --- sizes checked before anything is built -------------------------------------------------

def test_block_count_is_checked_before_the_copies_are_built(tmp_path):
    blocks = {"blocks": {"series": [{"component": {"name": f"c{i}", "mttf": 1000, "mttr": 1, "count": 10_000}}
                                    for i in range(1000)]}}
    done, seconds = _timed(["validate", _spec(tmp_path, yaml.safe_dump(blocks))], memory_bytes=int(1.5 * GIB))
    done.assert_refused("blocks.series[1].component.count", "got 10000", f"at most {MAX_BLOCK_COMPONENTS:,}")
    assert seconds < SECONDS


def test_block_count_through_aliases_is_checked_before_building(tmp_path):
    text = ("blocks:\n  series:\n    - &c {component: {name: c, mttf: 1000, mttr: 1, count: 10000}}\n"
            + "".join("    - *c\n" for _ in range(2000)))
    done, seconds = _timed(["validate", _spec(tmp_path, text)], memory_bytes=int(1.5 * GIB))
    done.assert_refused("blocks.series[1].component.count", f"at most {MAX_BLOCK_COMPONENTS:,}")
    assert seconds < SECONDS


@pytest.mark.parametrize(("zones", "links"), [(7, "zone_link"), (12, "zone_link"), (12, "ingress_link")])
def test_zone_network_states_are_checked_before_allocating(tmp_path, zones, links):
    text = REGIONS.replace("east: {zones: 3", f"east: {{zones: {zones}") + \
        f"network:\n  {links}: {{mttf: 4000h, mttr: 2h}}\n"
    done, seconds = _timed(["availability", _spec(tmp_path, text)], memory_bytes=int(1.5 * GIB))
    done.assert_refused("network:", f"{zones} zones", "2^22")
    assert seconds < SECONDS


def test_region_form_element_count_is_bounded(tmp_path):
    regions = {f"r{i}": {"zones": 12} for i in range(1000)}
    roles = {f"role{j}": {"mttf": "1000h", "mttr": "1h"} for j in range(25)}
    spec = {"zone": {"mttf": "1y", "mttr": "8h"}, "region": {"mttf": "5y", "mttr": "10h"},
            "regions": regions, "roles": roles}
    done, seconds = _timed(["validate", _spec(tmp_path, yaml.safe_dump(spec))])
    done.assert_refused("roles:", "25 roles × 12000 zones", "250,000 element groups")
    assert seconds < SECONDS


def test_block_evaluation_work_is_bounded(tmp_path):
    # 16 beta groups: 2^16 common-cause states, each a walk of the tree per forced element
    series = [{"component": {"name": f"g{g}", "mttf": 1000, "mttr": 1, "count": 12, "beta": 0.1}}
              for g in range(16)]
    done, seconds = _timed(["availability", _spec(tmp_path, yaml.safe_dump({"blocks": {"series": series}}))])
    done.assert_refused("blocks:", "16 common-cause groups", "steps for the exact engine")
    assert seconds < SECONDS


# --- values that mean nothing -------------------------------------------------------------

DATA = "data:\n  db: {size: 1TB}\n"
BAD_VALUES = [
    ("size-zero", REGIONS + "data:\n  db: {size: {dist: deterministic, value: 0}}\n",
     "data.db.size.value", "a size more than zero"),
    ("database-size-zero", REGIONS + "data:\n  db: {databases: {count: 4, size: {dist: deterministic, value: 0}}}\n",
     "data.db.databases.size.value", "more than zero"),
    ("throughput-zero", REGIONS + "data:\n  db: {size: 1TB, restore: {throughput: {dist: deterministic, value: 0}}}\n",
     "data.db.restore.throughput.value", "a throughput more than zero"),
    ("throughput-mean-zero", REGIONS + "data:\n  db: {size: 1TB, restore: {throughput: {dist: gamma, a: 2, "
     "mean: 0MB/s}}}\n", "data.db.restore.throughput.mean", "more than zero"),
    ("write-rate-infinite", REGIONS + "data:\n  db: {size: 1TB, write_rate: {records_per_s: .inf}}\n",
     "data.db.write_rate.records_per_s", "more than zero and at most"),
    ("write-rate-huge-int", REGIONS + f"data:\n  db: {{size: 1TB, write_rate: {{records_per_s: {10**400}}}}}\n",
     "data.db.write_rate.records_per_s", "at most 1e+12"),
    ("mttf-deterministic-zero", REGIONS.replace("mttf: 2000h", "mttf: {dist: deterministic, value: 0}"),
     "roles.web.mttf", "a time to failure with a mean more than zero"),
    ("mttr-deterministic-zero", REGIONS.replace("mttr: 30m", "mttr: {dist: deterministic, value: 0}"),
     "roles.web.mttr", "a repair time with a mean more than zero"),
    ("zone-mttf-deterministic-zero", REGIONS.replace("zone: {mttf: 1y", "zone: {mttf: {dist: deterministic, value: 0}"),
     "zone.mttf", "more than zero"),
    ("availability-zero", REGIONS.replace("mttf: 2000h, mttr: 30m", "availability: 0"),
     "roles.web.availability", "more than 0"),
    ("no-other-region", REGIONS.replace("fails_over_to: west}", "fails_over_to: nowhere}").replace(
        "  west: {zones: 3, fails_over_to: east}\n", ""),
     "regions.east.fails_over_to", "this spec has no other region"),
    ("network-not-connected", "blocks:\n  network:\n    source: s\n    target: t\n    edges:\n"
     "      - {between: [s, a], mttf: 99h, mttr: 1h}\n      - {between: [b, t], mttf: 99h, mttr: 1h}\n",
     "blocks.network.edges", "no path from s to t"),
    ("role-name-with-at", REGIONS.replace("  web: {", "  'x@y': {"), "roles.x@y", "without '@'"),
    ("zone-name-with-at", REGIONS.replace("east: {zones: 3", "east: {zones: [a, 'y@z', c]"),
     "regions.east.zones[1]", "without '@'"),
    ("zone-name-with-bar", REGIONS.replace("east: {zones: 3", "east: {zones: [a, 'b|c']"),
     "regions.east.zones[1]", "'|'"),
    ("region-name-with-newline", REGIONS.replace("  west: {zones: 3, fails_over_to: east}\n", "").replace(
        "east: {zones: 3, fails_over_to: west}", '"ea\\nst": {zones: 3}'), "regions.ea", "control characters"),
    ("global-named-like-a-region", REGIONS + "global:\n  east: {mttf: 1y, mttr: 1h}\n", "global.east",
     "different from every region and zone name"),
]


@pytest.mark.parametrize(("text", "field", "words"), [case[1:] for case in BAD_VALUES],
                         ids=[case[0] for case in BAD_VALUES])
def test_meaningless_values_are_refused(tmp_path, text, field, words):
    done, seconds = _timed(["availability", _spec(tmp_path, text)])
    done.assert_refused(f"{field}", words)
    assert seconds < SECONDS


# --- reserved names cannot collide ------------------------------------------------------------

def _zone_spec(zones: list[str], needs: str = "all") -> dict:
    return {"zone": {"mttf": 1000.0, "mttr": 10.0}, "region": {"mttf": 5000.0, "mttr": 5.0},
            "network": {"ingress_link": {"mttf": 400.0, "mttr": 4.0}},
            "regions": {"east": {"zones": zones}},
            "roles": {"api": {"per_zone": 1, "needs": needs, "mttf": 300.0, "mttr": 3.0}}}


@pytest.mark.parametrize("needs", ["all", "any"])
def test_a_zone_named_ingress_counts_like_any_other_zone(needs):
    # It used to be taken for the region's ingress node and silently drop out.
    a_zone, a_link, a_region, a_instance = 1000 / 1010, 400 / 404, 5000 / 5005, 300 / 303
    a_path = a_zone * a_link * a_instance             # one zone serves: up, linked, instance up
    expected = a_region * (a_path**2 if needs == "all" else 1 - (1 - a_path) ** 2)
    for zones in (["ingress", "b"], ["a", "b"], ["b", "ingress"]):
        result = exact_availability(load_spec(_zone_spec(zones, needs)))
        assert math.isclose(result.system.availability, expected, rel_tol=1e-12), zones
    names = [item.element for item in exact_availability(load_spec(_zone_spec(["ingress", "b"]))).importance]
    assert "zone:ingress" in names and "ingress_link:ingress@east" in names


def test_element_labels_are_unique_by_construction():
    # zones a-b, c and a, b-c gave the same link label link:a-b-c@east
    spec = _zone_spec(["a-b", "c", "a", "b-c"], needs="any")
    spec["network"]["zone_link"] = {"mttf": 800.0, "mttr": 2.0}
    result = exact_availability(load_spec(spec))
    names = [item.element for item in result.importance]
    assert len(names) == len(set(names)) == 1 + 4 + (4 + 6) + 4


# --- property: any YAML text loads or raises SpecError ----------------------------------------

_SCALARS = st.sampled_from(["lol", "1", "-3", "0", "1e999", ".nan", "~", "true", "'q\"uote'", '"x\\ty"', "2h",
                            "!!binary aGVsbG8i", "!!python/object:os.system [ls]", "!!python/name:os.system",
                            "!!str 5", "!!int 12", "!!float .inf", "!!timestamp 2001-12-14", "!!set {a, b}",
                            "!!omap [a: 1]", "!!null ''", "!!bool yes", "!!int 0x" + "f" * 40, "!unknown x",
                            "*a0", "*a1", "*a2", "*zz", "any", "east", "web", "{dist: deterministic, value: 0}"])


def _node(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    keys = st.sampled_from(["name", "zones", "mttf", "mttr", "per_zone", "needs", "east", "<<", "? [k]", "x"])
    flow_list = st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]")
    flow_map = st.lists(st.tuples(keys, children), max_size=4).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
    anchored = st.tuples(st.sampled_from(["a0", "a1", "a2"]), st.one_of(flow_list, flow_map, children)).map(
        lambda pair: f"&{pair[0]} {pair[1]}")
    deep = st.integers(1, 600).map(lambda n: "[" * n + "]" * n)
    return st.one_of(flow_list, flow_map, anchored, deep)


_VALUES = st.recursive(_SCALARS, _node, max_leaves=12)
_FIELDS = ["name", "description", "zone", "region", "roles", "regions", "data", "network", "global"]


@st.composite
def _documents(draw) -> str:
    """A spec with some top-level values replaced by generated YAML; aliases may come first."""
    lines = REGIONS.splitlines(keepends=True)
    if draw(st.booleans(), label="anchors first"):
        # anchors defined before use (in a field nothing checks), so that aliases can refer to
        # them and multiply: width^3 nodes, past the alias bound from width 47 on
        width = draw(st.sampled_from([1, 3, 12, 50]), label="width")
        lines.insert(0, f"description: [&a0 [{', '.join(['lol'] * width)}], &a1 [{', '.join(['*a0'] * width)}], "
                        f"&a2 [{', '.join(['*a1'] * width)}]]\n")
    for _ in range(draw(st.integers(1, 3), label="edits")):
        field = draw(st.sampled_from(_FIELDS), label="field")
        value = draw(_VALUES, label="value")
        lines = [line for line in lines if not line.startswith(f"{field}:")] + [f"{field}: {value}\n"]
    return "".join(lines)


@settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(text=_documents())
def test_yaml_with_aliases_and_tags_loads_or_raises_spec_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_spec(path)
        except SpecError as error:
            message = str(error)
            assert message.startswith(str(path)) and "\n" not in message and len(message) < 2000
