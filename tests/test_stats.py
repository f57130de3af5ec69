"""The statistics every summary, study and chart uses: closed forms, exact ends, and agreement between the ways of
computing one thing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from allysim import stats


def test_wilson_matches_the_closed_form_and_contains_the_estimate() -> None:
    lo, hi = stats.wilson(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)
    assert stats.wilson(0, 100)[0] == 0.0 and stats.wilson(100, 100)[1] == 1.0
    assert stats.wilson(0, 0) == (0.0, 1.0)


def test_wilson_band_is_the_scalar_interval_pointwise() -> None:
    shares = np.array([50, 0, 100, 14]) / 100
    lo, hi = stats.wilson_band(shares, 100)
    for share, low, high in zip(shares, lo, hi):
        assert (low, high) == stats.wilson(int(round(share * 100)), 100)
    assert lo[1] == 0.0 and hi[1] > 0 and hi[2] == 1.0 and lo[2] < 1


def test_mean_ci_is_the_student_t_interval() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mean, sd, lo, hi = stats.mean_ci(x)
    half = 3.182446305284263 * sd / 2  # t(0.975, 3) * sd / sqrt(4)
    assert mean == 2.5 and sd == pytest.approx(np.std(x, ddof=1))
    assert lo == pytest.approx(mean - half) and hi == pytest.approx(mean + half)
    assert stats.mean_ci(np.array([7.0])) == (7.0, 0.0, None, None)


def test_paired_is_the_interval_of_the_run_by_run_difference() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(0, 10, 400)
    x = base + rng.normal(1, 1, 400)  # strongly paired: the difference has sd 1, not 14
    entry = stats.paired(x, base)
    _, _, lo, hi = stats.mean_ci(x - base)
    assert entry == {"mean": pytest.approx(float(np.mean(x - base))), "ci95": [lo, hi]}
    se = 1 / math.sqrt(400)
    assert abs(entry["mean"] - 1) < 4 * se and hi - lo < 4 * 1.97 * se


def test_kaplan_meier_is_the_empirical_survival_function_censored_at_the_horizon() -> None:
    rng = np.random.default_rng(3)
    life = np.minimum(rng.exponential(6.0, 500), 10.0)
    survived = life >= 10.0
    t, s = stats.kaplan_meier(life, survived, 10.0)
    assert t[0] == 0.0 and s[0] == 1.0 and t[-1] == 10.0
    assert s[-1] == pytest.approx(survived.mean())
    assert np.all(np.diff(s) <= 0)
    for probe in (0.5, 2.0, 7.3):
        step = s[np.searchsorted(t, probe, side="right") - 1]
        assert step == pytest.approx(np.mean(life > probe))


def test_kaplan_meier_falls_back_to_a_fine_grid_for_many_distinct_times() -> None:
    life = np.linspace(0.001, 9.999, 5000)
    t, s = stats.kaplan_meier(life, np.zeros(5000, bool), 10.0)
    assert len(t) == stats.CURVE_POINTS and s[-1] == 0.0


def test_health_bins_keep_exact_zero_and_one_apart() -> None:
    health = np.array([0.0, 1e-9, 0.0049, 0.005, 0.5, 0.999, 1.0])
    assert stats.health_bins(health).tolist() == [0, 1, 1, 2, 101, 200, stats.HEALTH_BINS - 1]


def test_hist_percentile_agrees_with_the_percentile_of_the_values_within_a_bin() -> None:
    rng = np.random.default_rng(8)
    health = np.concatenate([np.zeros(100), rng.uniform(0, 1, 800), np.ones(100)])
    counts = np.bincount(stats.health_bins(health), minlength=stats.HEALTH_BINS)
    assert stats.hist_percentile(counts, 5) == 0.0 and stats.hist_percentile(counts, 95) == 1.0
    for q in (25, 50, 75):
        assert abs(stats.hist_percentile(counts, q) - np.percentile(health, q)) <= 0.005 + 1e-12
    assert math.isnan(stats.hist_percentile(np.zeros(stats.HEALTH_BINS), 50))


# --------------------------------------------------------------------------- tail measures


def test_cvar_is_the_mean_of_the_worst_share_with_the_boundary_run_weighted() -> None:
    x = np.arange(1.0, 11.0)
    assert stats.cvar(x, 0.2)["estimate"] == pytest.approx(1.5)  # the worst 2 of 10
    assert stats.cvar(x, 0.25)["estimate"] == pytest.approx((1 + 2 + 0.5 * 3) / 2.5)  # half of the third
    assert stats.cvar(np.full(7, 3.0))["estimate"] == pytest.approx(3.0)
    assert stats.cvar(np.full(7, 3.0))["ci95"] == [pytest.approx(3.0), pytest.approx(3.0)]
    assert stats.cvar([2.0])["ci95"] == [None, None]
    d = stats.paired_cvar(x, x[::-1] * 2)
    assert d["mean"] == pytest.approx(stats.cvar(x)["estimate"] - stats.cvar(x * 2)["estimate"])
    loss = stats.loss_share([-1.0, 0.0, 2.0, -3.0])
    assert loss["estimate"] == 0.5 and loss["ci95"] == pytest.approx(list(stats.wilson(2, 4)))


def test_cvar_interval_covers_the_true_tail_mean_95_percent_of_the_time() -> None:
    # X ~ N(0, 1): the mean of the worst 10% is -phi(z_0.1) / 0.1 (z_0.1 = -1.2816), -1.7550;
    # paired: Y = X + 0.5 E, E independent N(0, 1), so Y ~ N(0, 1.25) and CVaR(Y) - CVaR(X) = (sqrt(1.25) - 1) CVaR(X)
    from scipy.stats import norm

    true = -norm.pdf(norm.ppf(0.1)) / 0.1
    seeds, n = 400, 1000
    rng = np.random.default_rng(20261207)
    hits = paired_hits = 0
    for _ in range(seeds):
        x = rng.standard_normal(n)
        y = x + 0.5 * rng.standard_normal(n)
        lo, hi = stats.cvar(x)["ci95"]
        hits += lo <= true <= hi
        lo, hi = stats.paired_cvar(y, x)["ci95"]
        paired_hits += lo <= (math.sqrt(1.25) - 1) * true <= hi
    tol = 4 * math.sqrt(0.95 * 0.05 / seeds)
    assert abs(hits / seeds - 0.95) <= tol, hits / seeds
    assert abs(paired_hits / seeds - 0.95) <= tol, paired_hits / seeds


def test_a_widened_interval_adds_the_second_error_in_quadrature_on_each_side() -> None:
    lo, hi = stats.widened_interval(1.0, (0.0, 3.0), 1.0 / stats.Z95)  # a second error of half-width 1
    assert lo == pytest.approx(1.0 - math.sqrt(2.0)) and hi == pytest.approx(1.0 + math.sqrt(5.0))
    assert stats.widened_interval(1.0, (0.0, 3.0), 0.0) == (0.0, 3.0)
