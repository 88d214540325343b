"""Property: on random block diagrams the exact engine equals brute-force enumeration.

Random series / parallel / k-of-n trees of up to 12 repairable components (random MTTF and
MTTR, some blocks with ``count`` copies) are written as spec dicts. The brute force reads
the same dict, shares no code with the engine, enumerates all ``2^n`` up/down states of
the components and evaluates the structure from its definition, vectorised over the states.
Every figure is a sum of positive state probabilities (no ``1 − x``, no difference of two
sums), so it is accurate to a few ulps and the comparison can be at 1e-12 relative:

* the system unavailability ``Q``;
* per component, the unavailability with it forced up / down (``q_up``, ``q_down``, implied
  by the engine's ``Q / RRW`` and ``RAW · Q``) and its Birnbaum importance, summed as
  ``Σ P(x_{-i}) [φ(1_i, x) − φ(0_i, x)]`` over the states where the two differ;
* the failure frequency, as the Markov rate of entering a down state,
  ``Σ_{x up} Σ_{i up, x − i down} π(x) / MTTF_i``.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability

REL = 1e-12
YEAR_H = 8760.0
MAX_COMPONENTS = 12

# --- random trees (spec dicts) ----------------------------------------------------------------

_hours = st.floats(min_value=0.05, max_value=1e5, allow_nan=False, allow_infinity=False)
_component = st.builds(lambda mttf, mttr, count: {"component": {"mttf": mttf, "mttr": mttr, "count": count}},
                       st.floats(min_value=10.0, max_value=1e5), _hours,
                       st.sampled_from([1, 1, 1, 1, 2, 3]))


@st.composite
def _k_of_n(draw, children: st.SearchStrategy) -> dict:
    of = draw(st.lists(children, min_size=1, max_size=4))
    return {"k_of_n": {"k": draw(st.integers(min_value=1, max_value=max(1, _width(of)))), "of": of}}


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, min_size=1, max_size=4).map(lambda xs: {"series": xs}),
        st.lists(children, min_size=1, max_size=4).map(lambda xs: {"parallel": xs}),
        _k_of_n(children),
    )


def _width(entries: list[dict]) -> int:
    """Children a block entry list stands for (a component with ``count: n`` stands for n)."""
    return sum(e["component"]["count"] if "component" in e else 1 for e in entries)


def _leaves(block: dict) -> int:
    if "component" in block:
        return block["component"]["count"]
    body = block.get("series") or block.get("parallel") or block["k_of_n"]["of"]
    return sum(_leaves(child) for child in body)


def _named(block: dict, counter: list[int]) -> dict:
    """A copy with a unique name on every component entry."""
    if "component" in block:
        counter[0] += 1
        return {"component": {"name": f"e{counter[0]}", **block["component"]}}
    if "k_of_n" in block:
        return {"k_of_n": {"k": block["k_of_n"]["k"], "of": [_named(c, counter) for c in block["k_of_n"]["of"]]}}
    kind = "series" if "series" in block else "parallel"
    return {kind: [_named(c, counter) for c in block[kind]]}


trees = (st.recursive(_component, _extend, max_leaves=10)
         .filter(lambda b: 3 <= _leaves(b) <= MAX_COMPONENTS)
         .map(lambda b: _named({"series": [b]} if "component" in b else b, [0])))   # 'count' needs a block

# --- brute force --------------------------------------------------------------------------------


class _Enumeration:
    """All 2^n component states of one tree and the structure function on each."""

    def __init__(self, block: dict) -> None:
        self.names: list[str] = []
        self.mttf: list[float] = []
        self.mttr: list[float] = []
        self._collect(block)
        n = len(self.names)
        self.states = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)   # True = up
        mttf, mttr = np.array(self.mttf), np.array(self.mttr)
        self.p, self.q = mttf / (mttf + mttr), mttr / (mttf + mttr)
        self.prob = np.where(self.states, self.p, self.q).prod(axis=1)
        self.up = self._phi(block, iter(range(n)))

    def _collect(self, block: dict) -> None:
        if "component" in block:
            c = block["component"]
            copies = [c["name"]] if c["count"] == 1 else [f"{c['name']}[{j}]" for j in range(1, c["count"] + 1)]
            for name in copies:
                self.names.append(name)
                self.mttf.append(c["mttf"])
                self.mttr.append(c["mttr"])
            return
        for child in block.get("series") or block.get("parallel") or block["k_of_n"]["of"]:
            self._collect(child)

    def _children(self, entries: list[dict], index) -> list[np.ndarray]:
        """One up-vector per child; a component with ``count: n`` is n children."""
        out = []
        for entry in entries:
            if "component" in entry:
                out += [self.states[:, next(index)] for _ in range(entry["component"]["count"])]
            else:
                out.append(self._phi(entry, index))
        return out

    def _phi(self, block: dict, index) -> np.ndarray:
        if "component" in block:
            copies = self._children([block], index)
            return np.all(copies, axis=0)      # a lone 'count: n' entry is a series of its copies
        if "series" in block:
            return np.all(self._children(block["series"], index), axis=0)
        if "parallel" in block:
            return np.any(self._children(block["parallel"], index), axis=0)
        children = self._children(block["k_of_n"]["of"], index)
        return np.sum(children, axis=0) >= block["k_of_n"]["k"]

    def figures(self) -> dict[str, object]:
        """Q and A (each summed over its own states), per component q_up, q_down and Birnbaum,
        and the failure frequency per year."""
        down = ~self.up
        q_system = self.prob[down].sum()
        q_up, q_down, birnbaum = {}, {}, {}
        flow = 0.0
        for i, name in enumerate(self.names):
            bit = 1 << i
            is_up = self.states[:, i]
            rest_up = self.prob[is_up] / self.p[i]                 # P(x_{-i}) on the states with i up
            with_i_up = self.up[is_up]
            with_i_down = self.up[np.flatnonzero(is_up) - bit]      # the same x_{-i}, i down
            q_up[name] = rest_up[~with_i_up].sum()
            q_down[name] = rest_up[~with_i_down].sum()
            birnbaum[name] = rest_up[with_i_up & ~with_i_down].sum()
            # entering a down state: x up with i up, and x without i down
            flow += (self.prob[is_up][with_i_up & ~with_i_down]).sum() / self.mttf[i]
        return {"Q": q_system, "A": self.prob[self.up].sum(), "q_up": q_up, "q_down": q_down, "birnbaum": birnbaum,
                "frequency": flow * YEAR_H}


# --- the property -------------------------------------------------------------------------------


def _close(value: float, expected: float, what: str, abs_tol: float = 0.0) -> None:
    assert math.isclose(value, expected, rel_tol=REL, abs_tol=abs_tol), f"{what}: {value!r} != {expected!r}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(block=trees)
def test_exact_block_engine_equals_brute_force(block: dict) -> None:
    expected = _Enumeration(block).figures()
    result = exact_availability(load_spec({"name": "random", "blocks": block}))
    q_system = result.system.unavailability
    _close(q_system, expected["Q"], "Q")
    # The engine reports A as 1 − Q (its digits are in Q): exact to an ulp of 1, which is
    # relative only while A is not tiny (a system that is nearly always down).
    _close(result.system.availability, expected["A"], "A", abs_tol=2 * np.finfo(float).eps)
    _close(result.system.failure_frequency_per_year, expected["frequency"], "failure frequency")
    assert {item.element for item in result.importance} == set(expected["birnbaum"])
    for item in result.importance:
        name = item.element
        _close(item.birnbaum, expected["birnbaum"][name], f"Birnbaum of {name}")
        _close(item.risk_achievement_worth * q_system, expected["q_down"][name], f"q_down of {name}")
        if expected["q_up"][name] == 0.0:      # forcing it up makes the system perfect
            assert item.risk_reduction_worth == math.inf
        else:
            _close(q_system / item.risk_reduction_worth, expected["q_up"][name], f"q_up of {name}")


def test_brute_force_matches_closed_forms() -> None:
    """The brute force itself, on a tree whose answer is known in closed form."""
    a = {"component": {"name": "a", "mttf": 99.0, "mttr": 1.0, "count": 1}}
    b = {"component": {"name": "b", "mttf": 9.0, "mttr": 1.0, "count": 2}}
    figures = _Enumeration({"series": [a, {"parallel": [b]}]}).figures()
    qa, qb = 0.01, 0.1
    assert math.isclose(figures["Q"], 1 - (1 - qa) * (1 - qb**2), rel_tol=1e-14)
    assert math.isclose(figures["birnbaum"]["a"], 1 - qb**2, rel_tol=1e-14)
    assert math.isclose(figures["birnbaum"]["b[1]"], (1 - qa) * qb, rel_tol=1e-14)
    assert math.isclose(figures["q_up"]["b[2]"], qa, rel_tol=1e-14)
    # frequency = Σ B_i / (MTTF_i + MTTR_i)
    freq = ((1 - qb**2) / 100 + 2 * (1 - qa) * qb / 10) * YEAR_H
    assert math.isclose(figures["frequency"], freq, rel_tol=1e-13)
