"""The run charts: drawn on a caller's axes, titled within the evidence, readable with many long-named plans."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # chart_helpers sits beside this file

from allysim.folder import load_output  # noqa: E402
from allysim.plotting import headlines, run_charts, theme  # noqa: E402
from allysim.plotting.causes_chart import causes  # noqa: E402
from allysim.plotting.render import chart_drawers  # noqa: E402
from allysim.stats import paired, survival_curve  # noqa: E402
from allysim.wording import Evidence  # noqa: E402

from chart_helpers import assert_readable, make_output  # noqa: E402

BANDS = ("p5", "p25", "p50", "p75", "p95")


def _lab_lightness_and_ab(color: str) -> np.ndarray:
    """CIELAB (L*, a*, b*) of an sRGB colour, D65 white."""
    rgb = np.asarray(matplotlib.colors.to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ linear / (m @ np.ones(3))
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _contrast_on_white(color: str) -> float:
    rgb = np.asarray(matplotlib.colors.to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return 1.05 / (float(linear @ [0.2126, 0.7152, 0.0722]) + 0.05)


# --- the palette -----------------------------------------------------------------------------------------------


def test_the_eight_plan_colours_stand_out_on_white_and_apart_in_colour_and_in_grey() -> None:
    colours = theme.PLAN_COLORS
    assert len(set(colours)) == 8
    assert min(_contrast_on_white(c) for c in colours) >= 2.5  # no pale yellow
    lab = {c: _lab_lightness_and_ab(c) for c in colours}
    for a, b in itertools.combinations(colours, 2):
        assert np.linalg.norm(lab[a] - lab[b]) >= 25, (a, b)  # apart in colour (CIE76)
        assert abs(lab[a][0] - lab[b][0]) >= 4.5, (a, b)  # apart in grey print (lightness)


# --- drawing on the caller's axes ------------------------------------------------------------------------------


def _bands(level: float) -> dict[str, np.ndarray]:
    return {k: np.full(11, v) for k, v in zip(BANDS, (level - 0.3, level - 0.1, level, level + 0.05, level + 0.1))}


@pytest.mark.parametrize("chart", ["survival", "npv", "health", "causes"])
def test_each_run_chart_draws_on_the_given_axes_and_returns_it_without_a_new_figure(chart: str) -> None:
    fig, ax = plt.subplots(figsize=(theme.WIDTH_IN, 6))
    before = plt.get_fignums()
    life = {"a": [10.0, 3.0, 10.0], "b": [10.0, 10.0, 4.0]}
    alive = {p: [v >= 10 for v in life[p]] for p in life}
    draw = {
        "survival": lambda: run_charts.survival({p: survival_curve(life[p], alive[p], 10) for p in life}, horizon=10,
                                                ax=ax),
        "npv": lambda: run_charts.npv({"a": [1.0, 2.0, 5.0], "b": [2.0, 3.0, 4.0]}, currency="USD", ax=ax,
                                      stats={"a": {"mean": 2.7, "p10": 1.2, "p50": 2.0, "p90": 4.4},
                                             "b": {"mean": 3.0, "p10": 2.2, "p50": 3.0, "p90": 3.8}}),
        "health": lambda: run_charts.health(np.linspace(0, 10, 11), {"a": _bands(0.6), "b": _bands(0.7)},
                                            dissolve_below=0.2, ax=ax),
        "causes": lambda: causes({"a": {"r": 0.3, "survived": 0.7}, "b": {"r": 0.1, "survived": 0.9}}, ax=ax),
    }[chart]
    assert draw() is ax
    assert plt.get_fignums() == before  # drew into the caller's figure, made none of its own
    assert theme.title_of(fig) == "" and not [t for t in fig.texts if t.get_gid() in ("title", "subtitle")]
    plt.close(fig)


# --- titles within the evidence --------------------------------------------------------------------------------


def test_a_survival_gain_whose_interval_crosses_zero_is_within_the_noise() -> None:
    noisy = headlines.survival({"a": 0.41, "b": 0.45}, {"b": Evidence(0.04, -0.01, 0.09, 1000)}, horizon=10)
    assert "within the noise" in noisy.title and "lifts" not in noisy.title
    assert noisy.title.startswith("B plan survives its 10-year life in 45% of runs against 41%")
    clear = headlines.survival({"a": 0.41, "b": 0.45}, {"b": Evidence(0.04, 0.01, 0.07, 1000)}, horizon=10)
    assert clear.title == "B plan lifts 10-year survival from 41% to 45%"


def test_an_npv_raise_whose_interval_crosses_zero_is_within_the_noise() -> None:
    stats = {p: {"mean": m, "p10": m - 5e6, "p50": m, "p90": m + 5e6} for p, m in (("a", 0.50e6), ("b", 0.84e6))}
    noisy = headlines.npv(stats, {"b": Evidence(0.34e6, -0.8e6, 1.5e6, 2000)}, currency="EUR")
    assert "raises" not in noisy.title and "within the noise" in noisy.title
    clear = headlines.npv(stats, {"b": Evidence(0.34e6, 0.25e6, 0.44e6, 2000)}, currency="EUR")
    assert clear.title == "B plan raises expected NPV from EUR 500k to EUR 840k"


def test_a_clear_gainer_is_named_before_a_larger_but_noisy_one() -> None:
    estimates = {"a": 0.40, "b": 0.50, "c": 0.46}
    evidence = {"b": Evidence(0.10, -0.02, 0.22, 500), "c": Evidence(0.06, 0.02, 0.10, 500)}
    assert headlines.survival(estimates, evidence, horizon=10).title == "C plan lifts 10-year survival from 40% to 46%"


def test_almost_no_survivor_names_the_median_life_instead() -> None:
    title = headlines.survival({"a": 0.0, "b": 0.004}, {"b": Evidence(0.004, 0.001, 0.007, 1000)}, horizon=10,
                               median_lives={"a": 3.2, "b": 4.6}).title
    assert title == ("Almost no alliance completes its 10-year life; the median life is 3.2 years in the baseline "
                     "and 4.6 years under the B plan")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    make_output(out, n_plans=8, n_risks=8, runs=300)
    return out


def test_run_titles_judge_the_paired_differences_of_the_folders_runs(folder: Path) -> None:
    data = load_output(folder)
    base = data.plans[0]
    for plan in data.plans[1:]:
        judged = data.versus_baseline(plan, "npv")
        expected = paired(data.runs[plan].npv, data.runs[base].npv)
        assert judged.mean == pytest.approx(expected["mean"]) and judged.low == pytest.approx(expected["ci95"][0])
    figures = {name: draw() for name, draw in chart_drawers(data).items()}
    try:
        npv_title = theme.title_of(figures["npv"])
        means = {p: data.summary["plans"][p]["npv"]["mean"] for p in data.plans}
        gains = [p for p in data.plans[1:] if data.versus_baseline(p, "npv").gain]
        if " raises expected NPV" in npv_title:
            assert gains and theme.plan_label(max(gains, key=means.get))[:15] in npv_title
        else:
            assert not gains or max(gains, key=means.get) == base
    finally:
        for fig in figures.values():
            plt.close(fig)


def test_a_compare_study_of_the_same_scenario_is_the_evidence_when_present(folder: Path, tmp_path: Path) -> None:
    data = load_output(folder)
    plan = data.plans[1]
    compare = {"scenario_sha256": data.summary["scenario_sha256"], "baseline": data.plans[0], "runs": 5000,
               "plans": {plan: {"npv": {"mean": 1.0, "ci95": [0.5, 1.5]},
                                "survival": {"mean": 0.01, "ci95": [-0.01, 0.03]}}}}
    with_study = type(data)(data.summary, data.runs, data.health, data.folder, {"compare": compare})
    assert with_study.versus_baseline(plan, "npv") == Evidence(1.0, 0.5, 1.5, 5000)
    foreign = type(data)(data.summary, data.runs, data.health, data.folder,
                         {"compare": {**compare, "scenario_sha256": "0" * 64}})
    assert foreign.versus_baseline(plan, "npv") == data.versus_baseline(plan, "npv")


# --- what each chart shows -------------------------------------------------------------------------------------


def test_the_npv_axis_holds_p1_to_p99_not_the_end_of_a_heavy_tail() -> None:
    rng = np.random.default_rng(3)
    values = {"a": rng.normal(10.0, 2.0, 2000), "b": np.concatenate([rng.normal(11.0, 2.0, 1990),
                                                                     -rng.pareto(0.8, 10) * 1e3 - 100.0])}
    marks = {p: {"mean": float(np.mean(v)), **{f"p{q}": float(np.percentile(v, q)) for q in (10, 50, 90)}}
             for p, v in values.items()}
    ax = run_charts.npv(values, currency="USD", stats=marks)
    lo, hi = ax.figure.axes[1].get_xlim()
    assert lo > float(np.min(values["b"])) and lo <= min(np.percentile(v, 1) for v in values.values())
    assert hi >= max(np.percentile(v, 99) for v in values.values())
    below = int(np.count_nonzero(values["b"] < lo))
    notes = [t.get_text() for a in ax.figure.axes for t in a.texts]
    assert f"\u25c0 {below:,} runs" in notes  # the tail is counted at the axis' end
    assert any(line.get_marker() == "D" for line in ax.figure.axes[1].get_lines())  # the mean is drawn
    plt.close(ax.figure)


def test_survival_zooms_in_when_every_plan_keeps_more_than_80_percent() -> None:
    rng = np.random.default_rng(4)
    life = {p: np.where(rng.random(4000) < share, 10.0, rng.uniform(0, 10, 4000))
            for p, share in (("a", 0.86), ("b", 0.93))}
    alive = {p: life[p] >= 10 for p in life}
    ax = run_charts.survival({p: survival_curve(life[p], alive[p], 10) for p in life}, horizon=10)
    assert 0.75 <= ax.get_ylim()[0] < 0.86
    assert any("axis starts at" in t.get_text() for t in ax.texts)
    plt.close(ax.figure)
    low = {"a": np.where(rng.random(500) < 0.5, 10.0, rng.uniform(0, 10, 500))}
    ax = run_charts.survival({"a": survival_curve(low["a"], low["a"] >= 10, 10)}, horizon=10)
    assert ax.get_ylim()[0] == 0.0
    plt.close(ax.figure)


def test_the_causes_panels_share_one_scale() -> None:
    ax = causes({"a": {"r": 0.3, "q": 0.1, "survived": 0.6}, "b": {"r": 0.05, "q": 0.05, "survived": 0.9}})
    kept, lost = ax.figure.axes[1], ax.figure.axes[2]
    width_in = ax.figure.get_size_inches()[0]

    def per_inch(panel) -> float:
        lo, hi = panel.get_xlim()
        return (hi - lo) / (panel.get_position().width * width_in)

    assert per_inch(kept) == pytest.approx(per_inch(lost), rel=1e-6)
    plt.close(ax.figure)


def test_long_plan_names_keep_the_words_that_tell_them_apart() -> None:
    names = ["Governance and escalation with legal safeguards phase one",
             "Governance and escalation with legal safeguards phase two",
             "Operational resilience with cyber and supply protection",
             "Operational resilience with cyber and supply and people", "Do nothing"]
    for width, lines in ((2.0, 1), (2.6, 1), (2.1, 2)):
        labels = theme.distinct_labels(names, width, 12, "bold", lines)
        assert len(set(labels)) == len(labels), labels
        assert labels[0].replace("\n", " ").endswith("one") and labels[1].replace("\n", " ").endswith("two")
        assert labels[-1] == "Do nothing"
        assert all(theme.text_width(line, 12, "bold") <= width + 1e-9 for label in labels for line in label.split("\n"))


def test_health_names_its_bands_per_time_and_draws_the_dissolved_share(folder: Path) -> None:
    fig = chart_drawers(load_output(folder))["health"]()
    key = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Median run" not in key and "Median at each time" in key
    strips = [t.get_text() for ax in fig.axes for t in ax.texts if "dissolved by the end" in t.get_text()]
    assert len(strips) == 8
    assert_readable(fig, "health")
    plt.close(fig)


def test_untitled_charts_fill_the_figure_and_keep_their_title_for_the_deck(folder: Path) -> None:
    data = load_output(folder)
    for name, draw in chart_drawers(data, titled=False, size=(10.0, 5.0)).items():
        fig = draw()
        title = next(t for t in fig.texts if t.get_gid() == "title")
        assert not title.get_visible() and theme.title_of(fig), name
        assert tuple(fig.get_size_inches()) == (10.0, 5.0)
        subtitle = next(t for t in fig.texts if t.get_gid() == "subtitle")
        assert subtitle.get_position()[1] > 0.9, name  # no empty band where the title was
        plt.close(fig)


def test_an_npv_mark_the_summary_holds_as_null_is_left_out_not_computed() -> None:
    """The chart quotes summary.json's marks; one it holds as null (JSON for NaN) is shown as absent (a dash, no
    line), never computed from the runs by the chart."""
    values = {"a": [1.0, 2.0, 5.0, 7.0]}
    ax = run_charts.npv(values, currency="USD", stats={"a": {"mean": 3.75, "p10": 1.3, "p50": 3.5, "p90": None}})
    texts = [t.get_text() for a in ax.figure.axes for t in a.texts]
    assert any("P90 \u2014" in t and "P10 1.3" in t for t in texts), texts
    row = next(a for a in ax.figure.axes if a.texts and any("P10" in t.get_text() for t in a.texts))
    marked = {round(float(line.get_xdata()[0]), 6) for line in row.lines if len(line.get_xdata()) == 2}
    assert 1.3 in marked and 3.5 in marked and not any(x > 5 for x in marked)
