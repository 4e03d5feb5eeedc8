"""The /l402 pages: each route asks its /api/l402 endpoint, and the answer becomes the page (sats, the
receipt's verification, the server's refusal for non-admins, sign-in when signed out)."""

from __future__ import annotations

from openagents_shell.api.client import Ok, Problem, SignInNeeded
from openagents_shell.app import Navigate, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.l402 import POLL_SECONDS, Poll, PollLater, sats
from openagents_shell.pages import shell
from openagents_shell.ui.element import Element

WALLET = {"wallet": {"id": "wal_1", "mode": "fake", "balance_msat": 979_000, "reserved_msat": 0, "spent_today_msat": 21_000,
                     "policy": {"max_payment_sats": 1000, "daily_budget_sats": 10000, "approval_threshold_sats": 5000,
                                "allowed_hosts": ["127.0.0.1"]}},
          "recent_transactions": [{"id": "wtx_1", "kind": "payment", "direction": "out", "amount_msat": 21_000,
                                   "status": "succeeded", "host": "127.0.0.1", "memo": None,
                                   "created_at": "2026-12-06T05:00:00+00:00"}], "mode": "fake"}


def texts(element: Element | None) -> list[str]:
    if element is None:
        return []
    out = [element.text] if getattr(element, "text", None) else []
    for child in getattr(element, "children", ()) or ():
        out += texts(child)
    return out


def calls(effects: list[object]) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in effects if isinstance(e, Call)]


def test_each_l402_page_asks_its_endpoint() -> None:
    state = initial_state("b1", "/", signed_in=True)
    expected = {"/l402": "/api/l402/wallet", "/l402/transactions": "/api/l402/transactions?limit=50",
                "/l402/transactions/wtx_1": "/api/l402/transactions/wtx_1", "/l402/paywalls": "/api/l402/paywalls",
                "/l402/settlements": "/api/l402/settlements", "/l402/deployments": "/api/l402/deployments"}
    for path, api in expected.items():
        _, effects = reduce(state, Navigate(path))
        assert calls(effects) == [("GET", api)], path


def test_the_wallet_page_shows_sats_and_the_mode() -> None:
    state, _ = boot(initial_state("b1", "/l402", signed_in=True), "/l402")
    state, _ = reduce(state, Answered("l402_load", Ok(WALLET)))
    shown = " ".join(texts(shell.view(state)))
    assert "979 sats" in shown and "mode: fake" in shown and "Recent transactions" in shown
    assert sats(1500) == "1.500 sats" and sats(2_000_000) == "2,000 sats"


def test_a_refusal_is_shown_and_a_signed_out_visit_offers_sign_in_without_a_request() -> None:
    state, _ = boot(initial_state("b1", "/l402/settlements", signed_in=True), "/l402/settlements")
    refused, _ = reduce(state, Answered("l402_load", Problem("not_allowed", "This needs a platform administrator.")))
    assert "This needs a platform administrator." in " ".join(texts(shell.view(refused)))
    out, _ = reduce(state, Answered("l402_load", SignInNeeded("/l402/settlements")))
    assert out.route.name == "l402.settlements" and not out.signed_in
    assert "Sign in" in texts(shell.view(out))
    # Signed out for sure: no request that would 401, and the deep link stays where it is.
    signed_out, effects = boot(initial_state("b1", "/l402/transactions/abc"), "/l402/transactions/abc")
    assert signed_out.route.name == "l402.transactions" and calls(effects) == []
    assert "Sign in to see your wallet and payments." in texts(shell.view(signed_out))


def test_an_open_page_re_reads_its_endpoint_until_the_person_leaves() -> None:
    state, _ = boot(initial_state("b1", "/l402/settlements", signed_in=True), "/l402/settlements")
    state, effects = reduce(state, Answered("l402_load", Ok({"settlements": [], "total_count": 0, "total_msat": 0})))
    assert PollLater(POLL_SECONDS, "/l402/settlements") in effects
    polled, effects = reduce(state, Poll())
    assert calls(effects) == [("GET", "/api/l402/settlements")]
    _, effects = reduce(polled, Answered("l402_load", Ok({"settlements": [], "total_count": 0, "total_msat": 0})))
    assert PollLater(POLL_SECONDS, "/l402/settlements") in effects  # the chain goes on, one at a time
    # An answer to another read (after a save) while a re-read is pending starts no second chain.
    pending, _ = reduce(polled, Answered("l402_load", Ok({"settlements": [], "total_count": 0, "total_msat": 0})))
    _, effects = reduce(pending, Answered("l402_load", Ok({"settlements": [], "total_count": 0, "total_msat": 0})))
    assert not [e for e in effects if isinstance(e, PollLater)]
    away, _ = reduce(state, Navigate("/feed"))
    assert calls(reduce(away, Poll())[1]) == []


def test_an_admin_creates_toggles_and_deletes_a_paywall_from_the_page() -> None:
    from openagents_shell.api.client import FieldErrors
    from openagents_shell.core.l402 import (
        CreatePaywall,
        DeletePaywall,
        DraftName,
        DraftPrefix,
        DraftPrice,
        TogglePaywall,
    )

    state, _ = boot(initial_state("b1", "/l402/paywalls", signed_in=True), "/l402/paywalls")
    state, _ = reduce(state, Answered("l402_load", Ok({"paywalls": []})))
    for intent in (DraftName("Fortune"), DraftPrefix("/api/demo"), DraftPrice("abc")):
        state, _ = reduce(state, intent)
    state, effects = reduce(state, CreatePaywall())
    assert calls(effects) == [] and state.l402.draft.error("price_sats")
    state, _ = reduce(state, DraftPrice("21"))
    state, effects = reduce(state, CreatePaywall())
    assert calls(effects) == [("POST", "/api/l402/paywalls")]
    assert [e.payload for e in effects if isinstance(e, Call)] == [{"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 21}]
    refused, _ = reduce(state, Answered("l402_paywall_created", FieldErrors("The given data was invalid.",
                                                                         {"route_prefix": ("reserved",)})))
    assert refused.l402.draft.error("route_prefix") == "reserved" and not refused.l402.draft.busy
    state, effects = reduce(state, Answered("l402_paywall_created", Ok({"id": "pw_1"})))
    assert calls(effects) == [("GET", "/api/l402/paywalls")] and state.l402.draft.name == ""
    state, _ = reduce(state, Answered("l402_load", Ok({"paywalls": [{"id": "pw_1", "name": "Fortune", "route_prefix": "/api/demo",
                                                                      "price_sats": 21, "credential_ttl_seconds": 3600, "enabled": True}]})))
    assert "Disable" in " ".join(texts(shell.view(state)))
    _, effects = reduce(state, TogglePaywall("pw_1", False))
    assert calls(effects) == [("PATCH", "/api/l402/paywalls/pw_1")]
    _, effects = reduce(state, DeletePaywall("pw_1"))
    assert calls(effects) == [("DELETE", "/api/l402/paywalls/pw_1")]
