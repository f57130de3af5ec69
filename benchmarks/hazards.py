"""What a hazard by age costs the engine: perf.yaml's risks as constant rates, as Weibull(1, 1 / rate) curves and as
flat steps (the same lives, see tests/test_hazards.py), simulated by the engine alone, interleaved.

    PYTHONPATH=src python benchmarks/hazards.py [REPLICATIONS] [REPEATS]

Each form runs in its own process (CompiledPlan.run over replications 0 .. N - 1 of plan full, after 200 untimed
ones); the figure is the process CPU time of the timed loop, which a shared machine disturbs less than wall time.
To compare two versions of allysim on perf.yaml as written, run this with PYTHONPATH pointing at each one's src.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERF = ROOT / "tests" / "data" / "perf.yaml"

CHILD = """
import sys, time
import allysim
from allysim.engine import CompiledPlan
s = allysim.load_scenario(sys.argv[1])
plan = CompiledPlan(s, s.plan_sets["full"], health_path=True)
for r in range(200):
    plan.run(7, r)
start = time.process_time()
for r in range(int(sys.argv[2])):
    plan.run(7, r)
print(time.process_time() - start)
"""


def forms(folder: Path) -> dict[str, Path]:
    text = PERF.read_text(encoding="utf-8")
    rate = re.compile(r"\n    rate: ([0-9.]+)\n")
    weibull = rate.sub(lambda m: f"\n    hazard: {{weibull: {{shape: 1.0, scale: {1 / float(m.group(1))!r}}}}}\n", text)
    steps = rate.sub(lambda m: f"\n    hazard: {{steps: [[0, {m.group(1)}], [3, {m.group(1)}], [7, {m.group(1)}]]}}\n",
                     text)
    out = {"rate": PERF}
    for name, body in (("weibull", weibull), ("steps", steps)):
        out[name] = folder / f"perf_{name}.yaml"
        out[name].write_text(body, encoding="utf-8")
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        files = forms(Path(tmp))
        times: dict[str, list[float]] = {name: [] for name in files}
        for _ in range(repeats):
            for name, path in files.items():
                out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(n)], check=True,
                                     capture_output=True, text=True)
                times[name].append(float(out.stdout))
    base = statistics.median(times["rate"])
    print(f"perf.yaml, plan full, {n:,} replications, engine CPU seconds, median of {repeats} interleaved repeats")
    print("| risks written as | median s | min | max | / rate |\n| --- | ---: | ---: | ---: | ---: |")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts):.2f} | {min(ts):.2f} | {max(ts):.2f} | "
              f"{statistics.median(ts) / base:.2f}x |")


if __name__ == "__main__":
    main()
