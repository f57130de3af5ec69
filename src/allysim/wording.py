"""Numbers and findings in words: one rounding per quantity, shared by the charts, the deck, the brief and the console.

Rounding (``docs/charts.md`` repeats this):

- shares and probabilities: nearest whole percent, halves up, except that a share strictly between 0 and 0.5% reads
  ``<1%`` and one strictly between 99.5% and 100% reads ``>99%`` (:func:`format_share`);
- money: three significant figures of the largest amount shown together, with a k/M/B suffix for thousands,
  millions and billions (``USD 31.2M``); a currency that names its unit (``USD M``) is not rescaled
  (:class:`MoneyScale`, :func:`format_money`);
- differences in survival: whole percentage points, halves up (``35 points``, ``+35``), ``<1 point`` for a
  nonzero difference under half a point (:func:`format_points`, :func:`points_change`);
- returns on cost: ``4.3×``, ``13×``; two decimals where one would read ``1.0×`` (:func:`format_ratio`).

Claims (:class:`Evidence`): a sentence names a winner or a loser, or says a contingency "pays for itself" or "does
not pay for itself", only when the difference's verdict (:mod:`allysim.verdicts`) is better or worse: its 95%
interval excludes zero and, for money, its mean exceeds the materiality. A smaller difference known to within twice
the materiality is "about break even"; otherwise it is within the noise, and the sentence says roughly how many
runs would settle it (:meth:`Evidence.settle`). Which plan a sentence names is decided in :mod:`allysim.findings`.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import verdicts

VERDICTS = ("better", "worse", "tied", "unclear")

__all__ = ["Evidence", "median_life", "format_share", "Currency", "MoneyScale", "format_money", "signed_money", "format_amount", "format_number", "format_percent", "format_length", "format_span",
           "format_duration", "format_duration_span",
           "plural", "plan_label", "format_points", "points_change", "share_interval", "signed_points", "signed_number", "format_ratio", "Provenance",
           "override_texts", "capitalized", "format_health"]


def format_share(x: float) -> str:
    """Format a share in [0, 1] as a whole percent: ``0.414 -> '41%'``; tiny and near-total shares stay honest.

    Examples
    --------
    >>> format_share(0.414), format_share(0.003), format_share(0.998), format_share(1.0)
    ('41%', '<1%', '>99%', '100%')
    """
    if x <= 0:
        return "0%"
    if x >= 1:
        return "100%"
    pct = 100 * x
    if pct < 0.5:
        return "<1%"
    if pct >= 99.5:
        return ">99%"
    return f"{math.floor(pct + 0.5):d}%"  # halves round up, so a 0.5% share never reads 0%


_UNIT_WORDS = {"k": "k", "K": "k", "thousand": "k", "thousands": "k", "M": "M", "m": "M", "MM": "M", "mn": "M",
               "million": "M", "millions": "M", "B": "B", "bn": "B", "billion": "B", "billions": "B"}
_SCALES = ((1e9, "B", "billions"), (1e6, "M", "millions"), (1e3, "k", "thousands"))


@dataclass(frozen=True)
class Currency:
    """How amounts are labelled: a code or symbol, and the unit they are already counted in (``USD M``).

    Examples
    --------
    >>> Currency.parse("USD M"), Currency.parse("gold").prefix
    (Currency(code='USD', unit='M', prefix=True), False)
    """

    code: str = ""
    unit: str = ""  # "", "k", "M" or "B": the amounts are already in thousands, millions, billions
    prefix: bool = True  # "USD 3.1M" and "$3.1M", but "3.1k gold"

    @classmethod
    def parse(cls, text: str | Currency | None) -> Currency:
        """Read a scenario's ``currency`` display string."""
        if isinstance(text, Currency):
            return text
        words = str(text or "").split()
        unit = ""
        if len(words) >= 2 and words[-1] in _UNIT_WORDS:
            unit = _UNIT_WORDS[words.pop()]
        code = " ".join(words)
        return cls(code, unit, prefix=bool(code) and (code.isupper() or not code.isalpha()))

    def axis(self, scale: MoneyScale) -> str:
        """Return the unit for an axis label: ``USD M``, ``EUR millions``, ``thousands of gold``."""
        if self.unit:
            return f"{self.code} {self.unit}".strip()
        if not scale.word:
            return self.code
        if not self.code:
            return scale.word
        return f"{self.code} {scale.word}" if self.prefix else f"{scale.word} of {self.code}"


@dataclass(frozen=True)
class MoneyScale:
    """A common unit for amounts shown together: divide by ``factor``, show ``decimals``, append ``suffix``."""

    factor: float
    suffix: str
    word: str
    decimals: int

    @classmethod
    def of(cls, amounts: Sequence[float], currency: str | Currency | None = None, digits: int = 3) -> MoneyScale:
        """Choose the unit and decimals that show the largest amount with ``digits`` significant figures.

        The unit is chosen after rounding, so 999,999 reads ``1.00M``, never ``1,000k``; beyond billions amounts
        stay in billions with thousands separators (``1,000B``). When the currency already names a unit
        (``USD M``) amounts are not rescaled, only suffixed.
        """
        cur = Currency.parse(currency)
        largest = max((abs(a) for a in amounts if math.isfinite(a)), default=0.0)
        factor, suffix, word = 1.0, cur.unit, ""
        if not cur.unit:
            for f, s, w in _SCALES:
                if _rounded(largest / f, digits) >= 1:  # 999,999 shows as 1.00M, not 1,000k
                    factor, suffix, word = f, s, w
                    break
        return cls(factor, suffix, word, _decimals(largest / factor, digits))

    def number(self, amount: float, suffix: bool = True) -> str:
        """Format ``amount`` in this unit, without the currency: ``−3.1M`` with a true minus sign; without the
        suffix (``−3.1``) for a table whose heading names the unit."""
        return format_number(amount / self.factor, decimals=self.decimals) + (self.suffix if suffix else "")


def _rounded(x: float, digits: int) -> float:
    """``|x|`` rounded to ``digits`` significant figures (0 stays 0)."""
    x = abs(x)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(x)))


def _decimals(x: float, digits: int) -> int:
    """How many decimals show ``x`` with ``digits`` significant figures, after rounding (9.996 -> ``10.0``); below
    1, one figure fewer (``0.80``, ``0.0012``), never fewer than ``digits - 1`` decimals."""
    x = _rounded(x, digits)
    if x == 0 or not math.isfinite(x):
        return max(0, digits - 1)
    if x < 1:
        return min(12, max(digits - 1, digits - 2 - math.floor(math.log10(_rounded(x, digits - 1)))))
    return max(0, digits - 1 - math.floor(math.log10(x)))


def format_number(x: float, digits: int = 3, *, decimals: int | None = None, trim: bool = False,
                  sign: bool = False) -> str:
    """Every number allysim shows goes through here: ``digits`` significant figures (one fewer below 1), or fixed
    ``decimals``,
    thousands separators, a true minus sign, never ``e+``; ``trim`` drops trailing zeros (``2.50 -> 2.5``), ``sign``
    puts ``+`` before a positive number. Nothing reads ``−0``.

    Examples
    --------
    >>> format_number(1234.6), format_number(-0.0012345), format_number(2000, trim=True), format_number(1e12)
    ('1,235', '−0.0012', '2,000', '1,000,000,000,000')
    >>> format_number(-0.0004, decimals=2), format_number(4.2, sign=True), format_number(0.5, 6, trim=True)
    ('0.00', '+4.20', '0.5')
    """
    if not math.isfinite(x):
        return "n/a" if math.isnan(x) else ("−" if x < 0 else "") + "∞"
    places = _decimals(x, digits) if decimals is None else decimals
    text = f"{abs(x):,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if any(c not in "0.," for c in text):
        text = ("−" if x < 0 else "+" if sign else "") + text
    return text


def format_money(amount: float, currency: str | Currency | None = "", scale: MoneyScale | None = None) -> str:
    """Format an amount for a title: ``USD 31.2M``, ``$31.2M``, ``31.2k gold``; amounts shown together should
    share one ``scale``.

    Examples
    --------
    >>> format_money(31_240_000, "USD"), format_money(-0.5, "EUR"), format_money(25.8, "USD M")
    ('USD 31.2M', 'EUR \u22120.50', 'USD 25.8M')
    """
    cur = Currency.parse(currency)
    number = (scale or MoneyScale.of([amount], cur)).number(amount)
    if not cur.code:
        return number
    if not cur.prefix:
        return f"{number} {cur.code}"
    if cur.code.isalpha():
        return f"{cur.code} {number}"
    return f"\u2212{cur.code}{number[1:]}" if number.startswith("\u2212") else f"{cur.code}{number}"


def environment_ends(time_share: Mapping[str, float], ends_by_state: Mapping[str, Mapping[str, float]]) -> str:
    """Where dissolutions happened, for each environment state but the first (the file's usual, calm one):
    "recession held 18% of the life and 28% of the dissolutions"; empty when no alliance dissolved."""
    dissolved = {state: sum(v for k, v in causes.items() if k != "survived")
                 for state, causes in ends_by_state.items()}
    total = sum(dissolved.values())
    states = list(time_share)
    if total <= 0 or len(states) < 2:
        return ""
    parts = [f"{state.replace('_', ' ')} held {format_share(time_share[state])} of the life and "
             f"{format_share(dissolved.get(state, 0.0) / total)} of the dissolutions" for state in states[1:]]
    return "; ".join(parts)


def format_health(value: float) -> str:
    """A health level or resilience (health averaged over the life, 0 to 1) as every surface prints it: ``0.73``."""
    return f"{value:.2f}"


def capitalized(text: str) -> str:
    """The text with its first letter capitalised and the rest as written: a sentence or a title that starts with a
    name (``the Full plan lifts ...`` -> ``The Full plan lifts ...``)."""
    return text[:1].upper() + text[1:]


def plan_label(name: str) -> str:
    """Return a plan's display name: ``do_nothing`` -> ``Do nothing``."""
    label = name.replace("_", " ").strip() or name
    return label[0].upper() + label[1:] if label[0].islower() else label


def plural(time_unit: str) -> str:
    """Return the plural of a time unit: ``year -> years``."""
    return time_unit if time_unit.endswith("s") else f"{time_unit}s"


_IN_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "quarter": 365.25 / 4, "year": 365.25}


def format_span(length: float, time_unit: str) -> str:
    """Name a length of time as an adjective, in the largest unit that makes it a whole number.

    Examples
    --------
    >>> format_span(10, "year"), format_span(20, "quarter"), format_span(26.089285714, "week")
    ('10-year', '5-year', '6-month')
    """
    if time_unit in _IN_DAYS:
        days = length * _IN_DAYS[time_unit]
        for unit in ("year", "month", "week", "day"):  # quarters read oddly: 2 quarters is "6-month"
            amount = days / _IN_DAYS[unit]
            if amount >= 1 - 1e-9 and abs(amount - round(amount)) <= 1e-6 * max(amount, 1.0):
                return f"{round(amount):d}-{unit}"
    return f"{format_number(length, trim=True)}-{time_unit}"


_DURATION_UNITS = ("year", "month", "week", "day")
_MOST_OF = {"year": math.inf, "month": 24, "week": 12, "day": 14}  # "18 months", not "78 weeks"


def format_duration(length: float, time_unit: str) -> str:
    """A length of time in words: a whole number of the largest unit it spans, or of a smaller one that keeps the
    number small (at most 24 months, 12 weeks, 14 days), else two significant figures of the largest unit.

    Examples
    --------
    >>> format_duration(0.1533, "quarter"), format_duration(3, "quarter"), format_duration(1.5, "year")
    ('2 weeks', '9 months', '18 months')
    >>> format_duration(0.37, "year"), format_duration(1, "year"), format_duration(0, "month")
    ('4.4 months', '1 year', '0 days')
    """
    if time_unit not in _IN_DAYS:
        return f"{format_number(length, trim=True)} {time_unit if length == 1 else plural(time_unit)}"
    days = abs(length) * _IN_DAYS[time_unit]
    if days == 0:
        return "0 days"
    larger = [u for u in _DURATION_UNITS if days / _IN_DAYS[u] >= 0.99]
    chosen = larger[0] if larger else "day"
    amount = _rounded(days / _IN_DAYS[chosen], 2)
    for unit in _DURATION_UNITS[_DURATION_UNITS.index(chosen):]:  # a whole number of a unit not too small
        x = days / _IN_DAYS[unit]
        if x <= _MOST_OF[unit] and abs(x - round(x)) <= 0.01 * x:
            chosen, amount = unit, float(round(x))
            break
    text = format_number(amount, 2, trim=True)
    return f"{text} {chosen if text == '1' else plural(chosen)}"


def format_duration_span(low: float, high: float, time_unit: str) -> str:
    """A range of durations in words: ``2 weeks to 9 months``, or ``3\u20136 months`` in one unit.

    Examples
    --------
    >>> format_duration_span(0.1533, 3, "quarter"), format_duration_span(1, 2, "quarter")
    ('2 weeks to 9 months', '3\u20136 months')
    """
    a, b = format_duration(low, time_unit), format_duration(high, time_unit)
    (na, ua), ub = a.split(" ", 1), b.split(" ", 1)[1]
    if plural(ua) == ub and na != "1":
        return f"{na}\u2013{b}"
    return f"{a} to {b}"


def format_points(difference: float) -> str:
    """Name a difference of two shares in percentage points, without its sign.

    Examples
    --------
    >>> format_points(0.3475), format_points(-0.01), format_points(0.002), format_points(0.0)
    ('35 points', '1 point', '<1 point', '0 points')
    """
    points = abs(difference) * 100
    if points == 0:
        return "0 points"
    if points < 0.5:
        return "<1 point"
    whole = math.floor(points + 0.5)
    return f"{whole:d} point{'' if whole == 1 else 's'}"


def signed_points(points: float) -> str:
    """Label a bar of a difference already in points, rounded as everywhere else (:func:`points_change`):
    ``+35``, ``\u22122``; a difference under half a point but visible as a bar (0.1 points or more) reads
    ``+<1`` or ``\u2212<1``, as sentences say "<1 point" (:func:`format_points`), never ``0``.

    Examples
    --------
    >>> signed_points(34.7), signed_points(0.4), signed_points(-0.26), signed_points(0.01), signed_points(0.0)
    ('+35', '+<1', '\u2212<1', '0', '0')
    """
    if not math.isfinite(points) or abs(points) < 0.1 or abs(points) >= 0.5:
        return points_change(points / 100) if math.isfinite(points) else "0"
    return ("+" if points > 0 else "\u2212") + "<1"


def signed_number(amount: float, scale: MoneyScale) -> str:
    """Label an amount with its sign: ``+6.91``, ``\u22120.16``."""
    text = scale.number(amount)
    return text if text.startswith("\u2212") or text.strip("0.,kMB") == "" else f"+{text}"


def format_ratio(ratio: float) -> str:
    """Format a return on cost: ``4.3×``, ``13×``, ``0.99×`` (two decimals only where one would read 1.0×).

    Examples
    --------
    >>> format_ratio(4.31), format_ratio(13.4), format_ratio(0.989), format_ratio(1.0)
    ('4.3×', '13×', '0.99×', '1.0×')
    """
    places = 0 if abs(ratio) >= 9.95 else 1
    if places and abs(ratio) < 9.95 and round(ratio, 1) in (1.0, 0.0, -0.0) and ratio != round(ratio, 1):
        places = 2
    return format_number(ratio, decimals=places) + "\u00d7"


def points_change(difference: float) -> str:
    """A difference of two shares in whole percentage points with its sign, rounded as :func:`format_points`
    (a difference under half a point reads ``0``, never ``-0``): ``+35``, ``\u22123``, ``0``.

    Examples
    --------
    >>> points_change(0.345), points_change(-0.03), points_change(0.004)
    ('+35', '\u22123', '0')
    """
    whole = math.floor(abs(difference) * 100 + 0.5)
    if whole == 0:
        return "0"
    return ("+" if difference > 0 else "\u2212") + f"{whole:d}"


def share_interval(low: float | None, high: float | None) -> str:
    """A 95% interval of a share, rounded as :func:`format_share`: ``38\u201348%``, ``0\u20131%``, ``<1% to 3%``;
    '' when unknown.

    Examples
    --------
    >>> share_interval(0.381, 0.479), share_interval(0.002, 0.03)
    ('38\u201348%', '<1% to 3%')
    """
    if low is None or high is None:
        return ""
    a, b = format_share(low), format_share(high)
    return f"{a.removesuffix('%')}\u2013{b}" if a[0].isdigit() and b[0].isdigit() else f"{a} to {b}"


def signed_money(amount: float, currency: str | Currency | None, scale: MoneyScale) -> str:
    """An amount with its sign on the number: ``USD +0.20M``, ``USD \u22120.44M``."""
    text = format_money(amount, currency, scale)
    if amount > 0 and any(ch not in "0.," for ch in scale.number(amount)):
        return re.sub(r"(\d)", r"+\1", text, count=1)
    return text


def format_amount(amount: float, *, trim: bool = False, currency: str | Currency | None = None) -> str:
    """An amount alone, without currency: three significant figures in its own unit (``−3.10M``, ``1.00M`` for
    999,999, ``2.00k``); ``trim`` drops trailing zeros (``2k``, as a scenario's inputs are written). Amounts shown
    together share one :class:`MoneyScale` instead.

    Examples
    --------
    >>> format_amount(999_999), format_amount(-3.1e6), format_amount(2000, trim=True), format_amount(0.08, trim=True)
    ('1.00M', '−3.10M', '2k', '0.08')
    """
    scale = MoneyScale.of([amount], currency)
    text = scale.number(amount, suffix=False)
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + scale.suffix


def format_percent(p: float) -> str:
    """A probability given as an input, as a percent to three significant figures: ``0.125 -> '12.5%'``.

    Examples
    --------
    >>> format_percent(0.125), format_percent(0.02), format_percent(1e-5)
    ('12.5%', '2%', '0.001%')
    """
    return format_number(100 * p, trim=True) + "%"


def format_length(length: float, time_unit: str) -> str:
    """A length of time as a noun, in the largest unit that makes it whole, else three significant figures of
    ``time_unit``: ``6 months`` for 26.089 weeks, ``10 years``, ``26.1 weeks``.

    Examples
    --------
    >>> format_length(26.089285714, "week"), format_length(10, "year"), format_length(26.1, "week")
    ('6 months', '10 years', '26.1 weeks')
    """
    number, unit = format_span(length, time_unit).rsplit("-", 1)
    return f"{number} {unit if number == '1' else plural(unit)}"


@dataclass(frozen=True)
class Provenance:
    """Where a chart comes from, printed in its footer.

    Examples
    --------
    >>> Provenance("JV", "ab" * 32, seed=7, runs=1000, version="0.1.0").text()
    'JV · sha256 abababababab · seed 7 · 1,000 runs · allysim 0.1.0'
    """

    scenario: str
    sha256: str = ""
    seed: int | None = None
    runs: int | None = None
    version: str = ""
    overrides: tuple[str, ...] = ()  # what-ifs set over the file's values: "risks.x.rate=0.2"

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any]) -> Provenance:
        """Read the provenance fields of a ``summary.json`` dictionary (or a study's JSON; ``calibration.json``
        names its history file instead of a scenario)."""
        return cls(
            scenario=str(summary.get("scenario") or Path(str(summary.get("file") or "")).name),
            sha256=str(summary.get("scenario_sha256") or summary.get("file_sha256") or ""),
            seed=summary.get("seed"),
            runs=summary.get("runs"),
            version=str(summary.get("allysim_version", "")),
            overrides=override_texts(summary.get("overrides")),
        )

    def text(self) -> str:
        """Return the footer line."""
        parts = [textwrap.shorten(self.scenario, 70, placeholder="…")] if self.scenario else []
        if self.sha256:
            parts.append(f"sha256 {self.sha256[:12]}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        if self.runs is not None:
            parts.append(f"{int(self.runs):,} run{'' if int(self.runs) == 1 else 's'}")
        if self.version:
            parts.append(f"allysim {self.version}")
        if self.overrides:
            parts.append(textwrap.shorten("set " + ", ".join(self.overrides), 90, placeholder="…"))
        return " · ".join(parts)


def override_texts(overrides: Any) -> tuple[str, ...]:
    """``{"horizon": 7}`` (as outputs record overrides) -> ``("horizon=7",)``."""
    if not isinstance(overrides, Mapping):
        return ()

    def show(v: Any) -> str:
        if isinstance(v, Mapping):
            return "{" + ", ".join(f"{k}: {show(x)}" for k, x in v.items()) + "}"
        return format_number(v, 6, trim=True) if isinstance(v, float) else str(v)

    return tuple(f"{k}={show(v)}" for k, v in overrides.items())


@dataclass(frozen=True)
class Evidence:
    """A paired difference with its 95% interval over ``runs`` runs, judged by its verdict
    (:func:`allysim.verdicts.verdict`, from the interval and the ``materiality``): what a sentence may claim.

    Examples
    --------
    >>> e = Evidence(-0.04, -0.20, 0.11, runs=2000)
    >>> e.clear, e.noise()
    (False, 'within the noise (roughly 31,000 runs would settle it)')
    >>> Evidence(0.3, 0.1, 0.5).gain, Evidence(0.3, 0.1, 0.5, materiality=0.5).verdict
    (True, 'tied')
    """

    mean: float
    low: float | None = None
    high: float | None = None
    runs: int | None = None
    materiality: float = 0.0
    decided: str | None = None  # the verdict a study's JSON recorded beside the effect, when read from one

    @classmethod
    def of(cls, entry: Mapping[str, Any] | None, runs: Any = None, *, offset: float = 0.0,
           materiality: float | None = None) -> Evidence:
        """Read ``{"mean" (or "estimate"), "ci95": [lo, hi], "verdict"}``; ``offset`` is subtracted from all three
        (and the recorded verdict, which judged the effect itself, is then not used)."""
        entry = entry or {}
        mean = entry.get("mean", entry.get("estimate"))
        low, high = (list(entry.get("ci95") or [None, None]) + [None, None])[:2]

        def shift(x: Any) -> float | None:
            return None if x is None else float(x) - offset

        decided = entry.get("verdict") if offset == 0 and entry.get("verdict") in VERDICTS else None
        given = entry.get("materiality") if materiality is None else materiality
        return cls(float(mean if mean is not None else 0.0) - offset, shift(low), shift(high),
                   int(runs) if isinstance(runs, (int, float)) and runs else None,
                   float(given) if isinstance(given, (int, float)) else 0.0, decided)

    @property
    def known(self) -> bool:
        """Whether the interval is known."""
        return self.low is not None and self.high is not None

    @property
    def verdict(self) -> str:
        """``better``, ``worse``, ``tied`` or ``unclear`` (``docs/deciding.md``)."""
        return self.decided or verdicts.verdict(self.mean, self.low, self.high, self.materiality)

    @property
    def gain(self) -> bool:
        """Clearly better: the interval lies above zero and the mean exceeds the materiality."""
        return self.verdict == "better"

    @property
    def loss(self) -> bool:
        """Clearly worse: the interval lies below zero and the mean is below minus the materiality."""
        return self.verdict == "worse"

    @property
    def clear(self) -> bool:
        """A sentence may name a winner or a loser."""
        return self.gain or self.loss

    @property
    def tied(self) -> bool:
        """About break even: a difference known to be within the materiality."""
        return self.verdict == "tied"

    def settling_runs(self) -> int | None:
        """Roughly how many runs would settle an unclear difference, if the mean held (None: unknown, settled, or
        more than any practical run)."""
        return verdicts.settling_runs(self.mean, self.low, self.high, self.runs, self.materiality)

    def settle(self) -> str:
        """``roughly 30,000 runs would settle it`` (or why none would), for a difference within the noise."""
        need = self.settling_runs()
        if need is not None:
            return f"roughly {need:,} runs would settle it"
        if self.tied:
            return "about break even: the difference is smaller than the materiality"
        if self.known and self.runs is not None:
            return "no practical number of runs would settle it: the difference is close to zero"
        return "more runs would settle it"

    def noise(self) -> str:
        """``within the noise (roughly 30,000 runs would settle it)``, or ``about break even`` for a difference
        known to be smaller than the materiality."""
        if self.tied:
            return "about break even (a difference smaller than the materiality)"
        return f"within the noise ({self.settle()})"


def median_life(p50: float, horizon: float, time_unit: str, survival: float | None = None, *,
                unit: bool = True) -> str:
    """The median life in words: ``6.3 years``, or ``more than 10 years`` when fewer than half dissolve (the
    horizon named as the charts name it: ``more than 6 months`` for 26.09 weeks); without ``unit``, the number in
    ``time_unit`` for a table whose heading names it: ``6.3``, ``more than 26.1``.

    Examples
    --------
    >>> median_life(6.3, 10, "year"), median_life(10, 10, "year", survival=0.62)
    ('6.3 years', 'more than 10 years')
    >>> median_life(26.0893, 26.0893, "week"), median_life(26.0893, 26.0893, "week", unit=False)
    ('more than 6 months', 'more than 26.1')
    """
    if (survival is not None and survival >= 0.5) or p50 >= horizon - 1e-9:
        if not unit:
            return f"more than {format_number(horizon, trim=True)}"
        return f"more than {format_length(horizon, time_unit)}"
    number = format_number(p50, decimals=1)
    return number if not unit else f"{number} {plural(time_unit) if number != '1.0' else time_unit}"
