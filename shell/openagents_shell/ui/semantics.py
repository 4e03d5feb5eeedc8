"""The semantics tree: what the accessible DOM mirror shows for a laid-out view.

Each :class:`SemNode` becomes one DOM element at its box (relative to its parent node) with a tag,
ARIA attributes and, for text and controls, the text itself (so screen readers and Ctrl+F find it).
Controls are real elements: links are ``<a href>``, buttons ``<button>``, text entry ``<input>`` or
``<textarea>``; landmarks and headings use their HTML tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openagents_shell.ui.element import Element

#: Roles drawn as their HTML element (no explicit role attribute needed).
LANDMARK_TAGS = {"navigation": "nav", "main": "main", "banner": "header", "contentinfo": "footer",
                 "complementary": "aside", "paragraph": "p", "form": "form"}
LIVE_ROLES = {"status": "polite", "log": "polite", "alert": "assertive"}


@dataclass(slots=True)
class SemNode:
    id: str
    tag: str
    attrs: dict[str, str]
    x: float
    y: float
    w: float
    h: float
    el: Element
    text: str | None = None  # text content (leaves and controls)
    font: str = ""
    line_px: float = 0.0
    scroll_h: float | None = None  # scroll containers: the content's height
    sticky_shift: float = 0.0  # a sticky node: how far below its layout position the scroll put it
    children: list[SemNode] = field(default_factory=list)

    def walk(self) -> list[SemNode]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def describe(el: Element) -> tuple[str, dict[str, str]]:
    """The tag and attributes for an element that gets a mirror node."""
    sem = el.sem
    attrs: dict[str, str] = {}
    if el.field is not None and el.field.options:
        tag = "select"  # a real <select>: its popup, type-ahead and arrow keys are the browser's
        attrs["aria-label"] = el.field.label
        if sem is not None and sem.disabled:
            attrs["disabled"] = ""
    elif el.field is not None:
        f = el.field
        tag = "textarea" if f.multiline else "input"
        if not f.multiline:
            attrs["type"] = f.kind
        attrs["aria-label"] = f.label
        attrs["autocomplete"] = f.autocomplete
        if f.placeholder:
            attrs["placeholder"] = f.placeholder
    elif el.href is not None:
        tag = "a"
        attrs["href"] = el.href
    elif el.on_press is not None:
        tag = "button"
        attrs["type"] = "button"
    elif sem is not None and sem.role == "heading":
        tag = f"h{min(max(sem.level, 1), 6)}"
    elif sem is not None and sem.role in LANDMARK_TAGS:
        tag = LANDMARK_TAGS[sem.role]
    elif el.kind == "text":
        tag = "span"
    else:
        tag = "div"
    if sem is not None and sem.role != "none":
        if sem.role not in LANDMARK_TAGS and sem.role != "heading" and tag != "select" and not (
                sem.role == "button" and tag == "button") and not (sem.role == "link" and tag == "a"):
            attrs["role"] = sem.role
        if sem.name is not None and (el.kind == "box" or tag in ("input", "textarea")) and tag != "select":
            attrs["aria-label"] = sem.name
        if sem.disabled:
            attrs["aria-disabled"] = "true"
        for name, value in (("aria-expanded", sem.expanded), ("aria-selected", sem.selected),
                            ("aria-checked", sem.checked)):
            if value is not None:
                attrs[name] = "true" if value else "false"
        if sem.invalid:
            attrs["aria-invalid"] = "true"
        if sem.busy:
            attrs["aria-busy"] = "true"
        if sem.current:
            attrs["aria-current"] = sem.current
        live = sem.live or LIVE_ROLES.get(sem.role)
        if live:
            attrs["aria-live"] = live
        if sem.modal:
            attrs["aria-modal"] = "true"
        if sem.description:
            attrs["aria-description"] = sem.description
    if el.style.scroll:
        attrs["data-scroll"] = ""
        attrs["tabindex"] = "0"  # keyboard users scroll it with the arrow keys (axe: scrollable-region-focusable)
    return tag, attrs


def control_text(el: Element) -> str:
    """The text inside a control (its accessible name when it has no explicit one)."""
    if el.kind == "text":
        return el.text
    return " ".join(t for t in (control_text(c) for c in el.children) if t)
