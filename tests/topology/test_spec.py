"""Valid specs load into the model we expect: region form, block form and the default spec."""

from __future__ import annotations

import math
import textwrap

import pytest

from hadr_model import load_spec, to_graph
from hadr_model.topology.model import (
    INGRESS,
    BlockSystem,
    Component,
    KOfN,
    Network,
    Parallel,
    Series,
    Topology,
)
from hadr_model.topology.spec import default_spec_path, parse_spec, read_yaml

REGION_SPEC = textwrap.dedent(
    """\
    name: two-regions
    zone:   {mttf: 1y, mttr: 8h}
    region: {mttf: 5y, mttr: 10h}
    global:
      iam: {mttf: 99999h, mttr: 1h}
      dns: {availability: 99.9999%}
    regions:
      east: {zones: 3, fails_over_to: west}
      west:
        zones: [w-a, w-b]
        fails_over_to: east
        zone: {mttf: 2y, mttr: 4h}
        per_zone: {web: 3}
      spare: {zones: 1, home: false, region: {availability: 0.999}}
    roles:
      web: {per_zone: 2, needs: 60%, mttf: 2000h, mttr: 30m, depends_on: [iam]}
      db:  {per_zone: 1, needs: quorum, mttf: 8000h, mttr: 2h, beta: 0.05, depends_on: dns}
      cache: {needs: any, failure: {dist: weibull_min, c: 1.5, mean: 1000h},
              repair: {dist: lognorm, s: 0.5, mean: 15m}}
    """
)


@pytest.fixture
def region_file(tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text(REGION_SPEC)
    return path


def test_region_form_loads(region_file):
    model = load_spec(region_file)
    assert isinstance(model, Topology)
    assert model.name == "two-regions"
    assert model.source == str(region_file)
    assert model.year_hours == 8760.0
    assert [r.name for r in model.regions] == ["east", "west", "spare"]
    east, west, spare = model.regions
    assert east.zones == ("east-1", "east-2", "east-3")
    assert east.fails_over_to == "west" and west.fails_over_to == "east" and spare.fails_over_to is None
    assert (east.home, spare.home) == (True, False)
    assert [r.name for r in model.home_regions] == ["east", "west"]


def test_durations_with_units_are_hours(region_file):
    model = load_spec(region_file)
    east = model.region("east")
    assert east.zone.mttf_h == 8760.0 and east.zone.mttr_h == 8.0
    assert east.region.mttf_h == 5 * 8760.0 and east.region.mttr_h == 10.0
    web = model.roles[0]
    assert web.instance.mttf_h == 2000.0 and web.instance.mttr_h == 0.5
    assert web.instance.availability == pytest.approx(2000 / 2000.5, rel=1e-15)
    assert web.instance.failure.is_exponential


def test_per_region_overrides(region_file):
    model = load_spec(region_file)
    east, west, spare = model.regions
    web = model.roles[0]
    # the region-level zone behaviour replaces the top-level one only in that region
    assert west.zone.mttf_h == 2 * 8760.0 and west.zone.mttr_h == 4.0
    assert east.zone.mttf_h == 8760.0
    assert spare.region.fixed_availability == 0.999 and spare.zone.mttf_h == 8760.0
    assert west.zones == ("w-a", "w-b")
    assert west.instances_per_zone(web) == 3 and east.instances_per_zone(web) == 2
    assert west.instances(web) == 6 and east.instances(web) == 6


def test_needs_forms(region_file):
    model = load_spec(region_file)
    web, db, cache = model.roles
    assert (web.needs, db.needs, cache.needs) == ("60%", "quorum", "any")
    assert web.required(6) == 4          # ceil(0.6 × 6) = ceil(3.6)
    assert web.required(5) == 3          # exactly 0.6 × 5: no round-up of a float artefact
    assert db.required(3) == 2 and db.required(4) == 3 and db.required(1) == 1
    assert cache.required(9) == 1
    assert cache.per_zone == 1           # default


def test_depends_on_accepts_a_name_or_a_list(region_file):
    web, db, cache = load_spec(region_file).roles
    assert web.depends_on == ("iam",) and db.depends_on == ("dns",) and cache.depends_on == ()


def test_global_services(region_file):
    model = load_spec(region_file)
    iam, dns = model.global_services
    assert iam.behaviour.availability == pytest.approx(99999 / 100000, rel=1e-15)
    assert dns.behaviour.fixed_availability == pytest.approx(0.999999, rel=1e-15)
    assert not dns.behaviour.has_time_law and math.isnan(dns.behaviour.cycle_h)


def test_beta_factor_splits_the_failure_rate(region_file):
    db = load_spec(region_file).roles[1]
    assert db.beta == 0.05
    # independent part (1 − β)λ, common part βλ, same repair law
    assert 1 / db.instance.mttf_h == pytest.approx(0.95 / 8000, rel=1e-12)
    assert 1 / db.common_cause.mttf_h == pytest.approx(0.05 / 8000, rel=1e-12)
    assert db.common_cause.mttr_h == db.instance.mttr_h == 2.0


def test_laws_keep_their_shape_and_mean(region_file):
    cache = load_spec(region_file).roles[2]
    failure, repair = cache.instance.failure, cache.instance.repair
    assert failure.dist == "weibull_min" and failure.kwargs["c"] == 1.5
    assert failure.mean_h == pytest.approx(1000.0, rel=1e-9)
    assert repair.dist == "lognorm" and repair.mean_h == pytest.approx(0.25, rel=1e-9)
    # steady-state availability depends on the means only
    assert cache.instance.availability == pytest.approx(1000 / 1000.25, rel=1e-9)


@pytest.mark.parametrize(
    ("law", "mean_h", "dist"),
    [
        ({"dist": "exponential", "mean": "2h"}, 2.0, "expon"),
        ({"dist": "expon", "scale": "30m"}, 0.5, "expon"),
        ({"dist": "gamma", "a": 2, "scale": "1h"}, 2.0, "gamma"),
        ({"dist": "weibull", "c": 1, "scale": 3}, 3.0, "weibull_min"),
        ({"dist": "lognormal", "s": 1, "mean": "1d"}, 24.0, "lognorm"),
        ({"dist": "expon", "loc": "1h", "mean": "3h"}, 3.0, "expon"),
        ({"dist": "deterministic", "value": "45m"}, 0.75, "deterministic"),
    ],
)
def test_law_forms(law, mean_h, dist):
    body = {"name": "x", "failure": {"dist": "expon", "mean": "100h"}, "repair": law}
    spec = {"blocks": {"component": body}}
    component = load_spec(spec).components()[0]
    assert component.behaviour.repair.dist == dist
    assert component.behaviour.repair.mean_h == pytest.approx(mean_h, rel=1e-9)


def test_default_spec_loads():
    model = load_spec()
    assert isinstance(model, Topology)
    assert model.source == str(default_spec_path())
    assert model.name == "functions-platform"
    assert len(model.regions) == 7
    assert [r.name for r in model.regions if not r.home] == ["eu-nl"]
    assert {r.name for r in model.roles} == {"edge", "controller", "kafka", "invoker", "db"}
    assert {g.name for g in model.global_services} == {"iam", "dns"}
    for region in model.regions:
        if region.fails_over_to:
            assert region.fails_over_to in {r.name for r in model.regions}
    invoker = next(r for r in model.roles if r.name == "invoker")
    assert invoker.required(30) == 20
    assert model.region("eu-nl").instances(invoker) == 30
    db = next(r for r in model.roles if r.name == "db")
    assert db.common_cause is not None


def test_default_spec_is_the_same_from_path_and_default():
    assert load_spec(default_spec_path()) == load_spec(None)


def test_region_form_from_a_mapping_equals_the_file(region_file):
    from_file = load_spec(region_file)
    from_mapping = load_spec(read_yaml(REGION_SPEC))
    assert from_mapping.regions == from_file.regions
    assert from_mapping.roles == from_file.roles
    assert from_mapping.source is None


def test_year_hours_leap_year():
    raw = read_yaml(REGION_SPEC)
    raw["year_hours"] = 8784
    assert parse_spec(raw).year_hours == 8784.0


def test_region_network_becomes_links():
    raw = read_yaml(REGION_SPEC)
    raw["network"] = {"ingress_link": {"mttf": "1y", "mttr": "1h"}, "zone_link": {"availability": 0.9999}}
    raw["regions"]["west"]["network"] = {"ingress_link": {"mttf": "2y", "mttr": "1h"}}
    model = parse_spec(raw)
    east, west, _ = model.regions
    ends = [(a, b) for a, b, _ in east.network.links]
    assert ends == [(INGRESS, "east-1"), (INGRESS, "east-2"), (INGRESS, "east-3"),
                    ("east-1", "east-2"), ("east-1", "east-3"), ("east-2", "east-3")]
    # a per-region network replaces the top-level one: here only ingress links
    assert [(a, b) for a, b, _ in west.network.links] == [(INGRESS, "w-a"), (INGRESS, "w-b")]
    assert west.network.links[0][2].mttf_h == 2 * 8760.0


BLOCK_SPEC = textwrap.dedent(
    """\
    name: web-tier
    year_hours: 8760
    blocks:
      series:
        - component: {name: dns, availability: 0.9999}
        - parallel:
            - component: {name: web, mttf: 1000h, mttr: 1h, count: 2}
        - k_of_n:
            k: 2
            of:
              - component: {name: db-a, mttf: 8000h, mttr: 2h}
              - component: {name: db-b, mttf: 8000h, mttr: 2h}
              - component: {name: db-c, mttf: 6000h, mttr: 4h}
        - component: {name: app, mttf: 500h, mttr: 1h, count: 3, beta: 0.1}
        - network:
            source: s
            target: t
            nodes:
              - {name: s}
              - {name: hub, mttf: 100h, mttr: 1h}
            edges:
              - {between: [s, hub], name: s-hub, availability: 0.99}
              - {between: [hub, t]}
              - {between: [s, t], mttf: 10h, mttr: 1h}
    """
)


def test_block_form_loads(tmp_path):
    path = tmp_path / "blocks.yaml"
    path.write_text(BLOCK_SPEC)
    model = load_spec(path)
    assert isinstance(model, BlockSystem)
    assert model.name == "web-tier"
    root = model.root
    assert isinstance(root, Series) and len(root.children) == 7   # app count 3 expands in place
    dns, web, kofn, *apps, network = root.children
    assert isinstance(dns, Component) and dns.behaviour.fixed_availability == 0.9999
    assert isinstance(web, Parallel) and [c.name for c in web.children] == ["web[1]", "web[2]"]
    assert isinstance(kofn, KOfN) and kofn.k == 2 and len(kofn.children) == 3
    assert [c.name for c in apps] == ["app[1]", "app[2]", "app[3]"]
    assert all(c.common_cause == "app[ccf]" for c in apps)
    (ccf_name, ccf), = model.common_causes
    assert ccf_name == "app[ccf]"
    assert 1 / ccf.mttf_h == pytest.approx(0.1 / 500, rel=1e-12)
    assert 1 / apps[0].behaviour.mttf_h == pytest.approx(0.9 / 500, rel=1e-12)
    assert isinstance(network, Network) and (network.source, network.target) == ("s", "t")
    nodes = dict(network.nodes)
    assert nodes["s"] is None and nodes["hub"].name == "hub"
    names = [c.name if c else None for *_, c in network.edges]
    assert names == ["s-hub", None, "s-t"]
    assert [c.name for c in model.components()] == [
        "dns", "web[1]", "web[2]", "db-a", "db-b", "db-c", "app[1]", "app[2]", "app[3]", "hub", "s-hub",
        "s-t"]


def test_single_component_block_defaults():
    model = load_spec({"blocks": {"component": {"name": "db", "availability": "99.9%"}}})
    assert model.name == "spec" and model.year_hours == 8760.0
    assert model.root == model.components()[0]
    assert model.root.behaviour.availability == pytest.approx(0.999, rel=1e-15)


def test_graph_of_region_form_has_typed_nodes_and_edges(region_file):
    model = load_spec(region_file)
    graph = to_graph(model)
    kinds = {node: kind for node, kind in graph.nodes(data="kind")}
    assert kinds["east"] == kinds["west"] == kinds["spare"] == "region"
    assert kinds["east-1"] == kinds["w-a"] == "zone"
    assert kinds["iam"] == kinds["dns"] == "global"
    instances = [n for n, k in kinds.items() if k == "instance"]
    # web 2×3 + 3×2 + 2×1, db 1×(3+2+1), cache 1×(3+2+1)
    assert len(instances) == 14 + 6 + 6
    assert sum(1 for k in kinds.values() if k == "common-cause") == 3   # db in each region
    edges = {(u, v, k) for u, v, k in graph.edges(data="kind")}
    assert ("east", "west", "fails_over_to") in edges and ("west", "east", "fails_over_to") in edges
    assert ("east", "east-1", "contains") in edges
    node = graph.nodes
    instance = next(n for n in instances if node[n]["role"] == "web" and node[n]["zone"] == "w-a")
    assert ("w-a", instance, "contains") in edges
    assert (instance, "iam", "depends_on") in edges
    db_instance = next(n for n in instances if node[n]["role"] == "db" and node[n]["region"] == "east")
    assert any(u.startswith("db@east") and v == db_instance and k == "fails" for u, v, k in edges)
    for node in instances:
        assert graph.nodes[node]["region"] in {"east", "west", "spare"}


def test_graph_of_default_spec():
    graph = to_graph(load_spec())
    kinds = {kind for _, kind in graph.nodes(data="kind")}
    assert kinds == {"region", "zone", "instance", "global", "common-cause"}
    edge_kinds = {kind for *_, kind in graph.edges(data="kind")}
    assert {"contains", "depends_on", "fails_over_to", "replicates_to", "fails"} <= edge_kinds


def test_graph_of_block_form():
    model = load_spec(read_yaml(BLOCK_SPEC))
    graph = to_graph(model)
    kinds = dict(graph.nodes(data="kind"))
    assert kinds["dns"] == "component" and kinds["app[ccf]"] == "common-cause"
    edges = {(u, v, k) for u, v, k in graph.edges(data="kind")}
    assert ("app[ccf]", "app[2]", "fails") in edges
    assert ("s", "hub", "link") in edges and ("hub", "t", "link") in edges
