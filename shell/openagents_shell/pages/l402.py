"""The /l402 pages: wallet, transactions (list and detail with receipt), paywalls, settlements, deployments."""

from __future__ import annotations

from typing import Any

from openagents_shell.core import lazy_packages
from openagents_shell.core.l402 import (
    CreatePaywall,
    DeletePaywall,
    DraftName,
    DraftPrefix,
    DraftPrice,
    L402Page,
    TogglePaywall,
    sats,
)
from openagents_shell.ui.components import (
    badge,
    button,
    card,
    column,
    error_state,
    icon_button,
    label,
    link,
    paragraph,
    row,
    spinner,
    table,
    text_field,
)
from openagents_shell.ui.element import Element, Font, Semantics, Style, box, text
from openagents_shell.ui.intents import Copy
from openagents_shell.ui.qr import invoice_payload, qr_code, qr_matrix
from openagents_shell.ui.theme import SPACE

SMALL_MONO = Font(12.0, mono=True, line_height=1.5)
SUBNAV = (("/l402", "Wallet"), ("/l402/transactions", "Transactions"), ("/l402/paywalls", "Paywalls"),
          ("/l402/settlements", "Settlements"), ("/l402/deployments", "Deployments"))


def _subnav(path: str) -> Element:
    return row(*(link(text, href, current=href == path, key=f"l402-nav-{i}") for i, (href, text) in enumerate(SUBNAV)),
               wrap=True)


def _tx_rows(txs: list[dict[str, Any]]) -> list[list[str]]:
    return [[t["created_at"][:19].replace("T", " "), t["kind"], t["direction"], sats(t["amount_msat"]), t["status"],
             t.get("host") or t.get("memo") or ""] for t in txs]


def _transactions(txs: list[dict[str, Any]], key: str) -> Element:
    if not txs:
        return paragraph("No transactions yet.", color="muted", key=key)
    links = column(*(link(f"Transaction {t['id']}", f"/l402/transactions/{t['id']}", key=f"{key}-{t['id']}")
                     for t in txs[:20]))
    return column(table(["When", "Kind", "Dir", "Amount", "Status", "Host / memo"], _tx_rows(txs), name="Transactions"),
                  links)


def _wallet(data: dict[str, Any]) -> Element:
    wallet = data.get("wallet")
    if wallet is None:
        return paragraph("No agent wallet yet: create one with POST /api/agent-payments/wallet.", key="l402-no-wallet")
    policy = wallet["policy"]
    return column(
        card(row(paragraph(sats(wallet["balance_msat"]), key="l402-balance"), badge(f"mode: {wallet['mode']}")),
             paragraph(f"Reserved {sats(wallet['reserved_msat'])} · spent today {sats(wallet.get('spent_today_msat', 0))}",
                       color="muted"),
             paragraph(f"Policy: at most {policy['max_payment_sats']:,} sats a payment, {policy['daily_budget_sats']:,} "
                       f"a day; approval above {policy['approval_threshold_sats'] or '—'}; hosts: "
                       f"{', '.join(policy['allowed_hosts']) or 'none'}", color="muted"),
             title="Wallet"),
        card(_transactions(data.get("recent_transactions") or [], "l402-recent"), title="Recent transactions"),
    )


def _invoice(invoice: str) -> Element:
    """A BOLT11 invoice: its QR code (segno, loaded the first time an invoice is shown: ADR 0308) beside
    the invoice text, which stays selectable and has a copy button."""
    if lazy_packages.want("segno"):
        qr: Element = qr_code(qr_matrix(invoice_payload(invoice)), name="QR code of the Lightning invoice",
                              key="l402-invoice-qr")
    elif lazy_packages.packages.status("segno") == "failed":
        qr = label("The QR code could not be drawn (its library did not load); copy the invoice instead.",
                   color="danger", key="l402-invoice-qr-failed")
    else:
        qr = spinner("Drawing the QR code")
    words = box(label("Lightning invoice", font=SMALL_MONO, color="muted"),
                text(invoice, font=SMALL_MONO, key="l402-invoice-text"), sem=Semantics("group", name="Invoice"),
                style=Style(gap=SPACE[1], grow=1, shrink=1, min_width=0))
    return box(qr, box(words, icon_button("\u2398", "Copy invoice", Copy(invoice), key="l402-invoice-copy"),
                       style=Style(gap=SPACE[2], grow=1, shrink=1, min_width=200)),
               style=Style(direction="row", wrap=True, gap=SPACE[4], align="start"))


def _detail(tx: dict[str, Any]) -> Element:
    verified = tx.get("receipt_verified")
    receipt = tx.get("receipt") or {}
    return card(
        row(paragraph(f"{tx['kind']} · {tx['status']}", key="l402-tx-status"), badge(f"mode: {tx['mode']}")),
        paragraph(f"Amount {sats(tx['amount_msat'])} · fee {sats(tx['fee_msat'])}", key="l402-tx-amount"),
        paragraph(f"Payment hash {tx.get('payment_hash') or '—'}", color="muted"),
        paragraph(f"Receipt {tx.get('receipt_sha256') or '— (none until settled)'}"
                  + (" — verified" if verified else ""), key="l402-tx-receipt"),
        paragraph(f"Schema {receipt.get('schema', '—')}", color="muted"),
        _invoice(tx["payment_request"]) if tx.get("payment_request") else None,
        title=f"Transaction {tx['id']}",
    )


def _paywalls(page: L402Page) -> Element:
    paywalls = page.data.get("paywalls") or []
    draft = page.draft
    rows = [[p["name"], p["route_prefix"], f"{p['price_sats']:,} sats", f"{p['credential_ttl_seconds']} s",
             "on" if p["enabled"] else "off"] for p in paywalls]
    listing = table(["Name", "Route", "Price", "Credential lifetime", "Enabled"], rows, name="Paywalls") if rows \
        else paragraph("No paywalls.", color="muted", key="l402-no-paywalls")
    actions = column(*(row(paragraph(p["name"]),
                           button("Disable" if p["enabled"] else "Enable", TogglePaywall(p["id"], not p["enabled"]),
                                  variant="secondary", disabled=draft.busy, key=f"l402-toggle-{p['id']}"),
                           button("Delete", DeletePaywall(p["id"]), variant="danger", disabled=draft.busy,
                                  key=f"l402-delete-{p['id']}"))
                       for p in paywalls))
    form = card(
        text_field("Name", draft.name, DraftName, key="l402-draft-name", invalid=draft.error("name") is not None,
                   error=draft.error("name")),
        text_field("Route prefix", draft.route_prefix, DraftPrefix, key="l402-draft-prefix",
                   invalid=draft.error("route_prefix") is not None, error=draft.error("route_prefix")),
        text_field("Price (sats)", draft.price_sats, DraftPrice, key="l402-draft-price",
                   invalid=draft.error("price_sats") is not None, error=draft.error("price_sats")),
        button("Saving…" if draft.busy else "Create paywall", CreatePaywall(), disabled=draft.busy, key="l402-create"),
        paragraph(draft.notice, key="l402-draft-notice") if draft.notice else None,
        title="New paywall (administrators)",
    )
    return column(listing, actions, form)


def view(state: Any) -> Element:
    page: L402Page = state.l402
    route = state.route.name
    body: Element | None
    if page.signed_out:
        body = column(paragraph("Sign in to see your wallet and payments.", key="l402-signed-out"),
                      link("Sign in", f"/login?next={state.path}", key="l402-sign-in"))
    elif not page.loaded:
        body = paragraph("Loading…", color="muted", key="l402-loading")
    elif page.problem:
        body = error_state("Not available", page.problem)
    elif route == "l402":
        body = _wallet(page.data)
    elif route == "l402.transactions":
        data = page.data
        body = _detail(data) if "kind" in data else _transactions(data.get("transactions") or [], "l402-list")
    elif route == "l402.paywalls":
        body = _paywalls(page)
    elif route == "l402.settlements":
        data = page.data
        rows = [[s["settled_at"][:19].replace("T", " "), s["service"], sats(s["amount_msat"]), s["source"],
                 s["payment_hash"][:16] + "…"] for s in data.get("settlements") or []]
        body = column(paragraph(f"{data.get('total_count', 0)} settlements, {sats(data.get('total_msat', 0))} in all",
                                key="l402-settlement-total"),
                      table(["When", "Service", "Amount", "Source", "Payment hash"], rows, name="Settlements") if rows else None)
    else:
        rows = [[d["created_at"][:19].replace("T", " "), d["status"], d["source"], str(len(d["paywall_ids"])),
                 d["config_hash"][:23] + "…"] for d in page.data.get("deployments") or []]
        body = table(["When", "Status", "Source", "Paywalls", "Config"], rows, name="Deployments") if rows \
            else paragraph("No deployments.", color="muted", key="l402-no-deployments")
    return column(_subnav(state.path), body)
