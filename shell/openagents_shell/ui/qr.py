"""QR codes: the matrix from segno, a page-level wheel (ADR 0308) imported only when called, drawn as
rectangles by the toolkit (one row box per module row, one box per run of dark modules).

A QR code is dark on light in both colour schemes (scanners expect it) with the standard four-module
quiet zone; the mirror shows it as one ``img`` named by the caller.
"""

from __future__ import annotations

from functools import lru_cache

from openagents_shell.ui.element import Element, Semantics, Style, box

Matrix = tuple[tuple[bool, ...], ...]
QUIET_ZONE = 4
DARK = "#000000"
LIGHT = "#ffffff"


@lru_cache(maxsize=32)
def qr_matrix(data: str, error: str = "m") -> Matrix:
    """Modules of the smallest QR code (not Micro QR) holding ``data``, quiet zone included."""
    import segno

    code = segno.make_qr(data, error=error)
    return tuple(tuple(bool(m) for m in row) for row in code.matrix_iter(scale=1, border=QUIET_ZONE))


def invoice_payload(invoice: str) -> str:
    """What a wallet scans for a BOLT11 invoice: the ``lightning:`` URI in upper case, which QR's
    alphanumeric mode stores in fewer modules (bech32 is case-insensitive, BOLT11 allows all-caps)."""
    return f"lightning:{invoice.strip()}".upper()


def _runs(row: tuple[bool, ...]) -> list[tuple[bool, int]]:
    runs: list[tuple[bool, int]] = []
    for dark in row:
        if runs and runs[-1][0] == dark:
            runs[-1] = (dark, runs[-1][1] + 1)
        else:
            runs.append((dark, 1))
    return runs


def qr_code(matrix: Matrix, *, name: str, module: float = 3.0, key: str | None = None) -> Element:
    """``matrix`` drawn with ``module`` CSS px per module; ``name`` is its accessible name."""
    size = len(matrix) * module
    rows = []
    for row in matrix:
        cells = [box(style=Style(width=n * module, height=module, shrink=0, background=DARK if dark else None))
                 for dark, n in _runs(row)]
        rows.append(box(*cells, style=Style(direction="row", height=module, shrink=0)))
    return box(*rows, key=key, sem=Semantics("img", name=name, description=f"{len(matrix)} by {len(matrix)} modules"),
               style=Style(width=size, height=size, shrink=0, background=LIGHT))
