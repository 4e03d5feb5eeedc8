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
DEPENDENCIES = {"integrations": Provide(_build, sync_to_thread=False, use_cache=True)}
