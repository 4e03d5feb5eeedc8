"""/feed's infinite scroll, the "N new shouts" pill, the live resume point and hidden shouts, through
the pure reducer, and the toolkit's scroll edges through the Surface (CPython fakes; ADR 0702)."""

from __future__ import annotations

from types import SimpleNamespace as NS

from openagents_shell.api.client import Ok
from openagents_shell.app import boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.social import (
    FEED_LIST,
    FeedScrolled,
    PostShout,
    ScrollToTop,
    ShoutDraft,
    ShowNewShouts,
)
from openagents_shell.pages import shell
from openagents_shell.render.surface import scroll_edge
from openagents_shell.sync import live
from openagents_shell.ui.components import label, virtual_list
from openagents_shell.ui.element import Element

from tests.shell.support import Harness

FEED = "feed:public"


def shout(seq: int, author: str = "usr_a", zone: str = "general", hidden: bool = False) -> NS:
    return NS(id=f"sht_{seq}", seq=seq, zone=zone, text=f"shout {seq}", author=NS(id=author, display_name="Ada"),
              created_at="2026-12-06T04:00:00+00:00", hidden=hidden)


def page(seqs: list[int], next_before: int | None = None, watermark: int | None = None, **kw: object) -> NS:
    return NS(shouts=[shout(s, **kw) for s in seqs], next_before=next_before, next_after=seqs[0] if seqs else None,
              has_newer=False, watermark=watermark)


def body(seq: int, **extra: object) -> dict:
    return {"id": f"sht_{seq}", "zone": "general", "text": f"live {seq}", "author": {"id": "usr_b", "display_name": "Bo"},
            "created_at": "2026-12-06T04:00:00+00:00", **extra}


def event(seq: int, payload: dict) -> live.LiveEvent:
    return live.LiveEvent(FEED, payload["id"], seq, seq, payload)


def calls(effects: list[object]) -> list[tuple[str, str]]:
    return [(e.tag, e.path) for e in effects if isinstance(e, Call) and e.tag.startswith("feed_")]


def texts(element: Element) -> list[str]:
    out = [element.text] if element.text else []
    for child in element.children:
        out += texts(child)
    return out


def loaded(signed_in: bool = False, seqs: list[int] | None = None, next_before: int | None = 71,
           watermark: int = 100, user_id: str | None = None):
    state, _ = boot(initial_state("b1", "/feed", signed_in=signed_in), "/feed")
    if user_id:
        from dataclasses import replace

        state = replace(state, user_id=user_id)
    seqs = seqs if seqs is not None else list(range(100, 70, -1))
    state, effects = reduce(state, Answered("feed_page", Ok(page(seqs, next_before, watermark))))
    return state, effects


def seqs_of(state) -> list[int]:
    return [s.seq for s in state.feed.shouts]


# ---- infinite scroll ------------------------------------------------------------------------------
def test_reaching_the_end_of_the_list_asks_for_the_next_keyset_page_once() -> None:
    state, _ = loaded()
    state, effects = reduce(state, FeedScrolled("middle"))
    assert calls(effects) == []
    state, effects = reduce(state, FeedScrolled("end"))
    assert calls(effects) == [("feed_more", "/api/shouts?limit=30&before=71")]
    state, again = reduce(state, FeedScrolled("end"))  # the same edge reported again while it loads
    assert calls(again) == []
    state, _ = reduce(state, Answered("feed_more", Ok(page(list(range(70, 40, -1)), next_before=41))))
    assert seqs_of(state) == list(range(100, 40, -1))
    state, effects = reduce(state, FeedScrolled("end"))  # still at the end (the page was short): the next one
    assert calls(effects) == [("feed_more", "/api/shouts?limit=30&before=41")]
    state, _ = reduce(state, Answered("feed_more", Ok(page([40, 39], next_before=None))))
    state, effects = reduce(state, FeedScrolled("end"))
    assert calls(effects) == [] and "That's everything." in texts(shell.view(state))


def test_pages_and_live_shouts_arriving_between_them_give_each_shout_once_in_seq_order() -> None:
    state, _ = loaded()
    state, _ = reduce(state, FeedScrolled("end"))
    for seq in (101, 102):  # shouts posted while the reader scrolls down (held behind the pill)
        state, _ = reduce(state, event(seq, body(seq)))
    state, _ = reduce(state, Answered("feed_more", Ok(page(list(range(70, 40, -1)), next_before=41))))
    state, _ = reduce(state, event(101, body(101)))  # at-least-once delivery
    state, _ = reduce(state, ShowNewShouts())
    assert seqs_of(state) == [102, 101, *range(100, 40, -1)]
    assert len({s.id for s in state.feed.shouts}) == len(state.feed.shouts)


def test_the_feed_is_the_toolkits_virtualised_list_with_a_load_more_button_for_keyboards() -> None:
    state, _ = loaded()
    view = shell.view(state)
    found = [e for e in _walk(view) if e.key == FEED_LIST]
    assert len(found) == 1 and found[0].style.scroll and found[0].on_scroll is FeedScrolled
    assert len(found[0].children) == 30
    assert "Load more" in texts(view)


def _walk(el: Element):
    yield el
    for c in el.children:
        yield from _walk(c)


# ---- the "N new shouts" pill ----------------------------------------------------------------------
def test_away_from_the_top_live_shouts_wait_behind_a_pill_that_shows_them_and_scrolls_up() -> None:
    state, _ = loaded()
    state, _ = reduce(state, FeedScrolled("middle"))
    for seq in (101, 102, 103):
        state, _ = reduce(state, event(seq, body(seq)))
    assert seqs_of(state)[0] == 100  # what the reader is reading does not move
    assert "3 new shouts" in texts(shell.view(state))
    state, effects = reduce(state, ShowNewShouts())
    assert ScrollToTop(FEED_LIST) in effects
    assert seqs_of(state)[:4] == [103, 102, 101, 100] and state.feed.pending == ()
    assert not any("new shout" in t for t in texts(shell.view(state)))


def test_at_the_top_new_shouts_appear_directly_and_scrolling_back_up_shows_the_held_ones() -> None:
    state, _ = loaded()
    state, _ = reduce(state, event(101, body(101)))
    assert seqs_of(state)[0] == 101 and state.feed.pending == ()
    state, _ = reduce(state, FeedScrolled("middle"))
    state, _ = reduce(state, event(102, body(102)))
    assert "1 new shout" in texts(shell.view(state))
    state, _ = reduce(state, FeedScrolled("top"))
    assert seqs_of(state)[0] == 102 and state.feed.pending == ()


def test_ones_own_post_is_shown_at_once_with_the_held_shouts_and_the_list_goes_to_the_top() -> None:
    state, _ = loaded(signed_in=True)
    state, _ = reduce(state, FeedScrolled("middle"))
    state, _ = reduce(state, event(101, body(101)))
    state, _ = reduce(state, ShoutDraft("mine"))
    state, _ = reduce(state, PostShout())
    state, effects = reduce(state, Answered("feed_post", Ok(shout(102))))
    assert seqs_of(state)[:3] == [102, 101, 100] and ScrollToTop(FEED_LIST) in effects


# ---- the live resume point ------------------------------------------------------------------------
def test_the_live_listen_resumes_after_the_first_pages_watermark() -> None:
    state, _ = boot(initial_state("b1", "/feed"), "/feed")
    state, effects = reduce(state, Answered("feed_page", Ok(page([50, 49], watermark=57))))
    assert [e for e in effects if isinstance(e, live.Listen)] == [live.Listen(FEED, scope="/feed", after=57, exact=True)]


def test_live_shouts_that_come_before_the_first_page_are_kept_when_newer_than_it() -> None:
    state, _ = boot(initial_state("b1", "/feed?zone=general"), "/feed?zone=general")
    for seq in (56, 58, 59):  # the socket was already live (a zone switch): these came first
        state, _ = reduce(state, event(seq, body(seq)))
    state, _ = reduce(state, Answered("feed_page", Ok(page([56, 50], watermark=57))))
    assert seqs_of(state) == [59, 58, 56, 50]


# ---- hidden shouts --------------------------------------------------------------------------------
def test_a_hidden_event_removes_the_shout_from_the_feed_and_from_the_held_ones() -> None:
    state, _ = loaded(seqs=[100, 99, 98], next_before=None)
    state, _ = reduce(state, FeedScrolled("middle"))
    state, _ = reduce(state, event(101, body(101)))
    state, _ = reduce(state, event(102, {**body(99), "author": {"id": "usr_a", "display_name": "Ada"},
                                          "hidden": True, "seq": 99}))
    state, _ = reduce(state, event(103, {**body(101), "hidden": True, "seq": 101}))
    assert seqs_of(state) == [100, 98] and state.feed.pending == ()
    assert "shout 99" not in texts(shell.view(state))


def test_the_author_keeps_their_hidden_shout_marked_hidden() -> None:
    state, _ = loaded(signed_in=True, seqs=[100, 99], next_before=None, user_id="usr_a")
    state, _ = reduce(state, event(101, {**body(99), "author": {"id": "usr_a", "display_name": "Ada"},
                                          "hidden": True, "seq": 99}))
    assert seqs_of(state) == [100, 99] and [s.hidden for s in state.feed.shouts] == [False, True]
    assert "Hidden by a moderator: only you can see it." in texts(shell.view(state))
    state, _ = reduce(state, Answered("feed_page", Ok(page([99], watermark=101, hidden=True))))
    assert state.feed.shouts[0].hidden  # from the API too (the author's list marks it)


# ---- the toolkit: scroll edges through the Surface --------------------------------------------------
def test_scroll_edges() -> None:
    assert scroll_edge(0, 600, 3000) == "top"
    assert scroll_edge(0, 600, 1000) == "both"
    assert scroll_edge(1200, 600, 3000) == "middle"
    assert scroll_edge(1900, 600, 3000) == "end"


def test_a_list_reports_its_edge_when_it_changes_and_again_at_the_end_when_it_grew() -> None:
    h = Harness(height=900)

    def view(n: int) -> Element:
        return virtual_list([label(f"row {i}") for i in range(n)], name="rows", key="rows", max_height=400,
                            on_scroll=ShoutArrivedEdge)

    h.surface.show(view(100))
    h.frame()
    assert h.intents == [ShoutArrivedEdge("top")]
    h.dom.fire("scroll", "rows", scroll_top=30.0)
    h.dom.fire("scroll", "rows", scroll_top=60.0)  # same edge: nothing new
    h.frame()
    assert h.intents[1:] == [ShoutArrivedEdge("middle")]
    content = h.surface.scene.nodes["rows"].scroll_h
    h.dom.fire("scroll", "rows", scroll_top=content - 400)
    h.frame()
    assert h.intents[2:] == [ShoutArrivedEdge("end")]
    h.surface.show(view(110))  # the next page was short: still at the end, told again
    h.frame()
    assert h.intents[3:] == [ShoutArrivedEdge("end")]
    h.surface.scroll_to("rows", 0.0)
    h.frame()
    assert h.intents[4:] == [ShoutArrivedEdge("top")]
    assert h.dom.root.find(id="rows").scroll_top == 0.0


class ShoutArrivedEdge(NS):
    """A stand-in intent class (``on_scroll`` is called with the edge)."""

    def __init__(self, edge: str) -> None:
        super().__init__(edge=edge)


def test_a_dispatched_scroll_intent_never_runs_inside_the_frame() -> None:
    h = Harness()
    h.surface.show(virtual_list([label("x")], name="rows", key="rows", max_height=300, on_scroll=ShoutArrivedEdge))
    h.surface.frame()  # the frame itself, without running the tasks it queued
    assert h.intents == []
    h.frame()
    assert h.intents == [ShoutArrivedEdge("both")]


def test_a_shout_hidden_before_the_first_page_answered_is_not_shown_from_that_page() -> None:
    state, _ = boot(initial_state("b1", "/feed"), "/feed")
    state, _ = reduce(state, event(60, {**body(55), "hidden": True, "seq": 55}))
    state, _ = reduce(state, Answered("feed_page", Ok(page([56, 55, 54], watermark=57))))
    assert seqs_of(state) == [56, 54]


def test_an_older_page_asked_for_before_a_zone_switch_is_not_merged_into_the_new_zone() -> None:
    from openagents_shell.core.social import FeedZone

    state, _ = loaded()
    state, _ = reduce(state, FeedScrolled("end"))  # feed_more in flight for every zone
    state, _ = reduce(state, FeedZone("agents"))
    state, _ = reduce(state, Answered("feed_page", Ok(page([90], zone="agents", watermark=100))))
    state, _ = reduce(state, Answered("feed_more", Ok(page(list(range(70, 40, -1)), next_before=41))))
    assert seqs_of(state) == [90]
