"""The block engine's one pass up and one pass down against brute force, where the random
trees of the property test do not reach: wide k-of-n gates, many nodes of one shape evaluated
as one array (rows must not mix), nested gates, and the bounds checked before evaluating.

The brute force enumerates the 2^n component states and evaluates the structure from its
definition; every figure is a sum of positive state probabilities (accurate to a few ulps).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hadr_model import SpecError, load_spec
from hadr_model.engines.exact import MAX_KOFN_CELLS, exact_availability

REL = 1e-12


def _component(name: str, rng: np.random.Generator) -> dict:
    return {"component": {"name": name, "mttf": float(rng.uniform(10, 1e4)), "mttr": float(rng.uniform(0.1, 50))}}


def _brute(block: dict):
    """``Q``, and per component ``q_up``, ``q_down``, Birnbaum, by enumerating every state."""
    names, p = [], []

    def collect(b):
        if "component" in b:
            c = b["component"]
            names.append(c["name"])
            p.append(c["mttf"] / (c["mttf"] + c["mttr"]))
            return
        for child in b.get("series") or b.get("parallel") or b["k_of_n"]["of"]:
            collect(child)

    collect(block)
    n = len(names)
    states = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    p = np.array(p)
    prob = np.where(states, p, 1 - p).prod(axis=1)
    index = iter(range(n))

    def up(b):
        if "component" in b:
            return states[:, next(index)]
        if "series" in b:
            return np.all([up(c) for c in b["series"]], axis=0)
        if "parallel" in b:
            return np.any([up(c) for c in b["parallel"]], axis=0)
        return np.sum([up(c) for c in b["k_of_n"]["of"]], axis=0) >= b["k_of_n"]["k"]

    system = up(block)
    figures = {}
    for i, name in enumerate(names):
        with_up = states[:, i]
        rest = prob[with_up] / p[i]
        down_when_up, down_when_down = ~system[with_up], ~system[np.flatnonzero(with_up) - (1 << i)]
        figures[name] = (rest[down_when_up].sum(), rest[down_when_down].sum(),
                         rest[down_when_down & ~down_when_up].sum())
    return prob[~system].sum(), figures


def _check(block: dict) -> None:
    q_system, figures = _brute(block)
    result = exact_availability(load_spec({"name": "t", "blocks": block}))
    assert math.isclose(result.system.unavailability, q_system, rel_tol=REL)
    for item in result.importance:
        q_up, q_down, birnbaum = figures[item.element]
        assert math.isclose(item.birnbaum, birnbaum, rel_tol=REL), item.element
        assert math.isclose(item.risk_achievement_worth * result.system.unavailability, q_down, rel_tol=REL)
        assert math.isclose(result.system.unavailability / item.risk_reduction_worth, q_up, rel_tol=REL)


@pytest.mark.parametrize(("k", "n"), [(2, 7), (3, 7), (5, 9), (4, 13), (12, 13)])
def test_wide_k_of_n_gates(k, n):
    rng = np.random.default_rng(k * 100 + n)
    _check({"k_of_n": {"k": k, "of": [_component(f"c{i}", rng) for i in range(n)]}})


@pytest.mark.parametrize("shape", [(2, 3), (1, 3), (3, 3), (2, 4)])
def test_nodes_of_one_shape_evaluated_together_keep_their_own_numbers(shape):
    # Four gates alike in shape, different in every number: one (4, n) array per pass.
    k, n = shape
    rng = np.random.default_rng(n * 10 + k)
    gates = [{"k_of_n": {"k": k, "of": [_component(f"g{g}c{i}", rng) for i in range(n)]}} for g in range(4)]
    _check({"series": gates[:3] + [{"parallel": [gates[3], _component("spare", rng)]}]})


def test_nested_gates_of_every_kind():
    rng = np.random.default_rng(3)
    inner = {"k_of_n": {"k": 2, "of": [_component(f"i{i}", rng) for i in range(4)]}}
    pair = {"parallel": [_component("a", rng), {"series": [_component("b", rng), _component("c", rng)]}]}
    _check({"k_of_n": {"k": 2, "of": [inner, pair, _component("d", rng), {"series": [_component("e", rng)]}]}})


def test_one_structure_is_flattened_once_and_reused_with_new_numbers():
    rng = np.random.default_rng(9)
    block = {"series": [{"k_of_n": {"k": 2, "of": [_component(f"g{g}c{i}", rng) for i in range(3)]}}
                        for g in range(3)]}
    model = load_spec({"name": "t", "blocks": block})
    first, second = exact_availability(model), exact_availability(model)
    assert first.system == second.system and first.importance == second.importance
    _check(block)


def test_a_k_of_n_gate_too_wide_for_memory_is_refused_before_evaluating():
    n = 2 * math.isqrt(MAX_KOFN_CELLS) + 2       # n (n − k + 2) > MAX_KOFN_CELLS at k = n/2
    block = {"k_of_n": {"k": n // 2, "of": [{"component": {"name": "c", "mttf": "1000h", "mttr": "1h", "count": n}}]}}
    with pytest.raises(SpecError, match="count cells") as error:
        exact_availability(load_spec({"name": "wide", "blocks": block}))
    assert error.value.field == "blocks"
