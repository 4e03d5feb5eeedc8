"""A page says which ``feed:public`` seq it reflects (the live resume point), and an ``actioned``
report hides its shout: gone from everyone's lists but its author's (marked hidden), with a live
``shout.hidden`` event (ADR 0702)."""

from __future__ import annotations

import json

import pytest

from tests.khala.support import KhalaClient
from tests.social.conftest import shout_ids
from tests.social.test_live import _next_update, _public_token
from tests.support.servers import LiveServer

ADMIN = "root@example.com"


@pytest.fixture
def server(live_server) -> LiveServer:
    return live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN})


async def _post(http, who, text: str, zone: str | None = None) -> dict:
    body = {"text": text} | ({"zone": zone} if zone else {})
    posted = await http.post("/api/shouts", json=body, headers=who.headers)
    assert posted.status_code == 201, posted.text
    return posted.json()["data"]


async def test_a_first_page_names_the_feed_seq_it_reflects_and_resuming_after_it_replays_only_newer(
        http, person, server) -> None:
    ada = await person("ada")
    old = [await _post(http, ada, f"old {i}") for i in range(3)]
    page = (await http.get("/api/shouts", params={"limit": 2}, headers=ada.headers)).json()["data"]
    assert page["watermark"] == old[-1]["seq"]  # the feed's head when read, not just the page's newest
    assert shout_ids({"data": page}) == [old[2]["id"], old[1]["id"]]
    zoned = (await http.get("/api/shouts", params={"zone": "agents"}, headers=ada.headers)).json()["data"]
    assert zoned["shouts"] == [] and zoned["watermark"] == old[-1]["seq"]  # an empty zone still names it
    older = (await http.get("/api/shouts", params={"before": old[1]["seq"]}, headers=ada.headers)).json()["data"]
    assert older["watermark"] is None  # an older page is not a resume point
    new = [await _post(http, ada, f"new {i}") for i in range(2)]
    reader = await KhalaClient.connect(server.ws_url)
    try:
        await reader.hello(await _public_token(http))
        await reader.subscribe(["feed:public"], resume_after={"feed:public": page["watermark"]})
        reader.applied["feed:public"] = page["watermark"]
        batches = await reader.batches({"feed:public": new[-1]["seq"]})
    finally:
        await reader.close()
    replayed = [json.loads(u.payload)["id"] for b in batches for u in b.updates]
    assert replayed == [s["id"] for s in new]  # nothing the page held, nothing missed


async def test_an_actioned_report_hides_the_shout_from_everyone_but_its_author_live(http, person, server) -> None:
    ada, bob, cy, root = await person("ada"), await person("bob"), await person("cy"), await person("root")
    keep = await _post(http, ada, "a fine shout", "agents")
    spam = await _post(http, ada, "buy cheap sats", "agents")
    reports = []
    for who in (bob, cy):
        made = await http.post(f"/api/shouts/{spam['id']}/report", json={"reason": "spam"}, headers=who.headers)
        assert made.status_code == 201, made.text
        reports.append(made.json()["data"]["id"])
    zones_before = {z["zone"]: z["shout_count"] for z in (await http.get("/api/shouts/zones")).json()["data"]["zones"]}

    reader = await KhalaClient.connect(server.ws_url)
    try:
        await reader.hello(await _public_token(http))
        await reader.subscribe(["feed:public"], resume_after={"feed:public": spam["seq"]})
        resolved = await http.post(f"/api/admin/social/reports/{reports[0]}/resolve",
                                   json={"resolution": "actioned", "note": "spam"}, headers=root.headers)
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["data"]["shout"]["hidden"] is True
        update = await _next_update(reader, "feed:public")
    finally:
        await reader.close()
    assert update.doc_key == spam["id"] and update.watermark > spam["seq"]
    payload = json.loads(update.payload)
    assert payload["id"] == spam["id"] and payload["hidden"] is True and payload["seq"] == spam["seq"]

    # Anonymous (a page key not read before: the anonymous first page may be cached for 1 s, and the
    # live event above, newer than that page's watermark, removes it from such a reader's feed).
    anonymous = (await http.get("/api/shouts", params={"limit": 7})).json()
    assert shout_ids(anonymous) == [keep["id"]]
    for who in (bob, root):
        seen = (await http.get("/api/shouts", headers=who.headers)).json()
        assert shout_ids(seen) == [keep["id"]], who
    by_author = (await http.get("/api/shouts", params={"author": ada.user_id, "limit": 9})).json()
    assert shout_ids(by_author) == [keep["id"]]
    own = (await http.get("/api/shouts", headers=ada.headers)).json()["data"]["shouts"]
    assert [(s["id"], s["hidden"]) for s in own] == [(spam["id"], True), (keep["id"], False)]

    zones_after = {z["zone"]: z["shout_count"] for z in (await http.get("/api/shouts/zones")).json()["data"]["zones"]}
    assert zones_after["agents"] == zones_before["agents"] - 1
    # The other report of the same shout was resolved with it; reporting it again finds nothing.
    queue = (await http.get("/api/admin/social/reports", params={"status": "all"}, headers=root.headers)).json()
    assert queue["data"]["open_count"] == 0
    assert {r["id"]: r["resolution"] for r in queue["data"]["reports"]} == {reports[0]: "actioned",
                                                                          reports[1]: "actioned"}
    again = await http.post(f"/api/shouts/{spam['id']}/report", json={"reason": "x"}, headers=root.headers)
    assert again.status_code == 404


async def test_a_dismissed_report_hides_nothing_and_sends_no_event(http, person, server) -> None:
    ada, bob, root = await person("ada"), await person("bob"), await person("root")
    shout = await _post(http, ada, "an odd opinion")
    report = (await http.post(f"/api/shouts/{shout['id']}/report", json={}, headers=bob.headers)).json()["data"]
    head = (await http.get("/api/shouts", headers=bob.headers)).json()["data"]["watermark"]
    dismissed = await http.post(f"/api/admin/social/reports/{report['id']}/resolve", json={"resolution": "dismissed"},
                                headers=root.headers)
    assert dismissed.status_code == 200 and dismissed.json()["data"]["shout"]["hidden"] is False
    after = (await http.get("/api/shouts", headers=bob.headers)).json()["data"]
    assert shout_ids({"data": after}) == [shout["id"]] and after["watermark"] == head  # nothing appended
