"""Hostile YAML: every file that tries to exhaust memory or time, smuggle objects or break the reader is refused
quickly, with one located line, and nothing in it is ever executed."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from allysim import ScenarioError, load_scenario, parse_scenario
from allysim.cli import cli

MINIMAL = "allysim: 1\nname: Hostile\nhorizon: 5\nrisks:\n  - id: exit\n    rate: 0.1\n    impact: {fatal: 1}\n"


def refused(text: str | bytes, source: str = "h.yaml") -> list[str]:
    """Parse ``text``; it must be refused with located one-line problems (how fast: benchmarks/hostile.py)."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source=source)
    located = re.compile(rf"^{re.escape(source)}:\d+:\d+: ")
    for line in info.value.problems:
        assert located.match(line), line
        assert "\n" not in line and len(line) < 1000, line[:200]
    return info.value.problems


# --------------------------------------------------------------------------- the catalogue


def laughs(depth: int, width: int, mapping: bool = False) -> str:
    """A "billion laughs" alias bomb: each level repeats the one below ``width`` times."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, depth + 1):
        refs = ([f"k{j}: *l{i - 1}" for j in range(width)] if mapping else [f"*l{i - 1}"] * width)
        lines.append(f"l{i}: &l{i} {'{' if mapping else '['}{', '.join(refs)}{'}' if mapping else ']'}")
    return "\n".join(lines) + "\n"


def deep_block_mapping(levels: int) -> str:
    return "".join(" " * i + f"k{i}:\n" for i in range(levels)) + " " * levels + "x\n"


# id: (file content, a phrase its one-line refusal holds)
HOSTILE: dict[str, tuple[str | bytes, str]] = {
    # alias bombs at several depths, and a bomb hidden in an otherwise valid scenario
    "laughs-3x100": (laughs(3, 100), "aliases expand too far"),
    "laughs-5x20": (laughs(5, 20), "aliases expand too far"),
    "laughs-9x10": (laughs(9, 10), "aliases expand too far"),
    "laughs-30x2": (laughs(30, 2), "aliases expand too far"),
    "laughs-mappings": (laughs(9, 10, mapping=True), "aliases expand too far"),
    "laughs-in-a-scenario": (laughs(9, 10) + MINIMAL.replace("risks:\n", "risks: *l9\nrisk_list:\n"),
                             "aliases expand too far"),
    "alias-in-its-anchor": ("a: &a [*a]\n", "nested more than"),
    # deep nesting, flow and block
    "flow-lists-deep": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest"),  # libyaml stops at 1000 levels
    "flow-mappings-deep": ("{a: " * 50_000 + "}" * 50_000 + "\n", "nest"),
    "block-mappings-deep": (deep_block_mapping(1000), "nested more than 40 levels"),
    "block-lists-deep": ("- " * 20_000 + "x\n", "nested more than 40 levels"),
    "mixed-deep": (deep_block_mapping(30).replace("x\n", "[{a: " * 10 + "}]" * 10 + "\n"),
                   "nested more than 40 levels"),
    # size, encodings, bytes
    "over-the-size-limit": ("# " + "x" * 2_100_000 + "\n" + MINIMAL, "scenarios are limited to 2,000,000"),
    "latin-1": (MINIMAL.replace("Hostile", "Caf\xe9").encode("latin-1"), "not UTF-8 text (byte 0xe9"),
    "utf-16-bom": (MINIMAL.encode("utf-16"), "not UTF-8 text (byte 0xff at offset 0)"),
    "utf-16-be-bom": (b"\xfe\xff" + MINIMAL.encode("utf-16-be"), "not UTF-8 text (byte 0xfe at offset 0)"),
    "utf-32-bom": (MINIMAL.encode("utf-32"), "not UTF-8 text"),
    "nul-bytes": (MINIMAL.replace("Hostile", "Host\x00ile").encode(), "unacceptable character #x0000"),
    "binary-junk": (bytes(range(256)) * 4, "not UTF-8 text"),
    "overlong-utf8": (b"name: \xc0\xae\n", "not UTF-8 text (byte 0xc0"),
    # object and foreign tags
    "python-object": ("a: !!python/object:os.system {}\n", "is not allowed"),
    "python-object-apply": ("a: !!python/object/apply:os.system ['echo pwned']\n", "is not allowed"),
    "python-object-new": ("a: !!python/object/new:subprocess.Popen [[echo, pwned]]\n", "is not allowed"),
    "python-name": ("a: !!python/name:os.system\n", "is not allowed"),
    "python-module": ("a: !!python/module:os\n", "is not allowed"),
    "python-tuple": ("a: !!python/tuple [1, 2]\n", "is not allowed"),
    "binary": ("a: !!binary aGVsbG8=\n", "is not allowed"),
    "set": ("a: !!set {x, y}\n", "is not allowed"),
    "omap": ("a: !!omap [{x: 1}]\n", "is not allowed"),
    "timestamp": ("a: !!timestamp 2001-12-14\n", "is not allowed"),
    "custom-tag": ("a: !custom 1\n", "is not allowed"),
    "verbatim-tag": ("a: !<tag:yaml.org,2002:python/object/apply:os.system> [echo]\n", "is not allowed"),
    "tag-directive": ("%TAG !py! tag:yaml.org,2002:python/\n---\na: !py!object/apply:os.system [echo]\n",
                      "is not allowed"),
    "tag-on-a-key": ("? !!python/name:os.system\n: 1\n", "is not allowed"),
    "tag-on-a-mapping": ("a: !!python/object:os.system {x: 1}\n", "is not allowed"),
    "tag-in-a-valid-scenario": (MINIMAL.replace("rate: 0.1", "rate: !!python/object/apply:os.system [echo]"),
                                "is not allowed"),
    "explicit-merge-tag": ("a: {!!merge x: 1}\n", "is not allowed"),
    # merge keys with hostile content
    "merge-of-a-tagged-anchor": ("b: &b !!python/object/apply:os.system [echo]\nx: {<<: *b}\n", "is not allowed"),
    "merge-of-a-scalar": ("a: {<<: 5}\n", "'<<' merges mappings only"),
    "merge-of-scalars": ("a: {<<: [1, 2]}\n", "'<<' merges mappings only"),
    "merge-into-itself": ("a: &a {<<: *a}\n", "nested more than"),
    "merge-bomb": ("a0: &a0 {}\n" + "".join(f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 10)}]}}\n"
                                            for i in range(1, 12)), "aliases expand too far"),
    "merge-of-a-bomb": (laughs(9, 10) + "x: {<<: {k: *l9}}\n", "aliases expand too far"),
    "merge-injects-a-key": (f"x: &x {{evil: 1}}\n<<: *x\n{MINIMAL}", "unknown key 'evil'"),
    # huge literals and names
    "huge-integer": (MINIMAL.replace("rate: 0.1", "rate: " + "9" * 100_000), "far too large"),
    "huge-hex-integer": (MINIMAL.replace("rate: 0.1", "rate: 0x" + "f" * 100_000), "must be a finite number"),
    "huge-float": (MINIMAL.replace("rate: 0.1", "rate: 1" + "0" * 100_000 + ".5"), "must be a finite number"),
    "huge-exponent": (MINIMAL.replace("rate: 0.1", "rate: 1e99999999999"), "must be a finite number"),
    "huge-time-string": (MINIMAL.replace("horizon: 5", "horizon: 1e400 years"), "is not a finite number"),
    "megabyte-key": (f"? {'k' * 1_000_000}\n: 1\n" + MINIMAL, "unknown key 'kkkkk"),
    # documents that are not one mapping
    "several-documents": (MINIMAL + "---\n" + MINIMAL, "several YAML documents"),
    "empty": ("", "a scenario is a mapping"),
    "only-a-comment": ("# nothing here\n", "a scenario is a mapping"),
    "a-list": ("- allysim: 1\n", "a scenario is a mapping"),
    "a-string": ("allysim\n", "a scenario is a mapping"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_refused_with_one_located_line_each(case):
    text, phrase = HOSTILE[case]
    problems = refused(text)
    assert any(phrase in p for p in problems), problems


# --------------------------------------------------------------------------- aliases and merge keys


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
    problems = refused("\n".join(lines) + "\n")
    assert any("nested more than" in p or "aliases expand too far" in p for p in problems)


@pytest.mark.parametrize("width, depth", [(2, 40), (10, 12)])
def test_a_merge_bomb_of_empty_mappings_is_refused(width, depth):
    # merging empty mappings builds no values, so only counting the merges themselves bounds the work
    lines = ["a0: &a0 {}"] + [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * width)}]}}"
                              for i in range(1, depth)]
    assert any("aliases expand too far" in p for p in refused("\n".join(lines) + "\n"))


@pytest.mark.parametrize("case", ["laughs-9x10", "laughs-30x2", "laughs-mappings", "merge-bomb", "merge-of-a-bomb"])
def test_an_alias_bomb_is_refused_before_anything_is_composed(case, monkeypatch):
    # the events alone tell how far aliases expand; composing and building 200,000 values takes seconds
    def compose(*args, **kwargs):
        raise AssertionError("composed")

    monkeypatch.setattr(yaml, "compose", compose)
    assert any("aliases expand too far" in p for p in refused(HOSTILE[case][0]))


def test_a_merged_key_does_not_steal_the_location_of_the_key_that_overrides_it():
    text = MINIMAL.replace("risks:\n  - id: exit\n    rate: 0.1\n", "defaults: &d {rate: 0.1, id: zz}\nrisks:\n"
                           "  - <<: *d\n    id: exit\n    rate: -1\n")
    assert "h.yaml:8:11: risks[0].rate: must be >= 0, got -1" in refused(text)


# --------------------------------------------------------------------------- size: bounded time and memory


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
    with pytest.raises(ScenarioError) as info:
        load_scenario(big)
    assert info.value.problems == [f"{big}:1:1: file is {big.stat().st_size:,} bytes; scenarios are limited to "
                                   "2,000,000 bytes"]  # time and peak memory: benchmarks/hostile.py


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused():
    with pytest.raises(ScenarioError, match=r"^/dev/zero:1:1: file is more than 2,000,000 bytes; scenarios are "):
        load_scenario("/dev/zero")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(tmp_path))}:1:1: cannot read the file: "):
        load_scenario(tmp_path)


def many(n: int, dangling: bool = False) -> str:
    """A scenario with ``n`` risks, ``n`` contingencies and a plan holding them all."""
    risks = "".join(f"  - {{id: r{i}, rate: 0.001, impact: {{health: {{uniform: {{low: 0, high: 0.1}}}}, "
                    f"escalates: [{{risk: r{(i + 1) % n}, factor: 1.1, duration: 1}}]}}}}\n" for i in range(n))
    conts = "".join(f"  - {{id: c{i}, trigger: {{on: r{i}}}, effect: {{rate_factor: {{risk: r{i}, factor: 0.5}}}}}}\n"
                    for i in range(n))
    plan = ", ".join(f"c{i}" for i in range(n)) + (", nobody" if dangling else "")
    return f"allysim: 1\nname: Crowd\nhorizon: 1\nrisks:\n{risks}contingencies:\n{conts}plans:\n  all: [{plan}]\n"


def test_thousands_of_risks_and_contingencies_are_checked():
    scenario = parse_scenario(many(2000), source="h.yaml")  # how fast: benchmarks/hostile.py
    assert len(scenario.risks) == len(scenario.contingencies) == len(scenario.plan_sets["all"]) == 2000
    problems = refused(many(2000, dangling=True))  # and a refusal stays one short line
    assert len(problems) == 1 and "unknown contingency 'nobody'" in problems[0]


# --------------------------------------------------------------------------- text, numbers and names


@pytest.mark.parametrize("text", ["allysim: 1\nname: \ud800 lone surrogate\n", "\udcff"])
def test_text_that_is_not_unicode_is_refused(text):
    assert any("not valid Unicode" in p for p in refused(text))


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\ufffe"])
def test_a_control_character_is_refused_where_it_stands(char):
    text = MINIMAL.replace("name: Hostile", f"name: é{char}x")
    assert refused(text)[0].startswith("h.yaml:2:8: not valid YAML: unacceptable character")
    assert refused(text.encode("utf-8"))[0].startswith("h.yaml:2:8: not valid YAML: unacceptable character")


@pytest.mark.parametrize("literal", ["9" * 5000, "-" + "9" * 100_000, "0x" + "f" * 20_000, "0o" + "7" * 20_000])
def test_an_integer_too_long_to_read_is_refused(literal):
    problems = refused(MINIMAL.replace("horizon: 5", f"horizon: {literal}"))
    assert problems[0].startswith("h.yaml:3:10: horizon: ")
    assert "far too large" in problems[0] or "must be a finite number, got a whole number of about" in problems[0]


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


# --------------------------------------------------------------------------- through the command line


CLI_CASES = ["laughs-9x10", "merge-bomb", "alias-in-its-anchor", "flow-lists-deep", "block-mappings-deep",
             "over-the-size-limit", "latin-1", "utf-16-bom", "nul-bytes", "python-object-apply", "python-name",
             "binary", "custom-tag", "tag-directive", "merge-of-a-tagged-anchor", "huge-integer", "huge-float",
             "megabyte-key", "several-documents", "empty"]
ALLYSIM = Path(sys.executable).with_name("allysim")


def write(folder: Path, case: str) -> Path:
    path = folder / f"{case}.yaml"
    text = HOSTILE[case][0]
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return path


def assert_refused(exit_code: int, stderr: str, output: str, files: list[Path]) -> None:
    """Exit code 2, no traceback, and only located lines for the given files on stderr."""
    assert exit_code == 2, output[-2000:]
    assert "Traceback" not in output and "internal error" not in output, output[-2000:]
    lines = stderr.strip().splitlines()
    assert lines
    for line in lines:
        assert any(re.match(rf"^{re.escape(str(f))}:\d+:\d+: ", line) for f in files), line[:300]
    for f in files:
        assert any(line.startswith(f"{f}:") for line in lines), f


@pytest.mark.parametrize("case", CLI_CASES)
def test_validate_and_run_refuse_a_hostile_file_and_write_nothing(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # so that a default reports/ folder would show up here
    path = write(tmp_path, case)
    out = tmp_path / "out"
    for args in (["validate", str(path)], ["run", str(path), "--out", str(out), "--quiet", "--workers", "1"]):
        result = CliRunner().invoke(cli, args)
        assert_refused(result.exit_code, result.stderr, result.output, [path])
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no out/, no reports/, nothing


@pytest.mark.skipif(not ALLYSIM.exists(), reason="the allysim command is not installed next to this Python")
def test_the_installed_command_refuses_a_batch_of_hostile_files(tmp_path):
    files = [write(tmp_path, case) for case in CLI_CASES]
    out = tmp_path / "out"
    for args in (["validate", *map(str, files)], ["run", *map(str, files), "--out", str(out), "--quiet"]):
        done = subprocess.run([str(ALLYSIM), *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert_refused(done.returncode, done.stderr, done.stdout + done.stderr, files)
        assert not out.exists() and not (tmp_path / "reports").exists()


def test_the_command_refuses_a_50_mb_file(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(MINIMAL.encode())
        for _ in range(50):
            fh.write(b"# " + b"x" * 1_000_000 + b"\n")
    for command in ("validate", "run"):
        args = [command, str(big)] + (["--out", str(tmp_path / "out"), "--quiet"] if command == "run" else [])
        result = CliRunner().invoke(cli, args)  # time and peak memory: benchmarks/hostile.py
        assert result.exit_code == 2 and "limited to 2,000,000 bytes" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- nothing is executed


PAYLOADS = [
    '!!python/object/apply:os.system ["touch {target}"]',
    '!!python/object/apply:subprocess.call [["touch", "{target}"]]',
    '!!python/object/apply:subprocess.Popen [["touch", "{target}"]]',
]


def smuggle(payload: str, target: Path) -> list[str]:
    """The payload in several places of an otherwise valid scenario."""
    tagged = payload.format(target=target)
    return [
        MINIMAL.replace("rate: 0.1", f"rate: {tagged}"),
        MINIMAL.replace("name: Hostile", f"name: {tagged}"),
        f"x: &x {{evil: {tagged}}}\n" + MINIMAL.replace("  - id: exit\n", "  - <<: *x\n    id: exit\n"),
        "%TAG !p! tag:yaml.org,2002:python/\n---\n" + MINIMAL.replace("rate: 0.1", "rate: " + tagged.replace(
            "!!python/", "!p!")),
        f"? {tagged}\n: 1\n" + MINIMAL,
    ]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["os.system", "subprocess.call", "Popen"])
def test_a_payload_that_an_unsafe_loader_would_run_is_never_run(payload, tmp_path):
    live = tmp_path / "live"
    ran = yaml.unsafe_load(payload.format(target=live))  # the payload works: an unsafe loader runs it
    getattr(ran, "wait", lambda: None)()  # a Popen returns before its touch has run
    assert live.exists()
    target = tmp_path / "pwned"
    for i, text in enumerate(smuggle(payload, target)):
        path = tmp_path / f"smuggled{i}.yaml"
        path.write_text(text)
        refused(text)
        with pytest.raises(ScenarioError):
            load_scenario(path)
        for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]):
            result = CliRunner().invoke(cli, args)
            assert_refused(result.exit_code, result.stderr, result.output, [path])
    time.sleep(0.5)  # give a smuggled Popen, were there one, the time to touch its file
    assert not target.exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not ALLYSIM.exists(), reason="the allysim command is not installed next to this Python")
def test_the_installed_command_runs_no_payload(tmp_path):
    target = tmp_path / "pwned"
    files = []
    for i, text in enumerate(t for payload in PAYLOADS for t in smuggle(payload, target)):
        files.append(tmp_path / f"smuggled{i}.yaml")
        files[-1].write_text(text)
    for args in (["validate", *map(str, files)], ["run", *map(str, files), "--out", str(tmp_path / "out"), "--quiet"]):
        done = subprocess.run([str(ALLYSIM), *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert_refused(done.returncode, done.stderr, done.stdout + done.stderr, files)
    time.sleep(0.5)
    assert not target.exists()
    assert not (tmp_path / "out").exists() and not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- text that no surface could show


@pytest.mark.parametrize("name, where, phrase", [
    ('"Quick \\e]0;owned\\a alliance"', "h.yaml:2:7: name: ", "control character \\x1b at character 7"),
    ('"clip \\e]52;c;cm0gLXJmIH4=\\a"', "h.yaml:2:7: name: ", "control character \\x1b"),
    ('"clear \\e[2J\\e[H"', "h.yaml:2:7: name: ", "control character \\x1b"),
    ('"one-byte CSI \\x9b2J"', "h.yaml:2:7: name: ", "control character \\x9b"),
    ('"right-to-left \\u202eoverride"', "h.yaml:2:7: name: ", "control character \\u202e"),
    ('"not XML \\uffff"', "h.yaml:2:7: name: ", "control character \\uffff"),
    ("n" * 201, "h.yaml:2:7: name: ", "is 201 characters long; at most 200"),
])
def test_a_name_no_surface_could_show_is_refused_where_it_stands(name, where, phrase):
    problems = refused(MINIMAL.replace("name: Hostile", f"name: {name}"))
    assert len(problems) == 1 and problems[0].startswith(where) and phrase in problems[0], problems
    assert "\x1b" not in problems[0] and "\x9b" not in problems[0]


def test_a_plan_name_that_a_spreadsheet_would_run_or_that_is_huge_is_refused():
    for plan, phrase in [("'=cmd|'' /C calc''!A0'", "starts with '='"), ("'+1'", "starts with '+'"),
                         ("'@SUM(A1)'", "starts with '@'"), ("'-x'", "starts with '-'"),
                         ("p" * 131_073, "is 131,073 characters long")]:
        problems = refused(MINIMAL + f"plans:\n  ? {plan}\n  : []\n")
        assert len(problems) == 1 and phrase in problems[0] and len(problems[0]) < 400, problems
    assert parse_scenario(MINIMAL + "plans:\n  'a = b + c': []\n").plan_sets  # inside a name they are fine


def test_a_description_keeps_newlines_but_not_escapes():
    assert "\n" in parse_scenario(MINIMAL + 'description: "two\\nlines\\tand a tab"\n').description
    assert "control character \\x1b" in refused(MINIMAL + 'description: "a \\e[31m red"\n')[0]


def test_what_the_terminal_is_shown_has_no_escape_sequences(tmp_path):
    hostile = tmp_path / "evil\x1b]0;owned\x07.yaml"
    hostile.write_text(MINIMAL.replace("name: Hostile", 'name: "x\\e[2J"'))
    result = CliRunner().invoke(cli, ["validate", str(hostile)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "evil\\x1b]0;owned\\x07.yaml:2:7: name: holds the control character \\x1b" in result.output


@pytest.mark.parametrize("line, phrase", [
    ("  value_rate: 1e307\n", "alliance.value_rate: 1e+307 is more than allysim can add up without overflow (at most 1e+15"),
    ("  value_rate: {lognormal: {median: 1e300, p90: 1e301}}\n", "alliance.value_rate: 1e+300 is more than"),
])
def test_amounts_that_would_overflow_are_refused_with_the_bound(line, phrase):
    problems = refused(MINIMAL + "alliance:\n" + line)
    assert len(problems) == 1 and phrase in problems[0], problems
    problems = refused(MINIMAL.replace("impact: {fatal: 1}", "impact: {cost: 1e308}"))
    assert "risks[0].impact.cost: 1e+308 is more than allysim can add up without overflow" in problems[0], problems
    assert "horizon: must be <= 1e+06" in refused(MINIMAL.replace("horizon: 5", "horizon: 1e300"))[0]


def test_an_npv_that_still_overflows_is_an_error_never_an_infinite_result(monkeypatch):
    from allysim import SimulationError, simulate
    from allysim.results import PlanRuns

    # amounts within their bounds cannot reach infinity today; should a sum ever do so, the run stops with one line
    head = PlanRuns.head

    def overflowing(self: PlanRuns, n: int) -> PlanRuns:
        runs = head(self, n)
        runs.npv[1] = np.inf
        return runs

    monkeypatch.setattr(PlanRuns, "head", overflowing)
    results = simulate(parse_scenario(MINIMAL), runs=4, seed=1, workers=1)
    with pytest.raises(SimulationError, match=r"^the NPV of run 1 is too large to compute \(more than 1.8e308\)"):
        results.summary()  # what every output of a run is written from


def test_sheets_whose_names_differ_only_in_case_are_refused(tmp_path):
    import zipfile

    from allysim.errors import RegisterError
    from allysim.register import import_register
    from allysim.register.export import write_template

    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "Alliance.csv").write_text("key,value\nname,X\nhorizon,5\n")
    (folder / "Risks.csv").write_text("id,rate,fatal\na,0.1,1\n")
    (folder / "risks.csv").write_text("id,rate,fatal\nb,0.1,1\n")
    with pytest.raises(RegisterError) as info:
        import_register(folder)
    assert any("have the same name but for case; keep one" in p for p in info.value.problems)

    import openpyxl

    book = tmp_path / "t.xlsx"
    write_template(book)
    wb = openpyxl.load_workbook(book)
    wb.copy_worksheet(wb["Risks"]).title = "RISKS1"  # openpyxl, as Excel, will not name it RISKS itself
    wb.save(book)
    twin = tmp_path / "twin.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(twin, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            out.writestr(item, data.replace(b'name="RISKS1"', b'name="RISKS"') if item.filename == "xl/workbook.xml"
                         else data)
    with pytest.raises(RegisterError) as info:
        import_register(twin)
    assert any(p.startswith(f"{twin}:RISKS!A1: the sheet 'RISKS' and the sheet 'Risks' have the same name")
               for p in info.value.problems), info.value.problems


# --------------------------------------------------------------------------- bounded work: registers


def bomb(tmp_path: Path, name: str, sheet_xml: bytes | None = None, strings: bytes | None = None) -> Path:
    """The template register with one sheet's XML (or the shared strings) replaced: a small file, a huge XML."""
    import zipfile

    from allysim.register.export import write_template

    template = tmp_path / "template.xlsx"
    if not template.exists():
        write_template(template)
    out = tmp_path / name
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml" and sheet_xml is not None:
                data = sheet_xml
            dst.writestr(item.filename, data)
        if strings is not None:
            dst.writestr("xl/sharedStrings.xml", strings)
    return out


def sheet(rows: bytes) -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + rows + b"</sheetData></worksheet>")


@pytest.mark.parametrize("case, phrase", [
    ("cells-in-one-row", "row 1 has more than 16,384 cells"),
    ("empty-rows", "has more than 100,000 rows, even if empty"),
    ("shared-strings", "holds more than 200,000 different texts"),
    ("cells", "has more than 1,500,000 cells"),
])
def test_an_xlsx_bomb_is_refused_before_it_is_parsed_in_bounded_memory(tmp_path, case, phrase):
    import tracemalloc

    from allysim.errors import RegisterError
    from allysim.register import import_register

    if case == "cells-in-one-row":
        path = bomb(tmp_path, "b.xlsx", sheet(b'<row r="1">' + b'<c t="n"><v>1</v></c>' * 20_000 + b"</row>"))
    elif case == "empty-rows":
        path = bomb(tmp_path, "b.xlsx", sheet(b"<row/>" * 120_000))
    elif case == "shared-strings":
        path = bomb(tmp_path, "b.xlsx", strings=b'<sst count="1">' + b"<si><t>x</t></si>" * 210_000 + b"</sst>")
    else:
        path = bomb(tmp_path, "b.xlsx", sheet((b"<row>" + b"<c><v>1</v></c>" * 60 + b"</row>") * 25_001))
    assert path.stat().st_size < 300_000  # a small file, as the attack's 243 KB
    tracemalloc.start()
    try:
        with pytest.raises(RegisterError) as info:
            import_register(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(info.value.problems) == 1 and phrase in info.value.problems[0], info.value.problems
    assert peak < 40_000_000  # streamed: a few blocks of XML at a time, never the whole sheet


def test_csv_registers_with_a_huge_field_or_cr_only_line_ends(tmp_path):
    from allysim.errors import RegisterError
    from allysim.register import import_register

    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "Alliance.csv").write_bytes(b"key,value\rname,Old Mac alliance\rhorizon,5\r")
    (folder / "Risks.csv").write_bytes(b"id,rate,fatal\ra,0.1,1\r")
    assert parse_scenario(import_register(folder)).name == "Old Mac alliance"  # CR alone ends a line
    (folder / "Risks.csv").write_text("id,rate,fatal,name\na,0.1,1,\"" + "x" * 140_000 + "\"\n")
    with pytest.raises(RegisterError) as info:
        import_register(folder)
    assert info.value.problems[0].startswith(f"{folder / 'Risks.csv'}:Risks!A2: cannot be read as CSV (field larger")


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_at_once_never_waited_on(tmp_path):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for args in (["validate", str(fifo)], ["import", str(fifo)], ["run", str(fifo), "--out", str(tmp_path / "o")]):
        done = subprocess.run([sys.executable, "-m", "allysim", *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, (args, done.stderr)
        assert "FIFO" in done.stderr or "not a file" in done.stderr, done.stderr
    folder = tmp_path / "out"
    folder.mkdir()
    os.mkfifo(folder / "summary.json")
    done = subprocess.run([sys.executable, "-m", "allysim", "report", str(folder)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "summary.json: cannot be read (is a FIFO (named pipe), not a file)" in done.stderr
