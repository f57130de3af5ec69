"""Write scenarios/joint_venture_register.xlsx from scenarios/joint_venture.yaml.

The register is generated, never edited by hand: change the YAML, then run

    PYTHONPATH=src python scenarios/make_register.py

tests/test_register.py checks that the committed register still matches the YAML and imports back to the same
scenario.
"""

from __future__ import annotations

import sys
from pathlib import Path

from allysim.register.export import scenario_tables, write_register
from allysim.scenario.yamlio import load_yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "joint_venture.yaml"
TARGET = HERE / "joint_venture_register.xlsx"


def make(source: Path = SOURCE, target: Path = TARGET) -> Path:
    """Write the register of ``source`` to ``target``; refuse if the register could not hold all of it."""
    data, _ = load_yaml(source.read_bytes(), str(source))
    tables, left_out = scenario_tables(data)
    if left_out:
        raise SystemExit(f"{source}: a register cannot hold {', '.join(left_out)}")
    return write_register(tables, target, title=data.get("name"))


if __name__ == "__main__":
    print(f"wrote {make(*(Path(a) for a in sys.argv[1:3]))}")
