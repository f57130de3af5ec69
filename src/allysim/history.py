"""A history of real alliances (or partners) read from a CSV file: how long each lasted and whether, and why, it ended.

The file has one row per alliance: ``id, start, end, ended`` and optionally ``cause`` (SPEC section 13). ``start``
and ``end`` are ISO dates (``2014-03-01``) or numbers already in the time unit; a blank ``end`` means still going at
the ``as_of`` date (default: the latest date in the file); ``ended`` is 1/0 or true/false, and blank means 1 when
``end`` is filled. Every bad row is reported as ``FILE:LINE: what is wrong and the fix``, all at once, before
anything is fitted: :class:`~allysim.errors.HistoryError`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .errors import HistoryError, UsageError
from .scenario.units import DAYS_PER, TIME_UNITS

__all__ = ["History", "read_history", "parse_moment", "cause_id", "COLUMNS", "ALL_CAUSES"]

COLUMNS = ("id", "start", "end", "ended")  # required; `cause` is optional, any other column is ignored
ALL_CAUSES = "all"  # the one cause of a history without a `cause` column
MOST_PROBLEMS = 20  # a file with thousands of bad rows shows the first ones and how many more

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


@dataclass(frozen=True)
class History:
    """Lifetimes in the time unit, whether each ended, and the cause of each ending (``""`` when it did not).

    Examples
    --------
    >>> history = read_history("examples/data/atop_defense_spells.csv")      # doctest: +SKIP
    >>> history.n, history.events, round(history.exposure)                     # doctest: +SKIP
    (3004, 1297, 69063)
    """

    durations: np.ndarray  # float, > 0 for every ending
    ended: np.ndarray  # bool
    causes: np.ndarray  # str: the cause of each ending, "" for a row that did not end
    time_unit: str
    as_of: str  # the moment still-going rows are counted to, as written (a date or a number)
    source: str = ""
    sha256: str = ""

    @property
    def n(self) -> int:
        return int(self.durations.size)

    @property
    def events(self) -> int:
        return int(self.ended.sum())

    @property
    def exposure(self) -> float:
        """Total time at risk: the sum of every lifetime."""
        return float(self.durations.sum())

    @property
    def cause_names(self) -> list[str]:
        """The causes of ending, in order of first appearance (``["all"]`` without a ``cause`` column)."""
        return list(dict.fromkeys(self.causes[self.ended].tolist()))


def parse_moment(text: str) -> float | date:
    """``"2014-03-01"`` as a date, ``"1815"`` or ``"2.5"`` as a number; ValueError for anything else."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO date (YYYY-MM-DD) nor a number") from None


def cause_id(cause: str) -> str:
    """A risk id for a cause as written: ``"Regime change"`` -> ``regime_change``, ``"2nd war"`` -> ``cause_2nd_war``."""
    slug = re.sub(r"[^a-z0-9]+", "_", cause.lower()).strip("_")
    return slug if re.fullmatch(r"[a-z][a-z0-9_]*", slug) else f"cause_{slug}".rstrip("_")


def _ended(text: str) -> bool | None:
    value = text.strip().lower()
    if value == "":
        return None
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number in (0.0, 1.0):
        return number == 1.0
    raise ValueError(f"ended is {text.strip()!r}: write 1 (it ended) or 0 (still going at end), or true/false")


def _kind(value: float | date) -> str:
    return "date" if isinstance(value, date) else "number"


@dataclass
class _Row:
    line: int
    start: float | date
    end: float | date | None
    ended: bool
    cause: str


def read_history(path: str | Path, time_unit: str = "year", as_of: str | None = None) -> History:
    """Read a history CSV into lifetimes in ``time_unit``.

    Parameters
    ----------
    path
        The CSV file: ``id, start, end, ended`` and optionally ``cause``.
    time_unit
        ``year`` (365.25 days), ``quarter``, ``month``, ``week`` or ``day``: dates are converted to it; numbers are
        taken to be in it already.
    as_of
        When the history was recorded: rows with a blank ``end`` are still going then (default: the latest start
        or end in the file). A date or a number, like the file's.

    Raises
    ------
    HistoryError
        One ``FILE:LINE: message`` per bad row (at most 20, then how many more), or a missing column.
    UsageError
        An unknown time unit or an unreadable ``as_of``.
    """
    if time_unit not in TIME_UNITS:
        raise UsageError(f"--time-unit {time_unit!r}: use one of {', '.join(TIME_UNITS)}")
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start}); save the history "
                           "as CSV (UTF-8)") from None
    rows, problems = _read_rows(path, text)
    as_of_value = _as_of(as_of, rows, path)
    if rows and as_of_value is not None:
        problems += _check_as_of(path, rows, as_of_value, as_of)
    if problems:
        shown = problems[:MOST_PROBLEMS]
        if len(problems) > MOST_PROBLEMS:
            shown.append(f"{path}: ... and {len(problems) - MOST_PROBLEMS} more bad rows")
        raise HistoryError(shown)
    if not rows:
        raise HistoryError(f"{path}: no rows: give one row per alliance under the header {','.join(COLUMNS)}")
    if not any(row.ended for row in rows):
        raise HistoryError(f"{path}: no alliance in the file ended (every row has ended 0 or a blank end): there "
                           "is nothing to fit a hazard to")
    durations = np.array([_span(row.start, row.end if row.end is not None else as_of_value, time_unit)
                          for row in rows], dtype=float)
    return History(durations=durations, ended=np.array([row.ended for row in rows], dtype=bool),
                   causes=np.array([row.cause if row.ended else "" for row in rows], dtype=object),
                   time_unit=time_unit, as_of=_written(as_of_value), source=str(path),
                   sha256=hashlib.sha256(raw).hexdigest())


def _read_rows(path: Path, text: str) -> tuple[list[_Row], list[str]]:
    """Parse every row; return the good ones and one located line per bad one."""
    reader = csv.reader(text.splitlines())
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise HistoryError(f"{path}:1: the file is empty: the first line must be the header "
                           f"{','.join(COLUMNS)}[,cause]") from None
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise HistoryError(f"{path}:1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: the "
                           f"header must name {', '.join(COLUMNS)} (and optionally cause); it has "
                           f"{', '.join(h for h in header if h) or 'nothing'}")
    where = {name: header.index(name) for name in (*COLUMNS, "cause") if name in header}
    rows: list[_Row] = []
    problems: list[str] = []
    kind = None
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        try:
            row = _row(cells, where, line)
            for value in (row.start, row.end):
                if value is None:
                    continue
                kind = kind or _kind(value)
                if _kind(value) != kind:
                    raise ValueError(f"{_written(value)} is a {_kind(value)} but the rows above give {kind}s: "
                                     "write every start and end the same way")
        except ValueError as exc:
            problems.append(f"{path}:{line}: {exc}")
            continue
        rows.append(row)
    return rows, problems


def _row(cells: list[str], where: dict[str, int], line: int) -> _Row:
    start_text, end_text = cells[where["start"]].strip(), cells[where["end"]].strip()
    if not start_text:
        raise ValueError("start is blank: give the date (YYYY-MM-DD) or time the alliance began")
    try:
        start = parse_moment(start_text)
    except ValueError as exc:
        raise ValueError(f"start: {exc}") from None
    try:
        end = parse_moment(end_text) if end_text else None
    except ValueError as exc:
        raise ValueError(f"end: {exc}; leave it blank if the alliance is still going") from None
    if end is not None and type(start) is not type(end):
        raise ValueError(f"start {start_text} and end {end_text} are not both dates or both numbers")
    ended = _ended(cells[where["ended"]])
    if end is None and ended:
        raise ValueError("ended is 1 but end is blank: give the date it ended, or 0 if it is still going")
    if end is not None and end < start:  # type: ignore[operator]
        raise ValueError(f"end {end_text} is before start {start_text}")
    ended = (end is not None) if ended is None else ended
    cause = cells[where["cause"]].strip() if "cause" in where else ALL_CAUSES
    if ended and end == start:
        raise ValueError(f"ended at its start ({start_text}): a lifetime must be longer than zero; if it ended "
                         "within its first day or year, record the end as the day or year after")
    if ended and not cause:
        raise ValueError("ended but cause is blank: name the cause (or drop the cause column to fit all endings "
                         "together)")
    return _Row(line, start, end, bool(ended), cause)


def _as_of(text: str | None, rows: list[_Row], path: Path) -> float | date | None:
    """``--as-of`` parsed, or the latest start or end in the file."""
    if text is None:
        moments = [m for row in rows for m in (row.start, row.end) if m is not None]
        return max(moments) if moments else None  # type: ignore[type-var]
    try:
        value = parse_moment(text)
    except ValueError as exc:
        raise UsageError(f"--as-of: {exc}") from None
    if rows and _kind(value) != _kind(rows[0].start):
        raise UsageError(f"--as-of {text} is a {_kind(value)} but {path} gives {_kind(rows[0].start)}s: write it "
                         "the same way")
    return value


def _check_as_of(path: Path, rows: list[_Row], as_of: float | date, text: str | None) -> list[str]:
    """Rows that start, or end, after ``--as-of``: the history cannot know them then."""
    if text is None:
        return []
    problems = []
    for row in rows:
        late = row.end if row.end is not None and row.end > as_of else row.start  # type: ignore[operator]
        if late > as_of:  # type: ignore[operator]
            which = "end" if late is row.end else "start"
            problems.append(f"{path}:{row.line}: {which} {_written(late)} is after --as-of {text}: give a later "
                            "--as-of, or leave it out to use the latest date in the file")
    return problems


def _span(start: float | date, end: float | date, time_unit: str) -> float:
    if isinstance(start, date):
        return (end - start).days / DAYS_PER[time_unit]  # type: ignore[operator]
    return float(end) - float(start)  # type: ignore[arg-type]


def _written(value: float | date | None) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else repr(value)
