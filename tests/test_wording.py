"""Numbers and findings in words (allysim.wording): the claims rule, one rounding per quantity, no "-0", durations
and median lives in words."""

from __future__ import annotations

import re

import numpy as np
import pytest

from allysim import wording
from allysim.wording import (
    Evidence,
    MoneyScale,
    format_duration,
    format_duration_span,
    format_points,
    format_share,
    median_life,
    points_change,
    share_interval,
    signed_money,
    signed_number,
    signed_points,
)

MINUS = "\u2212"


# --- claims within the evidence ------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "gain", "loss"), [(0.1, 0.5, True, False), (-0.5, -0.1, False, True),
                                                            (-0.2, 0.11, False, False), (0.0, 0.4, False, False),
                                                            (-0.4, 0.0, False, False)])
def test_a_winner_only_when_the_interval_excludes_the_tie(low, high, gain, loss) -> None:
    e = Evidence((low + high) / 2, low, high, runs=2000)
    assert (e.gain, e.loss, e.clear) == (gain, loss, gain or loss)
    if not e.clear:
        assert e.noise().startswith("within the noise (")


def test_an_unknown_interval_never_names_a_winner() -> None:
    assert not Evidence(5.0).clear and not Evidence.of({"mean": 5.0}).gain


def test_the_runs_that_would_settle_it_shrink_the_interval_to_the_mean() -> None:
    e = Evidence(-0.04, -0.20, 0.11, runs=2000)
    need = e.settling_runs()
    half = (0.11 + 0.20) / 2
    assert need >= 2000 * (half / 0.04) ** 2 and need < 1.1 * 2000 * (half / 0.04) ** 2  # rounded up, 2 figures
    assert "31,000 runs" in e.noise()


# --- one rounding per quantity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("difference", np.linspace(-0.4, 0.4, 161).tolist() + [0.0349, 0.035, -0.0051, 0.0049])
def test_survival_differences_round_alike_in_sentences_labels_and_tables(difference: float) -> None:
    label = points_change(difference)
    words = format_points(difference)
    # chart labels take points, tables take shares; a visible bar under half a point reads "<1" as sentences do
    small = label == "0" and abs(difference) >= 0.001
    assert signed_points(difference * 100) == (("+" if difference > 0 else MINUS) + "<1" if small else label)
    assert not small or words == "<1 point"
    if label == "0":
        assert words in ("0 points", "<1 point")
    else:
        assert words.split()[0] == label.lstrip("+" + MINUS)
        assert label[0] == ("+" if difference > 0 else MINUS)
    assert "." not in label and "%" not in label  # whole percentage points, never "+18.7%"


@pytest.mark.parametrize("value", [-0.004, -0.0049, -1e-12, -0.0])
def test_nothing_reads_minus_zero(value: float) -> None:
    assert points_change(value) == "0"
    assert signed_points(value * 100) in ("0", MINUS + "<1")  # "<1" below zero, never "-0"
    scale = MoneyScale.of([1.0])
    for text in (signed_number(value * 1e-3, scale), scale.number(value * 1e-3),
                 signed_money(value * 1e-3, "USD", scale)):
        assert not re.search(rf"[-{MINUS}]0(\.0+)?\b", text), text


def test_shares_and_their_intervals_round_alike() -> None:
    assert format_share(0.4149) == "41%" and format_share(0.415) == "42%"
    assert share_interval(0.381, 0.479) == "38\u201348%"
    assert share_interval(0.002, 0.03) == "<1% to 3%"
    assert share_interval(None, 0.3) == ""


# --- time in words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "unit", "text"), [
    (14 / (365.25 / 4), "quarter", "2 weeks"), (3, "quarter", "9 months"), (1, "year", "1 year"),
    (1.5, "year", "18 months"), (2.5, "year", "2.5 years"), (0.37, "year", "4.4 months"), (10, "day", "10 days"),
    (6 / 52.18, "year", "6 weeks"), (0, "month", "0 days"),
])
def test_durations_read_in_words(length: float, unit: str, text: str) -> None:
    assert format_duration(length, unit) == text
    assert not re.search(r"\d\.\d{3}", text)  # never "0.153 quarters"


def test_a_range_of_durations_names_each_end_in_its_own_unit() -> None:
    assert format_duration_span(0.1533, 1, "quarter") == "2 weeks to 3 months"
    assert format_duration_span(1, 2, "quarter") == "3\u20136 months"


@pytest.mark.parametrize(("p50", "survival", "text"), [
    (6.3, 0.3, "6.3 years"), (10.0, 0.62, "more than 10 years"), (9.9, 0.5, "more than 10 years"),
    (10.0, None, "more than 10 years"), (1.0, 0.1, "1.0 year"),
])
def test_the_median_life_lies_beyond_the_horizon_when_fewer_than_half_dissolve(p50, survival, text) -> None:
    assert median_life(p50, 10, "year", survival) == text


def test_every_formatter_is_exported() -> None:
    for name in ("format_duration", "format_duration_span", "share_interval", "points_change", "signed_points"):
        assert name in wording.__all__


# --- one number formatter: every surface, every magnitude -------------------------------------------------------

_SUFFIX = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}


def _read_back(text: str, unit: str = "") -> float:
    """The number a formatted text shows: ``USD −1.20M`` -> -1.2e6 (in the currency's own unit)."""
    assert "e+" not in text and "e-" not in text and "-" not in text.replace("USD", ""), text
    assert not re.search(rf"{MINUS}0(\.0+)?(?![\d.,])", text), text  # never "−0"
    match = re.search(rf"([+{MINUS}]?)([\d,]+(?:\.\d+)?)([kMB]?)", text)
    assert match, text
    sign = -1.0 if match.group(1) == MINUS else 1.0
    suffix = match.group(3) if match.group(3) != unit else ""
    return sign * float(match.group(2).replace(",", "")) * _SUFFIX[suffix]


def _formatters():
    from allysim.deck.appendix import _parameter
    from allysim.deck.board import _amount
    from allysim.plotting.layout import money_formatter
    from allysim.plotting.sensitivity_charts import _money, _signed

    def alone(fmt):  # a formatter of one amount, whose unit is its own
        return fmt

    def scaled(fmt):  # a formatter of an amount in a unit chosen for it
        return lambda x: fmt(x, MoneyScale.of([x]))

    yield "format_amount", alone(wording.format_amount), 3
    yield "format_amount trimmed (appendix inputs)", alone(_parameter), 3
    yield "format_money", alone(lambda x: wording.format_money(x, "USD")), 3
    yield "format_money in gold", alone(lambda x: wording.format_money(x, "gold")), 3
    yield "sensitivity money", alone(lambda x: _money(x, "EUR")), 3
    yield "sensitivity labels", alone(_signed), 3
    yield "signed_number (console, chart labels)", scaled(signed_number), 3
    yield "signed_money (deck)", scaled(lambda x, s: signed_money(x, "USD", s)), 3
    yield "MoneyScale.number (console tables)", scaled(lambda x, s: s.number(x)), 3
    yield "deck table amounts", scaled(lambda x, s: _amount(x, s) + s.suffix), 3
    yield "chart ticks", scaled(lambda x, s: money_formatter(s)(x, 0) + s.suffix), 6
    yield "format_number", alone(wording.format_number), 3


@pytest.mark.parametrize("exponent", [e / 4 for e in range(-12, 49)])
@pytest.mark.parametrize("sign", [1, -1])
def test_every_formatter_shows_every_magnitude_in_plain_digits(exponent: float, sign: int) -> None:
    """From a thousandth to a trillion, both signs: no 'e+', no ASCII minus, no '1,000k', and the text reads back
    as the number to its significant figures."""
    x = sign * 10 ** exponent * 1.2345
    for name, fmt, digits in _formatters():
        text = fmt(x)
        back = _read_back(text)
        shown = float(re.search(r"[\d,]+(?:\.\d+)?", text).group().replace(",", ""))
        figures = digits - 1 if shown < 1 else digits  # one figure fewer below 1: "0.80M"
        assert abs(back - x) <= 0.5 * 10 ** (1 - figures) * abs(x) * 1.0001, (name, x, text)
        assert not re.search(r"\b1,000(\.0+)?[kM]\b", text), (name, x, text)  # promoted: 1.00M, not 1,000k


@pytest.mark.parametrize("x", [999_999, 999_500, 999.96, 9.9996, 99.996, 0.0099996, 999_999_999])
def test_rounding_promotes_to_the_next_unit(x: float) -> None:
    assert wording.format_amount(x) in ("1.00M", "1.00k", "10.0", "100", "0.010", "1.00B"), x
    assert wording.format_amount(-x) == MINUS + wording.format_amount(x)


def test_the_issue_cases_read_as_people_write_them() -> None:
    from allysim.deck.appendix import _parameter

    assert _parameter(2000) == "2k" and _parameter(5000) == "5k" and _parameter(0.08) == "0.08"
    assert wording.format_amount(999_999) == "1.00M"
    assert wording.format_percent(0.125) == "12.5%" and wording.format_percent(1e-5) == "0.001%"
    assert wording.format_length(26.089285714, "week") == "6 months"
    assert median_life(26.0893, 26.0893, "week", 0.9) == "more than 6 months"
    assert median_life(26.0893, 26.0893, "week", 0.9, unit=False) == "more than 26.1"
    assert wording.format_ratio(1e12) == "1,000,000,000,000\u00d7" and wording.format_ratio(-0.5) == f"{MINUS}0.5\u00d7"
