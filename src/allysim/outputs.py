"""The write side of an output folder: one atomic writer for every file allysim writes, and the folder's files.

Every file (JSON, ``runs.csv``, charts, the deck, the brief, checkpoint chunks) is written through
:func:`atomic_file`: into a hidden temporary file in the same folder, then renamed over the target, so a reader
never sees a truncated file and an interrupted write leaves nothing behind. :func:`staged` does the same for a
whole command's files at once. The read side is :mod:`allysim.folder`.

When the disk is full, the location read-only or another OS error stops a write, the error names the file it was
writing (a failed ``write`` names none), and :func:`staged` turns it into an :class:`~allysim.errors.OutputError`
that says what could not be written, where, and what to do, leaving the output folder exactly as it was.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import math
import os
import re
import shutil
import signal
import stat
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import OutputError

if TYPE_CHECKING:
    from .results import Results

__all__ = ["atomic_file", "write_bytes", "write_json", "write_csv", "write_runs_csv", "write_params_csv",
           "write_results", "write_scenario_copy", "staged", "write_advice", "cannot_write", "RUNS_COLUMNS",
           "runs_columns", "SCENARIO_COPY", "MARKER", "out_folders", "sidecar", "claim", "claim_file", "is_ours",
           "make_folder"]

SCENARIO_COPY = "scenario.yaml"  # the scenario file an output folder was made from, byte for byte
MARKER = ".allysim"  # in every output folder allysim writes: the folder is allysim's, its files may be replaced
_MARKER_TEXT = ("This folder was written by allysim (https://github.com/allysim/allysim). allysim replaces the files "
                "it writes here when a command is run again with this folder as its output.\n")
_SIDECAR = ".allysim."  # lock, checkpoint and staging folders kept inside an output folder start with this

RUNS_COLUMNS = ("plan", "run", "lifetime", "survived", "end_cause", "npv", "risk_cost", "contingency_cost",
                "min_health", "resilience")


def runs_columns(scenario: Any) -> tuple[str, ...]:
    """The header of ``runs.csv``: SPEC's columns, ``env_state_at_end`` with an environment, and
    ``partners_at_end, exits`` with partners."""
    columns = RUNS_COLUMNS if scenario.environment is None else (*RUNS_COLUMNS, "env_state_at_end")
    return (*columns, "partners_at_end", "exits") if getattr(scenario, "partners", ()) else columns


def _folder_name(path: Path) -> str:
    """A folder name from a scenario file's name: never ``..`` or hidden (``...yaml`` gives ``scenario``)."""
    return path.stem.lstrip(".") or "scenario"


def out_folders(files: Sequence[Path], out: Path | None) -> list[Path]:
    """One output folder per file: ``--out`` itself for one file, else a sub-folder named after the file, and after
    its folder too when two files share a name (``run a/x.yaml b/x.yaml`` writes ``reports/a-x``, ``reports/b-x``)."""
    if out is not None and len(files) == 1:
        return [out]
    base = Path("reports") if out is None else out
    names = [_folder_name(path) for path in files]
    taken = {name for name in names if names.count(name) == 1}
    folders = []
    for path, name in zip(files, names):
        if names.count(name) > 1:
            parent = path.resolve().parent.name.lstrip(".")
            name = unique = f"{parent}-{name}" if parent else name
            number = 2
            while unique in taken:
                unique, number = f"{name}-{number}", number + 1
            name = unique
            taken.add(name)
        folders.append(base / name)
    return folders


def sidecar(folder: str | os.PathLike[str], kind: str) -> Path:
    """Where an output folder's ``lock``, ``checkpoint`` and ``staging-PID`` live.

    Beside the folder (``reports/.jv.lock`` for ``reports/jv/``), so that the folder itself holds only results;
    inside it (``reports/jv/.allysim.lock``) when the folder exists and its parent cannot be written or is on
    another device (a container volume mounted at the folder): renames into the folder stay on one device.
    """
    folder = Path(folder)
    if _inside(folder):
        return folder / f"{_SIDECAR}{kind}"
    return folder.parent / f".{folder.name}.{kind}"


def _inside(folder: Path) -> bool:
    try:
        mine = os.stat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(mine.st_mode):
        return False
    parent = folder.resolve().parent
    try:
        theirs = os.stat(parent)
    except OSError:
        return True
    return mine.st_dev != theirs.st_dev or not os.access(parent, os.W_OK | os.X_OK)


def is_ours(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is an output folder allysim wrote: it holds the marker file, or (a folder written before
    the marker existed) a ``summary.json`` or study JSON that allysim wrote."""
    folder = Path(folder)
    if (folder / MARKER).is_file():
        return True
    for name in ("summary.json", "compare.json", "value.json", "drivers.json", "sweep.json", "optimize.json",
                 "sensitivity.json"):
        try:
            with open(folder / name, "rb") as handle:
                head = handle.read(65536)
        except OSError:
            continue
        if head.lstrip().startswith(b"{") and re.search(rb'"allysim_version"\s*:', head) \
                and re.search(rb'"scenario_sha256"\s*:', head):
            return True
    return False


def claim(folder: str | os.PathLike[str], force: bool = False) -> None:
    """Refuse to write into ``folder`` unless it is new, empty or allysim's (:func:`is_ours`), or ``force``.

    Raises :class:`OutputError` (exit code 2) naming a few of the files that would be at risk. Called before a
    command does any work, so a refused command costs nothing.
    """
    folder = Path(folder)
    try:
        entries = sorted(name for name in os.listdir(folder) if not _harmless(folder, name))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise OutputError(f"{folder}: is a file, not a folder; give another --out", exit_code=2) from None
    except OSError:
        return  # unreadable: the write itself will say what is wrong
    if force or not entries or is_ours(folder):
        return
    shown = ", ".join(entries[:3]) + (f" and {len(entries) - 3:,} more" if len(entries) > 3 else "")
    raise OutputError(f"{folder}: holds files allysim did not write ({shown}); write to a new or empty --out, or "
                      "add --force to write into it anyway (files of the names allysim writes are replaced)",
                      exit_code=2)


_SIBLING_SIDECAR = re.compile(r"\..+\.(?:lock|checkpoint|staging-\d+)")


def _harmless(folder: Path, name: str) -> bool:
    """An entry that does not make a folder someone else's: allysim's lock, checkpoint and staging of this folder
    or of one inside it, and output folders of allysim's inside it (a batch's sub-folders)."""
    if name.startswith(_SIDECAR) or _SIBLING_SIDECAR.fullmatch(name):
        return True
    path = folder / name
    return path.is_dir() and not path.is_symlink() and is_ours(path)


def claim_file(path: str | os.PathLike[str], force: bool = False, recognise: bool = True) -> None:
    """Refuse to replace the file ``path`` unless allysim wrote it, or ``force``.

    A file is allysim's when it lies in an output folder of allysim's, or (``recognise``) when it is an Office file
    that allysim saved last (its ``lastModifiedBy`` says allysim: a deck edited in PowerPoint is the user's). A
    folder at ``path`` is always refused.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name", exit_code=2)
    if force or (recognise and (is_ours(path.parent) or _saved_by_allysim(path))):
        return
    raise OutputError(f"{path}: already exists and allysim did not write it; choose another name, or add --force "
                      "to replace it", exit_code=2)


def _saved_by_allysim(path: Path) -> bool:
    """Whether an Office file (.pptx, .xlsx) was last saved by allysim, from its core properties."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/core.xml")
            if info.file_size > 65536:
                return False
            core = archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    return re.search(rb"<cp:lastModifiedBy>allysim\b", core) is not None


def make_folder(folder: str | os.PathLike[str], what: str) -> Path:
    """Return ``folder`` as a Path, creating it (and its parents) when missing; raise OutputError naming ``what``
    was to go there when that fails: ``reports/x: cannot create the folder for the deck (Permission denied)``."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder for the {what} ({exc.strerror or exc})",
                          exit_code=1) from None
    return folder


def write_marker(folder: str | os.PathLike[str]) -> Path:
    """Write the marker that makes ``folder`` recognisably allysim's."""
    return write_bytes(Path(folder) / MARKER, _MARKER_TEXT.encode())


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, text: bool = False, what: str | None = None) -> Iterator[IO[Any]]:
    """Open a file to write that appears at ``path`` whole, or not at all.

    The data go to ``.NAME.<random>.tmp`` beside ``path`` (mode ``x``, which honours the umask, unlike mkstemp's
    0600), renamed over ``path`` when the block ends without error and removed otherwise. With ``what`` (such as
    ``"deck"``), a failure to write becomes an :class:`~allysim.errors.OutputError` naming the file.

    Examples
    --------
    >>> with atomic_file("reports/jv/notes.txt", text=True) as fh:   # doctest: +SKIP
    ...     fh.write("hello")
    """
    target = Path(path)
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        if text:
            handle = open(temporary, "x", newline="", encoding="utf-8")
        else:
            handle = open(temporary, "xb")
        with handle:
            yield handle
        os.replace(temporary, target)
    except OSError as exc:
        _remove(temporary)
        if exc.filename is None or os.fsdecode(exc.filename) == str(temporary):
            exc.filename = str(target)  # the user knows the file by its name, not by our temporary one
        if what is None:
            raise
        raise OutputError(f"{target}: cannot write the {what} ({exc.strerror or exc}); {write_advice(exc)}",
                          exit_code=1) from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: Path) -> None:
    """Remove a temporary file if it is there; on a read-only disk even a missing file cannot be unlinked."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def write_advice(exc: OSError, charts: bool = False) -> str:
    """What to do about an OS error while writing: free space, another --out, fewer files."""
    if exc.errno in _FULL:
        return ("free some space, or write to another --out on another disk"
                + (", or leave the charts out with --format none" if charts else ""))
    return "write to another --out, in a folder you can write to"


def cannot_write(exc: OSError, folder: Path, stage: Path | None = None, kept: str = "") -> str:
    """One line for an OS error while writing into ``folder`` (through ``stage``): what, where, what to do."""
    what = "the results"
    if exc.filename is not None:
        path = Path(os.fsdecode(exc.filename))
        if stage is not None and path.parent == stage:
            what = path.name
        elif stage is None or stage not in path.parents:
            what = str(path)
    return (f"cannot write {what} in {folder}{os.sep}: {exc.strerror or exc}; {write_advice(exc, charts=True)}; "
            f"the output folder is as it was{kept or ' and nothing of this command is left behind'}")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path) as fh:
        fh.write(data)
    return Path(path)

def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as JSON atomically (temporary file in the same folder, then rename)."""
    with atomic_file(path, text=True) as fh:
        fh.write(json.dumps(_clean(data), indent=2, allow_nan=False) + "\n")
    return Path(path)


def write_csv(path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV file (``header``, then ``rows``) atomically and return its path."""
    with atomic_file(path, text=True) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return Path(path)


def write_runs_csv(results: Results, path: str | os.PathLike[str]) -> Path:
    """Write ``runs.csv`` (one row per plan and replication) atomically and return its path."""
    return write_csv(path, runs_columns(results.scenario), results.rows())


def write_params_csv(results: Results, path: str | os.PathLike[str]) -> Path:
    """Write ``params.csv`` (``run, PATH, PATH, ...``: each replication's uncertain draws) atomically."""
    return write_csv(path, ("run", *results.scenario.uncertain), results.params_rows())


def write_scenario_copy(scenario: Any, folder: str | Path) -> Path | None:
    """Copy the scenario file the results were simulated from into ``folder`` as ``scenario.yaml``.

    The copy makes the folder self-contained: ``report``, ``deck`` and ``workbook`` read the assumptions from it
    wherever the folder is moved. Nothing is copied (None) when the scenario was not read from a file, or when the
    file has changed since it was read (its sha256 no longer matches): a copy must be exactly what was simulated.
    """
    try:
        raw = Path(scenario.source).read_bytes()
    except (OSError, ValueError):
        return None
    if hashlib.sha256(raw).hexdigest() != scenario.sha256:
        return None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_bytes(folder / SCENARIO_COPY, raw)


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write the data files of a run into ``folder`` (created if missing) and return their paths.

    ``summary.json``, ``runs.csv``, ``health.json``, ``params.csv`` when the scenario has uncertain parameters,
    and, when the scenario was read from a file, ``scenario.yaml``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_json(folder / "summary.json", results.summary()),
        write_runs_csv(results, folder / "runs.csv"),
        write_json(folder / "health.json", results.health_bands()),
    ]
    if results.params is not None:
        written.append(write_params_csv(results, folder / "params.csv"))
    copy = write_scenario_copy(results.scenario, folder)
    return written + ([copy] if copy is not None else [])


@contextmanager
def staged(folder: str | Path, kept: str = "", force: bool = False) -> Iterator[Path]:
    """Write a command's files into a staging folder, then move them all into ``folder`` at once.

    ``folder`` must be new, empty or allysim's (:func:`claim`; ``force`` skips the check), and it is marked as
    allysim's with the files. Until the very end nothing in ``folder`` changes, so an error or an interrupt leaves it
    exactly as it was. The final moves are renames (atomic each, needing no new space) made with SIGINT and SIGTERM
    held back; a file they replace is first moved aside, so a move that fails half-way (a file that cannot be
    replaced) puts every file back as it was. An OS error while writing (a full disk) becomes an
    :class:`OutputError` that says what could not be written and what to do; ``kept`` says what of the command is
    kept elsewhere (``"; the ... is kept"``). Staging folders of commands that were killed (their process is gone)
    are removed on the way.
    """
    folder = Path(folder)
    claim(folder, force)
    stage = sidecar(folder, f"staging-{os.getpid()}")
    _remove_stale(stage)
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir(parents=True)
        yield stage
        write_marker(stage)
        held = {signal.SIGINT, signal.SIGTERM}
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            _move_all(stage, folder)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    except _Mixed as mixed:
        raise OutputError(f"cannot write {mixed.what} in {folder}{os.sep}: {mixed.reason}; and "
                          f"{len(mixed.stranded):,} file(s) could not be put back as they were "
                          f"({', '.join(mixed.stranded[:3])}); check the folder, and run the command again",
                          exit_code=1) from None
    except OSError as exc:
        raise OutputError(cannot_write(exc, folder, stage, kept), exit_code=1) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


_REPLACED = ".replaced"  # inside a staging folder: the files the final move replaced, until it has succeeded


class _Mixed(Exception):
    """The final move failed and could not be undone entirely."""

    def __init__(self, what: str, reason: str, stranded: list[str]) -> None:
        super().__init__(what)
        self.what, self.reason, self.stranded = what, reason, stranded


def _move_all(stage: Path, folder: Path) -> None:
    """Move every file of ``stage`` into ``folder``, all or none: on a failure, undo the moves made."""
    folder.mkdir(parents=True, exist_ok=True)
    items = sorted(item for item in stage.iterdir() if item.name != _REPLACED)
    for item in items:  # what can be known before anything moves is checked before anything moves
        target = folder / item.name
        if target.is_dir() and not target.is_symlink():
            raise IsADirectoryError(errno.EISDIR, "a folder stands where this file goes", str(item))
    replaced = stage / _REPLACED
    replaced.mkdir()
    done: list[tuple[Path, Path | None, Path]] = []
    try:
        for item in items:
            target = folder / item.name
            saved = replaced / item.name if os.path.lexists(target) else None
            if saved is not None:
                os.replace(target, saved)
            done.append((target, saved, item))
            os.replace(item, target)
    except OSError as exc:
        stranded = []
        for target, saved, item in reversed(done):
            try:
                if not os.path.lexists(item):
                    os.replace(target, item)  # the new file back out
                if saved is not None:
                    os.replace(saved, target)  # the old file back in
            except OSError:
                stranded.append(target.name)
        if exc.filename is not None and Path(os.fsdecode(exc.filename)).parent == replaced:
            exc.filename = str(folder / Path(os.fsdecode(exc.filename)).name)
        if stranded:
            what = Path(os.fsdecode(exc.filename)).name if exc.filename is not None else "the results"
            raise _Mixed(what, exc.strerror or str(exc), stranded) from None
        raise


def _remove_stale(stage: Path) -> None:
    """Remove the staging folders of this output folder whose command was killed (its process is gone)."""
    prefix = stage.name[:stage.name.rindex("-") + 1]
    try:
        names = os.listdir(stage.parent)
    except OSError:
        return
    for name in names:
        number = name[len(prefix):]
        if name.startswith(prefix) and number.isdigit() and int(number) != os.getpid() and not _alive(int(number)):
            shutil.rmtree(stage.parent / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process, or a number no process has: leave its folder be
    return True
