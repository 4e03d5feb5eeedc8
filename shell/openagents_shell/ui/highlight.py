"""Syntax highlighting for code blocks with Pygments, a page-level wheel (ADR 0308): imported only
when called, which is only once ``core.lazy_packages`` says it is loaded.

The result is lines of ``(text, colour token)`` runs; the colours are theme tokens (``code_keyword``…),
so light and dark both apply without highlighting again.
"""

from __future__ import annotations

from functools import lru_cache

Run = tuple[str, str]
Lines = tuple[tuple[Run, ...], ...]

#: Pygments token families → theme colour tokens, most specific first; the rest is ``fg``.
_FAMILIES = (
    ("Comment", "code_comment"),
    ("Literal.String", "code_string"),
    ("Literal.Number", "code_number"),
    ("Keyword", "code_keyword"),
    ("Name.Builtin", "code_builtin"),
    ("Name.Function", "code_name"),
    ("Name.Class", "code_name"),
    ("Name.Decorator", "code_name"),
    ("Name.Tag", "code_keyword"),
    ("Name.Attribute", "code_name"),
)


def _color(ttype: object, families: tuple[tuple[object, str], ...]) -> str:
    for family, color in families:
        if ttype in family:  # type: ignore[operator]  # pygments: a subtype is "in" its family
            return color
    return "fg"


@lru_cache(maxsize=1)
def _families() -> tuple[tuple[object, str], ...]:
    from pygments.token import string_to_tokentype

    return tuple((string_to_tokentype(name), color) for name, color in _FAMILIES)


@lru_cache(maxsize=256)
def highlight(code: str, language: str) -> Lines | None:
    """The code's lines as coloured runs, or ``None`` for a language Pygments does not know."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False, tabsize=4)
    except ClassNotFound:
        return None
    families = _families()
    lines: list[list[Run]] = [[]]
    for ttype, value in lexer.get_tokens(code):
        color = _color(ttype, families)
        parts = value.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if not part:
                continue
            line = lines[-1]
            if line and line[-1][1] == color:  # merge neighbours of one colour: fewer elements to lay out
                line[-1] = (line[-1][0] + part, color)
            else:
                line.append((part, color))
    return tuple(tuple(line) for line in lines)


def plain_text(lines: Lines) -> str:
    return "\n".join("".join(text for text, _ in line) for line in lines)
