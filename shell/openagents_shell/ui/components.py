"""Components: plain functions returning :class:`Element` trees.

A page's view is ``def view(state) -> Element`` built from these. Interactive components take the
intent to dispatch (``on_press``), a real URL (``href``) or an intent factory (``on_input``); see
``ui/element.py`` for how events come back. Colours are theme tokens, sizes come from the type scale
and the 4-px spacing grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from openagents_shell.ui.element import Element, Field, Font, Semantics, Style, box, text
from openagents_shell.ui.intents import Copy
from openagents_shell.ui.theme import BREAKPOINTS, RADIUS, SPACE, TYPE

BODY = Font(TYPE["body"])
SMALL = Font(TYPE["small"])
CAPTION = Font(TYPE["caption"])
MONO = Font(TYPE["small"], mono=True, line_height=1.5)
_HEADING = {1: Font(TYPE["h1"], 700, line_height=1.25), 2: Font(TYPE["h2"], 650, line_height=1.3),
            3: Font(TYPE["h3"], 600, line_height=1.35)}


def pad(vertical: float, horizontal: float | None = None) -> tuple[float, float, float, float]:
    h = vertical if horizontal is None else horizontal
    return (vertical, h, vertical, h)


# ---- text ---------------------------------------------------------------------------------------
def label(content: str, *, font: Font = BODY, color: str = "fg", max_lines: int = 0, key: str | None = None) -> Element:
    """Plain text (read by screen readers, found by Ctrl+F)."""
    return text(content, font=font, color=color, max_lines=max_lines, key=key)


def heading(content: str, level: int = 1, *, key: str | None = None) -> Element:
    return text(content, font=_HEADING.get(level, _HEADING[3]), sem=Semantics("heading", level=level), key=key)


def paragraph(content: str, *, color: str = "fg", font: Font = BODY, key: str | None = None) -> Element:
    return text(content, font=font, color=color, sem=Semantics("paragraph"), key=key)


# ---- controls -----------------------------------------------------------------------------------
def link(content: str, href: str, *, current: bool = False, font: Font = BODY, key: str | None = None) -> Element:
    """A real ``<a href>`` (middle-click, "copy link"); same-origin clicks navigate inside the app."""
    f = replace(font, weight=650) if current else font
    return box(text(content, font=f, color="accent"), href=href, key=key,
               sem=Semantics("link", current="page" if current else None), style=Style(padding=pad(2, 2), radius=4))


def button(content: str, on_press: Any, *, variant: str = "primary", disabled: bool = False,
           key: str | None = None, role: str = "button", checked: bool | None = None,
           selected: bool | None = None, expanded: bool | None = None) -> Element:
    colors = {"primary": ("accent", None, "accent_fg"), "secondary": (None, "border", "fg"),
              "danger": ("danger", None, "surface"), "ghost": (None, None, "accent")}[variant]
    bg, border, fg = colors
    return box(text(content, font=replace(BODY, weight=600), color="muted" if disabled else fg),
               on_press=on_press, key=key,
               sem=Semantics(role, disabled=disabled, checked=checked, selected=selected, expanded=expanded),
               style=Style(padding=pad(SPACE[2] - 2, SPACE[4] - 2), radius=RADIUS["md"], background=bg,
                           border=border, border_width=1.0 if border else 0.0, align="center"))


def icon_button(glyph: str, name: str, on_press: Any, *, key: str | None = None) -> Element:
    """A square button showing ``glyph``; ``name`` is its accessible name."""
    return box(text(glyph, font=Font(18, line_height=1.0), color="fg"), on_press=on_press, key=key,
               sem=Semantics("button", name=name),
               style=Style(width=36, height=36, radius=RADIUS["md"], align="center", justify="center",
                           border="border", border_width=1.0))


def text_field(label_text: str, value: str, on_input: Callable[[str], Any], *, placeholder: str = "",
               kind: str = "text", invalid: bool = False, error: str | None = None, key: str | None = None,
               autocomplete: str = "off", multiline: bool = False, rows: int = 4) -> Element:
    """A labelled text field; the typing happens in a real ``<input>`` (IME, autofill, undo)."""
    height = BODY.line_px * (rows if multiline else 1) + 2 * SPACE[2]
    field_el = Element("box", key=key, field=Field(label_text, value, on_input, placeholder, multiline, kind,
                                                    autocomplete),
                       sem=Semantics("textbox", invalid=invalid, description=error),
                       style=Style(height=height, radius=RADIUS["md"], border="danger" if invalid else "border",
                                   border_width=1.0, background="surface", padding=pad(SPACE[2], SPACE[3])))
    return box(label(label_text, font=replace(SMALL, weight=600)), field_el,
               label(error, font=SMALL, color="danger") if error else None, style=Style(gap=SPACE[1]))


def select(label_text: str, value: str, options: Sequence[tuple[str, str]], on_change: Callable[[str], Any], *,
           key: str | None = None, disabled: bool = False) -> Element:
    """A labelled single choice drawn by a real ``<select>`` (its popup, type-ahead, arrow keys and screen
    reader support are the browser's). ``options`` are ``(value, label)`` pairs; ``on_change(value)`` is
    called with the chosen value, like a text field's ``on_input``."""
    height = BODY.line_px + 2 * SPACE[2]
    field_el = Element("box", key=key, field=Field(label_text, value, on_change, kind="select",
                                                    options=tuple((str(v), str(t)) for v, t in options)),
                       sem=Semantics("combobox", disabled=disabled),
                       style=Style(height=height, radius=RADIUS["md"], border="border", border_width=1.0,
                                   background="subtle" if disabled else "surface", padding=pad(SPACE[2], SPACE[3])))
    return box(label(label_text, font=replace(SMALL, weight=600)), field_el, style=Style(gap=SPACE[1]))


def image(src: str, alt: str, *, width: float, height: float, radius: float = 0.0, key: str | None = None) -> Element:
    """An image at ``width`` × ``height`` CSS px (scaled to fill): ``alt`` is its accessible name; an empty
    ``alt`` marks it decorative (hidden from screen readers). Until it loads, its box shows ``subtle``."""
    return Element("box", src=src, key=key, sem=Semantics("img", name=alt) if alt else None,
                   style=Style(width=width, height=height, radius=radius, background="subtle"))


def text_area(label_text: str, value: str, on_input: Callable[[str], Any], **kw: Any) -> Element:
    return text_field(label_text, value, on_input, multiline=True, **kw)


def checkbox(content: str, checked: bool, on_press: Any, *, switch: bool = False, key: str | None = None) -> Element:
    """A checkbox (or a toggle with ``switch=True``): a ``role=checkbox|switch`` button, Space toggles."""
    mark = box(text("\u2713" if checked and not switch else "", font=Font(13, 700, line_height=1.0),
                    color="accent_fg"),
               style=Style(width=36 if switch else 18, height=18, radius=9 if switch else RADIUS["sm"],
                           background="accent" if checked else "surface", border="border", border_width=1.0,
                           align="center", justify="end" if switch and checked else "center",
                           padding=pad(0, 3) if switch else pad(0)))
    if switch:
        mark = replace(mark, children=(box(style=Style(width=12, height=12, radius=6, background="fg")),))
    return box(mark, text(content, font=BODY), on_press=on_press, key=key,
               sem=Semantics("switch" if switch else "checkbox", checked=checked),
               style=Style(direction="row", gap=SPACE[2], align="center", padding=pad(2)))


def toggle(content: str, on: bool, on_press: Any, *, key: str | None = None) -> Element:
    return checkbox(content, on, on_press, switch=True, key=key)


def tabs(items: Sequence[tuple[str, Any]], selected: int, panel: Element, *, name: str, key: str = "tabs") -> Element:
    """A tab list (Left/Right move between tabs and select them) over the selected panel."""
    bar = box(*(button(title, intent, variant="ghost" if i != selected else "secondary", role="tab",
                       selected=i == selected, key=f"{key}-{i}") for i, (title, intent) in enumerate(items)),
              sem=Semantics("tablist", name=name), style=Style(direction="row", gap=SPACE[1], wrap=True))
    return box(bar, box(panel, sem=Semantics("tabpanel", name=items[selected][0]), style=Style(padding=pad(SPACE[3], 0))),
               style=Style(gap=SPACE[2]))


def menu(trigger: str, items: Sequence[tuple[str, Any]], *, open_: bool, on_toggle: Any, key: str) -> Element:
    """A menu button; when open, its items (Up/Down move, Escape closes) follow it."""
    btn = button(trigger, on_toggle, variant="secondary", expanded=open_, key=key)
    if not open_:
        return btn
    items_el = box(*(box(text(t), on_press=intent, key=f"{key}-item-{i}", sem=Semantics("menuitem"),
                         style=Style(padding=pad(SPACE[2], SPACE[3]), radius=RADIUS["sm"]))
                     for i, (t, intent) in enumerate(items)),
                   sem=Semantics("menu", name=trigger), on_dismiss=on_toggle, key=f"{key}-menu",
                   style=Style(background="surface", border="border", border_width=1, radius=RADIUS["md"],
                               shadow=8, padding=pad(SPACE[1])))
    return box(btn, items_el, style=Style(gap=SPACE[1], align="start"))


# ---- containers -----------------------------------------------------------------------------------
def sticky_header(content: str, *, level: int = 3, key: str | None = None, background: str = "bg") -> Element:
    """A section heading that sticks to the top of the scroll container while its section is in view
    (put it first in the section's box: the next section's header pushes it away). ``background`` hides
    the rows scrolling under it: the colour of what it sits on (``surface`` inside a card)."""
    return box(heading(content, level), key=key,
               style=Style(sticky=True, background=background, padding=pad(SPACE[2], 0)))


def breakpoint(narrow: Element, wide: Element, *, at: float = BREAKPOINTS["tablet"]) -> Element:
    """``wide`` where this box is at least ``at`` px wide, else ``narrow`` (decided by the box's own
    width at layout, like a container query, so a side panel gets its narrow form too)."""
    return box(narrow, wide, style=Style(breakpoint=at))


def columns(*children: Element | None, gap: float = SPACE[4], at: float = BREAKPOINTS["tablet"]) -> Element:
    """Children side by side (sharing the width) from ``at`` px wide, stacked below that (phones)."""
    kids = [c for c in children if c is not None]
    wide = box(*(box(c, style=Style(grow=1, shrink=1, width=None, min_width=0)) for c in kids),
               style=Style(direction="row", gap=gap, align="start"))
    return breakpoint(box(*kids, style=Style(gap=gap)), wide, at=at)



def row(*children: Element | None, gap: float = SPACE[2], align: str = "center", justify: str = "start",
        wrap: bool = False, **style: Any) -> Element:
    return box(*children, style=Style(direction="row", gap=gap, align=align, justify=justify, wrap=wrap,  # type: ignore[arg-type]
                                      **style))


def column(*children: Element | None, gap: float = SPACE[2], **style: Any) -> Element:
    return box(*children, style=Style(gap=gap, **style))


def card(*children: Element | None, title: str | None = None) -> Element:
    return box(heading(title, 3) if title else None, *children,
               sem=Semantics("region", name=title) if title else None,
               style=Style(gap=SPACE[2], padding=pad(SPACE[4]), background="surface", border="border",
                           border_width=1.0, radius=RADIUS["lg"], shadow=4))


def badge(content: str, *, tone: str = "subtle") -> Element:
    return box(text(content, font=replace(CAPTION, weight=600), color="fg"),
               style=Style(padding=pad(1, SPACE[2]), radius=RADIUS["pill"], background=tone))


def banner(message: str, *, key: str, tone: str = "subtle", action: Element | None = None) -> Element:
    """A status message across the page (update ready, offline); announced politely."""
    return box(text(message, font=BODY), action, key=key, sem=Semantics("status"),
               style=Style(direction="row", wrap=True, gap=SPACE[3], align="center",
                           padding=pad(SPACE[2], SPACE[4]), background=tone))


def toast(message: str, *, key: str = "toast") -> Element:
    """A transient message layer at the bottom of the page (``role=status``, polite)."""
    return box(box(text(message, color="fg"), key=key, sem=Semantics("status"),
                   style=Style(padding=pad(SPACE[3], SPACE[4]), background="surface", border="border",
                               border_width=1.0, radius=RADIUS["md"], shadow=12, max_width=480)),
               style=Style(justify="end", align="center", padding=pad(SPACE[4])))


def layers(*children: Element | None) -> Element:
    """Children stacked on each other at full size: the page, then dialogs and toasts over it."""
    return box(*children, style=Style(stack=True))


def dialog(title: str, *body: Element | None, on_dismiss: Any, key: str = "dialog") -> Element:
    """A modal dialog layer: focus moves into it and stays there; Escape dispatches ``on_dismiss``."""
    panel = box(heading(title, 2), *body, key=key, on_dismiss=on_dismiss, sem=Semantics("dialog", name=title, modal=True),
                style=Style(gap=SPACE[3], padding=pad(SPACE[5]), background="surface", radius=RADIUS["lg"],
                            shadow=24, max_width=480))
    return box(panel, style=Style(background="scrim", align="center", justify="center", padding=pad(SPACE[4])))


def spinner(name: str = "Loading") -> Element:
    """A busy indicator (drawn still: an idle page draws no frames)."""
    return box(text("\u25cc", font=Font(20, line_height=1.0), color="accent"),
               sem=Semantics("status", name=name, busy=True), style=Style(width=24, height=24, align="center"))


def progress(value: float, *, name: str) -> Element:
    """A determinate progress bar, ``value`` in 0..1."""
    v = min(max(value, 0.0), 1.0)
    fill = box(style=Style(width=None, grow=v, background="accent", radius=3)) if v > 0 else None
    rest = box(style=Style(grow=1 - v)) if v < 1 else None
    return box(fill, rest, sem=Semantics("progressbar", name=name, description=f"{round(v * 100)}%"),
               style=Style(direction="row", height=6, radius=3, background="subtle"))


NBSP = "\u00a0"


def _keep_indent(code: str) -> str:
    """Leading spaces as no-break spaces: line breaking drops spaces at the start of a line, and code's
    indentation is meaning. Tabs count as four columns. (The copy button copies the code as written.)"""
    out = []
    for line in code.replace("\t", "    ").split("\n"):
        body = line.lstrip(" ")
        out.append(NBSP * (len(line) - len(body)) + body)
    return "\n".join(out)


def _highlighted(lines: Sequence[Sequence[tuple[str, str]]]) -> Element:
    """One wrapping row of coloured runs per line; every space is a no-break space (a run of spaces
    alone would otherwise be dropped as a line-start space)."""
    rows = []
    for line in lines:
        runs = [text(t.replace("\t", "    ").replace(" ", NBSP), font=MONO, color=c) for t, c in line if t]
        rows.append(box(*runs, style=Style(direction="row", wrap=True, align="start", min_height=MONO.line_px)))
    return box(*rows, sem=Semantics("code"))  # mirrored as one text (ui/scene.py), not a node per run


def code_block(code: str, *, copy_label: str = "Copy code", language: str = "",
               lines: Sequence[Sequence[tuple[str, str]]] | None = None, key: str | None = None) -> Element:
    """A code block with a copy button (it copies ``code`` as written). ``lines``: the code highlighted
    (``ui/highlight.py``: runs of text and colour token); without it the code is drawn plain. The mirror
    names it "<language> code" and describes it as "syntax highlighted" once it is."""
    body = _highlighted(lines) if lines is not None else text(_keep_indent(code), font=MONO)
    sem = Semantics("group", name=f"{language} code" if language else "Code",
                    description="syntax highlighted" if lines is not None else None)
    return box(row(badge(language or "code"), icon_button("\u2398", copy_label, Copy(code)), justify="between"),
               body, sem=sem, key=key, style=Style(gap=SPACE[2], padding=pad(SPACE[3]), background="code_bg",
                                                   radius=RADIUS["md"]))


def empty_state(title: str, message: str, action: Element | None = None) -> Element:
    return box(heading(title, 2), paragraph(message, color="muted"), action,
               style=Style(gap=SPACE[2], padding=pad(SPACE[6], SPACE[4]), align="center"))


def error_state(title: str, message: str, action: Element | None = None) -> Element:
    return box(heading(title, 2), paragraph(message, color="danger"), action, sem=Semantics("alert"),
               style=Style(gap=SPACE[2], padding=pad(SPACE[4]), border="danger", border_width=1.0,
                           radius=RADIUS["lg"], background="danger_bg"))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, name: str) -> Element:
    def cells(values: Sequence[str], role: str, font: Font) -> Element:
        return box(*(box(text(v, font=font), sem=Semantics(role), style=Style(grow=1, shrink=1, width=None,
                                                                               padding=pad(SPACE[1], SPACE[2])))
                     for v in values), sem=Semantics("row"), style=Style(direction="row", align="start"))
    return box(cells(headers, "columnheader", replace(SMALL, weight=650)),
               *(cells(r, "cell", BODY) for r in rows), sem=Semantics("table", name=name),
               style=Style(gap=SPACE[1]))


def virtual_list(rows: Sequence[Element], *, name: str, key: str, height: float | None = None,
                 max_height: float | None = None, on_scroll: Any = None, busy: bool = False) -> Element:
    """A scrolled list: only the rows near the visible part are drawn and mirrored.

    ``max_height``: as tall as its rows up to that, then it scrolls. ``on_scroll(edge)`` → intent when
    the reader reaches the top, the middle or the last viewport of it (infinite scroll: ask for the next
    page at ``end``; see ``ui/element.py``). ``busy``: the next rows are being fetched (``aria-busy``).
    Keep a real button for the next page beside it: keyboard and screen-reader users page with that.
    """
    return box(*(box(r, sem=Semantics("listitem")) for r in rows), key=key, on_scroll=on_scroll,
               sem=Semantics("list", name=name, busy=busy),
               style=Style(scroll=True, height=height, max_height=max_height,
                           grow=0 if height or max_height else 1))
