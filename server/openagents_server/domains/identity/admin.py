"""The platform administrator role: one definition for every admin-only endpoint and page.

An administrator is a person signed in with a browser or CLI *session* whose verified email is in
``OPENAGENTS_ADMIN_EMAILS`` (``Settings.platform_admins``). Personal access tokens never act as an
administrator, whatever their abilities: a leaked automation token must not reach the console,
paywalls or moderation. The list lives in settings (not a table) so granting the role is a deploy
decision that leaves an audit trail in configuration, and the hot authentication path reads no
extra column. The authenticator stores the answer on the resolved credential (``AuthContext.admin``)
so ``/api/me`` needs no second dependency on its hot path; endpoints call :func:`require_admin`.
"""

from __future__ import annotations

from openagents_server.domains.identity.context import AuthContext
from openagents_server.errors import Forbidden
from openagents_server.settings import Settings


def is_admin(auth: AuthContext, settings: Settings) -> bool:
    return auth.kind == "session" and auth.email.lower() in settings.platform_admins


def require_admin(auth: AuthContext, settings: Settings) -> None:
    """Raise 403 ``admin_required`` unless the caller is a platform administrator."""
    if not is_admin(auth, settings):
        raise Forbidden("admin_required", "This needs a platform administrator's signed-in session.")
