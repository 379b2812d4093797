from __future__ import annotations

from pathlib import Path

import pytest

from otv.errors import UsageError
from otv.settings import Settings


def test_settings_come_from_otv_variables_and_flags_win() -> None:
    env = {
        "OTV_SERVER": "nats://otv:4222",
        "OTV_API_KEY": "otv_secret",
        "OTV_RUNNER_JOBS": "8",
        "OTV_ALLOW_REPOSITORY_PROFILES": "true",
        "XDG_CACHE_HOME": "/var/cache",
    }
    settings = Settings.from_env(env)
    assert settings.nats_url == "nats://otv:4222"
    assert settings.runner_jobs == 8
    assert settings.allow_repository_profiles
    assert not settings.allow_client_profiles
    assert settings.cache_dir == Path("/var/cache/otv")
    assert "otv_secret" not in repr(settings)  # a key never shows in a dump or a log
    assert Settings.from_env(env, nats_url="nats://other:4222").nats_url == "nats://other:4222"
    assert Settings.from_env(env, nats_url=None).nats_url == "nats://otv:4222"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OTV_RUNNER_JOBS", "many"), ("OTV_RUNNER_JOBS", "0"), ("OTV_LOG_FORMAT", "xml")],
)
def test_an_invalid_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(UsageError, match=f"^invalid setting {variable}: "):
        Settings.from_env({variable: value})
