"""The admins' review queue of shout reports, and PAT abilities on the social writes."""

from __future__ import annotations

import pytest

from tests.support.servers import LiveServer

ADMIN = "root@example.com"


@pytest.fixture
def server(live_server) -> LiveServer:
    return live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN})


async def _reported(http, person) -> tuple[object, object, object, str]:
    ada, bob, root = await person("ada"), await person("bob"), await person("root")
    shout = (await http.post("/api/shouts", json={"text": "buy cheap sats"}, headers=ada.headers)).json()["data"]
    report = await http.post(f"/api/shouts/{shout['id']}/report", json={"reason": "spam"}, headers=bob.headers)
    assert report.status_code == 201, report.text
    return ada, bob, root, report.json()["data"]["id"]


async def test_an_admin_reads_open_reports_with_the_shout_and_the_reporter(http, person) -> None:
    ada, bob, root, report_id = await _reported(http, person)
    queue = await http.get("/api/admin/social/reports", headers=root.headers)
    assert queue.status_code == 200, queue.text
    body = queue.json()["data"]
    assert body["open_count"] == 1 and body["next_before"] is None
    [item] = body["reports"]
    assert item["id"] == report_id and item["reason"] == "spam" and item["resolution"] is None
    assert item["shout"]["text"] == "buy cheap sats" and item["shout"]["author"]["id"] == ada.user_id
    assert item["reporter"]["id"] == bob.user_id and item["reports_on_shout"] == 1


async def test_only_an_admin_session_reads_or_resolves_reports(http, person) -> None:
    ada, bob, root, report_id = await _reported(http, person)
    anonymous = await http.get("/api/admin/social/reports")
    assert anonymous.status_code == 401
    for who in (ada, bob):
        listed = await http.get("/api/admin/social/reports", headers=who.headers)
        assert listed.status_code == 403 and listed.json()["error"]["code"] == "admin_required"
        resolved = await http.post(f"/api/admin/social/reports/{report_id}/resolve", json={"resolution": "dismissed"},
                                   headers=who.headers)
        assert resolved.status_code == 403
    token = (await http.post("/api/tokens", json={"name": "ops"}, headers=root.headers)).json()["data"]["token"]
    # the admin's own personal access token with every ability is not an administrator
    pat = await http.get("/api/admin/social/reports", headers={"authorization": f"Bearer {token}"})
    assert pat.status_code == 403
    still_open = (await http.get("/api/admin/social/reports", headers=root.headers)).json()["data"]
    assert still_open["open_count"] == 1


async def test_a_resolved_report_leaves_the_open_queue_once_and_keeps_its_resolution(http, person) -> None:
    _, _, root, report_id = await _reported(http, person)
    resolved = await http.post(f"/api/admin/social/reports/{report_id}/resolve",
                               json={"resolution": "actioned", "note": "  warned the author "}, headers=root.headers)
    assert resolved.status_code == 200, resolved.text
    item = resolved.json()["data"]
    assert item["resolution"] == "actioned" and item["resolution_note"] == "warned the author"
    assert item["resolved_by"] == root.user_id and item["resolved_at"]
    again = await http.post(f"/api/admin/social/reports/{report_id}/resolve", json={"resolution": "dismissed"},
                            headers=root.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "report_already_resolved"
    open_queue = (await http.get("/api/admin/social/reports", headers=root.headers)).json()["data"]
    assert open_queue["reports"] == [] and open_queue["open_count"] == 0
    done = (await http.get("/api/admin/social/reports", params={"status": "resolved"}, headers=root.headers)).json()
    assert [r["resolution"] for r in done["data"]["reports"]] == ["actioned"]


async def test_bad_resolutions_and_unknown_reports_are_refused(http, person) -> None:
    _, _, root, report_id = await _reported(http, person)
    for body in ({"resolution": "deleted"}, {}, {"resolution": "dismissed", "note": "x" * 501},
                 {"resolution": "dismissed", "extra": 1}):
        bad = await http.post(f"/api/admin/social/reports/{report_id}/resolve", json=body, headers=root.headers)
        assert bad.status_code == 422, (body, bad.text)
    missing = await http.post("/api/admin/social/reports/rpt_nope/resolve", json={"resolution": "dismissed"},
                              headers=root.headers)
    assert missing.status_code == 404
    bad_state = await http.get("/api/admin/social/reports", params={"status": "closed"}, headers=root.headers)
    assert bad_state.status_code in (400, 422)


async def test_the_queue_pages_newest_first_with_a_keyset_cursor(http, person) -> None:
    ada, root = await person("ada"), await person("root")
    reporters = [await person(f"r{i}") for i in range(3)]
    ids = []
    for i, reporter in enumerate(reporters):
        shout = (await http.post("/api/shouts", json={"text": f"shout {i}"}, headers=ada.headers)).json()["data"]
        ids.append((await http.post(f"/api/shouts/{shout['id']}/report", headers=reporter.headers)).json()["data"]["id"])
    first = (await http.get("/api/admin/social/reports", params={"limit": 2}, headers=root.headers)).json()["data"]
    assert [r["id"] for r in first["reports"]] == [ids[2], ids[1]]
    rest = (await http.get("/api/admin/social/reports", params={"limit": 2, "before": first["next_before"]},
                           headers=root.headers)).json()["data"]
    assert [r["id"] for r in rest["reports"]] == [ids[0]] and rest["next_before"] is None


async def test_a_personal_access_token_posts_only_with_the_social_write_ability(http, person) -> None:
    ada = await person("ada")
    read_only = await http.post("/api/tokens", json={"name": "reader", "abilities": ["profile:read"]},
                                headers=ada.headers)
    writer = await http.post("/api/tokens", json={"name": "poster", "abilities": ["social:write"]},
                             headers=ada.headers)
    assert read_only.status_code == 201 and writer.status_code == 201, writer.text
    reader_headers = {"authorization": f"Bearer {read_only.json()['data']['token']}"}
    writer_headers = {"authorization": f"Bearer {writer.json()['data']['token']}"}
    refused = await http.post("/api/shouts", json={"text": "from a script"}, headers=reader_headers)
    assert refused.status_code == 403
    posted = await http.post("/api/shouts", json={"text": "from a script"}, headers=writer_headers)
    assert posted.status_code == 201, posted.text
    bob = await person("bob")
    assert (await http.post("/api/whispers", json={"recipient_id": bob.user_id, "text": "hi"},
                            headers=reader_headers)).status_code == 403
    assert (await http.post("/api/whispers", json={"recipient_id": bob.user_id, "text": "hi"},
                            headers=writer_headers)).status_code == 201
