"""Write scenarios/joint_venture_register.xlsx from scenarios/joint_venture.yaml (all but its environment).

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


# A register's sheets (SPEC section 11) have no place for a shared environment: the flagship's economic cycle
# stays in the YAML, and the register is the flagship without it.
LEFT_OUT_ON_PURPOSE = {"environment"}


def make(source: Path = SOURCE, target: Path = TARGET) -> Path:
    """Write the register of ``source`` to ``target``; refuse if the register could not hold all of it (except the
    environment, which registers do not hold)."""
    data, _ = load_yaml(source.read_bytes(), str(source))
    tables, left_out = scenario_tables(data)
    left_out = [key for key in left_out if key not in LEFT_OUT_ON_PURPOSE]
    if left_out:
        raise SystemExit(f"{source}: a register cannot hold {', '.join(left_out)}")
    return write_register(tables, target, title=data.get("name"))


if __name__ == "__main__":
    print(f"wrote {make(*(Path(a) for a in sys.argv[1:3]))}")
