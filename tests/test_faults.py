"""Faults of real machines, injected for real: two commands on one folder, a killed run, damaged checkpoints, a full
disk, a read-only location. Commands run as separate processes (``python -m allysim``, the same entry point as the
installed ``allysim``), so locks, signals and exit codes are the real ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import allysim
from allysim.checkpoint import checkpoint_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks and signals")

# About 400 events per replication: a few thousand replications keep a command busy for several seconds, so a test
# can act while it runs, and it never finishes on its own within a test (the test stops it).
BUSY = """\
allysim: 1
name: Busy alliance
horizon: 10
seed: 3
runs: 50000
alliance:
  health: {dissolve_below: 0.0, recovery: 0.5}
  value_rate: 10
risks:
  - id: friction
    rate: 40
    impact: {health: 0.01, cost: 0.01}
plans:
  none: []
"""

QUICK = """\
allysim: 1
name: Quick alliance
horizon: 5
seed: 11
runs: 600
alliance:
  health: {dissolve_below: 0.3, recovery: 0.2}
  value_rate: 10
risks:
  - id: dispute
    rate: 0.4
    impact: {health: {uniform: {low: 0.1, high: 0.4}}, cost: 1.0, fatal: 0.1}
contingencies:
  - id: mediation
    trigger: {on: dispute}
    success: 0.7
    effect: {reduce_impact: 0.5}
    cost: {per_activation: 0.2}
plans:
  none: []
  mediated: [mediation]
"""

SRC = str(Path(allysim.__file__).resolve().parents[1])


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "allysim", *args]


def environment() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else "")}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, env=environment(), cwd=cwd, timeout=300,
                          check=False)


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment())


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the command ended or stalled before {what}: {proc.communicate()}")
        time.sleep(0.02)


def holder(lock: Path) -> str:
    try:
        return lock.read_text().strip()
    except OSError:
        return ""


@pytest.fixture()
def busy(tmp_path: Path) -> Path:
    path = tmp_path / "busy.yaml"
    path.write_text(BUSY)
    return path


@pytest.fixture()
def quick(tmp_path: Path) -> Path:
    path = tmp_path / "quick.yaml"
    path.write_text(QUICK)
    return path


# --------------------------------------------------------------------------- one writer per output folder


def test_two_commands_racing_for_one_folder_one_runs_the_other_is_told_who_holds_it(busy, tmp_path):
    out = tmp_path / "out"
    args = ("run", str(busy), "--workers", "1", "--format", "none", "--quiet", "--out")
    first, second = start(*args, str(out)), start(*args, f"{out}{os.sep}")  # both at once, one folder
    try:
        deadline = time.monotonic() + 60
        while first.poll() is None and second.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        loser, winner = (first, second) if first.poll() is not None else (second, first)
        err = loser.communicate(timeout=60)[1]
        assert loser.returncode == 1, err
        assert err.strip() == (f"allysim: {out} is in use by another allysim command (process {winner.pid}); "
                               "wait for it to finish, or write to another --out")
        assert winner.poll() is None  # the winner is still simulating, undisturbed
    finally:
        for proc in (first, second):
            proc.kill()
            proc.communicate()


def test_a_killed_run_leaves_no_stale_lock_and_other_folders_never_block(busy, quick, tmp_path):
    out = tmp_path / "out"
    lock = tmp_path / ".out.lock"
    busy_run = start("run", str(busy), "--workers", "1", "--format", "none", "--quiet", "--out", str(out))
    try:
        wait_for(lambda: holder(lock) == str(busy_run.pid), busy_run, "taking its lock")
        # another folder, and a folder inside the busy run's folder, are not blocked
        for other in (tmp_path / "other", out / "inner"):
            done = run("run", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet",
                       "--out", str(other))
            assert done.returncode == 0, done.stderr
            assert (other / "summary.json").exists()
        busy_run.kill()  # SIGKILL: no chance to clean up; the kernel drops the lock
        busy_run.communicate()
    finally:
        busy_run.kill()
    again = run("run", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet", "--out",
                str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "summary.json").exists() and (out / "inner" / "summary.json").exists()
    assert not lock.exists()


def test_every_writing_command_takes_the_lock(busy, quick, tmp_path):
    out = tmp_path / "out"
    busy_run = start("run", str(busy), "--workers", "1", "--format", "none", "--quiet", "--out", str(out))
    try:
        wait_for(lambda: holder(tmp_path / ".out.lock") == str(busy_run.pid), busy_run, "taking its lock")
        study = ("--out", str(out), "--workers", "1", "--format", "none", "--quiet")
        others = [start(*args) for args in (("compare", str(quick), *study), ("value", str(quick), *study),
                                            ("drivers", str(quick), *study), ("report", str(out)),
                                            ("deck", str(out)))]
        for proc in others:
            err = proc.communicate(timeout=120)[1]
            assert proc.returncode == 1, (proc.args, err)
            assert err.strip() == (f"allysim: {out} is in use by another allysim command (process {busy_run.pid}); "
                                   "wait for it to finish, or write to another --out")
        assert not out.exists()
    finally:
        busy_run.kill()
        busy_run.communicate()


# --------------------------------------------------------------------------- damaged checkpoints


def interrupted_checkpoint(scenario_file: Path, out: Path, chunks: int) -> Path:
    """Leave the checkpoint of a run of ``scenario_file`` into ``out`` that stopped after ``chunks`` chunks."""
    folder = checkpoint_path(out)
    seen = []

    def stop_after(done: int) -> None:
        seen.append(done)
        if len(seen) == chunks:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        allysim.simulate(allysim.load_scenario(scenario_file), workers=1, checkpoint=folder, progress=stop_after)
    assert len(list(folder.glob("chunk-*.bin"))) == chunks
    return folder


def test_a_truncated_and_a_bit_flipped_chunk_are_simulated_again_and_the_result_is_unchanged(quick, tmp_path):
    out = tmp_path / "out"
    folder = interrupted_checkpoint(quick, out, chunks=5)
    truncated, flipped = sorted(folder.glob("chunk-*.bin"))[1:3]
    truncated.write_bytes(truncated.read_bytes()[:-100])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0b1000
    flipped.write_bytes(bytes(data))

    resumed = run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr == (f"allysim: 2 of 5 checkpoint chunks in {folder} were damaged or truncated; "
                              "simulating them again\n")
    assert not folder.exists()
    straight = run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out", str(tmp_path / "s"))
    assert straight.returncode == 0, straight.stderr
    for name in ("runs.csv", "summary.json", "health.json"):
        assert (out / name).read_bytes() == (tmp_path / "s" / name).read_bytes(), name


@pytest.mark.parametrize("damage", [b"{\"seed\": 11, \"runs\"", b"", b"\x00" * 64, "flip"])
def test_a_damaged_manifest_is_no_checkpoint(quick, tmp_path, damage):
    out = tmp_path / "out"
    folder = interrupted_checkpoint(quick, out, chunks=2)
    manifest = folder / "manifest.json"
    if damage == "flip":  # still JSON, but no longer what was written
        damage = manifest.read_bytes().replace(b'"runs": 600', b'"runs": 601')
    manifest.write_bytes(damage)
    resumed = run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr == (f"allysim: the checkpoint in {folder} is damaged (its manifest does not match its "
                              "checksum); starting afresh\n")
    assert (out / "summary.json").exists() and not folder.exists()


def test_chunks_are_small_and_read_back_exactly(quick):
    from allysim.checkpoint import decode_chunk, encode_chunk
    from allysim.executors import Job
    from allysim.runner import Variant

    scenario = allysim.load_scenario(quick)
    job = Job(scenario, {name: Variant(plan) for name, plan in scenario.plan_sets.items()}, seed=1,
              event_budget=100_000)
    chunk = job.run(0, 500)
    data = encode_chunk(chunk)
    assert len(data) / 500 <= 200  # about 90 bytes per replication, against about 810 stored raw
    back = decode_chunk(data)
    assert set(back) == set(chunk)
    for key, runs in chunk.items():
        for name, array in vars(runs).items():
            assert getattr(back[key], name).dtype == array.dtype
            assert np.array_equal(getattr(back[key], name), array), (key, name)


# --------------------------------------------------------------------------- workers die with their parent


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; only its exit status waits to be collected


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find worker processes")
def test_workers_stop_when_the_main_process_is_killed(busy, tmp_path):
    out = tmp_path / "out"
    main = start("run", str(busy), "--workers", "2", "--format", "none", "--quiet", "--out", str(out))
    workers: set[int] = set()
    try:
        wait_for(lambda: len(children(main.pid)) >= 2, main, "its workers started")
        time.sleep(0.5)  # let them take their first chunks
        workers = children(main.pid)
        main.kill()  # SIGKILL: the main process has no chance to stop its workers itself
        main.wait()  # not communicate(): orphaned workers would hold its pipes open
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if alive(pid)], "workers outlived the main process"
    finally:
        for pid in [main.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        main.communicate()


def test_a_dask_clusters_tasks_are_cancelled_when_the_client_is_killed(busy, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=":0") as cluster:
        scheduler = cluster.scheduler
        client = start("run", str(busy), "--executor", "dask", "--scheduler", cluster.scheduler_address,
                       "--format", "none", "--quiet", "--out", str(tmp_path / "out"))
        try:
            wait_for(lambda: len(scheduler.tasks) > 10, client, "its tasks reached the scheduler")
            client.kill()
            client.wait()
            deadline = time.monotonic() + 20
            while scheduler.tasks and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not scheduler.tasks, f"{len(scheduler.tasks)} tasks outlived their client"
        finally:
            client.kill()
            client.communicate()
