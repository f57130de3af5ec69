"""Unit strings a person may write instead of plain numbers: ``18 months``, ``2.5M``, ``300k``.

A money suffix says how large an amount is, whatever unit the scenario counts in: in a scenario whose currency is
``USD M`` (amounts in millions), ``3M`` is 3 and ``300k`` is 0.3; with ``currency: USD`` they are 3,000,000 and
300,000. A plain number is always in the scenario's unit.
"""

from __future__ import annotations

import difflib
import math
import re

__all__ = ["TIME_UNITS", "DAYS_PER", "CURRENCY_UNITS", "currency_factor", "parse_time", "parse_money",
           "percent_hint", "years_per"]

TIME_UNITS = ("year", "quarter", "month", "week", "day")
DAYS_PER = {"year": 365.25, "quarter": 365.25 / 4, "month": 365.25 / 12, "week": 7.0, "day": 1.0}
_TIME_WORDS = {
    "year": ("y", "yr", "yrs", "year", "years"),
    "quarter": ("q", "qtr", "qtrs", "quarter", "quarters"),
    "month": ("mo", "mos", "month", "months"),
    "week": ("w", "wk", "wks", "week", "weeks"),
    "day": ("d", "day", "days"),
}
_TIME_ALIAS = {word: unit for unit, words in _TIME_WORDS.items() for word in words}
_NUMBER = r"[-+]?(?:\d[\d,_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TIME = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)\s*$")
_MONEY = re.compile(rf"^\s*({_NUMBER})\s*(k|K|m|M|mn|MM|b|B|bn|BN)?\s*$")
_SCALE = {None: 1.0, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "mn": 1e6, "MM": 1e6,
          "b": 1e9, "B": 1e9, "bn": 1e9, "BN": 1e9}

# The last word of a currency that names the unit its amounts are counted in ("USD M", "EUR thousands").
CURRENCY_UNITS = {"k": "k", "K": "k", "thousand": "k", "thousands": "k", "M": "M", "m": "M", "MM": "M", "mn": "M",
                  "million": "M", "millions": "M", "B": "B", "bn": "B", "billion": "B", "billions": "B"}
_UNIT_FACTOR = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}


def currency_factor(currency: object) -> float:
    """What one unit of ``currency`` is worth in plain amounts: 1e6 for ``"USD M"``, 1 for ``"USD"``.

    Examples
    --------
    >>> currency_factor("USD M"), currency_factor("EUR thousands"), currency_factor("gold")
    (1000000.0, 1000.0, 1.0)
    """
    words = str(currency or "").split() if isinstance(currency, str) else []
    unit = CURRENCY_UNITS.get(words[-1], "") if len(words) >= 2 else ""
    return _UNIT_FACTOR[unit]


def years_per(time_unit: str) -> float:
    """How many years one ``time_unit`` lasts."""
    return DAYS_PER[time_unit] / DAYS_PER["year"]


def _number(text: str) -> float:
    value = float(text.replace(",", "").replace("_", ""))
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse_time(text: str, time_unit: str) -> float:
    """``"18 months"`` in ``time_unit`` (``1.5`` for years). Raises ValueError with the accepted forms."""
    match = _TIME.match(text)
    unit = _TIME_ALIAS.get(match.group(2).lower()) if match else None
    if unit is None:
        raise ValueError(f"{text!r} is not a time{_time_hint(text)}; write a number in {time_unit}s or a number "
                         "and a unit, e.g. '18 months', '2 years', '90 days', '3 weeks', '1 quarter'")
    return _number(match.group(1)) * DAYS_PER[unit] / DAYS_PER[time_unit]


def _time_hint(text: str) -> str:
    """`` (did you mean '3 months'?)`` for a unit written too short or misspelt (``3 m``, ``2 yaers``), else ''."""
    match = _TIME.match(text)
    if match is None:
        return ""
    word = match.group(2).lower()
    plurals = [f"{unit}s" for unit in TIME_UNITS]
    starting = [p for p in plurals if p.startswith(word)]
    close = starting if len(starting) == 1 else difflib.get_close_matches(word, plurals, n=1, cutoff=0.6)
    return f" (did you mean '{match.group(1)} {close[0]}'?)" if close else ""


def percent_hint(text: str) -> str:
    """`` (did you mean 0.09?)`` for a percentage such as ``9%`` written where a fraction is expected, else ''."""
    match = re.match(rf"^\s*({_NUMBER})\s*%\s*$", text)
    if match is None:
        return ""
    try:
        fraction = _number(match.group(1)) / 100
    except ValueError:
        return ""
    return f" (did you mean {fraction:.10g}?)"


def parse_money(text: str, currency: object = None) -> float:
    """An amount in the unit of ``currency``: ``"2.5M"`` -> 2500000.0 with ``"USD"``, 2.5 with ``"USD M"``.

    A plain number is already in the currency's unit and is kept. Raises ValueError with the accepted forms.

    Examples
    --------
    >>> parse_money("2.5M"), parse_money("2.5M", "USD M"), parse_money("300k", "USD M"), parse_money("3", "USD M")
    (2500000.0, 2.5, 0.3, 3.0)
    """
    match = _MONEY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an amount of money; write a number, optionally with k, M or B, "
                         "e.g. 1200, '300k', '2.5M', '1.2B'")
    value = _number(match.group(1))
    if match.group(2) is None:
        return value
    return value * _SCALE[match.group(2)] / currency_factor(currency)
