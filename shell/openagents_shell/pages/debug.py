"""``/debug``: the renderer in use and a gallery of the toolkit's components (exercised by e2e)."""

from __future__ import annotations

from openagents_shell.app.intents import GalleryDensity, GalleryEdit, GalleryName, GalleryNotes
from openagents_shell.app.state import State
from openagents_shell.pages import sample
from openagents_shell.sync.live import SyncCommand
from openagents_shell.ui.components import (
    badge,
    button,
    card,
    checkbox,
    code_block,
    column,
    columns,
    dialog,
    image,
    label,
    menu,
    paragraph,
    progress,
    row,
    select,
    spinner,
    sticky_header,
    table,
    tabs,
    text_area,
    text_field,
    toast,
    toggle,
)
from openagents_shell.ui.element import Element, box
from openagents_shell.ui.theme import SPACE

TABS = ("Overview", "Details", "History")
DENSITIES = (("compact", "Compact"), ("comfortable", "Comfortable"), ("spacious", "Spacious"))
#: The gallery's image: a data: URL (the CSP's img-src allows it), four coloured quarters with a disc.
LOGO = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='64' height='64'%3E"
        "%3Crect width='32' height='32' fill='%232f5fe0'/%3E%3Crect x='32' width='32' height='32' fill='%23b3261e'/%3E"
        "%3Crect y='32' width='32' height='32' fill='%231e8e3e'/%3E%3Crect x='32' y='32' width='32' height='32'"
        " fill='%23f9ab00'/%3E%3Ccircle cx='32' cy='32' r='12' fill='%23ffffff'/%3E%3C/svg%3E")
SECTIONS = (("Layout", ("Rows and columns", "Wrap and grow", "Breakpoints")),
            ("Drawing", ("Rounded rects", "Text runs", "Images")),
            ("Mirror", ("Roles and names", "Focus", "Live regions")))


def view(state: State) -> Element:
    g = state.gallery
    theme = "dark" if state.dark else "light"
    renderer = card(label(f"Renderer: {state.renderer}", key="oa-renderer"),
                    row(badge(f"theme {theme}"), badge("idle: no frames"), wrap=True), title="Rendering")
    form = card(
        text_field("Display name", g.name, GalleryName, placeholder="Ada Lovelace", key="gallery-name",
                   invalid=len(g.name) > 40, error="At most 40 characters." if len(g.name) > 40 else None),
        text_area("Notes", g.notes, GalleryNotes, key="gallery-notes", rows=3),
        select("Density", g.density, DENSITIES, GalleryDensity, key="gallery-density"),
        label(f"Density: {dict(DENSITIES)[g.density]}", key="gallery-density-shown"),
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
    media = card(row(image(LOGO, "Four coloured squares", width=64, height=64, radius=8, key="gallery-image"),
                     label("An image, drawn by both renderers (WebGPU samples it from the atlas)."), wrap=True),
                 title="Image")
    # Sticky headers: each stays at the top of the page's scroll area while its section is in view.
    parts = card(*(box(sticky_header(title, key=f"gallery-section-{i}", background="surface"),
                       *(label(item) for item in items), key=f"gallery-part-{i}")
                   for i, (title, items) in enumerate(SECTIONS)), title="Sections")
    if g.rows:  # the render benchmarks' list first, at a fixed height
        return column(sample.list_view(g.rows, 600), renderer, gap=SPACE[4])
    return column(renderer, _sync(state), _probe(state), parts, columns(form, column(tabbed, media, gap=SPACE[4])), code,
                  gap=SPACE[4])


def _sync(state: State) -> Element:
    """Khala: each connection's state, topics and watermarks; IndexedDB's size and resets; two buttons."""
    info = state.sync_info
    rows = []
    for name in ("public", "user"):
        ch = info.get(name) or {}
        marks = ", ".join(f"{t} @ {w}" for t, w in sorted((ch.get("watermarks") or {}).items())) or "none"
        rows.append((name, str(ch.get("phase", "idle")), ", ".join(ch.get("topics") or []) or "none", marks,
                     f"{ch.get('applied', 0)} / {ch.get('connects', 0)}"))
    store = info.get("store") or {}
    return card(
        label(f"Sync: {state.sync_phase}", key="debug-sync-phase"),
        table(("Channel", "State", "Topics", "Watermarks", "Applied / connects"), tuple(rows), name="Khala"),
        label(f"IndexedDB openagents.web.sync: {store.get('bytes', 0)} bytes · "
              f"{'durable' if store.get('durable') else 'memory only'} · resets: "
              f"{', '.join(store.get('resets') or []) or 'none'}", key="debug-idb"),
        row(button("Reconnect", SyncCommand("reconnect"), variant="secondary", key="debug-reconnect"),
            button("Reset local data", SyncCommand("reset"), variant="secondary", key="debug-reset"), wrap=True),
        title="Live sync")


def _probe(state: State) -> Element | None:
    """``/debug?topic=T``: the live probe's topic, events received, last document (``core/live_probe.py``)."""
    p = state.probe
    if not p.topic:
        return None
    return card(label(f"Topic {p.topic} · sync {state.sync_phase}", key="probe-topic"),
                label(f"Events: {p.count} · watermark {p.watermark} · resets {p.resets}", key="probe-count"),
                paragraph(f"Last: {p.last_key} {p.last_body}" if p.count else "No event yet.", key="probe-last"),
                title="Live probe")


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
