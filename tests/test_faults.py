"""Faults of real machines, injected for real: two commands on one folder, a killed run, damaged checkpoints, a full
disk, a read-only location. Commands run as separate processes (``python -m allysim``, the same entry point as the
installed ``allysim``), so locks, signals and exit codes are the real ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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
    """This checkout's allysim, saving checkpoint chunks as soon as they finish (not after 5 s), as the faults
    below need."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else ""), "ALLYSIM_CHECKPOINT_AFTER": "0"}


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
        # started at the same instant, the loser may find the lock taken before its holder has written its process
        # id: then it says so rather than name a process
        assert err.strip() in {f"allysim: {out} is in use by another allysim command ({who}); wait for it to "
                               "finish, or write to another --out"
                               for who in (f"process {winner.pid}", "a process that is just starting or stopping")}
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
                                            ("deck", str(out)), ("workbook", str(out)))]
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
        allysim.simulate(allysim.load_scenario(scenario_file), workers=1, checkpoint=folder, progress=stop_after,
                         checkpoint_after=0)
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
    from allysim.results import PlanRuns
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
        for name in PlanRuns.fields():  # every array, gathered from shared paths when the chunk shares them
            array = getattr(runs, name)
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


# --------------------------------------------------------------------------- hostile text in outputs

FORMULA = "=cmd|' /C calc'!A0"
MARKUP = '<b>bold</b> & "quoted" $5 and $10 -->'
TITLE = "<script>alert(1)</script> & $x^2$ -->"


def test_hostile_names_stay_literal_text_in_every_output(quick, tmp_path):
    import csv
    import json
    import xml.etree.ElementTree as ET

    from click.testing import CliRunner
    from openpyxl import load_workbook
    from pptx import Presentation

    from allysim.cli import cli

    hostile = tmp_path / "hostile.yaml"
    # a plan named like a formula is refused (tests/test_hostile.py): runs.csv's plan column is never one
    hostile.write_text(QUICK.replace("name: Quick alliance", f"name: {json.dumps(TITLE)}")
                       .replace("  - id: dispute\n", f"  - id: dispute\n    name: {json.dumps(FORMULA)}\n")
                       .replace("  mediated: [mediation]", f"  {json.dumps(MARKUP)}: [mediation]"))
    scenario = allysim.load_scenario(hostile)
    assert scenario.name == TITLE and list(scenario.plan_sets) == ["none", MARKUP]
    assert scenario.risks[0].name == FORMULA
    out = tmp_path / "out"
    runner = CliRunner()
    for args in (["run", str(hostile), "--runs", "200", "--workers", "1", "--format", "svg", "--quiet", "--out",
                  str(out)], ["deck", str(out), "--no-brief"], ["workbook", str(out)]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output

    # SVG: well-formed, nothing active, and no name read as TeX mathematics (it would draw in math italics)
    for svg in out.glob("*.svg"):
        text = svg.read_text()
        tree = ET.fromstring(text)
        tags = {element.tag.rsplit("}", 1)[-1] for element in tree.iter()}
        assert not tags & {"script", "foreignObject", "a", "iframe"}, svg.name
        assert not any(key.startswith("on") for element in tree.iter() for key in element.attrib), svg.name
        assert "<script" not in text and "<b>" not in text and "Oblique" not in text, svg.name

    # PPTX: the names as written, in the slides' text
    texts = "\n".join(shape.text_frame.text for slide in Presentation(out / "deck.pptx").slides
                      for shape in slide.shapes if shape.has_text_frame)
    assert TITLE in texts and MARKUP in texts and FORMULA in texts

    # workbook: every name is a text cell, never a formula
    book = load_workbook(out / "workbook.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    named = [c for c in cells if c.value in (FORMULA, MARKUP, TITLE)]
    assert {c.value for c in named} == {FORMULA, MARKUP, TITLE}
    assert all(c.data_type == "s" for c in named)

    # runs.csv keeps the data exactly as it is, and no cell of it starts as a formula
    with open(out / "runs.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {row["plan"] for row in rows} == {"none", MARKUP}
    assert not [v for row in rows for v in row.values() if v.startswith(("=", "+", "@"))]


# --------------------------------------------------------------------------- full disks, read-only locations


def mount_tiny_disk(disk: Path, size: str) -> None:
    """A tmpfs of ``size``: a disk that really fills up (mounting needs root on Linux; the test is skipped
    elsewhere)."""
    disk.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")


@pytest.fixture()
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs."""
    disk = tmp_path / "disk"
    mount_tiny_disk(disk, "64k")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs: room for the checkpoint of 4,000 runs of QUICK (about 370 kB), not for its runs.csv
    (about 560 kB)."""
    disk = tmp_path / "disk"
    mount_tiny_disk(disk, "512k")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_disk_that_fills_up_while_checkpointing_stops_cleanly_and_resume_finishes(quick, tiny_disk, tmp_path):
    out = tiny_disk / "out"
    out.mkdir()
    (out / ".allysim").write_text("")  # an earlier run's folder, where the user keeps notes too
    (out / "notes.txt").write_text("a user's own file\n")
    args = ("run", str(quick), "--runs", "4000", "--workers", "1", "--format", "none", "--quiet", "--out", str(out))
    full = run(*args)
    folder = checkpoint_path(out)
    assert full.returncode == 1, full.stderr
    assert full.stderr.startswith(f"allysim: cannot write the checkpoint {folder}{os.sep}: No space left on device; "
                                  "free some space, or write to another --out on another disk; the ")
    assert full.stderr.endswith("kept there: run again with --resume to continue from them, or delete the folder\n")
    assert full.stderr.count("\n") == 1 and "internal error" not in full.stderr
    assert files_under(out) == {".allysim": b"", "notes.txt": b"a user's own file\n"}  # as it was
    chunks = {p.name for p in folder.glob("chunk-*.bin")}
    assert 1 <= len(chunks) < 8  # some chunks kept, every one of them whole; no temporary file left behind
    assert {p.name for p in tiny_disk.rglob("*") if p.is_file()} == {"manifest.json", ".allysim", "notes.txt",
                                                                      *chunks}

    subprocess.run(["mount", "-o", "remount,size=8m", str(tiny_disk)], check=True)  # space freed
    resumed = run(*args, "--resume")
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr
    straight = run(*args[:-1], str(tmp_path / "straight"))
    assert straight.returncode == 0, straight.stderr
    for name in ("runs.csv", "summary.json"):
        assert (out / name).read_bytes() == (tmp_path / "straight" / name).read_bytes()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["out"]


@pytest.fixture()
def read_only(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An empty folder no one can write into, and the reason the system gives: a read-only tmpfs when running as
    root (root writes through permissions), else a folder without write permission."""
    place = tmp_path / "readonly"
    place.mkdir()
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(place)],
                                 capture_output=True, check=False)
        if mounted.returncode != 0:
            pytest.skip("running as root and cannot mount a read-only tmpfs")
        try:
            yield place, "Read-only file system"
        finally:
            subprocess.run(["umount", "-l", str(place)], capture_output=True, check=False)
    else:
        place.chmod(0o555)
        try:
            yield place, "Permission denied"
        finally:
            place.chmod(0o755)


def test_a_read_only_location_is_one_line_and_exit_1(quick, read_only):
    place, reason = read_only
    for out in (place / "out", place / "deeper" / "out"):
        done = run("run", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet",
                   "--out", str(out))
        assert done.returncode == 1, done.stderr
        assert done.stderr == (f"allysim: cannot write to {out}: {reason} ({out.parent}{os.sep}); write to "
                               "another --out, in a folder you can write to\n")
    assert list(place.iterdir()) == []


def test_a_disk_that_fills_up_while_writing_the_results_keeps_the_folder_and_the_simulation(quick, small_disk,
                                                                                           tmp_path):
    out = small_disk / "out"
    out.mkdir()
    (out / ".allysim").write_text("")  # an earlier run's folder
    (out / "summary.json").write_text('{"earlier": true}\n')
    args = ("run", str(quick), "--runs", "4000", "--workers", "1", "--format", "none", "--quiet", "--out", str(out))
    full = run(*args)
    folder = checkpoint_path(out)
    assert full.returncode == 1, full.stderr
    assert full.stderr == (
        f"allysim: cannot write runs.csv in {out}{os.sep}: No space left on device; free some space, or write to "
        "another --out on another disk, or leave the charts out with --format none; the output folder is as it "
        f"was; the finished simulation is kept in {folder}{os.sep}: run again with --resume to write the results "
        "without simulating again\n")
    assert files_under(out) == {".allysim": b"", "summary.json": b'{"earlier": true}\n'}
    assert sorted(p.name for p in small_disk.iterdir()) == [folder.name, "out"]  # no staging folder left

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    resumed = run(*args, "--resume")
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr
    straight = run(*args[:-1], str(tmp_path / "straight"))
    for name in ("runs.csv", "summary.json"):
        assert (out / name).read_bytes() == (tmp_path / "straight" / name).read_bytes()
    assert sorted(p.name for p in small_disk.iterdir()) == ["out"]
    assert straight.returncode == 0


def test_enospc_from_the_writer_is_one_line_and_leaves_nothing_behind(quick, tmp_path, monkeypatch):
    import errno
    from contextlib import contextmanager

    from click.testing import CliRunner

    from allysim import outputs
    from allysim.cli import cli

    out = tmp_path / "out"
    out.mkdir()
    (out / ".allysim").write_text("")  # an earlier run's folder, where the user keeps notes too
    (out / "notes.txt").write_text("a user's own file\n")
    writer = outputs.atomic_file

    @contextmanager
    def full_disk(path: Path, **kwargs: object) -> Iterator[object]:
        with writer(path, **kwargs) as fh:
            if Path(path).name == "compare.json":
                fh.write("{")  # part of it, then the disk is full; a failed write() names no file
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            yield fh

    monkeypatch.setattr(outputs, "atomic_file", full_disk)
    result = CliRunner().invoke(cli, ["compare", str(quick), "--runs", "200", "--workers", "1", "--format", "svg",
                                      "--quiet", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"allysim: cannot write compare.json in {out}{os.sep}: No space left on device; free some space, or write "
        "to another --out on another disk, or leave the charts out with --format none; the output folder is as it "
        "was and nothing of this command is left behind\n")
    assert files_under(out) == {".allysim": b"", "notes.txt": b"a user's own file\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "quick.yaml"]


def test_an_os_error_outside_a_staged_write_is_one_line_never_an_internal_error(quick, tmp_path, read_only):
    place, reason = read_only
    out = tmp_path / "out"
    assert run("run", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet",
               "--out", str(out)).returncode == 0
    done = run("workbook", str(out), "--out", str(place / "results.xlsx"))
    assert done.returncode == 1, done.stderr
    assert done.stderr == (f"allysim: {place / 'results.xlsx'}: cannot write the workbook ({reason}); write to "
                           "another --out, in a folder you can write to\n")


# --------------------------------------------------------------------------- nothing lost: whose files allysim replaces


def cli_run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """``allysim ARGS`` in this process (fast); returns the exit code and everything printed."""
    from click.testing import CliRunner

    from allysim.cli import cli

    if cwd is not None:
        previous = os.getcwd()
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        if cwd is not None:
            os.chdir(previous)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, result.output


QUICKLY = ("--runs", "60", "--workers", "1", "--format", "none", "--quiet")


def test_a_batch_gives_each_file_its_own_folder_even_when_names_collide(tmp_path):
    for place in ("a", "b"):
        (tmp_path / place).mkdir()
        (tmp_path / place / "x.yaml").write_text(QUICK.replace("Quick alliance", f"Alliance {place}"))
    (tmp_path / "x.yaml").write_text(QUICK)
    code, output = cli_run("run", "a/x.yaml", "b/x.yaml", "x.yaml", *QUICKLY, cwd=tmp_path)
    assert code == 0, output
    reports = tmp_path / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["a-x", "b-x", f"{tmp_path.name}-x"]
    import json

    names = {json.loads((reports / f / "summary.json").read_text())["scenario"] for f in ("a-x", "b-x")}
    assert names == {"Alliance a", "Alliance b"}  # both kept, neither over the other


def test_a_scenario_named_with_dots_cannot_write_outside_reports(tmp_path):
    (tmp_path / "...yaml").write_text(QUICK)
    (tmp_path / "summary.json").write_text("the user's own\n")
    code, output = cli_run("run", "...yaml", *QUICKLY, cwd=tmp_path)
    assert code == 0, output
    assert (tmp_path / "summary.json").read_text() == "the user's own\n"
    assert (tmp_path / "reports" / "scenario" / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...yaml", "reports", "summary.json"]


def test_allysim_writes_only_into_its_own_or_empty_folders_unless_forced(quick, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.json").write_text("my own summary\n")
    (out / "runs.csv").write_text("my,own\n")
    for command in (("run", str(quick), *QUICKLY), ("compare", str(quick), *QUICKLY),
                    ("drivers", str(quick), *QUICKLY)):
        code, output = cli_run(*command, "--out", str(out))
        assert code == 2, output
        assert output == (f"allysim: {out}: holds files allysim did not write (runs.csv, summary.json); write to a "
                          "new or empty --out, or add --force to write into it anyway (files of the names allysim "
                          "writes are replaced)\n")
        assert files_under(out) == {"runs.csv": b"my,own\n", "summary.json": b"my own summary\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "quick.yaml"]  # no lock, no staging left
    code, output = cli_run("run", str(quick), *QUICKLY, "--out", str(out), "--force")
    assert code == 0, output
    code, output = cli_run("run", str(quick), *QUICKLY, "--out", str(out))  # allysim's now: marked
    assert code == 0, output and (out / ".allysim").is_file()
    (tmp_path / "empty").mkdir()
    assert cli_run("run", str(quick), *QUICKLY, "--out", str(tmp_path / "empty"))[0] == 0


def test_import_and_the_template_never_replace_a_users_file(tmp_path):
    register = tmp_path / "reg.xlsx"
    code, output = cli_run("import", "--template", str(register))
    assert code == 0, output
    filled = register.read_bytes()
    code, output = cli_run("import", "--template", str(register))  # as if the user had filled it in since
    assert code == 2 and output == (f"allysim: {register}: already exists and allysim did not write it; choose "
                                    "another name, or add --force to replace it\n")
    assert register.read_bytes() == filled
    edited = tmp_path / "reg.yaml"
    edited.write_text("# my edits\n")
    code, output = cli_run("import", str(register))
    assert code == 2 and "reg.yaml: already exists" in output and edited.read_text() == "# my edits\n", output
    code, output = cli_run("import", str(register), "--force")
    assert code == 0 and edited.read_text() != "# my edits\n", output


def test_deck_and_workbook_write_only_their_own_files(quick, tmp_path):
    out = tmp_path / "out"
    assert cli_run("run", str(quick), *QUICKLY, "--out", str(out))[0] == 0
    victim = tmp_path / "victim.yaml"
    victim.write_text(QUICK)
    code, output = cli_run("deck", str(out), "--out", str(victim), "--no-brief")
    assert code == 2 and output == f"allysim: {victim}: the deck is a PowerPoint file; name it FILE.pptx\n"
    assert victim.read_text() == QUICK
    theirs = tmp_path / "theirs.pptx"
    theirs.write_bytes(b"a deck made by hand")
    code, output = cli_run("deck", str(out), "--out", str(theirs), "--no-brief")
    assert code == 2 and "theirs.pptx: already exists and allysim did not write it" in output
    assert theirs.read_bytes() == b"a deck made by hand"
    mine = tmp_path / "mine.pptx"
    for _ in range(2):  # a deck allysim wrote is replaced when the command is run again
        assert cli_run("deck", str(out), "--out", str(mine), "--no-brief")[0] == 0
    book = tmp_path / "book.xlsx"
    for _ in range(2):
        assert cli_run("workbook", str(out), "--out", str(book))[0] == 0
    code, output = cli_run("workbook", str(out), "--out", str(theirs.with_suffix(".xlsx")))
    assert code == 0, output
    theirs.with_suffix(".xlsx").write_bytes(b"a workbook made by hand")
    code, output = cli_run("workbook", str(out), "--out", str(theirs.with_suffix(".xlsx")))
    assert code == 2 and theirs.with_suffix(".xlsx").read_bytes() == b"a workbook made by hand"


# --------------------------------------------------------------------------- no wrong output: resume and final move


def test_resume_with_other_overrides_is_refused_and_a_renamed_chunk_is_not_trusted(quick, tmp_path):
    out = tmp_path / "out"
    folder = interrupted_checkpoint(quick, out, chunks=2)
    code, output = cli_run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out", str(out),
                           "--resume", "--set", "risks.dispute.rate=0.9")
    assert code == 2 and "belongs to another run (different --set, scenario or --set)" in output, output
    assert len(list(folder.glob("chunk-*.bin"))) == 2  # untouched
    first, second = sorted(folder.glob("chunk-*.bin"))
    # the second chunk renamed to stand for the first's range: its bytes match the digest of its name no more
    first.unlink()
    second.rename(folder / second.name.replace(second.name[6:31], first.name[6:31]))
    resumed = run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr == (f"allysim: 1 of 1 checkpoint chunks in {folder} was damaged or truncated; simulating "
                              "it again\n")
    assert cli_run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out",
                   str(tmp_path / "s"))[0] == 0
    for name in ("runs.csv", "summary.json"):
        assert (out / name).read_bytes() == (tmp_path / "s" / name).read_bytes(), name


def test_a_final_move_that_fails_half_way_puts_every_file_back(quick, tmp_path, monkeypatch):
    from allysim import outputs

    out = tmp_path / "out"
    assert cli_run("run", str(quick), *QUICKLY, "--out", str(out))[0] == 0
    (out / "notes.txt").write_text("mine\n")
    before = files_under(out)
    replace, calls = os.replace, []

    def failing(source: object, target: object) -> None:
        calls.append(target)
        if Path(os.fsdecode(source)).parent.name.startswith(".out.staging") and Path(os.fsdecode(target)) == \
                out / "scenario.yaml":  # the new scenario.yaml cannot take the old one's place
            raise PermissionError(1, "Operation not permitted", os.fsdecode(target))
        replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", failing)
    code, output = cli_run("run", str(quick), *QUICKLY, "--seed", "99", "--out", str(out))
    assert code == 1 and output.count("\n") == 1 and "the output folder is as it was" in output, output
    assert files_under(out) == before  # summary.json, runs.csv, ... moved in already were put back
    assert len(calls) > 4
    # a folder where a file goes is found before anything moves
    monkeypatch.setattr(outputs.os, "replace", replace)
    (out / "runs.csv").unlink()
    (out / "runs.csv").mkdir()
    before = files_under(out)
    code, output = cli_run("run", str(quick), *QUICKLY, "--seed", "99", "--out", str(out))
    assert code == 1 and "cannot write runs.csv" in output and "is as it was" in output, output
    assert files_under(out) == before and (out / "runs.csv").is_dir()


def test_when_the_move_cannot_be_undone_the_message_says_so(quick, tmp_path, monkeypatch):
    from allysim import outputs

    out = tmp_path / "out"
    assert cli_run("run", str(quick), *QUICKLY, "--out", str(out))[0] == 0
    replace, failed = os.replace, []

    def failing(source: object, target: object) -> None:
        source, target = Path(os.fsdecode(source)), Path(os.fsdecode(target))
        if source.parent.name.startswith(".out.staging") and target == out / "scenario.yaml" or \
                failed and source == out / "runs.csv":  # and then the new runs.csv cannot be taken out again
            failed.append(target)
            raise PermissionError(1, "Operation not permitted", str(target))
        replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", failing)
    code, output = cli_run("run", str(quick), *QUICKLY, "--seed", "99", "--out", str(out))
    assert code == 1 and output.count("\n") == 1 and "as it was" not in output, output
    assert "could not be put back as they were (runs.csv)" in output


def test_staging_folders_of_killed_commands_are_removed(quick, tmp_path):
    out = tmp_path / "out"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f".out.staging-{gone.pid}"
    living = tmp_path / f".out.staging-{os.getppid()}"
    for stage in (dead, living):
        stage.mkdir()
        (stage / "runs.csv").write_text("a full result a kill -9 left behind\n")
    assert cli_run("run", str(quick), *QUICKLY, "--out", str(out))[0] == 0
    assert not dead.exists() and living.exists()  # a live process's folder is left alone


@pytest.fixture()
def volume(tmp_path: Path) -> Iterator[Path]:
    """A writable folder in a read-only parent, as a container volume mounted at the output folder (needs root)."""
    parent = tmp_path / "ro"
    (parent / "out").mkdir(parents=True)
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting needs root on Linux")
    steps = [["mount", "--bind", str(parent), str(parent)], ["mount", "-o", "remount,bind,ro", str(parent)],
             ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(parent / "out")]]
    try:
        for step in steps:
            if subprocess.run(step, capture_output=True, check=False).returncode != 0:
                pytest.skip(f"cannot {' '.join(step[:3])} here")
        yield parent / "out"
    finally:
        for target in (parent / "out", parent):
            subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def test_an_output_folder_in_a_read_only_parent_keeps_its_lock_staging_and_checkpoint_inside(quick, volume):
    with pytest.raises(OSError):
        (volume.parent / "probe").write_text("x")  # the parent really is read-only
    assert checkpoint_path(volume) == volume / ".allysim.checkpoint"
    interrupted_checkpoint(quick, volume, chunks=2)
    resumed = run("run", str(quick), "--workers", "1", "--format", "none", "--quiet", "--out", str(volume),
                  "--resume")
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr
    assert sorted(p.name for p in volume.iterdir()) == [".allysim", "health.json", "runs.csv", "scenario.yaml",
                                                        "summary.json"]  # no lock, staging or checkpoint left
    again = run("compare", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet", "--out",
                str(volume))
    assert again.returncode == 0, again.stderr


# --------------------------------------------------------------------------- damaged output folders: one line each


def damage_summary(folder: Path, change: Callable[[dict], None]) -> None:
    import json

    data = json.loads((folder / "summary.json").read_text())
    change(data)
    (folder / "summary.json").write_text(json.dumps(data))


def first_plan(data: dict) -> dict:
    return data["plans"][next(iter(data["plans"]))]


DAMAGE: dict[str, Callable[[Path], None]] = {
    "100,000 [": lambda f: (f / "summary.json").write_text("[" * 100_000),
    "NaN": lambda f: damage_summary(f, lambda d: first_plan(d)["survival"].update(estimate=float("nan"))),
    "wrong types": lambda f: damage_summary(f, lambda d: d.update(horizon="ten")),
    "a string for a number": lambda f: damage_summary(f, lambda d: first_plan(d)["npv"].update(mean="abc")),
    "a string deep inside": lambda f: damage_summary(f, lambda d: first_plan(d)["npv"].update(p10="abc")),
    "random bytes in runs.csv": lambda f: (f / "runs.csv").write_bytes(bytes(range(256)) * 20),
    "a plan summary.json does not name": lambda f: (f / "runs.csv").write_text(
        (f / "runs.csv").read_text() + "ghost,0,5,true,survived,1,0,0,1,1\n"),
    "truncated runs.csv": lambda f: (f / "runs.csv").write_text(
        "".join((f / "runs.csv").read_text().splitlines(keepends=True)[:50])),
    "infinity in runs.csv": lambda f: (f / "runs.csv").write_text(
        (f / "runs.csv").read_text().replace(",true,survived,", ",true,survived,inf", 1)),
    "a deep study": lambda f: (f / "compare.json").write_text("[" * 100_000),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    place = tmp_path_factory.mktemp("made")
    (place / "quick.yaml").write_text(QUICK)
    code, output = cli_run("run", str(place / "quick.yaml"), *QUICKLY, "--out", str(place / "out"))
    assert code == 0, output
    return place / "out"


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_folder_is_one_line_for_report_deck_and_workbook(made, tmp_path, damage):
    import shutil

    folder = tmp_path / "out"
    shutil.copytree(made, folder)
    DAMAGE[damage](folder)
    for command in (("report", "--format", "svg"), ("deck", "--no-brief"), ("workbook",)):
        code, output = cli_run(command[0], str(folder), *command[1:])
        assert code == 2, (command, output)
        assert output.count("\n") == 1 and output.startswith(f"allysim: {folder}"), (command, output)
        assert "rerun" in output.lower() or "Rerun" in output, output


# --------------------------------------------------------------------------- bounded work, and every Dask failure one line


def test_workers_are_capped_at_four_per_cpu_with_a_note(quick, monkeypatch):
    import warnings

    from allysim.errors import AllysimWarning
    from allysim.runner import RunOptions

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    scenario = allysim.load_scenario(quick)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert RunOptions(workers=1000).resolve(scenario).workers == 8
        assert RunOptions(workers=8).resolve(scenario).workers == 8
        assert RunOptions(workers=1000, executor="dask", scheduler="tcp://far:8786").resolve(scenario).workers == 1000
    notes = [str(w.message) for w in seen if issubclass(w.category, AllysimWarning)]
    assert notes == ["1,000 workers is more than 4 per CPU (2 CPUs); using 8: more processes would only compete for "
                     "the CPUs (the results do not depend on it)"]


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never says a word."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def test_a_bad_or_silent_scheduler_address_is_one_line(quick, silent_server, monkeypatch):
    pytest.importorskip("dask.distributed")
    import http.server
    import threading

    from allysim import executors

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)  # an HTTP server where the scheduler should be
    threading.Thread(target=web.serve_forever, daemon=True).start()
    http_address = f"tcp://127.0.0.1:{web.server_address[1]}"
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    args = ("run", str(quick), "--runs", "20", "--quiet", "--format", "none", "--executor", "dask", "--scheduler")
    try:
        for address, code, phrase in [
            ("foo://bar:1", 2, "--scheduler foo://bar:1: not a scheduler address (unknown address scheme 'foo'"),
            ("not an address", 2, "--scheduler not an address: not a scheduler address"),
            (silent_server, 1, f"the Dask scheduler at {silent_server} accepted the connection but did not answer"),
            (http_address, 1, f"the Dask scheduler at {http_address} "),
        ]:
            got, output = cli_run(*args, address, "--out", "/nonexistent/never-written")
            assert got == code and output.count("\n") == 1 and phrase in output, output
    finally:
        web.shutdown()


def test_workers_lost_by_a_dask_cluster_are_one_line(quick, monkeypatch):
    """Chunks cancelled again and again (the job's copies lost with the workers each time) end in one line."""
    distributed = pytest.importorskip("dask.distributed")
    from allysim import executors
    from allysim.errors import ClusterError

    class Lost:
        def result(self) -> None:
            raise distributed.client.FutureCancelledError("chunk", reason="lost dependencies")

    class Cluster:
        submitted = 0

        def scatter(self, job: object, **kwargs: object) -> object:
            return job

        def submit(self, *args: object, **kwargs: object) -> Lost:
            Cluster.submitted += 1
            return Lost()

        def cancel(self, futures: object, **kwargs: object) -> None:
            pass

        def nthreads(self) -> dict:
            return {"tcp://worker:1": 1}

    monkeypatch.setattr(distributed, "as_completed", lambda futures: iter(list(futures)))
    executor = executors.DaskExecutor.__new__(executors.DaskExecutor)
    executor.client, executor.address, executor._cluster = Cluster(), "tcp://cluster:8786", None
    job = executors.Job(allysim.load_scenario(quick), {}, 1, 1000)
    with pytest.raises(ClusterError) as info:
        list(executor.map(job, [(0, 10)]))
    assert Cluster.submitted == executors.RETRIES + 1
    assert str(info.value) == (f"the Dask cluster at tcp://cluster:8786 lost its workers {executors.RETRIES + 1} times "
                               "while simulating; check that its workers are running and have memory enough, then "
                               "continue with --resume")


BRISK = BUSY.replace("runs: 50000", "runs: 200")  # a few seconds on two Dask workers


def test_a_real_dask_cluster_whose_workers_are_killed_mid_run_gives_the_same_bytes(tmp_path):
    """A LocalCluster of worker processes: one worker killed (its nanny restarts it), then every worker killed at
    once (the job's copies gone with them). The chunks lost are simulated again; the results are byte for byte a
    local run's, and nothing but allysim's own output reaches the terminal."""
    distributed = pytest.importorskip("dask.distributed")
    scenario = tmp_path / "brisk.yaml"
    scenario.write_text(BRISK)
    local = tmp_path / "local"
    assert run("run", str(scenario), "--workers", "1", "--format", "none", "--quiet", "--out", str(local)).returncode == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  env={"PYTHONPATH": environment()["PYTHONPATH"]}) as cluster:
        tasks = cluster.scheduler.tasks

        def chunks_done() -> int:
            return sum(t.state == "memory" and "run_chunk" in str(t.key) for t in list(tasks.values()))

        def kill(count: int) -> None:
            pids = [w.process.process.pid for w in cluster.workers.values() if w.process and w.process.process]
            for pid in pids[:count]:
                os.kill(pid, signal.SIGKILL)

        out = tmp_path / "dask"
        client = start("run", str(scenario), "--executor", "dask", "--scheduler", cluster.scheduler_address,
                       "--format", "none", "--quiet", "--out", str(out))
        try:
            wait_for(lambda: chunks_done() >= 2, client, "its first chunks finished")
            kill(1)
            wait_for(lambda: chunks_done() >= 4, client, "more chunks finished")
            kill(2)
            stdout, stderr = client.communicate(timeout=240)
        finally:
            client.kill()
    assert client.returncode == 0 and stderr == "" and stdout == "", stderr
    for name in ("runs.csv", "summary.json"):
        assert (out / name).read_bytes() == (local / name).read_bytes(), name


def test_a_dask_cluster_left_without_workers_is_one_line_never_a_hang(quick, monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    import threading

    from allysim import executors
    from allysim.errors import ClusterError

    monkeypatch.setattr(executors, "NO_WORKERS", 1.0)
    monkeypatch.setattr(executors, "POLL", 0.1)
    scenario = allysim.parse_scenario(BRISK, source="brisk.yaml")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        tasks = cluster.scheduler.tasks

        def retire() -> None:
            deadline = time.monotonic() + 60
            while not any("run_chunk" in str(t.key) for t in list(tasks.values())) and time.monotonic() < deadline:
                time.sleep(0.01)
            cluster.scale(0)

        threading.Thread(target=retire, daemon=True).start()
        with pytest.raises(ClusterError) as info:
            allysim.simulate(scenario, runs=200, seed=1, executor="dask", scheduler=cluster.scheduler_address)
    assert str(info.value).startswith(f"the Dask cluster at {cluster.scheduler_address} has had no workers for ")
    assert str(info.value).endswith("s; start some (dask worker ADDRESS), then continue with --resume")


def test_a_full_disk_in_workbook_and_template_is_one_line_and_nothing_after(quick, tiny_disk, tmp_path):
    out = tmp_path / "out"
    assert cli_run("run", str(quick), *QUICKLY, "--out", str(out))[0] == 0
    (tiny_disk / "filler").write_bytes(b"\0" * 58_000)  # leaves too little room for either file
    for args, name in ((("workbook", str(out), "--out", str(tiny_disk / "w.xlsx")), "workbook"),
                       (("import", "--template", str(tiny_disk / "t.xlsx")), "register")):
        done = run(*args)
        assert done.returncode == 1, done.stderr
        assert done.stderr == (f"allysim: {args[-1]}: cannot write the {name} (No space left on device); free some "
                               "space, or write to another --out on another disk\n")  # no traceback after it
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_every_test_that_docs_reliability_names_exists():
    """docs/reliability.md states each promise with the test that keeps it: a renamed or removed test would leave a
    promise unkept in silence."""
    import re

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "reliability.md").read_text()
    sources = {path.name: path.read_text() for path in (root / "tests").glob("test_*.py")}
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", text))
    assert len(named) > 30
    missing = [name for name in sorted(named) if not any(f"def {name}(" in source for source in sources.values())]
    assert not missing, missing
    files = set(re.findall(r"tests/(test_[a-z0-9_]+\.py)", text))
    assert files <= set(sources), files - set(sources)
