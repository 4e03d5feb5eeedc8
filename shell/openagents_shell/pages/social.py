"""``/feed``, the whispers pages (``/account/whispers``, ``/account/whispers/{person}``), the people
I blocked (``/account/blocked``) and the administrators' report queue (``/admin/reports``), drawn with
the toolkit. Shout and whisper text is shown as text (never HTML); http(s) URLs are real links."""

from __future__ import annotations

from openagents_shell.app.state import State
from openagents_shell.core.social.blocked import BLOCKED, Unblock
from openagents_shell.core.social.feed import (
    FEED_LIST,
    FEED_LIST_MAX_HEIGHT,
    AskBlock,
    AskReport,
    CancelAction,
    ConfirmAction,
    Feed,
    FeedMore,
    FeedScrolled,
    FeedZone,
    PostShout,
    ShoutDraft,
    ShowNewShouts,
    UndoBlock,
)
from openagents_shell.core.social.reports import (
    AskHide,
    CancelHide,
    ConfirmHide,
    DismissReport,
    HideNote,
    ReportRow,
    ReportsMore,
    ReportsShow,
)
from openagents_shell.core.social.shouts import ShoutView
from openagents_shell.core.social.text import MAX_TEXT, relative, remaining, text_parts
from openagents_shell.core.social.whispers import (
    MarkRead,
    SendWhisper,
    WhisperDraft,
    WhispersMore,
    WhisperTo,
    WhisperView,
    whispers_path,
)
from openagents_shell.ui.components import (
    SMALL,
    badge,
    button,
    card,
    column,
    dialog,
    empty_state,
    error_state,
    label,
    layers,
    link,
    paragraph,
    row,
    tabs,
    text_area,
    text_field,
    virtual_list,
)
from openagents_shell.ui.element import Element, Semantics, Style, box, text
from openagents_shell.ui.theme import SPACE


def rich_text(content: str, *, key: str | None = None) -> Element:
    """The text as text (one run per stretch between links, so it reads and is found as written) and
    http(s) URLs as real links; the runs wrap in a row."""
    parts = text_parts(content)
    if not any(is_link for _, is_link in parts):
        return paragraph(content, key=key)
    pieces = [link(part, part) if is_link else text(part) for part, is_link in parts if part.strip()]
    return box(*pieces, key=key, sem=Semantics("paragraph"),
               style=Style(direction="row", wrap=True, align="start", gap=4))


def _shout_actions(s: ShoutView, f: Feed, me: str | None) -> Element | None:
    """Report and Block under someone else's shout (signed in); each asks first (:func:`overlays`)."""
    if not me or s.author_id == me or s.hidden:  # "": signed in, but who is not known yet
        return None
    reported = label("Reported", font=SMALL, color="muted", key=f"shout-reported-{s.id}") if s.id in f.reported \
        else button("Report", AskReport(s.id), variant="ghost", key=f"shout-report-{s.id}")
    return row(reported, button("Block", AskBlock(s.author_id, s.id), variant="ghost", key=f"shout-block-{s.id}"),
               gap=SPACE[2])


def overlays(state: State) -> list[Element]:
    """The report or block question, as the platform's other confirmations: a modal dialog (focus moves
    in, Escape is Cancel, focus returns to the button that asked)."""
    f = state.feed
    if state.route.name != "feed" or f.confirm is None:
        return []
    action, _, shout_id = f.confirm
    if action == "report":
        title, yes = "Report this shout?", "Report"
        what = "The moderators will look at it. Its author is not told."
    else:
        author = next((s.author for s in f.shouts if s.id == shout_id), "this person")
        title, yes = f"Block {author}?", "Block"
        what = "You will not see their shouts, and they cannot whisper you. You can undo this."
    return [dialog(title, paragraph(what),
                   row(button(yes, ConfirmAction(), variant="danger", key="feed-confirm"),
                       button("Cancel", CancelAction(), variant="secondary", key="feed-cancel"), gap=SPACE[2]),
                   on_dismiss=CancelAction(), key="feed-dialog")]


def _shout(s: ShoutView, f: Feed, me: str | None) -> Element:
    when = relative(s.at, f.now)
    return box(
        row(label(s.author, font=SMALL), badge(s.zone), label(when, font=SMALL, color="muted") if when else None,
            link("Whisper", whispers_path(s.author_id), font=SMALL) if me is not None and not s.hidden else None,
            wrap=True),
        label("Hidden by a moderator: only you can see it.", font=SMALL, color="danger", key=f"shout-hidden-{s.id}")
        if s.hidden else None,
        rich_text(s.text),
        _shout_actions(s, f, me),
        key=f"shout-{s.id}", sem=Semantics("article", name=f"Shout by {s.author}"),
        style=Style(gap=SPACE[1], padding=(SPACE[3], 0, SPACE[3], 0), border="subtle", border_width=0.0),
    )


def _me(state: State) -> str | None:
    """The reader's id when signed in (their own shouts get no Report/Block); "" while it is loading."""
    if not state.signed_in:
        return None
    return state.user_id or ""


def _composer(state: State) -> Element:
    f = state.feed
    if not state.signed_in:
        return row(label("Want to post?", color="muted"), link("Sign in", "/login?next=/feed", key="feed-sign-in"))
    left = remaining(f.draft)
    counter = f"{left} characters left" if left >= 0 else f"{-left} characters too many"
    return card(
        text_area("Shout", f.draft, ShoutDraft, key="feed-draft", rows=3, placeholder="What's happening?",
                  invalid=f.draft_error is not None or left < 0, error=f.draft_error),
        row(label(counter, font=SMALL, color="danger" if left < 0 else "muted", key="feed-counter"),
            button("Posting…" if f.posting else "Post", PostShout(),
                   disabled=f.posting or f.retry_in > 0 or left < 0 or left == MAX_TEXT, key="feed-post"),
            label(f"Too many posts for now. Sending again in {f.retry_in} s.", font=SMALL, color="danger",
                  key="feed-retry") if f.retry_in else None,
            label(f.notice, font=SMALL, color="muted", key="feed-notice") if f.notice else None,
            button("Undo", UndoBlock(), variant="secondary", key="feed-undo-block") if f.just_blocked else None,
            link("Blocked people", BLOCKED, font=SMALL, key="feed-blocked-link") if f.just_blocked else None,
            justify="between", wrap=True),
    )


def feed(state: State) -> Element:
    f = state.feed
    zones: list[tuple[str, object]] = [("All", FeedZone(None))]
    zones += [(f"{lab} ({count})", FeedZone(zone)) for zone, lab, count in f.zones]
    selected = 0 if f.zone is None else next((i + 1 for i, (z, _, _) in enumerate(f.zones) if z == f.zone), 0)
    if not f.loaded:
        body: Element = paragraph("Loading shouts…", color="muted", key="feed-loading")
    elif f.error and not f.shouts:
        body = error_state("The feed could not be loaded", f.error)
    elif not f.shouts:
        body = empty_state("No shouts yet", "Be the first to say something.")
    else:
        # Scrolling near the end loads the next page; the button stays for keyboard and screen-reader users.
        more = button("Loading…" if f.loading_more else "Load more", FeedMore(), variant="secondary",
                      disabled=f.loading_more, key="feed-more") if f.next_before is not None else \
            label("That's everything.", font=SMALL, color="muted", key="feed-end")
        n = len(f.pending)
        pill = button(f"{n} new shout{'s' if n != 1 else ''}", ShowNewShouts(), key="feed-new") if n else None
        shouts = virtual_list([_shout(s, f, _me(state)) for s in f.shouts], name="Shouts", key=FEED_LIST,
                              max_height=FEED_LIST_MAX_HEIGHT, on_scroll=FeedScrolled, busy=f.loading_more)
        # The pill floats over the list's top edge: showing it moves nothing the person is reading.
        over = box(pill, style=Style(align="center", padding=(SPACE[2], 0, 0, 0))) if pill else None
        body = column(layers(shouts, over), more, gap=SPACE[3])
    if len(zones) == 1:
        return column(_composer(state), body, gap=SPACE[4])
    return column(_composer(state), tabs(zones, selected, body, name="Zones", key="feed-zones"), gap=SPACE[4])


# ---- the people I blocked -----------------------------------------------------------------------
def blocked(state: State) -> Element:
    b = state.blocked
    notice = paragraph(b.notice, key="blocked-notice") if b.notice else None
    if not b.loaded:
        return paragraph("Loading…", color="muted", key="blocked-loading")
    if b.error:
        return error_state("Your blocked people could not be loaded", b.error)
    if not b.rows:
        return column(notice, empty_state("You have not blocked anyone",
                                          "Block someone from their shout on the feed; they are listed here.",
                                          link("Go to the feed", "/feed")), gap=SPACE[3])
    rows = [row(column(label(r.name, key=f"blocked-name-{i}"),
                       label(f"Blocked since {r.since}", font=SMALL, color="muted"), gap=SPACE[1]),
                button("Unblocking…" if r.user_id in b.pending else "Unblock", Unblock(r.user_id), variant="secondary",
                       disabled=r.user_id in b.pending, key=f"blocked-unblock-{i}"),
                justify="between", align="center")
            for i, r in enumerate(b.rows)]
    return column(paragraph("You do not see their shouts, and they cannot whisper you.", color="muted"),
                  card(*rows, title="People you blocked"), notice, gap=SPACE[3])


# ---- the administrators' report queue -------------------------------------------------------------
_RESOLUTIONS = {"dismissed": "Dismissed", "actioned": "Shout hidden"}


def _report(r: ReportRow, busy: str | None) -> Element:
    others = r.reports_on_shout - 1
    who = f"Reported by {r.reporter} on {r.day}" + (f" · {others} more report{'s' if others != 1 else ''}"
                                                      if others > 0 else "")
    if r.resolution is None:
        working = busy == r.id
        actions: Element | None = row(
            button("Working…" if working else "Dismiss", DismissReport(r.id), variant="secondary",
                   disabled=busy is not None, key=f"report-dismiss-{r.id}"),
            button("Hide shout", AskHide(r.id), variant="danger", disabled=busy is not None,
                   key=f"report-hide-{r.id}"), gap=SPACE[2])
    else:
        done = _RESOLUTIONS.get(r.resolution, r.resolution) + (f": {r.note}" if r.note else "")
        actions = label(done, font=SMALL, color="muted", key=f"report-resolution-{r.id}")
    return box(
        row(label(r.author, font=SMALL), label(who, font=SMALL, color="muted"), wrap=True),
        rich_text(r.text),
        label(f"Reason: {r.reason}", font=SMALL) if r.reason else None,
        actions,
        key=f"report-{r.id}", sem=Semantics("article", name=f"Report of a shout by {r.author}"),
        style=Style(gap=SPACE[1], padding=(SPACE[3], 0, SPACE[3], 0)),
    )


def reports(state: State) -> Element:
    q = state.reports
    if q.forbidden:
        return error_state("Administrators only", q.forbidden)
    items = [(f"Open ({q.open_count})", ReportsShow("open")), ("Resolved", ReportsShow("resolved")),
             ("All", ReportsShow("all"))]
    selected = {"open": 0, "resolved": 1, "all": 2}[q.state]
    if not q.loaded:
        body: Element = paragraph("Loading…", color="muted", key="reports-loading")
    elif q.error:
        body = error_state("The reports could not be loaded", q.error)
    elif not q.rows:
        body = empty_state("Nothing to review" if q.state == "open" else "No reports here",
                           "Reports people make from the feed show here.")
    else:
        more = button("Loading…" if q.loading_more else "Load more", ReportsMore(), variant="secondary",
                      disabled=q.loading_more, key="reports-more") if q.next_before is not None else None
        body = column(*(_report(r, q.busy) for r in q.rows), more, gap=SPACE[1])
    return column(row(link("Admin console", "/admin", font=SMALL), label("Shout reports", font=SMALL, color="muted")),
                  paragraph(q.notice, key="reports-notice") if q.notice else None,
                  tabs(items, selected, body, name="Reports", key="reports-tabs"), gap=SPACE[3])


def report_overlays(state: State) -> list[Element]:
    """"Hide shout" asks first: it takes the shout off every reader's feed."""
    q = state.reports
    if state.route.name != "admin" or q.confirm_hide is None:
        return []
    r = next((x for x in q.rows if x.id == q.confirm_hide), None)
    author = r.author if r else "this person"
    return [dialog(f"Hide this shout by {author}?",
                   paragraph("It leaves every reader's feed at once; only its author still sees it, marked hidden. "
                             "Other open reports of it are resolved too."),
                   text_field("Note (optional)", q.note, HideNote, key="report-note", invalid=q.note_error is not None,
                              error=q.note_error, placeholder="For the record: why it was hidden"),
                   row(button("Cancel", CancelHide(), variant="secondary", key="report-hide-cancel"),
                       button("Working…" if q.busy else "Hide shout", ConfirmHide(), variant="danger",
                              disabled=q.busy is not None, key="report-hide-ok"), justify="end"),
                   on_dismiss=CancelHide(), key="report-hide-dialog")]


# ---- whispers -----------------------------------------------------------------------------------
def _whisper(x: WhisperView, now: float, with_id: str) -> Element:
    mine = x.sender_id != with_id
    status = ("read" if x.read else "sent") if mine else ("" if x.read else "new")
    meta = " · ".join(p for p in (("You" if mine else x.sender), relative(x.at, now), status) if p)
    return box(label(meta, font=SMALL, color="muted"), rich_text(x.text), key=f"whisper-{x.id}",
               sem=Semantics("article", name=f"Whisper from {'you' if mine else x.sender}"),
               style=Style(gap=SPACE[1], padding=(SPACE[2], SPACE[3], SPACE[2], SPACE[3]), radius=8,
                           background="subtle" if mine else "surface", border="border", border_width=1.0,
                           align="end" if mine else "start"))


def whispers(state: State) -> Element:
    w = state.whispers
    if not w.loaded:
        return paragraph("Loading whispers…", color="muted", key="whispers-loading")
    if w.error and not w.conversations and not w.thread:
        return error_state("Whispers could not be loaded", w.error)
    unread = f"{w.unread} unread" if w.unread else "All read"
    if w.with_id is None:
        items = [box(row(link(c.person, whispers_path(c.person_id), key=f"conversation-{c.person_id}"),
                         badge(f"{c.unread} new", tone="selected") if c.unread else None,
                         label(relative(c.at, w.now), font=SMALL, color="muted")),
                     label(c.last_text, font=SMALL, color="muted", max_lines=1),
                     sem=Semantics("listitem"), style=Style(gap=SPACE[1], padding=(SPACE[2], 0, SPACE[2], 0)))
                 for c in w.conversations]
        listing = box(*items, key="whispers-conversations", sem=Semantics("list", name="Conversations"),
                      style=Style(gap=0)) if items else empty_state(
            "No whispers yet", "Whisper to someone from their shout on the feed, or by their id below.")
        return column(label(unread, key="whispers-unread"), listing,
                      card(text_field("Whisper to (person id)", w.to_id, WhisperTo, key="whispers-to",
                                      invalid=w.draft_error is not None, error=w.draft_error),
                           button("Open conversation", SendWhisper(), variant="secondary", key="whispers-open")),
                      gap=SPACE[4])
    left = remaining(w.draft)
    thread = box(*(_whisper(x, w.now, w.with_id) for x in w.thread), key="whispers-thread",
                 sem=Semantics("log", name=f"Whispers with {w.with_name or w.with_id}"), style=Style(gap=SPACE[2]))
    unread_here = [x for x in w.thread if not x.read and x.sender_id == w.with_id]
    return column(
        row(link("All conversations", whispers_path(), key="whispers-back"), label(unread, key="whispers-unread"),
            justify="between"),
        label(f"With {w.with_name or w.with_id}", font=SMALL, color="muted", key="whispers-with"),
        card(text_area("Whisper", w.draft, WhisperDraft, key="whispers-draft", rows=2,
                       invalid=w.draft_error is not None or left < 0, error=w.draft_error),
             row(label(f"{left} characters left" if left >= 0 else f"{-left} characters too many", font=SMALL,
                       color="danger" if left < 0 else "muted", key="whispers-counter"),
                 button("Sending…" if w.sending else "Send", SendWhisper(), disabled=w.sending or left < 0,
                        key="whispers-send"), justify="between")),
        button(f"Mark {len(unread_here)} read", MarkRead(unread_here[0].id), variant="ghost",
               key="whispers-mark-read") if unread_here else None,
        thread if w.thread else empty_state("No whispers yet", "Say hello."),
        button("Older", WhispersMore(), variant="secondary", disabled=w.loading_more, key="whispers-more")
        if w.next_before is not None else None,
        gap=SPACE[3],
    )
