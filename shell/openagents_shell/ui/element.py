"""The element tree: what a view function returns.

An :class:`Element` is an immutable value: a box (children laid out as a flex row or column) or a text
leaf. Elements compare and hash by value (the hash is computed once and kept), which is what lets
layout reuse the result of every unchanged subtree from one frame to the next.

How a page talks back: an element's ``on_press`` is an *intent* value (a frozen dataclass the
app's reducer understands) dispatched when a button is pressed (click, Enter or Space); a link's
``href`` is a real URL (the runtime turns same-origin clicks into ``Navigate``); a text field's
``Field.on_input`` is a callable ``str -> intent`` (a dataclass class or a module-level function, never
a lambda, so equal views stay equal) called with the field's new value on every edit; a dialog's
``on_dismiss`` is dispatched on Escape. A scroll container's ``on_scroll`` is a callable ``edge -> intent``
(same rule as ``on_input``) called with ``"top"``, ``"middle"``, ``"end"`` (within a viewport of the
bottom) or ``"both"`` (a short list: top and end) when the scroll position moves from one of these to
another, and with the same edge again whenever the content grows while the reader is near the end (``render/surface.py``): what infinite scroll and a "new items" pill need, without an intent per
scrolled pixel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

from openagents_shell.ui.theme import FONT_FAMILY, MONO_FAMILY

Direction = Literal["row", "column"]
Align = Literal["start", "center", "end", "stretch"]
Justify = Literal["start", "center", "end", "between"]


@dataclass(frozen=True, slots=True)
class Font:
    size: float = 15.0
    weight: int = 400
    mono: bool = False
    line_height: float = 1.45
    italic: bool = False
    _css: str = dc_field(default="", compare=False, repr=False)

    @property
    def css(self) -> str:
        """The CSS ``font`` shorthand (canvas ``ctx.font`` and the mirror use the same string)."""
        if not self._css:
            style = "italic " if self.italic else ""
            css = f"{style}{self.weight} {self.size:g}px {MONO_FAMILY if self.mono else FONT_FAMILY}"
            object.__setattr__(self, "_css", css)
        return self._css

    @property
    def line_px(self) -> float:
        return round(self.size * self.line_height)


@dataclass(frozen=True, slots=True)
class Style:
    """Flex-style box properties (CSS px). ``None`` sizes mean "from content / from the parent"."""

    direction: Direction = "column"
    gap: float = 0.0
    padding: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # top, right, bottom, left
    align: Align = "stretch"  # cross axis, for the children
    justify: Justify = "start"  # main axis
    wrap: bool = False
    grow: float = 0.0
    shrink: float = 1.0
    width: float | None = None
    height: float | None = None
    min_width: float = 0.0
    max_width: float | None = None
    min_height: float = 0.0
    max_height: float | None = None
    scroll: bool = False  # a vertical scroll container (scrolled by the browser, through the mirror)
    background: str | None = None  # colour token
    border: str | None = None
    border_width: float = 0.0
    radius: float = 0.0
    shadow: float = 0.0  # blur radius in px; 0 = none
    center: bool = False  # centre this box within the parent's content width (max_width pages)
    stack: bool = False  # children are layers over each other, each the size of this box (dialogs, toasts)
    sticky: bool = False  # inside a scroll container: stays at its top while the parent box is in view
    breakpoint: float = 0.0  # > 0: two children (narrow, wide); the wide one is laid out from this width up


@dataclass(frozen=True, slots=True)
class Semantics:
    """What the accessible mirror says about a node: ARIA role, name and states."""

    role: str
    name: str | None = None
    level: int = 0  # headings
    disabled: bool = False
    expanded: bool | None = None
    selected: bool | None = None
    checked: bool | None = None
    invalid: bool = False
    busy: bool = False
    current: str | None = None  # aria-current ("page")
    live: str | None = None  # "polite" | "assertive"
    modal: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """A text entry, drawn by a real ``<input>``/``<textarea>`` in the mirror."""

    label: str
    value: str
    on_input: Callable[[str], Any]
    placeholder: str = ""
    multiline: bool = False
    kind: str = "text"  # input type: text, email, password, search, url
    autocomplete: str = "off"
    options: tuple[tuple[str, str], ...] = ()  # a select: (value, label) pairs; drawn by a real <select>


@dataclass(frozen=True, slots=True, eq=True)
class Element:
    kind: Literal["box", "text"]
    style: Style = Style()
    children: tuple[Element, ...] = ()
    text: str = ""
    font: Font = Font()
    color: str = "fg"
    max_lines: int = 0  # text: 0 = unlimited; otherwise the last line ends in an ellipsis
    sem: Semantics | None = None
    key: str | None = None  # a stable id (the mirror keeps its DOM element, focus and scroll by it)
    on_press: Any = None
    href: str | None = None
    field: Field | None = None
    on_dismiss: Any = None
    src: str | None = None  # an image's URL (drawn to the box: Canvas2D drawImage, WebGPU from the atlas)
    on_scroll: Any = None  # a scroll container: ``edge -> intent`` (see the module's docstring)
    _hash: int = dc_field(default=0, compare=False, repr=False)

    def __hash__(self) -> int:
        if not self._hash:
            h = hash((self.kind, self.style, self.children, self.text, self.font, self.color, self.max_lines,
                      self.sem, self.key, self.on_press, self.href, self.field, self.on_dismiss, self.src,
                      self.on_scroll)) or 1
            object.__setattr__(self, "_hash", h)
        return self._hash

    @property
    def interactive(self) -> bool:
        return self.on_press is not None or self.href is not None or self.field is not None


def box(*children: Element | None, style: Style = Style(), **kw: Any) -> Element:
    """A box; ``None`` children are dropped so views can write ``x if cond else None``."""
    return Element("box", style=style, children=tuple(c for c in children if c is not None), **kw)


def text(content: str, *, font: Font = Font(), color: str = "fg", max_lines: int = 0, **kw: Any) -> Element:
    return Element("text", text=content, font=font, color=color, max_lines=max_lines, **kw)
