"""Page-level wheels on demand (ADR 0308): the registry (single-flight, kept outcome, error state), the
chat code block drawn plain then highlighted when Pygments is ready, and the /l402 invoice QR after segno."""

from __future__ import annotations

import asyncio

import pytest
import segno
from openagents_build.pins import LAZY_WHEELS
from openagents_shell.core import lazy_packages
from openagents_shell.core.chat import Chat, Message
from openagents_shell.core.lazy_packages import FakePackageLoader, LazyPackages, PackageError
from openagents_shell.pages import chat as chat_page
from openagents_shell.pages import l402 as l402_page
from openagents_shell.ui.components import NBSP, code_block
from openagents_shell.ui.highlight import highlight, plain_text
from openagents_shell.ui.markdown import markdown
from openagents_shell.ui.qr import QUIET_ZONE, invoice_payload, qr_code, qr_matrix
from openagents_shell.ui.theme import DARK, LIGHT

from tests.shell.support import Harness

CODE = "def greet(name):\n    return 'hi ' + name  # say hi\n\nprint(greet(42))"
REPLY = f"Here you go:\n\n```python\n{CODE}\n```\n\nDone."
#: A real BOLT11 invoice (the BOLT11 specification's first test vector).
INVOICE = ("lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzq"
           "fqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qa"
           "kdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> tuple[LazyPackages, FakePackageLoader, list[int], asyncio.Event]:
    """A fresh registry with a gated fake loader, installed as the shell's one; the chat message cache
    is cleared so a view computed by another test does not hide a load request."""
    gate = asyncio.Event()
    loader = FakePackageLoader(gate=gate)
    redraws: list[int] = []
    reg = LazyPackages(loader, on_change=lambda: redraws.append(1))
    monkeypatch.setattr(lazy_packages, "packages", reg)
    chat_page._message.cache_clear()
    return reg, loader, redraws, gate


def test_the_shell_knows_exactly_the_lazy_wheels_the_bundle_pins() -> None:
    assert lazy_packages.PACKAGES == {p.name: p.imports[0] for p in LAZY_WHEELS}


async def test_concurrent_asks_load_once_and_the_outcome_is_kept(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, redraws, gate = registry
    assert reg.status("pygments") == "idle" and reg.want("pygments") is False
    waiters = [asyncio.ensure_future(reg.ensure("pygments")) for _ in range(3)]
    await asyncio.sleep(0)
    assert reg.want("pygments") is False and reg.status("pygments") == "loading"
    gate.set()
    await asyncio.gather(*waiters)
    assert loader.calls == ["pygments"] and reg.status("pygments") == "ready" and redraws == [1]
    await reg.ensure("pygments")
    assert reg.want("pygments") is True and loader.calls == ["pygments"]  # cached: never loaded again
    assert reg.snapshot()["loads"] == ["pygments"]


async def test_a_failed_load_is_an_error_state_not_a_retry_loop(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, redraws, gate = registry
    loader.fail = frozenset({"segno"})
    gate.set()
    with pytest.raises(PackageError, match="simulated"):
        await reg.ensure("segno")
    assert reg.status("segno") == "failed" and "simulated" in (reg.error("segno") or "") and redraws == [1]
    for _ in range(3):  # every frame asks again: no new request
        assert reg.want("segno") is False
    with pytest.raises(PackageError):
        await reg.ensure("segno")
    assert loader.calls == ["segno"]
    loader.fail = frozenset()
    reg.retry("segno")
    await reg.ensure("segno")
    assert reg.status("segno") == "ready" and loader.calls == ["segno", "segno"]


async def test_a_cancelled_caller_does_not_cancel_the_load_others_wait_for(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, _redraws, gate = registry
    first = asyncio.ensure_future(reg.ensure("segno"))
    await asyncio.sleep(0)
    first.cancel()  # its page was closed
    second = asyncio.ensure_future(reg.ensure("segno"))
    gate.set()
    await second
    assert first.cancelled() and reg.status("segno") == "ready" and loader.calls == ["segno"]


async def test_unknown_packages_and_a_missing_loader_are_refused() -> None:
    reg = LazyPackages()
    assert reg.want("pygments") is False and reg.status("pygments") == "idle"  # no loader: plain, nothing asked
    with pytest.raises(PackageError, match="no package loader"):
        await reg.ensure("pygments")
    reg.install(FakePackageLoader())
    with pytest.raises(PackageError, match="not a page-level package"):
        await reg.ensure("numpy")


def test_highlighting_keeps_the_text_and_colours_tokens_with_theme_tokens() -> None:
    lines = highlight(CODE, "python")
    assert lines is not None and plain_text(lines) == CODE
    runs = {text.strip(): color for line in lines for text, color in line}
    assert runs["def"] == "code_keyword" and runs["greet"] == "code_name" and runs["42"] == "code_number"
    assert runs["'hi '"] == "code_string" and runs["# say hi"] == "code_comment" and runs["print"] == "code_builtin"
    assert highlight("x", "no-such-language") is None
    assert highlight("SELECT 1", "SQL") is not None  # language names are case-insensitive


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        r, g, b_ = (int(h[i:i + 2], 16) / 255 for i in (1, 3, 5))
        f = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b_)]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_every_token_colour_reads_on_the_code_background(theme) -> None:  # type: ignore[no-untyped-def]
    tokens = [t for t in theme.colors if t.startswith("code_") and t != "code_bg"]
    assert len(tokens) == 6
    for token in tokens:
        assert _contrast(theme.colors[token], theme.colors["code_bg"]) >= 4.5, (theme.name, token)


def test_a_plain_block_keeps_its_indentation_and_the_copy_button_copies_the_code_as_written() -> None:
    h = Harness()
    h.surface.show(code_block("if x:\n\ty = 1\n    z = 2", language="python", key="blk"))
    h.frame()
    drawn = [c[3] for c in h.canvas.calls if c[0] == "text"]
    assert NBSP * 4 + "y = 1" in drawn and NBSP * 4 + "z = 2" in drawn
    button = h.dom.root.find("button", aria_label="Copy code")
    h.dom.fire("click", button.attrs["data-oa"])
    assert h.copied == ["if x:\n\ty = 1\n    z = 2"]


async def test_the_first_code_block_with_a_language_loads_pygments_and_is_redrawn_highlighted(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, redraws, gate = registry
    chat = Chat(thread_id="t1", loaded=True, signed_out=False, threads=(), workers=(),
                messages=(Message("u1", "user", "show me", "completed"), Message("i1", "assistant", REPLY, "completed")))
    h = Harness()
    h.surface.show(chat_page.view(None, "/chat/t1", chat, True))
    h.frame()
    block = h.dom.root.find(role="group", aria_label="python code")
    assert "aria-description" not in block.attrs  # drawn plain at once
    plain_style = block.style
    assert any(c[0] == "text" and "def greet(name):" in c[3] for c in h.canvas.calls)
    await asyncio.sleep(0)
    assert loader.calls == ["pygments"] and reg.status("pygments") == "loading"
    h.surface.show(chat_page.view(None, "/chat/t1", chat, True))  # a streamed delta draws again: no second load
    h.frame()
    assert loader.calls == ["pygments"]
    gate.set()
    await reg.ensure("pygments")
    assert redraws == [1]  # the shell is asked to draw again
    h.surface.show(chat_page.view(None, "/chat/t1", chat, True))
    h.frame()
    block = h.dom.root.find(role="group", aria_label="python code")
    assert block.attrs["aria-description"] == "syntax highlighted"
    assert block.style == plain_style  # same place, same size: highlighting does not move the page
    code = block.find(role="code")  # one mirrored text for the code, not a node per token
    assert code.text == CODE and code.children == [] and "monospace" in code.style
    colours = {c[3].replace(NBSP, " ").strip(): c[5] for c in h.canvas.calls if c[0] == "text"}
    assert colours["def"] == LIGHT.colors["code_keyword"] and colours["# say hi"] == LIGHT.colors["code_comment"]
    assert colours["Done."] == LIGHT.colors["fg"]
    h.surface.set_theme(DARK)
    h.frame()
    colours = {c[3].replace(NBSP, " ").strip(): c[5] for c in h.canvas.calls if c[0] == "text"}
    assert colours["def"] == DARK.colors["code_keyword"]
    h.dom.fire("click", h.dom.root.find("button", aria_label="Copy code").attrs["data-oa"])
    assert h.copied == [CODE]  # plain text, not the drawn no-break spaces


def test_a_block_without_a_language_and_a_message_without_code_ask_for_nothing(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, _redraws, _gate = registry
    markdown("no code here, just `inline`", highlight=chat_page._highlight_later)
    chat = Chat(thread_id="t1", loaded=True, signed_out=False, threads=(), workers=(),
                messages=(Message("i1", "assistant", "```\nmake test\n```", "completed"),))
    chat_page.view(None, "/chat/t1", chat, True)
    assert loader.calls == [] and reg.status("pygments") == "idle"


def test_the_invoice_qr_holds_the_lightning_uri_and_is_drawn_module_by_module() -> None:
    payload = invoice_payload(INVOICE)
    assert payload == "LIGHTNING:" + INVOICE.upper()
    matrix = qr_matrix(payload)
    reference = segno.make_qr(payload, error="m")
    assert reference.mode == "alphanumeric"
    assert len(matrix) == reference.symbol_size(scale=1, border=QUIET_ZONE)[0]
    h = Harness(800, 800)
    h.surface.show(qr_code(matrix, name="QR", module=3, key="qr"))
    h.frame()
    dark = {(round(c[1]), round(c[2])) for c in h.canvas.calls if c[0] == "rect" and c[6] == "#000000"}
    widths = {(round(c[1]), round(c[2])): round(c[3]) for c in h.canvas.calls if c[0] == "rect" and c[6] == "#000000"}
    drawn = [[False] * len(matrix) for _ in matrix]
    for (x, y) in dark:
        for dx in range(widths[(x, y)] // 3):
            drawn[y // 3][x // 3 + dx] = True
    assert tuple(tuple(r) for r in drawn) == matrix
    assert h.dom.root.find(role="img", aria_label="QR").attrs["aria-description"] == f"{len(matrix)} by {len(matrix)} modules"


async def test_the_transaction_page_shows_the_invoice_then_its_qr_once_segno_loads(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, redraws, gate = registry
    tx = {"id": "wtx_1", "kind": "invoice", "status": "pending", "mode": "fake", "amount_msat": 21_000, "fee_msat": 0,
          "payment_hash": "00" * 32, "payment_request": INVOICE}
    h = Harness()
    h.surface.show(l402_page._detail(tx))
    h.frame()
    await asyncio.sleep(0)
    assert loader.calls == ["segno"] and h.dom.root.find_all(role="img") == []
    assert any(c[0] == "text" and c[3].startswith("lnbc1pvjluez") for c in h.canvas.calls)  # the text at once
    gate.set()
    await reg.ensure("segno")
    assert redraws == [1]
    h.surface.show(l402_page._detail(tx))
    h.frame()
    qr = h.dom.root.find(role="img", aria_label="QR code of the Lightning invoice")
    assert qr.attrs["data-oa"] == "l402-invoice-qr"
    h.dom.fire("click", h.dom.root.find("button", aria_label="Copy invoice").attrs["data-oa"])
    assert h.copied == [INVOICE]


async def test_a_qr_library_that_does_not_load_says_so_and_the_invoice_stays(registry) -> None:  # type: ignore[no-untyped-def]
    reg, loader, _redraws, gate = registry
    loader.fail = frozenset({"segno"})
    gate.set()
    tx = {"id": "wtx_1", "kind": "invoice", "status": "pending", "mode": "fake", "amount_msat": 1000, "fee_msat": 0,
          "payment_request": INVOICE}
    l402_page._detail(tx)
    with pytest.raises(PackageError):
        await reg.ensure("segno")
    h = Harness()
    h.surface.show(l402_page._detail(tx))
    h.frame()
    drawn = " ".join(c[3] for c in h.canvas.calls if c[0] == "text")
    assert "could not be drawn" in drawn and INVOICE[:20] in drawn
