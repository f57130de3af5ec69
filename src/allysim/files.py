"""Opening what a user names as input (a scenario, a register, an output folder's files) without ever blocking.

``open()`` on a FIFO waits for a writer that may never come, so ``allysim validate pipe`` would hang: inputs are
opened without blocking and refused unless they are regular files (or character devices, which reads bound).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

__all__ = ["open_input", "NotAFile"]


class NotAFile(OSError):
    """The path names a FIFO, a socket or a folder, not a file to read."""

    def __str__(self) -> str:
        return str(self.strerror)


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open ``path`` to read bytes at once, whatever it is; raise :class:`NotAFile` unless it is a file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
            kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a folder" if stat.S_ISDIR(mode) else \
                "not a regular file"
            raise NotAFile(0, f"is {kind}, not a file", os.fspath(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def is_input(path: Path) -> bool:
    """Whether ``path`` can be read as a file without blocking (a regular file)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
