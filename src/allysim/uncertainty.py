"""Drawing the uncertain assumptions, once per replication (SPEC section 8).

What we *do not know* (the true rate of a buyout offer, the true success rate of a rescue clause) is one fixed but
unknown number: it is drawn **once per replication**, and every plan, variant and study of that replication uses
the same draw, so that plan comparisons stay paired over the same "world". Each parameter has its own stream keyed
by (seed, replication, ``"param:" + PATH``); correlated parameters are coupled by a Gaussian copula, so that their
marginals are exactly the declared distributions and their Spearman rank correlations are the ones asked. Which
parameters are uncertain, and their distributions, the scenario says (:mod:`allysim.scenario.uncertain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scenario.uncertain import TINY, TOP, Uncertain, correlation_matrix, ppf

__all__ = ["Draws"]


@dataclass
class Draws:
    """The uncertain parameters of a scenario, ready to draw replication by replication.

    ``draw(seed, start, stop)`` gives one row per replication and one column per parameter (in :attr:`paths`
    order). Every parameter reads its own stream, so adding or removing another uncertain parameter, or pinning
    one, leaves the others' draws unchanged (except through their correlations). A *pin* fixes a parameter at a
    quantile level of its distribution; parameters correlated with it then follow their conditional distribution
    given that level (Gaussian conditioning of the copula, applied to the same normals, so the worlds stay paired).

    Examples
    --------
    >>> draws = Draws.of(scenario)                       # doctest: +SKIP
    >>> draws.draw(seed=7, start=0, stop=1000).shape     # doctest: +SKIP
    (1000, 3)
    """

    items: list[Uncertain]
    correlations: Sequence[Any] = ()
    paths: list[str] = field(init=False)
    _linked: list[str] = field(init=False)
    _chol: np.ndarray | None = field(init=False)
    _cov: np.ndarray | None = field(init=False)
    _last: tuple[tuple[int, int, int], np.ndarray, np.ndarray] | None = field(init=False, default=None)
    _raw: tuple[tuple[int, int, int], np.ndarray] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.paths = [u.path for u in self.items]
        self._linked, self._chol, self._cov = [], None, None
        if self.correlations:
            self._linked, self._cov = correlation_matrix(self.correlations)
            self._chol = np.linalg.cholesky(self._cov)

    @classmethod
    def of(cls, scenario: Any) -> Draws:
        """The draws of ``scenario``'s uncertain parameters (none: an empty :class:`Draws`)."""
        return cls(list(scenario.uncertain.values()), tuple(scenario.correlations))

    def __bool__(self) -> bool:
        return bool(self.items)

    def index(self, path: str) -> int:
        return self.paths.index(path)

    def uniforms(self, seed: int, start: int, stop: int, pins: Sequence[tuple[str, float]] = ()) -> np.ndarray:
        """The (replications, parameters) uniforms of the copula, with ``pins`` (path, quantile level) applied."""
        from scipy import special

        from .streams import parameter_uniforms

        key = (seed, start, stop)
        if self._raw is not None and self._raw[0] == key:  # the same worlds again (another pinned variant)
            u = self._raw[1].copy()
        else:
            u = np.empty((stop - start, len(self.items)))
            for k, path in enumerate(self.paths):
                u[:, k] = parameter_uniforms(seed, "param:" + path, start, stop)
            self._raw = (key, u.copy())
        pinned = dict(pins)
        if self._linked:
            cols = [self.index(p) for p in self._linked]
            z = special.ndtri(np.clip(u[:, cols], TINY, TOP))
            chol = self._chol
            # z' = L z, summed term by term so that every replication's value is the same in any chunking
            zc = np.zeros_like(z)
            for a in range(len(cols)):
                for b in range(a + 1):
                    if chol[a, b] != 0.0:
                        zc[:, a] += chol[a, b] * z[:, b]
            known = [j for j, p in enumerate(self._linked) if p in pinned]
            if known:
                zc = self._condition(zc, known, [special.ndtri(pinned[self._linked[j]]) for j in known])
            u[:, cols] = special.ndtr(zc)
        for path, level in pinned.items():
            u[:, self.index(path)] = level
        return u

    def _condition(self, z: np.ndarray, known: list[int], at: list[float]) -> np.ndarray:
        """Move correlated normals to their conditional law given z[known] = at (Matheron's update)."""
        cov = self._cov
        gain = cov[:, known] @ np.linalg.inv(cov[np.ix_(known, known)])  # (linked, known)
        out = z.copy()
        for j, k in enumerate(known):
            shift = at[j] - z[:, k]
            for a in range(z.shape[1]):
                if gain[a, j] != 0.0:
                    out[:, a] += gain[a, j] * shift
        return out

    def draw(self, seed: int, start: int, stop: int, pins: Sequence[tuple[str, float]] = ()) -> np.ndarray:
        """Parameter values for replications ``start .. stop - 1``: (replications, parameters)."""
        u = self.uniforms(seed, start, stop, pins)
        key = (seed, start, stop)
        if pins and self._last is not None and self._last[0] == key:
            # the same worlds with some inputs pinned: only the pinned columns and their partners change
            base_u, base_x = self._last[1], self._last[2]
            out = base_x.copy()
            changed = np.flatnonzero(np.any(u != base_u, axis=0))
        else:
            out = np.empty_like(u)
            changed = np.arange(len(self.items))
        for k in changed:
            item = self.items[k]
            out[:, k] = ppf(item.distribution, u[:, k], item.bounds)
        if not pins:
            self._last = (key, u, out)
        return out
