"""The exact engine against independent answers: closed forms, published figures, brute force.

The brute force here shares no code with the engine. It enumerates every up/down state of
every basic element (zones, instances, regions, global services, links, common causes),
evaluates the structure directly from its definition (DESIGN.md §3), and sums state
probabilities. Failure frequency is the Markov frequency of entering a system-down state,
``Σ_{x up} Σ_{i up in x, x − i down} π(x) λ_i``, and the importance measures come from the
same sums restricted to ``x_i = 1`` or ``x_i = 0``.
"""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

import numpy as np
import pytest

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.kofn import fewer_than_k, fewer_than_k_identical
from hadr_model.engines.network import two_terminal_availability

REL = 1e-9
YEAR_H = 8760.0


def close(value, expected, rel=REL, abs_=1e-13):
    return value == pytest.approx(expected, rel=rel, abs=abs_)


# --- brute force ---------------------------------------------------------------------------

class Enumeration:
    """All 2^n states of n independent two-state elements, as integers (bit i: element i up)."""

    def __init__(self, elements):
        # elements: (name, mttf_h, mttr_h), or (name, availability) for a fixed figure
        self.names = [e[0] for e in elements]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.p = np.array([e[1] / (e[1] + e[2]) if len(e) == 3 else e[1] for e in elements])
        self.rate = np.array([1.0 / e[1] if len(e) == 3 else math.nan for e in elements])
        n = len(elements)
        assert n <= 22, "keep brute force small"
        self.states = np.arange(1 << n, dtype=np.int64)
        self.prob = np.ones(1 << n)
        for i, p in enumerate(self.p):
            self.prob *= np.where(self.up(i), p, 1.0 - p)
        assert math.isclose(self.prob.sum(), 1.0, rel_tol=1e-12)

    def up(self, element) -> np.ndarray:
        i = element if isinstance(element, int) else self.index[element]
        return ((self.states >> i) & 1).astype(bool)

    def measures(self, ups):
        """Unavailability, forced up/down unavailabilities and failures per hour of the average
        of the systems ``ups`` (one boolean array per system; the service is a uniform mix)."""
        n = len(self.names)
        q, q_up, q_down, freq, down_with = 0.0, np.zeros(n), np.zeros(n), 0.0, np.zeros(n)
        for system in ups:
            down = ~system
            q += self.prob[down].sum() / len(ups)
            for i in range(n):
                i_up = self.up(i)
                q_up[i] += self.prob[down & i_up].sum() / self.p[i] / len(ups)
                q_down[i] += self.prob[down & ~i_up].sum() / (1.0 - self.p[i]) / len(ups)
                down_with[i] += self.prob[down & ~i_up].sum() / len(ups)
                # transitions x → x − i from a system-up state into a system-down state
                start = self.states[system & i_up]
                failing = ~system[start ^ (1 << i)]
                if failing.any():
                    freq += self.prob[start[failing]].sum() * self.rate[i] / len(ups)
        return {"q": q, "q_up": q_up, "q_down": q_down, "freq": freq, "down_with": down_with}


def needed(needs, total):
    if needs == "any":
        return 1
    if needs == "all":
        return total
    if needs == "quorum":
        return total // 2 + 1
    if isinstance(needs, str) and needs.endswith("%"):
        return max(1, math.ceil(Fraction(needs[:-1]) / 100 * total))
    return int(needs)


INGRESS = ("the ingress",)   # not a string: no zone name can be it


class RegionBruteForce:
    """Brute force of a region-form spec written with plain numbers (hours) and a few keys.

    Supported: top-level ``zone``/``region`` {mttf, mttr}, per-region overrides of both,
    ``zones`` as a count or a list of names, ``per_zone`` overrides, ``fails_over_to``, ``home``, ``global``,
    roles with per_zone / needs / mttf / mttr / depends_on / beta, and ``network`` with
    ingress_link / zone_link.
    """

    def __init__(self, spec):
        self.spec = spec
        elements = []
        roles = spec["roles"]
        used = []
        for role in roles.values():
            for g in role.get("depends_on", []):
                if g not in used:
                    used.append(g)
        for g in used:
            b = spec["global"][g]
            elements.append((f"global:{g}", b["mttf"], b["mttr"]))
        self.regions = {}
        for name, region in spec["regions"].items():
            rb = region.get("region", spec["region"])
            zb = region.get("zone", spec["zone"])
            zones = (list(region["zones"]) if isinstance(region["zones"], list)
                     else [f"{name}-{i}" for i in range(1, region["zones"] + 1)])
            elements.append((f"region:{name}", rb["mttf"], rb["mttr"]))
            elements += [(f"zone:{z}", zb["mttf"], zb["mttr"]) for z in zones]
            network = region.get("network", spec.get("network"))
            links = []
            if network:
                pairs = [(INGRESS, z, network.get("ingress_link")) for z in zones]
                if "zone_link" in network:
                    pairs += [(a, b, network["zone_link"]) for a, b in itertools.combinations(zones, 2)]
                for a, b, behaviour in pairs:
                    link = f"ingress_link:{b}@{name}" if a is INGRESS else f"zone_link:{a}|{b}@{name}"
                    links.append((link, a, b, behaviour is not None))
                    if behaviour is not None:
                        elements.append((link, behaviour["mttf"], behaviour["mttr"]))
            instances = {}
            for role_name, role in roles.items():
                per_zone = region.get("per_zone", {}).get(role_name, role.get("per_zone", 1))
                beta = role.get("beta", 0.0)
                mttf = role["mttf"] / (1.0 - beta)
                instances[role_name] = [(z, f"instance:{role_name}@{z}#{j}")
                                        for z in zones for j in range(per_zone)]
                elements += [(inst, mttf, role["mttr"]) for _, inst in instances[role_name]]
                if beta:
                    elements.append((f"common-cause:{role_name}@{name}", role["mttf"] / beta, role["mttr"]))
            self.regions[name] = (region, zones, links, instances)
        self.enum = Enumeration(elements)

    def usable_zones(self, name):
        """For every state, which zones are up and reach the ingress over up links and zones."""
        e = self.enum
        _, zones, links, _ = self.regions[name]
        usable = {z: e.up(f"zone:{z}") for z in zones}
        if not links:
            return usable
        reached = {z: np.zeros(len(e.states), bool) for z in zones}
        reached[INGRESS] = np.ones(len(e.states), bool)
        always = np.ones(len(e.states), bool)
        link_up = {link: (e.up(link) if fails else always) for link, _, _, fails in links}
        for _ in range(len(zones)):   # relax until every path length is covered
            for link, a, b, _ in links:
                for src, dst in ((a, b), (b, a)):
                    if dst is not INGRESS:
                        reached[dst] |= reached[src] & link_up[link] & usable[dst]
        return {z: reached[z] for z in zones}

    def service(self, name):
        e = self.enum
        instances = self.regions[name][3]
        usable = self.usable_zones(name)
        ok = e.up(f"region:{name}").copy()
        for role_name, role in self.spec["roles"].items():
            count = np.zeros(len(e.states), int)
            for zone, inst in instances[role_name]:
                alive = e.up(inst) & usable[zone] & e.up(f"region:{name}")
                for g in role.get("depends_on", []):
                    alive &= e.up(f"global:{g}")
                if role.get("beta"):
                    alive &= e.up(f"common-cause:{role_name}@{name}")
                count += alive
            ok &= count >= needed(role.get("needs", "any"), len(instances[role_name]))
        return ok

    def tenant(self, name):
        region = self.regions[name][0]
        up = self.service(name)
        if region.get("fails_over_to"):
            up = up | self.service(region["fails_over_to"])
        return up

    def system(self):
        homes = [n for n, (r, *_) in self.regions.items() if r.get("home", True)]
        return self.enum.measures([self.tenant(n) for n in homes])


def check_metrics(metrics, truth):
    assert close(metrics.unavailability, truth["q"])
    assert close(metrics.availability, 1.0 - truth["q"])
    assert close(metrics.downtime_min_per_year, truth["q"] * YEAR_H * 60)
    assert close(metrics.failure_frequency_per_year, truth["freq"] * YEAR_H)
    assert close(metrics.mean_outage_h, truth["q"] / truth["freq"])
    assert close(metrics.nines, -math.log10(truth["q"]))


def check_importance(result, enum, truth, group=lambda name: name.split("#")[0]):
    """Every engine element against every brute-force element of its group."""
    q = truth["q"]
    by_engine = {item.element: item for item in result.importance}
    seen = set()
    for i, name in enumerate(enum.names):
        item = by_engine[group(name)]
        seen.add(item.element)
        q_up, q_down, q_i = truth["q_up"][i], truth["q_down"][i], 1.0 - enum.p[i]
        assert close(item.availability, enum.p[i]), name
        assert close(item.birnbaum, q_down - q_up, abs_=1e-12), name
        assert close(item.criticality, (q - q_up) / q, abs_=1e-10), name
        assert close(item.fussell_vesely, truth["down_with"][i] / q, abs_=1e-10), name
        assert close(item.fussell_vesely, q_i * q_down / q, abs_=1e-10), name
        assert close(item.risk_achievement_worth, q_down / q), name
        assert close(item.risk_reduction_worth, q / q_up), name
    # elements the brute force does not have must be irrelevant, or never fail (perfect links)
    for item in result.importance:
        if item.element not in seen:
            assert item.birnbaum == 0.0 or item.availability == 1.0, item
            assert item.criticality == 0.0, item


def check_against_brute_force(spec):
    """Exact engine vs enumeration of every element state: service metrics and importance."""
    result = exact_availability(load_spec(spec))
    brute = RegionBruteForce(spec)
    truth = brute.system()
    check_metrics(result.system, truth)
    check_importance(result, brute.enum, truth)
    return result, truth


def check_ranking(result):
    keys = [(-i.criticality, -i.birnbaum, i.element) for i in result.importance]
    assert keys == sorted(keys)


# --- closed forms: k-of-n ------------------------------------------------------------------

@pytest.mark.parametrize(("k", "n", "a"), [(1, 1, 0.9), (2, 3, 0.9), (3, 5, 0.99), (5, 5, 0.95), (1, 4, 0.5),
                                           (7, 10, 0.999), (0, 3, 0.5), (4, 3, 0.9), (1, 3, 1 - 1e-7)])
def test_k_of_n_identical_is_the_binomial_lower_tail(k, n, a):
    expected = sum(Fraction(math.comb(n, j)) * Fraction(a) ** j * (1 - Fraction(a)) ** (n - j)
                   for j in range(0, min(max(k, 0), n + 1)))
    assert close(float(fewer_than_k_identical(k, n, a)), float(expected))


def test_k_of_n_identical_is_vectorised_and_handles_no_elements():
    values = fewer_than_k_identical(2, np.array([3, 1, 0, -1]), 0.9)
    assert np.allclose(values, [0.028, 1.0, 1.0, 1.0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5])
def test_k_of_n_different_against_enumeration(k):
    q = np.array([0.1, 0.2, 0.3, 0.05])
    expected = Fraction(0)
    for states in itertools.product((0, 1), repeat=4):
        if sum(states) < k:
            expected += math.prod((1 - Fraction(x)) if s else Fraction(x) for x, s in zip(q, states))
    assert close(fewer_than_k(k, q), float(expected))


def test_k_of_n_different_closed_form_and_tiny_unavailabilities():
    # 2-of-3 over a, b, c is up with ab + ac + bc − 2abc.
    a, b, c = 0.9, 0.8, 0.7
    assert close(1 - fewer_than_k(2, np.array([1 - a, 1 - b, 1 - c])), a * b + a * c + b * c - 2 * a * b * c)
    # 1-of-3 with q = 1e-7 each: q³ = 1e-21 exactly, which 1 − P(X ≥ 1) cannot represent.
    assert fewer_than_k(1, np.full(3, 1e-7)) == pytest.approx(1e-21, rel=1e-12)
    assert fewer_than_k(2, np.full(3, 1e-7)) == pytest.approx(3e-14 - 2e-21, rel=1e-9)


# --- closed forms: blocks ------------------------------------------------------------------

def component(name, availability=None, mttf=None, mttr=None, **extra):
    body = {"name": name, **extra}
    if availability is not None:
        body["availability"] = availability
    else:
        body.update(mttf=mttf, mttr=mttr)
    return {"component": body}


def availability_of(blocks):
    return exact_availability(load_spec({"blocks": blocks})).system


def test_three_hard_dependencies_of_99_99():
    system = availability_of({"series": [component(n, 0.9999) for n in "abc"]})
    assert round(system.availability, 8) == 0.99970003
    assert close(system.availability, 0.9999**3)


def test_two_redundant_99_9():
    system = availability_of({"parallel": [component(n, 0.999) for n in "ab"]})
    assert close(system.availability, 0.999999)
    assert round(system.availability, 9) == 0.999999


def test_99_99_is_52_56_minutes_per_year():
    system = availability_of(component("a", 0.9999))
    assert close(system.downtime_min_per_year, 52.56)
    assert close(system.nines, 4.0)


def test_series_parallel_closed_forms():
    p = {"a": 0.9, "b": 0.8, "c": 0.95, "d": 0.7}
    blocks = {"series": [component("a", p["a"]),
                         {"parallel": [component("b", p["b"]), {"series": [component("c", p["c"]),
                                                                           component("d", p["d"])]}]}]}
    expected = p["a"] * (1 - (1 - p["b"]) * (1 - p["c"] * p["d"]))
    assert close(availability_of(blocks).availability, expected)


def test_k_of_n_block_of_different_components():
    blocks = {"k_of_n": {"k": 2, "of": [component("a", mttf=8000, mttr=2), component("b", mttf=8000, mttr=2),
                                        component("c", mttf=6000, mttr=4)]}}
    a, b, c = 8000 / 8002, 8000 / 8002, 6000 / 6004
    assert close(availability_of(blocks).availability, a * b + a * c + b * c - 2 * a * b * c)


def test_count_expands_into_independent_copies():
    system = availability_of({"k_of_n": {"k": 2, "of": [component("x", mttf=9, mttr=1, count=4)]}})
    p = 0.9
    assert close(system.availability, sum(math.comb(4, j) * p**j * (1 - p) ** (4 - j) for j in (2, 3, 4)))


def test_single_component_frequency_and_mean_outage():
    system = availability_of(component("a", mttf=1000, mttr=4))
    assert close(system.failure_frequency_per_year, YEAR_H / 1004)   # one failure per cycle
    assert close(system.mean_outage_h, 4.0)                          # the repair time


def test_series_of_two_frequency_closed_form():
    # Series of two: ω = a_1 a_2 (λ_1 + λ_2)
    system = availability_of({"series": [component("a", mttf=100, mttr=2), component("b", mttf=50, mttr=5)]})
    a1, a2 = 100 / 102, 50 / 55
    assert close(system.failure_frequency_per_year, a1 * a2 * (1 / 100 + 1 / 50) * YEAR_H)


def test_parallel_of_two_frequency_closed_form():
    # Parallel of two: ω = q_1 q_2 (μ_1 + μ_2), mean outage 1 / (μ_1 + μ_2)
    system = availability_of({"parallel": [component("a", mttf=100, mttr=2),
                                           component("b", mttf=50, mttr=5)]})
    q1, q2 = 2 / 102, 5 / 55
    assert close(system.failure_frequency_per_year, q1 * q2 * (1 / 2 + 1 / 5) * YEAR_H)
    assert close(system.mean_outage_h, 1 / (1 / 2 + 1 / 5))


def test_fixed_availability_has_no_frequency():
    result = exact_availability(load_spec({"blocks": {"series": [component("a", 0.999),
                                                                 component("b", mttf=100, mttr=1)]}}))
    assert math.isnan(result.system.failure_frequency_per_year)
    assert any("fixed availability" in note for note in result.notes)
    assert close(result.system.availability, 0.999 * 100 / 101)


# --- the bridge ----------------------------------------------------------------------------

BRIDGE = [("s", "a"), ("s", "b"), ("a", "t"), ("b", "t"), ("a", "b")]


def bridge_closed_form(p1, p2, p3, p4, p5):
    """Edges 1 s–a, 2 s–b, 3 a–t, 4 b–t, 5 a–b: pivot on the bridge edge 5."""
    with_bridge = (1 - (1 - p1) * (1 - p2)) * (1 - (1 - p3) * (1 - p4))
    without = 1 - (1 - p1 * p3) * (1 - p2 * p4)
    return p5 * with_bridge + (1 - p5) * without


@pytest.mark.parametrize("p", [0.9, 0.5, 0.99, 0.999999])
def test_bridge_identical_closed_form(p):
    edges = [(u, v, p) for u, v in BRIDGE]
    expected = 2 * p**2 + 2 * p**3 - 5 * p**4 + 2 * p**5
    assert close(two_terminal_availability(edges, "s", "t"), expected)


def test_bridge_block_with_different_edges_and_its_importance():
    ps = [0.9, 0.8, 0.85, 0.7, 0.6]
    cycles = [(9, 1), (8, 2), (17, 3), (7, 3), (6, 4)]
    edges = [{"between": list(pair), "name": f"e{i + 1}", "mttf": m, "mttr": r}
             for i, (pair, (m, r)) in enumerate(zip(BRIDGE, cycles))]
    network = {"source": "s", "target": "t", "edges": edges}
    result = exact_availability(load_spec({"blocks": {"network": network}}))
    assert close(result.system.availability, bridge_closed_form(*ps))
    enum = Enumeration([(f"e{i + 1}", m, r) for i, (m, r) in enumerate(cycles)])
    up = {f"e{i + 1}": enum.up(f"e{i + 1}") for i in range(5)}
    system = ((up["e1"] & up["e3"]) | (up["e2"] & up["e4"]) | (up["e1"] & up["e5"] & up["e4"])
              | (up["e2"] & up["e5"] & up["e3"]))
    truth = enum.measures([system])
    assert close(truth["q"], 1 - bridge_closed_form(*ps))
    check_metrics(result.system, truth)
    check_importance(result, enum, truth, group=lambda name: name)
    check_ranking(result)


def random_graph_cases():
    rng = np.random.default_rng(7)
    grid = [(f"{r}{c}", f"{r}{c + 1}") for r in range(3) for c in range(2)]
    grid += [(f"{r}{c}", f"{r + 1}{c}") for r in range(2) for c in range(3)]
    k4 = list(itertools.combinations("stab", 2))
    for edges, s, t in ((grid, "00", "22"), (k4, "s", "t"), (BRIDGE + [("s", "t")], "s", "t")):
        yield [(u, v, float(rng.uniform(0.3, 0.95))) for u, v in edges], s, t


@pytest.mark.parametrize(("edges", "source", "target"), list(random_graph_cases()),
                         ids=["grid3x3", "k4", "bridge+"])
def test_two_terminal_against_enumeration(edges, source, target):
    expected = 0.0
    for states in itertools.product((True, False), repeat=len(edges)):
        weight = math.prod(p if up else 1 - p for (_, _, p), up in zip(edges, states))
        reach, frontier = {source}, [source]
        while frontier:
            node = frontier.pop()
            for (u, v, _), up in zip(edges, states):
                for a, b in ((u, v), (v, u)):
                    if up and a == node and b not in reach:
                        reach.add(b)
                        frontier.append(b)
        expected += weight * (target in reach)
    assert close(two_terminal_availability(edges, source, target), expected)


def test_network_block_with_failing_nodes_against_brute_force():
    # s → {m1, m2} → t, m1–m2 cross link; m1, m2 and s fail, two edges fail, the rest are perfect
    spec = {"network": {"source": "s", "target": "t",
                        "nodes": [{"name": "s", "mttf": 99, "mttr": 1}, {"name": "m1", "mttf": 9, "mttr": 1},
                                  {"name": "m2", "mttf": 4, "mttr": 1}],
                        "edges": [{"between": ["s", "m1"], "name": "sm1", "mttf": 8, "mttr": 2},
                                  {"between": ["s", "m2"]},
                                  {"between": ["m1", "m2"], "name": "x", "mttf": 3, "mttr": 1},
                                  {"between": ["m1", "t"]}, {"between": ["m2", "t"]}]}}
    result = exact_availability(load_spec({"blocks": spec}))
    enum = Enumeration([("s", 99, 1), ("m1", 9, 1), ("m2", 4, 1), ("sm1", 8, 2), ("x", 3, 1)])
    s, m1, m2, sm1, x = (enum.up(n) for n in ("s", "m1", "m2", "sm1", "x"))
    # paths: s-m1-t, s-m2-t, s-m2-m1-t (via x), s-m1-m2-t (via x)
    system = s & ((sm1 & m1) | m2 | (m2 & x & m1) | (sm1 & m1 & x & m2))
    truth = enum.measures([system])
    check_metrics(result.system, truth)
    check_importance(result, enum, truth, group=lambda name: name)


# --- block-form common causes ---------------------------------------------------------------

def test_block_common_cause_against_brute_force():
    blocks = {"series": [
        component("gw", mttf=50, mttr=1),
        {"k_of_n": {"k": 2, "of": [component("app", mttf=20, mttr=2, count=3, beta=0.2)]}},
        {"parallel": [component("db", mttf=30, mttr=3, count=2, beta=0.1),
                      component("tape", mttf=5, mttr=5)]},
    ]}
    result = exact_availability(load_spec({"blocks": blocks}))
    enum = Enumeration([("gw", 50, 1)] + [(f"app[{i}]", 20 / 0.8, 2) for i in (1, 2, 3)]
                       + [("app[ccf]", 20 / 0.2, 2)] + [(f"db[{i}]", 30 / 0.9, 3) for i in (1, 2)]
                       + [("db[ccf]", 30 / 0.1, 3), ("tape", 5, 5)])
    up = enum.up
    apps = sum((up(f"app[{i}]") & up("app[ccf]")).astype(int) for i in (1, 2, 3))
    dbs = (up("db[1]") | up("db[2]")) & up("db[ccf]")
    system = up("gw") & (apps >= 2) & (dbs | up("tape"))
    truth = enum.measures([system])
    check_metrics(result.system, truth)
    check_importance(result, enum, truth, group=lambda name: name)
    check_ranking(result)


def test_block_importance_of_many_components_walks_paths_only():
    # Forcing an element re-evaluates its path, not the tree: 10,000 components (the spec's
    # limit) in seconds, where re-evaluating the tree per element took minutes.
    n, a = 10_000, 1 - 1e-7
    blocks = {"series": [{"parallel": [component("p", mttf=9, mttr=1, count=2)]},
                         component("s", mttf=a * 1e7, mttr=(1 - a) * 1e7, count=n - 2)]}
    start = time.perf_counter()
    result = exact_availability(load_spec({"blocks": blocks}))
    assert time.perf_counter() - start < 10
    q_pair, a_rest = 0.1**2, a ** (n - 2)
    assert close(result.system.unavailability, 1 - (1 - q_pair) * a_rest)
    by_name = {item.element: item for item in result.importance}
    # Birnbaum of a series element: the availability of everything else
    assert close(by_name["s[1]"].birnbaum, (1 - q_pair) * a ** (n - 3))
    assert close(by_name["p[1]"].birnbaum, 0.1 * a_rest)


# --- region form: brute force --------------------------------------------------------------

def test_quorum_role_where_zones_are_shared():
    # 3 zones × 2 instances, quorum = 4 of 6: losing one zone (2 instances) still leaves 4, losing
    # a zone and one more instance does not. Treating the 6 instances as independent is wrong.
    spec = {"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 950, "mttr": 50},
            "regions": {"r": {"zones": 3}},
            "roles": {"kv": {"per_zone": 2, "needs": "quorum", "mttf": 85, "mttr": 15}}}
    result, truth = check_against_brute_force(spec)
    check_metrics(result.regions[0].own, truth)
    check_ranking(result)
    # and the shared zones matter: the naive independent model is far off
    a_inst = 0.9 * 0.85
    naive = 0.95 * sum(math.comb(6, j) * a_inst**j * (1 - a_inst) ** (6 - j) for j in range(4, 7))
    assert abs(naive - result.system.availability) > 1e-3


TWO_REGIONS = {
    "zone": {"mttf": 90, "mttr": 10},
    "region": {"mttf": 95, "mttr": 5},
    "global": {"g": {"mttf": 98, "mttr": 2}, "unused": {"mttf": 1, "mttr": 1}},
    "regions": {
        "a": {"zones": 3, "fails_over_to": "b"},
        "b": {"zones": 2, "fails_over_to": "a", "per_zone": {"web": 2}, "zone": {"mttf": 80, "mttr": 20}},
    },
    "roles": {
        "web": {"per_zone": 1, "needs": "60%", "mttf": 85, "mttr": 15, "depends_on": ["g"]},
        "db": {"per_zone": 1, "needs": "quorum", "mttf": 70, "mttr": 30},
    },
}


@pytest.fixture(scope="module")
def two_regions():
    brute = RegionBruteForce(TWO_REGIONS)
    return exact_availability(load_spec(TWO_REGIONS)), brute, brute.system()


def test_two_regions_with_failover_and_a_global_service(two_regions):
    result, brute, truth = two_regions
    assert len(brute.enum.names) == 20
    check_metrics(result.system, truth)


def test_two_regions_per_region_figures(two_regions):
    result, brute, _ = two_regions
    for region in result.regions:
        own = brute.enum.measures([brute.service(region.name)])
        tenant = brute.enum.measures([brute.tenant(region.name)])
        check_metrics(region.own, own)
        check_metrics(region.with_failover, tenant)
        assert region.with_failover.availability > region.own.availability


def test_two_regions_importance(two_regions):
    result, brute, truth = two_regions
    check_importance(result, brute.enum, truth)
    check_ranking(result)
    assert "global:unused" not in {item.element for item in result.importance}


def test_two_regions_ranking_order_matches_brute_force(two_regions):
    result, brute, truth = two_regions
    q = truth["q"]
    criticality = {}
    for i, name in enumerate(brute.enum.names):
        criticality[name.split("#")[0]] = (q - truth["q_up"][i]) / q
    expected = sorted(criticality, key=lambda name: -criticality[name])
    ranked = [item.element for item in result.importance]
    # compare orders where criticalities differ clearly (ties may be listed either way)
    for first, second in itertools.combinations(expected, 2):
        if criticality[first] > criticality[second] * (1 + 1e-6):
            assert ranked.index(first) < ranked.index(second), (first, second)
    assert ranked[0] == expected[0]


def test_failover_only_region_is_not_a_tenant():
    spec = {"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 95, "mttr": 5},
            "regions": {"a": {"zones": 2, "fails_over_to": "spare"},
                        "spare": {"zones": 1, "home": False, "per_zone": {"db": 3}}},
            "roles": {"db": {"per_zone": 1, "needs": 2, "mttf": 70, "mttr": 30}}}
    result, truth = check_against_brute_force(spec)   # the mix is over region a only
    check_metrics(result.regions[0].with_failover, truth)


def test_beta_factor_common_cause_against_brute_force():
    spec = {"zone": {"mttf": 95, "mttr": 5}, "region": {"mttf": 990, "mttr": 10},
            "regions": {"r": {"zones": 3}},
            "roles": {"db": {"per_zone": 1, "needs": "quorum", "mttf": 40, "mttr": 4, "beta": 0.2},
                      "web": {"per_zone": 2, "needs": "any", "mttf": 20, "mttr": 5, "beta": 0.05}}}
    result, _ = check_against_brute_force(spec)
    check_ranking(result)


@pytest.mark.parametrize("links", ["ingress-and-zone-links", "ingress-only", "zone-links-only"])
def test_zone_network_against_brute_force(links):
    network = {"ingress_link": {"mttf": 9, "mttr": 1}, "zone_link": {"mttf": 8, "mttr": 2}}
    if links == "ingress-only":
        del network["zone_link"]
    if links == "zone-links-only":
        del network["ingress_link"]   # ingress links never fail, zone links still carry traffic
    spec = {"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 95, "mttr": 5}, "network": network,
            "regions": {"r": {"zones": 3}},
            "roles": {"kv": {"per_zone": 1, "needs": "quorum", "mttf": 85, "mttr": 15},
                      "web": {"per_zone": 1, "needs": "any", "mttf": 50, "mttr": 10}}}
    result, _ = check_against_brute_force(spec)
    check_ranking(result)


@pytest.mark.parametrize("zones", [["ingress", "b", "c"], ["a", "ingress", "c"]])
def test_zone_named_ingress_against_brute_force(zones):
    # The ingress node used to be the string "ingress": a zone of that name merged with it.
    network = {"ingress_link": {"mttf": 9, "mttr": 1}, "zone_link": {"mttf": 8, "mttr": 2}}
    spec = {"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 95, "mttr": 5}, "network": network,
            "regions": {"r": {"zones": zones}},
            "roles": {"kv": {"per_zone": 1, "needs": "all", "mttf": 85, "mttr": 15}}}
    _, truth = check_against_brute_force(spec)
    renamed = dict(spec, regions={"r": {"zones": [z.replace("ingress", "i") for z in zones]}})
    assert close(exact_availability(load_spec(renamed)).system.unavailability, truth["q"])


def test_zone_network_relays_through_a_zone():
    # zone 1 has no working ingress link but reaches the ingress through zone 2: it counts.
    spec = {"zone": {"availability": 1.0}, "region": {"availability": 1.0},
            "network": {"ingress_link": {"mttf": 1, "mttr": 1}, "zone_link": {"availability": 1.0}},
            "regions": {"r": {"zones": 2}},
            "roles": {"kv": {"per_zone": 1, "needs": "all", "availability": 1.0}}}
    result = exact_availability(load_spec(spec))
    # up when at least one ingress link is up (the zone link carries the rest)
    assert close(result.system.availability, 1 - 0.5 * 0.5)
    # the perfect elements never fail, so the frequency is the parallel pair's: q1 q2 (μ1 + μ2)
    assert close(result.system.failure_frequency_per_year, 0.25 * 2 * YEAR_H)
    assert not any("fixed availability" in note for note in result.notes)


def test_two_tenants_sharing_one_failover_region():
    spec = {"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 95, "mttr": 5},
            "regions": {"a": {"zones": 1, "fails_over_to": "c"}, "b": {"zones": 1, "fails_over_to": "c"},
                        "c": {"zones": 2, "home": False}},
            "roles": {"x": {"per_zone": 2, "needs": "any", "mttf": 60, "mttr": 40}}}
    check_against_brute_force(spec)


def test_region_network_override_against_brute_force():
    spec = {"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 95, "mttr": 5},
            "regions": {"a": {"zones": 2, "fails_over_to": "b",
                              "network": {"ingress_link": {"mttf": 9, "mttr": 1},
                                          "zone_link": {"mttf": 4, "mttr": 1}}},
                        "b": {"zones": 2}},
            "roles": {"kv": {"per_zone": 1, "needs": "all", "mttf": 85, "mttr": 15}}}
    check_against_brute_force(spec)


def test_default_spec_is_consistent():
    result = exact_availability(load_spec())
    system = result.system
    assert 0.9999 < system.availability < 1.0
    assert close(system.downtime_min_per_year, system.unavailability * 525600)
    assert close(system.mean_outage_h, system.unavailability / (system.failure_frequency_per_year / YEAR_H))
    homes = [r for r in result.regions if r.home]
    assert close(system.unavailability, np.mean([r.with_failover.unavailability for r in homes]))
    check_ranking(result)
    for item in result.importance:
        assert item.birnbaum >= -1e-15
        assert 0.0 <= item.criticality <= 1.0 + 1e-12
        assert item.criticality <= item.fussell_vesely + 1e-12


def test_high_availability_keeps_its_digits():
    """Five parallel 99.9 % units: U = 1e-15 and mean outage MTTR / 5 exactly (no 1 − A cancellation)."""
    spec = {"blocks": {"parallel": [{"component": {"name": "u", "mttf": "999h", "mttr": "1h", "count": 5}}]}}
    system = exact_availability(load_spec(spec)).system
    assert system.unavailability == pytest.approx(1e-15, rel=1e-12)
    assert system.mean_outage_h == pytest.approx(0.2, rel=1e-12)
    two_of_five = {"blocks": {"k_of_n": {"k": 4, "of": [{"component": {"name": "u", "mttf": "999999h",
                                                                      "mttr": "1h", "count": 5}}]}}}
    q = 1e-6
    expected = 10 * q**2 * (1 - q) ** 3 + 10 * q**3 * (1 - q) ** 2 + 5 * q**4 * (1 - q) + q**5
    assert exact_availability(load_spec(two_of_five)).system.unavailability == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("spec", [None, {"blocks": {"parallel": [{"component": {"name": "u", "mttf": "99h",
                                                                               "mttr": "1h", "count": 3}}]}}])
def test_summary_only_path_gives_the_same_service_figures(spec):
    model = load_spec(spec)
    full = exact_availability(model)
    quick = exact_availability(model, detail=False)
    assert quick.system == full.system
    assert quick.regions == () and quick.importance == ()
