"""Time and memory of refusing hostile input, measured here rather than asserted in the tests.

    PYTHONPATH=src python benchmarks/hostile.py

prints, for each case, the seconds taken and the peak memory, against the bound allysim promises
(docs/reliability.md), and exits with 1 when a bound is exceeded:

- a 50 MB scenario file is refused after reading at most 2 MB: under 10 s, peak traced memory under 12 MB, and the
  command's peak RSS grows by under 200 MB;
- an endless file (/dev/zero) is refused under 10 s;
- a scenario with 2,000 risks and 2,000 contingencies is checked under 10 s.
"""

from __future__ import annotations

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


def timed(work) -> float:  # noqa: ANN001 - any callable
    start = time.perf_counter()
    try:
        work()
    except allysim.ScenarioError:
        pass
    return time.perf_counter() - start


def main() -> int:
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
