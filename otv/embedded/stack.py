"""The embedded stack: a nats-server and the four services, in this process.

Each service has its own NATS connection and consumers, exactly as when it
runs alone; only the process is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from otv.embedded.nats_server import NatsServer
from otv.embedded.services import SERVICE_NAMES, build_service
from otv.errors import SystemFailure
from otv.keys import key_hash, new_key
from otv.permissions import Role
from otv.runtime import run_service
from otv.settings import Settings

if TYPE_CHECKING:
    from services.auth.keys import KeyRecord

log = logging.getLogger(__name__)

_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 15.0


class EmbeddedStack:
    def __init__(
        self,
        settings: Settings,
        store_dir: Path | None = None,
        extra_keys: Sequence[KeyRecord] = (),
        services: Sequence[str] = SERVICE_NAMES,
        port: int | None = None,
    ) -> None:
        # A developer's own machine: profiles from the repository and the client are theirs.
        self.settings = settings.model_copy(
            update={"allow_client_profiles": True, "allow_repository_profiles": True}
        )
        self._store_dir = store_dir
        self._port = port
        self._temporary: Path | None = None
        self._extra_keys = list(extra_keys)
        self._names = list(services)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.server: NatsServer | None = None

    def issue_key(self, key_id: str, name: str, role: Role) -> str:
        """A new key that this stack's auth will accept while the stack lives."""
        key = new_key()
        self.accept_key(key_id, name, role, key)
        return key

    def accept_key(self, key_id: str, name: str, role: Role, key: str) -> None:
        """Have this stack's auth accept ``key`` (only its hash is kept)."""
        from services.auth.keys import KeyRecord

        self._extra_keys.append(KeyRecord(id=key_id, name=name, role=role, hash=key_hash(key)))

    @property
    def url(self) -> str:
        assert self.settings.nats_url is not None
        return self.settings.nats_url

    async def start(self) -> None:
        if self._store_dir is None:
            self._temporary = Path(tempfile.mkdtemp(prefix="otv-stack-"))
        store = self._store_dir or self._temporary
        assert store is not None
        self.server = NatsServer(store, self.settings.nats_server_bin, self._port)
        try:
            url = await self.server.start()
            self.settings = self.settings.model_copy(update={"nats_url": url})
            await self._start_services()
        except BaseException:
            await self.stop()
            raise

    async def _start_services(self) -> None:
        readiness = []
        for name in self._names:
            service = build_service(name, self.settings, self._extra_keys)
            ready = asyncio.Event()
            task = asyncio.create_task(run_service(service, self.settings, self._stop, ready))
            self._tasks.append(task)
            readiness.append((name, ready, task))
        for name, ready, task in readiness:
            waiter = asyncio.create_task(ready.wait())
            done, _ = await asyncio.wait(
                {waiter, task}, timeout=_READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
            )
            if waiter not in done:
                waiter.cancel()
                if task in done:
                    task.result()  # raises why the service could not start
                raise SystemFailure(
                    f"the {name} service did not start within {_READY_TIMEOUT_S:g} s"
                )

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=_STOP_TIMEOUT_S)
            for task in pending:
                task.cancel()
            results = await asyncio.gather(*self._tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.warning("a service stopped with an error: %s", result)
            self._tasks.clear()
        if self.server is not None:
            await self.server.stop()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    async def __aenter__(self) -> EmbeddedStack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self.stop()
