"""The sweep, frontier, sensitivity and switch charts: drawn on a caller's axes, titles within the evidence."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # chart_helpers sits beside this file

from allysim.plotting import decision_charts, sensitivity_charts, theme  # noqa: E402
from allysim.plotting.render import draw_study_chart  # noqa: E402

from chart_helpers import assert_readable, study_head  # noqa: E402


def point(survival: float, npv: float, half: float = 1.0) -> dict:
    return {"survival": {"estimate": survival, "ci95": [survival - 0.03, survival + 0.03]},
            "npv": {"mean": npv, "ci95": [npv - half, npv + half]}}


def make_sweep(clear: list[bool], best: list[str] | None = None, money: float = 1.0) -> dict:
    """A sweep of two plans over three values; ``best[k]`` leads at value k, clearly when ``clear[k]``."""
    best = best or ["governance"] * 3
    plans = {p: [point(0.4 + 0.1 * k, money * (10 + (1 if best[k] == p else 0))) for k in range(3)]
             for p in ("do_nothing", "governance")}
    return {**study_head(currency="USD M"), "parameter": "risks.feud.rate", "parameter_label": "feud rate",
            "values": [0.1, 0.2, 0.3], "plans": plans,
            "best": [{"value": v, "plan": b, "runner_up": "do_nothing" if b == "governance" else "governance",
                      "npv_margin": {"mean": 1.0, "ci95": [0.5, 1.5] if c else [-0.5, 2.5]}, "clear": c}
                     for v, b, c in zip([0.1, 0.2, 0.3], best, clear)]}


def make_optimize(best_ids: list[str], clear: bool = True) -> dict:
    """Every portfolio of three contingencies; ``best_ids`` has the highest NPV, the full set comes second."""
    names = {"hotline": "Crisis hotline", "audit": "Quarterly audit", "escrow": "IP escrow"}
    ids = list(names)
    portfolios = []
    for mask in range(8):
        chosen = [c for k, c in enumerate(ids) if mask >> k & 1]
        npv = 10.0 + len(chosen) + (5.0 if chosen == best_ids else 0.0)
        portfolios.append({"contingencies": chosen, "cost": {"mean": 0.5 * len(chosen)},
                           **point(0.3 + 0.1 * len(chosen), npv)})
    best = next(i for i, p in enumerate(portfolios) if p["contingencies"] == best_ids)
    full = next(i for i, p in enumerate(portfolios) if len(p["contingencies"]) == 3)
    margin = {"mean": 1.0, "ci95": [0.2, 1.8] if clear else [-0.8, 2.8]}
    return {**study_head(currency="USD M"), "method": "exact", "candidates": names, "budget": None,
            "frontier": {"npv": [0, best], "survival": [0, full]}, "best": {"npv": best, "survival": full,
                                                                           "survival_within_budget": None},
            "versus_runner_up": {"npv": {"best": best, "runner_up": full, "npv": margin, "clear_npv": clear}},
            "plans": {"do_nothing": {"contingencies": [], "index": 0}, "full": {"contingencies": ids, "index": full}},
            "portfolios": portfolios}


def test_sweep_title_names_a_best_plan_only_where_its_margin_is_clear() -> None:
    assert decision_charts.sweep_title(make_sweep([True] * 3)).startswith(
        "The Governance plan has the highest expected NPV at every feud rate from 0.1 to 0.3")
    title = decision_charts.sweep_title(make_sweep([False] * 3))
    assert title.startswith("No plan clearly has the highest expected NPV") and "within the noise" in title
    assert "within the noise at 0.3" in decision_charts.sweep_title(make_sweep([True, True, False]))
    switch = make_sweep([True, False, True], ["do_nothing", "governance", "governance"])
    title = decision_charts.sweep_title(switch)
    assert "changes from" not in title and "within the noise" in title, title
    switch["best"][1]["clear"] = True
    assert decision_charts.sweep_title(switch).startswith(
        "The best plan by expected NPV changes from the Do nothing plan to the Governance plan")


def test_frontier_title_reads_well_for_all_but_one_and_claims_only_a_clear_margin() -> None:
    title = decision_charts.frontier_title(make_optimize(["hotline", "escrow"]))
    assert title.startswith("Funding every contingency but Quarterly audit gives the highest expected NPV"), title
    assert "All but" not in title and title.endswith("more than the next best, the Full plan")
    title = decision_charts.frontier_title(make_optimize(["hotline", "escrow"], clear=False))
    assert "within the noise of each other" in title and "gives the highest" not in title, title
    assert decision_charts.frontier_title(make_optimize(["hotline"])).startswith("Funding Crisis hotline gives")


@pytest.mark.parametrize("chart", ["sweep", "frontier"])
def test_decision_charts_draw_on_the_axes_given_and_make_no_figure(chart: str) -> None:
    data = make_sweep([True] * 3) if chart == "sweep" else make_optimize(["hotline", "escrow"])
    draw = getattr(decision_charts, chart)
    fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
    axes = tuple(fig.subplots(1, 2))
    before = plt.get_fignums()
    assert draw(data, axes) == axes and plt.get_fignums() == before
    assert all(ax.lines or ax.collections for ax in axes) and not fig.texts
    slide = draw_study_chart(chart, data)
    assert len(slide.axes) == 2
    assert_readable(slide, chart)


@pytest.mark.parametrize("chart", ["sweep", "frontier"])
def test_decision_charts_drop_the_npv_panel_when_no_money_is_modelled(chart: str) -> None:
    data = make_sweep([True] * 3, money=0.0) if chart == "sweep" else make_optimize(["hotline"])
    if chart == "frontier":
        for p in data["portfolios"]:
            p["npv"] = {"mean": 0.0, "ci95": [0.0, 0.0]}
            p["cost"] = {"mean": 0.0}
    assert getattr(decision_charts, f"{chart}_panels")(data) == ("survival",)
    fig = draw_study_chart(chart, data)
    assert len(fig.axes) == 1 and "NPV" not in fig.axes[0].get_ylabel()


def test_long_plan_names_stay_distinct_in_the_sweep_legend() -> None:
    data = make_sweep([True] * 3)
    long = {"do_nothing": "governance_and_escalation_with_legal_safeguards_phase_one",
            "governance": "governance_and_escalation_with_legal_safeguards_phase_two"}
    data["plans"] = {long[p]: v for p, v in data["plans"].items()}
    for b in data["best"]:
        b["plan"], b["runner_up"] = long[b["plan"]], long[b["runner_up"]]
    fig = draw_study_chart("sweep", data)
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_legend().get_texts()]
    assert len(set(labels)) == 2 and labels[0].endswith("phase one") and labels[1].endswith("phase two"), labels
    assert_readable(fig, "sweep")


def make_sensitivity() -> dict:
    def entry(label: str, swing: float, flip: bool) -> dict:
        return {"label": label, "rank": 1 if flip else 2, "p10": 0.1, "p90": 0.3,
                "npv": {"at_p10": 10 + swing, "at_p90": 10 - swing, "swing": {"mean": 2 * swing,
                                                                             "ci95": [swing, 3 * swing]}},
                "survival": {"at_p10": 0.6, "at_p90": 0.5}, "variance_share": {"npv": 0.5},
                "difference": [{"value": v, "npv": {"mean": m, "ci95": [m - 0.3, m + 0.3]}}
                               for v, m in ((0.1, 1.0), (0.2, 0.0 if flip else 0.8), (0.3, -1.0 if flip else 0.6))],
                "switch": {"value": 0.2, "ci95": [0.15, 0.25], "direction": "plan better below"} if flip else None}

    return {**study_head(currency="EUR"), "plan": "full", "against": "do_nothing",
            "npv": {"mean": 10.0}, "survival": {"estimate": 0.55}, "p_better": 0.6,
            "versus": {"npv": {"mean": 0.5, "ci95": [-0.1, 1.1]}},
            "inputs": {"risks.feud.rate": entry("Feud: rate", 2.0, True),
                       "risks.leak.rate": entry("Leak: rate", 1.0, False)}}


@pytest.mark.parametrize("chart", ["sensitivity", "switch"])
def test_sensitivity_charts_draw_on_the_axes_given_and_name_plans_in_words(chart: str) -> None:
    data = make_sensitivity()
    panels = getattr(sensitivity_charts, f"{chart}_panels")(data)
    fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
    axes = tuple(fig.subplots(1, len(panels)).flat) if len(panels) > 1 else (fig.add_subplot(),)
    before = plt.get_fignums()
    assert getattr(sensitivity_charts, chart)(data, axes) == axes and plt.get_fignums() == before
    slide = draw_study_chart(chart, copy.deepcopy(data))
    title = theme.title_of(slide)
    assert "the Full plan" in title and "full's" not in title and "do_nothing" not in title, title
    assert_readable(slide, chart)


@pytest.mark.parametrize("objective", ["cvar10", "p_loss"])
def test_frontier_draws_a_tail_objective_and_says_it_is_the_objective(objective: str) -> None:
    data = make_optimize(["hotline", "escrow"])
    for k, p in enumerate(data["portfolios"]):
        p["npv"]["cvar10"] = {"estimate": -5.0 + k, "ci95": [-6.0 + k, -4.0 + k]}
        p["npv"]["p_loss"] = {"estimate": 0.3 - 0.03 * k, "ci95": [0.25 - 0.03 * k, 0.35 - 0.03 * k]}
    last = len(data["portfolios"]) - 1
    data.update(objective=objective)
    data["frontier"][objective] = [0, last]
    data["best"][objective] = last
    data["versus_runner_up"][objective] = {"best": last, "runner_up": 0, objective: {"mean": 1.0, "ci95": [0.2, 1.8]},
                                           f"clear_{objective}": True}
    assert decision_charts.frontier_panels(data) == ("survival", "npv", objective)
    words = {"cvar10": "the best mean NPV in the worst 10% of runs", "p_loss": "the fewest runs losing money"}
    assert words[objective] in decision_charts.frontier_title(data)
    assert decision_charts.frontier_subtitle(data).endswith(
        {"cvar10": "best by the mean NPV of the worst 10% of runs", "p_loss": "best by the share of runs losing "
                                                                                "money"}[objective])
    fig = draw_study_chart("frontier", data)
    assert len(fig.axes) == 3
    assert {"cvar10": "worst 10%", "p_loss": "losing money"}[objective] in fig.axes[2].get_ylabel()
    assert_readable(fig, f"frontier-{objective}")


LONG_NAMES = {"a": "Crisis hotline with a standing escalation path", "b": "Quarterly audit by an outside firm",
              "c": "IP escrow with an independent agent", "d": "Joint steering board with a rotating chair",
              "q": "Fabrikam (candidate)"}


def make_unnamed(best_ids: list[str], runner_ids: list[str], clear: bool = False, tied: bool = False) -> dict:
    """Every portfolio of four contingencies and a candidate partner; the best and the runner-up are no plan of
    the scenario (its one plan funds nothing)."""
    ids = list(LONG_NAMES)
    portfolios = [{"contingencies": [c for k, c in enumerate(ids) if mask >> k & 1], "cost": {"mean": 0.1 * mask},
                   **point(0.4, 10.0)} for mask in range(2 ** len(ids))]
    best = next(i for i, p in enumerate(portfolios) if p["contingencies"] == best_ids)
    runner = next(i for i, p in enumerate(portfolios) if p["contingencies"] == runner_ids)
    margin = {"mean": 0.1, "ci95": [0.05, 0.15] if clear or tied else [-0.8, 1.0]}
    if tied:
        margin["verdict"] = "tied"
    return {**study_head(currency="USD M"), "method": "exact", "candidates": LONG_NAMES, "candidate_partners": ["q"],
            "budget": None, "frontier": {"npv": [0, best], "survival": [0, best]},
            "best": {"npv": best, "survival": best, "survival_within_budget": None},
            "versus_runner_up": {"npv": {"best": best, "runner_up": runner, "npv": margin,
                                         "clear_npv": clear and not tied}},
            "plans": {"do_nothing": {"contingencies": [], "index": 0}}, "portfolios": portfolios}


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("best_ids, runner_ids", [(["a", "b", "c", "q"], ["a", "b", "c", "d", "q"]),
                                                  (["a", "b", "c"], ["b", "c", "d"]),
                                                  (["a", "b", "q"], ["a", "b", "c", "d", "q"])])
def test_titles_name_two_unnamed_portfolios_apart_and_in_plain_words(best_ids, runner_ids, tied: bool) -> None:
    """On the frontier chart and the deck's recommendation, two portfolios that are no plan of the scenario are
    never named by the same words twice ('3 of the 5 contingencies or 3 of the 5 contingencies'); two that differ
    by one candidate name it ('..., with or without X'); a candidate partner is never a bare 'candidate'; and two
    leaders lead 'on expected NPV', never 'on highest expected NPV'."""
    from allysim.recommendation import recommend

    data = make_unnamed(best_ids, runner_ids, tied=tied)
    titles = [decision_charts.frontier_title(data), recommend(data).headline]
    for title in titles:
        sizes = re.findall(r"\d+ of the \d+ [a-z ]+?(?= and| or|,|$)", title)
        assert len(sizes) == len(set(sizes)), title
        assert not re.search(r"\bcandidates?\b(?! partner)", title), title
        assert "on highest" not in title and title.count("every contingency") <= 1, title
        if len(set(best_ids) ^ set(runner_ids)) == 1:
            (extra,) = set(best_ids) ^ set(runner_ids)
            assert f"with or without {LONG_NAMES[extra]}" in title, title
