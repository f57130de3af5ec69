"""Former name of :mod:`allysim.studies`, kept for one release so that ``from allysim.decisions import ...`` works."""

from .studies import *  # noqa: F403
from .studies import __all__  # noqa: F401
