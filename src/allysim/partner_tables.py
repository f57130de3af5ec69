"""The partners of a run as tables (SPEC section 12): what the workbook's ``Partners`` sheet lists, read from
``summary.json`` alone.

Examples
--------
>>> summary = {"partners": {"a": {"name": "Alpha", "share": 0.6, "candidate": False, "required": True}},
...            "plans": {"base": {"partners": {"a": {"exit": {"estimate": 0.25, "ci95": [0.2, 0.3]},
...                                                  "tenure": {"mean": 4.5}, "cost_mean": 0.0}},
...                               "partners_at_end": {"mean": 0.75, "distribution": {"0": 0.25, "1": 0.75}}}}}
>>> partner_rows(summary)[0]["exit probability"], partners_at_end_rows(summary)[1]
(0.25, {'plan': 'base', 'partners in at the end': 1, 'share of runs': 0.75})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["partner_rows", "partners_at_end_rows", "has_partners"]


def has_partners(summary: Mapping[str, Any] | None) -> bool:
    """Whether a run's summary.json comes from a scenario with partners."""
    return bool(summary and summary.get("partners"))


def partner_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per plan and partner of its line-up: the partner's settings, the probability that it has left by the
    horizon or the end of the alliance with its 95% interval, its mean time in, and the mean present value of its
    own costs (a candidate's setup and running costs)."""
    described = summary.get("partners") or {}
    unit = summary.get("time_unit", "year")
    rows = []
    for plan, stats in (summary.get("plans") or {}).items():
        for q, entry in (stats.get("partners") or {}).items():
            about = described.get(q) or {}
            low, high = (entry["exit"].get("ci95") or [None, None])[:2]
            rows.append({"plan": plan, "partner": q, "name": about.get("name", q), "share": about.get("share"),
                         "required": bool(about.get("required", False)),
                         "candidate": bool(about.get("candidate", False)),
                         "exit probability": entry["exit"]["estimate"], "exit probability ci95 low": low,
                         "exit probability ci95 high": high, f"mean tenure ({unit}s)": entry["tenure"]["mean"],
                         "partner cost (PV mean)": entry.get("cost_mean")})
    return rows


def partners_at_end_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per plan and number of partners in at the end: the share of runs that end so."""
    rows = []
    for plan, stats in (summary.get("plans") or {}).items():
        ends = (stats.get("partners_at_end") or {}).get("distribution") or {}
        for k in sorted(ends, key=int):
            rows.append({"plan": plan, "partners in at the end": int(k), "share of runs": ends[k]})
    return rows
