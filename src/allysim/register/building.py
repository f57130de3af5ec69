"""Building a scenario's data from a register's tables, remembering the cell each value came from."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..errors import ScenarioError
from ..scenario import units
from ..scenario.messages import suggest
from ..scenario.yamlio import load_yaml, shorten
from .layout import ALLIANCE_KEYS, DISTRIBUTIONS, REQUIRED_COLUMNS, REQUIRED_SHEETS, SHEETS
from .members import flag, partners
from .reading import Bad, Cell, Row, Source, Table, cell_value, read_table
from .world import correlations, environment, pairs

__all__ = ["Builder"]

_SPLIT = re.compile(r"[,;\n]+")
_HEALTH_BELOW = re.compile(r"^health(?:\s+|_)below\s*:?\s*(.+)$|^health\s*<\s*(.+)$", re.IGNORECASE)
_EXIT = re.compile(r"^exit(?:\s+|\s*:\s*)(\S+)$", re.IGNORECASE)
_CONDITION = re.compile(r"^(health|partners|share)(?:(?:\s+|_)below\s*:?|\s*<)\s*(.+)$", re.IGNORECASE)
_REVIEW = re.compile(r"^review\s+(?:(every)\s+)?(.+?)(?:\s+if\s+(.+))?$", re.IGNORECASE)
_HAZARD_FORMS = "weibull SHAPE SCALE (e.g. weibull 0.56 81) or steps AGE:RATE ... (e.g. steps 0:0.05 2:0.2 6:0.08)"

class Builder:
    """Build the scenario's data from the tables, remembering the cell each value came from."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[str] = []
        self.cells: dict[tuple, Cell] = {}      # scenario path -> the cell it came from
        self.notes: dict[tuple, str] = {}       # scenario path -> comment naming the source row
        self.tables: dict[str, Table] = {}

    def bad(self, cell: Cell, message: str) -> None:
        self.problems.append(cell.error(message))

    # -- sheets

    def load_tables(self) -> None:
        found: dict[str, str] = {}
        for name in self.source.raw:
            first = found.setdefault(name.strip().lower(), name)
            if first != name:  # Risks and RISKS, Risks.csv and risks.csv: which one is meant cannot be guessed
                self.problems.append(f"{self.source.files[name]}:{shorten(name)}!A1: the sheet '{shorten(name)}' "
                                     f"and the sheet '{shorten(first)}' have the same name but for case; keep one "
                                     "of them")
        for sheet in SHEETS:
            name = found.pop(sheet.lower(), None)
            if name is not None:
                self.tables[sheet] = read_table(self.source, sheet, name, self.problems)
        label = str(self.source.path)
        for other, name in found.items():
            close = suggest(other, [s.lower() for s in SHEETS if s not in self.tables])
            if close:
                self.problems.append(f"{self.source.files[name]}:{name}!A1: unknown sheet '{shorten(name)}'"
                                     f"{suggest(name, [s for s in SHEETS if s not in self.tables])}; a register's "
                                     f"sheets are {', '.join(SHEETS)}")
        for sheet in REQUIRED_SHEETS:
            if sheet not in self.tables:
                where = f"{label}:{sheet}!A1" if not self.source.path.is_dir() else \
                    f"{self.source.path / (sheet + '.csv')}:{sheet}!A1"
                self.problems.append(f"{where}: missing sheet {sheet}; a register needs the sheets "
                                     f"{' and '.join(REQUIRED_SHEETS)} (and optionally Cascades, Contingencies, "
                                     "Partners, Plans)")

    def missing_columns(self) -> list[str]:
        """One line per required column a sheet's header lacks: ``register.xlsx:Risks: missing column 'rate' ...``."""
        lines = []
        for sheet, needed in REQUIRED_COLUMNS.items():
            table = self.tables.get(sheet)
            if table is None or not (table.columns or table.rows):
                continue  # an absent or empty sheet: told elsewhere when it is required
            for names, holds in needed:
                if not any(n in table.columns for n in names):
                    either = f" (or {' or '.join(repr(n) for n in names[1:])})" if len(names) > 1 else ""
                    lines.append(f"{table.file}:{table.name}: missing column '{names[0]}'{either}, "
                                 f"{holds}; add it to the header row (row {table.header_row}); the {sheet} sheet's "
                                 f"columns are {', '.join(c.name for c in SHEETS[sheet])}")
        return lines

    # -- values

    def take(self, row: Row, column: str, path: tuple, data: dict, key: str, kind: str = "number") -> None:
        """Put a cell's value at ``data[key]`` (scenario path ``path``), checking what the cell may hold."""
        value = row.value(column)
        if value is None:
            return
        cell = row.cells[column][1]
        value = self.check(value, cell, kind)
        if value is None:
            return
        data[key] = value
        self.cells[path] = cell

    def check(self, value: Any, cell: Cell, kind: str) -> Any:
        """The value for the scenario, or None after reporting why it cannot be used."""
        if isinstance(value, Bad):
            self.bad(cell, f"{cell.column}: {value.message}" if cell.column else value.message)
            return None
        if kind == "text":
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)
        if isinstance(value, str) and value.startswith("{"):
            parsed = self.inline(value, cell)
            return parsed
        return value

    def inline(self, text: str, cell: Cell) -> Any:
        """A distribution written in a cell as in YAML: ``{lognormal: {median: 1.5, p90: 5}}``."""
        try:
            data, _ = load_yaml(text, "<cell>")
        except ScenarioError as exc:
            message = exc.problems[0].split(": ", 1)[-1]
            self.bad(cell, f"{cell.column}: not a distribution ({shorten(message, 100)}); write e.g. "
                           "{lognormal: {median: 1.5, p90: 5}}")
            return None
        if not isinstance(data, dict):
            self.bad(cell, f"{cell.column}: write a number, a number with a unit, or a distribution such as "
                           "{lognormal: {median: 1.5, p90: 5}}")
            return None
        return data

    def text(self, row: Row, column: str) -> str | None:
        value = row.value(column)
        if value is None:
            return None
        return self.check(value, row.cells[column][1], "text")

    # -- sheets into the scenario

    def alliance(self, data: dict) -> None:
        table = self.tables.get("Alliance")
        if table is None:
            return
        for needed in ("key", "value"):
            if needed not in table.columns:
                self.bad(Cell(table.file, table.name, f"{'A' if needed == 'key' else 'B'}{table.header_row}"),
                         f"the Alliance sheet needs a '{needed}' column (key, value)")
                return
        seen: dict[str, Cell] = {}
        for row in table.rows:
            key_cell = row.cells["key"][1]
            raw_key = row.value("key")
            if raw_key is None:
                if row.value("value") is not None:
                    self.bad(key_cell, "key is blank; name the setting this value is for")
                continue
            key = re.sub(r"[\s\-]+", "_", str(raw_key).strip().lower())
            if key not in ALLIANCE_KEYS:
                self.bad(key_cell, f"unknown key '{shorten(str(raw_key))}'{suggest(key, ALLIANCE_KEYS)}; "
                                   f"keys: {', '.join(ALLIANCE_KEYS)}")
                continue
            if key in seen:
                self.bad(key_cell, f"key '{key}' appears twice (also at {seen[key].ref})")
                continue
            seen[key] = key_cell
            path = ALLIANCE_KEYS[key][0]
            target = data
            for part in path[:-1]:
                target = target.setdefault(part, {})
            kind = "text" if key in ("name", "description", "currency") else "number"
            value_cell = row.cells["value"][1]
            value = row.value("value")
            if key == "time_unit" and isinstance(value, str):
                unit = value.strip().lower()
                value = unit[:-1] if unit.endswith("s") and unit[:-1] in units.TIME_UNITS else unit
                row.cells["value"] = (value, value_cell)
            self.take(row, "value", path, target, path[-1], kind)
            if path[-1] in target:
                self.notes[path] = f"Alliance row {row.number}"
            self.cells.setdefault(path, value_cell)
        for key in ("name", "horizon"):
            what = "the name of the alliance" if key == "name" else "its planned life"
            if key not in seen:
                self.bad(table.end(), f"missing required key '{key}': add a row '{key}' with {what}")
            elif ALLIANCE_KEYS[key][0] not in self.notes:
                self.bad(table.cell("value", int(seen[key].ref[1:])), f"{key} is blank: give {what}")
        for part in ("alliance",):
            if part in data and "health" in data[part] and not data[part]["health"]:
                del data[part]["health"]

    def risks(self, data: dict) -> dict[str, dict]:
        table = self.tables.get("Risks")
        risks: list[dict] = []
        by_id: dict[str, dict] = {}
        if table is None:
            return by_id
        for row in table.rows:
            i = len(risks)
            here = ("risks", i)
            risk: dict[str, Any] = {}
            self.notes[here] = f"Risks row {row.number}"
            self.cells[here] = row.cells["id"][1] if "id" in row.cells else table.cell("id", row.number)
            rid = self.text(row, "id")
            if rid is None:
                name = row.value("name")
                hint = f" (e.g. '{_slug(name)}', from its name)" if isinstance(name, str) and _slug(name) else ""
                if row.value("id") is None:  # else the cell's content was reported already
                    self.bad(table.cell("id", row.number), f"id is blank; give each risk an id{hint}")
                rid = f"row_{row.number}"
            else:
                risk["id"] = rid
                self.cells[here + ("id",)] = row.cells["id"][1]
            for column in ("name", "category"):
                self.take(row, column, here + (column,), risk, column, "text")
            both = row.filled("rate", "probability", "hazard")
            if len(both) > 1:
                self.bad(row.cells[both[-1]][1], f"fill one of rate, probability and hazard, not {' and '.join(both)}")
            elif not both:
                self.bad(table.cell("rate" if "rate" in table.columns else "id", row.number),
                         "rate and probability are blank: fill one (occurrences per time unit, or the chance "
                         "of at least one occurrence per time unit), or hazard (a rate that changes with age)")
            for column in ("rate", "probability", "max_occurrences"):
                self.take(row, column, here + (column,), risk, column)
            self.hazard(row, here, risk)
            impact: dict[str, Any] = {}
            family = self.family(row)
            for what in ("health", "cost"):
                self.three_point(row, what, family, here + ("impact", what), impact)
            self.take(row, "fatal", here + ("impact", "fatal"), impact, "fatal")
            pairs(self, row, "exit", here + ("impact", "exit"), impact, "exit",
                  "PARTNER: PROBABILITY, ... (contoso: 0.3, fabrikam: 10%)")
            self.value_impact(row, here + ("impact", "value"), impact)
            if impact:
                risk["impact"] = impact
            risks.append(risk)
            if rid in by_id:
                self.bad(row.cells["id"][1], f"duplicate id '{rid}'; each risk has its own row and id")
            by_id.setdefault(rid, risk)
        data["risks"] = risks
        return by_id

    def hazard(self, row: Row, here: tuple, risk: dict) -> None:
        """A ``hazard`` cell: ``weibull 0.56 81``, ``steps 0:0.05 2:0.2``, or a mapping written as in YAML."""
        value = row.value("hazard")
        if value is None:
            return
        cell = row.cells["hazard"][1]
        if isinstance(value, str) and value.strip().startswith("{"):
            parsed = self.check(value.strip(), cell, "number")
            if parsed is not None:
                risk["hazard"] = parsed
                self.cells[here + ("hazard",)] = cell
            return
        text = self.check(value, cell, "text")
        if text is None:
            return
        words = [w for w in re.split(r"[\s,;]+", text.strip()) if w]
        kind = words[0].lower() if words else ""
        hazard: dict[str, Any] | None = None
        if kind == "weibull" and len(words) >= 3:
            scale = " ".join(words[2:])
            number = cell_value(scale)
            hazard = {"weibull": {"shape": cell_value(words[1]), "scale": scale if number is None else number}}
        elif kind == "steps" and len(words) >= 2 and all(w.count(":") == 1 for w in words[1:]):
            steps = [[cell_value(age) if cell_value(age) is not None else age, cell_value(rate)]
                     for age, rate in (w.split(":") for w in words[1:])]
            hazard = {"steps": steps}
        if hazard is None:
            self.bad(cell, f"hazard: write {_HAZARD_FORMS}, got '{shorten(text)}'")
            return
        if any(isinstance(v, Bad) for v in _leaves(hazard)):
            self.bad(cell, f"hazard: a number in '{shorten(text)}' is not readable; write {_HAZARD_FORMS}")
            return
        risk["hazard"] = hazard
        self.cells[here + ("hazard",)] = cell

    def family(self, row: Row) -> str | None:
        value = row.value("distribution")
        if value is None:
            return None
        cell = row.cells["distribution"][1]
        word = str(value).strip().lower() if not isinstance(value, Bad) else ""
        if word not in DISTRIBUTIONS:
            self.bad(cell, f"distribution: unknown shape '{shorten(str(value))}'{suggest(word, DISTRIBUTIONS)}; "
                           f"write {', '.join(DISTRIBUTIONS)} (or leave it blank for pert)")
            return None
        return word

    def three_point(self, row: Row, what: str, family: str | None, path: tuple, impact: dict) -> None:
        columns = [f"{what}_low", f"{what}_likely", f"{what}_high"]
        filled = row.filled(*columns)
        if not filled:
            return
        if len(filled) == 1:
            column = filled[0]
            value = self.check(row.value(column), row.cells[column][1], "number")
            if value is not None:
                impact[what] = value
                self.cells[path] = row.cells[column][1]
            return
        cells = {c: row.cells[c][1] for c in filled}
        values = {c: self.check(row.value(c), cells[c], "number") for c in filled}
        if any(v is None for v in values.values()):
            return
        if any(isinstance(v, dict) for v in values.values()):
            column = next(c for c in filled if isinstance(values[c], dict))
            self.bad(cells[column], f"{column}: a distribution written in a cell stands alone; leave the other "
                                    f"{what} cells blank")
            return
        family = family or "pert"
        if family == "uniform":
            if f"{what}_likely" in filled:
                self.bad(cells[f"{what}_likely"], f"{what}_likely: a uniform distribution has no most likely "
                                                  f"value; leave it blank (or choose pert or triangular)")
                return
            params = {"low": values[columns[0]], "high": values[columns[2]]}
        else:
            missing = [c for c in columns if c not in filled]
            if missing:
                self.bad(row.cells[missing[0]][1] if missing[0] in row.cells else cells[filled[0]],
                         f"{missing[0]} is blank: a {family} estimate needs low, likely and high (or fill "
                         "one cell for a constant)")
                return
            params = {"low": values[columns[0]], "likely": values[columns[1]], "high": values[columns[2]]}
        impact[what] = {family: params}
        first = cells[columns[0]]
        self.cells[path] = Cell(first.file, first.sheet, first.ref, f"{what}_low..{what}_high")
        for key, column in zip(("low", "likely", "high"), columns):
            if column in cells:
                self.cells[path + (family, key)] = cells[column]

    def value_impact(self, row: Row, path: tuple, impact: dict) -> None:
        filled = row.filled("value_factor", "value_duration")
        if not filled:
            return
        if len(filled) == 1:
            other = "value_duration" if filled[0] == "value_factor" else "value_factor"
            what = "how long the value rate stays reduced" if other == "value_duration" else \
                "the multiplier of the value rate, 0 to 1"
            self.bad(row.cells[filled[0]][1], f"{filled[0]} needs {other} ({what})")
            return
        value: dict[str, Any] = {}
        self.take(row, "value_factor", path + ("factor",), value, "factor")
        self.take(row, "value_duration", path + ("duration",), value, "duration")
        if len(value) == 2:
            impact["value"] = value
            self.cells[path] = row.cells["value_factor"][1]

    def cascades(self, risks: dict[str, dict], data: dict) -> None:
        table = self.tables.get("Cascades")
        if table is None or "Risks" not in self.tables:
            return
        index = {r.get("id"): i for i, r in enumerate(data.get("risks", ()))}
        for row in table.rows:
            rid = self.text(row, "risk")
            if rid is None:
                if row.value("risk") is None:
                    self.bad(table.cell("risk", row.number), "risk is blank: which risk's occurrences escalate "
                                                             "another one")
                continue
            if rid not in risks:
                self.bad(row.cells["risk"][1], f"unknown risk '{shorten(rid)}'{suggest(rid, list(risks))}; "
                                               "the risk must have a row in the Risks sheet")
                continue
            escalates = risks[rid].setdefault("impact", {}).setdefault("escalates", [])
            here = ("risks", index[rid], "impact", "escalates", len(escalates))
            item: dict[str, Any] = {}
            self.notes[here] = f"Cascades row {row.number}"
            self.cells[here] = row.cells["risk"][1]
            if row.value("escalates") is None:
                self.bad(table.cell("escalates", row.number), "escalates is blank: which risk's rate goes up")
            if row.value("factor") is None:
                self.bad(table.cell("factor", row.number), "factor is blank: how many times the rate is "
                                                           "multiplied, e.g. 2")
            self.target(row, "escalates", here, item)
            self.take(row, "factor", here + ("factor",), item, "factor")
            self.take(row, "duration", here + ("duration",), item, "duration")
            escalates.append(item)

    def contingencies(self, data: dict, risk_ids: list[str]) -> list[str]:
        table = self.tables.get("Contingencies")
        if table is None:
            return []
        items: list[dict] = []
        ids: dict[str, int] = {}
        for row in table.rows:
            cid = self.text(row, "id")
            if cid is not None and cid in ids and ids[cid] == len(items) - 1 and self.continuation(row):
                self.rate_factor(row, items[-1], ("contingencies", ids[cid]))
                continue
            i = len(items)
            here = ("contingencies", i)
            item: dict[str, Any] = {}
            self.notes[here] = f"Contingencies row {row.number}"
            self.cells[here] = table.cell("id", row.number)
            if cid is None:
                name = row.value("name")
                hint = f" (e.g. '{_slug(name)}', from its name)" if isinstance(name, str) and _slug(name) else ""
                if row.value("id") is None:  # else the cell's content was reported already
                    self.bad(table.cell("id", row.number), f"id is blank; give each contingency an id{hint}")
            else:
                if cid in ids:
                    self.bad(row.cells["id"][1], f"duplicate id '{cid}'; a row repeating the contingency just "
                                                 "above may only add a rate factor (fill just rate_factor_risk, "
                                                 "rate_factor, rate_factor_duration)")
                ids.setdefault(cid, i)
                item["id"] = cid
                self.cells[here + ("id",)] = row.cells["id"][1]
            self.take(row, "name", here + ("name",), item, "name", "text")
            self.trigger(row, table, here, item)
            for column in ("delay", "success", "max_activations"):
                self.take(row, column, here + (column,), item, column)
            effect: dict[str, Any] = {}
            for column in ("reduce_impact", "restore_health", "rescue_health"):
                self.take(row, column, here + ("effect", column), effect, column)
            for column in ("retain", "replace"):
                flag(self, row, column, here + ("effect", column), effect)
                if effect.get(column) is False:
                    del effect[column]  # false is the default: no such effect
            item["effect"] = effect
            self.rate_factor(row, item, here)
            if not effect and not row.filled("reduce_impact", "restore_health", "rescue_health", "retain", "replace"):
                self.bad(table.cell("reduce_impact", row.number),
                         "no effect: fill at least one of reduce_impact, restore_health, rescue_health, "
                         "rate_factor, retain, replace (what the contingency does)")
            cost: dict[str, Any] = {}
            for column, key in (("setup_cost", "setup"), ("per_time_cost", "per_time"),
                                ("per_activation_cost", "per_activation")):
                self.take(row, column, here + ("cost", key), cost, key)
            if cost:
                item["cost"] = cost
            items.append(item)
        if items:
            data["contingencies"] = items
        return [c.get("id", "") for c in items]

    @staticmethod
    def continuation(row: Row) -> bool:
        """A row repeating the contingency above and filling only rate-factor cells adds a rate factor."""
        others = [c for c in row.cells if c not in ("id", "rate_factor_risk", "rate_factor", "rate_factor_duration")
                  and row.value(c) is not None]
        return not others and bool(row.filled("rate_factor_risk", "rate_factor"))

    def trigger(self, row: Row, table: Table, here: tuple, item: dict) -> None:
        value = row.value("trigger")
        cell = table.cell("trigger", row.number)
        if value is None:
            self.bad(cell, "trigger is blank: write a risk id, dissolution, health below X, review AGES, or exit "
                           "(exit PARTNER)")
            return
        text = self.check(value, cell, "text")
        if text is None:
            return
        if text.strip().startswith("{"):  # a trigger the words cannot hold, written as in YAML
            parsed = self.inline(text.strip(), cell)
            if parsed is not None:
                item["trigger"] = parsed
                self.cells[here + ("trigger",)] = cell
            return
        review = _REVIEW.match(text.strip())
        if review:
            self.review(review, text, cell, here, item)
            return
        match = _HEALTH_BELOW.match(text.strip())
        exit_ = _EXIT.match(text.strip())
        if exit_:
            item["trigger"] = {"on": "exit", "partner": exit_.group(1)}
            self.cells[here + ("trigger", "on")] = cell
            self.cells[here + ("trigger", "partner")] = cell
        elif match:
            number = cell_value(match.group(1) or match.group(2))
            if not isinstance(number, (int, float)) or isinstance(number, bool):
                self.bad(cell, f"trigger: write health below X with X a number between 0 and 1, got "
                               f"'{shorten(text)}'")
                return
            item["trigger"] = {"health_below": number}
            self.cells[here + ("trigger", "health_below")] = cell
        else:
            word = text.strip()
            item["trigger"] = {"on": word.lower() if word.lower() in ("dissolution", "exit") else word}
            self.cells[here + ("trigger", "on")] = cell
        self.cells[here + ("trigger",)] = cell

    def review(self, match: re.Match, text: str, cell: Cell, here: tuple, item: dict) -> None:
        """``review 2, 4, 6`` or ``review every 6 months``, optionally ``... if health below 0.6``."""
        every, when, condition = match.groups()
        trigger: dict[str, Any] = {}
        if every:
            trigger["review"] = {"every": _number_or_text(when.strip())}
        else:
            parts = re.split(r"\s*[,;]\s*", when.strip()) if re.search(r"[,;]", when) else when.split()
            if not re.search(r"[,;]", when) and any(isinstance(cell_value(p), str) for p in parts):
                parts = [when.strip()]  # one age with its unit: review 18 months
            trigger["review"] = [_number_or_text(p) for p in parts if p]
        if condition is not None:
            threshold = _CONDITION.match(condition.strip())
            number = cell_value(threshold.group(2).strip()) if threshold else None
            if not isinstance(number, (int, float)) or isinstance(number, bool):
                self.bad(cell, f"trigger: write review AGES (or review every X) if health below X (a number "
                               f"between 0 and 1), if partners below N or if share below X, got '{shorten(text)}'")
                return
            key = f"{threshold.group(1).lower()}_below"
            trigger["if"] = {key: number}
            self.cells[here + ("trigger", "if", key)] = cell
        item["trigger"] = trigger
        self.cells[here + ("trigger",)] = cell
        self.cells[here + ("trigger", "review")] = cell

    def rate_factor(self, row: Row, item: dict, here: tuple) -> None:
        if not row.filled("rate_factor_risk", "rate_factor", "rate_factor_duration"):
            return
        factors = item.setdefault("effect", {}).setdefault("rate_factor", [])
        path = here + ("effect", "rate_factor", len(factors))
        entry: dict[str, Any] = {}
        for column, key in (("rate_factor_risk", "risk"), ("rate_factor", "factor"),
                            ("rate_factor_duration", "duration")):
            if row.value(column) is None and key != "duration":
                self.bad(row.cells[column][1] if column in row.cells else self.tables["Contingencies"].cell(
                    column, row.number), f"{column} is blank: a rate factor needs rate_factor_risk and rate_factor")
                continue
            if key == "risk":
                self.target(row, column, path, entry)
            else:
                self.take(row, column, path + (key,), entry, key)
        self.cells[path] = row.cells.get("rate_factor_risk", row.cells.get("rate_factor", (None, None)))[1] or \
            self.cells.get(here)
        if self.notes.get(here) != f"Contingencies row {row.number}":
            self.notes[path] = f"Contingencies row {row.number}"
        factors.append(entry)

    def target(self, row: Row, column: str, path: tuple, item: dict) -> None:
        """A cell naming a risk (its rate) or, written ``exit PARTNER``, a partner (its exit hazard)."""
        text = self.text(row, column)
        if text is None:
            return
        match = _EXIT.match(text.strip())
        key, name = ("partner", match.group(1)) if match else ("risk", text)
        item[key] = name
        self.cells[path + (key,)] = row.cells[column][1]

    def plans(self, data: dict, contingency_ids: list[str]) -> None:
        table = self.tables.get("Plans")
        if table is None or not table.rows:
            return
        plans: dict[str, Any] = {}
        seen: dict[str, Cell] = {}
        for row in table.rows:
            name = self.text(row, "plan")
            if name is None:
                if row.value("plan") is None:
                    self.bad(table.cell("plan", row.number), "plan is blank: name the plan")
                continue
            name = name.strip()
            if name in seen:
                self.bad(row.cells["plan"][1], f"plan '{shorten(name)}' appears twice (also at {seen[name].ref})")
                continue
            seen[name] = row.cells["plan"][1]
            path = ("plans", name)
            self.notes[path] = f"Plans row {row.number}"
            listed = self.text(row, "contingencies")
            cell = table.cell("contingencies", row.number)
            if listed is not None and listed.strip().lower() == "all":
                plans[name] = "all"
            else:
                plans[name] = [p.strip() for p in _SPLIT.split(listed or "") if p.strip()]
            self.cells[path] = cell
            for j in range(len(plans[name]) if isinstance(plans[name], list) else 0):
                self.cells[path + (j,)] = cell
        data["plans"] = plans

    def build(self) -> dict[str, Any]:
        self.load_tables()
        data: dict[str, Any] = {"allysim": 1}
        missing = self.missing_columns()
        if missing:  # every row would repeat it: say only what the headers lack (and their other problems)
            self.problems[:0] = missing
            return data
        self.alliance(data)
        risks = self.risks(data)
        self.cascades(risks, data)
        ids = self.contingencies(data, list(risks))
        partners(self, data)
        environment(self, data)
        correlations(self, data)
        self.plans(data, ids)
        return data


def _number_or_text(text: str) -> Any:
    """A number where the text is one, else the text (a time with its unit, converted by the scenario)."""
    value = cell_value(text)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else text


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [leaf for v in data.values() for leaf in _leaves(v)]
    if isinstance(data, list):
        return [leaf for v in data for leaf in _leaves(v)]
    return [data]


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    slug = re.sub(r"^[^a-z]+", "", slug)
    return slug[:40].rstrip("_")

