"""Loading a scenario: bytes -> YAML with locations -> typed model -> cross-field checks, each step once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pydantic import ValidationError

from ..errors import ScenarioError
from .checks import check_draws, check_references
from .messages import kind, problems
from .model import Scenario
from .yamlio import MAX_BYTES, load_yaml

__all__ = ["load_scenario", "parse_scenario"]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises :class:`~allysim.errors.ScenarioError` with one located line per problem.

    Examples
    --------
    >>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")   # doctest: +SKIP
    >>> scenario.plan_sets["full"]                                         # doctest: +SKIP
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # never more: a huge file (or an endless device) costs no memory or time
            size = max(len(data), os.fstat(fh.fileno()).st_size)
    except OSError as exc:
        raise ScenarioError(f"{path}:1:1: cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        told = f"{size:,}" if size > len(data) else f"more than {MAX_BYTES:,}"  # a device tells no size
        raise ScenarioError(f"{path}:1:1: file is {told} bytes; scenarios are limited to {MAX_BYTES:,} bytes")
    return parse_scenario(data, source=str(path))


def parse_scenario(text: str | bytes, source: str = "<scenario>") -> Scenario:
    """Validate scenario text (YAML). ``source`` names it in error messages."""
    data, locations = load_yaml(text, source)
    raw_bytes = text.encode("utf-8") if isinstance(text, str) else text  # load_yaml checked that it encodes
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}:1:1: a scenario is a mapping of keys (allysim, name, horizon, risks, "
                            f"...), got {kind(data)}")
    unit = data.get("time_unit", "year")
    try:
        scenario = Scenario.model_validate(data, context={"time_unit": unit})
    except ValidationError as exc:
        raise ScenarioError(problems(exc, data, locations, Scenario)) from None
    found = check_references(scenario, locations) + check_draws(scenario, locations)
    if found:
        raise ScenarioError(found)
    scenario._source = source
    scenario._sha256 = hashlib.sha256(raw_bytes).hexdigest()
    return scenario
