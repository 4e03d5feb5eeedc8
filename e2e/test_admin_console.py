"""The admin console in Chromium against a real 2-worker server.

An administrator turns maintenance on from the page (reason, message, confirmation dialog): every
worker answers 503 with the message within 5 s; off again; both changes are in the page's audit
table. Someone else sees "Administrators only" (the API answered 403).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from openagents_server.domains.identity.dev_login import signed_query
from openagents_server.settings import Settings
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted
from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ADMIN = "ops-admin@example.com"


@pytest.fixture
def admin_server(live_server: Callable[..., LiveServer], bundles: BuiltBundles) -> LiveServer:
    return live_server(workers=2, env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_ADMIN_EMAILS": ADMIN})


def sign_in_as(page: Page, server: LiveServer, email: str, redirect: str) -> None:
    page.goto(f"{server.url}/internal/test-login?{signed_query(Settings().test_login_secret, email, redirect=redirect)}")
    expect(page).to_have_url(re.compile(re.escape(redirect) + "$"), timeout=60_000)
    wait_booted(page)


def every_worker_answers(server: LiveServer, status: int, within: float) -> float:
    started = time.monotonic()
    while True:
        answers = [httpx.get(server.url + "/api/tokens", headers={"connection": "close"}, timeout=10)
                   for _ in range(12)]
        if all(a.status_code == status for a in answers):
            return time.monotonic() - started
        assert time.monotonic() - started < within, [a.status_code for a in answers]
        time.sleep(0.2)


def test_maintenance_from_the_console_reaches_every_worker_and_is_audited(
        page: Page, admin_server: LiveServer, guard: Guard) -> None:
    sign_in_as(page, admin_server, ADMIN, "/admin")
    expect(page.get_by_text("Maintenance: off")).to_be_visible(timeout=60_000)

    page.get_by_label("Maintenance message").fill("Back at 10:00 UTC")
    page.get_by_label("Reason").fill("database upgrade")
    page.get_by_role("button", name="Turn maintenance on").click()
    dialog = page.get_by_role("dialog", name="Turn maintenance on?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Turn it on").click()
    expect(page.get_by_text("Maintenance is on")).to_be_visible(timeout=30_000)

    assert every_worker_answers(admin_server, 503, within=5.0) < 5.0
    refused = httpx.get(admin_server.url + "/api/tokens", timeout=10)
    assert refused.json()["message"] == "Back at 10:00 UTC"
    expect(page.get_by_text("Maintenance: on — Back at 10:00 UTC")).to_be_visible(timeout=30_000)

    page.get_by_label("Reason").fill("upgrade done")
    page.get_by_role("button", name="Turn maintenance off").click()
    expect(page.get_by_text("Maintenance is off.")).to_be_visible(timeout=30_000)
    assert every_worker_answers(admin_server, 401, within=5.0) < 5.0

    page.get_by_label("Filter by event").fill("ops.routing")
    page.get_by_role("button", name="Apply filter").click()
    table = page.get_by_role("table", name="Audit events")
    expect(table.get_by_text("ops.routing.maintenance_off")).to_be_visible(timeout=30_000)
    expect(table.get_by_text("ops.routing.maintenance_on")).to_be_visible()
    expect(table.get_by_text("database upgrade")).to_be_visible()


def test_the_console_refuses_someone_who_is_not_an_administrator(
        page: Page, admin_server: LiveServer, guard: Guard) -> None:
    guard.allow(r"status of 403")  # the page's status request is refused: that is the point
    sign_in_as(page, admin_server, "someone@example.com", "/admin")
    expect(page.get_by_text("Administrators only")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("platform administrator"))).to_be_visible()
    expect(page.get_by_role("button", name="Turn maintenance on")).to_have_count(0)
