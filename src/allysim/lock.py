"""One writer per output folder: an OS file lock beside the folder, released by the kernel when its holder ends.

``reports/jv/`` is locked through ``reports/.jv.lock``, with ``flock``. The kernel drops the lock when the process
that holds it ends, however it ends (``kill -9``, the OOM killer, a power cut), so a stale lock never blocks the
next run; the file itself holds the holder's process id, for the message the next command prints. Different
folders have different lock files and never block each other, and a folder inside another run's output folder has
a lock of its own. Where ``fcntl`` does not exist (Windows) folders are not locked.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError
from .outputs import sidecar, write_advice

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["folder_lock", "lock_path"]

# Lock files this process holds. A forked worker closes its copies at once, so that only this process holds them
# and the lock goes when it goes, even if a worker outlives it.
_HELD: set[int] = set()


def _close_held() -> None:
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held)


def lock_path(folder: str | Path) -> Path:
    """The lock file of an output folder: a hidden sibling, or inside the folder when its parent cannot be written
    (:func:`allysim.outputs.sidecar`); symbolic links are resolved, so every path to one folder finds the same
    lock."""
    return sidecar(Path(folder).resolve(), "lock")


@contextmanager
def folder_lock(folder: str | Path) -> Iterator[None]:
    """Hold the lock of output ``folder`` for the duration of the block.

    Raises :class:`OutputError` (one line naming the folder and the process that holds it) when another process
    holds it, or when the folder's location cannot be written at all. Parent folders created for the lock file are
    removed again if they are still empty at the end, so a command that fails leaves nothing behind.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = lock_path(folder)
    created = _make_parents(path.parent, folder)
    try:
        fd = _acquire(path, folder)
        try:
            yield
        finally:
            _HELD.discard(fd)
            try:
                path.unlink()  # while still locked, so no one can lock a file that is about to disappear
            except OSError:
                pass
            os.close(fd)
    finally:
        for parent in reversed(created):
            try:
                parent.rmdir()
            except OSError:
                break


def _make_parents(parent: Path, folder: str | Path) -> list[Path]:
    missing = []
    at = parent
    while not at.exists():
        missing.append(at)
        at = at.parent
    created = []
    try:
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
    except FileExistsError:
        pass
    except OSError as exc:
        for path in reversed(created):
            path.rmdir()
        raise OutputError(_cannot_write(folder, exc), exit_code=1) from None
    return created


def _acquire(path: Path, folder: str | Path) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise OutputError(_cannot_write(folder, exc), exit_code=1) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(_cannot_write(folder, exc), exit_code=1) from None
            raise OutputError(f"{folder} is in use by another allysim command ({holder}); wait for it to "
                              "finish, or write to another --out", exit_code=1) from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # its holder finished and removed it between our open and our lock: lock the new one
    _HELD.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError:
        pass  # a full disk: the lock holds all the same, only the message of a second command is vaguer
    return fd


def _holder(fd: int) -> str:
    try:
        pid = int(os.pread(fd, 32, 0).decode().strip())
    except (OSError, ValueError):
        return "a process that is just starting or stopping"
    return f"process {pid}"


def _cannot_write(folder: str | Path, exc: OSError) -> str:
    return f"cannot write to {folder}: {exc.strerror or exc} ({Path(folder).parent}{os.sep}); {write_advice(exc)}"
