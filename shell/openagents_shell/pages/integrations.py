"""``/settings/integrations``: Resend and Google, each with its state, and the email delivery log."""

from __future__ import annotations

from openagents_shell.app.state import State
from openagents_shell.core.integrations import (
    AskDisconnect,
    CancelDisconnect,
    ConfirmDisconnect,
    ConnectGoogle,
    ConnectResend,
    IntegrationView,
    ResendKey,
    SendTest,
    TestTo,
)
from openagents_shell.ui.components import (
    SMALL,
    badge,
    banner,
    button,
    card,
    column,
    dialog,
    error_state,
    label,
    paragraph,
    row,
    table,
    text_field,
)
from openagents_shell.ui.element import Element, Style, box
from openagents_shell.ui.theme import SPACE


def _status(i: IntegrationView, key: str) -> Element:
    if not i.connected:
        return box(badge("Not connected"), key=key, style=Style(direction="row"))
    parts = [f"Connected as {i.account}" if i.account else "Connected"]
    if i.hint:
        parts.append(f"key {i.hint}")
    if i.last_used:
        parts.append(f"last used {i.last_used[:16].replace('T', ' ')}")
    return box(row(badge("Connected", tone="selected"), label(" · ".join(parts), font=SMALL, color="muted"),
                   wrap=True),
               label(f"Last error: {i.last_error}", font=SMALL, color="danger") if i.last_error else None,
               key=key, style=Style(gap=SPACE[1]))


def _resend(state: State) -> Element:
    s = state.integrations
    r = s.resend
    if not r.connected:
        return card(
            _status(r, "resend-status"),
            text_field("Resend API key", s.key, ResendKey, kind="password", key="resend-key", placeholder="re_…",
                       invalid=s.key_error is not None, error=s.key_error),
            button("Connecting…" if s.busy == "connect_resend" else "Connect Resend", ConnectResend(),
                   disabled=s.busy is not None, key="resend-connect"),
            title="Resend (email)")
    return card(
        _status(r, "resend-status"),
        text_field("Send a test email to (empty: your own address)", s.test_to, TestTo, kind="email",
                   key="resend-test-to", invalid=s.test_error is not None, error=s.test_error),
        row(button("Sending…" if s.busy == "test" else "Send test email", SendTest(), disabled=s.busy is not None,
                   key="resend-test"),
            button("Disconnect", AskDisconnect("resend"), variant="danger", disabled=s.busy is not None,
                   key="resend-disconnect")),
        title="Resend (email)")


def _google(state: State) -> Element:
    s = state.integrations
    g = s.google
    if not s.google_available and not g.connected:
        return card(paragraph("Google is not configured on this server.", color="muted", key="google-unavailable"),
                    title="Google")
    action = button("Disconnect", AskDisconnect("google"), variant="danger", disabled=s.busy is not None,
                    key="google-disconnect") if g.connected else \
        button("Opening Google…" if s.busy == "google" else "Connect Google", ConnectGoogle(),
               disabled=s.busy is not None, key="google-connect")
    return card(_status(g, "google-status"),
                label(s.google_error, color="danger", key="google-error") if s.google_error else None,
                action, title="Google")


def _deliveries(state: State) -> Element:
    rows = [(d.to, d.subject, d.state, d.message_id) for d in state.integrations.deliveries]
    if not rows:
        return card(paragraph("No emails sent yet.", color="muted", key="deliveries-empty"), title="Email deliveries")
    return card(table(("To", "Subject", "State", "Message"), rows, name="Email deliveries"), title="Email deliveries")


def view(state: State) -> Element:
    s = state.integrations
    if not s.loaded:
        return paragraph("Loading integrations…", color="muted", key="integrations-loading")
    if s.error:
        return error_state("Integrations could not be loaded", s.error)
    return column(
        banner(s.notice, key="integrations-notice") if s.notice else None,
        _resend(state), _google(state), _deliveries(state), gap=SPACE[4])


def overlays(state: State) -> list[Element]:
    s = state.integrations
    if state.route.name != "settings.integrations" or s.confirm is None:
        return []
    name = s.confirm.capitalize()
    what = "The stored key is destroyed." if s.confirm == "resend" else "The grant is revoked at Google."
    return [dialog(f"Disconnect {name}?", paragraph(what),
                   row(button(f"Disconnect {name}", ConfirmDisconnect(), variant="danger", key="confirm-disconnect"),
                       button("Cancel", CancelDisconnect(), variant="secondary", key="cancel-disconnect")),
                   on_dismiss=CancelDisconnect(), key="disconnect-dialog")]
