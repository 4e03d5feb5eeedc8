"""The sign-in page (email → code) and the profile settings page, drawn with the toolkit."""

from __future__ import annotations

from openagents_shell.app.state import State
from openagents_shell.core.account import (
    LoginCode,
    LoginEmail,
    ProfileName,
    ResendCode,
    SaveProfile,
    SendCode,
    VerifyCode,
)
from openagents_shell.ui.components import button, card, column, paragraph, row, text_field
from openagents_shell.ui.element import Element


def login(state: State) -> Element:
    s = state.login
    if s.step == "email":
        return card(
            text_field("Email", s.email, LoginEmail, kind="email", autocomplete="email", key="login-email",
                       invalid=s.email_error is not None, error=s.email_error),
            button("Sending…" if s.busy else "Send code", SendCode(), disabled=s.busy, key="login-send"),
        )
    resend = "Resend code" if s.resend_in <= 0 else f"Resend code in {s.resend_in} s"
    return card(
        paragraph(s.notice or "Enter the code we emailed you.", key="login-notice"),
        text_field("Code", s.code, LoginCode, autocomplete="one-time-code", key="login-code",
                   invalid=s.code_error is not None, error=s.code_error),
        row(button("Signing in…" if s.busy else "Sign in", VerifyCode(), disabled=s.busy, key="login-verify"),
            button(resend, ResendCode(), variant="secondary", disabled=s.busy or s.resend_in > 0,
                   key="login-resend")),
    )


def profile(state: State) -> Element:
    p = state.profile
    if not p.loaded:
        return paragraph(p.notice or "Loading…", color="muted", key="profile-loading")
    return card(
        paragraph(p.email, color="muted", key="profile-email"),
        text_field("Name", p.name, ProfileName, autocomplete="name", key="profile-name",
                   invalid=p.error is not None, error=p.error),
        column(button("Saving…" if p.busy else "Save", SaveProfile(), disabled=p.busy, key="profile-save"),
               paragraph(p.notice, key="profile-notice") if p.notice else None),
    )
