from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from otv.embedded import NatsServer
from otv.settings import Settings

# The chaos suite takes minutes and the whole machine: `make chaos` runs it, alone.
collect_ignore_glob = [] if os.environ.get("OTV_CHAOS") else ["chaos/*"]


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets a cache of its own: never the user's, never another test's."""
    monkeypatch.setenv("OTV_CACHE_DIR", str(tmp_path / "otv-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    for name in ("OTV_SERVER", "OTV_API_KEY", "OTV_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings that keep every cache and mirror inside the test's directory."""
    return Settings.from_env({}, cache_dir=tmp_path / "cache")


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    """A real nats-server with JetStream on a free port and a temporary store."""
    server = NatsServer(tmp_path / "nats")
    url = await server.start()
    try:
        yield url
    finally:
        await server.stop()
