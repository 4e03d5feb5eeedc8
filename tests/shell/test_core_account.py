"""Replays of recorded sessions through the pure reducer: the sign-in gate, the login page, the profile."""

from __future__ import annotations

from types import SimpleNamespace

from openagents_shell.api.client import FieldErrors, Ok, RateLimited, SignInNeeded
from openagents_shell.app import Navigate, PushState, Render, boot, initial_state, reduce
from openagents_shell.core.account import (
    RESEND_COOLDOWN_S,
    Answered,
    Call,
    CooldownTick,
    LoginCode,
    LoginEmail,
    ProfileName,
    ResendCode,
    SaveProfile,
    SendCode,
    StartCooldown,
    VerifyCode,
    safe_next,
)

CHALLENGE = SimpleNamespace(challenge_id="ch1", email_hint="a***@example.com")
PROFILE = SimpleNamespace(name="Ada", email="ada@example.com")


def calls(effects: list[object]) -> list[tuple[str, str, str]]:
    return [(e.tag, e.method, e.path) for e in effects if isinstance(e, Call)]


def test_signed_out_deep_link_goes_to_sign_in_without_a_request() -> None:
    state, effects = boot(initial_state("b1", "/settings/profile"), "/settings/profile")
    assert state.route.name == "login" and state.login.next == "/settings/profile"
    assert PushState("/login?next=/settings/profile") in effects and calls(effects) == []


def test_replay_deep_link_sign_in_and_profile_edit() -> None:
    state = initial_state("b1", "/", signed_in=True)  # a cookie left over from an expired session
    recorded = [
        Navigate("/settings/profile"),
        Answered("profile_load", SignInNeeded("/settings/profile")),
        LoginEmail("ada@example.com"),
        SendCode(),
        Answered("send_code", Ok(CHALLENGE)),
        LoginCode("123456"),
        VerifyCode(),
        Answered("verify", Ok(SimpleNamespace())),
        Answered("profile_load", Ok(PROFILE)),
        ProfileName(""),
        SaveProfile(),
        ProfileName("Grace"),
        SaveProfile(),
        Answered("profile_save", Ok(SimpleNamespace(name="Grace", email="ada@example.com"))),
    ]
    trace = []
    for intent in recorded:
        state, effects = reduce(state, intent)
        trace.append((state, effects))

    (s0, e0), (s1, e1), _, (s3, e3), (s4, e4), _, (_s6, e6), (s7, e7), (s8, _), (s9, _e9), (s10, e10), _, \
        (_s12, e12), (s13, _) = trace
    assert s0.route.name == "settings.profile" and calls(e0) == [("profile_load", "GET", "/api/settings/profile")]
    assert s1.route.name == "login" and s1.login.next == "/settings/profile" and not s1.signed_in
    assert PushState("/login?next=/settings/profile") in e1
    assert calls(e3) == [("send_code", "POST", "/api/auth/email")] and s3.login.busy
    assert s4.login.step == "code" and s4.login.challenge_id == "ch1" and StartCooldown(RESEND_COOLDOWN_S) in e4
    verify = next(e for e in e6 if isinstance(e, Call))
    assert verify.payload == {"email": "ada@example.com", "code": "123456", "challenge_id": "ch1"}
    # signed in: straight back to the deep link, which loads its data
    assert s7.path == "/settings/profile" and PushState("/settings/profile") in e7 and s7.signed_in
    # and /api/me names the person (for their notifications topic and the user menu)
    assert calls(e7) == [("me", "GET", "/api/me"), ("profile_load", "GET", "/api/settings/profile")]
    assert s8.profile.loaded and s8.profile.name == "Ada"
    assert s10.profile.error == "Enter your name." and calls(e10) == []  # empty name: at the field, no request
    assert s9.profile.error is None
    save = next(e for e in e12 if isinstance(e, Call))
    assert save.payload == {"name": "Grace"} and save.scope == "/settings/profile"
    assert s13.profile.name == "Grace" and s13.profile.notice == "Saved." and not s13.profile.busy
    assert all(Render() in effects for _s, effects in trace[2:])


def test_login_messages_land_at_the_fields() -> None:
    state, _ = boot(initial_state("b1", "/login"), "/login?next=/account/sessions")
    assert state.login.next == "/account/sessions"
    state, effects = reduce(state, SendCode())
    assert state.login.email_error == "Enter a valid email address." and calls(effects) == []
    state, _ = reduce(state, LoginEmail("a@example.com"))
    state, _ = reduce(state, SendCode())
    state, _ = reduce(state, Answered("send_code", RateLimited(42, "Too many codes.")))
    assert state.login.email_error == "Too many codes. Try again in 42 s." and not state.login.busy
    state, _ = reduce(state, SendCode())
    state, _ = reduce(state, Answered("send_code", Ok(CHALLENGE)))
    state, _ = reduce(state, LoginCode("000000"))
    state, _ = reduce(state, VerifyCode())
    state, _ = reduce(state, Answered("verify", FieldErrors("That code is wrong.", {"code": ("That code is wrong.",)})))
    assert state.login.code_error == "That code is wrong." and state.route.name == "login"
    # resend waits for the cooldown
    state, effects = reduce(state, ResendCode())
    assert calls(effects) == []
    for _ in range(RESEND_COOLDOWN_S):
        state, _ = reduce(state, CooldownTick())
    state, effects = reduce(state, ResendCode())
    assert calls(effects) == [("send_code", "POST", "/api/auth/email")]


def test_next_accepts_only_same_origin_paths() -> None:
    assert safe_next("/settings/profile") == "/settings/profile"
    assert safe_next("//evil.example") == "/" and safe_next("https://evil.example") == "/" and safe_next(None) == "/"
