"""Tests of the CTMC engine against answers derived independently of the code.

Closed forms are evaluated with exact rationals (``fractions.Fraction``) from the very
floats the engine uses (``1.0 / mttf_h``), so the only error measured is the engine's.
Hand-built generators are solved exactly with rational Gaussian elimination.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from hadr_model.engines import markov
from hadr_model.engines.markov import (
    Group,
    MarkovModel,
    RepairPolicy,
    Zone,
    build_chain,
    mean_time_to_failure,
    reliability,
    solve,
    steady_state,
    transient,
    transient_curve,
)
from hadr_model.errors import HadrError, SpecError

REL = 1e-9


@pytest.fixture(params=["dense", "iterative"])
def solver(request, monkeypatch):
    """Run a test with the dense GTH solver and again with the sparse iterative one."""
    if request.param == "iterative":
        monkeypatch.setattr(markov, "DENSE_LIMIT", 1)
    return request.param


def rates(mttf_h: float, mttr_h: float) -> tuple[Fraction, Fraction]:
    """Exact values of the float rates the engine computes."""
    return Fraction(1.0 / mttf_h), Fraction(1.0 / mttr_h)


def close(value: float, exact: Fraction, rel: float = REL) -> bool:
    return abs(Fraction(value) - exact) <= rel * abs(exact)


def exact_stationary(n: int, transitions: dict[tuple[int, int], Fraction]) -> list[Fraction]:
    """Solve pi Q = 0, sum(pi) = 1 exactly (Gauss-Jordan on rationals)."""
    rows = [[Fraction(0)] * n + [Fraction(0)] for _ in range(n)]
    for (i, j), rate in transitions.items():
        rows[j][i] += rate  # inflow to j
        rows[i][i] -= rate  # outflow of i
    rows[0] = [Fraction(1)] * n + [Fraction(1)]  # replace one balance equation by sum = 1
    for col in range(n):
        pivot = next(r for r in range(col, n) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [row[n] for row in rows]


# ---- parallel 1-of-2 -----------------------------------------------------------------


@pytest.mark.parametrize(("mttf", "mttr"), [(2000.0, 8.0), (1e5, 1.0)])
def test_one_of_two_with_one_crew(solver, mttf, mttr):
    # States 0, 1, 2 failed: 0 -2l-> 1 -l-> 2, 1 -m-> 0, 2 -m-> 1 (one crew).
    # pi1 = 2 rho pi0, pi2 = 2 rho**2 pi0  =>  U = 2 rho**2 / (1 + 2 rho + 2 rho**2).
    lam, mu = rates(mttf, mttr)
    rho = lam / mu
    exact = 2 * rho**2 / (1 + 2 * rho + 2 * rho**2)
    result = solve(MarkovModel([Group("g", 2, mttf, mttr, needed=1)], RepairPolicy(crews=1)))
    assert result.n_states == 3
    assert close(result.unavailability, exact)
    assert close(result.availability, 1 - exact)


@pytest.mark.parametrize("crews", [2, None])
@pytest.mark.parametrize(("mttf", "mttr"), [(2000.0, 8.0), (1e5, 1.0)])
def test_one_of_two_with_two_crews_is_product_form(solver, crews, mttf, mttr):
    # Independent repair: each unit is down with probability l / (l + m), U = that squared.
    lam, mu = rates(mttf, mttr)
    exact = (lam / (lam + mu)) ** 2
    result = solve(MarkovModel([Group("g", 2, mttf, mttr, needed=1)], RepairPolicy(crews=crews)))
    assert close(result.unavailability, exact)


def test_one_of_two_mean_time_to_first_failure(solver):
    # m0 = 1/(2l) + m1 and m1 = 1/(l+m) + m/(l+m) m0 give MTTF = (3l + m) / (2 l**2);
    # the number of crews does not matter (only one unit is ever under repair before failure).
    mttf, mttr = 3000.0, 12.0
    lam, mu = rates(mttf, mttr)
    exact = (3 * lam + mu) / (2 * lam**2)
    for crews in (1, 2):
        result = solve(MarkovModel([Group("g", 2, mttf, mttr)], RepairPolicy(crews=crews)))
        assert close(result.mean_time_to_first_failure_h, exact)


def test_failure_frequency_and_downtime_of_one_component(solver):
    # nu = pi_up * l = l m / (l + m) per hour; downtime = U * 525600 min/year.
    lam, mu = rates(500.0, 4.0)
    result = solve(MarkovModel([Group("vm", 1, 500.0, 4.0)]))
    assert close(result.failure_frequency_per_year, 8760 * lam * mu / (lam + mu))
    assert close(result.downtime_min_per_year, 525600 * lam / (lam + mu))
    assert close(result.mean_time_to_first_failure_h, 1 / lam)


# ---- standby ------------------------------------------------------------------------


def test_cold_standby_perfect_switching(solver):
    # 1 active + 1 cold spare, one crew: 0 -l-> 1 -l-> 2 and back at m.
    # U = rho**2 / (1 + rho + rho**2); MTTF: m0 = 1/l + m1, m1 = 1/(l+m) + m/(l+m) m0
    # => MTTF = (2l + m) / l**2.
    mttf, mttr = 1000.0, 10.0
    lam, mu = rates(mttf, mttr)
    rho = lam / mu
    result = solve(MarkovModel([Group("g", 2, mttf, mttr, needed=1, standby="cold")], RepairPolicy(1)))
    assert close(result.unavailability, rho**2 / (1 + rho + rho**2))
    assert close(result.mean_time_to_first_failure_h, (2 * lam + mu) / lam**2)


def test_cold_standby_imperfect_switching(solver):
    # Switch succeeds with c: 0 -lc-> 1, 0 -l(1-c)-> 2, 1 -l-> 2, 1 -m-> 0, 2 -m-> 1.
    # Cuts: l pi0 = m pi1 and l(1-c) pi0 + l pi1 = m pi2 => pi1 = rho pi0,
    # pi2 = (rho (1-c) + rho**2) pi0.
    mttf, mttr, c = 1000.0, 10.0, 0.875
    lam, mu = rates(mttf, mttr)
    rho, miss = lam / mu, 1 - Fraction(c)
    exact = (rho * miss + rho**2) / (1 + rho + rho * miss + rho**2)
    group = Group("g", 2, mttf, mttr, needed=1, standby="cold", switch_success=c)
    result = solve(MarkovModel([group], RepairPolicy(1)))
    assert close(result.unavailability, exact)
    perfect = solve(MarkovModel([Group("g", 2, mttf, mttr, standby="cold")], RepairPolicy(1)))
    assert result.unavailability > perfect.unavailability


def test_warm_standby(solver):
    # Spare fails at a l while waiting: 0 -(1+a)l-> 1 -l-> 2, repairs at m (one crew).
    # U = (1+a) rho**2 / (1 + (1+a) rho + (1+a) rho**2).
    mttf, mttr, a = 1000.0, 10.0, 0.25
    lam, mu = rates(mttf, mttr)
    rho, k = lam / mu, 1 + Fraction(a)
    group = Group("g", 2, mttf, mttr, standby="warm", dormant_factor=a)
    result = solve(MarkovModel([group], RepairPolicy(1)))
    assert close(result.unavailability, k * rho**2 / (1 + k * rho + k * rho**2))


# ---- product form, lumped and unlumped ----------------------------------------------


def component_rates(count: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(1e3, 1e5)), float(rng.uniform(0.5, 24.0))) for _ in range(count)]


@pytest.mark.parametrize("count", [3, 12, 15])
def test_series_of_different_components_is_product_form(count):
    parts = component_rates(count, seed=count)
    exact_up = math.prod((mu / (lam + mu) for lam, mu in (rates(*p) for p in parts)), start=Fraction(1))
    model = MarkovModel([Group(f"c{i}", 1, mttf, mttr) for i, (mttf, mttr) in enumerate(parts)])
    result = solve(model)
    assert result.n_states == 2**count
    assert close(result.unavailability, 1 - exact_up)
    assert close(result.availability, exact_up)


def test_identical_components_lumped_and_unlumped_agree_with_product():
    mttf, mttr, n = 4000.0, 6.0, 12
    lam, mu = rates(mttf, mttr)
    exact = 1 - (mu / (lam + mu)) ** n
    lumped = solve(MarkovModel([Group("role", n, mttf, mttr, needed=n)]))
    unlumped = solve(MarkovModel([Group(f"i{i}", 1, mttf, mttr) for i in range(n)]))
    assert (lumped.n_states, unlumped.n_states) == (n + 1, 2**n)
    assert close(lumped.unavailability, exact)
    assert close(unlumped.unavailability, exact)
    assert close(unlumped.failure_frequency_per_year, Fraction(lumped.failure_frequency_per_year))


def test_k_of_n_lumped_group_matches_binomial(solver):
    # Independent repair: each instance is up with p = m / (l + m); P(at least k up) is binomial.
    mttf, mttr, n, k = 900.0, 9.0, 10, 7
    lam, mu = rates(mttf, mttr)
    p = mu / (lam + mu)
    down = sum(math.comb(n, up) * p**up * (1 - p) ** (n - up) for up in range(k))
    result = solve(MarkovModel([Group("role", n, mttf, mttr, needed=k)]))
    assert result.n_states == n + 1
    assert close(result.unavailability, down)


# ---- transient ------------------------------------------------------------------------


def test_transient_one_component_closed_form(solver):
    # A(t) = m/(l+m) + l/(l+m) e^{-(l+m)t}; U(t) = l/(l+m) (1 - e^{-(l+m)t}); R(t) = e^{-lt}.
    mttf, mttr = 200.0, 5.0
    lam, mu = 1 / mttf, 1 / mttr
    times = np.array([0.0, 0.5, 2.0, 10.0, 100.0, 1000.0])
    curve = transient_curve(MarkovModel([Group("vm", 1, mttf, mttr)]), times)
    decay = np.exp(-(lam + mu) * times)
    np.testing.assert_allclose(curve.availability, mu / (lam + mu) + lam / (lam + mu) * decay, rtol=1e-12)
    np.testing.assert_allclose(curve.unavailability[1:], lam / (lam + mu) * (1 - decay[1:]), rtol=1e-9)
    np.testing.assert_allclose(curve.reliability, np.exp(-lam * times), rtol=1e-10)


def test_low_level_transient_reliability_and_mttf_agree():
    lam, mu = 1e-3, 0.1
    q = np.array([[-2 * lam, 2 * lam, 0.0], [mu, -lam - mu, lam], [0.0, 2 * mu, -2 * mu]])
    p = transient(q, [1.0, 0.0, 0.0], [0.0, 1e4])
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], steady_state(q), rtol=1e-9)
    # R(t) of 1-of-2 decays with the dominant eigenvalue; its integral is the MTTF.
    times = np.linspace(0.0, 2e6, 2001)
    r = reliability(q, np.array([True, True, False]), [1.0, 0.0, 0.0], times)
    area = float(np.sum((r[1:] + r[:-1]) / 2 * np.diff(times)))
    mttf = mean_time_to_failure(q, np.array([True, True, False]), [1.0, 0.0, 0.0])
    assert mttf == pytest.approx((3 * lam + mu) / (2 * lam**2), rel=1e-12)
    assert area == pytest.approx(mttf, rel=1e-4)


# ---- crews with priorities --------------------------------------------------------------


def test_priority_matches_hand_built_generator(solver):
    # Two single-instance groups share one crew; "hi" is repaired first (preemptive).
    # States (fail_hi, fail_lo) indexed hi + 2 lo, as in the builder's mixed radix.
    mttf, mttr = 50.0, 10.0
    lam, mu = rates(mttf, mttr)
    hand = {
        (0, 1): lam, (0, 2): lam,          # from (0,0): hi fails, lo fails
        (1, 0): mu, (1, 3): lam,           # from (1,0): hi repaired, lo fails
        (2, 0): mu, (2, 3): lam,           # from (0,1): lo repaired, hi fails
        (3, 2): mu,                        # from (1,1): only hi is repaired
    }  # fmt: skip
    pi = exact_stationary(4, hand)
    groups = [Group("hi", 1, mttf, mttr, priority=1), Group("lo", 1, mttf, mttr, priority=0)]
    hi = solve(MarkovModel(groups, RepairPolicy(1), up=lambda s: s["hi"] >= 1))
    lo = solve(MarkovModel(groups, RepairPolicy(1), up=lambda s: s["lo"] >= 1))
    assert close(hi.unavailability, pi[1] + pi[3])
    assert close(lo.unavailability, pi[2] + pi[3])
    assert hi.availability > lo.availability
    chain = build_chain(MarkovModel(groups, RepairPolicy(1)))
    built = chain.generator.toarray()
    for (i, j), rate in hand.items():
        assert built[i, j] == float(rate)
    assert np.count_nonzero(built - np.diag(np.diag(built))) == len(hand)


def test_equal_priority_shares_the_crew_proportionally(solver):
    # Same two groups at one priority: in (1,1) each repair runs at m / 2.
    mttf, mttr = 50.0, 10.0
    lam, mu = rates(mttf, mttr)
    hand = {(0, 1): lam, (0, 2): lam, (1, 0): mu, (1, 3): lam, (2, 0): mu, (2, 3): lam,
            (3, 2): mu / 2, (3, 1): mu / 2}
    pi = exact_stationary(4, hand)
    groups = [Group("a", 1, mttf, mttr), Group("b", 1, mttf, mttr)]
    result = solve(MarkovModel(groups, RepairPolicy(1), up=lambda s: s["a"] >= 1))
    assert close(result.unavailability, pi[1] + pi[3])


# ---- zones ------------------------------------------------------------------------------


def test_zone_outage_and_repair_waiting_for_the_zone(solver):
    # 1-of-2 group in one zone, independent repair. State f + 3 z (f failed, z zone down).
    # Zone up: failures (2-f) l, repairs f m, zone fails at lz. Zone down: nothing fails
    # and nothing is repaired; only the zone returns at mz. System up iff zone up and f < 2.
    mttf, mttr, zone_mttf, zone_mttr = 800.0, 8.0, 5000.0, 3.0
    lam, mu = rates(mttf, mttr)
    lz, mz = rates(zone_mttf, zone_mttr)
    hand: dict[tuple[int, int], Fraction] = {}
    for f in range(3):
        if f < 2:
            hand[(f, f + 1)] = (2 - f) * lam
        if f > 0:
            hand[(f, f - 1)] = f * mu
        hand[(f, f + 3)] = lz
        hand[(f + 3, f)] = mz
    pi = exact_stationary(6, hand)
    model = MarkovModel([Group("db", 2, mttf, mttr, zone="az")], zones=[Zone("az", zone_mttf, zone_mttr)])
    result = solve(model)
    assert close(result.unavailability, pi[2] + pi[3] + pi[4] + pi[5])


# ---- errors ---------------------------------------------------------------------------


def test_state_limit_error_names_the_count():
    model = MarkovModel([Group(f"c{i}", 1, 1000.0, 1.0) for i in range(23)])
    with pytest.raises(SpecError, match="8,388,608"):
        build_chain(model)


@pytest.mark.parametrize(
    ("group", "field"),
    [
        (Group("g", 2, 100.0, 1.0, needed=3), "groups.g.needed"),
        (Group("g", 0, 100.0, 1.0), "groups.g.n"),
        (Group("g", 2, -1.0, 1.0), "groups.g.mttf_h"),
        (Group("g", 2, 100.0, 1.0, standby="lukewarm"), "groups.g.standby"),  # type: ignore[arg-type]
        (Group("g", 2, 100.0, 1.0, zone="nowhere"), "groups.g.zone"),
    ],
)
def test_bad_groups_are_spec_errors(group, field):
    with pytest.raises(SpecError, match=field):
        build_chain(MarkovModel([group]))


def test_bad_crews_and_absorbing_generator():
    with pytest.raises(SpecError, match=r"repair\.crews"):
        build_chain(MarkovModel([Group("g", 1, 10.0, 1.0)], RepairPolicy(crews=0)))
    with pytest.raises(HadrError, match="irreducible"):
        steady_state(np.array([[-1.0, 1.0], [0.0, 0.0]]))


def test_prepared_triangular_solve_equals_scipys_public_one():
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    from hadr_model.engines.markov import _prepared_unit_lower_solve

    rng = np.random.default_rng(3)
    lower = sp.random_array((400, 400), density=0.02, random_state=rng, format="csr")
    lower = sp.csr_array(sp.tril(lower, k=-1) + sp.eye_array(400))
    solve = _prepared_unit_lower_solve(lower)
    for _ in range(3):           # the prepared arrays are reused, never consumed
        rhs = rng.random(400)
        expected = spla.spsolve_triangular(lower, rhs, lower=True, unit_diagonal=True)
        np.testing.assert_allclose(solve(rhs), expected, rtol=1e-13)
        np.testing.assert_allclose(lower @ solve(rhs), rhs, rtol=1e-10)
