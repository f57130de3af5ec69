"""`allysim calibrate`: hazards fitted to histories, checked against closed forms and an independent fit.

Each fit is checked against something computed here without lifelines: the exponential rate against
events / exposure, the Weibull against scipy's optimiser on the censored log-likelihood written out below, the step
hazard against lifelines' own piecewise fitter on data without ties; the AIC choice on data of known truth.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from allysim.calibration import calibrate, default_steps, fit_steps, survival_curves
from allysim.history import History
from allysim.stats import Z95

from conftest import check_proportion


def history(durations, ended, causes=None, time_unit="year") -> History:
    ended = np.asarray(ended, dtype=bool)
    causes = np.where(ended, "all" if causes is None else np.asarray(causes, dtype=object), "")
    return History(np.asarray(durations, dtype=float), ended, causes.astype(object), time_unit, "")


def weibull_sample(rng, shape, scale, n, censor_at):
    """Weibull lifetimes right-censored by uniform follow-up times."""
    life = scale * rng.weibull(shape, n)
    follow = rng.uniform(0, censor_at, n)
    return np.minimum(life, follow), life <= follow


def weibull_mle(t, d):
    """An independent Weibull fit: maximise sum d log h(t) - H(t), h = (k/s)(t/s)^(k-1), H = (t/s)^k."""
    def negative(params):
        k, s = np.exp(params)
        z = t / s
        return -np.sum(d * (np.log(k / s) + (k - 1) * np.log(z)) - z ** k)

    found = optimize.minimize(negative, x0=[0.0, math.log(np.mean(t))], method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000})
    # observed information of (log k, log s) by central differences: se of log k and log s
    h = 1e-4
    x = found.x
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (negative(x + ei + ej) - negative(x + ei - ej) - negative(x - ei + ej)
                          + negative(x - ei - ej)) / (4 * h * h)
    se = np.sqrt(np.diag(np.linalg.inv(hess)))
    return np.exp(x), -found.fun, se


def test_the_constant_rate_is_endings_over_exposure_with_its_log_scale_interval():
    rng = np.random.default_rng(1)
    life = rng.exponential(1 / 0.2, 800)
    follow = rng.uniform(0, 8, 800)
    t, d = np.minimum(life, follow), life <= follow
    fit = calibrate(history(t, d)).causes["all"]["models"]["exponential"]
    rate = d.sum() / t.sum()
    assert fit["rate"]["estimate"] == pytest.approx(rate, rel=1e-6)
    spread = math.exp(Z95 / math.sqrt(d.sum()))
    assert fit["rate"]["ci95"] == pytest.approx([rate / spread, rate * spread], rel=1e-6)
    assert fit["loglik"] == pytest.approx(d.sum() * math.log(rate) - rate * t.sum(), rel=1e-6)
    assert fit["aic"] == pytest.approx(2 - 2 * fit["loglik"], rel=1e-9)
    from lifelines import ExponentialFitter  # the same fit, found by iterating

    assert 1 / ExponentialFitter().fit(t, d).lambda_ == pytest.approx(rate, rel=1e-5)
    se = rate / math.sqrt(d.sum())  # and the truth is within 4 standard errors of the estimate
    assert abs(rate - 0.2) < 4 * se


def test_the_weibull_fit_matches_an_independent_maximum_likelihood_fit():
    t, d = weibull_sample(np.random.default_rng(2), 0.7, 5.0, 1500, 20.0)
    fit = calibrate(history(t, d)).causes["all"]["models"]["weibull"]
    (shape, scale), loglik, se = weibull_mle(t, d)
    assert fit["shape"]["estimate"] == pytest.approx(shape, rel=1e-4)
    assert fit["scale"]["estimate"] == pytest.approx(scale, rel=1e-4)
    assert fit["loglik"] == pytest.approx(loglik, rel=1e-7)
    assert fit["aic"] == pytest.approx(4 - 2 * loglik, rel=1e-7)
    # the intervals: Wald on the log scale from the observed information
    for name, value, s in (("shape", shape, se[0]), ("scale", scale, se[1])):
        low, high = fit[name]["ci95"]
        assert low == pytest.approx(value * math.exp(-Z95 * s), rel=1e-2)
        assert high == pytest.approx(value * math.exp(Z95 * s), rel=1e-2)
    # and the truth is inside 4 standard errors
    assert abs(math.log(shape / 0.7)) < 4 * se[0] and abs(math.log(scale / 5.0)) < 4 * se[1]


def test_the_step_fit_agrees_with_lifelines_piecewise_fitter_on_data_without_ties():
    from lifelines import PiecewiseExponentialFitter

    t, d = weibull_sample(np.random.default_rng(3), 0.6, 8.0, 2000, 30.0)
    mine = fit_steps(t, d, (0.0, 1.5, 6.0))
    theirs = PiecewiseExponentialFitter([1.5, 6.0]).fit(t, d)
    assert [r["estimate"] for r in mine["rates"]] == pytest.approx(1 / theirs.params_.to_numpy(), rel=1e-4)
    assert mine["loglik"] == pytest.approx(theirs.log_likelihood_, rel=1e-6)
    # closed form, each step: endings in (a, b] over the time at risk in it
    first = mine["rates"][1]
    inside = d & (t > 1.5) & (t <= 6.0)
    exposure = np.clip(t - 1.5, 0, 4.5).sum()
    assert first["estimate"] == pytest.approx(inside.sum() / exposure, rel=1e-12)
    spread = math.exp(Z95 / math.sqrt(inside.sum()))
    assert first["ci95"] == pytest.approx([first["estimate"] / spread, first["estimate"] * spread], rel=1e-12)


def test_an_ending_exactly_at_a_breakpoint_closes_the_step_before_it():
    # a history in whole years: "lasted 2 years" ended during the second year, under the first step's rate
    fit = fit_steps(np.array([1.0, 2.0, 2.0, 3.0]), np.array([True, True, True, False]), (0.0, 2.0))
    assert [r["events"] for r in fit["rates"]] == [3, 0]
    assert [r["exposure"] for r in fit["rates"]] == [7.0, 1.0]
    assert fit["rates"][0]["estimate"] == 3 / 7


def test_a_step_without_endings_has_rate_zero_and_the_exact_poisson_upper_bound():
    fit = fit_steps(np.array([1.0, 1.5, 5.0]), np.array([True, True, False]), (0.0, 2.0))
    empty = fit["rates"][1]
    assert empty["estimate"] == 0 and empty["ci95"][0] == 0
    assert empty["ci95"][1] == pytest.approx(-math.log(0.025) / 3.0, rel=1e-9)  # P(0 events | mean) = 2.5%


def test_default_steps_are_the_quartiles_of_the_ending_times_with_endings_in_every_step():
    rng = np.random.default_rng(4)
    times = rng.exponential(3.0, 400)
    assert default_steps(times) == pytest.approx((0.0, *np.quantile(times, [0.25, 0.5, 0.75])))
    # whole years: the first and second quartiles are the shortest life, a step (1, 1] would hold no ending
    assert default_steps(np.array([1.0] * 6 + [2.0, 3.0, 4.0, 7.0, 9.0])) == (0.0, 1.0, 3.5)
    # nor would a last step after the last ending
    assert default_steps(np.array([1.0, 2.0, 3.0, 9.0, 9.0, 9.0, 9.0])) == (0.0, 2.5)  # quartiles 2.5, 9, 9


def test_best_picks_the_weibull_on_weibull_data_with_a_falling_hazard():
    t, d = weibull_sample(np.random.default_rng(5), 0.5, 10.0, 1500, 40.0)
    cause = calibrate(history(t, d)).causes["all"]
    assert cause["chosen"] == "weibull"
    models = cause["models"]
    assert models["weibull"]["aic"] < models["exponential"]["aic"] - 10
    assert models["weibull"]["shape"]["ci95"][1] < 1


def test_best_does_not_prefer_the_weibull_on_exponential_data_more_often_than_chance():
    """On exponential data, twice the Weibull's log-likelihood gain is chi-squared with 1 degree of freedom: the
    Weibull's AIC beats the constant rate's by more than 2 (a gain over 4) in 4.55% of histories, no more."""
    rng = np.random.default_rng(6)
    histories, beaten, exponential = 40, 0, 0
    for _ in range(histories):
        life = rng.exponential(4.0, 300)
        follow = rng.uniform(0, 15, 300)
        cause = calibrate(history(np.minimum(life, follow), life <= follow), steps=[0, 4]).causes["all"]
        models = cause["models"]
        beaten += models["weibull"]["aic"] < models["exponential"]["aic"] - 2
        exponential += cause["chosen"] == "exponential"
    check_proportion(beaten, histories, 1 - stats.chi2.cdf(4, 1), "Weibull beats exponential by > 2 AIC")
    assert exponential > histories / 2


def test_a_model_asked_for_is_chosen_whatever_its_aic():
    t, d = weibull_sample(np.random.default_rng(7), 0.5, 10.0, 300, 40.0)
    assert calibrate(history(t, d), model="exponential").causes["all"]["chosen"] == "exponential"
    assert calibrate(history(t, d), model="steps", steps=[0, 1, 5]).causes["all"]["chosen"] == "steps"


def test_each_cause_is_a_competing_risk_with_the_others_censored():
    rng = np.random.default_rng(8)
    n = 3000
    a, b = rng.exponential(1 / 0.1, n), rng.exponential(1 / 0.3, n)
    follow = rng.uniform(0, 10, n)
    t = np.minimum.reduce([a, b, follow])
    d = t < follow
    causes = np.where(a < b, "coup", "war")
    fits = calibrate(history(t, d, causes))
    assert set(fits.causes) == {"coup", "war"}
    for name, truth in (("coup", 0.1), ("war", 0.3)):
        events = int((d & (causes == name)).sum())
        rate = fits.causes[name]["models"]["exponential"]["rate"]["estimate"]
        assert fits.causes[name]["events"] == events
        assert rate == pytest.approx(events / t.sum(), rel=1e-6)  # the whole time at risk, every row
        assert abs(rate - truth) < 4 * truth / math.sqrt(events)
    # a cause's Kaplan-Meier curve censors the other cause's endings: it falls only at its own ending times
    coup_times = set(t[d & (causes == "coup")].tolist())
    km_times = {p["time"] for p in fits.causes["coup"]["kaplan_meier"]} - {0.0}
    assert km_times == coup_times


def test_the_kaplan_meier_points_match_the_product_limit_by_hand():
    t = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    d = np.array([True, True, False, True, False, True])
    km = calibrate(history(t, d)).causes["all"]["kaplan_meier"]
    expected = [(0.0, 1.0), (1.0, 5 / 6), (2.0, 5 / 6 * 4 / 5), (3.0, 5 / 6 * 4 / 5 * 2 / 3),
                (5.0, 5 / 6 * 4 / 5 * 2 / 3 * 0)]
    assert [p["time"] for p in km] == [e[0] for e in expected]
    assert [p["survival"] for p in km] == pytest.approx([e[1] for e in expected])
    assert all(p["ci95"][0] <= p["survival"] <= p["ci95"][1] for p in km[:-1])


def test_survival_curves_follow_each_model_formula():
    t, d = weibull_sample(np.random.default_rng(9), 0.8, 6.0, 500, 20.0)
    cause = calibrate(history(t, d), steps=[0, 2, 5]).causes["all"]
    curves = survival_curves(cause, 10.0, points=11)
    w = cause["models"]["weibull"]
    assert curves["weibull"][5] == pytest.approx(math.exp(-(5 / w["scale"]["estimate"]) ** w["shape"]["estimate"]))
    r = [s["estimate"] for s in cause["models"]["steps"]["rates"]]
    assert curves["steps"][7] == pytest.approx(math.exp(-(2 * r[0] + 3 * r[1] + 2 * r[2])))
    rate = cause["models"]["exponential"]["rate"]["estimate"]
    assert curves["exponential"][3] == pytest.approx(math.exp(-3 * rate))


def test_calibration_json_holds_the_fitted_curves_the_chart_draws():
    """The chart draws calibration.json's ``fitted`` and computes nothing: each model's survival from age 0 (all
    still going) to the longest history, as :func:`survival_curves` gives it."""
    t, d = weibull_sample(np.random.default_rng(9), 0.8, 6.0, 500, 20.0)
    fits = calibrate(history(t, d), steps=[0, 2, 5])
    cause = fits.to_dict()["causes"]["all"]
    fitted = cause["fitted"]
    assert fitted[0] == {"time": 0.0, "exponential": 1.0, "weibull": 1.0, "steps": 1.0}
    assert fitted[-1]["time"] == pytest.approx(float(t.max()))
    curves = survival_curves(cause, float(t.max()))
    assert [p["weibull"] for p in fitted] == pytest.approx(list(curves["weibull"]))
    assert [p["steps"] for p in fitted] == pytest.approx(list(curves["steps"]))


def test_rows_still_going_at_their_start_add_nothing_to_any_fit():
    t, d = weibull_sample(np.random.default_rng(10), 0.8, 6.0, 300, 20.0)
    plain = calibrate(history(t, d)).causes["all"]["models"]
    padded = calibrate(history(np.append(t, [0.0, 0.0]), np.append(d, [False, False]))).causes["all"]["models"]
    assert padded["weibull"]["shape"]["estimate"] == pytest.approx(plain["weibull"]["shape"]["estimate"])
    assert padded["exponential"]["loglik"] == pytest.approx(plain["exponential"]["loglik"])
