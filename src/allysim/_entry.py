"""The ``allysim`` console script: stop quietly if interrupted while the command line is still loading, and leave
promptly once an interrupted command has cleaned up."""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)  # SIGTERM stops allysim as Ctrl-C does
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("allysim: interrupted\n")
        sys.exit(INTERRUPTED)
    try:
        cli_main()
    except SystemExit as end:
        if end.code != INTERRUPTED:
            raise
        # The command has stopped its workers, left the output folder as it was and said so. Leave now: waiting at
        # exit for the helper threads of a pool whose workers were stopped mid-reply could outlast the user's
        # patience (the executor ends them itself; this keeps Ctrl-C prompt even if one does not).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(INTERRUPTED)
