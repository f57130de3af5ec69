"""Loading a scenario: bytes -> YAML with locations -> typed model -> cross-field checks, each step once."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..errors import ScenarioError
from ..files import open_input
from .checks import (
    check_draws,
    check_environment,
    check_hazards,
    check_partners,
    check_references,
    check_uncertain_ranges,
)
from .messages import kind, problems
from .model import Scenario, distribution_type
from .overrides import SetLocations, apply_overrides, parse_overrides
from .uncertain import check_correlations, extract, without_correlations_of
from .yamlio import MAX_BYTES, Locations, load_yaml

__all__ = ["load_scenario", "parse_scenario"]


def load_scenario(path: str | Path, overrides: Any = None) -> Scenario:
    """Read and validate a scenario file, with ``overrides`` (see :meth:`Scenario.with_overrides`) if given.

    Raises :class:`~allysim.errors.ScenarioError` with one located line per problem.

    Examples
    --------
    >>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")   # doctest: +SKIP
    >>> scenario.plan_sets["full"]                                         # doctest: +SKIP
    """
    path = Path(path)
    try:
        with open_input(path) as fh:
            data = fh.read(MAX_BYTES + 1)  # never more: a huge file (or an endless device) costs no memory or time
            size = max(len(data), os.fstat(fh.fileno()).st_size)
    except OSError as exc:
        raise ScenarioError(f"{path}:1:1: cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        told = f"{size:,}" if size > len(data) else f"more than {MAX_BYTES:,}"  # a device tells no size
        raise ScenarioError(f"{path}:1:1: file is {told} bytes; scenarios are limited to {MAX_BYTES:,} bytes")
    return parse_scenario(data, source=str(path), overrides=overrides)


def parse_scenario(text: str | bytes, source: str = "<scenario>", overrides: Any = None) -> Scenario:
    """Validate scenario text (YAML), with ``overrides`` if given. ``source`` names it in error messages."""
    sets = parse_overrides(overrides)  # a malformed --set is refused before the file is read
    data, locations = load_yaml(text, source)
    raw_bytes = text.encode("utf-8") if isinstance(text, str) else text  # load_yaml checked that it encodes
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}:1:1: a scenario is a mapping of keys (allysim, name, horizon, risks, "
                            f"...), got {kind(data)}")
    sha = hashlib.sha256(raw_bytes).hexdigest()
    scenario = _validate(data, locations, source, sha)
    scenario.attach(reread=partial(_with_overrides, data, locations, source, sha), document=data)
    return scenario.with_overrides(sets)  # the one way overrides are applied


def _with_overrides(document: dict[str, Any], locations: Locations, source: str, sha: str,
                    overrides: tuple) -> Scenario:
    """Validate ``document`` with ``overrides`` applied; every problem is told against its ``--set``."""
    name = Path(source).name if source and not source.startswith("<") else "the scenario"
    data, landed, recorded = apply_overrides(document, overrides, name)
    data = without_correlations_of(data, [p for p, v in recorded.items() if not isinstance(v, dict)])
    scenario = _validate(data, SetLocations.wrap(locations, landed), source, sha)
    scenario.attach(reread=partial(_with_overrides, document, locations, source, sha), document=document,
                    overrides=tuple(overrides), recorded=recorded)
    return scenario


def _validate(data: dict[str, Any], locations: Locations, source: str, sha: str) -> Scenario:
    """The file's data -> a checked Scenario: distributions where numbers are usual, the model, the cross-field
    rules."""
    context = {"time_unit": data.get("time_unit", "year"), "currency": data.get("currency", "USD"),
               "partners": bool(data.get("partners"))}
    data, uncertain, found = extract(data, locations, _uncertain_validator(data, locations, context))
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(found + problems(exc, data, locations, Scenario)) from None
    if not found:  # a correlation naming a refused distribution would only repeat that problem
        found += check_correlations(scenario.correlations, uncertain, locations)
    found += (check_references(scenario, locations) + check_environment(scenario, locations)
              + check_hazards(scenario, locations) + check_partners(scenario, locations)
              + check_draws(scenario, locations))
    found += check_uncertain_ranges(scenario, uncertain, locations)
    if found:
        raise ScenarioError(list(dict.fromkeys(found)))
    scenario.attach(uncertain=uncertain, source=source, sha256=sha)
    return scenario


_DIST_ADAPTERS: dict[str, TypeAdapter] = {}


def _uncertain_validator(data: Any, loc: Locations, context: dict[str, Any]) -> Callable[[Any, str, tuple], Any]:
    """Validate a distribution written where a plain number is usual, with errors located in the file."""

    def validate(raw: Any, kind: str, where: tuple) -> Any:
        if kind not in _DIST_ADAPTERS:
            _DIST_ADAPTERS[kind] = TypeAdapter(distribution_type(kind))
        try:
            return _DIST_ADAPTERS[kind].validate_python(raw, context=context)
        except ValidationError as exc:
            raise ScenarioError(problems(_Located(exc, where), data, loc, Scenario)) from None

    return validate


class _Located:
    """A validation error of one value, its locations made relative to the whole file."""

    def __init__(self, exc: ValidationError, where: tuple) -> None:
        self.exc, self.where = exc, where

    def errors(self, include_url: bool = False) -> list[dict[str, Any]]:
        return [{**e, "loc": self.where + tuple(e["loc"])} for e in self.exc.errors(include_url=include_url)]
