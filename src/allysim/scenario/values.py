"""The value types of the scenario format: numbers with units, distributions written as a number or a mapping, ids,
and the strict, frozen base of every model (:class:`FrozenModel`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema

from ..text import TEXT_LIMIT, plan_problem
from ..text import problem as text_problem
from . import units
from .distributions import FAMILIES, Constant, Distribution
from .messages import suggest

_ID_TEXT = r"^[a-z][a-z0-9_]*$"

# --------------------------------------------------------------------------- value types


def _whole(value: Any) -> Any:
    """Accept 1e4 or 3.0 where a whole number is expected."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def not_bool(value: Any) -> Any:
    """Refuse true/false where a number is expected even when Python's True == 1 would pass."""
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {str(value).lower()}")
    return value


def as_tuple(value: Any) -> Any:
    """Lists from the file become tuples, so scenario objects stay immutable."""
    return tuple(value) if isinstance(value, list) else value


def _context_unit(info: ValidationInfo) -> str:
    unit = (info.context or {}).get("time_unit", "year")
    return unit if unit in units.TIME_UNITS else "year"


def _time(value: Any, info: ValidationInfo) -> Any:
    return units.parse_time(value, _context_unit(info)) if isinstance(value, str) else value


HORIZON_LIMIT = 1e6  # time units (a million days is 2,700 years): longer ones only serve to overflow sums
MONEY_LIMIT = 1e15  # the largest amount: sums of amounts over a long horizon and many events stay far from overflow


def _money(value: Any, info: ValidationInfo) -> Any:
    return _bounded(units.parse_money(value, (info.context or {}).get("currency")) if isinstance(value, str)
                    else value)


def _bounded(value: Any) -> Any:
    """An amount of money within :data:`MONEY_LIMIT`: larger ones would add up to infinity in a run's NPV."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MONEY_LIMIT:
        raise ValueError(f"{float(value):.3g} is more than allysim can add up without overflow (at most {MONEY_LIMIT:.0e} "
                         "in absolute value); write amounts in a larger unit, such as millions")
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    return value


def _convert_numbers(value: Any, convert: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str):
        return convert(value, info)
    if isinstance(value, list):
        return [_convert_numbers(v, convert, info) for v in value]
    return value


def _flatten(kind: str):
    """Turn ``{triangular: {low, likely, high}, clip: [..]}`` into ``{family: triangular, low, ..., clip}``.

    Unit strings in the parameters of time and money distributions become numbers here.
    """
    convert = {"time": _time, "money": _money, "plain": lambda v, info: v}[kind]
    names = ", ".join(FAMILIES)

    def flatten(raw: Any, info: ValidationInfo) -> Any:
        if isinstance(raw, bool) or raw is None:
            raise ValueError(f"expected a number or a distribution ({names}), got {raw!r}")
        if isinstance(raw, (int, float, str)):
            return {"family": "constant", "value": convert(raw, info)}
        if not isinstance(raw, dict):
            raise ValueError(f"expected a number or a distribution mapping ({names}), got a list")
        families = [k for k in raw if k in FAMILIES]
        others = [k for k in raw if k not in FAMILIES and k != "clip"]
        if others or len(families) != 1:
            found = ", ".join(map(str, raw)) or "nothing"
            hint = suggest(others[0], FAMILIES) if others else ""
            raise ValueError(f"a distribution names exactly one family ({names}) and may add clip; "
                             f"found {found}{hint}")
        family = families[0]
        params = raw[family]
        if not isinstance(params, dict):
            fields = [n for n in FAMILIES[family].model_fields if n not in ("family", "clip")]
            raise ValueError(f"{family}: expected a mapping of its parameters "
                             f"{{{', '.join(_alias(FAMILIES[family], f) for f in fields)}}}")
        flat = {k: _convert_numbers(v, convert, info) for k, v in params.items()}
        if kind == "money":
            flat = {k: _bounded(v) for k, v in flat.items()}
        if "family" in flat or "clip" in flat:
            raise ValueError(f"{family}: unexpected parameter {'family' if 'family' in flat else 'clip'!r}")
        flat["family"] = family
        if "clip" in raw:
            flat["clip"] = _convert_numbers(raw["clip"], convert, info)
        return flat

    return flatten


def _alias(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].alias or name


def dist_schema(kind: str) -> dict[str, Any]:
    """JSON Schema of a distribution as written in a file (not the flattened form)."""
    number: dict[str, Any] = {"type": "number"}
    if kind != "plain":
        number = {"anyOf": [{"type": "number"}, {"type": "string", "description": f"a {kind} with a unit"}]}

    def params(cls: type[BaseModel]) -> dict[str, Any]:
        props, required = {}, []
        for name, info in cls.model_fields.items():
            if name in ("family", "clip"):
                continue
            key = info.alias or name
            props[key] = {"type": "array", "items": number} if name in ("values", "weights") else number
            if info.is_required():
                required.append(key)
        return {"type": "object", "properties": props, "required": required, "additionalProperties": False}

    clip = {"type": "array", "items": number, "minItems": 2, "maxItems": 2}
    options: list[dict[str, Any]] = [number]
    for family, cls in FAMILIES.items():
        options.append({"type": "object", "properties": {family: params(cls), "clip": clip},
                        "required": [family], "additionalProperties": False})
    return {"oneOf": options, "description": f"a {kind} number, or a distribution naming one family"}


def distribution_type(kind: str) -> Any:
    """The field type of a number that may be written as a distribution: ``kind`` is plain, time or money."""
    return Annotated[Distribution, BeforeValidator(_flatten(kind)), WithJsonSchema(dist_schema(kind))]


TIME_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "examples": ["18 months", "2 years"]}]}
_MONEY_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "examples": ["2.5M", "300k"]}]}

PlainDist = distribution_type("plain")
TimeDist = distribution_type("time")
MoneyDist = distribution_type("money")
Time = Annotated[float, BeforeValidator(_time), WithJsonSchema(TIME_SCHEMA)]
Money = Annotated[float, BeforeValidator(_money), WithJsonSchema(_MONEY_SCHEMA)]
Probability = Annotated[float, Field(ge=0, le=1)]
Whole = Annotated[int, BeforeValidator(_whole)]
Id = Annotated[str, Field(pattern=_ID_TEXT, max_length=64)]


def _checked(check: Callable[[str], str | None]) -> AfterValidator:
    def validate(value: str) -> str:
        message = check(value)
        if message is not None:
            raise ValueError(message)
        return value
    return AfterValidator(validate)


# free text is checked in one place (allysim.text): nothing a screen, chart, slide or spreadsheet cannot show
Name = Annotated[str, _checked(text_problem)]
Description = Annotated[str, _checked(lambda value: text_problem(value, TEXT_LIMIT, lines=True))]
PlanName = Annotated[str, _checked(plan_problem)]
ZERO = Constant(value=0.0)


class FrozenModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              populate_by_name=True)

