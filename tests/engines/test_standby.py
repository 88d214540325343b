"""Standby spares from a spec (``standby``): the exact (Markov) answer against hand-written chains
solved in exact rationals, and Monte Carlo against it within its confidence interval.

Each expected value comes from a generator written out below state by state (the number of
failed units ``f``), solved with :class:`fractions.Fraction` — not from the engine's chain
builder. The cold standby pair is the textbook two-unit standby system with repair (Barlow &
Proschan, *Statistical Theory of Reliability and Life Testing*, 1975, ch. 7; Trivedi,
*Probability and Statistics with Reliability, Queuing and Computer Science Applications*, 2nd
ed., 2002, §8.2): with one crew ``π_1 = ρ π_0``, ``π_2 = ρ² π_0``.
"""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest

import hadr_model as hm
from hadr_model import load_spec
from hadr_model.cli import main
from hadr_model.engines.teams import STANDBY_LABEL, shared_repair_availability

LAM, MU = Fraction(1, 1000), Fraction(1, 10)      # mttf 1000 h, mttr 10 h
YEAR = 8760


def _stationary(rates: dict[tuple[int, int], Fraction], n: int) -> list[Fraction]:
    """Solve ``π Q = 0, Σ π = 1`` exactly (Gauss–Jordan on rationals) for off-diagonal ``rates``."""
    q = [[Fraction(0)] * n for _ in range(n)]
    for (i, j), r in rates.items():
        q[i][j] += r
        q[i][i] -= r
    # Rows of the system: columns of Q (balance of each state), the last replaced by Σ π = 1.
    a = [[q[i][j] for i in range(n)] + [Fraction(0)] for j in range(n)]
    a[-1] = [Fraction(1)] * n + [Fraction(1)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[pivot] = a[pivot], a[col]
        a[col] = [v / a[col][col] for v in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                factor = a[r][col]
                a[r] = [v - factor * w for v, w in zip(a[r], a[col])]
    return [a[i][n] for i in range(n)]


def _frequency(rates: dict[tuple[int, int], Fraction], pi: list[Fraction], down: set[int]) -> Fraction:
    return sum((pi[i] * r for (i, j), r in rates.items() if i not in down and j in down), Fraction(0))


def _component(standby: dict, count: int = 1, **behaviour: str) -> dict:
    body = {"name": "u", "mttf": "1000h", "mttr": "10h", "count": count, "standby": standby, **behaviour}
    return {"component": body}


def _pair_spec(standby: dict, crews: int | None = None) -> dict:
    spec = {"blocks": _component(standby)}
    if crews is not None:
        spec["repair"] = {"ops": {"crews": crews, "components": ["u"]}}
    return spec


def _check(spec: dict, rates: dict[tuple[int, int], Fraction], n: int, down: set[int]) -> None:
    pi = _stationary(rates, n)
    result = shared_repair_availability(load_spec(spec))
    assert result.system.unavailability == pytest.approx(float(sum(pi[i] for i in down)), rel=1e-12)
    assert result.system.failure_frequency_per_year == pytest.approx(float(_frequency(rates, pi, down)) * YEAR,
                                                                     rel=1e-11)


@pytest.mark.parametrize("crews", [1, None])
def test_cold_standby_pair_matches_the_hand_written_chain(crews):
    # f failed: 0 → 1 (the active fails, the spare takes over), 1 → 2 (the second fails);
    # repairs at μ per crew: one crew, or one per failed unit.
    two = 1 if crews == 1 else 2
    rates = {(0, 1): LAM, (1, 2): LAM, (1, 0): MU, (2, 1): two * MU}
    pi = _stationary(rates, 3)
    rho = LAM / MU
    if crews == 1:   # the textbook closed form, as a check of the rational solver itself
        assert pi[2] == rho**2 / (1 + rho + rho**2)
    _check(_pair_spec({"spares": 1, "mode": "cold"}, crews), rates, 3, {2})


@pytest.mark.parametrize("crews", [1, None])
def test_warm_standby_pair_matches_the_hand_written_chain(crews):
    dormant = Fraction(1, 5000)
    two = 1 if crews == 1 else 2
    rates = {(0, 1): LAM + dormant, (1, 2): LAM, (1, 0): MU, (2, 1): two * MU}
    _check(_pair_spec({"spares": 1, "mode": "warm", "dormant_mttf": "5000h"}, crews), rates, 3, {2})


def test_hot_standby_pair_is_two_units_in_parallel():
    rates = {(0, 1): 2 * LAM, (1, 2): LAM, (1, 0): MU, (2, 1): 2 * MU}
    _check(_pair_spec({"spares": 1, "mode": "hot"}), rates, 3, {2})


@pytest.mark.parametrize("mode", ["cold", "hot"])
def test_an_imperfect_switch_loses_the_spare(mode):
    # The active fails: with probability c the spare serves (f = 1), else the spare is lost too (f = 2).
    c = Fraction(9, 10)
    spare = LAM if mode == "hot" else 0
    rates = {(0, 1): LAM * c + spare, (0, 2): LAM * (1 - c), (1, 2): LAM, (1, 0): MU, (2, 1): 2 * MU}
    _check(_pair_spec({"spares": 1, "mode": mode, "switch_success": 0.9}), rates, 3, {2})


def test_two_of_three_with_a_warm_spare_and_an_imperfect_switch():
    # 3 active positions, 1 warm spare (4 units); the k_of_n needs 2 positions served, so it is
    # down when f − 1 ≥ 2. f = 0: a spare failure (λd), or an active failure switched (c) or not.
    c, dormant = Fraction(4, 5), Fraction(1, 4000)
    rates = {(0, 1): 3 * LAM * c + dormant, (0, 2): 3 * LAM * (1 - c), (1, 2): 3 * LAM, (2, 3): 2 * LAM,
             (3, 4): LAM}
    rates.update({(f, f - 1): f * MU for f in range(1, 5)})
    standby = {"spares": 1, "mode": "warm", "dormant_mttf": "4000h", "switch_success": 0.8}
    spec = {"blocks": {"k_of_n": {"k": 2, "of": [_component(standby, count=3)]}}}
    _check(spec, rates, 5, {3, 4})


def test_two_spares_try_one_after_the_other():
    # 1 active, 2 cold spares: an active failure with 2 spares up loses 0, 1 or 2 more units
    # with probabilities c, (1 − c) c, (1 − c)²; with 1 spare up: c or 1 − c.
    c = Fraction(1, 2)
    rates = {(0, 1): LAM * c, (0, 2): LAM * (1 - c) * c, (0, 3): LAM * (1 - c) ** 2,
             (1, 2): LAM * c, (1, 3): LAM * (1 - c), (2, 3): LAM}
    rates.update({(f, f - 1): f * MU for f in range(1, 4)})
    _check(_pair_spec({"spares": 2, "mode": "cold", "switch_success": 0.5}), rates, 4, {3})


def _region_spec(zones: int, standby: dict | None) -> dict:
    role = {"per_zone": 2, "needs": "any", "mttf": "1000h", "mttr": "10h"}
    if standby is not None:
        role["standby"] = standby
    return {"name": "standby-region", "zone": {"availability": 1.0}, "region": {"availability": 1.0},
            "regions": {"r": {"zones": zones}}, "roles": {"app": role}}


@pytest.mark.parametrize("zones", [1, 2])
def test_region_form_spares_sit_in_each_zone(zones):
    # Per zone: 2 instances + 1 cold spare, own crews; the zone's group is out when f = 3.
    rates = {(0, 1): 2 * LAM, (1, 2): 2 * LAM, (2, 3): LAM}
    rates.update({(f, f - 1): f * MU for f in range(1, 4)})
    pi = _stationary(rates, 4)
    expected = pi[3] ** zones          # needs any: every zone's group out (zones independent)
    result = hm.availability(load_spec(_region_spec(zones, {"spares": 1, "mode": "cold"})))
    assert result.engine == f"{STANDBY_LABEL} ({4 * zones} states)"
    assert result.system.unavailability == pytest.approx(float(expected), rel=1e-12)


def test_no_spares_is_the_independent_answer():
    plain = hm.availability(load_spec(_region_spec(2, None)), failover="instantaneous")
    zero = hm.availability(load_spec(_region_spec(2, {"spares": 0, "mode": "cold"})))
    assert zero.system.unavailability == pytest.approx(plain.system.unavailability, rel=1e-12)
    assert plain.engine == "exact" and zero.engine.startswith(STANDBY_LABEL)


def test_spares_help_and_cold_beats_warm_beats_hot():
    u = {}
    for mode, extra in (("cold", {}), ("warm", {"dormant_mttf": "3000h"}), ("hot", {})):
        u[mode] = hm.availability(load_spec(_pair_spec({"spares": 1, "mode": mode, **extra}))).system.unavailability
    single = hm.availability(load_spec({"blocks": {"component": {"name": "u", "mttf": "1000h", "mttr": "10h"}}}))
    assert u["cold"] < u["warm"] < u["hot"] < single.system.unavailability


def test_dispatch_label_in_the_json_and_text_output(tmp_path, capsys):
    import json

    import yaml

    path = tmp_path / "pair.yaml"
    path.write_text(yaml.safe_dump(_pair_spec({"spares": 1, "mode": "cold"})))
    assert main(["availability", str(path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["engine"] == f"{STANDBY_LABEL} (3 states)"
    assert main(["availability", str(path)]) == 0
    assert f"model: {STANDBY_LABEL} (3 states)" in capsys.readouterr().out


def test_exact_refuses_a_switch_time_and_non_exponential_laws():
    from hadr_model.errors import SpecError

    timed = _pair_spec({"spares": 1, "mode": "cold", "switch_time": "5m"})
    with pytest.raises(SpecError) as error:
        hm.availability(load_spec(timed))
    assert error.value.field == "blocks.component.standby.switch_time" and "hadr simulate" in str(error.value)
    weibull = copy.deepcopy(_pair_spec({"spares": 1, "mode": "cold"}))
    del weibull["blocks"]["component"]["mttf"]
    weibull["blocks"]["component"]["failure"] = {"dist": "weibull_min", "c": 2, "mean": "1000h"}
    with pytest.raises(SpecError) as error:
        hm.availability(load_spec(weibull))
    assert error.value.field == "blocks.component.standby" and "hadr simulate" in str(error.value)


# --- Monte Carlo against the exact answers ----------------------------------------------------

def _within(simulated, expected: float, widths: float = 3.0) -> None:
    half = simulated.unavailability_ci95_halfwidth
    assert abs(simulated.unavailability - expected) <= widths * half, (simulated.unavailability, expected, half)
    assert half < 0.15 * expected        # a CI that could not fail is no test


@pytest.mark.parametrize("standby,crews", [
    ({"spares": 1, "mode": "cold"}, None),
    ({"spares": 1, "mode": "cold"}, 1),
    ({"spares": 1, "mode": "warm", "dormant_mttf": "3000h"}, None),
    pytest.param({"spares": 2, "mode": "hot", "switch_success": 0.7}, None, marks=pytest.mark.slow),
])
def test_monte_carlo_agrees_with_the_markov_chain(standby, crews):
    spec = _pair_spec(standby, crews)
    spec["blocks"]["component"].update(mttf="200h", mttr="10h")
    model = load_spec(spec)
    exact = hm.availability(model).system.unavailability
    _within(hm.simulate(model, years=20, runs=3000, seed=7), exact)


def test_monte_carlo_switch_time_matches_a_hand_written_chain():
    # 1 active + 1 cold spare, switch-over time exponential (rate σ), own crews. States:
    # A serving (0 failed), B switching with 1 failed, C serving with 1 failed, D 2 failed,
    # E switching with 0 failed (the failed unit came back during the switch: it is the spare).
    # The position is empty in B, D and E. The incoming unit runs during its switch.
    lam, mu, sigma = Fraction(1, 100), Fraction(1, 10), Fraction(1, 2)
    a, b, c, d, e = range(5)
    rates = {(a, b): lam, (b, c): sigma, (b, d): lam, (b, e): mu, (e, a): sigma, (e, b): lam,
             (c, a): mu, (c, d): lam, (d, c): 2 * mu}
    pi = _stationary(rates, 5)
    expected = float(pi[b] + pi[d] + pi[e])
    spec = _pair_spec({"spares": 1, "mode": "cold", "switch_time": {"dist": "exponential", "mean": "2h"}})
    spec["blocks"]["component"].update(mttf="100h", mttr="10h")
    _within(hm.simulate(load_spec(spec), years=10, runs=2000, seed=3), expected)


@pytest.mark.slow
def test_monte_carlo_region_form_agrees_with_the_markov_chain():
    spec = _region_spec(2, {"spares": 1, "mode": "warm", "dormant_mttf": "2000h"})
    spec["roles"]["app"].update(mttf="100h", mttr="10h", needs="all")
    model = load_spec(spec)
    exact = hm.availability(model).system.unavailability
    _within(hm.simulate(model, years=10, runs=1000, seed=5), exact)


def test_monte_carlo_same_seed_same_numbers():
    model = load_spec(_pair_spec({"spares": 1, "mode": "cold", "switch_time": "30m"}))
    one, two = (hm.simulate(model, years=5, runs=500, seed=11) for _ in range(2))
    assert one.unavailability == two.unavailability and one.outages_observed == two.outages_observed
    other = hm.simulate(model, years=5, runs=500, seed=12)
    assert other.unavailability != one.unavailability


def test_the_shipped_example_is_the_product_of_its_hand_written_chains():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "data" / "standby_spares.yaml"
    # app: 3 positions need 2, 1 warm spare, c = 0.98, own crews; down when f ≥ 3.
    lam, mu, dormant, c = Fraction(1, 2000), Fraction(1, 8), Fraction(1, 20000), Fraction(98, 100)
    app = {(0, 1): 3 * lam * c + dormant, (0, 2): 3 * lam * (1 - c), (1, 2): 3 * lam, (2, 3): 2 * lam, (3, 4): lam}
    app.update({(f, f - 1): f * mu for f in range(1, 5)})
    pi_app = _stationary(app, 5)
    # db: 1 active + 1 cold spare, c = 0.99, one DBA; down when f = 2.
    lam, mu, c = Fraction(1, 5000), Fraction(1, 12), Fraction(99, 100)
    db = {(0, 1): lam * c, (0, 2): lam * (1 - c), (1, 2): lam, (1, 0): mu, (2, 1): mu}
    pi_db = _stationary(db, 3)
    up = (1 - Fraction(1, 50001)) * (1 - pi_app[3] - pi_app[4]) * (1 - pi_db[2])
    result = hm.availability(load_spec(path))
    assert result.system.unavailability == pytest.approx(float(1 - up), rel=1e-12)
    assert result.engine.startswith("Markov chain, shared repair crews and standby spares")
