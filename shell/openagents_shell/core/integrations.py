"""``/settings/integrations`` as pure state: Resend (connect with a key, test email, disconnect),
Google (connect through the server's redirect, disconnect), and the email delivery log, which moves
live when a ``integrations.delivery`` update arrives on the person's notifications topic.

Every request is a :class:`~openagents_shell.core.account.Call` on the JSON twins
(``/api/settings/integrations/*``); connecting Google is a document navigation (:class:`LeaveTo`) to
``/settings/integrations/google/redirect``, which comes back to this page with ``?notice=`` or a
page that says why not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openagents_shell.core.account import Call, Goto
from openagents_shell.sync import live

PAGE = "/settings/integrations"
API = "/api/settings/integrations"
#: What the server's redirects put in ``?notice=`` / ``?error=``, in words.
NOTICES = {"google_connected": "Google is connected.", "resend_connected": "Resend is connected.",
           "test_email_sent": "Test email sent."}
#: Delivery states in the order they happen (a later event never moves one back; the server's rule).
STATES = ("sent", "delivered", "opened", "complained", "bounced")


@dataclass(frozen=True)
class IntegrationView:
    provider: str
    connected: bool
    account: str | None = None
    hint: str | None = None
    last_used: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class DeliveryView:
    message_id: str
    to: str
    subject: str
    state: str
    at: str


@dataclass(frozen=True)
class Integrations:
    loaded: bool = False
    error: str | None = None
    resend: IntegrationView = IntegrationView("resend", False)
    google: IntegrationView = IntegrationView("google", False)
    google_available: bool = False
    deliveries: tuple[DeliveryView, ...] = ()
    key: str = ""
    key_error: str | None = None
    test_to: str = ""
    test_error: str | None = None
    busy: str | None = None  # the action in flight: connect_resend, test, disconnect_resend, disconnect_google
    notice: str | None = None
    google_error: str | None = None
    confirm: str | None = None  # the provider whose disconnect waits for confirmation


# ---- intents ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResendKey:
    value: str


@dataclass(frozen=True)
class ConnectResend:
    pass


@dataclass(frozen=True)
class TestTo:
    value: str


@dataclass(frozen=True)
class SendTest:
    pass


@dataclass(frozen=True)
class AskDisconnect:
    provider: str


@dataclass(frozen=True)
class CancelDisconnect:
    pass


@dataclass(frozen=True)
class ConfirmDisconnect:
    pass


@dataclass(frozen=True)
class ConnectGoogle:
    pass


@dataclass(frozen=True)
class IntegrationUpdate:
    """An ``integrations.delivery`` / ``integrations.connection`` update from the notifications topic."""

    kind: str
    payload: dict[str, Any] = field(hash=False, compare=False)


IntegrationsIntent = ResendKey | ConnectResend | TestTo | SendTest | AskDisconnect | CancelDisconnect \
    | ConfirmDisconnect | ConnectGoogle | IntegrationUpdate


@dataclass(frozen=True)
class LeaveTo:
    """A document navigation (the server answers it, not the app): Google's consent screen."""

    href: str


def _kind(outcome: Any) -> str:
    return type(outcome).__name__


def _message(outcome: Any) -> str:
    if _kind(outcome) == "RateLimited":
        return f"{outcome.message} Try again in {int(outcome.retry_after_s + 0.999)} s."
    return str(getattr(outcome, "message", "Something went wrong."))


def _field(outcome: Any, *names: str) -> str | None:
    fields = getattr(outcome, "fields", {}) or {}
    for name in names:
        if fields.get(name):
            return " ".join(fields[name])
    return None


def _view(i: Any) -> IntegrationView:
    return IntegrationView(i.provider, i.connected, i.account_label, i.secret_hint, i.last_used_at, i.last_error)


def load() -> Call:
    return Call("integrations_load", "GET", API, "integrations", PAGE)


def enter(state: Integrations, href: str) -> tuple[Integrations, list[Any]]:
    query = parse_qs(urlsplit(href).query)
    notice = NOTICES.get((query.get("notice") or [""])[0])
    error = (query.get("error") or [None])[0]
    return Integrations(notice=notice, google_error=error and f"That did not work ({error[:60]})."), [load()]


def reduce_integrations(s: Integrations, intent: Any) -> tuple[Integrations, list[Any]]:
    if isinstance(intent, ResendKey):
        return replace(s, key=intent.value, key_error=None), []
    if isinstance(intent, TestTo):
        return replace(s, test_to=intent.value, test_error=None), []
    if isinstance(intent, ConnectResend):
        if s.busy:
            return s, []
        key = s.key.strip()
        if not key.startswith("re_") or len(key) < 12:
            return replace(s, key_error="Enter a Resend API key (it starts with re_)."), []
        return replace(s, busy="connect_resend", notice=None), [
            Call("integrations_connect_resend", "POST", f"{API}/resend", "integration", PAGE, {"api_key": key})]
    if isinstance(intent, SendTest):
        if s.busy:
            return s, []
        payload = {"to": s.test_to.strip()} if s.test_to.strip() else {}
        return replace(s, busy="test", notice=None, test_error=None), [
            Call("integrations_test", "POST", f"{API}/resend/test", "test_email", PAGE, payload)]
    if isinstance(intent, AskDisconnect):
        return replace(s, confirm=intent.provider), []
    if isinstance(intent, CancelDisconnect):
        return replace(s, confirm=None), []
    if isinstance(intent, ConfirmDisconnect):
        if s.confirm is None or s.busy:
            return replace(s, confirm=None), []
        provider = s.confirm
        return replace(s, confirm=None, busy=f"disconnect_{provider}", notice=None), [
            Call(f"integrations_disconnect_{provider}", "DELETE", f"{API}/{provider}", "disconnected", PAGE)]
    if isinstance(intent, ConnectGoogle):
        return replace(s, busy="google"), [LeaveTo(f"{PAGE}/google/redirect")]
    if isinstance(intent, IntegrationUpdate):
        return _live(s, intent)
    tag, out = getattr(intent, "tag", ""), getattr(intent, "outcome", None)
    if not tag.startswith("integrations_"):
        return s, []
    if _kind(out) == "SignInNeeded":
        return replace(s, busy=None), [Goto(out.href)]
    if tag == "integrations_load":
        if _kind(out) != "Ok":
            return replace(s, loaded=True, busy=None, error=_message(out)), []
        by = {i.provider: _view(i) for i in out.data.integrations}
        return replace(s, loaded=True, error=None, busy=None, google_available=out.data.google_available,
                       resend=by.get("resend", s.resend), google=by.get("google", s.google),
                       deliveries=tuple(DeliveryView(d.message_id, d.to, d.subject, d.state,
                                                     d.last_event_at or d.created_at) for d in out.data.deliveries)), []
    if tag == "integrations_connect_resend":
        if _kind(out) == "Ok":
            return replace(s, busy=None, key="", resend=_view(out.data), notice="Resend is connected."), []
        return replace(s, busy=None, key_error=_field(out, "api_key") or _message(out)), []
    if tag == "integrations_test":
        if _kind(out) == "Ok":
            sent = DeliveryView(out.data.message_id, out.data.to, "OpenAgents test email", out.data.state, "")
            rest = tuple(d for d in s.deliveries if d.message_id != sent.message_id)
            return replace(s, busy=None, notice=f"Test email sent to {out.data.to}.", deliveries=(sent, *rest)), []
        return replace(s, busy=None, test_error=_field(out, "to") or _message(out)), []
    if tag.startswith("integrations_disconnect_"):
        provider = tag.removeprefix("integrations_disconnect_")
        if _kind(out) == "Ok":
            note = f"{provider.capitalize()} is disconnected."
            if provider == "google" and out.data.revoked_at_provider is False:
                note += " Google could not be reached to revoke the grant; remove it in your Google account."
            return replace(s, busy=None, notice=note, **{provider: IntegrationView(provider, False)}), []
        return replace(s, busy=None, notice=_message(out)), []
    return s, []


def _live(s: Integrations, update: IntegrationUpdate) -> tuple[Integrations, list[Any]]:
    p = update.payload
    if update.kind == "integrations.delivery" and isinstance(p.get("message_id"), str):
        old = next((d for d in s.deliveries if d.message_id == p["message_id"]), None)
        state = str(p.get("state", ""))
        if old is not None and old.state in STATES and state in STATES and \
                STATES.index(state) < STATES.index(old.state):
            return s, []  # never backwards (a late copy of an older event)
        new = DeliveryView(p["message_id"], str(p.get("to", old.to if old else "")),
                           str(p.get("subject", old.subject if old else "")), state, "")
        rest = tuple(d for d in s.deliveries if d.message_id != new.message_id)
        deliveries = tuple(new if d.message_id == new.message_id else d for d in s.deliveries) if old else (new, *rest)
        return replace(s, deliveries=deliveries), []
    if update.kind == "integrations.connection":
        return s, [load()]  # connected or disconnected elsewhere: read the state again
    return s, []


@live.on("user:{uid}:notifications")
def _integration_event(state: Any, event: live.LiveEvent | live.LiveReset) -> tuple[Any, list[Any]]:
    """Delivery states and connections move on the settings page while it is open."""
    if isinstance(event, live.LiveReset) or state.route.name != "settings.integrations" \
            or not isinstance(event.body, dict) or not str(event.body.get("type", "")).startswith("integrations."):
        return state, []
    page, effects = reduce_integrations(state.integrations, IntegrationUpdate(event.body["type"], event.body))
    return replace(state, integrations=page), effects
