"""The distribution families a scenario may use wherever a number may vary.

In a scenario file a distribution is a plain number (a constant) or a mapping naming one family, with an optional
``clip: [lo, hi]``::

    health: {triangular: {low: 0.1, likely: 0.2, high: 0.45}, clip: [0, 0.4]}

Every family samples by its inverse CDF (:meth:`Distribution.sampler` turns a uniform draw in [0, 1) into a value).
One uniform per draw keeps random streams aligned across plans, so a variant that changes one impact still sees the
same uniforms everywhere else (common random numbers), and draws are monotone in the uniform.
"""

from __future__ import annotations

import bisect
import math
from statistics import NormalDist
from typing import Annotated, Any, Callable, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, model_validator

__all__ = ["Distribution", "Constant", "FAMILIES", "Sampler"]

Sampler = Callable[[float], float]
_Z90 = NormalDist().inv_cdf(0.9)
_inv_phi = NormalDist().inv_cdf
_TINY = 2.0**-54  # keeps inverse CDFs finite at u = 0


def as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


Numbers = Annotated[tuple[float, ...], BeforeValidator(as_tuple)]


def _betaincinv(a: float, b: float, u: float) -> float:
    """scipy's inverse regularized incomplete beta, imported on first use (validating a scenario needs no scipy)."""
    global _betaincinv
    from scipy.special import betaincinv

    _betaincinv = betaincinv  # later calls go straight to scipy
    return betaincinv(a, b, u)

class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    clip: Annotated[tuple[float, float], BeforeValidator(as_tuple)] | None = None

    @model_validator(mode="after")
    def _check_clip(self) -> "_Base":
        if self.clip is not None and self.clip[0] > self.clip[1]:
            raise ValueError(f"clip: lo ({self.clip[0]:g}) must be <= hi ({self.clip[1]:g})")
        return self

    def _ppf(self, u: float) -> float:  # pragma: no cover - every family overrides
        raise NotImplementedError

    @property
    def is_constant(self) -> bool:
        return False

    def mean(self) -> float:
        """The family's mean before clipping."""
        raise NotImplementedError

    def sampler(self, lo: float = -math.inf, hi: float = math.inf) -> Sampler:
        """A function of one uniform in [0, 1) giving a draw, clipped to ``clip`` and to [lo, hi]."""
        return _Clipped(self._ppf, self.clip, lo, hi)

    def value(self, lo: float = -math.inf, hi: float = math.inf) -> float:
        """The clipped value of a constant."""
        return self.sampler(lo, hi)(0.5)

    def finite_draws(self, lo: float = -math.inf, hi: float = math.inf) -> bool:
        """Whether the draws stay finite (parameters can be finite and still overflow: uniform over +-1e308)."""
        try:
            sample = self.sampler(lo, hi)
            return all(math.isfinite(sample(u)) for u in (0.0, 0.5, 1.0 - 2.0**-53))
        except (OverflowError, ValueError, ZeroDivisionError):
            return False


class Constant(_Base):
    """A plain number: no randomness, no draw."""

    family: Literal["constant"] = "constant"
    value_: float = Field(alias="value")

    @property
    def is_constant(self) -> bool:
        return True

    def _ppf(self, u: float) -> float:
        return self.value_

    def mean(self) -> float:
        return self.value_


class Uniform(_Base):
    family: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> "Uniform":
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must be <= high ({self.high:g})")
        return self

    def _ppf(self, u: float) -> float:
        return self.low + u * (self.high - self.low)

    def sampler(self, lo: float = -math.inf, hi: float = math.inf) -> Sampler:
        if self.clip is not None or lo == -math.inf and hi == math.inf:
            return super().sampler(lo, hi)
        low, span = self.low, self.high - self.low  # read once, not per draw

        def bounded(u: float) -> float:  # _ppf then clipped to [lo, hi] as _Clipped does, in one call per draw
            x = low + u * span
            x = x if x > lo else lo
            return x if x < hi else hi
        return bounded

    def mean(self) -> float:
        return (self.low + self.high) / 2


class _ThreePoint(_Base):
    low: float
    likely: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> "_ThreePoint":
        if not self.low <= self.likely <= self.high:
            raise ValueError(f"needs low <= likely <= high, got low {self.low:g}, likely {self.likely:g}, "
                             f"high {self.high:g}")
        return self


class Triangular(_ThreePoint):
    family: Literal["triangular"]

    def _ppf(self, u: float) -> float:
        a, c, b = self.low, self.likely, self.high
        if b == a:
            return a
        if u * (b - a) < c - a:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1.0 - u) * (b - a) * (b - c))

    def sampler(self, lo: float = -math.inf, hi: float = math.inf) -> Sampler:
        a, c, b = self.low, self.likely, self.high
        if b == a:
            return super().sampler(lo, hi)
        ba, ca, bc, sqrt = b - a, c - a, b - c, math.sqrt  # _ppf's differences, computed once, not per draw

        def ppf(u: float) -> float:
            return a + sqrt(u * ba * ca) if u * ba < ca else b - sqrt((1.0 - u) * ba * bc)
        if self.clip is not None or lo == -math.inf and hi == math.inf:
            return _Clipped(ppf, self.clip, lo, hi)

        def bounded(u: float) -> float:  # ppf then clipped to [lo, hi] as _Clipped does, in one call per draw
            x = a + sqrt(u * ba * ca) if u * ba < ca else b - sqrt((1.0 - u) * ba * bc)
            x = x if x > lo else lo
            return x if x < hi else hi
        return bounded

    def mean(self) -> float:
        return (self.low + self.likely + self.high) / 3


class Pert(_ThreePoint):
    family: Literal["pert"]

    def beta_shape(self) -> tuple[float, float]:
        """The (a, b) of the beta distribution this PERT is, on [low, high]."""
        span = self.high - self.low
        return 1 + 4 * (self.likely - self.low) / span, 1 + 4 * (self.high - self.likely) / span

    def finite_draws(self, lo: float = -math.inf, hi: float = math.inf) -> bool:
        # every draw is low + (high - low) x, x in [0, 1]: no need to load scipy to know
        return all(math.isfinite(x) for x in (self.low, self.high, self.high - self.low))

    def _ppf(self, u: float) -> float:
        if self.high == self.low:
            return self.low
        a, b = self.beta_shape()
        return self.low + (self.high - self.low) * float(_betaincinv(a, b, u))

    def sampler(self, lo: float = -math.inf, hi: float = math.inf) -> Sampler:
        if self.high == self.low:
            return super().sampler(lo, hi)
        (a, b), low, span = self.beta_shape(), self.low, self.high - self.low  # once, not per draw
        return _Clipped(lambda u: low + span * float(_betaincinv(a, b, u)), self.clip, lo, hi)

    def mean(self) -> float:
        return (self.low + 4 * self.likely + self.high) / 6


class Normal(_Base):
    family: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)

    def _ppf(self, u: float) -> float:
        return self.mean_ + self.sd * _inv_phi(u or _TINY)

    def mean(self) -> float:
        return self.mean_


class Lognormal(_Base):
    family: Literal["lognormal"]
    median: float | None = Field(default=None, gt=0)
    p90: float | None = Field(default=None, gt=0)
    mean_: float | None = Field(default=None, alias="mean", gt=0)
    sd: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> "Lognormal":
        quantiles, moments = (self.median, self.p90), (self.mean_, self.sd)
        if all(v is not None for v in quantiles) and all(v is None for v in moments):
            if self.p90 <= self.median:  # type: ignore[operator]
                raise ValueError(f"p90 ({self.p90:g}) must be > median ({self.median:g})")
            return self
        if all(v is not None for v in moments) and all(v is None for v in quantiles):
            return self
        raise ValueError("give either {median, p90} or {mean, sd}")

    def log_params(self) -> tuple[float, float]:
        """The (mu, sigma) of the normal distribution of the log."""
        if self.median is not None:
            return math.log(self.median), math.log(self.p90 / self.median) / _Z90  # type: ignore[operator]
        s2 = math.log1p((self.sd / self.mean_) ** 2)  # type: ignore[operator]
        return math.log(self.mean_) - s2 / 2, math.sqrt(s2)  # type: ignore[arg-type]

    def _ppf(self, u: float) -> float:
        mu, sigma = self.log_params()
        return math.exp(mu + sigma * _inv_phi(u or _TINY))

    def sampler(self, lo: float = -math.inf, hi: float = math.inf) -> Sampler:
        mu, sigma = self.log_params()  # computed once, not per draw
        base = lambda u: math.exp(mu + sigma * _inv_phi(u or _TINY))  # noqa: E731
        if self.clip is not None or lo == -math.inf and hi == math.inf:
            return _Clipped(base, self.clip, lo, hi)
        exp = math.exp

        def bounded(u: float) -> float:  # base then clipped to [lo, hi] as _Clipped does, in one call per draw
            x = exp(mu + sigma * _inv_phi(u or _TINY))
            x = x if x > lo else lo
            return x if x < hi else hi
        return bounded

    def mean(self) -> float:
        mu, sigma = self.log_params()
        return math.exp(mu + sigma**2 / 2)


class Beta(_Base):
    family: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> "Beta":
        if self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be < high ({self.high:g})")
        return self

    def _ppf(self, u: float) -> float:
        return self.low + (self.high - self.low) * float(_betaincinv(self.a, self.b, u))

    finite_draws = Pert.finite_draws

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)


class Exponential(_Base):
    family: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    def _ppf(self, u: float) -> float:
        return -self.mean_ * math.log1p(-u)

    def mean(self) -> float:
        return self.mean_


class Choice(_Base):
    family: Literal["choice"]
    values: Numbers = Field(min_length=1)
    weights: Numbers | None = None

    @model_validator(mode="after")
    def _check(self) -> "Choice":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"weights has {len(self.weights)} entries but values has {len(self.values)}")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 and not all 0")
        return self

    def cumulative_weights(self) -> list[float]:
        """The cumulative probabilities of the values, the last exactly 1."""
        weights = self.weights or (1.0,) * len(self.values)
        total, acc, out = sum(weights), 0.0, []
        for w in weights:
            acc += w
            out.append(acc / total)
        return out

    def _ppf(self, u: float) -> float:
        cum = self.cumulative_weights()
        return self.values[min(bisect.bisect_right(cum, u), len(self.values) - 1)]

    def sampler(self, lo: float = -math.inf, hi: float = math.inf) -> Sampler:
        cum, values, last = self.cumulative_weights(), self.values, len(self.values) - 1
        return _Clipped(lambda u: values[min(bisect.bisect_right(cum, u), last)], self.clip, lo, hi)

    def mean(self) -> float:
        weights = self.weights or (1.0,) * len(self.values)
        return sum(v * w for v, w in zip(self.values, weights)) / sum(weights)


class Empirical(_Base):
    family: Literal["empirical"]
    values: Numbers = Field(min_length=1)

    def _ppf(self, u: float) -> float:
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def mean(self) -> float:
        return sum(self.values) / len(self.values)


def _Clipped(base: Sampler, clip: tuple[float, float] | None, lo: float, hi: float) -> Sampler:
    """Wrap ``base`` with the family's ``clip``, then the field's meaningful range (which always wins, even when a
    clip lies outside it)."""
    if clip is not None:
        clo, chi = clip
        if lo == -math.inf and hi == math.inf:
            return lambda u: min(chi, max(clo, base(u)))
        return lambda u: min(hi, max(lo, min(chi, max(clo, base(u)))))
    if lo == -math.inf and hi == math.inf:
        return base

    def clipped(u: float) -> float:  # min(hi, max(lo, base(u))) without two calls per draw: the same result
        x = base(u)
        x = x if x > lo else lo
        return x if x < hi else hi
    return clipped


FAMILIES: dict[str, type[_Base]] = {
    cls.model_fields["family"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (Uniform, Triangular, Pert, Normal, Lognormal, Beta, Exponential, Choice, Empirical)
}


def _discriminate(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("family")
    return getattr(value, "family", None)


Distribution = Annotated[
    Union[tuple(Annotated[cls, Tag(name)] for name, cls in {"constant": Constant, **FAMILIES}.items())],
    Discriminator(_discriminate),
]
"""Any distribution, in its flattened form ``{"family": name, **params, "clip": ...}``."""
