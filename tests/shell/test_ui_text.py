"""Text measuring and line breaking under CPython (widths from the deterministic stand-in)."""

from __future__ import annotations

from openagents_shell.ui.element import Font
from openagents_shell.ui.text import ELLIPSIS, TextMeasurer, approximate_width, break_lines

FONT = Font(10)  # 5.5 px per narrow character


def lines(text: str, width: float, max_lines: int = 0) -> tuple[str, ...]:
    return break_lines(text, width, FONT, TextMeasurer(approximate_width), max_lines)


def test_lines_break_at_spaces_and_never_exceed_the_width() -> None:
    m = TextMeasurer(approximate_width)
    out = break_lines("the quick brown fox jumps over the lazy dog", 60, FONT, m)
    assert out == ("the quick", "brown fox", "jumps over", "the lazy", "dog")
    assert all(m.width(line, FONT) <= 60 for line in out)


def test_lines_break_after_a_hyphen() -> None:
    assert lines("a well-known fact", 50) == ("a well-", "known", "fact")


def test_a_hard_newline_always_breaks_and_blank_lines_stay() -> None:
    assert lines("one\n\ntwo", 500) == ("one", "", "two")


def test_a_word_wider_than_the_line_is_cut_between_characters() -> None:
    out = lines("supercalifragilistic", 33)  # 6 characters a line
    assert out == ("superc", "alifra", "gilist", "ic")


def test_max_lines_ends_the_last_line_with_an_ellipsis() -> None:
    out = lines("the quick brown fox jumps over the lazy dog", 60, max_lines=2)
    assert len(out) == 2 and out[-1].endswith(ELLIPSIS)
    assert TextMeasurer(approximate_width).width(out[-1], FONT) <= 60


def test_emoji_and_non_latin_text_lay_out_without_errors() -> None:
    out = lines("日本語のテキスト 🎉 naïve café عربى", 40)
    assert "".join(out).replace(" ", "") == "日本語のテキスト🎉naïvecaféعربى"
    assert lines("", 100) == ("",)


def test_widths_are_measured_once_per_piece_and_font() -> None:
    m = TextMeasurer(approximate_width)
    break_lines("a b a b a b", 1000, FONT, m)
    calls = m.host_calls
    break_lines("a b a b a b", 1000, FONT, m)
    assert calls <= 3 and m.host_calls == calls
