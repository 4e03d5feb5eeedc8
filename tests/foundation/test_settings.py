import pytest
from openagents_server.settings import SettingsError, load_settings


def test_defaults_need_no_configuration() -> None:
    settings = load_settings({})
    assert settings.port == 8000
    assert settings.uses_embedded_database


def test_environment_variables_are_typed() -> None:
    settings = load_settings({"OPENAGENTS_PORT": "9001", "OPENAGENTS_WORKERS": "2"})
    assert settings.port == 9001 and settings.workers == 2


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"OPENAGENTS_PORT": "eighty"}, "OPENAGENTS_PORT"),
        ({"OPENAGENTS_PORT": "70000"}, "OPENAGENTS_PORT"),
        ({"OPENAGENTS_ENV": "staging"}, "OPENAGENTS_ENV"),
        ({"OPENAGENTS_PROT": "1"}, "unknown setting OPENAGENTS_PROT"),
        ({"OPENAGENTS_DATABASE_URL": "mysql://x"}, "OPENAGENTS_DATABASE_URL"),
        ({"OPENAGENTS_DB_POOL_MIN": "9", "OPENAGENTS_DB_POOL_MAX": "2"}, "OPENAGENTS_DB_POOL_MIN"),
    ],
)
def test_invalid_values_name_the_variable(environ: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(environ)


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(SettingsError, match="OPENAGENTS_SYNC_TOKEN_SECRET must be set in production"):
        load_settings({"OPENAGENTS_ENV": "production"})


def test_masked_settings_hide_secrets_and_passwords() -> None:
    settings = load_settings(
        {
            "OPENAGENTS_DATABASE_URL": "postgresql://app:hunter2@db.internal/oa",
            "OPENAGENTS_WORKOS_API_KEY": "sk_live_abc",
        }
    )
    masked = settings.masked()
    assert "hunter2" not in str(masked) and "sk_live_abc" not in str(masked)
    assert masked["database_url"] == "postgresql://app:********@db.internal/oa"
    assert masked["port"] == 8000
