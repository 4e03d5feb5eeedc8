"""``/feed`` as pure state (ADR 0701, 0702): zones, the shout list, the composer; its intents, the
requests it makes (:class:`~openagents_shell.core.account.Call` effects) and its reducer.

The list is the toolkit's virtualised list; reaching its last viewport (:class:`FeedScrolled` ``end``)
asks for the next keyset page ("Load more" stays for keyboard and screen-reader users). The live
subscription starts after the first page's ``watermark`` (the ``feed:public`` seq the page reflects),
so nothing the page holds is replayed and nothing newer is missed; shouts that arrive before the page
are kept and merged if newer than it. Away from the top, live shouts wait in ``pending`` behind an
"N new shouts" pill (what the person reads does not move); at the top, or when the pill is pressed,
they are shown.

A signed-in reader can report a shout to the moderators and block its author, each after a yes
(ADR 0703). The people the reader blocked come with the page (``GET /api/social/blocks``): their shouts
are dropped from the list, from what is held, and from live updates (the public topic carries them
to everyone; the API list already leaves them out). A block can be undone from its notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from openagents_shell.core.account import Call, Goto, login_href
from openagents_shell.core.chat import Later
from openagents_shell.core.social.answers import error_message, field_error, outcome_kind
from openagents_shell.core.social.shared import PAGE, TICK_S, CatchUp, StartTicker, Tick
from openagents_shell.core.social.shouts import ShoutView, merge_shouts, shout_from_payload, shout_view
from openagents_shell.core.social.text import MAX_TEXT
from openagents_shell.sync import live

FEED = "/feed"
FEED_TOPIC = "feed:public"


@dataclass(frozen=True)
class Feed:
    loaded: bool = False
    zones: tuple[tuple[str, str, int], ...] = ()  # (zone, label, count)
    zone: str | None = None  # None: every zone
    shouts: tuple[ShoutView, ...] = ()
    next_before: int | None = None
    newest: int | None = None  # the highest seq seen (``after`` cursor on a catch-up)
    loading_more: bool = False
    error: str | None = None
    draft: str = ""
    draft_error: str | None = None
    posting: bool = False
    notice: str | None = None
    now: float = 0.0
    at_top: bool = True  # the list is scrolled to its top: live shouts are shown at once
    pending: tuple[ShoutView, ...] = ()  # live shouts held behind the "N new shouts" pill, newest first
    early: tuple[ShoutView, ...] = ()  # live shouts that came before the first page answered
    early_hidden: tuple[tuple[str, bool], ...] = ()  # (shout id, keep) hidden before the first page answered
    #: 429: seconds left of the server's ``Retry-After``; at 0 the post is sent again by itself
    retry_in: int = 0
    blocked: frozenset[str] = frozenset()  # author ids the reader blocked: never shown
    blocked_before: frozenset[str] = frozenset()  # ``blocked`` as kept from the last visit, until asked again
    #: (action, target, shout id where it was asked): ("report", shout id, …) or ("block", author id, …),
    #: waiting for a yes
    confirm: tuple[str, str, str] | None = None
    reported: frozenset[str] = frozenset()  # shouts the reader reported (each says so)
    just_blocked: tuple[str, str] | None = None  # (author id, name) blocked a moment ago: the notice offers Undo


@dataclass(frozen=True)
class FeedZone:
    zone: str | None


@dataclass(frozen=True)
class FeedMore:
    pass


@dataclass(frozen=True)
class ShoutDraft:
    value: str


@dataclass(frozen=True)
class PostShout:
    pass


@dataclass(frozen=True)
class RetryTick:
    """One second of a rate-limited post's countdown passed (``Later`` scoped to ``/feed``)."""


@dataclass(frozen=True)
class ShoutArrived:
    """A ``shout.created`` update from ``feed:public`` (its payload, and the update's seq)."""

    seq: int
    payload: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class ShoutHidden:
    """A ``shout.hidden`` update: an administrator hid the shout. ``keep``: the viewer is its author
    (they still see it, marked hidden); everyone else's feed drops it."""

    shout_id: str
    keep: bool = False


@dataclass(frozen=True)
class FeedScrolled:
    """The shout list's edge (``top``, ``middle``, ``end``, ``both``) from the list's ``on_scroll``."""

    edge: str


@dataclass(frozen=True)
class ShowNewShouts:
    """The "N new shouts" pill: show the held shouts and scroll to the top."""


@dataclass(frozen=True)
class AskReport:
    """"Report" on a shout: a dialog asks "Report this shout?" first."""

    shout_id: str


@dataclass(frozen=True)
class AskBlock:
    """"Block" on a shout: a dialog asks "Block {name}?" first (named from that shout)."""

    author_id: str
    shout_id: str


@dataclass(frozen=True)
class ConfirmAction:
    """The yes to the report or block asked about."""


@dataclass(frozen=True)
class CancelAction:
    """The no: nothing is sent."""


@dataclass(frozen=True)
class UndoBlock:
    """Undo on the notice of a block just made: unblock, and the feed shows their shouts again."""


#: The feed's own intents (``app/pages.py`` routes them and the feed's answers to :func:`reduce_feed`).
FEED_INTENTS = (FeedZone, FeedMore, ShoutDraft, PostShout, RetryTick, ShoutArrived, ShoutHidden, FeedScrolled,
                ShowNewShouts, AskReport, AskBlock, ConfirmAction, CancelAction, UndoBlock)


@dataclass(frozen=True)
class ScrollToTop:
    """Scroll the keyed scroll container to its top (the toolkit's ``Surface.scroll_to``)."""

    key: str


#: The shout list's key (its mirror element's id) and how tall it gets before it scrolls (CSS px; ours:
#: about eight shouts, leaving the composer and tabs in view on a laptop screen).
FEED_LIST = "feed-list"
FEED_LIST_MAX_HEIGHT = 640.0
#: Live shouts held while the first page is on its way (a burst beyond this is in the page anyway).
EARLY_MAX = 200


def _shouts_path(zone: str | None, **cursor: int) -> str:
    query = {"limit": str(PAGE)}
    if zone:
        query["zone"] = zone
    query.update({k: str(v) for k, v in cursor.items()})
    return f"/api/shouts?{urlencode(query)}"


def enter_feed(feed: Feed, href: str, signed_in: bool = False) -> tuple[Feed, list[Any]]:
    from urllib.parse import parse_qs, urlsplit

    zone = (parse_qs(urlsplit(href).query).get("zone") or [None])[0]
    # Who the reader blocked is kept across visits (and asked again): a live shout of theirs that comes
    # before the answer is not shown for a moment.
    kept = feed.blocked if signed_in else frozenset()
    fresh = Feed(zone=zone, draft=feed.draft, now=feed.now, blocked=kept, blocked_before=kept)
    blocks = [Call("feed_blocks", "GET", "/api/social/blocks", "block_list", FEED)] if signed_in else []
    # The live listen waits for the first page: it resumes after the page's watermark (see feed_page).
    return fresh, [Call("feed_zones", "GET", "/api/shouts/zones", "zones", FEED), *blocks,
                   Call("feed_page", "GET", _shouts_path(zone), "shout_page", FEED),
                   StartTicker(TICK_S, FEED), ScrollToTop(FEED_LIST)]


def _without_blocked(feed: Feed) -> Feed:
    if not feed.blocked:
        return feed

    def keep(shouts: tuple[ShoutView, ...]) -> tuple[ShoutView, ...]:
        return tuple(s for s in shouts if s.author_id not in feed.blocked)
    return replace(feed, shouts=keep(feed.shouts), pending=keep(feed.pending), early=keep(feed.early))


def _author_name(feed: Feed, author_id: str) -> str:
    return next((s.author for s in (*feed.shouts, *feed.pending) if s.author_id == author_id), "this person")


def _reduce_moderation(feed: Feed, intent: Any, signed_in: bool) -> tuple[Feed, list[Any]] | None:
    """Report and block: asked, confirmed or cancelled, and their answers; None for anything else."""
    if isinstance(intent, AskReport | AskBlock):
        if not signed_in:
            return feed, [Goto(login_href(FEED))]
        ask = ("report", intent.shout_id, intent.shout_id) if isinstance(intent, AskReport) \
            else ("block", intent.author_id, intent.shout_id)
        return replace(feed, confirm=ask, notice=None, just_blocked=None), []
    if isinstance(intent, CancelAction):
        return replace(feed, confirm=None), []
    if isinstance(intent, ConfirmAction):
        if feed.confirm is None:
            return feed, []
        action, target, _ = feed.confirm
        feed = replace(feed, confirm=None)
        if action == "report":
            return feed, [Call("feed_report", "POST", f"/api/shouts/{quote(target, safe='')}/report", "report", FEED)]
        return feed, [Call("feed_block", "POST", f"/api/social/blocks/{quote(target, safe='')}", "block", FEED)]
    if isinstance(intent, UndoBlock):
        if feed.just_blocked is None:
            return feed, []
        return feed, [Call("feed_unblock", "DELETE", f"/api/social/blocks/{quote(feed.just_blocked[0], safe='')}",
                           "unblocked", FEED)]
    tag, out = getattr(intent, "tag", ""), getattr(intent, "outcome", None)
    if tag == "feed_blocks":
        if outcome_kind(out) != "Ok":
            return feed, []  # the list shows what the API allows; a later visit asks again
        blocked = frozenset(b.person.id for b in out.data.blocks)
        unblocked = feed.blocked_before - blocked
        feed = _without_blocked(replace(feed, blocked=blocked, blocked_before=frozenset()))
        if unblocked and feed.loaded:
            # Someone was unblocked since the last visit (on /account/blocked, or another tab), and the page
            # came first and was filtered with the old list: read it again, as Undo does.
            return feed, [Call("feed_page", "GET", _shouts_path(feed.zone), "shout_page", FEED)]
        return feed, []
    if tag == "feed_report":
        if outcome_kind(out) == "Ok":
            return replace(feed, reported=feed.reported | {out.data.shout_id},
                           notice="Reported. A moderator will look at it."), []
        return _refused(feed, out)
    if tag == "feed_block":
        if outcome_kind(out) == "Ok":
            person = out.data.person
            feed = _without_blocked(replace(feed, blocked=feed.blocked | {person.id}))
            return replace(feed, just_blocked=(person.id, person.display_name),
                           notice=f"Blocked {person.display_name}: you will not see their shouts, "
                                  "and they cannot whisper you."), []
        return _refused(feed, out)
    if tag == "feed_unblock":
        if outcome_kind(out) == "Ok":
            name = feed.just_blocked[1] if feed.just_blocked else "them"
            feed = replace(feed, blocked=feed.blocked - {out.data.user_id}, just_blocked=None,
                           notice=f"Unblocked {name}.")
            # Their shouts are back in the API's list: read the first page again (the live listen resumes).
            return feed, [Call("feed_page", "GET", _shouts_path(feed.zone), "shout_page", FEED)]
        return _refused(feed, out)
    return None


def _refused(feed: Feed, out: Any) -> tuple[Feed, list[Any]]:
    if outcome_kind(out) == "SignInNeeded":
        return feed, [Goto(out.href)]
    return replace(feed, notice=error_message(out)), []


def reduce_feed(feed: Feed, intent: Any, signed_in: bool) -> tuple[Feed, list[Any]]:
    moderated = _reduce_moderation(feed, intent, signed_in)
    if moderated is not None:
        return moderated
    if isinstance(intent, Tick):
        return replace(feed, now=intent.now), []
    if isinstance(intent, FeedZone):
        if intent.zone == feed.zone:
            return feed, []
        href = FEED if intent.zone is None else f"{FEED}?zone={quote(intent.zone)}"
        return feed, [Goto(href)]
    if isinstance(intent, FeedMore):
        if feed.loading_more or feed.next_before is None:
            return feed, []
        return replace(feed, loading_more=True), [
            Call("feed_more", "GET", _shouts_path(feed.zone, before=feed.next_before), "shout_page", FEED)]
    if isinstance(intent, CatchUp):
        if not feed.loaded:
            return feed, []
        cursor = {"after": feed.newest} if feed.newest is not None else {}
        return feed, [Call("feed_catch_up", "GET", _shouts_path(feed.zone, **cursor), "shout_page", FEED)]
    if isinstance(intent, ShoutDraft):
        return replace(feed, draft=intent.value, draft_error=None, notice=None, just_blocked=None), []
    if isinstance(intent, RetryTick):
        if feed.retry_in <= 0:
            return feed, []
        if feed.retry_in > 1:
            return replace(feed, retry_in=feed.retry_in - 1), [Later(1.0, RetryTick(), FEED)]
        feed = replace(feed, retry_in=0)
        if not feed.draft.strip():
            return feed, []
        intent = PostShout()  # the countdown is over: the same post again, by itself
    if isinstance(intent, PostShout):
        if not signed_in:
            return feed, [Goto(login_href(FEED))]
        if feed.posting or feed.retry_in > 0:
            return feed, []
        text = feed.draft.replace("\r\n", "\n").strip()
        if not text:
            return replace(feed, draft_error="Write something first."), []
        if len(text) > MAX_TEXT:
            return replace(feed, draft_error=f"At most {MAX_TEXT} characters ({len(text)} written)."), []
        payload: dict[str, Any] = {"text": feed.draft}
        if feed.zone:
            payload["zone"] = feed.zone
        return replace(feed, posting=True, draft_error=None, notice=None, just_blocked=None), [
            Call("feed_post", "POST", "/api/shouts", "shout", FEED, payload)]
    if isinstance(intent, ShoutArrived):
        shout = shout_from_payload(intent.seq, intent.payload)
        if (feed.zone and shout.zone != feed.zone) or shout.author_id in feed.blocked:
            return feed, []
        if not feed.loaded:  # the page may not hold it: kept, and merged if newer than the page
            return replace(feed, early=(*feed.early, shout)[-EARLY_MAX:]), []
        if feed.next_before is not None and feed.shouts and shout.seq < feed.shouts[-1].seq:
            return feed, []  # below the loaded window (a replay): scrolling down brings it in order
        if feed.at_top or any(s.id == shout.id for s in feed.shouts):
            return _add_live(feed, [shout]), []
        return replace(feed, pending=merge_shouts(feed.pending, [shout]), newest=max(feed.newest or 0, shout.seq)), []
    if isinstance(intent, ShoutHidden):
        if not feed.loaded:  # the page on its way may hold it (read before the hide)
            feed = replace(feed, early_hidden=(*feed.early_hidden, (intent.shout_id, intent.keep))[-EARLY_MAX:])
        if intent.keep:  # the author's own feed: the shout stays, marked hidden
            def mark(shouts: tuple[ShoutView, ...]) -> tuple[ShoutView, ...]:
                return tuple(replace(s, hidden=True) if s.id == intent.shout_id else s for s in shouts)
            return replace(feed, shouts=mark(feed.shouts), pending=mark(feed.pending), early=mark(feed.early)), []
        gone = intent.shout_id
        return replace(feed, shouts=tuple(s for s in feed.shouts if s.id != gone),
                       pending=tuple(s for s in feed.pending if s.id != gone),
                       early=tuple(s for s in feed.early if s.id != gone)), []
    if isinstance(intent, FeedScrolled):
        at_top, near_end = intent.edge in ("top", "both"), intent.edge in ("end", "both")
        effects: list[Any] = []
        if at_top and feed.pending:  # back at the top: the held shouts appear
            feed = replace(feed, shouts=merge_shouts(feed.shouts, list(feed.pending)), pending=())
        feed = replace(feed, at_top=at_top) if at_top != feed.at_top else feed
        if near_end and feed.loaded and not feed.loading_more and feed.next_before is not None and not feed.error:
            feed, effects = reduce_feed(feed, FeedMore(), signed_in)
        return feed, effects
    if isinstance(intent, ShowNewShouts):
        return replace(feed, shouts=merge_shouts(feed.shouts, list(feed.pending)), pending=(), at_top=True), \
            [ScrollToTop(FEED_LIST)]
    tag, out = getattr(intent, "tag", ""), getattr(intent, "outcome", None)
    if tag == "feed_zones":
        if outcome_kind(out) == "Ok":
            return replace(feed, zones=tuple((z.zone, z.label, z.shout_count) for z in out.data.zones)), []
        return feed, []
    if tag in ("feed_page", "feed_more", "feed_catch_up"):
        if tag == "feed_more" and not feed.loading_more:
            return feed, []  # asked for before a zone switch (same path: the request was not cancelled)
        if outcome_kind(out) != "Ok":
            return replace(feed, loaded=True, loading_more=False, error=error_message(out)), []
        page = out.data
        shouts = [v for v in (shout_view(s) for s in page.shouts) if v.author_id not in feed.blocked]
        if tag == "feed_catch_up":
            feed = _add_live(feed, shouts)
            if page.has_newer:  # more than a page was missed: start over from the newest
                return feed, [Call("feed_page", "GET", _shouts_path(feed.zone), "shout_page", FEED)]
            return feed, []
        if tag == "feed_page":
            watermark = getattr(page, "watermark", None)
            # Live shouts that came first and are newer than the page's snapshot (older ones are in it).
            early = [e for e in feed.early if watermark is None or e.seq > watermark]
            hidden = feed.early_hidden
            feed = replace(feed, loaded=True, error=None, shouts=merge_shouts((), [*shouts, *early]), early=(),
                           early_hidden=(), pending=(), next_before=page.next_before,
                           newest=max([s.seq for s in (*shouts, *early)], default=feed.newest))
            for shout_id, keep in hidden:  # hidden meanwhile: the page may still hold it
                feed, _ = reduce_feed(feed, ShoutHidden(shout_id, keep), signed_in)
            return feed, [live.Listen(FEED_TOPIC, scope=FEED, after=watermark, exact=watermark is not None)]
        return replace(feed, loading_more=False, error=None, shouts=merge_shouts(feed.shouts, shouts),
                       next_before=page.next_before), []
    if tag == "feed_post":
        if outcome_kind(out) == "Ok":
            shout = shout_view(out.data)
            if feed.zone and shout.zone != feed.zone:
                return replace(feed, posting=False, draft="", draft_error=None, notice="Posted."), []
            # One's own shout is shown at once: the held ones with it, and the list goes to the top.
            feed = _add_live(replace(feed, shouts=merge_shouts(feed.shouts, list(feed.pending)), pending=(), at_top=True),
                             [shout])
            return replace(feed, posting=False, draft="", draft_error=None, notice="Posted."), [ScrollToTop(FEED_LIST)]
        if outcome_kind(out) == "SignInNeeded":
            return replace(feed, posting=False), [Goto(out.href)]
        if outcome_kind(out) == "RateLimited":  # a countdown from Retry-After, then the post goes again
            wait = max(1, int(out.retry_after_s + 0.999))
            return replace(feed, posting=False, retry_in=wait, draft_error=None), [Later(1.0, RetryTick(), FEED)]
        error = field_error(out, "text", "zone") or error_message(out)
        return replace(feed, posting=False, draft_error=error), []
    return feed, []


def _add_live(feed: Feed, shouts: list[ShoutView]) -> Feed:
    merged = merge_shouts(feed.shouts, shouts)
    newest = max([feed.newest or 0, *(s.seq for s in shouts)]) or None
    return replace(feed, shouts=merged, newest=newest)
