"""The /l402 pages in Chromium against the real server: after an agent paid a paywalled route, the
admin sees the wallet in sats, the transaction with its verified receipt, the paywall, the
settlement and the deployment — each page reached by in-app links, without a document reload."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openagents_server.domains.identity import dev_login
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from tests.identity.conftest import sign_in
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ADMIN = "root@example.com"


@pytest.fixture
def server(live_server, bundles) -> LiveServer:
    return live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_ADMIN_EMAILS": ADMIN,
                            "OPENAGENTS_SHELL_UPDATE_CHECK_SECONDS": "60", "OPENAGENTS_L402_HTTP_ALLOW": "127.0.0.1"})


async def _agent_pays(server: LiveServer) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await sign_in(http, server.database_url, ADMIN)
        await http.post("/api/l402/paywalls", headers=admin.headers,
                        json={"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 21})
        await http.post("/api/agent-payments/wallet", headers=admin.headers, json={"allowed_hosts": ["127.0.0.1"]})
        await http.post("/api/agent-payments/invoice", headers=admin.headers, json={"amount_sats": 1000})
        fetched = await http.post("/api/agent-payments/l402/fetch", headers=admin.headers,
                                  json={"url": f"{server.url}/api/demo/fortune"})
        assert fetched.status_code == 200 and fetched.json()["data"]["paid"], fetched.text
        return fetched.json()["data"]["payment"]


def test_the_l402_pages_show_the_payment_and_the_settlement(page: Page, server: LiveServer, guard: Guard) -> None:
    with ThreadPoolExecutor(1) as pool:
        payment = pool.submit(asyncio.run, _agent_pays(server)).result()
    query = dev_login.signed_query("dev-only-test-login-secret", ADMIN, redirect="/l402")
    page.goto(f"{server.url}/internal/test-login?{query}")
    wait_booted(page)
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")
    expect(page.get_by_text("979 sats")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("mode: fake")).to_be_visible()

    page.get_by_role("link", name=f"Transaction {payment['id']}").click()
    expect(page).to_have_url(re.compile(rf"/l402/transactions/{payment['id']}$"))
    expect(page.get_by_text(re.compile(r"verified$"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Amount 21 sats · fee 0 sats")).to_be_visible()

    page.get_by_role("link", name="Paywalls").click()
    expect(page.get_by_text("/api/demo")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Settlements").click()
    expect(page.get_by_text("1 settlements, 21 sats in all")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Deployments").click()
    expect(page.get_by_text("applied")).to_be_visible(timeout=30_000)
    assert page.evaluate("() => window.__oaMarker") == "no-reload"


async def _agent_ready(server: LiveServer) -> tuple[dict[str, str], str]:
    """A funded wallet spending through a personal access token (as an autopilot does), and an unpaid
    paywall invoice for it to pay later: (the agent's headers, the invoice)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await sign_in(http, server.database_url, ADMIN)
        await http.post("/api/l402/paywalls", headers=admin.headers,
                        json={"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 21})
        token = (await http.post("/api/tokens", headers=admin.headers, json={"name": "autopilot"})).json()["data"]["token"]
        agent = {"authorization": f"Bearer {token}"}
        await http.post("/api/agent-payments/wallet", headers=agent, json={"allowed_hosts": ["127.0.0.1"]})
        await http.post("/api/agent-payments/invoice", headers=agent, json={"amount_sats": 1000})
        challenged = await http.get("/api/demo/fortune")
        assert challenged.status_code == 402, challenged.text
        return agent, challenged.json()["error"]["invoice"]


async def _agent_pays_now(server: LiveServer, agent: dict[str, str], invoice: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        paid = await http.post("/api/agent-payments/pay", headers=agent, json={"invoice": invoice})
        assert paid.status_code == 200 and paid.json()["data"]["status"] == "succeeded", paid.text


def test_a_payment_by_an_agent_token_reaches_the_open_l402_page_live(page: Page, server: LiveServer,
                                                                     guard: Guard) -> None:
    with ThreadPoolExecutor(1) as pool:
        agent, invoice = pool.submit(asyncio.run, _agent_ready(server)).result()
    reads: list[float] = []
    page.on("request", lambda r: reads.append(time.monotonic()) if r.url.endswith("/api/l402/wallet") else None)
    query = dev_login.signed_query("dev-only-test-login-secret", ADMIN, redirect="/l402")
    page.goto(f"{server.url}/internal/test-login?{query}")
    wait_booted(page)
    balance = page.locator("#l402-balance")
    expect(balance).to_have_text("1,000 sats", timeout=60_000)
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)
    # Pay just after one of the page's re-reads answered: its 5 s fallback re-read is then at least
    # 5 s away, so the payment showing up well before that can only be the live path.
    with page.expect_response(lambda r: r.url.endswith("/api/l402/wallet"), timeout=30_000):
        pass
    answered = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _agent_pays_now(server, agent, invoice)).result()
    paid = time.monotonic()
    expect(balance).to_have_text("979 sats", timeout=5_000)
    seen = time.monotonic()
    print(f"live: shown {seen - paid:.2f} s after the payment answered, {seen - answered:.2f} s after the last re-read")
    assert seen - paid < 1.0, f"the payment took {seen - paid:.2f} s to show"
    assert seen - answered < 4.0, f"{seen - answered:.2f} s after the last re-read: the fallback could have done it"
    assert len([t for t in reads if answered < t <= seen]) == 1  # one re-read: the one the live event asked for
