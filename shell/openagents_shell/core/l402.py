"""The /l402 pages as pure state: which request each page makes, and what its answer becomes.

No msgspec here (imported at boot). The pages are read views of ``/api/l402/*``: the wallet and
its recent transactions, the transaction list (cursor pagination) and one transaction with its
verified receipt, paywalls, settlements and deployments (the last two for administrators; others
see the server's "not allowed" message). Amounts are shown in sats; fiat is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from openagents_shell.core.account import Answered, Call
from openagents_shell.routes import Route

#: The pages re-ask their endpoint this often while open: live enough for a settlement to appear
#: within seconds until the shell's Khala socket is wired (the server already publishes
#: ``payments.transaction.updated`` and ``l402.settlement.recorded`` on the person's topic).
POLL_SECONDS = 5
ROUTES = frozenset({"l402", "l402.transactions", "l402.paywalls", "l402.settlements", "l402.deployments"})


@dataclass(frozen=True)
class PaywallDraft:
    """The admin's "new paywall" form on /l402/paywalls."""

    name: str = ""
    route_prefix: str = ""
    price_sats: str = ""
    busy: bool = False
    notice: str | None = None
    errors: tuple[tuple[str, str], ...] = ()  # (field, message) from the server's 422

    def error(self, name: str) -> str | None:
        return next((m for f, m in self.errors if f == name), None)


@dataclass(frozen=True)
class L402Page:
    loaded: bool = False
    data: Any = None  # the decoded ``data`` of the page's request
    problem: str | None = None
    signed_out: bool = False
    draft: PaywallDraft = PaywallDraft()
    polling: bool = False  # a PollLater is pending: one re-read chain per open page


@dataclass(frozen=True)
class DraftName:
    value: str


@dataclass(frozen=True)
class DraftPrefix:
    value: str


@dataclass(frozen=True)
class DraftPrice:
    value: str


@dataclass(frozen=True)
class CreatePaywall:
    pass


@dataclass(frozen=True)
class TogglePaywall:
    paywall_id: str
    enabled: bool


@dataclass(frozen=True)
class DeletePaywall:
    paywall_id: str


EDIT_INTENTS = (DraftName, DraftPrefix, DraftPrice, CreatePaywall, TogglePaywall, DeletePaywall)
PaywallEdit = DraftName | DraftPrefix | DraftPrice | CreatePaywall | TogglePaywall | DeletePaywall


@dataclass(frozen=True)
class Poll:
    """Time to re-read the open /l402 page."""


@dataclass(frozen=True)
class PollLater:
    """Effect: dispatch :class:`Poll` after ``seconds`` unless the person left the page ``scope``."""

    seconds: float
    scope: str


def request_for(route: Route) -> tuple[str, str]:
    """(tag, path) of the request a /l402 page makes."""
    if route.name == "l402.transactions":
        rest = route.params.get("rest")
        return ("l402_load", f"/api/l402/transactions/{rest}") if rest else ("l402_load", "/api/l402/transactions?limit=50")
    return "l402_load", {"l402": "/api/l402/wallet", "l402.paywalls": "/api/l402/paywalls",
                         "l402.settlements": "/api/l402/settlements", "l402.deployments": "/api/l402/deployments"}[route.name]


def load(route: Route, path: str) -> Call:
    tag, api_path = request_for(route)
    return Call(tag, "GET", api_path, "l402", path)


def reduce_l402(page: L402Page, intent: Answered) -> L402Page:
    outcome = intent.outcome
    kind = type(outcome).__name__
    if kind == "Ok":
        return replace(page, loaded=True, data=outcome.data, problem=None)
    if kind == "SignInNeeded":
        return replace(page, loaded=True, signed_out=True)
    return replace(page, loaded=True, problem=getattr(outcome, "message", "Something went wrong."))


def sats(msat: int | None) -> str:
    if msat is None:
        return "—"
    whole, rest = divmod(int(msat), 1000)
    return f"{whole:,} sats" if not rest else f"{whole:,}.{rest:03d} sats"


def reduce_paywall_edit(page: L402Page, intent: Any, path: str) -> tuple[L402Page, list[Any]]:
    """The admin's edits on /l402/paywalls: the form, create, toggle, delete (the server decides who may)."""
    draft = page.draft
    if isinstance(intent, DraftName):
        return replace(page, draft=replace(draft, name=intent.value, errors=(), notice=None)), []
    if isinstance(intent, DraftPrefix):
        return replace(page, draft=replace(draft, route_prefix=intent.value, errors=(), notice=None)), []
    if isinstance(intent, DraftPrice):
        return replace(page, draft=replace(draft, price_sats=intent.value, errors=(), notice=None)), []
    if draft.busy and not isinstance(intent, Answered):
        return page, []
    if isinstance(intent, CreatePaywall):
        if not draft.price_sats.strip().isdigit() or int(draft.price_sats) < 1:
            return replace(page, draft=replace(draft, errors=(("price_sats", "A whole number of sats, at least 1."),))), []
        body = {"name": draft.name.strip(), "route_prefix": draft.route_prefix.strip(), "price_sats": int(draft.price_sats)}
        return replace(page, draft=replace(draft, busy=True, notice=None)), [
            Call("l402_paywall_created", "POST", "/api/l402/paywalls", "l402", path, body)]
    if isinstance(intent, TogglePaywall):
        return replace(page, draft=replace(draft, busy=True, notice=None)), [
            Call("l402_paywall_saved", "PATCH", f"/api/l402/paywalls/{intent.paywall_id}", "l402", path,
                 {"enabled": intent.enabled})]
    if isinstance(intent, DeletePaywall):
        return replace(page, draft=replace(draft, busy=True, notice=None)), [
            Call("l402_paywall_saved", "DELETE", f"/api/l402/paywalls/{intent.paywall_id}", "l402", path)]
    if isinstance(intent, Answered):
        kind = type(intent.outcome).__name__
        if kind == "Ok":
            fresh = PaywallDraft(notice="Saved.") if intent.tag == "l402_paywall_created" else replace(draft, busy=False, notice="Saved.")
            return replace(page, draft=fresh), [Call("l402_load", "GET", "/api/l402/paywalls", "l402", path)]
        fields = tuple((name, messages[0]) for name, messages in (getattr(intent.outcome, "fields", None) or {}).items()
                       if messages)
        return replace(page, draft=replace(draft, busy=False, errors=fields,
                                           notice=getattr(intent.outcome, "message", "Something went wrong."))), []
    return page, []
