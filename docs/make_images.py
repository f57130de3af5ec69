"""Regenerate the chart images of the docs from the flagship scenario.

    python docs/make_images.py

runs ``allysim run scenarios/joint_venture.yaml`` with the scenario's own runs and seed (10,000 runs, seed
20261127: the same numbers a user gets) into a temporary folder, and saves a 1200-px-wide copy of each chart as
``docs/img/<chart>.png``, small enough for the repository (well under 300 KB each). Options: ``--runs N`` for a
quicker draft, ``--width PX``.
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
IMAGES = ROOT / "docs" / "img"
CHARTS = ("survival", "npv", "health", "causes")
MAX_BYTES = 300_000


def main() -> int:
    """Run the flagship, then write the downscaled charts; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="override the scenario's number of runs (for a quick draft)")
    parser.add_argument("--width", type=int, default=1200, help="width of the images in pixels (default 1200)")
    args = parser.parse_args()

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "allysim", "run", str(SCENARIO), "--out", out, "--format", "png", "--quiet"]
        if args.runs:
            command += ["--runs", str(args.runs)]
        subprocess.run(command, check=True, cwd=ROOT)
        for chart in CHARTS:
            with Image.open(Path(out) / f"{chart}.png") as image:
                height = round(image.height * args.width / image.width)
                small = image.convert("RGB").resize((args.width, height), Image.Resampling.LANCZOS)
            target = IMAGES / f"{chart}.png"
            # 256 colours are plenty for flat charts and cut the file size by about two thirds
            small.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
                target, optimize=True)
            size = target.stat().st_size
            print(f"{target.relative_to(ROOT)}: {args.width}x{height}, {size // 1000} KB")
            if size > MAX_BYTES:
                print(f"  larger than {MAX_BYTES // 1000} KB: use a smaller --width", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
