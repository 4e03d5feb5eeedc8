"""The /l402 pages follow the person's notifications topic: a payment or settlement re-reads the page."""

from __future__ import annotations

from openagents_shell.app import initial_state, reduce
from openagents_shell.core.account import Call
from openagents_shell.sync.live import LiveEvent

NOTES = "user:u1:notifications"


def _l402_reads(effects: list[object]) -> list[str]:
    return [e.path for e in effects if isinstance(e, Call) and e.tag == "l402_load"]


def test_a_payment_or_settlement_event_re_reads_the_open_l402_page_at_once() -> None:
    state = initial_state("b1", "/l402", signed_in=True)
    for key in ("wallet_tx:tx_1", "l402_settlement:st_1"):
        _, effects = reduce(state, LiveEvent(NOTES, key, 1, 5, {"status": "settled"}))
        assert len(_l402_reads(effects)) == 1, key


def test_other_pages_replays_and_other_documents_cause_no_read() -> None:
    on_l402 = initial_state("b1", "/l402", signed_in=True)
    assert _l402_reads(reduce(on_l402, LiveEvent(NOTES, "wallet_tx:tx_1", 1, 5, {}, replay=True))[1]) == []
    assert _l402_reads(reduce(on_l402, LiveEvent(NOTES, "sec_1", 1, 6, {"kind": "security.sign_in"}))[1]) == []
    on_feed = initial_state("b1", "/feed", signed_in=True)
    assert _l402_reads(reduce(on_feed, LiveEvent(NOTES, "wallet_tx:tx_1", 1, 7, {}))[1]) == []
