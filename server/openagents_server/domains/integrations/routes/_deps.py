"""The ``integrations`` dependency: the domain's kit, built once from the app's settings."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from openagents_server.dependencies import AppSettings
from openagents_server.domains.integrations.kit import IntegrationKit


def _build(settings: AppSettings) -> IntegrationKit:
    return IntegrationKit.from_settings(settings)


#: Handler parameter type: ``integrations: Kit``.
Kit = NamedDependency[SkipValidation[IntegrationKit]]


def dependencies() -> dict[str, Provide]:
    """A new ``Provide`` per app: ``use_cache`` keeps the first value on the ``Provide`` object itself, so
    a module-level one handed one app's kit (its Resend URL, its keys) to every later app in the process."""
    return {"integrations": Provide(_build, sync_to_thread=False, use_cache=True)}
