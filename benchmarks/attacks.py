"""Replay the attacks of docs/reliability.md through the command line and count what still goes wrong.

    PYTHONPATH=src python benchmarks/attacks.py [--only WORD]

Each attack runs ``python -m allysim`` as a user would, in a scratch folder, and is judged on what allysim
promises: no data loss (a file allysim did not write is never replaced), no wrong output (no folder mixed, no
result silently wrong), no hang (each command within its time limit), bounded memory (peak resident memory under
the bound, measured with ``/usr/bin/time`` where it exists) and no internal error (bad input is one line with exit
code 2, anything else one line with exit code 1, never a traceback). It prints one line per attack and a count per
kind of failure, and exits with 1 when any attack failed. Attacks that need root (a full disk, a read-only mount)
are skipped without it. About a minute on two CPUs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LIMIT = 120.0  # seconds any one command may take
MEMORY_MB = 600  # peak resident memory any one command may take
TIME = shutil.which("time") and Path("/usr/bin/time").exists()

QUICK = """\
allysim: 1
name: Quick alliance
horizon: 5
seed: 11
runs: 200
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
FAST = ("--runs", "50", "--quiet", "--format", "none")


@dataclass
class Done:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float | None
    hung: bool = False


class Failed(Exception):
    """An attack that got through: ``kind`` is one of KINDS."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


KINDS = ("data loss", "wrong output", "hang", "unbounded memory", "internal error")


def cli(*args: str, cwd: Path | None = None, limit: float = LIMIT, **kwargs: object) -> Done:
    """``python -m allysim ARGS`` in a process of its own, with its time and peak memory."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        timer = ["/usr/bin/time", "-f", "%M", "-o", rss.name] if TIME else []
        start = time.perf_counter()
        proc = subprocess.Popen([*timer, sys.executable, "-m", "allysim", *args], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kwargs)
        try:
            out, err = proc.communicate(timeout=limit)
            hung = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            hung = True
        took = time.perf_counter() - start
        text = Path(rss.name).read_text().strip().splitlines() if TIME else []
    peak = float(text[-1]) / 1024 if text and text[-1].isdigit() else None
    done = Done(proc.returncode, out, err, took, peak, hung)
    if hung:
        raise Failed("hang", f"allysim {' '.join(args)[:80]} still running after {limit:.0f} s")
    if peak is not None and peak > MEMORY_MB:
        raise Failed("unbounded memory", f"allysim {' '.join(args)[:80]}: peak {peak:.0f} MB")
    return done


def one_line(done: Done, code: int, phrase: str = "") -> None:
    """Refused as promised: exit ``code``, one line on stderr (after any notes), no traceback."""
    if "Traceback" in done.err or "internal error" in done.err:
        raise Failed("internal error", done.err.strip().splitlines()[-1][:200])
    lines = [line for line in done.err.splitlines() if not line.startswith("allysim: note")]
    if done.code != code or len(lines) != 1 or phrase not in done.err:
        raise Failed("internal error", f"exit {done.code} (expected {code}): {done.err.strip()[:200]!r}")


def ok(done: Done) -> None:
    if done.code != 0:
        raise Failed("internal error" if "Traceback" in done.err or "internal error" in done.err else "wrong output",
                     f"exit {done.code}: {done.err.strip()[-200:]}")


def digest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with its sha256 (hidden staging and lock files included)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def unchanged(before: dict[str, str], folder: Path, what: str) -> None:
    after = digest(folder)
    lost = [name for name, sha in before.items() if after.get(name) != sha]
    if lost:
        raise Failed("data loss", f"{what}: {', '.join(lost[:4])} replaced or removed")


# --------------------------------------------------------------------------- the attacks


def scenario(tmp: Path, name: str = "q.yaml", text: str = QUICK) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def finished_run(tmp: Path) -> Path:
    out = tmp / "done"
    ok(cli("run", str(scenario(tmp)), *FAST, "--out", str(out)))
    return out


def duplicate_stems(tmp: Path) -> None:
    a, b = scenario(tmp, "a/x.yaml"), scenario(tmp, "b/x.yaml", QUICK.replace("seed: 11", "seed: 12"))
    ok(cli("run", str(a), str(b), *FAST, cwd=tmp))
    folders = sorted(p.name for p in (tmp / "reports").iterdir() if p.is_dir())
    if len(folders) != 2:
        raise Failed("data loss", f"two files with one stem wrote {folders}")


def out_into_users_folder(tmp: Path) -> None:
    folder = tmp / "mine"
    folder.mkdir()
    (folder / "summary.json").write_text('{"mine": true}')
    (folder / "runs.csv").write_text("my,own,data\n")
    before = digest(folder)
    one_line(cli("run", str(scenario(tmp)), *FAST, "--out", str(folder)), 2, "allysim did not write")
    unchanged(before, folder, "--out into a user's folder")


def template_over_register(tmp: Path) -> None:
    reg = tmp / "filled.xlsx"
    ok(cli("import", "--template", str(reg)))
    with zipfile.ZipFile(reg, "a") as book:
        book.writestr("docProps/custom-note.xml", "<note>filled in by hand</note>")
    before = digest(tmp)
    one_line(cli("import", "--template", str(reg)), 2)
    unchanged(before, tmp, "import --template over a filled register")


def import_over_yaml(tmp: Path) -> None:
    reg = tmp / "reg.xlsx"
    ok(cli("import", "--template", str(reg)))
    (tmp / "reg.yaml").write_text("# edited by hand\n" + QUICK)
    before = digest(tmp)
    done = cli("import", str(reg))
    if done.code == 0:
        unchanged(before, tmp, "import over a hand-edited yaml")
    unchanged(before, tmp, "import over a hand-edited yaml")
    one_line(done, 2)


def deck_over_yaml(tmp: Path) -> None:
    out = finished_run(tmp)
    victim = scenario(tmp, "victim.yaml")
    before = digest(tmp)
    one_line(cli("deck", str(out), "--out", str(victim)), 2, ".pptx")
    unchanged(before, tmp, "deck --out victim.yaml")


def dotted_name(tmp: Path) -> None:
    work = tmp / "work"
    work.mkdir()
    (work / "keep.txt").write_text("mine")
    scenario(work, "...yaml")
    before = {k: v for k, v in digest(work).items() if not k.startswith("reports")}
    ok(cli("run", "...yaml", *FAST, cwd=work))
    unchanged(before, work, "a scenario named ...yaml")
    stray = [p.name for p in work.iterdir() if p.name not in ("keep.txt", "...yaml", "reports")]
    if stray:
        raise Failed("data loss", f"a scenario named ...yaml wrote {stray} into the working folder")


def resume_other_set(tmp: Path) -> None:
    path, out, reference = scenario(tmp), tmp / "r", tmp / "reference"
    long = ("--runs", "6000", "--quiet", "--format", "none", "--workers", "1")
    ok(cli("run", str(path), *long, "--out", str(reference)))
    checkpoint = tmp / ".r.checkpoint"
    os.environ["ALLYSIM_CHECKPOINT_AFTER"] = "0"
    proc = subprocess.Popen([sys.executable, "-m", "allysim", "run", str(path), *long, "--out", str(out)],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (checkpoint.is_dir() and len(list(checkpoint.glob("chunk-*"))) >= 2):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise Failed("hang", "no checkpoint chunk within 60 s, or the run ended first")
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        os.environ.pop("ALLYSIM_CHECKPOINT_AFTER", None)
        if proc.poll() is None:
            proc.kill()
    one_line(cli("run", str(path), *long, "--out", str(out), "--resume", "--set", "horizon=3"), 2,
             "belongs to another run")
    # a chunk renamed to another range is not trusted: simulated again, and the results are an uninterrupted run's
    chunk = sorted(checkpoint.glob("chunk-*"))[0]
    parts = chunk.name.split("-")
    chunk.rename(checkpoint / "-".join([parts[0], "000000005000", "000000005500", parts[3]]))
    ok(cli("run", str(path), *long, "--out", str(out), "--resume"))
    if (out / "runs.csv").read_bytes() != (reference / "runs.csv").read_bytes():
        raise Failed("wrong output", "a resumed run with a renamed chunk differs from an uninterrupted run")


def move_fails_half_way(tmp: Path) -> None:
    out = finished_run(tmp)
    (out / "runs.csv").unlink()
    (out / "runs.csv").mkdir()  # a folder where a file goes
    (out / "runs.csv" / "inside.txt").write_text("mine")
    before = digest(out)
    done = cli("run", str(scenario(tmp)), *FAST, "--out", str(out))
    unchanged(before, out, "a final move that cannot be made")
    if done.code == 0:
        raise Failed("wrong output", "a folder where runs.csv goes was passed over silently")
    one_line(done, done.code)


def control_characters(tmp: Path) -> None:
    for name in ('"\\e]0;owned\\a"', '"\\e]52;c;aGk=\\a"', '"\\e[2J"', '"\\x9b31m"', '"\\u202e"'):
        path = scenario(tmp, "c.yaml", QUICK.replace("name: Quick alliance", f"name: {name}"))
        done = cli("run", str(path), *FAST, "--out", str(tmp / "c"))
        if "\x1b" in done.err + done.out or "\x9b" in done.err + done.out:
            raise Failed("wrong output", f"a raw escape reached the terminal for {name}")
        one_line(done, 2)
    out = finished_run(tmp)
    for args in (("deck", str(out), "--out", str(tmp / "d.pptx")), ("workbook", str(out), "--out",
                                                                     str(tmp / "w.xlsx"))):
        ok(cli(*args))
    ok(cli("report", str(out), "--format", "svg"))
    import xml.etree.ElementTree as ET

    for svg in out.glob("*.svg"):
        ET.parse(svg)


def overflow(tmp: Path) -> None:
    for old, new in (("value_rate: 10", "value_rate: 1e307"), ("cost: 1.0", "cost: 1e308")):
        one_line(cli("run", str(scenario(tmp, "o.yaml", QUICK.replace(old, new))), *FAST, "--out", str(tmp / "o")), 2)


def duplicate_sheets(tmp: Path) -> None:
    folder = tmp / "csv"
    folder.mkdir()
    (folder / "Alliance.csv").write_text("key,value\nname,X\nhorizon,5\n")
    (folder / "Risks.csv").write_text("id,rate,fatal\na,0.1,1\n")
    (folder / "risks.csv").write_text("id,rate,fatal\nb,0.1,1\n")
    one_line(cli("import", str(folder), "--out", str(tmp / "x.yaml")), 2, "same name but for case")


def xlsx_bombs(tmp: Path) -> None:
    template = tmp / "t.xlsx"
    ok(cli("import", "--template", str(template)))
    head = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>")
    cases = {"row": head + b'<row r="1">' + b'<c t="n"><v>1</v></c>' * 3_100_000 + b"</row></sheetData></worksheet>",
             "rows": head + b"<row/>" * 6_000_000 + b"</sheetData></worksheet>"}
    strings = b'<sst count="1">' + b"<si><t>x</t></si>" * 5_600_000 + b"</sst>"
    for name, data in [*cases.items(), ("strings", None)]:
        bomb = tmp / f"bomb-{name}.xlsx"
        with zipfile.ZipFile(template) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                content = src.read(item)
                if item.filename == "xl/worksheets/sheet2.xml" and data is not None:
                    content = data
                dst.writestr(item.filename, content)
            if data is None:
                dst.writestr("xl/sharedStrings.xml", strings)
        done = cli("import", str(bomb), "--out", str(tmp / f"{name}.yaml"), limit=30)
        one_line(done, 2)
        if done.peak_mb is not None and done.peak_mb > 300:
            raise Failed("unbounded memory", f"an xlsx bomb ({name}) took {done.peak_mb:.0f} MB")


def many_workers(tmp: Path) -> None:
    done = cli("run", str(scenario(tmp)), *FAST, "--workers", "1000", "--out", str(tmp / "w"))
    ok(done)
    if "per CPU" not in done.err:
        raise Failed("wrong output", "--workers 1000 ran without the note")


def fifo(tmp: Path) -> None:
    pipe = tmp / "pipe.yaml"
    os.mkfifo(pipe)
    one_line(cli("validate", str(pipe), limit=20), 2, "FIFO")


def staging_leftovers(tmp: Path) -> None:
    out = finished_run(tmp)
    stale = tmp / f".{out.name}.staging-999999"
    stale.mkdir()
    (stale / "runs.csv").write_text("x")
    ok(cli("run", str(scenario(tmp)), *FAST, "--out", str(out)))
    if stale.exists():
        raise Failed("data loss", "a killed command's staging folder was left for ever")


def damaged_folders(tmp: Path) -> None:
    good = finished_run(tmp)
    summary = json.loads((good / "summary.json").read_text())
    runs = (good / "runs.csv").read_bytes()
    plan = next(iter(summary["plans"]))
    damages: dict[str, Callable[[Path], None]] = {
        "100,000 [": lambda f: (f / "summary.json").write_text("[" * 100_000),
        "NaN": lambda f: (f / "summary.json").write_text(
            json.dumps(summary).replace(str(summary["plans"][plan]["npv"]["mean"]), "NaN", 1)),
        "random bytes in runs.csv": lambda f: (f / "runs.csv").write_bytes(os.urandom(4000)),
        "truncated runs.csv": lambda f: (f / "runs.csv").write_bytes(runs[: len(runs) // 2]),
        "a runs.csv plan missing from summary.json": lambda f: (f / "summary.json").write_text(json.dumps(
            {**summary, "plans": {k: v for k, v in summary["plans"].items() if k != plan}})),
    }
    for what, damage in damages.items():
        folder = tmp / f"damaged-{len(what)}"
        shutil.copytree(good, folder)
        damage(folder)
        for args in (("report", str(folder)), ("deck", str(folder), "--out", str(tmp / "d.pptx")),
                     ("workbook", str(folder), "--out", str(tmp / "w.xlsx"))):
            try:
                one_line(cli(*args), 2)
            except Failed as exc:
                raise Failed(exc.kind, f"{what}, {args[0]}: {exc}") from None


def csv_registers(tmp: Path) -> None:
    folder = tmp / "reg"
    folder.mkdir()
    (folder / "Alliance.csv").write_bytes(b"key,value\rname,Old Mac alliance\rhorizon,5\r")
    (folder / "Risks.csv").write_bytes(b"id,rate,fatal\ra,0.1,1\r")
    ok(cli("import", str(folder), "--out", str(tmp / "mac.yaml")))
    (folder / "Risks.csv").write_text("id,rate,fatal,name\na,0.1,1,\"" + "x" * 140_000 + "\"\n")
    one_line(cli("import", str(folder), "--out", str(tmp / "huge.yaml")), 2, "field larger")


def huge_plan_name(tmp: Path) -> None:
    text = QUICK.replace("  mediated: [mediation]", f"  {'p' * 131_073}: [mediation]")
    one_line(cli("run", str(scenario(tmp, "h.yaml", text)), *FAST, "--out", str(tmp / "h")), 2)


def scheduler_addresses(tmp: Path) -> None:
    path = scenario(tmp)
    import http.server
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        for address, code in (("foo://bar:1", 2), ("not an address", 2),
                              (f"tcp://127.0.0.1:{silent.getsockname()[1]}", 1),
                              (f"tcp://127.0.0.1:{web.server_address[1]}", 1)):
            one_line(cli("run", str(path), *FAST, "--executor", "dask", "--scheduler", address, "--out",
                         str(tmp / "d"), limit=60), code)
    finally:
        silent.close()
        web.shutdown()


def root_only(tmp: Path, size: str, options: str = "") -> Path:
    if os.geteuid() != 0:
        raise Skipped("needs root to mount a tmpfs")
    disk = tmp / f"disk-{size}"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"{options}size={size}", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if done.returncode:
        raise Skipped(f"cannot mount a tmpfs: {done.stderr.strip()}")
    return disk


def full_disk(tmp: Path) -> None:
    out = finished_run(tmp)
    disk = root_only(tmp, "64k")
    try:
        (disk / "filler").write_bytes(b"\0" * 58_000)
        for args in (("workbook", str(out), "--out", str(disk / "w.xlsx")), ("import", "--template",
                                                                             str(disk / "t.xlsx"))):
            one_line(cli(*args), 1, "No space left on device")
        if sorted(p.name for p in disk.iterdir()) != ["filler"]:
            raise Failed("wrong output", "a partial file was left on the full disk")
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def read_only_parent(tmp: Path) -> None:
    disk = root_only(tmp, "8m")
    try:
        (disk / "out").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk / "out")], check=True)
        ok(cli("run", str(scenario(tmp)), *FAST, "--out", str(disk / "out")))
        subprocess.run(["umount", "-l", str(disk / "out")], capture_output=True)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


class Skipped(Exception):
    pass


ATTACKS: dict[str, Callable[[Path], None]] = {
    "duplicate stems in a batch": duplicate_stems,
    "--out into a user's folder": out_into_users_folder,
    "import --template over a filled register": template_over_register,
    "import over a hand-edited yaml": import_over_yaml,
    "deck --out victim.yaml": deck_over_yaml,
    "a scenario named ...yaml": dotted_name,
    "--resume with another --set; a renamed chunk": resume_other_set,
    "a final move that cannot be made": move_fails_half_way,
    "control characters in names": control_characters,
    "overflowing amounts": overflow,
    "duplicate sheets": duplicate_sheets,
    "xlsx bombs": xlsx_bombs,
    "--workers 1000": many_workers,
    "validate of a FIFO": fifo,
    "staging folders of killed commands": staging_leftovers,
    "damaged output folders": damaged_folders,
    "CSV registers: a huge field, CR-only line ends": csv_registers,
    "a plan name over 131,072 characters": huge_plan_name,
    "bad, silent and HTTP scheduler addresses": scheduler_addresses,
    "a full disk in workbook and import --template": full_disk,
    "an output folder whose parent is read-only": read_only_parent,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run only the attacks whose name holds this")
    args = parser.parse_args()
    failures: Counter[str] = Counter()
    for name, attack in ATTACKS.items():
        if args.only and args.only not in name:
            continue
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            try:
                attack(Path(tmp))
                verdict = "ok"
            except Skipped as exc:
                verdict = f"skipped ({exc})"
            except Failed as exc:
                failures[exc.kind] += 1
                verdict = f"{exc.kind.upper()}: {exc}"
        print(f"{name}: {verdict} ({time.perf_counter() - start:.1f} s)", flush=True)
    print(", ".join(f"{kind}: {failures[kind]}" for kind in KINDS))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
