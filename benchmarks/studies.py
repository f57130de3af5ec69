"""Time the studies (shared paths against --exhaustive), a run against the reference model, and start-up, in one sitting.

    python benchmarks/studies.py                  # everything below, 3 interleaved repeats
    python benchmarks/studies.py --quick          # fewer runs, one repeat: a smoke test of the figures

Each figure is a whole process (`python -m allysim ...` with this checkout's src/ on PYTHONPATH), so start-up counts.
allysim's modules are compiled once beforehand, in an untimed round, into a temporary PYTHONPYCACHEPREFIX, as an
installed allysim's are (pip compiles them at install): even with PYTHONDONTWRITEBYTECODE set in the environment,
no timed process compiles source.
Machines here are shared and noisy: the commands are interleaved (one of each, then again) and the table gives the
median of each, with the reference model's time from the same rounds as the yardstick. Compare ratios measured
together, not absolute times from different sittings.

- value: benchmarks/thirty_risks.yaml (30 risks, 8 contingencies: 256 subsets), 10,000 runs, --workers 2;
  the exhaustive reference on 1,000 runs (it takes ten times as long: scale it by 10 for 10,000).
- drivers: the same scenario, plan full, 10,000 runs, --workers 2 (31 variants).
- run: perf.yaml, plan full, 20,000 runs, --workers 1, against `reference_model.py 20000`.
- start-up: `allysim --help` and `allysim validate scenarios/joint_venture.yaml`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# shared/ beside the checkout (or beside the folder of worktrees holding it)
SHARED = next((p / "shared" / "bench" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared" / "bench")
PERF = SHARED / "perf.yaml"
REFERENCE = SHARED / "reference_model.py"
THIRTY = ROOT / "benchmarks" / "thirty_risks.yaml"
FLAGSHIP = ROOT / "scenarios" / "joint_venture.yaml"
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(ROOT / "src")


def allysim(*args: str) -> list[str]:
    return [sys.executable, "-m", "allysim", *args]


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the process and the workers it waited for) and the peak resident
    memory of the main process in MiB (where a study's results are held), from the operating system's accounting."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"failed: {' '.join(cmd)}\n{err.read().decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(cpu, usage.ru_utime + usage.ru_stime)
    return elapsed, cpu, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, small, ref_runs = (1000, 100, 2000) if args.quick else (10_000, 1000, 20_000)
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as compiled:
        ENV["PYTHONPYCACHEPREFIX"] = compiled
        quiet = ("--format", "none", "--quiet")
        commands = {
            f"reference_model.py {ref_runs}": [sys.executable, str(REFERENCE), str(ref_runs)],
            f"run perf.yaml --plan full --runs {ref_runs} --workers 1":
                allysim("run", str(PERF), "--plan", "full", "--runs", str(ref_runs), "--workers", "1", *quiet,
                        "--out", f"{out}/run"),
            f"value thirty_risks.yaml --runs {runs} --workers 2":
                allysim("value", str(THIRTY), "--runs", str(runs), "--workers", "2", *quiet, "--out", f"{out}/v"),
            f"drivers thirty_risks.yaml --plan full --runs {runs} --workers 2":
                allysim("drivers", str(THIRTY), "--plan", "full", "--runs", str(runs), "--workers", "2", *quiet,
                        "--out", f"{out}/d"),
            f"value thirty_risks.yaml --runs {small} --workers 2":
                allysim("value", str(THIRTY), "--runs", str(small), "--workers", "2", *quiet, "--out", f"{out}/vs"),
            f"value thirty_risks.yaml --runs {small} --workers 2 --exhaustive":
                allysim("value", str(THIRTY), "--runs", str(small), "--workers", "2", "--exhaustive", *quiet,
                        "--out", f"{out}/ve"),
            "--help": allysim("--help"),
            "validate joint_venture.yaml": allysim("validate", str(FLAGSHIP)),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        for warm in (allysim("run", str(PERF), "--runs", "20", *quiet, "--out", f"{out}/warm"),
                     allysim("value", str(THIRTY), "--runs", "20", *quiet, "--out", f"{out}/warm"),
                     allysim("validate", str(FLAGSHIP))):
            subprocess.run(warm, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=True)
        loads = [os.getloadavg()[0]]
        for _ in range(repeats):
            for name, cmd in commands.items():
                wall, cpu, peak = timed(cmd)
                times[name].append(wall)
                cpus[name].append(cpu)
                peaks[name].append(peak)
            loads.append(os.getloadavg()[0])
        sharing = {key: json.loads(Path(out, key, f"{study}.json").read_text())["sharing"]
                   for key, study in (("v", "value"), ("d", "drivers"), ("vs", "value"), ("ve", "value"))}
    print(f"\nmedian of {repeats} interleaved repeat(s), whole processes, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"1-minute load average {', '.join(f'{x:.1f}' for x in loads)} (before, after each round) on "
          f"{os.cpu_count()} CPUs\n")
    print("| command | median wall s | min | max | median CPU s | peak MiB (main process) |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} | "
              f"{statistics.median(cpus[name]):.2f} | {max(peaks[name]):.0f} |")
    med = {name: statistics.median(values) for name, values in times.items()}
    names = list(commands)
    pairs = [run / ref for run, ref in zip(times[names[1]], times[names[0]])]
    cpu_pairs = [run / ref for run, ref in zip(cpus[names[1]], cpus[names[0]])]
    print(f"\nreference / run, wall: {med[names[0]] / med[names[1]]:.2f}x (medians; round by round "
          f"{', '.join(f'{1 / x:.2f}' for x in pairs)}), CPU: {statistics.median(cpus[names[0]]) / statistics.median(cpus[names[1]]):.2f}x "
          f"(round by round {', '.join(f'{1 / x:.2f}' for x in cpu_pairs)}); >= 1 means allysim as fast or faster")
    print(f"exhaustive / shared value on {small:,} runs: {med[names[5]] / med[names[4]]:.1f}x")
    for key, what in (("v", "value"), ("d", "drivers"), ("vs", f"value {small:,}"), ("ve", "value exhaustive")):
        s = sharing[key]
        print(f"sharing, {what}: simulated {s['simulated']:,} of {s['replications']:,} "
              f"({s['simulated'] / s['replications']:.1%}), derived {s['derived']:,}")


if __name__ == "__main__":
    main()
