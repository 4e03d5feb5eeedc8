"""Generate static/wordmark.svg: "OpenAgents" in Inter SemiBold as outlines, from the font we ship.

Why outlines and not text: the boot skeleton's first frame then needs no font at all. Laying out any
text makes Chromium match the font family in the browser process (a synchronous IPC per family, size
and weight, 2–20 ms each on a busy 2-core host) inside the first layout; a trace of a cold load showed
the skeleton's three text styles taking 22–33 ms of a 35 ms layout. ADR 0302.

    .venv/bin/python scripts/wordmark.py            # rewrite static/wordmark.svg
    .venv/bin/python scripts/wordmark.py --check    # exit 1 if the committed file differs (a test runs this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont
from fontTools.varLib.instancer import instantiateVariableFont

REPO = Path(__file__).resolve().parents[1]
FONT = REPO / "static" / "fonts" / "inter-latin-wght-normal.woff2"
OUT = REPO / "static" / "wordmark.svg"
TEXT = "OpenAgents"
WEIGHT = 600
SIZE_PX = 15
#: The skeleton's old CSS letter-spacing for the logo (.02em); kerning pairs are not applied.
LETTER_SPACING_EM = 0.02


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def wordmark_svg() -> str:
    font = instantiateVariableFont(TTFont(FONT), {"wght": WEIGHT})
    glyphs, cmap, metrics = font.getGlyphSet(), font.getBestCmap(), font["hmtx"]
    units = font["head"].unitsPerEm
    scale = SIZE_PX / units
    ascent, descent = font["hhea"].ascent, font["hhea"].descent
    pen = SVGPathPen(glyphs, ntos=_number)
    x = 0.0
    for char in TEXT:
        name = cmap[ord(char)]
        glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x * scale, ascent * scale)))
        x += metrics[name][0] + LETTER_SPACING_EM * units
    width = (x - LETTER_SPACING_EM * units) * scale
    height = (ascent - descent) * scale
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="oa-logo" role="img" aria-label="{TEXT}" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {_number(width)} {_number(height)}">'
            f'<path fill="currentColor" d="{pen.getCommands()}"/></svg>\n')


def main() -> int:
    svg = wordmark_svg()
    if "--check" in sys.argv[1:]:
        if OUT.read_text() != svg:
            print(f"{OUT.relative_to(REPO)} is out of date: run scripts/wordmark.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(svg)
    print(f"wrote {OUT.relative_to(REPO)} ({len(svg)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
