"""Text from input, made safe for every surface it reaches, in one place.

A scenario's names and descriptions are checked when the scenario is validated (:func:`problem`): control
characters, characters XML cannot hold, bidirectional overrides and a leading formula character in a plan name are
refused there, with the line they stand on, because no surface could show them faithfully. Text that reaches a
surface by another road (a file name, a damaged output folder, an error message quoting what it read) is made safe
on the way out, here:

- :func:`terminal`: what the command line prints; escape sequences and other control characters are shown as
  ``\\x1b``-style escapes, so a name cannot set a window title, write the clipboard (OSC 52) or clear the screen.
- :func:`markup`: what goes into an XML document (SVG charts, the deck's PPTX, the workbook); characters XML 1.0
  cannot hold become U+FFFD.
- :func:`plain_data`: a JSON value read back from an output folder, every string in it made :func:`markup`-safe,
  so charts, the deck and the brief draw it.

Examples
--------
>>> terminal("plan \\x1b]0;owned\\x07")
'plan \\\\x1b]0;owned\\\\x07'
>>> markup("a\\x00b")
'a\\ufffdb'
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["terminal", "markup", "plain_data", "problem", "plan_problem", "shorten", "NAME_LIMIT", "TEXT_LIMIT", "FORMULA_START"]

NAME_LIMIT = 200  # characters in a name (of the scenario, a plan, a risk, a contingency, a category, a currency)
TEXT_LIMIT = 20_000  # characters in a description
FORMULA_START = ("=", "+", "-", "@")  # a spreadsheet opening runs.csv would run a cell starting so as a formula

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), bidirectional overrides and isolates
# (they reorder what a terminal shows), and what XML cannot hold (surrogates, U+FFFE, U+FFFF)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
# what XML 1.0 cannot hold at all
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """``text`` as a terminal may show it: newlines and tabs kept, every other control character escaped."""
    return _UNSAFE.sub(_escape, text)


def markup(text: str) -> str:
    """``text`` as an XML document may hold it: characters XML 1.0 cannot hold become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def plain_data(value: Any, depth: int = 0) -> Any:
    """A JSON value with every string (keys too) made :func:`markup`-safe."""
    if isinstance(value, str):
        return markup(value)
    if isinstance(value, dict):
        return {plain_data(k, depth + 1): plain_data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v, depth + 1) for v in value]
    return value


def shorten(text: str, limit: int = 60) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis: a file's own words may be megabytes long."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problem(text: str, limit: int = NAME_LIMIT, lines: bool = False) -> str | None:
    """What is wrong with ``text`` as a name (with ``lines``, a description), or None when it is fine.

    Refused: control characters (a description may hold newlines and tabs), bidirectional overrides, characters XML
    cannot hold, and more than ``limit`` characters.
    """
    bad = (_UNSAFE if lines else _UNSAFE_LINE).search(text)
    if bad is not None:
        return (f"holds the control character {_escape(bad)} at character {bad.start() + 1:,}, which screens, charts "
                "and slides cannot show; remove it")
    if len(text) > limit:
        return f"is {len(text):,} characters long; at most {limit:,} can be shown: shorten it"
    return None


def plan_problem(name: str) -> str | None:
    """What is wrong with a plan's name, or None: as :func:`problem`, and no leading formula character (the plan
    column of ``runs.csv`` would run as a formula in a spreadsheet that opens it)."""
    if name.startswith(FORMULA_START):
        return (f"starts with {name[0]!r}, which a spreadsheet opening runs.csv would run as a formula; start the "
                "plan's name with a letter or a digit")
    return problem(name)
