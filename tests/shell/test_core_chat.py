"""The chat, workers and admin pages as pure state: replays of recorded sessions through ``reduce``,
live events applied exactly once after a snapshot, and the views drawn through the Surface."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace as NS

from openagents_shell.api.client import Ok, Problem, SignInNeeded
from openagents_shell.app import Navigate, PushState, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.chat import (
    TRANSCRIPT,
    Chat,
    ChatDraft,
    ChatJump,
    ChatPoll,
    ChatScrolled,
    ChatSend,
    ChatStop,
    Later,
    LoadDraft,
    Message,
    SaveDraft,
    ScrollToEnd,
    apply_event,
    forget_drafts,
)
from openagents_shell.core.workers import ConfirmStop, RunInfo, StopWorker, WorkersRefresh
from openagents_shell.pages import shell
from openagents_shell.sync.live import ForgetUser, Listen, LiveEvent, LiveReset

from tests.shell.support import Harness

WORKER = NS(worker_id="demo-local", status="running", adapter="demo", heartbeat_state="healthy", heartbeat_age_s=3.0)
TOPIC = "worker:demo-local:events"


def calls(effects: list[object]) -> list[tuple[str, str, str]]:
    """This page's requests. The app-wide ``/api/me`` a signed-in app sends on its first page (issue 19:
    it names the person's notifications topic) is tested in test_app_live.py, not here."""
    return [(e.tag, e.method, e.path) for e in effects if isinstance(e, Call) and e.tag != "me"]


def snapshot(messages: list[tuple[str, str, str, str]], seq: int, active: str | None = None,
             worker_status: str = "running") -> NS:
    return NS(thread=NS(id="thr_1", worker_id="demo-local"), worker=NS(status=worker_status),
              khala=NS(topic=TOPIC, worker_seq=seq),
              active_turns=[NS(run_id=active, request_id="r", status="running")] if active else [],
              messages=[NS(item_id=k, role=r, text=t, status=s, run_id="run_2", reason="") for k, r, t, s in messages])


def signed_in(path: str) -> tuple[object, list[object]]:
    state = initial_state("b1", path, signed_in=True)
    state = replace(state, chat=replace(state.chat, nonce="n0"))
    return boot(state, path)


def test_signed_out_chat_and_workers_pages_ask_nothing_and_offer_sign_in() -> None:
    for path in ("/", "/chat/thr_1", "/workers", "/admin/runtime"):
        state, effects = boot(initial_state("b1", path), path)
        assert calls(effects) == [], path
        h = Harness()
        h.surface.show(shell.view(state), shell.root_attrs(state))
        h.frame()
        assert "/login?next=" in str([a.attrs.get("href") for a in h.dom.root.find_all("a")]), path


def test_a_first_message_on_home_starts_a_thread_then_sends_the_turn_and_opens_the_thread() -> None:
    state, effects = signed_in("/")
    assert [c[0] for c in calls(effects)] == ["chat_threads", "chat_workers", "chat_access"]
    state, _ = reduce(state, Answered("chat_threads", Ok(NS(data=[]))))
    state, _ = reduce(state, Answered("chat_workers", Ok(NS(workers=[WORKER]))))
    state, _ = reduce(state, ChatDraft("Hello **agent**"))
    state, effects = reduce(state, ChatSend())
    (start,) = [e for e in effects if isinstance(e, Call)]
    assert start.path == "/api/runtime/codex/workers/demo-local/requests"
    assert start.payload == {"request_id": "start-n0-0", "method": "thread/start", "params": {}}
    assert calls(reduce(state, ChatSend())[1]) == []  # a double click sends once
    state, effects = reduce(state, Answered("chat_start", Ok(NS(request_id="start-n0-0"))))
    assert Later(0.1, ChatPoll("start"), "/") in effects
    state, effects = reduce(state, ChatPoll("start"))
    assert calls(effects) == [("chat_start_outcome", "GET",
                               "/api/runtime/codex/workers/demo-local/requests/start-n0-0")]
    state, effects = reduce(state, Answered("chat_start_outcome", Ok(NS(status="accepted", response=None))))
    assert any(isinstance(e, Later) for e in effects)
    done = NS(status="completed", response={"ok": True, "result": {"thread_id": "thr_1"}})
    state, effects = reduce(state, Answered("chat_start_outcome", Ok(done)))
    (turn,) = [e for e in effects if isinstance(e, Call)]
    assert turn.payload == {"request_id": "turn-n0-1", "method": "turn/start",
                            "params": {"thread_id": "thr_1", "text": "Hello **agent**"}}
    state, effects = reduce(state, Answered("chat_first_turn", Ok(NS(response={"run_id": "run_2"}))))
    assert PushState("/chat/thr_1") in effects and state.route.name == "chat"
    assert state.chat.draft == "" and calls(effects)[0] == ("chat_thread", "GET", "/api/runtime/codex/threads/thr_1")


def test_sending_without_a_running_worker_says_so_and_sends_nothing() -> None:
    state, _ = signed_in("/")
    state, _ = reduce(state, Answered("chat_workers", Ok(NS(workers=[replace_ns(WORKER, status="stopped")]))))
    state, _ = reduce(state, ChatDraft("hi"))
    state, effects = reduce(state, ChatSend())
    assert calls(effects) == [] and "No worker is running" in state.chat.notice


def test_the_home_page_without_a_running_worker_looks_again_until_one_starts_then_stops_looking() -> None:
    state, _ = signed_in("/")
    state, effects = reduce(state, Answered("chat_workers", Ok(NS(workers=[replace_ns(WORKER, status="stopped")]))))
    assert Later(2.0, ChatPoll("workers"), "/") in effects
    state, effects = reduce(state, ChatPoll("workers"))
    assert calls(effects) == [("chat_workers", "GET", "/api/runtime/codex/workers")]
    state, effects = reduce(state, Answered("chat_workers", Ok(NS(workers=[WORKER]))))  # started in a terminal
    assert not any(isinstance(e, Later) for e in effects)
    assert f"starts a new thread on worker {WORKER.worker_id}" in " ".join(texts_of(state))
    _, effects = reduce(state, ChatPoll("workers"))  # a timer already set when it started: nothing more
    assert calls(effects) == []


def texts_of(state: object) -> list[str]:
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    return [h.dom.root.all_text()]


def replace_ns(ns: NS, **changes: object) -> NS:
    return NS(**{**vars(ns), **changes})


def test_a_thread_page_streams_by_rereading_its_snapshot_while_a_turn_is_open_and_can_stop_it() -> None:
    state, effects = signed_in("/chat/thr_1")
    assert calls(effects)[0] == ("chat_thread", "GET", "/api/runtime/codex/threads/thr_1")
    state, effects = reduce(state, Answered("chat_thread", Ok(snapshot([("user:run_1", "user", "hi", "completed"),
                                                                       ("i1", "assistant", "Hello", "completed")], 9))))
    assert not any(isinstance(e, Later) for e in effects)  # nothing open: no polling
    state, _ = reduce(state, ChatDraft("again"))
    state, effects = reduce(state, ChatSend())
    (turn,) = [e for e in effects if isinstance(e, Call)]
    assert turn.payload["params"] == {"thread_id": "thr_1", "text": "again"}
    state, effects = reduce(state, Answered("chat_turn", Ok(NS(response={"run_id": "run_2"}))))
    assert state.chat.messages[-1] == Message("user:run_2", "user", "again", "completed", "run_2")
    assert state.chat.active_run == "run_2" and any(isinstance(e, Later) for e in effects)
    state, effects = reduce(state, ChatPoll("thread"))
    assert calls(effects) == [("chat_thread", "GET", "/api/runtime/codex/threads/thr_1")]
    partial = snapshot([("user:run_1", "user", "hi", "completed"), ("i1", "assistant", "Hello", "completed"),
                        ("user:run_2", "user", "again", "completed"), ("i2", "assistant", "Hel", "in_progress")],
                       14, active="run_2")
    state, effects = reduce(state, Answered("chat_thread", Ok(partial)))
    assert state.chat.messages[-1].text == "Hel" and any(isinstance(e, Later) for e in effects)
    state, effects = reduce(state, ChatStop())
    (stop,) = [e for e in effects if isinstance(e, Call)]
    assert stop.payload["method"] == "turn/interrupt" and state.chat.stopping
    assert calls(reduce(state, ChatStop())[1]) == []
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    text = h.dom.root.all_text()
    assert "Hel" in text and "writing…" in text and "Stopping…" in text


def test_live_events_after_the_snapshot_apply_once_in_order() -> None:
    chat = Chat(thread_id="thr_1", loaded=True, topic=TOPIC, seq=14,
                messages=(Message("i2", "assistant", "Hel", "in_progress", "run_2"),), active_run="run_2")
    item = {"thread_id": "thr_1", "turn_id": "t", "item_id": "i2"}

    def delta(seq: int, text: str) -> tuple[str, int, dict[str, object]]:
        return TOPIC, seq, {"type": "codex.notification", "run_id": "run_2", "method": "item/agentMessage/delta",
                            "params": {**item, "delta": text}}

    for event in (delta(13, "Hel"), delta(14, "Hel"), delta(15, "lo"), delta(15, "lo"), delta(16, "!"),
                  ("worker:other:events", 17, delta(17, "x")[2])):
        chat = apply_event(chat, *event)
    assert chat.messages[0].text == "Hello!" and chat.seq == 16
    chat = apply_event(chat, TOPIC, 17, {"type": "codex.response", "run_id": "run_2", "ok": False,
                                         "error": {"code": "worker_stopped", "message": "stopped"}})
    assert chat.active_run is None and chat.messages[0].status == "failed"
    assert chat.messages[0].reason == "worker_stopped"
    chat = apply_event(chat, TOPIC, 18, {"type": "codex.request", "run_id": "run_3", "method": "turn/start",
                                         "params": {"thread_id": "thr_1", "text": "more"}})
    chat = apply_event(chat, TOPIC, 19, {"type": "codex.notification", "run_id": "run_3", "method": "item/started",
                                         "params": {**item, "item_id": "i3", "item_kind": "agent_message"}})
    assert [m.key for m in chat.messages] == ["i2", "user:run_3", "i3"] and chat.active_run == "run_3"


def test_the_snapshot_listens_to_the_worker_topic_from_its_seq_and_khala_events_then_stream_it() -> None:
    state, _ = signed_in("/chat/thr_1")
    state, effects = reduce(state, Answered("chat_thread", Ok(snapshot([("i2", "assistant", "a", "in_progress")], 5,
                                                                        active="run_2"))))
    assert Listen(TOPIC, "/chat/thr_1", after=5) in effects  # the live tail from exactly the snapshot's seq
    assert any(isinstance(e, Later) for e in effects)  # polls until Khala delivers
    body = {"type": "codex.notification", "method": "item/agentMessage/delta",
            "params": {"thread_id": "thr_1", "item_id": "i2", "delta": "b"}}
    for seq in (5, 6, 6):
        state, _ = reduce(state, LiveEvent(TOPIC, "r", seq, seq, body))
    assert state.chat.messages[0].text == "ab" and state.chat.seq == 6 and state.chat.live
    assert calls(reduce(state, ChatPoll("thread"))[1]) == []  # live: no more polling
    # A snapshot older than what Khala already delivered is ignored (the transcript never goes back).
    state, effects = reduce(state, Answered("chat_thread", Ok(snapshot([("i2", "assistant", "a", "in_progress")], 5,
                                                                        active="run_2"))))
    assert state.chat.messages[0].text == "ab" and not any(isinstance(e, Listen) for e in effects)
    # Khala could not resume: live events wait for a fresh snapshot, then continue after it.
    state, effects = reduce(state, LiveReset(TOPIC))
    assert calls(effects) == [("chat_thread", "GET", "/api/runtime/codex/threads/thr_1")]
    state, _ = reduce(state, LiveEvent(TOPIC, "r", 9, 9, body))
    assert state.chat.messages[0].text == "ab"
    state, _ = reduce(state, Answered("chat_thread", Ok(snapshot([("i2", "assistant", "abcd", "in_progress")], 9,
                                                                  active="run_2"))))
    state, _ = reduce(state, LiveEvent(TOPIC, "r", 10, 10, {**body, "params": {**body["params"], "delta": "e"}}))
    assert state.chat.messages[0].text == "abcde" and not state.chat.resync
    # another topic's events are not this page's
    state, _ = reduce(state, LiveEvent("worker:other:events", "r", 11, 11, body))
    assert state.chat.messages[0].text == "abcde"


def test_a_stopped_worker_and_a_refused_send_are_shown() -> None:
    state, _ = signed_in("/chat/thr_1")
    failed = snapshot([("i2", "assistant", "half", "failed")], 5, worker_status="stopped")
    failed.messages[0].reason = "worker_stopped"
    state, _ = reduce(state, Answered("chat_thread", Ok(failed)))
    state, _ = reduce(state, ChatDraft("more"))
    state, _ = reduce(state, ChatSend())
    state, _ = reduce(state, Answered("chat_turn", Problem("conflict", "The worker is stopped; start it and try again.",
                                                           "worker_not_running")))
    assert not state.chat.busy and state.chat.draft == "more"
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    text = h.dom.root.all_text()
    assert "The worker is stopped" in text and "worker stopped before it finished" in text


def test_offline_the_composer_does_not_send() -> None:
    state, _ = signed_in("/chat/thr_1")
    state, _ = reduce(state, Answered("chat_thread", Ok(snapshot([], 1))))
    state = replace(state, online=False)
    state, _ = reduce(state, ChatDraft("hi"))
    state, effects = reduce(state, ChatSend())
    assert calls(effects) == [] and "offline" in state.chat.notice


def test_a_401_on_the_chat_data_goes_to_sign_in() -> None:
    state, _ = signed_in("/chat/thr_1")
    state, effects = reduce(state, Answered("chat_thread", SignInNeeded("/chat/thr_1")))
    assert state.route.name == "login" and PushState("/login?next=/chat/thr_1") in effects


def test_workers_page_lists_refreshes_and_stops_a_worker() -> None:
    state, effects = signed_in("/workers")
    assert calls(effects) == [("workers_list", "GET", "/api/runtime/codex/workers")]
    state, effects = reduce(state, Answered("workers_list", Ok(NS(workers=[WORKER]))))
    assert Later(2.0, WorkersRefresh(), "/workers") in effects
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert "heartbeat 3 s ago (healthy)" in h.dom.root.all_text()
    state, effects = reduce(state, StopWorker("demo-local"))
    assert calls(effects) == [("worker_stop:demo-local", "POST", "/api/runtime/codex/workers/demo-local/stop")]
    state, _ = reduce(state, Answered("worker_stop:demo-local", Ok(replace_ns(WORKER, status="stopping"))))
    assert state.workers.items[0].status == "stopping"


def test_admin_page_confirms_a_stop_and_tells_non_admins_it_is_for_administrators() -> None:
    state, effects = signed_in("/admin/runtime")
    assert calls(effects) == [("admin_overview", "GET", "/api/admin/runtime")]
    refused, effects = reduce(state, Answered("admin_overview", Problem("not_allowed", "Needs an administrator.")))
    assert refused.workers.forbidden and not any(isinstance(e, Later) for e in effects)
    overview = NS(workers=[replace_ns(WORKER, owner_email="ada@example.com", open_runs=1)],
                  runs=[NS(run_id="run_1", method="turn/start", status="running", owner_email="ada@example.com",
                           worker_id="demo-local", reason_class="")])
    state, _ = reduce(state, Answered("admin_overview", Ok(overview)))
    state, effects = reduce(state, ConfirmStop("demo-local"))
    assert calls(effects) == [] and state.workers.confirm == "demo-local"
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert "Stop this worker?" in h.dom.root.all_text() and "ada@example.com" in h.dom.root.all_text()
    state, effects = reduce(state, StopWorker("demo-local"))
    assert calls(effects) == [("worker_stop:demo-local", "POST", "/api/admin/runtime/workers/demo-local/stop")]
    assert state.workers.confirm is None


def test_leaving_the_chat_ignores_its_late_answers() -> None:
    state, _ = signed_in("/chat/thr_1")
    state, _ = reduce(state, Navigate("/workers"))
    before = state
    state, effects = reduce(state, Answered("chat_thread", Ok(snapshot([], 1))))
    assert state == before and calls(effects) == []


def me(user_id: str, email: str = "ada@example.com") -> Answered:
    return Answered("me", Ok(NS(user=NS(id=user_id, email=email, name=""), is_admin=False)))


def test_the_draft_is_kept_per_person_and_thread_across_reloads_and_forgotten_once_sent() -> None:
    state, effects = signed_in("/chat/thr_1")
    assert not any(isinstance(e, LoadDraft) for e in effects)  # nobody known yet: no draft is read
    state, effects = reduce(state, me("usr_ada"))
    assert LoadDraft("drafts:usr_ada:thr_1", "/chat/thr_1") in effects
    state, _ = reduce(state, Answered("chat_thread", Ok(snapshot([], 1))))
    state, effects = reduce(state, ChatDraft("half a thought"))
    assert SaveDraft("drafts:usr_ada:thr_1", "half a thought") in effects
    state, _ = reduce(state, ChatSend())
    state, effects = reduce(state, Answered("chat_turn", Ok(NS(response={"run_id": "run_2"}))))
    assert SaveDraft("drafts:usr_ada:thr_1", "") in effects and state.chat.draft == ""
    state, effects = reduce(state, Navigate("/"))
    assert LoadDraft("drafts:usr_ada:home", "/") in effects  # the person is known now: read at once


def test_a_draft_typed_before_the_person_is_known_is_kept_under_their_key() -> None:
    state, _ = signed_in("/")
    state, effects = reduce(state, ChatDraft("early"))
    assert not any(isinstance(e, SaveDraft) for e in effects)
    state, effects = reduce(state, me("usr_ada"))
    assert SaveDraft("drafts:usr_ada:home", "early") in effects
    assert not any(isinstance(e, LoadDraft) for e in effects)


class Storage:
    """localStorage as ``host/storage.JsStorage`` sees it (keys without the ``oa.`` prefix)."""

    def __init__(self, items: dict[str, str]) -> None:
        self.items = dict(items)

    def keys(self) -> list[str]:
        return list(self.items)

    def get(self, key: str) -> str | None:
        return self.items.get(key)

    def set(self, key: str, value: str) -> None:
        if value:
            self.items[key] = value
        else:
            self.items.pop(key, None)


def test_a_second_person_never_sees_the_first_ones_draft_and_sign_out_deletes_the_persons_drafts() -> None:
    storage = Storage({})
    # Ada types a draft on /, the effects run against the browser's storage.
    state, _ = signed_in("/")
    state, _ = reduce(state, me("usr_ada"))
    _, effects = reduce(state, ChatDraft("Ada's secret plan"))
    for e in effects:
        if isinstance(e, SaveDraft):
            storage.set(e.key, e.text)
    storage.set("draft:home", "a draft from before drafts were per person")
    # Ben signs in on the same browser: his page reads his key, which holds nothing of Ada's.
    state, _ = signed_in("/")
    state, effects = reduce(state, me("usr_ben", "ben@example.com"))
    (load,) = [e for e in effects if isinstance(e, LoadDraft)]
    assert load.key == "drafts:usr_ben:home" and storage.get(load.key) is None
    # Ada signs out: her drafts (and person-less old ones) leave the browser; Ben's stay.
    storage.set("drafts:usr_ben:thr_9", "Ben's")
    signed_out_state, effects = reduce(state, Answered("logout", Ok(NS())))
    assert forget_drafts(storage, "usr_ada") == 2
    assert storage.keys() == ["drafts:usr_ben:thr_9"]
    # the sign-out itself names the person whose local data goes (entry.py deletes their drafts on it)
    assert ForgetUser("usr_ben") in effects and not signed_out_state.signed_in


# ---- "Jump to latest" ------------------------------------------------------------------------------
def streaming(text: str = "Hel") -> object:
    state, _ = signed_in("/chat/thr_1")
    state, effects = reduce(state, Answered("chat_thread", Ok(snapshot([("user:run_2", "user", "hi", "completed"),
                                                                       ("i2", "assistant", text, "in_progress")],
                                                                      5, active="run_2"))))
    assert ScrollToEnd(TRANSCRIPT) in effects  # a thread opens at its latest message
    return state


def delta(seq: int, text: str) -> LiveEvent:
    return LiveEvent(TOPIC, "r", seq, seq, {"type": "codex.notification", "method": "item/agentMessage/delta",
                                            "params": {"thread_id": "thr_1", "item_id": "i2", "delta": text}})


def test_at_the_end_the_transcript_follows_the_stream() -> None:
    state = streaming()
    state, effects = reduce(state, delta(6, "lo"))
    assert ScrollToEnd(TRANSCRIPT) in effects and state.chat.follow and state.chat.unseen == 0
    state, effects = reduce(state, delta(6, "lo"))  # a duplicate changes nothing, scrolls nothing
    assert not any(isinstance(e, ScrollToEnd) for e in effects)


def test_scrolled_up_the_transcript_stays_and_counts_what_arrives_until_jump_to_latest() -> None:
    state = streaming()
    state, _ = reduce(state, ChatScrolled(at_end=False))
    for seq, text in ((6, "lo"), (7, " th"), (8, "ere")):
        state, effects = reduce(state, delta(seq, text))
        assert not any(isinstance(e, ScrollToEnd) for e in effects)
    assert state.chat.unseen == 3 and state.chat.messages[-1].text == "Hello there"
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert "Jump to latest (3 new)" in h.dom.root.all_text()
    state, effects = reduce(state, ChatJump())
    assert ScrollToEnd(TRANSCRIPT) in effects and state.chat.follow and state.chat.unseen == 0
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert "Jump to latest" not in h.dom.root.all_text()
    # scrolling back down by hand also resumes following
    state, _ = reduce(state, ChatScrolled(at_end=False))
    state, _ = reduce(state, delta(9, "!"))
    state, _ = reduce(state, ChatScrolled(at_end=True))
    assert state.chat.follow and state.chat.unseen == 0
    # sending a message jumps to the end as well
    state, _ = reduce(state, ChatScrolled(at_end=False))
    state, _ = reduce(state, ChatDraft("more"))
    state, _ = reduce(state, ChatSend())
    state, effects = reduce(state, Answered("chat_turn", Ok(NS(response={"run_id": "run_3"}))))
    assert ScrollToEnd(TRANSCRIPT) in effects and state.chat.follow


def _long_transcript() -> tuple[Harness, object]:
    lines = "\n\n".join(f"Paragraph {i} of a long answer." for i in range(60))
    state = streaming(lines)
    h = Harness(height=800)
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    return h, state


def test_the_surface_keeps_a_following_transcript_at_its_end_and_reports_where_the_person_scrolled() -> None:
    h, state = _long_transcript()
    seen: list[tuple[str, float, float]] = []
    h.surface.on_scroll = lambda nid, top, end: seen.append((nid, top, end))
    node = h.surface.scene.nodes[TRANSCRIPT]
    end = node.scroll_h - node.h
    assert end > 0 and node.h <= 520  # it scrolls: the transcript is capped, not the page
    h.surface.follow_end(TRANSCRIPT)
    h.frame()
    handle = h.surface.mirror.handle(TRANSCRIPT)
    assert h.surface.scroll[TRANSCRIPT] == end and handle.scroll_top == end
    # the person scrolls up: the surface reports it; new content does not pull them back
    from openagents_shell.host.base import DomEvent

    h.surface.on_event(DomEvent("scroll", TRANSCRIPT, scroll_top=100.0))
    assert seen[-1] == (TRANSCRIPT, 100.0, end)
    state, _ = reduce(state, ChatScrolled(at_end=False))
    state, effects = reduce(state, delta(6, "\n\nOne more paragraph."))
    assert not any(isinstance(e, ScrollToEnd) for e in effects)
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert h.surface.scroll[TRANSCRIPT] == 100.0
    # Jump to latest: at the new end
    state, effects = reduce(state, ChatJump())
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.surface.follow_end(TRANSCRIPT)
    h.frame()
    node = h.surface.scene.nodes[TRANSCRIPT]
    assert h.surface.scroll[TRANSCRIPT] == node.scroll_h - node.h > end


# ---- the Codex access policy ------------------------------------------------------------------------
def access(allowed: bool, reason: str, adapters: tuple[str, ...] = ("codex",), workers: int = 0) -> Answered:
    return Answered("chat_access", Ok(NS(allowed=allowed, reason=reason, allowed_adapters=list(adapters),
                                         workers=workers)))


def test_without_a_linked_worker_the_page_explains_how_to_link_one_instead_of_a_composer() -> None:
    state, effects = signed_in("/")
    assert ("chat_access", "GET", "/api/runtime/codex/access") in calls(effects)
    state, _ = reduce(state, Answered("chat_workers", Ok(NS(workers=[]))))
    state, effects = reduce(state, access(False, "no_worker"))
    assert Later(3.0, ChatPoll("access"), "/") in effects  # it looks again: a worker being linked shows up
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    text = h.dom.root.all_text()
    assert "Link a Codex worker to chat" in text and "openagents worker run" in text and "you have none yet" in text
    assert h.dom.root.find_all("textarea") == []  # no composer that would fail
    state, _ = reduce(state, ChatDraft("hi"))
    assert calls(reduce(state, ChatSend())[1]) == []
    state, effects = reduce(state, ChatPoll("access"))
    assert calls(effects) == [("chat_access", "GET", "/api/runtime/codex/access")]
    state, effects = reduce(state, access(True, "linked", ("codex", "openai", "demo"), 1))
    assert not any(isinstance(e, Later) for e in effects)
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert "Link a Codex worker" not in h.dom.root.all_text() and h.dom.root.find_all("textarea")


def test_a_worker_with_an_adapter_the_policy_refuses_is_explained_and_a_refused_send_shows_the_same() -> None:
    state, _ = signed_in("/chat/thr_1")
    state, _ = reduce(state, Answered("chat_thread", Ok(snapshot([("user:run_1", "user", "hi", "completed")], 3))))
    state, _ = reduce(state, ChatDraft("again"))
    state, _ = reduce(state, ChatSend())
    state, effects = reduce(state, Answered("chat_turn", Problem("not_allowed", "Chat needs a linked Codex worker.",
                                                                 "codex_access_required")))
    assert not state.chat.busy and state.chat.access is not None and not state.chat.access.allowed
    assert calls(effects) == [("chat_access", "GET", "/api/runtime/codex/access")]
    state, _ = reduce(state, access(False, "adapter_not_allowed", ("codex",), 1))
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    text = h.dom.root.all_text()
    assert "does not allow for chat. Allowed here: codex" in text and "hi" in text  # the history stays readable
    assert "--adapter codex" in text and h.dom.root.find_all("textarea") == []


# ---- /admin/runtime, live ----------------------------------------------------------------------------
def admin_overview(head: int, status: str = "running") -> Answered:
    return Answered("admin_overview", Ok(NS(
        workers=[replace_ns(WORKER, status=status, owner_email="ada@example.com", open_runs=0)],
        runs=[NS(run_id="run_1", method="thread/start", status="succeeded", owner_email="ada@example.com",
                 worker_id="demo-local", reason_class="completed")],
        khala=NS(topic="admin:runtime", head_seq=head))))


def admin_event(seq: int, **payload: object) -> LiveEvent:
    return LiveEvent("admin:runtime", str(payload.get("worker_id") or payload.get("run_id")), seq, seq, payload)


def test_the_admin_page_listens_after_the_overviews_head_and_applies_each_event_once() -> None:
    state, _ = signed_in("/admin/runtime")
    state, effects = reduce(state, admin_overview(40))
    assert Listen("admin:runtime", "/admin/runtime", after=40) in effects
    assert Later(10.0, WorkersRefresh(), "/admin/runtime") in effects  # the fallback timer, not a 2 s re-read
    state = replace(state, sync=(("user", "live"),))
    # a worker stops: the row changes at once; a replayed or repeated event changes nothing
    stop = admin_event(41, type="admin.worker", worker_id="demo-local", status="stopping", adapter="demo",
                       reason="maintenance")
    state, effects = reduce(state, stop)
    assert state.workers.items[0].status == "stopping" and calls(effects) == []
    before = state
    state, _ = reduce(state, stop)
    state, _ = reduce(state, admin_event(39, type="admin.worker", worker_id="demo-local", status="running"))
    assert state.workers == before.workers
    # a run is created then finishes: the runs table and the worker's open runs follow
    state, _ = reduce(state, admin_event(42, type="admin.run", run_id="run_2", worker_id="demo-local",
                                         method="turn/start", status="created", reason_class=""))
    assert state.workers.runs[0] == RunInfo("run_2", "turn/start", "created", "ada@example.com", "demo-local", "")
    assert state.workers.items[0].open_runs == 1
    state, _ = reduce(state, admin_event(43, type="admin.run", run_id="run_2", worker_id="demo-local",
                                         method="turn/start", status="failed", reason_class="worker_stopped"))
    assert state.workers.runs[0].status == "failed" and state.workers.items[0].open_runs == 0
    assert [(e.seq, e.kind, e.status) for e in state.workers.events] == [
        (43, "run", "failed"), (42, "run", "created"), (41, "worker", "stopping")]
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    text = h.dom.root.all_text()
    assert "Event stream" in text and "worker_stopped" in text and "Live: changes show as they happen." in text
    # while the socket is live, the timer re-reads nothing; when it is down, it re-reads
    state, effects = reduce(state, WorkersRefresh())
    assert calls(effects) == [] and Later(10.0, WorkersRefresh(), "/admin/runtime") in effects
    down = replace(state, sync=(("user", "reconnecting"),))
    _, effects = reduce(down, WorkersRefresh())
    assert calls(effects) == [("admin_overview", "GET", "/api/admin/runtime")]


def test_an_unknown_worker_or_a_reset_reads_the_overview_once_and_an_older_snapshot_is_not_applied() -> None:
    state, _ = signed_in("/admin/runtime")
    state, _ = reduce(state, admin_overview(10))
    state, effects = reduce(state, admin_event(11, type="admin.worker", worker_id="new-box", status="starting"))
    assert calls(effects) == [("admin_overview", "GET", "/api/admin/runtime")]
    state, effects = reduce(state, admin_event(12, type="admin.worker", worker_id="new-box", status="running"))
    assert calls(effects) == [] and state.workers.stale  # one re-read at a time; another follows its answer
    state, effects = reduce(state, admin_overview(11))  # older than what Khala delivered: read again
    assert state.workers.seq == 12 and calls(effects) == [("admin_overview", "GET", "/api/admin/runtime")]
    state, effects = reduce(state, admin_overview(12))
    assert state.workers.seq == 12 and calls(effects) == [] and not any(isinstance(e, Listen) for e in effects)
    state, effects = reduce(state, LiveReset("admin:runtime"))
    assert calls(effects) == [("admin_overview", "GET", "/api/admin/runtime")]
    # a non-admin is told so and never listens
    other, _ = signed_in("/admin/runtime")
    other, effects = reduce(other, Answered("admin_overview", Problem("not_allowed", "Needs an administrator.")))
    assert not any(isinstance(e, Listen | Later) for e in effects) and not other.workers.listening
