"""The app reducer's live side: listens from pages, events to handlers, the header's state, a session
ended elsewhere, security notifications, the offline banner and the 150 ms spinner rule."""

from __future__ import annotations

from openagents_shell.api.client import Ok, Unavailable
from openagents_shell.api.types import Me, MeUser
from openagents_shell.app import Navigate, PushState, Render, RequestsSlow, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.session import TOAST_S, DismissToast, Later
from openagents_shell.sync import live
from openagents_shell.sync.live import (
    ForgetUser,
    Listen,
    LiveEvent,
    LiveReset,
    SyncPhase,
    Unlisten,
    WatchSync,
)

NOTES = "user:u1:notifications"


def signed_in_home():
    state = initial_state("b1", "/", signed_in=True)
    state, effects = boot(state, "/")
    # The app-wide /api/me first; then Home's own requests (the chat's threads and workers, issue 20).
    assert next(e.tag for e in effects if isinstance(e, Call)) == "me"
    state, effects = reduce(state, Answered("me", Ok(Me(MeUser("u1", "ada@example.com", "Ada")))))
    assert Listen(NOTES, None) in effects  # app-wide: the person's notifications
    return state


def test_the_debug_probe_listens_for_its_page_and_counts_events() -> None:
    state = initial_state("b1", "/")
    state, effects = reduce(state, Navigate("/debug?topic=feed:public"))
    assert Listen("feed:public", "/debug") in effects and WatchSync("/debug") in effects
    state, effects = reduce(state, LiveEvent("feed:public", "s1", 1, 7, {"text": "hi"}))
    assert state.probe.count == 1 and state.probe.watermark == 7 and Render() in effects
    state, _ = reduce(state, LiveEvent("feed:other", "s2", 1, 8, {}))  # not the probe's topic
    assert state.probe.count == 1
    state, _ = reduce(state, LiveReset("feed:public"))
    assert state.probe.resets == 1


def test_a_registered_handler_gets_its_topics_events() -> None:
    seen = []

    @live.on("run:{id}:events")
    def handler(state, event):
        seen.append(event.topic)
        return state, []

    try:
        reduce(initial_state("b1", "/"), LiveEvent("run:r1:events", "e", 1, 1, {}))
        reduce(initial_state("b1", "/"), LiveEvent("run:r1:other", "e", 1, 1, {}))
        assert seen == ["run:r1:events"]
    finally:
        live._HANDLERS[:] = [(r, h) for r, h in live._HANDLERS if h is not handler]


def test_the_header_shows_the_connections_state() -> None:
    state = initial_state("b1", "/")
    assert state.sync_phase == "idle"
    state, _ = reduce(state, SyncPhase("public", "connecting"))
    assert state.sync_phase == "connecting"
    state, _ = reduce(state, SyncPhase("public", "live"))
    state, _ = reduce(state, SyncPhase("user", "reconnecting"))
    assert state.sync_phase == "reconnecting"


def test_a_session_ended_elsewhere_goes_to_sign_in_and_forgets_the_person() -> None:
    state = signed_in_home()
    state, _ = reduce(state, Navigate("/account/sessions"))
    state, effects = reduce(state, SyncPhase("user", "sign_in_needed"))
    assert not state.signed_in and state.me.id == ""
    assert PushState("/login?next=/account/sessions") in effects
    assert Unlisten(NOTES) in effects and ForgetUser("u1") in effects


def test_sign_out_closes_the_live_channel_before_the_server_ends_the_session() -> None:
    """Otherwise the server closing the revoked session's socket makes the channel ask for a new sync
    token and a refresh before the logout's answer arrives: two 401s in the console, two false
    auth-failure reports."""
    from openagents_shell.core.session import SignOut

    state = signed_in_home()
    state, effects = reduce(state, SignOut())
    assert not state.signed_in  # entry.py then tells the sync runtime: the user channel wants no topic
    logout = [e for e in effects if isinstance(e, Call) and e.tag == "logout"]
    assert logout and effects.index(Unlisten(NOTES)) < effects.index(logout[0])
    assert ForgetUser("u1") in effects
    state, effects = reduce(state, Answered("logout", Ok(None)))
    assert PushState("/login") in effects and not state.signed_in


def test_a_new_notification_is_a_toast_and_unread_a_replayed_one_is_neither() -> None:
    state = signed_in_home()
    state, _ = reduce(state, LiveEvent(NOTES, "sec_1", 1, 1, {"kind": "security.sign_in", "title": "New sign-in: Chrome on Linux"}, replay=True))
    assert state.notices.unread == 0 and state.notices.toast == "" and len(state.notices.items) == 1
    state, effects = reduce(state, LiveEvent(NOTES, "sec_2", 1, 2, {"kind": "security.sign_in", "title": "New sign-in: Firefox on Windows"}))
    assert state.notices.unread == 1 and state.notices.toast == "New sign-in: Firefox on Windows"
    assert Later(TOAST_S, DismissToast("New sign-in: Firefox on Windows")) in effects  # it goes by itself
    assert [n.key for n in state.notices.items] == ["sec_2", "sec_1"]
    state, _ = reduce(state, LiveEvent("user:u2:notifications", "x", 1, 3, {"title": "not mine"}))
    assert state.notices.unread == 1
    assert reduce(state, DismissToast("an older one"))[0].notices.toast  # a later toast stays
    assert reduce(state, DismissToast("New sign-in: Firefox on Windows"))[0].notices.toast == ""


def test_no_answer_at_all_shows_the_offline_banner_until_one_comes() -> None:
    state = initial_state("b1", "/settings/profile", signed_in=True)
    state, effects = reduce(state, Answered("profile_load", Unavailable("You are offline.", offline=True)))
    assert state.unreachable and Render() in effects
    state, _ = reduce(state, Answered("me", Ok(Me(MeUser("u1", "a@example.com")))))
    assert not state.unreachable


def test_the_spinner_shows_only_when_the_runtime_says_requests_are_slow() -> None:
    state = initial_state("b1", "/")
    state, effects = reduce(state, RequestsSlow(True))
    assert state.slow and effects == [Render()]
    state, effects = reduce(state, RequestsSlow(True))
    assert effects == []


def test_a_reload_without_the_server_restores_the_person_and_their_notifications() -> None:
    from openagents_shell.core.session import Me as Person
    from openagents_shell.core.session import Notice, Restored

    state = initial_state("b1", "/", signed_in=True)
    items = (Notice("sec_2", "New sign-in: Firefox on Windows", 2),)
    state, effects = reduce(state, Restored(Person("u1", "ada@example.com"), items))
    assert state.me.id == "u1" and state.notices.items == items and state.notices.unread == 0
    assert Listen(NOTES, None) in effects
    again, effects = reduce(state, Restored(Person("u9"), ()))  # /api/me answered first: it wins
    assert again.me.id == "u1" and Listen("user:u9:notifications", None) not in effects
    signed_out = initial_state("b1", "/")
    assert reduce(signed_out, Restored(Person("u1"), items))[0].me.id == ""


def test_a_whisper_or_delivery_on_the_same_topic_is_not_a_security_notice() -> None:
    state = signed_in_home()
    state, effects = reduce(state, LiveEvent(NOTES, "whisper:w1", 1, 3, {"type": "whisper.received", "body": "hi"}))
    assert state.notices.unread == 0 and state.notices.items == ()
    assert not any(type(e).__name__ == "Later" for e in effects)  # no toast (the nav's unread count may reload)


def _me_calls(effects: list[object]) -> list[str]:
    return [e.path for e in effects if isinstance(e, Call) and e.path == "/api/me"]


def test_a_signed_in_boot_asks_api_me_once_whatever_page_it_lands_on_and_navigation_does_not_ask_again() -> None:
    """The header's "me" and the social pages' person id are one request (issue 19's boot)."""
    for href in ("/feed", "/account/whispers", "/settings/integrations", "/", "/settings/profile"):
        state, effects = boot(initial_state("b1", href, signed_in=True), href)
        assert _me_calls(effects) == ["/api/me"], (href, effects)
        state, effects = reduce(state, Navigate("/account/whispers"))  # still on its way: not asked again
        assert _me_calls(effects) == [], href
    me = Me(user=MeUser(id="usr_1", email="a@x.org", name="Ada"), is_admin=False)
    state, effects = reduce(state, Answered("me", Ok(me)))
    assert state.user_id == "usr_1" and state.me.id == "usr_1"
    assert live.Listen("user:usr_1:notifications", scope=None) in effects
    assert [e.tag for e in effects if isinstance(e, Call)] == ["nav_unread"]
    state, effects = reduce(state, Navigate("/feed"))
    assert _me_calls(effects) == []


def test_an_unanswered_me_is_asked_again_by_the_next_page_that_needs_it() -> None:
    state, effects = boot(initial_state("b1", "/feed", signed_in=True), "/feed")
    assert _me_calls(effects) == ["/api/me"]
    state, _ = reduce(state, Answered("me", Unavailable("offline", offline=True)))
    state, effects = reduce(state, Navigate("/account/whispers"))
    assert _me_calls(effects) == ["/api/me"]
    assert _me_calls(boot(initial_state("b1", "/feed", signed_in=False), "/feed")[1]) == []
