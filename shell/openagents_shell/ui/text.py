"""Text measuring and line breaking.

Widths come from the host (canvas ``measureText`` with the element's font, see ``host/canvas.py``);
under CPython tests use :func:`approximate_width`. :class:`TextMeasurer` caches each (font, piece)
width, so a frame re-measures only text it has never seen.

Lines break at spaces and after hyphens; a hard ``\\n`` always breaks; a word wider than the line is cut
between characters; with ``max_lines`` the last line ends in an ellipsis. Emoji and non-Latin text are
measured and drawn like any other text (the browser falls back per glyph), never rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from openagents_shell.ui.element import Font

MeasureFn = Callable[[str, str], float]
"""``(text, css_font) -> width`` in CSS px."""

ELLIPSIS = "\u2026"
#: Break opportunities: a run ending in a hyphen (break after it), a run of non-spaces, spaces, newline.
_PIECES = re.compile(r"[^ \n\-]*-|[^ \n]+| +|\n")


def approximate_width(text: str, css_font: str) -> float:
    """A deterministic stand-in for ``measureText`` (CPython tests, benchmarks): 0.55 em per
    character, 1 em for wide (CJK, emoji) characters, read from the size in the CSS font string."""
    import unicodedata  # only here: the browser measures with measureText (keeps boot's imports lean)

    size = float(re.search(r"([\d.]+)px", css_font).group(1))  # type: ignore[union-attr]
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return round(size * (0.55 * (len(text) - wide) + wide), 2)


class TextMeasurer:
    """Caches widths per font and piece; counts calls to the host for tests and benchmarks."""

    def __init__(self, measure: MeasureFn) -> None:
        self._measure = measure
        self._cache: dict[tuple[str, str], float] = {}
        self.host_calls = 0

    def width(self, piece: str, font: Font) -> float:
        key = (font.css, piece)
        found = self._cache.get(key)
        if found is None:
            self.host_calls += 1
            found = self._cache[key] = float(self._measure(piece, font.css))
        return found

    def clear(self) -> None:
        """Forget every width (after a web font finished loading)."""
        self._cache.clear()


def max_content_width(content: str, font: Font, m: TextMeasurer) -> float:
    """The width of the widest hard line (what the text needs to stay on one line per ``\\n``)."""
    return max(m.width(line, font) for line in content.split("\n")) if content else 0.0


def min_content_width(content: str, font: Font, m: TextMeasurer) -> float:
    """The widest unbreakable piece (the narrowest the text can be without cutting a word)."""
    pieces = [p.rstrip(" ") for p in _PIECES.findall(content) if p.strip(" \n")]
    return max((m.width(p, font) for p in pieces), default=0.0)


def _cut(word: str, width: float, font: Font, m: TextMeasurer) -> list[str]:
    """Cut a word that is wider than a line between characters (at least one character per line)."""
    out: list[str] = []
    while word:
        n = 1
        while n < len(word) and m.width(word[: n + 1], font) <= width:
            n += 1
        out.append(word[:n])
        word = word[n:]
    return out


def break_lines(content: str, width: float, font: Font, m: TextMeasurer, max_lines: int = 0) -> tuple[str, ...]:
    """Lay ``content`` out in lines no wider than ``width`` (trailing spaces do not count)."""
    lines: list[str] = []
    line = ""
    line_w = 0.0
    for piece in _PIECES.findall(content):
        if piece == "\n":
            lines.append(line.rstrip(" "))
            line, line_w = "", 0.0
            continue
        w = m.width(piece, font)
        if piece.startswith(" "):
            if line:  # spaces at the start of a wrapped line are dropped
                line += piece
                line_w += w
            continue
        fits = line_w + w <= width + 0.01
        if fits:
            line += piece
            line_w += w
            continue
        if line:
            lines.append(line.rstrip(" "))
            line, line_w = "", 0.0
        if w <= width + 0.01:
            line, line_w = piece, w
        else:
            *full, rest = _cut(piece, width, font, m)
            lines.extend(full)
            line, line_w = rest, m.width(rest, font)
    lines.append(line.rstrip(" "))
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = ellipsize(lines[-1] + " ", width, font, m)
    elif max_lines and lines and m.width(lines[-1], font) > width + 0.01:
        lines[-1] = ellipsize(lines[-1], width, font, m)
    return tuple(lines)


def ellipsize(line: str, width: float, font: Font, m: TextMeasurer) -> str:
    """The longest prefix of ``line`` that fits with an ellipsis appended."""
    line = line.rstrip(" ")
    while line and m.width(line + ELLIPSIS, font) > width + 0.01:
        line = line[:-1].rstrip(" ")
    return line + ELLIPSIS
