"""Regenerate the chart images of the docs from the flagship scenario.

    python docs/make_images.py

runs ``allysim run``, ``compare`` and ``drivers`` on ``scenarios/joint_venture.yaml`` with the scenario's own runs
and seed (10,000 runs, seed 20261127: the same numbers a user gets), and ``allysim value`` with 1,000 runs (every
one of the 128 subsets of the full plan's seven contingencies is simulated, so this one is kept shorter), each into a
temporary folder, and saves a 1200-px-wide copy of each chart as ``docs/img/<chart>.png``, small enough for the
repository (well under 300 KB each); and ``allysim calibrate`` on ``examples/data/atop_defense_spells.csv`` for the
``calibration`` chart of docs/calibration.md. Options: ``--runs N`` for a quicker draft of every chart, ``--width PX``,
``--only CHART,...`` to redraw only those charts (and run only the commands that draw them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "joint_venture.yaml"
HISTORY = ROOT / "examples" / "data" / "atop_defense_spells.csv"  # the input of `calibrate`
IMAGES = ROOT / "docs" / "img"
# command -> the charts it draws
COMMANDS = {"run": ("survival", "npv", "health", "causes", "partners"), "compare": ("compare",),
            "value": ("contingency_value",), "drivers": ("risk_drivers",), "optimize": ("frontier",),
            "sweep": ("sweep",), "calibrate": ("calibration",)}
# the worked example of docs/deciding.md
ARGUMENTS = {"optimize": ["--budget", "3"],
             "sweep": ["--set", "contingencies.relationship_reset.trigger.health_below=0.3:0.8:6"]}
VALUE_RUNS = 1000
DECIDING_RUNS = 4000  # 256 line-ups, 6 thresholds x 6 plans: the numbers quoted in docs/deciding.md
MAX_BYTES = 300_000


def main() -> int:
    """Run the flagship through every command, then write the downscaled charts; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="override the number of runs of every command (for a quick draft)")
    parser.add_argument("--width", type=int, default=1200, help="width of the images in pixels (default 1200)")
    parser.add_argument("--only", help="comma-separated charts to redraw (default: every chart)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None

    IMAGES.mkdir(parents=True, exist_ok=True)
    for command, charts in COMMANDS.items():
        if only is not None and not only & set(charts):
            continue
        with tempfile.TemporaryDirectory() as out:
            line = [sys.executable, "-m", "allysim", command, str(HISTORY if command == "calibrate" else SCENARIO),
                    "--out", out, "--format", "png", "--quiet"]
            line += ARGUMENTS.get(command, [])
            runs = args.runs or (VALUE_RUNS if command == "value" else DECIDING_RUNS if command in ARGUMENTS else None)
            if runs and command != "calibrate":
                line += ["--runs", str(runs)]
            subprocess.run(line, check=True, cwd=ROOT)
            for chart in charts:
                if not shrink(Path(out) / f"{chart}.png", IMAGES / f"{chart}.png", args.width):
                    return 1
    return 0


def shrink(source: Path, target: Path, width: int) -> bool:
    """Save a ``width``-px copy of a chart in 256 colours; return False if it is still over MAX_BYTES."""
    with Image.open(source) as image:
        height = round(image.height * width / image.width)
        small = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    # 256 colours are plenty for flat charts and cut the file size by about two thirds
    small.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
    size = target.stat().st_size
    print(f"{target.relative_to(ROOT)}: {width}x{height}, {size // 1000} KB")
    if size > MAX_BYTES:
        print(f"  larger than {MAX_BYTES // 1000} KB: use a smaller --width", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
