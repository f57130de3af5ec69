"""The exceptions allysim raises.

Every error a user can cause derives from one base, so a caller catches one class::

    AllysimError
     +-- ScenarioError      the scenario file is not valid (exit code 2); located FILE:LINE:COL
     |    +-- RegisterError a risk register cannot be imported; located FILE:SHEET!CELL
     |    +-- HistoryError  a history CSV (for `calibrate`) has bad rows; located FILE:LINE
     +-- UsageError         the command or API call is not valid (exit code 2)
     +-- SimulationError    a replication could not complete, e.g. it exceeded its event budget (exit code 1)
     |    +-- ClusterError  the Dask cluster cannot be reached or lost its workers (exit code 1)
     +-- OutputError        an output folder given to read is missing, incomplete or unreadable (exit code 2),
                            or a file or folder cannot be written or locked (exit code 1)

    AllysimWarning          something the user should know that does not stop the command (a damaged
                            checkpoint chunk simulated again); the command line prints it as one line
"""

from __future__ import annotations

__all__ = ["AllysimError", "ScenarioError", "RegisterError", "UsageError", "SimulationError", "ClusterError",
           "OutputError", "HistoryError", "AllysimWarning"]


class AllysimError(Exception):
    """Base of every error allysim raises on purpose."""

    exit_code = 1


class ScenarioError(AllysimError):
    """A scenario is not valid. ``problems`` holds one located line per problem."""

    exit_code = 2

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(AllysimError):
    """A command-line option or API argument is not valid."""

    exit_code = 2


class SimulationError(AllysimError):
    """A replication could not complete."""


class ClusterError(SimulationError):
    """The Dask cluster cannot be reached, does not answer, or lost its workers while simulating."""


class OutputError(AllysimError):
    """An output folder given to read is missing, incomplete or unreadable (bad input, exit code 2), or a file
    or folder cannot be written (a full disk, a read-only location) or locked (another command is writing it;
    exit code 1)."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class AllysimWarning(UserWarning):
    """Something worth knowing that does not stop the command."""


class RegisterError(ScenarioError):
    """A risk register cannot be imported. ``problems`` holds one ``FILE:SHEET!CELL: message`` line per problem."""


class HistoryError(ScenarioError):
    """A history of alliances cannot be read. ``problems`` holds one ``FILE:LINE: message`` line per bad row."""
