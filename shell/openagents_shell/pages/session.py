"""The user menu (sign-out), ``/account/sessions``, ``/account/tokens``, ``/register``, notifications."""

from __future__ import annotations

from openagents_shell.app.intents import Navigate
from openagents_shell.app.state import State
from openagents_shell.core.account import LoginCode, LoginEmail, VerifyCode
from openagents_shell.core.session import (
    ABILITIES,
    EXPIRY_DAYS,
    CreateToken,
    DeleteToken,
    DismissToast,
    DismissToken,
    MarkAllRead,
    RegisterEmail,
    RegisterName,
    RevokeOthers,
    RevokeSession,
    SignOut,
    SubmitRegister,
    ToggleUserMenu,
    TokenAbility,
    TokenExpiry,
    TokenName,
)
from openagents_shell.ui.components import (
    button,
    card,
    checkbox,
    code_block,
    column,
    label,
    link,
    menu,
    paragraph,
    row,
    text_field,
    toast,
)
from openagents_shell.ui.element import Element
from openagents_shell.ui.theme import SPACE


def user_menu(state: State) -> Element | None:
    """Signed in: a menu with the person's name, their account pages and "Sign out"; else a sign-in link."""
    if not state.signed_in:
        return link("Sign in", "/login", key="oa-signin") if state.route.name != "login" else None
    who = state.me.name or state.me.email or "Account"
    return menu(who, [("Sessions", Navigate("/account/sessions")), ("Tokens", Navigate("/account/tokens")),
                      ("Blocked people", Navigate("/account/blocked")),
                      ("Sign out", SignOut())], open_=state.user_menu, on_toggle=ToggleUserMenu(), key="oa-user")


def sessions(state: State) -> Element:
    s = state.sessions
    if not s.loaded:
        return paragraph("Loading…", color="muted", key="sessions-loading")
    items = []
    for i, r in enumerate(s.rows):
        what = f"{r.device} · since {r.since}" + (" · this device" if r.current else "")
        items.append(row(label(what, key=f"session-{i}"),
                         None if r.current else button("Sign out", RevokeSession(r.session_id), variant="secondary",
                                                       disabled=s.busy, key=f"session-revoke-{i}"),
                         justify="between", align="center"))
    others = any(not r.current for r in s.rows)
    return column(
        card(*items, title="Signed-in sessions"),
        row(button("Sign out everywhere else", RevokeOthers(), disabled=s.busy or not others, key="sessions-others")),
        paragraph(s.notice, key="sessions-notice") if s.notice else None, gap=SPACE[3])


def tokens(state: State) -> Element:
    t = state.tokens
    created = None
    if t.created:
        created = card(paragraph("Copy this token now: it is shown only once.", key="token-once"),
                       code_block(t.created, copy_label="Copy token"),
                       row(button("Done", DismissToken(), variant="secondary", key="token-done")),
                       title="New token")
    form = card(
        text_field("Token name", t.name, TokenName, key="token-name", invalid=t.error is not None, error=t.error),
        label("Abilities"),
        row(*(checkbox(a, a in t.abilities, TokenAbility(a), key=f"token-ability-{i}")
              for i, a in enumerate(ABILITIES)), wrap=True, gap=SPACE[3]),
        label("Expires"),
        row(*(button(name, TokenExpiry(days), variant="primary" if t.expiry_days == days else "secondary",
                     selected=t.expiry_days == days, key=f"token-expiry-{days}")
              for name, days in EXPIRY_DAYS), wrap=True),
        row(button("Creating…" if t.busy else "Create token", CreateToken(), disabled=t.busy, key="token-create")),
        title="Create a personal access token")
    listing: list[Element | None] = [paragraph("Loading…", color="muted")] if not t.loaded else [
        row(label(f"{k.name} · {k.abilities} · expires {k.expires}", key=f"token-{i}"),
            button("Revoke", DeleteToken(k.id), variant="secondary", disabled=t.busy, key=f"token-revoke-{i}"),
            justify="between", align="center") for i, k in enumerate(t.rows)] or [paragraph("No tokens yet.")]
    return column(created, form, card(*listing, title="Your tokens"),
                  paragraph(t.notice, key="tokens-notice") if t.notice else None, gap=SPACE[3])


def register(state: State) -> Element:
    r = state.register
    return card(
        text_field("Email", r.email, RegisterEmail, kind="email", autocomplete="email", key="register-email",
                   invalid=r.email_error is not None, error=r.email_error),
        text_field("Name", r.name, RegisterName, autocomplete="name", key="register-name"),
        button("Creating…" if r.busy else "Create account", SubmitRegister(), disabled=r.busy, key="register-submit"),
        paragraph(r.notice, key="register-notice") if r.notice else None,
        row(label("Have an account?"), link("Sign in", "/login")),
    )


def authenticate(state: State) -> Element:
    """``/authenticate``: where the sign-in form flow (and a provider's redirect) lands to finish — the
    email (if this page does not know it yet) and the emailed code, verified as on ``/login``."""
    s = state.login
    return card(
        paragraph("Enter the code we emailed you to finish signing in.", key="auth-notice"),
        text_field("Email", s.email, LoginEmail, kind="email", autocomplete="email", key="auth-email",
                   invalid=s.email_error is not None, error=s.email_error),
        text_field("Code", s.code, LoginCode, autocomplete="one-time-code", key="auth-code",
                   invalid=s.code_error is not None, error=s.code_error),
        row(button("Signing in…" if s.busy else "Sign in", VerifyCode(), disabled=s.busy, key="auth-verify"),
            link("Send a new code", "/login")),
    )


def notifications(state: State) -> Element | None:
    """Home, signed in: the security notifications, newest first, with the unread count."""
    if not state.signed_in or not state.me.id:
        return None
    n = state.notices
    items = [label(i.text, key=f"notice-{j}") for j, i in enumerate(n.items[:20])] or \
        [paragraph("Nothing yet.", color="muted")]
    return card(row(label(f"{n.unread} unread", key="notices-unread"),
                    button("Mark all read", MarkAllRead(), variant="secondary", disabled=not n.unread,
                           key="notices-read"), justify="between", align="center"),
                *items, title="Notifications")


def overlays(state: State) -> list[Element]:
    if state.notices.toast:
        return [toast(state.notices.toast, key="oa-notice-toast")]
    return []


__all__ = ["DismissToast", "notifications", "overlays", "register", "sessions", "tokens", "user_menu"]
