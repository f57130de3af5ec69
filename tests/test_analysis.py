"""summary.json's tail measures against a closed form: an alliance whose NPV is a known function of a Poisson count.

With no discounting, a value rate V over a horizon T and a risk that costs c at each occurrence and nothing else,
every run lives to T at full health, so NPV = V T - c N with N ~ Poisson(lam T) exactly. Then P(NPV < 0) = P(N >
V T / c), and the mean NPV of the worst 10% of runs is V T - c times the mean of the top 10% of N: all of N above
its 90% quantile k, and the share 0.1 - P(N > k) of the atom at k.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sp

import allysim

from conftest import Z, check_power, check_proportion, poisson_tail, scenario_from_yaml

LAM, T, V, C = 2.0, 2.0, 3.0, 1.0  # N ~ Poisson(4); NPV = 6 - N


def test_cvar10_and_p_loss_of_a_poisson_count() -> None:
    runs = 20_000
    s = scenario_from_yaml(f"""
        allysim: 1
        name: Poisson losses
        horizon: {T}
        discount_rate: 0
        alliance: {{value_rate: {V}}}
        risks:
          - id: claim
            rate: {LAM}
            impact: {{cost: {C}}}
        """)
    results = allysim.simulate(s, runs=runs, seed=2312)
    p = results.plans["default"]
    np.testing.assert_allclose(p.npv, V * T - C * p.occurrences[:, 0], atol=1e-9)  # the premise, run by run
    npv = results.summary()["plans"]["default"]["npv"]
    mu = LAM * T
    # P(loss) = P(6 - N < 0) = P(N > 6)
    p_loss = float(sp.poisson.sf(V * T / C, mu))
    losses = round(npv["p_loss"]["estimate"] * runs)
    tol = check_proportion(losses, runs, p_loss, "P(NPV < 0)")
    check_power(p_loss, float(sp.poisson.sf(V * T / C - 1, mu)), tol, "counting NPV = 0 as a loss")
    lo, hi = npv["p_loss"]["ci95"]
    assert lo < npv["p_loss"]["estimate"] < hi
    # CVaR10 = V T - c E[top 10% of N]
    tail, var = poisson_tail(mu)
    expected = V * T - C * tail
    tol = Z * C * math.sqrt(var / runs)
    cvar = npv["cvar10"]["estimate"]
    assert abs(cvar - expected) <= tol, f"cvar10 {cvar:.4f}, expected {expected:.4f} +- {tol:.4f}"
    k = int(sp.poisson.ppf(0.9, mu))
    check_power(expected, V * T - C * k, tol, "the 10% quantile (VaR) for the tail mean")
    above_k = float(sp.poisson.expect(lambda n: n, (mu,), lb=k + 1) / sp.poisson.sf(k, mu))
    check_power(expected, V * T - C * above_k, tol, "the mean of the runs strictly beyond the quantile")
    # its interval has the closed form's width, to sampling error
    lo, hi = npv["cvar10"]["ci95"]
    assert lo < cvar < hi
    assert abs((hi - lo) / 2 / (1.96 * C * math.sqrt(var / runs)) - 1) < 0.1
