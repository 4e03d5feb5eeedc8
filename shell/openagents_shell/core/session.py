"""Who is signed in, sign-out, the account pages (sessions, tokens), registration and security notifications.

Pure like ``core/account.py``: sub-states, intents and ``Call`` effects; the reducers take and return
the app's ``State`` (duck-typed: this module is imported by ``app``). The person's notifications
topic is listened to for the app's lifetime once ``/api/me`` names them; each new notification is a
toast, and the list (with an unread count) is on Home.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from openagents_shell.core.account import Answered, Call, Goto
from openagents_shell.sync import live

ABILITIES = ("*", "profile:read", "profile:write", "tokens:read", "orgs:read", "policy:authorize", "sync:token")
EXPIRY_DAYS = (("Never", 0), ("7 days", 7), ("30 days", 30), ("90 days", 90))
MAX_NOTICES = 50


@dataclass(frozen=True)
class Me:
    id: str = ""
    email: str = ""
    name: str = ""
    is_admin: bool = False


@dataclass(frozen=True)
class SessionItem:
    session_id: str
    device: str
    current: bool
    since: str


@dataclass(frozen=True)
class Sessions:
    loaded: bool = False
    rows: tuple[SessionItem, ...] = ()
    notice: str | None = None
    busy: bool = False


@dataclass(frozen=True)
class TokenItem:
    id: str
    name: str
    abilities: str
    expires: str


@dataclass(frozen=True)
class Tokens:
    loaded: bool = False
    rows: tuple[TokenItem, ...] = ()
    name: str = ""
    abilities: frozenset[str] = frozenset({"*"})
    expiry_days: int = 30
    created: str | None = None  # the new token's value: shown once, until dismissed or the page is left
    error: str | None = None  # at the name field
    notice: str | None = None
    busy: bool = False


@dataclass(frozen=True)
class Register:
    email: str = ""
    name: str = ""
    email_error: str | None = None
    notice: str | None = None
    busy: bool = False


@dataclass(frozen=True)
class Notice:
    key: str
    text: str
    watermark: int


@dataclass(frozen=True)
class Notices:
    items: tuple[Notice, ...] = ()
    unread: int = 0
    toast: str = ""


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignOut:
    pass


@dataclass(frozen=True)
class ToggleUserMenu:
    pass


@dataclass(frozen=True)
class RevokeSession:
    session_id: str


@dataclass(frozen=True)
class RevokeOthers:
    pass


@dataclass(frozen=True)
class TokenName:
    value: str


@dataclass(frozen=True)
class TokenAbility:
    ability: str


@dataclass(frozen=True)
class TokenExpiry:
    days: int


@dataclass(frozen=True)
class CreateToken:
    pass


@dataclass(frozen=True)
class DeleteToken:
    token_id: str


@dataclass(frozen=True)
class DismissToken:
    pass


@dataclass(frozen=True)
class DismissToast:
    """Hide the toast (``text``: only if it is still that one)."""

    text: str | None = None


@dataclass(frozen=True)
class Later:
    """Effect: dispatch ``intent`` after ``seconds`` (app-wide; the runtime's timer)."""

    seconds: float
    intent: Any = None


TOAST_S = 6.0


@dataclass(frozen=True)
class MarkAllRead:
    pass


@dataclass(frozen=True)
class RegisterEmail:
    value: str


@dataclass(frozen=True)
class RegisterName:
    value: str


@dataclass(frozen=True)
class SubmitRegister:
    pass


@dataclass(frozen=True)
class Restored:
    """From IndexedDB at boot: the last signed-in person and their kept notifications (newest first),
    so a reload without the server still shows them."""

    me: Me
    items: tuple[Notice, ...] = ()


SessionIntent = Restored | SignOut | ToggleUserMenu | RevokeSession | RevokeOthers | TokenName | TokenAbility | TokenExpiry \
    | CreateToken | DeleteToken | DismissToken | DismissToast | MarkAllRead | RegisterEmail | RegisterName \
    | SubmitRegister
INTENTS = (Restored, SignOut, ToggleUserMenu, RevokeSession, RevokeOthers, TokenName, TokenAbility, TokenExpiry, CreateToken,
           DeleteToken, DismissToken, DismissToast, MarkAllRead, RegisterEmail, RegisterName, SubmitRegister)
TAGS = frozenset({"me", "logout", "sessions_load", "session_revoke", "sessions_revoke_others", "tokens_load", "token_create", "token_delete",
                  "register"})


def notifications_topic(user_id: str) -> str:
    return f"user:{user_id}:notifications"


def load_me() -> Call:
    """App-wide (``scope=None``): who is signed in, for the notifications topic and the user menu."""
    return Call("me", "GET", "/api/me", "me", None)  # type: ignore[arg-type]


def enter_account(state: Any) -> tuple[Any, list[Any]]:
    rest = state.route.params.get("rest", "")
    if rest == "sessions":
        return replace(state, sessions=Sessions()), [Call("sessions_load", "GET", "/api/auth/sessions", "sessions",
                                                          state.path)]
    if rest == "tokens":
        return replace(state, tokens=Tokens()), [Call("tokens_load", "GET", "/api/tokens", "tokens", state.path)]
    return state, []


def _kind(outcome: Any) -> str:
    return type(outcome).__name__


def _message(outcome: Any) -> str:
    if _kind(outcome) == "RateLimited":
        return f"{outcome.message} Try again in {int(outcome.retry_after_s + 0.999)} s."
    return str(getattr(outcome, "message", "Something went wrong."))


def _device(row: Any) -> str:
    agent = row.user_agent or row.client_kind or "unknown client"
    for name in ("Firefox", "Edg", "Chrome", "Safari", "curl", "python-httpx"):
        if name in agent:
            agent = {"Edg": "Edge"}.get(name, name)
            break
    where = f" · {row.ip_address}" if row.ip_address else ""
    return f"{agent}{where}"


def _notice_text(body: Any, doc_key: str) -> str:
    if isinstance(body, dict):
        for name in ("title", "message", "text", "summary"):
            if isinstance(body.get(name), str) and body[name]:
                return body[name]
        if isinstance(body.get("kind"), str):
            return body["kind"].replace("_", " ").replace(".", " ").capitalize()
    return doc_key


def is_security_notice(body: Any) -> bool:
    """The server's security notifications (``identity/security_events.py``) are ``security.*`` kinds."""
    return isinstance(body, dict) and str(body.get("kind", "")).startswith("security.")


def on_notification(state: Any, event: live.LiveEvent | live.LiveReset) -> tuple[Any, list[Any]]:
    """``user:{id}:notifications``: kept newest first; a new one (not a replay) is a toast and unread."""
    n: Notices = state.notices
    if isinstance(event, live.LiveReset):
        return replace(state, notices=Notices()), []
    if not state.me.id or event.topic != notifications_topic(state.me.id):
        return state, []
    if not is_security_notice(event.body):
        return state, []  # whispers, deliveries, payments share the topic; their own pages show them
    text = _notice_text(event.body, event.doc_key)
    items = (Notice(event.doc_key, text, event.watermark),
             *(i for i in n.items if i.key != event.doc_key))[:MAX_NOTICES]
    if event.replay:
        return replace(state, notices=replace(n, items=items)), []
    return replace(state, notices=Notices(items, n.unread + 1, text)), [Later(TOAST_S, DismissToast(text))]


live.on("user:{id}:notifications")(on_notification)


def signed_out(state: Any) -> tuple[Any, list[Any]]:
    """The person is signed out here: their topic ends and their local data leaves the browser."""
    effects: list[Any] = []
    if state.me.id:
        effects += [live.Unlisten(notifications_topic(state.me.id)), live.ForgetUser(state.me.id)]
    return replace(state, signed_in=False, me=Me(), notices=Notices(), user_menu=False, user_id=None,
                   me_asked=False), effects


def reduce_session(state: Any, intent: Any, login_href: Any) -> tuple[Any, list[Any]]:
    if isinstance(intent, Restored):
        if not state.signed_in or state.me.id:
            return state, []
        return replace(state, me=intent.me, notices=Notices(intent.items)), [
            live.Listen(notifications_topic(intent.me.id), None)]
    if isinstance(intent, ToggleUserMenu):
        return replace(state, user_menu=not state.user_menu), []
    if isinstance(intent, SignOut):
        # Signed out here first, then on the server: the live channel closes before the session ends, so
        # the server closing its socket (the session revoked) does not make it ask for a new sync token and
        # a refresh, which would both be answered 401. The logout's answer, whatever it is, ends on /login.
        state, effects = signed_out(state)
        return state, [*effects, Call("logout", "POST", "/api/auth/logout", "logged_out", None)]  # type: ignore[arg-type]
    if isinstance(intent, DismissToast):
        if intent.text is not None and intent.text != state.notices.toast:
            return state, []
        return replace(state, notices=replace(state.notices, toast="")), []
    if isinstance(intent, MarkAllRead):
        return replace(state, notices=replace(state.notices, unread=0)), []
    if isinstance(intent, RevokeSession):
        return replace(state, sessions=replace(state.sessions, busy=True, notice=None)), [
            Call("session_revoke", "POST", "/api/auth/sessions/revoke", "revoked_sessions", state.path,
                 {"session_ids": [intent.session_id]})]
    if isinstance(intent, RevokeOthers):
        return replace(state, sessions=replace(state.sessions, busy=True, notice=None)), [
            Call("sessions_revoke_others", "POST", "/api/auth/sessions/revoke", "revoked_sessions", state.path,
                 {"revoke_all": True})]
    t: Tokens = state.tokens
    if isinstance(intent, TokenName):
        return replace(state, tokens=replace(t, name=intent.value, error=None)), []
    if isinstance(intent, TokenAbility):
        chosen = t.abilities ^ {intent.ability}
        return replace(state, tokens=replace(t, abilities=chosen)), []
    if isinstance(intent, TokenExpiry):
        return replace(state, tokens=replace(t, expiry_days=intent.days)), []
    if isinstance(intent, DismissToken):
        return replace(state, tokens=replace(t, created=None)), []
    if isinstance(intent, CreateToken):
        if t.busy:
            return state, []
        if not t.name.strip():
            return replace(state, tokens=replace(t, error="Name the token.")), []
        if not t.abilities:
            return replace(state, tokens=replace(t, notice="Choose at least one ability.")), []
        payload: dict[str, Any] = {"name": t.name.strip(), "abilities": sorted(t.abilities)}
        if t.expiry_days:
            payload["expires_at"] = (datetime.now(UTC) + timedelta(days=t.expiry_days)).isoformat()
        return replace(state, tokens=replace(t, busy=True, notice=None)), [
            Call("token_create", "POST", "/api/tokens", "created_token", state.path, payload)]
    if isinstance(intent, DeleteToken):
        return replace(state, tokens=replace(t, busy=True, notice=None)), [
            Call("token_delete", "DELETE", f"/api/tokens/{intent.token_id}", "deleted_tokens", state.path)]
    r: Register = state.register
    if isinstance(intent, RegisterEmail):
        return replace(state, register=replace(r, email=intent.value, email_error=None)), []
    if isinstance(intent, RegisterName):
        return replace(state, register=replace(r, name=intent.value)), []
    if isinstance(intent, SubmitRegister):
        if r.busy:
            return state, []
        if "@" not in r.email.strip():
            return replace(state, register=replace(r, email_error="Enter a valid email address.")), []
        payload = {"email": r.email.strip()}
        if r.name.strip():
            payload["name"] = r.name.strip()
        return replace(state, register=replace(r, busy=True, notice=None)), [
            Call("register", "POST", "/api/auth/register", "signed_in", state.path, payload)]
    if isinstance(intent, Answered):
        return _answered(state, intent, login_href)
    return state, []


def _answered(state: Any, intent: Answered, login_href: Any) -> tuple[Any, list[Any]]:
    out = intent.outcome
    ok = _kind(out) == "Ok"
    if intent.tag == "me":
        if ok:
            me = Me(out.data.user.id, out.data.user.email, out.data.user.name or "", out.data.is_admin)
            return replace(state, me=me), [live.Listen(notifications_topic(me.id), None)]
        if _kind(out) == "SignInNeeded":
            return signed_out(state)
        return state, []
    if intent.tag == "logout":
        state, effects = signed_out(state)
        return state, [*effects, Goto("/login")]
    if _kind(out) == "SignInNeeded":
        state, effects = signed_out(state)
        return state, [*effects, Goto(login_href(state.path))]
    if intent.tag == "sessions_load":
        s = state.sessions
        if ok:
            rows = tuple(SessionItem(r.session_id, _device(r), r.current, (r.created_at or "")[:16].replace("T", " "))
                         for r in out.data.sessions if r.status == "active")
            rows = tuple(sorted(rows, key=lambda r: not r.current))
            return replace(state, sessions=Sessions(True, rows, s.notice)), []
        return replace(state, sessions=replace(s, loaded=True, notice=_message(out))), []
    if intent.tag in ("session_revoke", "sessions_revoke_others"):
        if ok:
            n = len(out.data.revoked_session_ids)
            notice = f"Signed out {n} other session{'s' if n != 1 else ''}." if intent.tag != "session_revoke" \
                else "Session signed out."
            return replace(state, sessions=replace(state.sessions, busy=False, notice=notice)), [
                Call("sessions_load", "GET", "/api/auth/sessions", "sessions", state.path)]
        return replace(state, sessions=replace(state.sessions, busy=False, notice=_message(out))), []
    if intent.tag == "tokens_load":
        t = state.tokens
        if ok:
            rows = tuple(TokenItem(k.id, k.name, ", ".join(k.abilities), (k.expires_at or "never")[:10])
                         for k in out.data.tokens)
            return replace(state, tokens=replace(t, loaded=True, rows=rows)), []
        return replace(state, tokens=replace(t, loaded=True, notice=_message(out))), []
    if intent.tag == "token_create":
        t = state.tokens
        if ok:
            return replace(state, tokens=replace(t, busy=False, created=out.data.token, name="",
                                                 notice=f"Token “{out.data.name}” created.")), [
                Call("tokens_load", "GET", "/api/tokens", "tokens", state.path)]
        fields = getattr(out, "fields", {}) or {}
        error = " ".join(fields.get("name", ())) or None
        return replace(state, tokens=replace(t, busy=False, error=error, notice=None if error else _message(out))), []
    if intent.tag == "token_delete":
        t = state.tokens
        if ok:
            return replace(state, tokens=replace(t, busy=False, notice="Token revoked.")), [
                Call("tokens_load", "GET", "/api/tokens", "tokens", state.path)]
        return replace(state, tokens=replace(t, busy=False, notice=_message(out))), []
    if intent.tag == "register":
        r = state.register
        if ok:
            return replace(state, register=Register(), signed_in=True), [load_me(), Goto("/")]
        fields = getattr(out, "fields", {}) or {}
        if _kind(out) == "Problem" and out.kind == "not_found":
            return replace(state, register=replace(r, busy=False, notice=(
                "This server does not take registrations: sign in with your email instead."))), []
        return replace(state, register=replace(r, busy=False, email_error=" ".join(fields.get("email", ())) or None,
                                               notice=_message(out))), []
    return state, []
