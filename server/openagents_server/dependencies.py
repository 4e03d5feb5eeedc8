"""Handler parameter types for the app's dependencies (``services.AppServices.dependencies``).

A handler that names ``pool: DbPool`` gets the process's pool. ``SkipValidation``: these are our own
objects; re-validating them on every request would cost more than using them.
"""

from __future__ import annotations

import asyncpg
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from openagents_server.domains.identity.authentication import Authenticator
from openagents_server.domains.identity.cookies import CookieNames
from openagents_server.domains.identity.credential_cache import CredentialCache
from openagents_server.domains.identity.providers import IdentityProvider
from openagents_server.khala.node import KhalaNode
from openagents_server.khala.tokens import SigningKeys
from openagents_server.settings import Settings
from openagents_server.web.hosting import WebHosting

AppSettings = NamedDependency[SkipValidation[Settings]]
DbPool = NamedDependency[SkipValidation[asyncpg.Pool]]
AuthPool = NamedDependency[SkipValidation[asyncpg.Pool]]
Provider = NamedDependency[SkipValidation[IdentityProvider]]
Keys = NamedDependency[SkipValidation[SigningKeys]]
Cache = NamedDependency[SkipValidation[CredentialCache]]
Cookies = NamedDependency[SkipValidation[CookieNames]]
AuthenticatorDep = NamedDependency[SkipValidation[Authenticator]]
Khala = NamedDependency[SkipValidation[KhalaNode]]
Hosting = NamedDependency[SkipValidation[WebHosting]]
