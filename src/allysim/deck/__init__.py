"""The board deck and the one-page brief, from an output folder.

- :mod:`~allysim.deck.board`: the folder read once, its key numbers and findings in words, its charts as pictures;
- :mod:`~allysim.deck.layout`: text measured and fitted, python-pptx helpers, tables over several slides;
- :mod:`~allysim.deck.slides`: the slides, in order, and :func:`build_deck`;
- :mod:`~allysim.deck.appendix`: the scenario's assumptions in tables;
- :mod:`~allysim.deck.brief`: the one-page PDF brief.

Examples
--------
>>> from allysim.deck import build_deck, write_brief
>>> build_deck("reports/joint_venture")   # doctest: +SKIP
PosixPath('reports/joint_venture/deck.pptx')
"""

from __future__ import annotations

from .board import DECK_CHARTS, Board, ChartImage, KeyNumbers, findings, key_numbers, load_board
from .brief import BRIEF_CHARTS, draw_brief, write_brief
from .layout import cut_middle, text_width
from .slides import build_deck

__all__ = ["DECK_CHARTS", "BRIEF_CHARTS", "Board", "ChartImage", "KeyNumbers", "build_deck", "findings",
           "key_numbers", "load_board", "write_brief", "draw_brief", "cut_middle", "text_width"]
