"""Time and memory of refusing hostile input, measured here rather than asserted in the tests.

    PYTHONPATH=src python benchmarks/hostile.py

prints, for each case, the seconds taken and the peak memory, against the bound allysim promises
(docs/reliability.md), and exits with 1 when a bound is exceeded:

- a 50 MB scenario file is refused after reading at most 2 MB: under 10 s, peak traced memory under 12 MB, and the
  command's peak RSS grows by under 200 MB;
- an endless file (/dev/zero) is refused under 10 s;
- a scenario with 2,000 risks and 2,000 contingencies is checked under 10 s.

    PYTHONPATH=src python benchmarks/hostile.py --sensitivity 30,300 --runs 200

measures instead ``allysim sensitivity`` on scenarios with 30 and 300 uncertain rates (300 risks, each rate a
range; the second file is about 31 KB): the wall time and the peak resident memory of the largest process (the
command or one of its workers, as ``/usr/bin/time -v`` reports it). The peak must not grow with the number of
inputs times the runs: it exits with 1 when the largest input count's peak exceeds the smallest's by more than
200 MB. It takes minutes (300 inputs are 4,200 pinned variants).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import allysim

MINIMAL = "allysim: 1\nname: Hostile\nhorizon: 5\nrisks:\n  - id: exit\n    rate: 0.1\n    impact: {fatal: 1}\n"
SECONDS = 10.0
MEASURE = """\
import resource, sys, time
from allysim.cli import main
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(code, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def crowd(n: int) -> str:
    """A scenario with ``n`` risks, ``n`` contingencies and a plan holding them all."""
    risks = "".join(f"  - {{id: r{i}, rate: 0.001, impact: {{health: {{uniform: {{low: 0, high: 0.1}}}}, "
                    f"escalates: [{{risk: r{(i + 1) % n}, factor: 1.1, duration: 1}}]}}}}\n" for i in range(n))
    conts = "".join(f"  - {{id: c{i}, trigger: {{on: r{i}}}, effect: {{rate_factor: {{risk: r{i}, factor: 0.5}}}}}}\n"
                    for i in range(n))
    plan = ", ".join(f"c{i}" for i in range(n))
    return f"allysim: 1\nname: Crowd\nhorizon: 1\nrisks:\n{risks}contingencies:\n{conts}plans:\n  all: [{plan}]\n"


def uncertain(n: int) -> str:
    """A scenario with ``n`` risks whose rates are ranges, two plans and five contingencies."""
    risks = "".join(f"  - id: r{i}\n    rate: {{pert: {{low: 0.001, likely: 0.004, high: 0.01}}}}\n"
                    f"    impact: {{health: 0.1, cost: 10}}\n" for i in range(n))
    conts = "".join(f"  - id: c{i}\n    trigger: {{on: r{i}}}\n    effect: {{reduce_impact: 0.5}}\n    cost: {{setup: 1}}\n"
                    for i in range(5))
    return (f"allysim: 1\nname: Many\nhorizon: 5\nseed: 1\nalliance:\n  value_rate: 100\nrisks:\n{risks}"
            f"contingencies:\n{conts}plans:\n  none: []\n  all: [c0, c1, c2, c3, c4]\n")


def sensitivity_memory(counts: list[int], runs: int, workers: int) -> bool:
    """Wall time and peak RSS of ``allysim sensitivity`` for each count of uncertain inputs; True when bounded."""
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            path = Path(tmp) / f"many{n}.yaml"
            path.write_text(uncertain(n))
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", "import resource, sys\nfrom allysim.cli import main\n"
                                   "main(sys.argv[1:])", "sensitivity", str(path), "--runs", str(runs),
                                   "--workers", str(workers), "--out", str(Path(tmp) / f"out{n}"), "--quiet",
                                   "--format", "none"], capture_output=True, text=True)
            took = time.perf_counter() - start
            # the largest of the processes waited for so far: the command and its workers; counts grow, so the last
            # measured is this one's (or an earlier, smaller one's, which only understates the growth)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            peaks.append(peak)
            print(f"sensitivity, {n} uncertain inputs ({path.stat().st_size / 1000:.0f} KB), {runs} runs, "
                  f"{workers} worker(s): exit {done.returncode}, {took:.1f} s, peak RSS {peak:.0f} MB")
            if done.returncode:
                print(done.stderr.strip())
                return False
    good = peaks[-1] - peaks[0] < 200
    print(f"growth from {counts[0]} to {counts[-1]} inputs: {peaks[-1] - peaks[0]:+.0f} MB (bound +200 MB): "
          f"{'ok' if good else 'EXCEEDED'}")
    return good


def timed(work) -> float:  # noqa: ANN001 - any callable
    start = time.perf_counter()
    try:
        work()
    except allysim.ScenarioError:
        pass
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sensitivity", metavar="N,M", help="uncertain input counts to measure sensitivity with")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.sensitivity:
        counts = sorted(int(n) for n in args.sensitivity.split(","))
        return 0 if sensitivity_memory(counts, args.runs, args.workers) else 1
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        with big.open("wb") as fh:
            fh.write(MINIMAL.encode())
            for _ in range(50):
                fh.write(b"# " + b"x" * 1_000_000 + b"\n")
        tracemalloc.start()
        seconds = timed(lambda: allysim.load_scenario(big))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        good = seconds < SECONDS and peak < 12_000_000
        ok &= good
        print(f"50 MB file, load_scenario: {seconds:.3f} s, peak traced {peak / 1e6:.1f} MB "
              f"(bounds {SECONDS:g} s, 12 MB): {'ok' if good else 'EXCEEDED'}")
        for command in ("validate", "run"):
            args = [command, str(big)] + (["--out", str(Path(tmp) / "out"), "--quiet"] if command == "run" else [])
            done = subprocess.run([sys.executable, "-c", MEASURE, *args], capture_output=True, text=True,
                                  timeout=120)
            code, took, grown_kib = done.stdout.split()
            good = int(code) == 2 and float(took) < SECONDS and int(grown_kib) < 200 * 1024
            ok &= good
            print(f"50 MB file, allysim {command}: exit {code}, {float(took):.3f} s, peak RSS +{int(grown_kib) / 1024:.1f}"
                  f" MB (bounds {SECONDS:g} s, 200 MB): {'ok' if good else 'EXCEEDED'}")
    if Path("/dev/zero").exists():
        seconds = timed(lambda: allysim.load_scenario("/dev/zero"))
        ok &= seconds < SECONDS
        print(f"/dev/zero: {seconds:.3f} s (bound {SECONDS:g} s): {'ok' if seconds < SECONDS else 'EXCEEDED'}")
    text = crowd(2000)
    seconds = timed(lambda: allysim.parse_scenario(text, source="crowd.yaml"))
    ok &= seconds < SECONDS
    print(f"2,000 risks and contingencies: {seconds:.3f} s (bound {SECONDS:g} s): "
          f"{'ok' if seconds < SECONDS else 'EXCEEDED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
