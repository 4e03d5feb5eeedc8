import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE_DB, _recreate, _with_database, run_sync
from tests.support.bundles import BuiltBundles, session_bundles
from tests.support.servers import LiveServer


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> BuiltBundles:
    return session_bundles(tmp_path_factory.mktemp("bundles"))


@pytest.fixture
def bundles_env(bundles: BuiltBundles) -> dict[str, str]:
    return {"OPENAGENTS_BUNDLES_DIR": str(bundles.root)}


@pytest.fixture(scope="module")
def shared_server(pg_admin_dsn: str, template_dsn: str, bundles: BuiltBundles) -> Iterator[LiveServer]:
    """One granian server (own fresh database) for a module of read-only checks."""
    name = "oa_m_" + secrets.token_hex(6)
    run_sync(_recreate(pg_admin_dsn, name, TEMPLATE_DB))
    server = LiveServer(_with_database(pg_admin_dsn, name), env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root)})
    server.start()
    try:
        yield server
    finally:
        server.stop()
        run_sync(_recreate(pg_admin_dsn, name))


def bundle_dir(bundles: BuiltBundles, build_id: str) -> Path:
    return bundles.root / build_id
