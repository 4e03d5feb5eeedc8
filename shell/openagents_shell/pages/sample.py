"""A sample list page of N rows (``/debug?rows=N``): what the render benchmarks scroll and time."""

from __future__ import annotations

from openagents_shell.ui.components import SMALL, badge, label, pad, row, virtual_list
from openagents_shell.ui.element import Element, Style, box
from openagents_shell.ui.layout import Layout
from openagents_shell.ui.scene import build
from openagents_shell.ui.text import MeasureFn, TextMeasurer
from openagents_shell.ui.theme import LIGHT

ROW_NODES = 5  # elements per row: the row, two labels, the badge and its text


def rows(n: int) -> list[Element]:
    return [box(row(label(f"Row {i}: worker run", max_lines=1), label(f"#{i * 7919 % 100000:05d}", font=SMALL,
                                                                        color="muted"),
                    badge("ok" if i % 3 else "busy"), justify="between"),
                style=Style(padding=pad(6, 12), background="surface" if i % 2 else None)) for i in range(n)]


def list_view(n: int, height: float | None = None) -> Element:
    return virtual_list(rows(n), name=f"{n} rows", key="sample-rows", height=height)


def build_ms(n_rows: int, measure: MeasureFn, now: object, repeats: int = 5) -> dict[str, float]:
    """Time a cold layout + display list of ``n_rows`` rows (``now()`` in ms), best of ``repeats``."""
    best_cold = best_warm = float("inf")
    for _ in range(repeats):
        view = list_view(n_rows, 800)
        m = TextMeasurer(measure)
        lay = Layout(m)
        t0 = now()  # type: ignore[operator]
        b = lay.run(view, 1280, 800)
        build(b, LIGHT, width=1280, height=800, text_width=m.width)
        t1 = now()  # type: ignore[operator]
        b = lay.run(list_view(n_rows, 800), 1280, 800)  # a new, equal tree: every box reused
        build(b, LIGHT, width=1280, height=800, text_width=m.width, scroll={"sample-rows": 400.0})
        t2 = now()  # type: ignore[operator]
        best_cold, best_warm = min(best_cold, t1 - t0), min(best_warm, t2 - t1)
    return {"nodes": float(n_rows * ROW_NODES), "cold_ms": best_cold, "warm_ms": best_warm}
