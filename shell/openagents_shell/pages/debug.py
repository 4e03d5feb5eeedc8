"""``/debug``: the renderer in use and a gallery of the toolkit's components (exercised by e2e)."""

from __future__ import annotations

from openagents_shell.app import GalleryEdit, GalleryName, GalleryNotes, State
from openagents_shell.pages import sample
from openagents_shell.ui.components import (
    badge,
    button,
    card,
    checkbox,
    code_block,
    column,
    dialog,
    label,
    menu,
    paragraph,
    progress,
    row,
    spinner,
    table,
    tabs,
    text_area,
    text_field,
    toast,
    toggle,
)
from openagents_shell.ui.element import Element
from openagents_shell.ui.theme import SPACE

TABS = ("Overview", "Details", "History")


def view(state: State) -> Element:
    g = state.gallery
    theme = "dark" if state.dark else "light"
    renderer = card(label(f"Renderer: {state.renderer}", key="oa-renderer"),
                    row(badge(f"theme {theme}"), badge("idle: no frames"), wrap=True), title="Rendering")
    form = card(
        text_field("Display name", g.name, GalleryName, placeholder="Ada Lovelace", key="gallery-name",
                   invalid=len(g.name) > 40, error="At most 40 characters." if len(g.name) > 40 else None),
        text_area("Notes", g.notes, GalleryNotes, key="gallery-notes", rows=3),
        checkbox("I agree to the terms", g.agreed, GalleryEdit("agreed", not g.agreed), key="gallery-agree"),
        toggle("Dark theme", state.dark, GalleryEdit("dark", not state.dark), key="gallery-dark"),
        row(button("Open dialog", GalleryEdit("dialog", True), key="gallery-open"),
            button("Show toast", GalleryEdit("toast", f"Saved {g.name or 'nothing'}"), variant="secondary",
                   key="gallery-toast"),
            menu("More", [("Clear name", GalleryEdit("name", "")), ("Close menu", GalleryEdit("menu", False))],
                 open_=g.menu, on_toggle=GalleryEdit("menu", not g.menu), key="gallery-menu"),
            wrap=True, align="start"),
        title="Form")
    panels = (paragraph("The toolkit draws every page on a canvas and mirrors it in the DOM for keyboards, "
                        "screen readers and find-in-page: naïve café, 日本語のテキスト, emoji 🎉."),
              table(("Part", "Where"), (("Layout", "ui/layout.py"), ("Mirror", "render/mirror.py")),
                    name="Toolkit parts"),
              column(progress(0.6, name="Upload"), spinner("Syncing")))
    tabbed = card(tabs([(t, GalleryEdit("tab", i)) for i, t in enumerate(TABS)], g.tab, panels[g.tab],
                       name="Sections", key="gallery-tab"), title="Tabs")
    code = card(code_block("make test"), title="Code")
    if g.rows:  # the render benchmarks' list first, at a fixed height
        return column(sample.list_view(g.rows, 600), renderer, gap=SPACE[4])
    return column(renderer, form, tabbed, code, gap=SPACE[4])


def overlays(state: State) -> list[Element]:
    g = state.gallery
    if state.route.name != "debug":
        return []
    out = []
    if g.dialog:
        out.append(dialog("Confirm", paragraph("Close this dialog with Escape or a button."),
                          row(button("Cancel", GalleryEdit("dialog", False), variant="secondary",
                                     key="dialog-cancel"),
                              button("OK", GalleryEdit("dialog", False), key="dialog-ok"), justify="end"),
                          on_dismiss=GalleryEdit("dialog", False), key="gallery-dialog"))
    if g.toast:
        out.append(toast(g.toast, key="gallery-toast-msg"))
    return out
