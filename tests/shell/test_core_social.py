"""The feed, whispers and integrations pages through the pure reducer (answers as the API client
gives them), and their views built under CPython."""

from __future__ import annotations

from types import SimpleNamespace as NS

from openagents_shell.api.client import FieldErrors, Ok, RateLimited, SignInNeeded
from openagents_shell.app import FullLoad, Navigate, PushState, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.chat import Later
from openagents_shell.core.integrations import (
    AskDisconnect,
    ConfirmDisconnect,
    ConnectGoogle,
    ConnectResend,
    IntegrationUpdate,
    ResendKey,
)
from openagents_shell.core.social import (
    AskBlock,
    AskReport,
    CancelAction,
    CatchUp,
    ConfirmAction,
    FeedMore,
    FeedZone,
    PostShout,
    RetryTick,
    SendWhisper,
    ShoutArrived,
    ShoutDraft,
    Tick,
    Unblock,
    UndoBlock,
    WhisperChanged,
    WhisperDraft,
    relative,
    text_parts,
)
from openagents_shell.pages import shell
from openagents_shell.ui.element import Element


def shout(seq: int, zone: str = "general", text: str = "hi", created_at: str = "2026-12-06T04:00:00+00:00") -> NS:
    return NS(id=f"sht_{seq}", seq=seq, zone=zone, text=text, author=NS(id="usr_a", display_name="Ada"),
              created_at=created_at)


def page(seqs: list[int], next_before: int | None = None, has_newer: bool = False) -> NS:
    return NS(shouts=[shout(s) for s in seqs], next_before=next_before, next_after=seqs[0] if seqs else None,
              has_newer=has_newer)


def calls(effects: list[object]) -> list[tuple[str, str, str]]:
    """This page's requests. The app-wide ``/api/me`` a signed-in app sends on its first page (issue 19:
    it names the person's notifications topic) is tested in test_app_live.py, not here."""
    return [(e.tag, e.method, e.path) for e in effects if isinstance(e, Call) and e.tag != "me"]


def texts(element: Element) -> list[str]:
    out = [element.text] if element.text else []
    for child in element.children:
        out += texts(child)
    return out


def feed_state(signed_in: bool = True, zone: str | None = None):
    href = "/feed" + (f"?zone={zone}" if zone else "")
    state, effects = boot(initial_state("b1", href, signed_in=signed_in), href)
    return state, effects


def test_an_anonymous_visitor_loads_the_feed_and_pages_down_with_the_keyset_cursor() -> None:
    state, effects = feed_state(signed_in=False)
    assert ("feed_page", "GET", "/api/shouts?limit=30") in calls(effects)
    state, _ = reduce(state, Answered("feed_page", Ok(page(list(range(40, 10, -1)), next_before=11))))
    state, effects = reduce(state, FeedMore())
    assert calls(effects) == [("feed_more", "GET", "/api/shouts?limit=30&before=11")]
    assert ("me", "GET", "/api/me") not in calls(feed_state(signed_in=False)[1])
    state, again = reduce(state, FeedMore())
    assert calls(again) == []  # one request at a time
    state, _ = reduce(state, Answered("feed_more", Ok(page([10, 9, 8], next_before=None))))
    assert [s.seq for s in state.feed.shouts] == list(range(40, 7, -1)) and state.feed.next_before is None
    assert "That's everything." in texts(shell.view(state))
    assert "Sign in" in texts(shell.view(state))  # no composer when signed out


def test_a_zone_tab_navigates_to_the_zone_and_asks_for_its_shouts() -> None:
    state, _ = feed_state()
    state, effects = reduce(state, FeedZone("agents"))
    assert PushState("/feed?zone=agents") in effects
    assert ("feed_page", "GET", "/api/shouts?limit=30&zone=agents") in calls(effects)
    assert state.feed.zone == "agents"


def test_the_composer_counts_characters_and_shows_errors_at_the_field() -> None:
    state, _ = feed_state()
    state, _ = reduce(state, Answered("feed_page", Ok(page([2, 1]))))
    state, _ = reduce(state, ShoutDraft("x" * 501))
    assert "1 characters too many" in texts(shell.view(state))
    state, effects = reduce(state, PostShout())
    assert calls(effects) == [] and "At most 500" in state.feed.draft_error
    state, _ = reduce(state, ShoutDraft("   "))
    state, effects = reduce(state, PostShout())
    assert calls(effects) == [] and state.feed.draft_error == "Write something first."
    state, _ = reduce(state, ShoutDraft("hello https://example.com/x"))
    assert "473 characters left" in texts(shell.view(state))
    state, effects = reduce(state, PostShout())
    assert calls(effects) == [("feed_post", "POST", "/api/shouts")]
    state, _ = reduce(state, Answered("feed_post", FieldErrors("Invalid", {"text": ("Control characters …",)})))
    assert state.feed.draft_error == "Control characters …" and not state.feed.posting
    state, _ = reduce(state, PostShout())
    state, effects = reduce(state, Answered("feed_post", RateLimited(2.2, "Too many requests.")))
    # 429: a countdown from Retry-After (rounded up), the text kept, then the same post again by itself
    assert state.feed.retry_in == 3 and state.feed.draft == "hello https://example.com/x"
    assert Later(1.0, RetryTick(), "/feed") in effects
    assert "Too many posts for now. Sending again in 3 s." in texts(shell.view(state))
    state, effects = reduce(state, PostShout())
    assert calls(effects) == []  # no second post while the countdown runs
    state, effects = reduce(state, RetryTick())
    assert state.feed.retry_in == 2 and Later(1.0, RetryTick(), "/feed") in effects and calls(effects) == []
    state, _ = reduce(state, RetryTick())
    state, effects = reduce(state, RetryTick())
    assert state.feed.retry_in == 0 and calls(effects) == [("feed_post", "POST", "/api/shouts")]
    state, _ = reduce(state, Answered("feed_post", Ok(shout(3, text="hello https://example.com/x"))))
    assert state.feed.draft == "" and [s.seq for s in state.feed.shouts] == [3, 2, 1]


def test_posting_signed_out_goes_to_sign_in_and_back() -> None:
    state, _ = feed_state(signed_in=False)
    state, effects = reduce(state, PostShout())
    assert PushState("/login?next=/feed") in effects


def test_live_shouts_are_added_once_in_order_and_filtered_by_zone() -> None:
    state, _ = feed_state(zone="agents")
    state, _ = reduce(state, Answered("feed_page", Ok(NS(shouts=[shout(5, "agents")], next_before=None,
                                                         next_after=5, has_newer=False))))
    payload = {"id": "sht_7", "zone": "agents", "text": "live", "author": {"id": "u", "display_name": "Bo"},
               "created_at": "2026-12-06T04:00:00+00:00"}
    state, _ = reduce(state, ShoutArrived(7, payload))
    state, _ = reduce(state, ShoutArrived(7, payload))  # at-least-once delivery
    state, _ = reduce(state, ShoutArrived(8, {**payload, "id": "sht_8", "zone": "help"}))
    assert [s.seq for s in state.feed.shouts] == [7, 5] and state.feed.newest == 7


def test_after_a_reconnect_the_feed_asks_for_what_it_missed_after_its_newest_shout() -> None:
    state, _ = feed_state()
    state, _ = reduce(state, Answered("feed_page", Ok(page([9, 8]))))
    state, effects = reduce(state, CatchUp())
    assert calls(effects) == [("feed_catch_up", "GET", "/api/shouts?limit=30&after=9")]
    state, effects = reduce(state, Answered("feed_catch_up", Ok(page([11, 10], has_newer=False))))
    assert [s.seq for s in state.feed.shouts] == [11, 10, 9, 8] and calls(effects) == []
    state, effects = reduce(state, CatchUp())
    state, effects = reduce(state, Answered("feed_catch_up", Ok(page([41, 12], has_newer=True))))
    assert calls(effects) == [("feed_page", "GET", "/api/shouts?limit=30")]  # too much missed: start over


def test_urls_become_links_and_html_stays_text() -> None:
    assert text_parts('<b>x</b> see https://example.com/a?b=1, and "javascript:alert(1)"') == [
        ("<b>x</b> see ", False), ("https://example.com/a?b=1", True), (', and "javascript:alert(1)"', False)]
    state, _ = feed_state()
    state, _ = reduce(state, Answered("feed_page", Ok(NS(shouts=[shout(1, text="<script>x</script> https://a.example/")],
                                                         next_before=None, next_after=1, has_newer=False))))
    view = shell.view(state)

    def hrefs(e: Element) -> list[str]:
        return ([e.href] if e.href else []) + [h for c in e.children for h in hrefs(c)]

    assert "https://a.example/" in hrefs(view) and "<script>x</script> " in texts(view)


def test_relative_times() -> None:
    assert relative(1000, 1010) == "just now"
    assert relative(1000, 1000 + 5 * 60) == "5 min ago"
    assert relative(1000, 1000 + 3 * 3600) == "3 h ago"
    assert relative(1000, 1000 + 2 * 86400) == "2 d ago"
    state, _ = feed_state()
    state, _ = reduce(state, Answered("feed_page", Ok(page([1]))))
    state, _ = reduce(state, Tick(1_796_529_600.0 + 120))  # 2026-12-06T04:02:00Z
    assert "2 min ago" in texts(shell.view(state))


def whisper(n: int, sender: str, recipient: str, read: bool = False, text: str = "psst") -> NS:
    names = {"usr_a": "Ada", "usr_b": "Bo"}
    return NS(id=f"wsp_{n}", n=n, sender=NS(id=sender, display_name=names[sender]),
              recipient=NS(id=recipient, display_name=names[recipient]), text=text,
              created_at="2026-12-06T04:00:00+00:00", read_at="2026-12-06T04:01:00+00:00" if read else None)


def test_opening_a_thread_marks_the_whispers_to_me_read_and_sends() -> None:
    # Bo (usr_b) opens his thread with Ada
    state, effects = boot(initial_state("b1", "/account/whispers/usr_a", signed_in=True), "/account/whispers/usr_a")
    assert ("whispers_thread", "GET", "/api/whispers?with=usr_a&limit=30") in calls(effects)
    state, effects = reduce(state, Answered("whispers_thread", Ok(NS(
        whispers=[whisper(2, "usr_a", "usr_b"), whisper(1, "usr_b", "usr_a", read=True)], next_before=None,
        unread_count=1))))
    assert calls(effects) == [("whispers_read:wsp_2", "PATCH", "/api/whispers/wsp_2/read")]
    state, _ = reduce(state, Answered("whispers_read:wsp_2", Ok(whisper(2, "usr_a", "usr_b", read=True))))
    assert all(x.read for x in state.whispers.thread)
    state, _ = reduce(state, WhisperDraft("hello back"))
    state, effects = reduce(state, SendWhisper())
    assert calls(effects) == [("whispers_send", "POST", "/api/whispers")]
    assert effects[0].payload == {"recipient_id": "usr_a", "text": "hello back"}
    state, _ = reduce(state, Answered("whispers_send", Ok(whisper(3, "usr_b", "usr_a", text="hello back"))))
    assert [x.n for x in state.whispers.thread] == [3, 2, 1] and state.whispers.draft == ""


def test_a_live_whisper_updates_the_thread_and_reloads_the_unread_counts() -> None:
    state, _ = boot(initial_state("b1", "/account/whispers/usr_a", signed_in=True), "/account/whispers/usr_a")
    state, _ = reduce(state, Answered("whispers_thread", Ok(NS(whispers=[], next_before=None, unread_count=0))))
    payload = {"id": "wsp_9", "n": 9, "sender": {"id": "usr_a", "display_name": "Ada"},
               "recipient": {"id": "usr_b", "display_name": "Bo"}, "text": "live", "created_at": "", "read_at": None}
    state, effects = reduce(state, WhisperChanged("whisper.created", payload))
    assert [x.id for x in state.whispers.thread] == ["wsp_9"]
    assert ("whispers_read:wsp_9", "PATCH", "/api/whispers/wsp_9/read") in calls(effects)
    assert ("whispers_conversations", "GET", "/api/whispers/conversations") in calls(effects)
    state, _ = reduce(state, Answered("whispers_conversations", Ok(NS(conversations=[], unread_count=3))))
    assert "Whispers (3 unread)" in texts(shell.view(state))


def test_whispers_signed_out_go_to_sign_in() -> None:
    state, _ = boot(initial_state("b1", "/account/whispers"), "/account/whispers")
    assert state.route.name == "login" and state.login.next == "/account/whispers"


def overview(resend: bool = False, deliveries: list[NS] | None = None) -> NS:
    return NS(integrations=[
        NS(provider="resend", connected=resend, account_label="full access" if resend else None,
           secret_hint="re_…abcd" if resend else None, last_used_at=None, last_error=None),
        NS(provider="google", connected=False, account_label=None, secret_hint=None, last_used_at=None,
           last_error=None)], deliveries=deliveries or [], topic="user:u:notifications", google_available=True)


def test_integrations_connect_resend_with_errors_at_the_field_then_disconnect_after_confirmation() -> None:
    state, effects = boot(initial_state("b1", "/settings/integrations", signed_in=True), "/settings/integrations")
    assert calls(effects) == [("integrations_load", "GET", "/api/settings/integrations")]
    state, _ = reduce(state, Answered("integrations_load", Ok(overview())))
    state, _ = reduce(state, ResendKey("nope"))
    state, effects = reduce(state, ConnectResend())
    assert calls(effects) == [] and "re_" in state.integrations.key_error
    state, _ = reduce(state, ResendKey("re_123456789abc"))
    state, effects = reduce(state, ConnectResend())
    assert calls(effects) == [("integrations_connect_resend", "POST", "/api/settings/integrations/resend")]
    state, _ = reduce(state, Answered("integrations_connect_resend",
                                      FieldErrors("Invalid", {"api_key": ("Resend refused this key.",)})))
    assert state.integrations.key_error == "Resend refused this key."
    state, _ = reduce(state, ConnectResend())
    connected = overview(resend=True).integrations[0]
    state, _ = reduce(state, Answered("integrations_connect_resend", Ok(connected)))
    assert "re_…abcd" in " ".join(texts(shell.view(state)))
    state, effects = reduce(state, AskDisconnect("resend"))
    assert calls(effects) == [] and "Disconnect Resend?" in texts(shell.view(state))
    state, effects = reduce(state, ConfirmDisconnect())
    assert calls(effects) == [("integrations_disconnect_resend", "DELETE", "/api/settings/integrations/resend")]
    state, _ = reduce(state, Answered("integrations_disconnect_resend",
                                      Ok(NS(provider="resend", disconnected=True, revoked_at_provider=None))))
    assert not state.integrations.resend.connected


def test_connect_google_is_a_document_navigation_and_the_return_shows_the_notice() -> None:
    state, _ = boot(initial_state("b1", "/settings/integrations", signed_in=True), "/settings/integrations")
    state, _ = reduce(state, Answered("integrations_load", Ok(overview())))
    state, effects = reduce(state, ConnectGoogle())
    assert FullLoad("/settings/integrations/google/redirect") in effects
    back, _ = boot(initial_state("b1", "/settings/integrations?notice=google_connected", signed_in=True),
                   "/settings/integrations?notice=google_connected")
    assert back.integrations.notice == "Google is connected."


def test_delivery_states_move_live_and_never_backwards() -> None:
    state, _ = boot(initial_state("b1", "/settings/integrations", signed_in=True), "/settings/integrations")
    sent = NS(message_id="m1", to="a@x.org", subject="Test", state="sent", last_event_at=None,
              created_at="2026-12-06T04:00:00+00:00", updated_at="")
    state, _ = reduce(state, Answered("integrations_load", Ok(overview(True, [sent]))))
    state, _ = reduce(state, IntegrationUpdate("integrations.delivery", {"message_id": "m1", "state": "delivered"}))
    assert [d.state for d in state.integrations.deliveries] == ["delivered"]
    state, _ = reduce(state, IntegrationUpdate("integrations.delivery", {"message_id": "m1", "state": "sent"}))
    assert [d.state for d in state.integrations.deliveries] == ["delivered"]
    assert "delivered" in texts(shell.view(state))


def test_a_session_that_ended_sends_the_settings_page_to_sign_in() -> None:
    state, _ = boot(initial_state("b1", "/settings/integrations", signed_in=True), "/settings/integrations")
    state, effects = reduce(state, Answered("integrations_load", SignInNeeded("/settings/integrations")))
    assert state.route.name == "login" and PushState("/login?next=/settings/integrations") in effects
    assert isinstance(Navigate("/x"), Navigate)


def live_event(topic: str, doc_key: str, watermark: int, body: dict):
    from openagents_shell.sync import live

    return live.LiveEvent(topic, doc_key, watermark, watermark, body)


def test_the_feed_listens_to_the_public_topic_and_applies_its_events() -> None:
    from openagents_shell.sync import live

    state, effects = feed_state(signed_in=False)
    assert not [e for e in effects if isinstance(e, live.Listen)]  # not before the page says where to resume
    state, effects = reduce(state, Answered("feed_page", Ok(NS(**vars(page([5, 4], next_before=4)), watermark=6))))
    assert live.Listen("feed:public", scope="/feed", after=6, exact=True) in effects
    body = {"id": "sht_9", "zone": "general", "text": "live!", "author": {"id": "u", "display_name": "Bo"},
            "created_at": "2026-12-06T04:00:00+00:00"}
    state, effects = reduce(state, live_event("feed:public", "sht_9", 9, body))
    assert [s.seq for s in state.feed.shouts] == [9, 5, 4]
    state, _ = reduce(state, live_event("feed:public", "sht_2", 2, {**body, "id": "sht_2"}))  # a replay below the page
    assert [s.seq for s in state.feed.shouts] == [9, 5, 4]


def test_signed_in_the_notifications_topic_is_live_app_wide_and_moves_the_unread_badge() -> None:
    from openagents_shell.sync import live

    state, effects = boot(initial_state("b1", "/account/whispers", signed_in=True), "/account/whispers")
    assert [e.tag for e in effects if isinstance(e, Call) and e.path == "/api/me"] == ["me"]  # one, not two
    state, effects = reduce(state, Answered("me", Ok(NS(user=NS(id="usr_b", email="b@x.org", name="Bo"),
                                                       is_admin=False))))
    assert live.Listen("user:usr_b:notifications", scope=None) in effects
    state, _ = reduce(state, Navigate("/feed"))
    payload = {"id": "wsp_9", "n": 9, "sender": {"id": "usr_a", "display_name": "Ada"},
               "recipient": {"id": "usr_b", "display_name": "Bo"}, "text": "live", "created_at": "", "read_at": None}
    state, effects = reduce(state, live_event("user:usr_b:notifications", "whisper:wsp_9", 3, payload))
    assert calls(effects) == [("nav_unread", "GET", "/api/whispers/conversations?limit=1")]
    state, _ = reduce(state, Answered("nav_unread", Ok(NS(conversations=[], unread_count=1))))
    assert "Whispers (1 unread)" in texts(shell.view(state))


def test_the_integrations_page_applies_delivery_events_from_the_notifications_topic() -> None:
    state, _ = boot(initial_state("b1", "/settings/integrations", signed_in=True), "/settings/integrations")
    sent = NS(message_id="m1", to="a@x.org", subject="Test", state="sent", last_event_at=None,
              created_at="2026-12-06T04:00:00+00:00", updated_at="")
    state, _ = reduce(state, Answered("integrations_load", Ok(overview(True, [sent]))))
    state, _ = reduce(state, live_event("user:u:notifications", "email:m1", 4, {
        "type": "integrations.delivery", "message_id": "m1", "to": "a@x.org", "subject": "Test", "state": "delivered"}))
    assert [d.state for d in state.integrations.deliveries] == ["delivered"]


def _signed_in_feed_as(user_id: str, blocks: list[str]):
    state, effects = feed_state()
    assert ("feed_blocks", "GET", "/api/social/blocks") in calls(effects)
    state, _ = reduce(state, Answered("me", Ok(NS(user=NS(id=user_id, email="b@x.org", name="Bo"), is_admin=False))))
    state, _ = reduce(state, Answered("feed_blocks", Ok(NS(blocks=[NS(person=NS(id=b, display_name=b), created_at="")
                                                                   for b in blocks]))))
    return state


def mixed_page() -> NS:
    """Shouts by Ada (usr_a), Cy (usr_c) and the reader (usr_b)."""
    def by(seq: int, uid: str, name: str) -> NS:
        return NS(**{**vars(shout(seq)), "author": NS(id=uid, display_name=name)})
    return NS(shouts=[by(6, "usr_a", "Ada"), by(5, "usr_c", "Cy"), by(4, "usr_b", "Bo")], next_before=None,
              next_after=6, has_newer=False, watermark=6)


def test_the_people_a_reader_blocked_are_never_shown_not_even_live_and_anonymous_readers_ask_nothing() -> None:
    assert ("feed_blocks", "GET", "/api/social/blocks") not in calls(feed_state(signed_in=False)[1])
    state = _signed_in_feed_as("usr_b", blocks=["usr_c"])
    state, _ = reduce(state, Answered("feed_page", Ok(mixed_page())))
    assert [s.author_id for s in state.feed.shouts] == ["usr_a", "usr_b"]
    live_by_cy = {"id": "sht_9", "zone": "general", "text": "again", "author": {"id": "usr_c", "display_name": "Cy"},
                  "created_at": "2026-12-06T04:00:00+00:00"}
    state, _ = reduce(state, ShoutArrived(9, live_by_cy))
    assert [s.seq for s in state.feed.shouts] == [6, 4]
    # The block list answers after the page: what the page showed of them goes.
    state, _ = feed_state()
    state, _ = reduce(state, Answered("feed_page", Ok(mixed_page())))
    state, _ = reduce(state, Answered("feed_blocks", Ok(NS(blocks=[NS(person=NS(id="usr_a", display_name="Ada"),
                                                                        created_at="")]))))
    assert [s.author_id for s in state.feed.shouts] == ["usr_c", "usr_b"]


def test_report_and_block_ask_first_then_send_and_the_blocked_persons_shouts_go_with_undo() -> None:
    state = _signed_in_feed_as("usr_b", blocks=[])
    state, _ = reduce(state, Answered("feed_page", Ok(mixed_page())))
    shown = texts(shell.view(state))
    assert shown.count("Report") == 2 and shown.count("Block") == 2  # not on one's own shout
    state, effects = reduce(state, AskReport("sht_6"))
    assert calls(effects) == [] and "Report this shout?" in texts(shell.view(state))  # the dialog asks first
    state, effects = reduce(state, CancelAction())  # Cancel, or Escape (the dialog's on_dismiss)
    assert calls(effects) == [] and "Report this shout?" not in texts(shell.view(state))
    state, _ = reduce(state, AskReport("sht_6"))
    state, effects = reduce(state, ConfirmAction())
    assert calls(effects) == [("feed_report", "POST", "/api/shouts/sht_6/report")]
    state, _ = reduce(state, Answered("feed_report", Ok(NS(id="rpt_1", shout_id="sht_6"))))
    assert "Reported" in texts(shell.view(state)) and state.feed.notice == "Reported. A moderator will look at it."

    state, _ = reduce(state, AskBlock("usr_c", "sht_5"))
    assert "Block Cy?" in texts(shell.view(state))
    state, effects = reduce(state, ConfirmAction())
    assert calls(effects) == [("feed_block", "POST", "/api/social/blocks/usr_c")]
    state, _ = reduce(state, Answered("feed_block", Ok(NS(person=NS(id="usr_c", display_name="Cy"), created_at=""))))
    assert [s.author_id for s in state.feed.shouts] == ["usr_a", "usr_b"]
    assert state.feed.notice.startswith("Blocked Cy") and "Undo" in texts(shell.view(state))
    state, effects = reduce(state, UndoBlock())
    assert calls(effects) == [("feed_unblock", "DELETE", "/api/social/blocks/usr_c")]
    state, effects = reduce(state, Answered("feed_unblock", Ok(NS(user_id="usr_c", was_blocked=True))))
    assert "usr_c" not in state.feed.blocked and state.feed.notice == "Unblocked Cy."
    assert calls(effects) == [("feed_page", "GET", "/api/shouts?limit=30")]  # their shouts come back


def _blocked_page(rows: list[tuple[str, str]]):
    state, effects = boot(initial_state("b1", "/account/blocked", signed_in=True), "/account/blocked")
    assert ("blocked_load", "GET", "/api/social/blocks") in calls(effects)
    assert "Loading…" in texts(shell.view(state))
    blocks = [NS(person=NS(id=uid, display_name=name), created_at="2026-12-01T10:00:00+00:00") for uid, name in rows]
    state, _ = reduce(state, Answered("blocked_load", Ok(NS(blocks=blocks))))
    return state


def test_the_blocked_people_page_lists_them_and_unblocks_one_once_the_api_agrees() -> None:
    state = _blocked_page([("usr_c", "Cy"), ("usr_d", "Di")])
    shown = texts(shell.view(state))
    assert "Cy" in shown and "Di" in shown and "Blocked since 2026-12-01" in shown and shown.count("Unblock") == 2
    state, effects = reduce(state, Unblock("usr_c"))
    assert calls(effects) == [("blocked_unblock", "DELETE", "/api/social/blocks/usr_c")]
    assert "Unblocking…" in texts(shell.view(state))
    _, again = reduce(state, Unblock("usr_c"))
    assert calls(again) == []  # a second press while it is on its way sends nothing
    assert [r.user_id for r in state.blocked.rows] == ["usr_c", "usr_d"]  # still listed until the API answers
    state, _ = reduce(state, Answered("blocked_unblock", Ok(NS(user_id="usr_c", was_blocked=True))))
    assert [r.user_id for r in state.blocked.rows] == ["usr_d"]
    assert state.blocked.notice.startswith("Unblocked Cy")
    state, _ = reduce(state, Unblock("usr_d"))
    state, _ = reduce(state, Answered("blocked_unblock", Ok(NS(user_id="usr_d", was_blocked=True))))
    assert "You have not blocked anyone" in texts(shell.view(state))


def test_the_blocked_people_page_keeps_the_row_when_unblocking_fails_and_says_why() -> None:
    state = _blocked_page([("usr_c", "Cy")])
    state, _ = reduce(state, Unblock("usr_c"))
    state, _ = reduce(state, Answered("blocked_unblock", FieldErrors("Something is off.", {})))
    assert [r.user_id for r in state.blocked.rows] == ["usr_c"] and not state.blocked.pending
    assert "Something is off." in texts(shell.view(state)) and "Unblock" in texts(shell.view(state))
    _, effects = reduce(state, Answered("blocked_load", SignInNeeded("/account/blocked")))
    assert PushState("/login?next=/account/blocked") in effects
    _, effects = boot(initial_state("b1", "/account/blocked", signed_in=False), "/account/blocked")
    assert calls(effects) == [] and PushState("/login?next=/account/blocked") in effects


def test_someone_unblocked_since_the_last_visit_comes_back_even_when_the_page_answers_before_the_blocks() -> None:
    state = _signed_in_feed_as("usr_b", blocks=["usr_c"])
    state, _ = reduce(state, Answered("feed_page", Ok(mixed_page())))
    state, _ = reduce(state, Navigate("/account/blocked"))  # unblocked there…
    state, effects = reduce(state, Navigate("/feed"))  # …and back: the kept list still names Cy
    assert ("feed_blocks", "GET", "/api/social/blocks") in calls(effects)
    state, _ = reduce(state, Answered("feed_page", Ok(mixed_page())))  # the page answers first
    assert "usr_c" not in [s.author_id for s in state.feed.shouts]
    state, effects = reduce(state, Answered("feed_blocks", Ok(NS(blocks=[]))))
    assert calls(effects) == [("feed_page", "GET", "/api/shouts?limit=30")]  # read again, as Undo does
    state, _ = reduce(state, Answered("feed_page", Ok(mixed_page())))
    assert [s.author_id for s in state.feed.shouts] == ["usr_a", "usr_c", "usr_b"]
    _, effects = reduce(state, Answered("feed_blocks", Ok(NS(blocks=[]))))
    assert calls(effects) == []  # nobody newly unblocked: nothing more


def test_report_and_block_signed_out_go_to_sign_in_and_a_refusal_is_shown() -> None:
    state, _ = feed_state(signed_in=False)
    state, effects = reduce(state, AskReport("sht_1"))
    assert PushState("/login?next=/feed") in effects
    state = _signed_in_feed_as("usr_b", blocks=[])
    state, _ = reduce(state, AskReport("sht_6"))
    state, _ = reduce(state, ConfirmAction())
    state, _ = reduce(state, Answered("feed_report", FieldErrors("You cannot report your own shout.", {})))
    assert state.feed.notice == "You cannot report your own shout."
