"""The markdown subset chat messages use: paragraphs, *emphasis*, **strong**, `inline code`, fenced
code blocks, ``-``/``1.`` lists and ``[links](url)``. Anything else is shown as the text it is.

Inline formatting is a wrapping row of word elements (each word keeps its own font), so a paragraph
still breaks between words at any width; a link is one element (a real ``<a href>``).

A fenced block's language (```` ```python ````) is passed to ``highlight(code, language)``, which
answers the highlighted lines or ``None`` (not loaded yet, or an unknown language): the block is drawn
plain and, when the caller draws again with Pygments loaded, highlighted (``pages/chat.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from openagents_shell.ui.components import BODY, MONO, code_block, link
from openagents_shell.ui.element import Element, Font, Semantics, Style, box, text
from openagents_shell.ui.theme import SPACE

_INLINE = re.compile(r"\*\*(?P<strong>[^*]+)\*\*|\*(?P<em>[^*]+)\*|`(?P<code>[^`]+)`|\[(?P<label>[^\]]+)\]\((?P<href>[^)\s]+)\)")
Highlighter = Callable[[str, str], Sequence[Sequence[tuple[str, str]]] | None]
_ITEM = re.compile(r"^\s*(?:[-*]|(\d+)\.)\s+(.*)$")


def _words(content: str, font: Font, color: str = "fg") -> list[Element]:
    return [text(w + " ", font=font, color=color) for w in content.split()]


def inline(content: str, font: Font = BODY) -> list[Element]:
    out: list[Element] = []
    pos = 0
    for m in _INLINE.finditer(content):
        out += _words(content[pos:m.start()], font)
        if m.group("strong"):
            out += _words(m.group("strong"), replace(font, weight=700))
        elif m.group("em"):
            out += _words(m.group("em"), replace(font, italic=True))
        elif m.group("code"):
            out.append(box(text(m.group("code"), font=replace(MONO, size=font.size - 1)),
                           style=Style(background="code_bg", radius=3, padding=(0, 3, 0, 3))))
        else:
            href = m.group("href")
            safe = href if href.startswith(("/", "https://", "http://", "mailto:")) else "#"
            out.append(link(m.group("label"), safe, font=font))
        pos = m.end()
    out += _words(content[pos:], font)
    return out


def _paragraph(lines: list[str], role: str = "paragraph") -> Element:
    return box(*inline(" ".join(lines)), sem=Semantics(role),
               style=Style(direction="row", wrap=True, align="start"))


def markdown(source: str, highlight: Highlighter | None = None) -> Element:
    blocks: list[Element] = []
    para: list[str] = []
    items: list[tuple[str | None, str]] = []
    lines = source.replace("\r\n", "\n").split("\n")

    def flush() -> None:
        if para:
            blocks.append(_paragraph(para))
            para.clear()
        if items:
            ordered = items[0][0] is not None
            blocks.append(box(*(box(text(f"{n}." if ordered else "\u2022", font=BODY, color="muted"),
                                    _paragraph([t], "none"), sem=Semantics("listitem"),
                                    style=Style(direction="row", gap=SPACE[2], align="start"))
                                for n, t in items), sem=Semantics("list"), style=Style(gap=SPACE[1])))
            items.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            end = i + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            code = "\n".join(lines[i + 1:end])
            language = line[3:].strip().split(" ", 1)[0][:32]
            highlighted = highlight(code, language) if highlight is not None and language else None
            blocks.append(code_block(code, language=language, lines=highlighted))
            i = end + 1
            continue
        item = _ITEM.match(line)
        if item:
            if para:
                flush()
            items.append((item.group(1), item.group(2)))
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            para.append(line.strip())
        i += 1
    flush()
    return box(*blocks, style=Style(gap=SPACE[2]))
