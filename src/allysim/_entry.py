"""The ``allysim`` console script: stop quietly if interrupted while the command line is still loading."""

from __future__ import annotations

import signal
import sys


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)  # SIGTERM stops allysim as Ctrl-C does
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("allysim: interrupted\n")
        sys.exit(130)
    cli_main()
