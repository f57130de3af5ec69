"""Charts: numbers in words, survival curves, and the finding in each title agreeing with summary.json."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.rcParams["figure.max_open_warning"] = 0  # the module fixture keeps 24 charts open on purpose

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # chart_helpers sits beside this file

from allysim import wording  # noqa: E402
from allysim.folder import load_output, with_verdicts  # noqa: E402
from allysim.plotting import layout, run_charts, study_charts, theme, value_charts  # noqa: E402
from allysim.plotting.render import draw_charts, draw_study_chart  # noqa: E402
from allysim.stats import survival_curve  # noqa: E402
from allysim.wording import Evidence  # noqa: E402

from chart_helpers import assert_readable, causes_slide, make_output, survival_slide  # noqa: E402

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
    assert wording.format_share(share) == text


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (31_240_000, "USD", "USD 31.2M"),
    (-3_100_000, "USD", f"USD {MINUS}3.10M"),
    (999_999, "EUR", "EUR 1.00M"),
    (25.8, "USD M", "USD 25.8M"),
    (461_234, "gold", "461k gold"),
    (-2500, "$", f"{MINUS}$2.50k"),
    (-0.001, "EUR", f"EUR {MINUS}0.0010"),  # two significant figures below 1, however small
    (12.5, "", "12.5"),
])
def test_format_money(amount: float, currency: str, text: str) -> None:
    assert wording.format_money(amount, currency) == text


def test_amounts_shown_together_share_one_unit() -> None:
    scale = wording.MoneyScale.of([940_000, 31_240_000], "USD")
    assert [wording.format_money(a, "USD", scale) for a in (940_000, 31_240_000)] == ["USD 0.9M", "USD 31.2M"]


@pytest.mark.parametrize(("length", "unit", "text"), [(10, "year", "10-year"), (20, "quarter", "5-year"),
                                                      (48, "month", "4-year"), (26.089285714285715, "week", "6-month"),
                                                      (2.5, "year", "30-month"), (1.3, "month", "1.3-month")])
def test_format_span_names_the_life_in_the_roundest_unit(length: float, unit: str, text: str) -> None:
    assert wording.format_span(length, unit) == text


def test_spread_keeps_order_gap_and_bounds() -> None:
    targets = [0.30, 0.31, 0.305, 0.9, 0.02]
    placed = layout.spread(targets, 0.05, 0.0, 1.0)
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
    assert len(labels) == 1 + run_charts.MAX_NAMED_RISKS
    other = [lab for lab in labels if lab.startswith("Other risks")]
    assert len(other) == 1
    summary = outputs[(3, 30)]["data"].summary
    active = {r for p in summary["plans"].values() for r, s in p["end_causes"].items() if r != "survived" and s > 0}
    assert int(re.search(r"\((\d+)\)", other[0]).group(1)) == len(active) - run_charts.MAX_NAMED_RISKS


def test_titles_say_so_when_no_plan_improves() -> None:
    fig = survival_slide({"a": [10.0, 10.0, 3.0], "b": [10.0, 2.0, 3.0]},
                         {"a": [True, True, False], "b": [True, False, False]}, horizon=10)
    assert title_of(fig) == "No plan lifts 10-year survival above the baseline's 67% (A plan)"
    fig = causes_slide({"a": {"r": 0.0, "survived": 1.0}}, risk_names={"r": "Feud"})
    assert title_of(fig) == "No risk ended an alliance: 100% survive"
    plt.close("all")


def test_plans_keep_their_colour_across_charts(outputs) -> None:
    figures = outputs[(3, 6)]["figures"]
    survival_lines = [line.get_color() for line in figures["survival"].axes[0].get_lines() if len(line.get_xdata()) > 1]
    health_lines = [ax.get_lines()[0].get_color() for ax in figures["health"].axes if ax.get_title(loc="left")]
    expected = [theme.plan_color(i) for i in range(3)]
    assert [matplotlib.colors.to_hex(c).upper() for c in survival_lines] == expected
    assert [matplotlib.colors.to_hex(c).upper() for c in health_lines] == expected


def test_long_names_never_cut_the_numbers_from_a_title() -> None:
    risk = "A member breaks ranks (sanctions waiver, patrol withdrawn, embargo quietly lifted)"
    fig = causes_slide({"status_quo_with_a_very_long_and_descriptive_plan_name": {"r": 0.4, "survived": 0.6},
                        "enhanced_governance_and_exit_clauses_with_an_even_longer_name": {"r": 0.2, "survived": 0.8}},
                       risk_names={"r": risk})
    title = title_of(fig)
    assert title.startswith("A member breaks ranks ends 40%") and percents(title) == [40, 20]
    assert_readable(fig, "causes")
    plt.close(fig)


# --- the study charts: compare, contingency value, risk drivers -------------------------------------------------

STUDY_CASES = ("compare_perf", "value_perf", "drivers_perf", "compare_8_plans", "value_12_sampled",
               "drivers_30_risks", "compare_one_plan", "value_one", "value_6_synthetic", "drivers_one",
               "drivers_30_synthetic")
CHART = {"compare": "compare", "value": "contingency_value", "drivers": "risk_drivers"}


@pytest.fixture(scope="module")
def studies(perf_yaml):
    """Real study JSONs from the Python API (perf.yaml, and a scenario with 30 risks, 12 contingencies and
    8 plans whose contingencies are valued by sampling), and synthetic ones; each drawn once."""
    import allysim

    from chart_helpers import big_scenario_yaml, make_comparison, make_drivers, make_values


    perf = allysim.load_scenario(perf_yaml)
    big = allysim.parse_scenario(big_scenario_yaml(30, 12, 8), source="big.yaml")
    data = {
        "compare_perf": allysim.compare(perf, runs=60, seed=2).to_dict(),
        "value_perf": allysim.contingency_values(perf, runs=60, seed=2).to_dict(),
        "drivers_perf": allysim.risk_drivers(perf, runs=60, seed=2).to_dict(),
        "compare_8_plans": allysim.compare(big, runs=30, seed=3).to_dict(),
        "value_12_sampled": allysim.contingency_values(big, runs=16, seed=3, permutations=6).to_dict(),
        "drivers_30_risks": allysim.risk_drivers(big, runs=30, seed=3).to_dict(),
        "compare_one_plan": make_comparison(2),
        "value_one": make_values(1),
        "value_6_synthetic": make_values(6, sampled=True),
        "drivers_one": make_drivers(1),
        "drivers_30_synthetic": make_drivers(30),
    }
    assert data["value_12_sampled"]["method"] == "permutation" and len(data["value_12_sampled"]["contingencies"]) == 12
    assert len(data["drivers_30_risks"]["risks"]) == 30 and len(data["compare_8_plans"]["plans"]) == 7
    drawn = {case: (study, draw_study_chart(CHART[case.split("_")[0]], study)) for case, study in data.items()}
    yield drawn
    for _, fig in drawn.values():
        plt.close(fig)


def money_words(amount: float, currency: str) -> str:
    """Return an amount as a title quotes it on its own (three significant figures)."""
    return wording.format_money(amount, currency, wording.MoneyScale.of([amount], currency))


def points(difference: float) -> str:
    """Return a survival difference in whole percentage points, halves up, as docs/charts.md states."""
    whole = int(np.floor(100 * abs(difference) + 0.5))
    return f"{whole} point{'' if whole == 1 else 's'}"


@pytest.mark.parametrize("case", STUDY_CASES)
def test_every_study_chart_is_a_16_9_slide_with_title_subtitle_and_provenance(studies, case) -> None:
    study, fig = studies[case]
    width, height = fig.get_size_inches()
    assert width / height == pytest.approx(16 / 9, rel=0.01) and width * theme.DPI >= 1600
    gids = {t.get_gid(): t.get_text() for t in fig.texts if t.get_gid()}
    assert gids["title"] and gids["subtitle"] and "…" not in gids["subtitle"]
    footer = gids["provenance"]
    assert study["scenario_sha256"][:12] in footer and f"seed {study['seed']}" in footer
    assert f"{study['runs']:,} runs" in footer and f"allysim {study['allysim_version']}" in footer


@pytest.mark.parametrize("case", STUDY_CASES)
def test_no_two_labels_of_a_study_chart_overlap(studies, case) -> None:
    assert_readable(studies[case][1], case)


@pytest.mark.parametrize("case", [c for c in STUDY_CASES if c.startswith("compare")])
def test_compare_title_quotes_the_best_plan_from_the_json(studies, case) -> None:
    study, fig = studies[case]
    title = title_of(fig)
    plans = study["plans"]
    best = max(plans, key=lambda p: plans[p]["npv"]["mean"])
    npv, lives = (Evidence.of(plans[best][k], study["runs"]) for k in ("npv", "survival"))
    if not npv.gain:  # the claims rule: no winner unless the 95% interval excludes the tie
        assert theme.plan_label(best)[:20] not in title.split(";")[0] or "within the noise" in title, title
        assert title.startswith(("No plan clearly adds NPV", "Every plan costs NPV")) or "within the noise" in title
        return
    assert title.startswith(theme.plan_label(best)[:20]), title
    assert money_words(plans[best]["npv"]["mean"], study["currency"]) in title
    if lives.clear:
        assert f"{points(plans[best]['survival']['mean'])} of survival" in title
    else:
        assert f"{points(plans[best]['survival']['mean'])} of survival" not in title.split(";")[0], title
    assert title.split(";")[0].endswith(f"the {theme.plan_label(study['baseline'])} plan"), title


def test_titles_claim_a_winner_only_when_the_interval_excludes_the_tie() -> None:
    from chart_helpers import make_comparison, make_drivers

    study = make_comparison(2)
    (plan,) = study["plans"]
    study["plans"][plan]["npv"] = {"mean": 0.3e6, "ci95": [-0.1e6, 0.7e6]}
    study["plans"][plan]["survival"] = {"mean": 0.02, "ci95": [-0.01, 0.05]}
    title = study_charts.compare_title(study)
    assert "within the noise" in title and "runs would settle it" in title and " adds " not in title, title
    study["plans"][plan]["npv"] = {"mean": 0.3e6, "ci95": [0.1e6, 0.5e6]}
    assert " adds " in study_charts.compare_title(study)
    drivers = make_drivers(4)
    for risk in drivers["risks"].values():
        risk["npv"] = {"mean": 0.2e6, "ci95": [-0.3e6, 0.7e6]}
        risk["survival"] = {"mean": 0.01, "ci95": [-0.02, 0.04]}
    title = study_charts.risk_drivers_title(drivers)
    assert "costs the most" not in title and "within the noise" in title, title


@pytest.mark.parametrize("case", [c for c in STUDY_CASES if c.startswith("value")])
def test_contingency_value_title_quotes_the_return_of_the_best_contingency(studies, case) -> None:
    study, fig = studies[case]
    title = title_of(fig)
    entries = study["contingencies"]
    top = max(entries, key=lambda c: entries[c]["shapley_npv"])
    e = entries[top]
    ratio = (e["shapley_npv"] + e["cost"]) / e["cost"]
    assert title.split(" returns ")[1].startswith(wording.format_ratio(ratio) + " its cost"), title
    name = e["name"] if e["name"] != top else theme.plan_label(top)
    assert name.startswith(title.split(" returns ")[0].split("; ")[-1].rstrip("…")), title
    # pays for itself, or not, as value.json's verdict of its net value says (docs/deciding.md): its 95% interval
    # (with any sampling error) clear of zero and its mean beyond the materiality
    from allysim.verdicts import verdict

    material = (study.get("materiality") or {}).get("value") or 0.0  # files without verdicts: judged as charts do
    net = {c: value_charts._widened(v["shapley_npv"], v.get("shapley_npv_ci95"), v.get("shapley_npv_sampling_se"))
           for c, v in entries.items()}
    verdicts = {c: v.get("shapley_verdict") or verdict(net[c].mean, net[c].low, net[c].high, material)
                for c, v in entries.items()}
    losers = [c for c in entries if verdicts[c] == "worse"]
    tied = [c for c in entries if c != top and verdicts[c] == "tied"]
    even = [c for c in entries if c != top and verdicts[c] == "unclear"]
    n = len(entries)
    if not losers and not even and not tied:
        assert title.startswith(f"All {n} contingencies pay for themselves") or n == 1, title
    elif len(losers) + len(even) + len(tied) == 1:
        assert title.endswith("does not pay for itself" if losers else "about breaks even" if tied
                              else "is within the noise of breaking even"), title
    else:
        if losers:
            assert f"{len(losers)} of {n} do" in title, title
        if tied:
            assert f"{len(tied)}{'' if losers else f' of {n}'} about break" in title, title
        if even:
            assert f"{len(even)}{'' if losers or tied else f' of {n}'} {'is' if len(even) == 1 else 'are'} " \
                   "within the noise" in title, title


def _leaders(risks: dict, key: str) -> list[str]:
    """The risks clearly costing something in ``key`` within the noise of each other at the top: the largest, then
    the next for as long as every 95% interval of the group shares a point with every other, at most the 15 rows
    the chart shows (so "within the noise of each other" never sits over intervals that do not overlap)."""
    clear = sorted((r for r in risks if Evidence.of(risks[r][key]).gain), key=lambda r: -risks[r][key]["mean"])
    group: list[str] = []
    for r in clear[:15]:
        ends = [risks[x][key]["ci95"] for x in (*group, r)]
        if group and max(lo for lo, _ in ends) > min(hi for _, hi in ends):
            break
        group.append(r)
    return group


@pytest.mark.parametrize("case", [c for c in STUDY_CASES if c.startswith("drivers")])
def test_risk_drivers_title_quotes_the_costliest_risk(studies, case) -> None:
    study, fig = studies[case]
    title = title_of(fig)
    risks = study["risks"]
    top = max(risks, key=lambda r: risks[r]["npv"]["mean"])
    name = risks[top]["name"] if risks[top]["name"] != top else theme.plan_label(top)
    if not Evidence.of(risks[top]["npv"], study["runs"]).gain:  # the claims rule: no "top" risk in the noise
        assert "costs the most:" not in title and "clearly" in title, title
        return
    money = _leaders(risks, "npv")
    if len(money) == 1:  # one risk clearly costs the most: named with its cost
        assert title.startswith(name) and money_words(risks[top]["npv"]["mean"], study["currency"]) in title, title
    else:  # several within the noise of the largest: none is ranked first
        assert "within the noise of each other" in title.split(";")[0] and "costs the most:" not in title, title
    lives = [r for r in _leaders(risks, "survival") if points(risks[r]["survival"]["mean"]) != "0 points"]
    if len(lives) == 1:
        assert f"{points(risks[lives[0]]['survival']['mean'])}" in title, title
    elif lives:
        assert "survival, within the noise of each other" in title or "cost the most survival are within the noise" \
            in title, title


def test_drivers_title_never_names_a_top_risk_whose_interval_crosses_zero() -> None:
    from chart_helpers import make_drivers

    drivers = make_drivers(4)
    for risk in drivers["risks"].values():
        risk["npv"] = {"mean": 0.2e6, "ci95": [-0.3e6, 0.7e6]}
        risk["survival"] = {"mean": 0.0, "ci95": [0.0, 0.0]}
    big = next(iter(drivers["risks"].values()))
    big["npv"] = {"mean": 2e6, "ci95": [-0.1e6, 4.1e6]}  # by far the largest, yet its interval holds zero
    title = study_charts.risk_drivers_title(drivers)
    assert "costs the most" not in title and "No single risk clearly lowers NPV" in title, title
    big["npv"]["ci95"] = [1.2e6, 2.8e6]  # now clear of zero, and of every other risk's mean
    assert study_charts.risk_drivers_title(drivers).startswith(f"{big['name']} costs the most: USD 2.00M of NPV")
    second = list(drivers["risks"].values())[1]
    second["npv"] = {"mean": 1.5e6, "ci95": [1.0e6, 2.0e6]}  # inside the largest one's interval: a tie
    title = study_charts.risk_drivers_title(drivers)
    assert "costs the most" not in title and "within the noise of each other" in title, title
    assert big["name"] in title and second["name"] in title


def test_compare_bars_keep_each_plans_colour(studies) -> None:
    study, fig = studies["compare_8_plans"]
    plans = list(study["plans"])
    bars = fig.axes[0].patches[: len(plans)]  # one bar per plan, in the study's order
    assert [matplotlib.colors.to_hex(b.get_facecolor()).upper() for b in bars] == \
        [theme.plan_color(i + 1) for i in range(len(plans))]
    order = [*reversed(plans), study["baseline"]]  # a run whose plans came in another order
    again = draw_study_chart("compare", study, order)
    bars = again.axes[0].patches[: len(plans)]
    assert [matplotlib.colors.to_hex(b.get_facecolor()).upper() for b in bars] == \
        [theme.plan_color(order.index(p)) for p in plans]
    plt.close(again)


def test_many_risks_name_the_largest_in_npv_and_in_survival(studies) -> None:
    study, fig = studies["drivers_30_synthetic"]
    shown = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert len(shown) == study_charts.MAX_DRIVER_ROWS
    risks = study["risks"]
    by_npv = max(risks.values(), key=lambda r: r["npv"]["mean"])["name"]
    by_lives = max(risks.values(), key=lambda r: r["survival"]["mean"])["name"]
    assert by_npv in shown and by_lives in shown
    subtitle = next(t.get_text() for t in fig.texts if t.get_gid() == "subtitle").replace("\n", " ")
    assert f"not shown: {len(risks) - study_charts.MAX_DRIVER_ROWS} smaller risks" in subtitle


def test_sampled_shapley_intervals_include_the_sampling_error(studies) -> None:
    study, fig = studies["value_12_sampled"]
    subtitle = next(t.get_text() for t in fig.texts if t.get_gid() == "subtitle").replace("\n", " ")
    assert "sampled over random orders" in subtitle
    entry = next(iter(study["contingencies"].values()))
    widened = value_charts._widened(entry["shapley_npv"], entry["shapley_npv_ci95"], entry["shapley_npv_sampling_se"])
    lo, hi = entry["shapley_npv_ci95"]
    assert widened.lo < lo and widened.hi > hi and widened.mean == entry["shapley_npv"]


@pytest.mark.parametrize(("value", "text"), [(0.3475, "35 points"), (-0.305, "31 points"), (0.01, "1 point"),
                                             (0.004, "<1 point"), (0.0, "0 points")])
def test_format_points_rounds_halves_up(value: float, text: str) -> None:
    assert wording.format_points(value) == text


@pytest.mark.parametrize(("points_", "label"), [(30.5, "+31"), (9.94, "+10"), (-1.5, MINUS + "2"), (-0.05, "0"),
                                                (0.0, "0")])
def test_survival_labels_round_like_titles(points_: float, label: str) -> None:
    assert wording.signed_points(points_) == label


@pytest.mark.parametrize(("ratio", "text"), [(4.31, "4.3×"), (13.4, "13×"), (0.989, "0.99×"), (1.04, "1.04×"),
                                             (1.0, "1.0×"), (0.47, "0.5×")])
def test_format_ratio(ratio: float, text: str) -> None:
    assert wording.format_ratio(ratio) == text


def test_study_titles_say_so_when_nothing_helps() -> None:
    from chart_helpers import study_head

    def entry(npv: float, survival: float) -> dict:
        return {"npv": {"mean": npv, "ci95": [npv - 1, npv + 1]},
                "survival": {"mean": survival, "ci95": [survival - 0.02, survival + 0.02]}, "p_better": 0.4}

    worse = {**study_head(currency="USD M"), "baseline": "do_nothing",
             "plans": {"a": entry(-1.5, 0.1), "b": entry(-0.5, 0.03)}}
    assert study_charts.compare_title(worse).startswith("No plan clearly adds NPV over the Do nothing plan: 1 clearly "
                                                        "costs NPV, 1 is within the noise (roughly ")
    assert study_charts.compare_title(worse).endswith("runs would settle it); A plan adds the most survival, "
                                                          "10 points")
    mixed = {**worse, "plans": {"a": entry(-1.5, 0.1)}}
    assert study_charts.compare_title(mixed) == ("A plan costs USD 1.50M of NPV but adds 10 points of survival "
                                               "against the Do nothing plan")

    def contingency(net: float, cost: float, survival: float) -> dict:
        return {"name": "", "cost": cost, "npv": {"mean": net}, "survival": {"mean": survival}, "shapley_npv": net,
                "shapley_npv_ci95": [net - 0.05, net + 0.05], "shapley_survival": survival,
                "shapley_survival_ci95": [survival / 2, survival * 1.5]}

    def judged(values: dict) -> dict:  # the verdicts the folder's reader hands the chart
        return with_verdicts(copy.deepcopy(values))

    values = {**study_head(currency="USD M"), "plan": "full",
              "contingencies": {"office": contingency(-1.0, 2.0, 0.02), "audit": contingency(-0.2, 0.5, 0.05)}}
    assert study_charts.contingency_value_title(judged(values)) == ("No contingency pays for itself in NPV; Audit "
                                                                    "adds the most survival, 5 points")
    values["contingencies"]["hotline"] = contingency(0.8, 0.0, 0.0)
    assert study_charts.contingency_value_title(judged(values)) == ("Hotline adds USD 0.80M of NPV at no cost; 2 of 3 "
                                                                    "do not pay for themselves")
    values["contingencies"]["audit"]["shapley_npv_ci95"] = [-0.5, 0.1]  # its interval holds break-even
    assert study_charts.contingency_value_title(judged(values)) == ("Hotline adds USD 0.80M of NPV at no cost; 1 of 3 "
                                                                    "does not pay for itself and 1 is within the noise")
    drivers = {**study_head(), "plan": "do_nothing",
               "risks": {"merger": {"npv": {"mean": -2e5, "ci95": [-3e5, -1e5]},
                                    "survival": {"mean": 0.0, "ci95": [0.0, 0.0]}}}}
    assert study_charts.risk_drivers_title(drivers) == "No single risk lowers NPV or survival"
    plt.close("all")


def test_survival_draws_on_a_given_axes_without_a_frame() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    life = {"a": [10.0, 10.0, 3.0], "b": [10.0, 2.0, 3.0]}
    alive = {"a": [True, True, False], "b": [True, False, False]}
    curves = {p: survival_curve(life[p], alive[p], 10) for p in life}
    assert run_charts.survival(curves, horizon=10, ax=left) is left
    assert not fig.texts and theme.title_of(fig) == ""  # no title, subtitle or footer: the caller frames
    ends = [line.get_ydata()[-1] for line in left.get_lines() if len(line.get_ydata()) > 1]
    assert ends == pytest.approx([2 / 3, 1 / 3])
    plt.close(fig)


# --- the study charts draw on a caller's axes; empty panels go; long names stay distinct -------------------------


@pytest.mark.parametrize("chart", ["compare", "contingency_value", "risk_drivers"])
def test_a_study_chart_draws_on_the_axes_it_is_given_and_makes_no_figure(chart: str) -> None:
    from matplotlib.figure import Figure

    from chart_helpers import make_comparison, make_drivers, make_values

    study = {"compare": make_comparison(4), "contingency_value": make_values(5),
             "risk_drivers": make_drivers(6)}[chart]
    draw = getattr(study_charts, chart)
    fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
    axes = fig.subplots(1, 2)
    before = plt.get_fignums()
    drawn = draw(study, tuple(axes))
    assert plt.get_fignums() == before  # nothing made: the caller's figure holds the chart
    assert drawn == tuple(axes) and all(ax.patches for ax in axes) and not fig.texts  # no frame, no title
    one = Figure().add_subplot()
    assert draw(study, one) is one and one.patches  # one axes: the first panel


def test_a_study_chart_without_axes_makes_its_own_panels() -> None:
    from chart_helpers import make_drivers

    axes = study_charts.risk_drivers(make_drivers(6))
    assert len(axes) == 2 and axes[0].figure is axes[1].figure and not axes[0].figure.texts
    plt.close(axes[0].figure)


def test_a_panel_with_nothing_to_show_is_dropped() -> None:
    from chart_helpers import make_comparison, make_drivers, make_values

    drivers = make_drivers(6)
    for risk in drivers["risks"].values():  # no risk ends an alliance: nothing to draw in survival
        risk["survival"] = {"mean": 0.001, "ci95": [-0.002, 0.004]}
    assert study_charts.risk_drivers_panels(drivers) == ("npv",)
    fig = draw_study_chart("risk_drivers", drivers)
    assert len(fig.axes) == 1 and "no risk changes 10-year survival" in theme.title_of(fig) + " ".join(
        t.get_text().replace("\n", " ") for t in fig.texts)
    plt.close(fig)
    for risk in drivers["risks"].values():  # no money modelled: survival alone
        risk["npv"] = {"mean": 0.0, "ci95": [0.0, 0.0]}
        risk["survival"] = {"mean": 0.05, "ci95": [0.02, 0.08]}
    assert study_charts.risk_drivers_panels(drivers) == ("survival",)
    assert "NPV" not in study_charts.risk_drivers_title(drivers)
    values = make_values(4)
    for c in values["contingencies"].values():
        c["shapley_survival"], c["shapley_survival_ci95"] = 0.0, [0.0, 0.0]
    assert study_charts.contingency_value_panels(values) == ("npv",)
    for c in values["contingencies"].values():
        c.update(cost=0.0, shapley_npv=0.0, shapley_npv_ci95=[0.0, 0.0], shapley_survival=0.03,
                 shapley_survival_ci95=[0.01, 0.05])
    assert study_charts.contingency_value_panels(values) == ("survival",)
    comparison = make_comparison(3)
    for entry in comparison["plans"].values():
        entry["survival"] = {"mean": 0.0, "ci95": [0.0, 0.0]}
    assert study_charts.compare_panels(comparison) == ("npv",)
    fig = draw_study_chart("compare", comparison)
    assert len(fig.axes) == 1
    plt.close(fig)


def test_long_names_keep_the_words_that_tell_them_apart() -> None:
    from allysim.plotting.panels import row_names, short_names

    names = ["Governance and escalation with legal safeguards phase one",
             "Governance and escalation with legal safeguards phase two", "Do nothing"]
    for size, lines, width in ((13.0, 2, 2.6), (10.0, 1, 3.0)):
        labels = row_names(names, width, size, lines)
        assert len(set(labels)) == 3 and labels[2] == "Do nothing"
        assert labels[0].replace("\n", " ").endswith("phase one") and labels[1].replace("\n", " ").endswith("two")
        assert all(max(theme.text_width(line, size) for line in label.split("\n")) <= width for label in labels)
    short = short_names(names, 40)
    assert len(set(short.values())) == 3 and all(len(s) <= 40 for s in short.values())
    assert short[names[0]].endswith("phase one")
    assert short_names(["A short name", "Another"], 40) == {"A short name": "A short name", "Another": "Another"}


def test_the_untitled_slide_has_no_title_band_but_keeps_the_title_for_the_deck() -> None:
    from chart_helpers import make_values

    values = make_values(4)
    titled, bare = draw_study_chart("contingency_value", values), draw_study_chart("contingency_value", values,
                                                                                   titled=False)
    assert theme.title_of(bare) == theme.title_of(titled) == study_charts.contingency_value_title(values)
    assert not any(t.get_visible() for t in bare.texts if t.get_gid() == "title")
    assert bare.get_size_inches()[1] < titled.get_size_inches()[1]
    assert_readable(bare, "untitled")
    plt.close(titled)
    plt.close(bare)


@pytest.mark.parametrize("width_in", [1.5, 2.2, 3.0])
def test_a_name_too_long_for_its_room_is_cut_between_words_never_inside_one(width_in):
    from allysim.plotting import theme

    name = "Relationship reset workshop with a facilitator"
    (line,) = theme.wrap(name, width_in, 12, max_lines=1)
    assert line.endswith("…") and theme.text_width(line, 12) <= width_in
    kept = line[:-1].split()
    assert kept == name.split()[: len(kept)]  # whole words, in order
    assert kept[-1] not in {"with", "a"}  # and no dangling connector before the ellipsis


def test_titles_quote_plan_names_whole_up_to_sixty_characters_and_cut_longer_ones_between_words():
    from allysim.plotting.layout import plan_phrase, title_name

    assert plan_phrase("financial_protection_with_hedging_and_escrow") == "Financial protection with hedging and escrow plan"
    long = "Governance and escalation with legal safeguards, mediation and a standing arbitration panel"
    cut = title_name(long)
    assert cut.endswith("…") and len(cut) <= 61
    assert cut[:-1].split() == long.split()[: len(cut[:-1].split())]
    assert cut[:-1].split()[-1] not in {"and", "a", "with"}


def test_the_compare_title_quotes_money_in_the_unit_of_the_bars() -> None:
    from chart_helpers import study_head

    def entry(npv: float, low: float, high: float) -> dict:
        return {"npv": {"mean": npv, "ci95": [low, high]}, "survival": {"mean": 0.0, "ci95": [-0.01, 0.01]},
                "p_better": 0.4}

    study = {**study_head(currency="EUR"), "baseline": "do_nothing",
             "plans": {"hedging": entry(263_000, 150_000, 380_000), "everything": entry(-4_950_000, -6e6, -3.9e6)}}
    title = study_charts.compare_title(study)
    assert "EUR 0.26M of NPV" in title  # the bars, on a millions axis, read +0.26M and -4.95M; not "EUR 263k"
