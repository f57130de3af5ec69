"""Draw docs/img/architecture.png: the layers of allysim and how data flows through them.

    python docs/make_architecture.py

The picture is drawn from the table in docs/architecture.md, the same table tests/test_house.py checks the imports
against: one box per layer, the bottom layer at the bottom.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "img" / "architecture.png"
TABLE = HERE / "architecture.md"
INK, MUTED = "#1A1A1A", "#6E6E6E"
FILLS = ["#F3F3F3", "#E8EEF4", "#DCE9DF", "#F6E7D4", "#DCE9DF", "#EFE3F1", "#F6E7D4", "#F3F3F3", "#F3F3F3",
         "#FBE9E7"]


def layers(text: str) -> list[tuple[str, list[str], str]]:
    """The house's table: (layer, its modules as written, its job) from the bottom up.

    In the modules cell, ``x.py`` is a top-level module, ``pkg/`` a package and the bare names after it its modules;
    parenthesised remarks are skipped. :func:`modules_of` turns the names into dotted module names.
    """
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not line.startswith("|") or cells[0] in ("layer", "---"):
            continue
        rows.append((cells[0], re.findall(r"`([^`]+)`", re.sub(r"\([^()]*\)", "", cells[1])), cells[2]))
    return rows


def modules_of(tokens: list[str]) -> list[str]:
    """``["scenario/", "model", "hazards.py", "__init__.py"]`` -> ``["allysim.scenario", "allysim.scenario.model",
    "allysim.hazards", "allysim"]``."""
    names, package = [], ""
    for token in tokens:
        if token.endswith("/"):
            package = "allysim." + token.rstrip("/").replace("/", ".")
            names.append(package)
        elif token.endswith(".py"):
            package = ""
            stem = token[:-3].replace("/", ".")
            names.append("allysim" if stem == "__init__" else f"allysim.{stem}")
        elif package:
            names.append(f"{package}.{token}")
    return names


def _listing(tokens: list[str]) -> str:
    """The modules as a reader scans them: ``scenario/: model · checks · hazards.py``."""
    out = ""
    for token in tokens:
        out += ("" if not out else " " if out.endswith(":") else "  ·  ") + token + (":" if token.endswith("/") else "")
    return out


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    rows = layers(TABLE.read_text(encoding="utf-8"))
    line, gap, top = 0.165, 0.3, 1.55
    texts = [(textwrap.wrap(_listing(tokens), 118), textwrap.wrap(re.sub(r"`([^`]*)`", r"\1", job), 150))
             for _, tokens, job in rows]
    heights = [0.3 + line * (len(listing) + len(job)) for listing, job in texts]
    total = sum(heights) + gap * len(rows) + top
    fig = plt.figure(figsize=(12, total))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, total)
    ax.set_axis_off()
    ax.text(0.3, total - 0.45, "allysim: the layers, and how data flows through them", size=17, weight="bold",
            color=INK)
    ax.text(0.3, total - 0.85, "Each layer imports only from itself and the layers below it (tests/test_house.py "
            "checks every import against docs/architecture.md's table, drawn here).", size=10, color=MUTED)
    ax.text(0.3, total - 1.15, "scenario file → Scenario → replications → Results → statistics, words and studies → "
            "files → charts and deck → command line.", size=10, color=MUTED)
    y = 0.25
    for i, ((name, _tokens, _job), (listing, job), height) in enumerate(zip(rows, texts, heights)):
        ax.add_patch(FancyBboxPatch((0.3, y), 11.4, height, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=FILLS[i % len(FILLS)], edgecolor="#B0B0B0", linewidth=1))
        ax.text(0.45, y + height - 0.22, name, size=11.5, weight="bold", color=INK, va="center")
        ax.text(2.35, y + height - 0.15, "\n".join(listing), size=8.4, color=INK, va="top", family="monospace",
                linespacing=1.35)
        ax.text(2.35, y + height - 0.15 - line * len(listing), "\n".join(job), size=8.4, color=MUTED, va="top",
                linespacing=1.35)
        if i:
            ax.add_patch(FancyArrowPatch((1.2, y - gap + 0.02), (1.2, y - 0.02), arrowstyle="-|>",
                                         mutation_scale=12, color="#707070", linewidth=1.1))
        y += height + gap
    fig.savefig(OUT, dpi=110, facecolor="white")
    print(OUT)


if __name__ == "__main__":
    main()
