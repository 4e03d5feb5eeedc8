"""Sign-in and the profile page as pure state: sub-states, intents, and effects that describe requests.

No msgspec here (this module is imported at boot): a :class:`Call` names its response type by a
string, and the runtime's effect runner resolves it with the API client after the first frame. A
request's answer comes back as :class:`Answered` with the client's outcome (``api/client.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

RESEND_COOLDOWN_S = 30
#: Routes whose data needs a signed-in person; a 401 there leads to ``/login?next=…``.
GATED = frozenset({"settings.profile", "settings.autopilot", "settings.integrations", "account", "autopilots",
                   "autopilot"})


@dataclass(frozen=True)
class Login:
    email: str = ""
    code: str = ""
    step: str = "email"  # email | code
    challenge_id: str | None = None
    next: str = "/"
    email_error: str | None = None
    code_error: str | None = None
    notice: str | None = None
    busy: bool = False
    resend_in: int = 0  # seconds before "Resend code" is allowed again


@dataclass(frozen=True)
class ProfileForm:
    loaded: bool = False
    name: str = ""
    email: str = ""
    error: str | None = None  # at the name field
    notice: str | None = None  # "Saved." or the form's problem
    busy: bool = False


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginEmail:
    value: str


@dataclass(frozen=True)
class LoginCode:
    value: str


@dataclass(frozen=True)
class SendCode:
    pass


@dataclass(frozen=True)
class ResendCode:
    pass


@dataclass(frozen=True)
class VerifyCode:
    pass


@dataclass(frozen=True)
class CooldownTick:
    pass


@dataclass(frozen=True)
class ProfileName:
    value: str


@dataclass(frozen=True)
class SaveProfile:
    pass


@dataclass(frozen=True)
class Answered:
    """The answer to the :class:`Call` tagged ``tag``: an ``api.client`` outcome."""

    tag: str
    outcome: Any


# ---- effects ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """An API request owned by the page ``scope`` (cancelled when the person leaves it)."""

    tag: str
    method: str
    path: str
    response: str  # challenge | signed_in | profile
    scope: str
    payload: dict[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Goto:
    """Navigate inside the app (``pushState``), as a link would."""

    href: str


@dataclass(frozen=True)
class StartCooldown:
    seconds: int


AccountIntent = LoginEmail | LoginCode | SendCode | ResendCode | VerifyCode | CooldownTick | ProfileName \
    | SaveProfile | Answered


def login_href(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(raw: str | None) -> str:
    """Only same-origin paths: ``//evil`` or ``https://…`` go home."""
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return "/"
    return raw


def _kind(outcome: Any) -> str:
    return type(outcome).__name__


def _field(outcome: Any, name: str) -> str | None:
    fields = getattr(outcome, "fields", {}) or {}
    if fields.get(name):
        return " ".join(fields[name])
    return None


def _message(outcome: Any) -> str:
    if _kind(outcome) == "RateLimited":
        return f"{outcome.message} Try again in {int(outcome.retry_after_s + 0.999)} s."
    return str(getattr(outcome, "message", "Something went wrong."))


def reduce_login(login: Login, intent: AccountIntent) -> tuple[Login, list[Any]]:
    if isinstance(intent, LoginEmail):
        return replace(login, email=intent.value, email_error=None), []
    if isinstance(intent, LoginCode):
        return replace(login, code=intent.value, code_error=None), []
    if isinstance(intent, SendCode | ResendCode):
        if login.busy or (isinstance(intent, ResendCode) and login.resend_in > 0):
            return login, []
        if "@" not in login.email.strip():
            return replace(login, email_error="Enter a valid email address."), []
        return replace(login, busy=True, notice=None), [
            Call("send_code", "POST", "/api/auth/email", "challenge", "/login", {"email": login.email.strip()})]
    if isinstance(intent, VerifyCode):
        if login.busy:
            return login, []
        code = login.code.strip()
        if not code:
            return replace(login, code_error="Enter the code from the email."), []
        payload = {"email": login.email.strip(), "code": code}
        if login.challenge_id:
            payload["challenge_id"] = login.challenge_id
        return replace(login, busy=True, notice=None), [
            Call("verify", "POST", "/api/auth/verify", "signed_in", "/login", payload)]
    if isinstance(intent, CooldownTick):
        return replace(login, resend_in=max(0, login.resend_in - 1)), []
    if isinstance(intent, Answered) and intent.tag == "send_code":
        out = intent.outcome
        if _kind(out) == "Ok":
            return replace(login, busy=False, step="code", code="", code_error=None,
                           challenge_id=out.data.challenge_id, resend_in=RESEND_COOLDOWN_S,
                           notice=f"We sent a code to {out.data.email_hint}."), [StartCooldown(RESEND_COOLDOWN_S)]
        return replace(login, busy=False, email_error=_field(out, "email") or _message(out)), []
    if isinstance(intent, Answered) and intent.tag == "verify":
        out = intent.outcome
        if _kind(out) == "Ok":
            return replace(login, busy=False, code="", notice=None), [Goto(login.next)]
        # wrong, expired and too-many-tries codes: the server's message, at the code field
        return replace(login, busy=False, code_error=_field(out, "code") or _message(out)), []
    return login, []


def reduce_profile(form: ProfileForm, intent: AccountIntent, path: str) -> tuple[ProfileForm, list[Any]]:
    if isinstance(intent, ProfileName):
        return replace(form, name=intent.value, error=None, notice=None), []
    if isinstance(intent, SaveProfile):
        if form.busy:
            return form, []
        if not form.name.strip():
            return replace(form, error="Enter your name."), []
        return replace(form, busy=True, notice=None), [
            Call("profile_save", "PATCH", "/api/settings/profile", "profile", path, {"name": form.name.strip()})]
    if isinstance(intent, Answered) and intent.tag in ("profile_load", "profile_save"):
        out = intent.outcome
        if _kind(out) == "SignInNeeded":
            return replace(form, busy=False), [Goto(login_href(path))]
        if _kind(out) == "Ok":
            return ProfileForm(loaded=True, name=out.data.name or "", email=out.data.email,
                               notice="Saved." if intent.tag == "profile_save" else None), []
        return replace(form, busy=False, error=_field(out, "name"), notice=_message(out)), []
    return form, []


def load_profile(path: str) -> Call:
    return Call("profile_load", "GET", "/api/settings/profile", "profile", path)
