"""The PRISM CTMC a spec exports means the chain it should.

No PRISM or Storm here, so the test reads the file back with a small interpreter of the PRISM
subset written (constants, bounded integer modules, guarded commands with rates, formulas,
labels), builds the generator over every state and solves it: the state count is the product
of the variables' ranges, and the steady-state probability of ``"down"`` equals the exact
engine's unavailability (independent repair). A hand-written file for two components in
series is compared as text.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.errors import SpecError
from hadr_model.interchange.prism import write_prism

ROOT = Path(__file__).resolve().parents[2]


def _python(expression: str) -> str:
    """A PRISM expression of the written subset as Python."""
    text = re.sub(r"\((\w+) \? 1 : 0\)", r"(1 if \1 else 0)", expression)
    inner = r"[^()]*(?:\([^()]*\)[^()]*)*"     # one level of parentheses inside (a gate's 0/1 value)
    text = re.sub(rf"\(\(({inner})\) > 0 \? (\d+) : \(({inner})\)\)", r"(\2 if (\1) > 0 else (\3))", text)
    return text.replace("&", " and ").replace("|", " or ")


def interpret(text: str):
    """(variables with bounds, generator, label values per state) of a PRISM CTMC file."""
    assert text.splitlines()[2] == "ctmc"
    consts = dict(re.findall(r"^const double (\w+) = ([^;]+);", text, re.M))
    variables = re.findall(r"^  (\w+) : \[0\.\.(\d+)\] init 0;", text, re.M)
    commands = re.findall(r"^  \[\] (.+?) -> (.+?) : \((\w+)' = \3 ([+-]) 1\);", text, re.M)
    formulas = re.findall(r"^formula (\w+) = (.+);$", text, re.M)
    labels = re.findall(r'^label "(\w+)" = (\w+);', text, re.M)
    names = [v for v, _ in variables]
    states = list(itertools.product(*(range(int(n) + 1) for _, n in variables)))
    index = {s: i for i, s in enumerate(states)}
    generator = np.zeros((len(states), len(states)))
    values = {}
    for s in states:
        env = {k: float(v) for k, v in consts.items()} | dict(zip(names, s))
        for name, body in formulas:                 # children are written before parents
            env[name] = bool(eval(_python(body), {}, env))
        values[s] = {label: env[formula] for label, formula in labels}
        for guard, rate, var, sign in commands:
            if eval(_python(guard), {}, env):
                t = list(s)
                t[names.index(var)] += 1 if sign == "+" else -1
                generator[index[s], index[tuple(t)]] += eval(_python(rate), {}, env)
    generator -= np.diag(generator.sum(axis=1))
    return variables, generator, [values[s] for s in states]


def steady_state(generator):
    n = len(generator)
    a = np.vstack([generator.T, np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(a, b, rcond=None)[0]


SPECS = {
    "two-of-three": {"name": "vote", "blocks": {"k_of_n": {"k": 2, "of": [
        {"component": {"name": "db", "mttf": "1000h", "mttr": "10h", "count": 3}}]}}},
    "beta": {"name": "beta", "blocks": {"parallel": [
        {"component": {"name": "web", "mttf": "500h", "mttr": "5h", "count": 2, "beta": 0.2}}]}},
    "shared-events": {"name": "ft", "fault_tree": {"top": "top", "gates": {
        "top": {"or": ["p", "q"]}, "p": {"and": ["a", "b"]}, "q": {"and": ["a", "c"]}}, "events": {
        "a": {"mttf": 100, "mttr": 2}, "b": {"mttf": 50, "mttr": 5}, "c": {"mttf": 80, "mttr": 1}}}},
    "k-terminal": {"name": "tri", "blocks": {"network": {"terminals": ["a", "b", "c"], "edges": [
        {"between": ["a", "b"], "mttf": 9, "mttr": 1}, {"between": ["b", "c"], "mttf": 19, "mttr": 1},
        {"between": ["a", "c"], "mttf": 4, "mttr": 1}, {"between": ["c", "d"], "mttf": 9, "mttr": 1},
        {"between": ["a", "d"], "mttf": 9, "mttr": 1}]}}},
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_prism_file_is_the_chain_of_the_spec(spec):
    model = load_spec(spec)
    variables, generator, labels = interpret(write_prism(model))
    assert len(generator) == np.prod([int(n) + 1 for _, n in variables])
    pi = steady_state(generator)
    down = np.array([v["down"] for v in labels])
    assert pi[down].sum() == pytest.approx(exact_availability(model).system.unavailability, rel=1e-9)


def test_region_form_writes_one_label_per_home_region():
    model = load_spec({"name": "r", "zone": {"mttf": "1000h", "mttr": "2h"}, "region": {"mttf": "1y", "mttr": "4h"},
                       "roles": {"app": {"per_zone": 1, "mttf": "500h", "mttr": "1h"}},
                       "regions": {"east": {"zones": 2}, "west": {"zones": 1}}})
    text = write_prism(model)
    assert "tenant homed in east" in text and "tenant homed in west" in text
    _, generator, labels = interpret(text)
    pi = steady_state(generator)
    tenants = [pi[np.array([v[f"down_{i}"] for v in labels])].sum() for i in range(2)]
    assert np.mean(tenants) == pytest.approx(exact_availability(model).system.unavailability, rel=1e-9)


EXPECTED_SERIES = """\
// two: the Markov chain of hadr_model's Markov bridge (independent repair),
// 2 elements, 4 states; rates per hour; every element up at the start.
ctmc

// --- elements: a module per element, dK = its copies down ---
const double lambda0 = 0.01; // a: 1 / MTTF per hour
const double mu0 = 1.0; // 1 / MTTR per hour
module e0
  d0 : [0..1] init 0;
  [] d0 < 1 -> (1 - d0) * lambda0 : (d0' = d0 + 1);
  [] d0 > 0 -> d0 * mu0 : (d0' = d0 - 1);
endmodule

const double lambda1 = 0.02; // b: 1 / MTTF per hour
const double mu1 = 0.5; // 1 / MTTR per hour
module e1
  d1 : [0..1] init 0;
  [] d1 < 1 -> (1 - d1) * lambda1 : (d1' = d1 + 1);
  [] d1 > 0 -> d1 * mu1 : (d1' = d1 - 1);
endmodule

// --- the structure: a formula per gate, true while it is down ---
formula g0 = (d0 + d1) >= 1;

label "down" = g0;

rewards "downtime"
  g0 : 1;
endrewards

// properties (a .props file, or --prop):
//   S=? [ "down" ]   steady-state unavailability; P=? [ F<=8760 "down" ]   1 - R(8760 h)
"""


def test_two_components_in_series_as_written_by_hand():
    model = load_spec({"name": "two", "blocks": {"series": [{"component": {"name": "a", "mttf": 100, "mttr": 1}},
                                                            {"component": {"name": "b", "mttf": 50, "mttr": 2}}]}})
    assert write_prism(model) == EXPECTED_SERIES


def test_fixed_availability_is_refused_by_name():
    model = load_spec({"blocks": {"component": {"name": "dns", "availability": 0.999}}})
    with pytest.raises(SpecError, match="dns"):
        write_prism(model)


@pytest.mark.slow
def test_each_region_of_a_zone_network_spec_has_its_own_structure():
    # Formulas are named by the id() of their node: every expanded tree must live until the file is
    # written, or a region's gate could take the name of another region's freed one.
    model = load_spec({"name": "net2", "zone": {"mttf": "8760h", "mttr": "4h"},
                       "region": {"mttf": "10y", "mttr": "12h"},
                       "network": {"ingress_link": {"mttf": "4000h", "mttr": "2h"},
                                   "zone_link": {"mttf": "8000h", "mttr": "2h"}},
                       "regions": {"east": {"zones": 2}, "west": {"zones": 2}},
                       "roles": {"api": {"per_zone": 1, "needs": "all", "availability": 1.0}}})
    _, generator, labels = interpret(write_prism(model))
    pi = steady_state(generator)
    exact = {r.name: r.own.unavailability for r in exact_availability(model).regions}
    for i, name in enumerate(("east", "west")):
        down = np.array([v[f"down_{i}"] for v in labels])
        assert pi[down].sum() == pytest.approx(exact[name], rel=1e-9)
