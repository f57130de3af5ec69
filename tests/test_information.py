"""The value of information (EVPPI, EVPI) against closed forms.

EVPPI = E_theta[max_p E(NPV_p | theta)] - max_p E(NPV_p). With the plans' NPV differences from the first plan known
functions of one parameter plus noise independent of it, E(d_p | theta) is that function and the EVPPI an integral
over theta's law. Each tolerance is four standard deviations of the estimator itself, measured by applying it to
replicas of the same model drawn with numpy (the regression adds error beyond the Monte Carlo error of the mean).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from scipy import stats as sp

import allysim
from allysim.information import value_of_information


def spread(model, runs: int, replicas: int = 8, seed: int = 99) -> np.ndarray:
    """The estimator's values (EVPI, then each input's EVPPI) on ``replicas`` fresh draws of ``model``."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(replicas):
        npv, params, paths = model(rng, runs)
        voi = value_of_information(npv, params, paths)
        out.append([voi["evpi"], *(voi["inputs"][p]["evppi"] for p in paths)])
    return np.array(out)


def linear_model(rng: np.random.Generator, n: int):
    """d = a + b theta + noise, theta ~ N(mu, sigma), and an irrelevant parameter."""
    theta, other = rng.normal(MU, SIGMA, n), rng.uniform(0, 1, n)
    base = rng.normal(20, 4, n)
    return ({"a": base, "b": base + A + B * theta + rng.normal(0, 2.0, n)}, np.column_stack([theta, other]),
            ["theta", "other"])


A, B, MU, SIGMA = -1.0, 0.8, 0.5, 1.5


def test_two_plans_whose_difference_is_linear_in_a_normal_parameter() -> None:
    # a + b theta ~ N(m, s): E[max(0, X)] = m Phi(m / s) + s phi(m / s); the best now is the first plan (m < 0)
    m, s = A + B * MU, abs(B) * SIGMA
    exact = m * sp.norm.cdf(m / s) + s * sp.norm.pdf(m / s) - max(0.0, m)
    runs = 3000
    npv, params, paths = linear_model(np.random.default_rng(7), runs)
    voi = value_of_information(npv, params, paths)
    replicas = spread(linear_model, runs)
    tol = 4 * replicas.std(axis=0, ddof=1)
    assert abs(voi["inputs"]["theta"]["evppi"] - exact) <= tol[1], (voi, exact, tol)
    assert abs(replicas[:, 1].mean() - exact) <= tol[1] / math.sqrt(len(replicas))  # no bias beyond the noise
    assert voi["inputs"]["other"]["evppi"] < 0.05 * exact  # an irrelevant parameter is worth about nothing
    assert abs(voi["evpi"] - exact) <= tol[0]  # learning both is worth what learning theta is
    assert voi["plans"] == ["a", "b"] and voi["best_now"] == "a" and list(voi["inputs"])[0] == "theta"
    # able to fail: the per-run maximum (perfect knowledge of each life, not of theta) is worth far more
    d = npv["b"] - npv["a"]
    per_run = float(np.maximum(d, 0).mean()) - max(0.0, float(d.mean()))
    assert per_run - exact > 2 * tol[1]


def three_plans(rng: np.random.Generator, n: int):
    """Plans b and c differ from a by theta - 1 and 1 - theta (theta ~ U(0, 2)), plus noise."""
    theta = rng.uniform(0, 2, n)
    base = rng.normal(5, 2, n)
    return ({"a": base, "b": base + theta - 1 + rng.normal(0, 1, n), "c": base + 1 - theta + rng.normal(0, 1, n)},
            theta[:, None], ["theta"])


def test_three_plans_the_best_of_which_depends_on_the_parameter() -> None:
    # E[max(0, theta - 1, 1 - theta)] = E|theta - 1| = 1/2 for theta ~ U(0, 2), and every plan's mean is 0 now
    runs = 3000
    npv, params, paths = three_plans(np.random.default_rng(8), runs)
    voi = value_of_information(npv, params, paths)
    tol = 4 * spread(three_plans, runs).std(axis=0, ddof=1)
    assert abs(voi["inputs"]["theta"]["evppi"] - 0.5) <= tol[1]
    assert voi["evpi"] == voi["inputs"]["theta"]["evppi"]  # one parameter: EVPI is its EVPPI


INSURE = """
    allysim: 1
    name: learn the price first
    horizon: 2
    discount_rate: 0
    alliance: {value_rate: 3}
    risks:
      - id: claim
        rate: 2
        impact: {cost: 1}
      - id: noise
        rate: {uniform: {low: 0.5, high: 3}}
        impact: {cost: 1}
    contingencies:
      - id: insure
        trigger: {on: claim}
        effect: {reduce_impact: 1}
        cost: {setup: {uniform: {low: 2, high: 8}}}
    plans: {none: [], insured: [insure]}
"""


def insure_model(rng: np.random.Generator, n: int):
    """The INSURE scenario in closed form: NPV = 6 - N - M uninsured, 6 - M - theta insured."""
    claims, rate, setup = rng.poisson(4.0, n), rng.uniform(0.5, 3, n), rng.uniform(2, 8, n)
    noise = rng.poisson(2 * rate)
    return ({"none": 6.0 - claims - noise, "insured": 6.0 - noise - setup}, np.column_stack([rate, setup]),
            ["risks.noise.rate", "contingencies.insure.cost.setup"])


def test_evppi_of_an_uncertain_price_through_the_engine() -> None:
    # insuring every claim (N ~ Poisson(4) of cost 1) at a setup theta ~ U(2, 8): d = N - theta, E(d | theta) =
    # 4 - theta, so EVPPI(theta) = E[max(0, 4 - theta)] - max(0, 4 - 5) = (4 - 2)^2 / (2 x 6) = 1/3; the other
    # risk's rate moves both plans alike and is worth nothing to the choice
    runs = 4000
    scenario = allysim.parse_scenario(textwrap.dedent(INSURE), source="t.yaml")
    results = allysim.simulate(scenario, runs=runs, seed=5)
    none, insured = results.plans["none"], results.plans["insured"]
    paths = list(scenario.uncertain)
    setup = results.params[:, paths.index("contingencies.insure.cost.setup")]
    np.testing.assert_allclose(insured.npv - none.npv, none.occurrences[:, 0] - setup, atol=1e-9)  # the premise
    voi = value_of_information({"none": none.npv, "insured": insured.npv}, results.params, paths)
    tol = 4 * spread(insure_model, runs).std(axis=0, ddof=1)
    exact = 1 / 3
    assert abs(voi["inputs"]["contingencies.insure.cost.setup"]["evppi"] - exact) <= tol[2], (voi, tol)
    assert voi["inputs"]["risks.noise.rate"]["evppi"] < 0.05 * exact
    assert abs(voi["evpi"] - exact) <= tol[0]
    # able to fail: E[max(0, N - theta)], the per-run maximum, is about 0.62
    pmf = sp.poisson.pmf(np.arange(60), 4.0)
    per_run = sum(p * (((k - 2) ** 2 / 12) if 2 <= k <= 8 else (k - 5 if k > 8 else 0.0)) for k, p in enumerate(pmf))
    assert per_run - exact > 2 * tol[2]


def test_sensitivity_reports_it_over_the_plans_named_and_draws_it(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from allysim.cli import cli

    path = tmp_path / "insure.yaml"
    path.write_text(textwrap.dedent(INSURE))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sensitivity", str(path), "--runs", "300", "--seed", "2", "--workers", "1",
                                      "--out", str(out), "--plans", "insured,none", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "sensitivity.json").read_text())
    voi = data["value_of_information"]
    assert voi["plans"] == ["insured", "none"] and set(voi["inputs"]) == set(data["inputs"])
    assert voi["evpi"] >= max(v["evppi"] for v in voi["inputs"].values()) >= 0
    assert (out / "information.png").stat().st_size > 10_000
    (out / "information.png").unlink()
    assert CliRunner().invoke(cli, ["report", str(out)]).exit_code == 0
    assert (out / "information.png").exists()
    bad = CliRunner().invoke(cli, ["sensitivity", str(path), "--runs", "10", "--plans", "none",
                                   "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "at least two plans" in bad.output and not (tmp_path / "bad").exists()
    bad = CliRunner().invoke(cli, ["sensitivity", str(path), "--runs", "10", "--plans", "none,nope",
                                   "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "unknown plan 'nope'" in bad.output and not (tmp_path / "bad").exists()


def test_one_plan_has_nothing_to_choose_and_no_value_of_information() -> None:
    scenario = allysim.parse_scenario(textwrap.dedent(INSURE).replace("plans: {none: [], insured: [insure]}",
                                                                      "plans: {none: []}"), source="t.yaml")
    data = allysim.sensitivity(scenario, runs=100, seed=1).to_dict()
    assert data["value_of_information"] is None
    with pytest.raises(allysim.UsageError, match="unknown plan"):
        allysim.sensitivity(scenario, plans=["none", "zz"], runs=10, seed=1)
