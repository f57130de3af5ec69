"""Hostile YAML: every file that tries to exhaust memory or time, smuggle objects or break the reader is refused
quickly, with one located line, and nothing in it is ever executed."""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest

from allysim import ScenarioError, load_scenario, parse_scenario

HANG_GUARD = 10.0  # seconds: far above what any refusal takes, only there to turn a hang into a failure


def refused(text: str | bytes, source: str = "h.yaml") -> list[str]:
    """Parse ``text``; it must be refused with located one-line problems, within the hang guard."""
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source=source)
    assert time.perf_counter() - start < HANG_GUARD
    located = re.compile(rf"^{re.escape(source)}:\d+:\d+: ")
    for line in info.value.problems:
        assert located.match(line), line
        assert "\n" not in line and len(line) < 1000, line[:200]
    return info.value.problems


@pytest.mark.parametrize("text", [
    "a: &a [*a]\n",  # a list that holds itself
    "a: &a {b: *a}\n",  # a mapping that holds itself
    "a: &a {<<: *a}\n",  # a mapping merged into itself
    "a: &a [{<<: *a}]\n",
], ids=["list", "mapping", "merge", "list-merge"])
def test_an_alias_inside_its_own_anchor_is_refused(text):
    assert any("nested more than" in p for p in refused(text))


def test_a_long_chain_of_merges_is_refused():
    lines = ["a0: &a0 {x: 1}"] + [f"a{i}: &a{i} {{<<: *a{i - 1}, k{i}: 1}}" for i in range(1, 2000)]
    assert any("nested more than" in p for p in refused("\n".join(lines) + "\n"))


@pytest.mark.parametrize("width, depth", [(2, 40), (10, 12)])
def test_a_merge_bomb_of_empty_mappings_is_refused(width, depth):
    # merging empty mappings builds no values, so only counting the merges themselves bounds the work
    lines = ["a0: &a0 {}"] + [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * width)}]}}"
                              for i in range(1, depth)]
    assert any("aliases expand too far" in p for p in refused("\n".join(lines) + "\n"))


MINIMAL = "allysim: 1\nname: Hostile\nhorizon: 5\nrisks:\n  - id: exit\n    rate: 0.1\n    impact: {fatal: 1}\n"


@pytest.mark.parametrize("literal", ["9" * 5000, "-" + "9" * 100_000, "0x" + "f" * 20_000, "0o" + "7" * 20_000])
def test_an_integer_too_long_to_read_is_refused(literal):
    problems = refused(MINIMAL.replace("horizon: 5", f"horizon: {literal}"))
    assert problems[0].startswith("h.yaml:3:10: horizon: ")
    assert "far too large" in problems[0] or "must be a finite number, got a whole number of about" in problems[0]


@pytest.mark.parametrize("text", [
    "a: [" + "1," * 950_000 + "1]\n",  # a flow list just under the size limit
    "a:\n" + "- 1\n" * 450_000,  # a block list just under the size limit
    "a: {" + ", ".join(f"k{i}: 1" for i in range(170_000)) + "}\n",  # a mapping with a huge number of keys
    "# " + "x" * 1_990_000 + "\n" + MINIMAL.replace("rate: 0.1", "rate: -1"),  # one long comment
    "name: '" + "x" * 1_990_000 + "'\n",  # one long string
], ids=["flow-list", "block-list", "many-keys", "comment", "string"])
def test_a_file_just_under_the_size_limit_is_read_quickly(text):
    assert len(text) < 2_000_000
    refused(text)


def test_a_huge_file_is_refused_without_being_read_whole(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(MINIMAL.encode())
        for _ in range(50):
            fh.write(b"# " + b"x" * 1_000_000 + b"\n")  # 50 MB of comments after a valid scenario
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(ScenarioError) as info:
            load_scenario(big)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.problems == [f"{big}:1:1: file is {big.stat().st_size:,} bytes; scenarios are limited to "
                                   "2,000,000 bytes"]
    assert elapsed < HANG_GUARD
    assert peak < 12_000_000  # a few copies of the 2 MB that may be read, never the 50 MB


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"^/dev/zero:1:1: file is more than 2,000,000 bytes; scenarios are "):
        load_scenario("/dev/zero")
    assert time.perf_counter() - start < HANG_GUARD


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(tmp_path))}:1:1: cannot read the file: "):
        load_scenario(tmp_path)


@pytest.mark.parametrize("text", ["allysim: 1\nname: \ud800 lone surrogate\n", "\udcff"])
def test_text_that_is_not_unicode_is_refused(text):
    assert any("not valid Unicode" in p for p in refused(text))


LONG = "k" * 600_000


@pytest.mark.parametrize("text", [
    f"? {LONG}\n: 1\n" + MINIMAL,  # an unknown top-level key
    f"? {LONG}\n: 1\n? {LONG}\n: 2\n",  # the same key twice
    MINIMAL + f"plans:\n  ? {LONG}\n  : [nobody]\n",  # an unknown contingency in a plan named by a long key
    MINIMAL + f"contingencies:\n  - id: c\n    trigger: {{on: {LONG}}}\n    effect: {{restore_health: 0.1}}\n",
    MINIMAL.replace("impact: {fatal: 1}", f"impact: {{escalates: [{{risk: {LONG}, factor: 2}}]}}"),
    MINIMAL.replace("id: exit", f"id: {LONG}"),
], ids=["unknown-key", "duplicate-key", "plan-name", "trigger", "escalates", "id"])
def test_a_megabyte_name_is_not_echoed_whole(text):
    refused(text)  # every line stays short


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\ufffe"])
def test_a_control_character_is_refused_where_it_stands(char):
    text = MINIMAL.replace("name: Hostile", f"name: é{char}x")
    assert refused(text)[0].startswith("h.yaml:2:8: not valid YAML: unacceptable character")
    assert refused(text.encode("utf-8"))[0].startswith("h.yaml:2:8: not valid YAML: unacceptable character")


def test_a_merged_key_does_not_steal_the_location_of_the_key_that_overrides_it():
    text = MINIMAL.replace("risks:\n  - id: exit\n    rate: 0.1\n", "defaults: &d {rate: 0.1, id: zz}\nrisks:\n"
                           "  - <<: *d\n    id: exit\n    rate: -1\n")
    assert "h.yaml:8:11: risks[0].rate: must be >= 0, got -1" in refused(text)


def many(n: int, dangling: bool = False) -> str:
    """A scenario with ``n`` risks, ``n`` contingencies and a plan holding them all."""
    risks = "".join(f"  - {{id: r{i}, rate: 0.001, impact: {{health: {{uniform: {{low: 0, high: 0.1}}}}, "
                    f"escalates: [{{risk: r{(i + 1) % n}, factor: 1.1, duration: 1}}]}}}}\n" for i in range(n))
    conts = "".join(f"  - {{id: c{i}, trigger: {{on: r{i}}}, effect: {{rate_factor: {{risk: r{i}, factor: 0.5}}}}}}\n"
                    for i in range(n))
    plan = ", ".join(f"c{i}" for i in range(n)) + (", nobody" if dangling else "")
    return f"allysim: 1\nname: Crowd\nhorizon: 1\nrisks:\n{risks}contingencies:\n{conts}plans:\n  all: [{plan}]\n"


def test_thousands_of_risks_and_contingencies_are_checked_quickly():
    start = time.perf_counter()
    scenario = parse_scenario(many(2000), source="h.yaml")
    assert time.perf_counter() - start < HANG_GUARD
    assert len(scenario.risks) == len(scenario.contingencies) == len(scenario.plan_sets["all"]) == 2000
    problems = refused(many(2000, dangling=True))  # and a refusal stays one short line
    assert len(problems) == 1 and "unknown contingency 'nobody'" in problems[0]
