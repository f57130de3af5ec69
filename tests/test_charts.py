"""Charts: numbers in words, survival curves, and the finding in each title agreeing with summary.json."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["figure.max_open_warning"] = 0  # the module fixture keeps 24 charts open on purpose

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # chart_helpers sits beside this file

from chart_helpers import assert_readable, make_output  # noqa: E402

from allysim import charts, theme  # noqa: E402
from allysim.report import draw_charts, load_output  # noqa: E402

MINUS = "\u2212"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory):
    """Synthetic output folders for 1, 3 and 8 plans, with 1, 6 and 30 risks; each drawn once."""
    drawn = {}
    for n_plans, n_risks in ((1, 6), (3, 6), (8, 8), (3, 30), (1, 30), (2, 1)):
        folder = tmp_path_factory.mktemp(f"out_{n_plans}p_{n_risks}r")
        make_output(folder, n_plans=n_plans, n_risks=n_risks, runs=300, money=1e6 if n_plans == 3 else 1.0)
        data = load_output(folder)
        drawn[(n_plans, n_risks)] = {"data": data, "figures": draw_charts(data)}
    yield drawn
    for case in drawn.values():
        for fig in case["figures"].values():
            plt.close(fig)


def title_of(fig) -> str:
    """Return the title of a chart as one line."""
    (title,) = [t.get_text() for t in fig.texts if t.get_gid() == "title"]
    return title.replace("\n", " ")


def percents(text: str) -> list[int]:
    """Return the whole percentages written in ``text``."""
    return [int(p) for p in re.findall(r"(\d+)%", text)]


def whole_percent(share: float) -> int:
    """Round a share to a whole percent, halves up, as docs/charts.md states."""
    return int(np.floor(100 * share + 0.5))


def plan_word(name: str) -> str:
    """Return how titles name a plan (long names are shortened, so compare a prefix)."""
    return theme.plan_label(name)[:20]


# --- numbers in words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("share", "text"), [(0.0, "0%"), (0.004, "<1%"), (0.005, "1%"), (0.414, "41%"),
                                             (0.4151, "42%"), (0.99, "99%"), (0.996, ">99%"), (1.0, "100%")])
def test_format_share_rounds_to_whole_percent_and_keeps_ends_honest(share: float, text: str) -> None:
    assert charts.format_share(share) == text


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (31_240_000, "USD", "USD 31.2M"),
    (-3_100_000, "USD", f"USD {MINUS}3.10M"),
    (999_999, "EUR", "EUR 1.00M"),
    (25.8, "USD M", "USD 25.8M"),
    (461_234, "gold", "461k gold"),
    (-2500, "$", f"{MINUS}$2.50k"),
    (-0.001, "EUR", "EUR 0.00"),
    (12.5, "", "12.5"),
])
def test_format_money(amount: float, currency: str, text: str) -> None:
    assert charts.format_money(amount, currency) == text


def test_amounts_shown_together_share_one_unit() -> None:
    scale = charts.MoneyScale.of([940_000, 31_240_000], "USD")
    assert [charts.format_money(a, "USD", scale) for a in (940_000, 31_240_000)] == ["USD 0.9M", "USD 31.2M"]


@pytest.mark.parametrize(("length", "unit", "text"), [(10, "year", "10-year"), (20, "quarter", "5-year"),
                                                      (48, "month", "4-year"), (26.089285714285715, "week", "6-month"),
                                                      (2.5, "year", "30-month"), (1.3, "month", "1.3-month")])
def test_format_span_names_the_life_in_the_roundest_unit(length: float, unit: str, text: str) -> None:
    assert charts.format_span(length, unit) == text


# --- survival curve --------------------------------------------------------------------------------------------


def test_survival_curve_is_the_empirical_survival_function_censored_at_the_horizon() -> None:
    rng = np.random.default_rng(3)
    life = np.minimum(rng.exponential(6.0, 500), 10.0)
    survived = life >= 10.0
    t, s = charts.survival_curve(life, survived, 10.0)
    assert t[0] == 0.0 and s[0] == 1.0 and t[-1] == 10.0
    assert s[-1] == pytest.approx(survived.mean())
    assert np.all(np.diff(s) <= 0)
    for probe in (0.5, 2.0, 7.3):
        step = s[np.searchsorted(t, probe, side="right") - 1]
        assert step == pytest.approx(np.mean(life > probe))


def test_survival_curve_falls_back_to_a_fine_grid_for_many_distinct_times() -> None:
    life = np.linspace(0.001, 9.999, 5000)
    t, s = charts.survival_curve(life, np.zeros(5000, bool), 10.0)
    assert len(t) == charts.CURVE_POINTS and s[-1] == 0.0


def test_wilson_band_matches_the_closed_form_and_contains_the_estimate() -> None:
    lo, hi = charts.wilson_band(np.array([0.5, 0.0, 1.0]), 100)
    assert lo[0] == pytest.approx(0.4038, abs=1e-4) and hi[0] == pytest.approx(0.5962, abs=1e-4)
    assert lo[1] == 0.0 and hi[1] > 0 and hi[2] == 1.0 and lo[2] < 1


def test_spread_keeps_order_gap_and_bounds() -> None:
    targets = [0.30, 0.31, 0.305, 0.9, 0.02]
    placed = charts._spread(targets, 0.05, 0.0, 1.0)
    order = sorted(range(5), key=lambda i: targets[i])
    ys = [placed[i] for i in order]
    assert all(b - a >= 0.05 - 1e-12 for a, b in zip(ys, ys[1:]))
    assert min(placed) >= 0.0 and max(placed) <= 1.0
    assert placed[3] == pytest.approx(0.9)  # a lone label stays where its line ends


# --- every chart: frame, size, no overlapping text -------------------------------------------------------------


@pytest.mark.parametrize("case", [(1, 6), (3, 6), (8, 8), (3, 30), (1, 30), (2, 1)])
def test_every_chart_is_a_16_9_slide_with_title_subtitle_and_provenance(outputs, case) -> None:
    drawn = outputs[case]
    summary = drawn["data"].summary
    assert set(drawn["figures"]) == {"survival", "npv", "health", "causes"}
    for name, fig in drawn["figures"].items():
        width, height = fig.get_size_inches()
        assert width / height == pytest.approx(16 / 9, rel=0.01), name
        assert width * theme.DPI >= 1600, name
        gids = {t.get_gid(): t.get_text() for t in fig.texts if t.get_gid()}
        assert gids["title"] and gids["subtitle"], name
        footer = gids["provenance"]
        assert summary["scenario_sha256"][:12] in footer and summary["scenario_sha256"] not in footer
        assert f"seed {summary['seed']}" in footer and f"{summary['runs']:,} runs" in footer
        assert f"allysim {summary['allysim_version']}" in footer


@pytest.mark.parametrize("case", [(1, 6), (3, 6), (8, 8), (3, 30), (1, 30), (2, 1)])
def test_no_two_labels_overlap_and_all_stay_on_the_slide(outputs, case) -> None:
    for name, fig in outputs[case]["figures"].items():
        assert_readable(fig, name)


# --- titles state the finding with the summary's numbers -------------------------------------------------------


@pytest.mark.parametrize("case", [(1, 6), (3, 6), (8, 8), (2, 1)])
def test_survival_title_quotes_the_summary(outputs, case) -> None:
    data, fig = outputs[case]["data"], outputs[case]["figures"]["survival"]
    plans = data.summary["plans"]
    estimate = {p: plans[p]["survival"]["estimate"] for p in plans}
    title = title_of(fig)
    names = list(plans)
    if len(names) == 1:
        assert title.startswith("Alliance survives its 10-year life in")
        assert percents(title) == [whole_percent(estimate[names[0]])]
    else:
        best = max(names, key=lambda p: estimate[p])
        assert title.startswith(plan_word(best)) and " plan lifts 10-year survival from " in title
        assert percents(title) == [whole_percent(estimate[names[0]]), whole_percent(estimate[best])]


@pytest.mark.parametrize("case", [(1, 6), (3, 6), (8, 8)])
def test_npv_title_quotes_the_summary(outputs, case) -> None:
    data, fig = outputs[case]["data"], outputs[case]["figures"]["npv"]
    plans = data.summary["plans"]
    title = title_of(fig)
    shown = re.findall(rf"USD ({MINUS}?[\d,]+(?:\.\d+)?)", title)
    factor = 1e6 if "M" in title else 1.0
    names = list(plans)
    if len(names) == 1:
        npv = plans[names[0]]["npv"]
        expected = [npv["mean"], npv["p10"], npv["p90"]]
    else:
        best = max(names, key=lambda p: plans[p]["npv"]["mean"])
        assert title.startswith(plan_word(best)) and " plan raises expected NPV from " in title
        expected = [plans[names[0]]["npv"]["mean"], plans[best]["npv"]["mean"]]
    assert len(shown) == len(expected)
    for text, value in zip(shown, expected):
        decimals = len(text.split(".")[1]) if "." in text else 0
        number = float(text.replace(MINUS, "-").replace(",", ""))
        assert abs(number - value / factor) <= 0.5 * 10**-decimals + 1e-9, (title, value)


@pytest.mark.parametrize("case", [(1, 6), (3, 6), (8, 8)])
def test_health_title_quotes_mean_resilience(outputs, case) -> None:
    data, fig = outputs[case]["data"], outputs[case]["figures"]["health"]
    plans = data.summary["plans"]
    title = title_of(fig)
    shown = [float(x) for x in re.findall(r"\d\.\d\d", title)]
    resilience = {p: plans[p]["resilience"]["mean"] for p in plans}
    names = list(plans)
    if len(names) == 1:
        assert shown == [round(resilience[names[0]], 2)]
    else:
        best = max(names, key=lambda p: resilience[p])
        assert title.startswith(plan_word(best)) and " plan lifts average health " in title
        assert shown == [round(resilience[names[0]], 2), round(resilience[best], 2)]


@pytest.mark.parametrize("case", [(1, 6), (3, 6), (8, 8), (3, 30), (1, 30), (2, 1)])
def test_causes_title_names_the_baselines_main_risk_with_its_share(outputs, case) -> None:
    data, fig = outputs[case]["data"], outputs[case]["figures"]["causes"]
    summary = data.summary
    names = list(summary["plans"])
    base = summary["plans"][names[0]]["end_causes"]
    top = max((r for r in base if r != "survived"), key=lambda r: base[r])
    title = title_of(fig)
    assert title.startswith(summary["risks"][top]["name"])
    assert percents(title)[0] == whole_percent(base[top])
    if len(names) > 1 and "cuts that to" in title:
        lowest = min(names[1:], key=lambda p: summary["plans"][p]["end_causes"][top])
        assert plan_word(lowest) in title
        assert percents(title)[1] == whole_percent(summary["plans"][lowest]["end_causes"][top])


def test_causes_groups_many_risks_into_other_risks(outputs) -> None:
    fig = outputs[(3, 30)]["figures"]["causes"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == 1 + charts.MAX_NAMED_RISKS
    other = [lab for lab in labels if lab.startswith("Other risks")]
    assert len(other) == 1
    summary = outputs[(3, 30)]["data"].summary
    active = {r for p in summary["plans"].values() for r, s in p["end_causes"].items() if r != "survived" and s > 0}
    assert int(re.search(r"\((\d+)\)", other[0]).group(1)) == len(active) - charts.MAX_NAMED_RISKS


def test_titles_say_so_when_no_plan_improves() -> None:
    fig = charts.survival({"a": [10.0, 10.0, 3.0], "b": [10.0, 2.0, 3.0]},
                          {"a": [True, True, False], "b": [True, False, False]}, horizon=10)
    assert title_of(fig) == "No plan lifts 10-year survival above the baseline's 67% (A plan)"
    fig = charts.causes({"a": {"r": 0.0, "survived": 1.0}}, risk_names={"r": "Feud"})
    assert title_of(fig) == "No risk ended an alliance: 100% survive"
    plt.close("all")


def test_plans_keep_their_colour_across_charts(outputs) -> None:
    figures = outputs[(3, 6)]["figures"]
    survival_lines = [line.get_color() for line in figures["survival"].axes[0].get_lines() if len(line.get_xdata()) > 1]
    health_lines = [ax.get_lines()[0].get_color() for ax in figures["health"].axes]
    expected = [theme.plan_color(i) for i in range(3)]
    assert [matplotlib.colors.to_hex(c).upper() for c in survival_lines] == expected
    assert [matplotlib.colors.to_hex(c).upper() for c in health_lines] == expected


def test_long_names_never_cut_the_numbers_from_a_title() -> None:
    risk = "A member breaks ranks (sanctions waiver, patrol withdrawn, embargo quietly lifted)"
    fig = charts.causes({"status_quo_with_a_very_long_and_descriptive_plan_name": {"r": 0.4, "survived": 0.6},
                         "enhanced_governance_and_exit_clauses_with_an_even_longer_name": {"r": 0.2, "survived": 0.8}},
                        risk_names={"r": risk})
    title = title_of(fig)
    assert title.startswith("A member breaks ranks ends 40%") and percents(title) == [40, 20]
    assert_readable(fig, "causes")
    plt.close(fig)
