"""Properties over random scenarios (hypothesis).

Valid scenarios, built to use every feature of the format, keep the engine's invariants; mutations of them (a
dropped key, a wrong type, an out-of-range or non-finite number, a dangling reference, broken YAML, flipped bytes)
always end in a located :class:`allysim.ScenarioError`, never in any other exception.
"""

from __future__ import annotations

import re

import pytest

from allysim import ScenarioError, parse_scenario

SOURCE = "p.yaml"
LOCATED = re.compile(rf"^{re.escape(SOURCE)}:\d+:\d+: ")


def problems_of(text: str | bytes) -> list[str]:
    """The problems ``text`` is refused with; each must be one located line."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source=SOURCE)
    for line in info.value.problems:
        assert LOCATED.match(line) and "\n" not in line, line
    return info.value.problems


@pytest.mark.parametrize("risks, expected", [
    ("[{id: a, rate: -1}]", ["p.yaml:4:23: risks[0].rate: must be >= 0, got -1"]),
    ("[{id: a, rate: 1, impact: {health: {choice: {values: [true]}}}}]",
     ["p.yaml:4:62: risks[0].impact.health.choice.values[0]: expected a number, got true"]),
    ("[]", ["p.yaml:4:8: risks: needs at least 1 entry"]),
])
def test_a_list_whose_only_entry_is_bad_is_not_called_empty(risks, expected):
    assert problems_of(f"allysim: 1\nname: x\nhorizon: 1\nrisks: {risks}\n") == expected


CLIPPED = "allysim: 1\nname: x\nhorizon: 1\nrisks:\n  - {id: a, rate: 1, impact: {health: {uniform: {low: 0, high: 1}, clip: CLIP}}}\n"


@pytest.mark.parametrize("clip, expected", [
    ("[.nan, 0.5]", "p.yaml:5:75: risks[0].impact.health.clip[0]: must be a finite number, got nan"),
    ("[0, fast]", "p.yaml:5:78: risks[0].impact.health.clip[1]: expected a number, got 'fast'"),
    ("[0.5]", "p.yaml:5:74: risks[0].impact.health.clip: has too few entries (1)"),
    ("[]", "p.yaml:5:74: risks[0].impact.health.clip: has too few entries (0)"),
])
def test_a_clip_problem_is_located_at_the_clip(clip, expected):
    # the file writes clip beside the family; the problem must not be placed among the family's parameters
    assert problems_of(CLIPPED.replace("CLIP", clip)) == [expected]


@pytest.mark.parametrize("value", ["true", "false"])
def test_the_format_version_is_a_number_not_a_boolean(value):
    assert problems_of(f"allysim: {value}\nname: x\nhorizon: 1\nrisks: [{{id: a, rate: 1}}]\n") == [
        f"p.yaml:1:10: allysim: expected a whole number, got {value}"]


# --------------------------------------------------------------------------- distributions that overflow


@pytest.mark.parametrize("field, dist", [
    ("cost", "{lognormal: {median: 1, p90: 1e150}}"),  # exp() overflows: OverflowError in the engine
    ("cost", "{lognormal: {mean: 1, sd: 1e200}}"),  # (sd / mean) ** 2 overflows
    ("cost", "{uniform: {low: -1e308, high: 1e308}}"),  # high - low is inf
    ("cost", "{exponential: {mean: 1e308}}"),
    ("cost", "{normal: {mean: 0, sd: 1e308}}"),
    ("health", "{lognormal: {median: 0.1, p90: 1e200}}"),  # the overflow comes before the clip to [0, 1]
])
def test_a_distribution_whose_draws_overflow_is_refused(field, dist):
    text = f"allysim: 1\nname: x\nhorizon: 1\nrisks: [{{id: a, rate: 5, impact: {{{field}: {dist}}}}}]\n"
    problems = problems_of(text)
    assert len(problems) == 1 and f"risks[0].impact.{field}: " in problems[0] and "overflow" in problems[0]


@pytest.mark.parametrize("rate_factor, expected", [
    ("{risk: nobody, factor: 0.5}", "p.yaml:9:27: contingencies[0].effect.rate_factor.risk: "),
    ("[{risk: nobody, factor: 0.5}]", "p.yaml:9:28: contingencies[0].effect.rate_factor[0].risk: "),
    ("[{risk: a, factor: 1}, {risk: nobody, factor: 0.5}]",
     "p.yaml:9:50: contingencies[0].effect.rate_factor[1].risk: "),
])
def test_a_dangling_rate_factor_is_located_whether_written_as_a_mapping_or_a_list(rate_factor, expected):
    problems = problems_of("allysim: 1\nname: x\nhorizon: 1\nrisks: [{id: a, rate: 1}]\ncontingencies:\n"
                           f"  - id: c\n    trigger: {{on: a}}\n    effect:\n      rate_factor: {rate_factor}\n")
    assert problems == [expected + "unknown risk 'nobody'; known risks: a"]
