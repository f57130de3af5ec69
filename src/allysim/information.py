"""The value of information: what learning uncertain parameters before choosing a plan is worth (SPEC section 14).

For plans p = 1..P and uncertain parameters theta, the expected value of partial perfect information of a parameter
(or a group of them) is

    EVPPI = E_theta[max_p E(NPV_p | theta)] - max_p E(NPV_p),

the expected NPV gained by choosing after learning theta rather than now. It is estimated from one sample of runs on
common random numbers, as Strong, Oakley and Brennan (2014, Medical Decision Making 34:311) do: each plan's paired
NPV difference from the first plan, d_p = NPV_p - NPV_1 (paired, so far less noisy than NPV_p itself), is regressed
on theta, and the fitted values g_p(theta_i) stand for E(d_p | theta_i):

    EVPPI ~= mean_i max(0, max_p g_p(theta_i)) - max(0, max_p mean_i d_p).

The regression is a penalised regression spline (a P-spline, Eilers and Marx 1996; the one-parameter GAM of Strong et
al.): cubic B-splines on equally spaced knots over the parameter's ranks (E(d | theta) is the same function of
theta's ranks, and ranks spread the knots over the runs), a second-difference penalty whose weight generalised
cross-validation chooses for each plan (each degree of freedom counted :data:`GAMMA` times, against overfitting). The fitted values have exactly the mean of the data (the constant is fitted
unpenalised), so the estimate is never below 0, and a parameter on which no difference depends is worth about 0.

EVPI, the value of learning every uncertain parameter together, is the same with theta all of them: an additive
spline in each plus, for up to :data:`PAIRS_UP_TO` parameters, a tensor-product spline for each pair, one penalty
weight for all, chosen by generalised cross-validation, and never less than the largest EVPPI (learning everything is
worth at least learning any one part; the joint fit's own noise may put it a little below). Interactions of three or
more parameters are not fitted; beyond :data:`PAIRS_UP_TO` parameters the fit is additive. Its size is bounded: at
most :data:`JOINT_COLUMNS` basis functions (the fit's matrices are that size squared), so beyond 92 parameters each
spline has fewer intervals (down to one: a cubic in the parameter's ranks), and beyond 300 only the 300 parameters
of largest EVPPI enter the joint fit.

Memory does not grow with parameters x runs beyond the draws themselves: the regressions are accumulated over
chunks of runs (cross-products of the basis, then the fitted values a chunk at a time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

__all__ = ["value_of_information", "evppi", "GAMMA", "JOINT_COLUMNS", "KNOTS", "PAIR_KNOTS", "PAIRS_UP_TO"]

KNOTS = 20  # intervals of the one-parameter spline (23 cubic B-splines)
JOINT_KNOTS = 10  # intervals of each parameter's spline in the joint fit
PAIR_KNOTS = 2  # intervals of each side of a pair's tensor-product spline (5 x 5 functions)
PAIRS_UP_TO = 8  # parameters up to which the joint fit has every pair's interaction
JOINT_COLUMNS = 1200  # basis functions of the joint fit at most: its matrices hold 1200 x 1200 numbers (12 MB)
CHUNK = 4096  # runs per chunk of the design matrix
LAMBDAS = np.logspace(-8, 5, 27)  # penalty weights tried, times the number of runs
GAMMA = 1.4  # each degree of freedom counted 1.4 times in GCV, against overfitting (Kim and Gu 2004; mgcv gamma)


@dataclass(frozen=True)
class _Term:
    """One smooth of the regression: a spline in one parameter (``columns`` of length 1) or a pair's tensor product."""

    columns: tuple[int, ...]
    knots: int

    @property
    def size(self) -> int:
        return (self.knots + 3) ** len(self.columns)

    def basis(self, u: np.ndarray) -> np.ndarray:
        """The term's design matrix for ranks ``u`` (chunk, parameters) in [0, 1]."""
        first = _bspline(u[:, self.columns[0]], self.knots)
        if len(self.columns) == 1:
            return first
        second = _bspline(u[:, self.columns[1]], self.knots)
        return (first[:, :, None] * second[:, None, :]).reshape(len(u), -1)  # row-wise Kronecker product

    def penalty(self) -> np.ndarray:
        """Second differences of neighbouring coefficients, along each side of a tensor product."""
        m = self.knots + 3
        d = np.diff(np.eye(m), 2, axis=0)
        p = d.T @ d
        if len(self.columns) == 1:
            return p
        return np.kron(p, np.eye(m)) + np.kron(np.eye(m), p)


def _bspline(u: np.ndarray, knots: int) -> np.ndarray:
    """Cubic B-splines on ``knots`` equal intervals of [0, 1], evaluated at ``u``: (len(u), knots + 3)."""
    from scipy.interpolate import BSpline

    t = np.r_[[0.0] * 3, np.linspace(0.0, 1.0, knots + 1), [1.0] * 3]
    return BSpline.design_matrix(np.clip(u, 0.0, 1.0), t, 3).toarray()


def _ranks(x: np.ndarray) -> np.ndarray:
    """Each column's ranks scaled into (0, 1), ties sharing their mean rank."""
    out = np.empty_like(x, dtype=float)
    for j in range(x.shape[1]):
        values, inverse, counts = np.unique(x[:, j], return_inverse=True, return_counts=True)
        mid = np.cumsum(counts) - (counts - 1) / 2.0  # the mean 1-based rank of each distinct value
        out[:, j] = (mid[inverse] - 0.5) / len(x)
    return out


def _fit(u: np.ndarray, y: np.ndarray, terms: Sequence[_Term]) -> np.ndarray:
    """The penalised least-squares fit of each column of ``y`` on the terms, each column's penalty weight chosen by
    generalised cross-validation; returns the fitted values (runs, columns).

    One eigendecomposition serves every penalty weight: with X'X = L L' and L^-1 S L^-T = U diag(s) U', the fit at
    weight w shrinks the coordinates z = U' L^-1 X'y by 1 / (1 + w s), its degrees of freedom are the sum of those
    factors and its residual sum of squares y'y - sum (2 f - f^2) z^2.
    """
    from scipy.linalg import solve_triangular

    n, m = y.shape
    p = sum(t.size for t in terms)
    xtx, xty, sums = np.zeros((p, p)), np.zeros((p, m)), np.zeros(p)
    for start in range(0, n, CHUNK):
        x = np.hstack([t.basis(u[start:start + CHUNK]) for t in terms])
        xtx += x.T @ x
        xty += x.T @ y[start:start + CHUNK]
        sums += x.sum(axis=0)
    mean_x, mean_y = sums / n, y.mean(axis=0)
    xtx -= n * np.outer(mean_x, mean_x)  # centred: the constant is fitted apart, unpenalised
    xty -= n * np.outer(mean_x, mean_y)
    yty = ((y - mean_y) ** 2).sum(axis=0)
    penalty = np.zeros((p, p))
    at = 0
    for t in terms:
        penalty[at:at + t.size, at:at + t.size] = t.penalty()
        at += t.size
    # each smooth holds the constant (centred away), and a pair's spline the main effects: a tiny ridge makes X'X
    # invertible without changing the fit
    ridge = 1e-7 * max(float(np.trace(xtx)) / p, 1e-300)
    inverse = solve_triangular(np.linalg.cholesky(xtx + ridge * np.eye(p)), np.eye(p), lower=True)  # L^-1
    s, vectors = np.linalg.eigh(inverse @ penalty @ inverse.T)
    s = np.clip(s, 0.0, None)
    z = vectors.T @ (inverse @ xty)  # (p, m)
    shrink = 1.0 / (1.0 + np.outer(LAMBDAS * n, s))  # (weights, p)
    rss = np.maximum(yty[None, :] - (2 * shrink - shrink**2) @ z**2, 0.0)  # (weights, m)
    edf = shrink.sum(axis=1)
    gcv = n * rss / np.maximum(n - GAMMA * edf, 1.0)[:, None] ** 2
    chosen = shrink[np.argmin(gcv, axis=0)]  # (m, p): each column's factors at its weight
    beta = inverse.T @ (vectors @ (chosen.T * z))  # (p, m)
    fitted = np.empty_like(y)
    for start in range(0, n, CHUNK):
        x = np.hstack([t.basis(u[start:start + CHUNK]) for t in terms])
        fitted[start:start + CHUNK] = (x - mean_x) @ beta + mean_y
    return fitted


def evppi(differences: np.ndarray, u: np.ndarray, terms: Sequence[_Term]) -> float:
    """EVPPI from the paired differences (runs, plans - 1) from the first plan, regressed on ``terms`` of the ranks
    ``u``: mean over runs of the best fitted plan (0 for the first) minus the best mean."""
    fitted = _fit(u, differences, terms)
    now = max(0.0, float(differences.mean(axis=0).max()))
    return max(0.0, float(np.maximum(fitted.max(axis=1), 0.0).mean()) - now)


def value_of_information(npv: Mapping[str, np.ndarray], params: np.ndarray,
                         paths: Sequence[str]) -> dict[str, Any]:
    """``value_of_information`` of ``sensitivity.json``: EVPI over all the uncertain parameters and EVPPI of each.

    Parameters
    ----------
    npv
        Each plan's NPV per run on common random numbers, the plans to choose between (two at least).
    params
        Each run's draw of each uncertain parameter (runs, parameters), columns in the order of ``paths``.

    Examples
    --------
    >>> out = value_of_information({"a": npv_a, "b": npv_b}, results.params, list(scenario.uncertain))  # doctest: +SKIP
    >>> out["inputs"]["risks.crash.rate"]["evppi"]                                                      # doctest: +SKIP
    """
    names = list(npv)
    first = np.asarray(npv[names[0]], dtype=float)
    differences = np.column_stack([np.asarray(npv[p], dtype=float) - first for p in names[1:]])
    u = _ranks(np.asarray(params, dtype=float))
    inputs = {path: {"evppi": evppi(differences, u, [_Term((j,), KNOTS)])} for j, path in enumerate(paths)}
    d = len(paths)
    if d == 1:
        total = inputs[paths[0]]["evppi"]
    else:
        terms = _joint_terms([inputs[path]["evppi"] for path in paths])
        if d <= PAIRS_UP_TO:
            terms += [_Term(pair, PAIR_KNOTS) for pair in combinations(range(d), 2)]
        # learning every input is worth at least learning any one (as in theory): the joint fit's own noise may
        # put it a little below the best single input's
        total = max(evppi(differences, u, terms), max(v["evppi"] for v in inputs.values()))
    means = {p: float(np.mean(npv[p])) for p in names}
    return {"plans": names, "best_now": max(names, key=means.__getitem__), "evpi": total,
            "inputs": dict(sorted(inputs.items(), key=lambda kv: -kv[1]["evppi"])),
            "method": "nonparametric regression of each plan's paired NPV difference from the first plan on the "
                      "parameters (Strong, Oakley and Brennan 2014): a penalised cubic regression spline on each "
                      "parameter's ranks, its penalty chosen by generalised cross-validation, for each EVPPI; for "
                      "the EVPI an additive spline in every parameter plus a tensor-product spline for every pair"
                      + ("" if d <= PAIRS_UP_TO else f" (pairs only up to {PAIRS_UP_TO} parameters: additive here)")
                      + _bounded(d)}


def _joint_knots(d: int) -> int:
    return min(JOINT_KNOTS, max(1, JOINT_COLUMNS // d - 3))


def _joint_terms(evppis: Sequence[float]) -> list[_Term]:
    """Each parameter's spline in the joint fit, at most :data:`JOINT_COLUMNS` functions in all: fewer intervals
    when there are many parameters (one at least), and only the parameters of largest EVPPI beyond that."""
    knots = _joint_knots(len(evppis))
    kept = sorted(range(len(evppis)), key=lambda j: (-evppis[j], j))[:JOINT_COLUMNS // (knots + 3)]
    return [_Term((j,), knots) for j in sorted(kept)]


def _bounded(d: int) -> str:
    """The method's words on the joint fit's size bound, when it applies."""
    knots = _joint_knots(d)
    if knots == JOINT_KNOTS:
        return ""
    kept = min(d, JOINT_COLUMNS // (knots + 3))
    return (f"; with {d} parameters each joint spline has {knots} interval{'s' if knots > 1 else ''}"
            + (f" and only the {kept} of largest EVPPI enter the joint fit" if kept < d else "")
            + f" (at most {JOINT_COLUMNS} basis functions)")
