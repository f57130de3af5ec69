"""``calibrated.yaml``: the fitted hazards as scenario risks, ready to paste, each number's origin in a comment.

One risk per cause of ending, with the chosen model (SPEC section 13): ``hazard: {weibull: {shape, scale}}``,
``hazard: {steps: [[age, rate], ...]}`` or ``rate``. A constant rate, and each step's rate, is written as an
uncertain rate (SPEC section 8): a lognormal with median the estimate and ``sigma = 1/sqrt(endings)``, whose 2.5%
and 97.5% points are exactly the 95% interval of ``calibration.json``, so that the estimation uncertainty flows into
every study (the step rates are estimated independently: the likelihood is a product over steps). A Weibull's shape
and scale are estimated together (correlated), so they are written as numbers, their intervals in a comment.
Each occurrence ends the alliance (``impact: {fatal: 1}``), as each ending in the history did.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .history import ALL_CAUSES, cause_id
from .wording import plural

__all__ = ["calibrated_yaml", "lognormal_rate"]

Z90 = 1.2815515655446004  # the standard normal's 90th percentile


def _num(x: float) -> str:
    """A number with 4 significant digits, as YAML reads it back."""
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.0f}"


def lognormal_rate(rate: float, events: int) -> str:
    """A lognormal (median, p90) whose 95% interval is ``rate * exp(+-1.96/sqrt(events))``."""
    p90 = rate * math.exp(Z90 / math.sqrt(events))
    return f"{{lognormal: {{median: {_num(rate)}, p90: {_num(p90)}}}}}"


def _ci(entry: Mapping[str, Any]) -> str:
    low, high = entry["ci95"]
    return f"{_num(entry['estimate'])} (95% CI {_num(low)}-{_num(high)})"


def calibrated_yaml(data: Mapping[str, Any]) -> str:
    """The text of ``calibrated.yaml`` from ``calibration.json``'s data."""
    unit = str(data["time_unit"])
    units = plural(unit)
    source = Path(str(data.get("file", ""))).name
    lines = [
        f"# Calibrated by allysim {data.get('allysim_version', '')} from {source} "
        f"(sha256 {str(data.get('file_sha256', ''))[:12]}): {data['n']:,} histories, {data['events']:,} endings, "
        f"{data['exposure']:,.6g} {units} at risk, as of {data.get('as_of', '')}.",
        f"# Time unit: {unit}. Rates are per {unit}; ages and Weibull scales are in {units}. Paste into a scenario",
        f"# with time_unit: {unit}, or convert (for quarters: rates / 4, ages and scales x 4; a Weibull shape and",
        "# the lognormal spreads stay as they are). Every number comes from calibration.json beside this file.",
        "# Each cause is fitted as a competing risk (endings by other causes censored), each occurrence ends the",
        "# alliance (fatal: 1). For a partner's exit (SPEC section 12) paste the hazard or rate under its exit.",
        "risks:",
    ]
    used: set[str] = set()
    for name, cause in data["causes"].items():
        rid = "ending" if name == ALL_CAUSES else cause_id(name)
        while rid in used:
            rid += "_"
        used.add(rid)
        lines += _risk(rid, name, cause, data, units)
    return "\n".join(lines) + "\n"


def _risk(rid: str, name: str, cause: Mapping[str, Any], data: Mapping[str, Any], units: str) -> list[str]:
    chosen = cause["chosen"]
    models = cause["models"]
    aics = ", ".join(f"{m} {models[m]['aic']:,.1f}" for m in models if models[m])
    how = "lowest AIC" if data.get("model", "best") == "best" else f"--model {chosen}"
    label = "Ending (every cause)" if name == "all" else f"Ending: {name}"
    lines = [f"  - id: {rid}", f"    name: {_quoted(label)}", "    category: calibrated",
             f"    # {cause['events']:,} endings of {data['n']:,} histories; {chosen} chosen by {how} (AIC: {aics})"]
    if chosen == "exponential":
        rate = models["exponential"]["rate"]
        lines += [f"    # rate {_ci(rate)} per {data['time_unit']} = {cause['events']:,} endings / "
                  f"{data['exposure']:,.6g} {units} at risk; lognormal spanning that 95% interval",
                  f"    rate: {lognormal_rate(rate['estimate'], cause['events'])}"]
    elif chosen == "weibull":
        w = models["weibull"]
        lines += [f"    # Weibull shape {_ci(w['shape'])}, scale {_ci(w['scale'])} {units} (maximum likelihood)",
                  f"    hazard: {{weibull: {{shape: {_num(w['shape']['estimate'])}, "
                  f"scale: {_num(w['scale']['estimate'])}}}}}"]
    else:
        lines += ["    # a constant rate from each age on: endings in the step / time at risk in it; lognormals",
                  "    # spanning each 95% interval",
                  "    hazard:", "      steps:"]
        for step in models["steps"]["rates"]:
            rate = lognormal_rate(step["estimate"], step["events"]) if step["events"] else "0"
            lines.append(f"        - [{_num(step['from'])}, {rate}]   # {_ci(step)}: {step['events']:,} endings in "
                         f"{step['exposure']:,.6g} {units}")
    lines.append("    impact: {fatal: 1}")
    return lines


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
