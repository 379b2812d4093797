"""The embedded stack: a nats-server and the four services, in this process.

Each service has its own NATS user, connection and consumers, exactly as when
it runs alone; only the process is shared. The stack keeps, in its store, a
pepper for key hashes and a bootstrap admin key — files only the user can
read — and starts nats-server with the subject permissions of
``otv.nats_accounts``. Clients connect without credentials, as clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

from opentelemetry.sdk.trace import SpanProcessor
from pydantic import SecretStr

from otv import nats_accounts
from otv.embedded.nats_server import NatsServer
from otv.embedded.services import SERVICE_NAMES, build_service
from otv.errors import SystemFailure
from otv.keys import new_key, new_pepper
from otv.runtime import Service, run_service
from otv.settings import Settings
from otv.telemetry import Telemetry

log = logging.getLogger(__name__)

_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 15.0


@contextlib.contextmanager
def persistent_store(cache_dir: Path) -> Iterator[tuple[Path, bool]]:
    """The stack's store in the cache directory, unless another otv holds it: then a
    temporary one. Yields the store, and whether it is the persistent one."""
    store = cache_dir / "stack"
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(cache_dir / "stack.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            with tempfile.TemporaryDirectory(prefix="otv-stack-") as temporary:
                yield Path(temporary), False
            return
        yield store, True


def secret_file(path: Path, make: str) -> Path:
    """``path``, created readable only by the user and holding ``make`` if it did not exist."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(descriptor, "w") as file:
        file.write(make + "\n")
    return path


class EmbeddedStack:
    def __init__(
        self,
        settings: Settings,
        store_dir: Path | None = None,
        services: Sequence[str] = SERVICE_NAMES,
        port: int | None = None,
        health_port: int | None = None,
        span_processors: tuple[SpanProcessor, ...] = (),
        grpc_port: int | None = None,
    ) -> None:
        """``health_port``: serve each service's metrics and health on loopback, on
        ports ``health_port``, ``health_port + 1``... (0: free ports); None: not at all.
        ``grpc_port``: serve the gRPC API on loopback there (0: a free port).
        ``span_processors`` see every service's spans (tests)."""
        # A developer's own machine: profiles from the repository and the client are theirs.
        self.settings = settings.model_copy(
            update={"allow_client_profiles": True, "allow_repository_profiles": True}
        )
        self._temporary: Path | None = None
        if store_dir is None:
            self._temporary = store_dir = Path(tempfile.mkdtemp(prefix="otv-stack-"))
        self.store = store_dir
        self._port = port
        self._health_port = health_port
        self._grpc_port = grpc_port
        self._services: dict[str, Service] = {}
        self._span_processors = span_processors
        # Each service's metrics and health, once it listens: name -> base URL.
        self.health_urls: dict[str, str] = {}
        self._names = list(services)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.server: NatsServer | None = None
        self.store.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.admin_key_file = secret_file(self.store / "admin.key", new_key())
        self.pepper_file = secret_file(self.store / "pepper", new_pepper())

    @property
    def url(self) -> str:
        assert self.settings.nats_url is not None
        return self.settings.nats_url

    @property
    def admin_key(self) -> str:
        return self.admin_key_file.read_text().strip()

    @property
    def operator_password_file(self) -> Path:
        """The password of the NATS user ``operator``, who may do anything."""
        return self.store / "operator.password"

    @property
    def operator_url(self) -> str:
        """The NATS URL with the operator's credentials, for inspection and backups."""
        password = self.operator_password_file.read_text().strip()
        return self.url.replace("nats://", f"nats://{nats_accounts.OPERATOR}:{password}@", 1)

    async def start(self) -> None:
        passwords = {user: secrets.token_urlsafe(24) for user in nats_accounts.PASSWORD_USERS}
        self.operator_password_file.unlink(missing_ok=True)
        secret_file(self.operator_password_file, passwords[nats_accounts.OPERATOR])
        config = self.store / "nats-server.conf"
        config.write_text(nats_accounts.render(passwords))
        config.chmod(0o600)
        self.server = NatsServer(self.store, self.settings.nats_server_bin, self._port, config)
        try:
            url = await self.server.start()
            self.settings = self.settings.model_copy(update={"nats_url": url})
            await self._start_services(passwords)
        except BaseException:
            await self.stop()
            raise

    def service_settings(self, name: str, password: str) -> Settings:
        health_port = None
        if self._health_port is not None:
            offset = self._names.index(name) if self._health_port else 0
            health_port = self._health_port + offset
        return self.settings.model_copy(
            update={
                "nats_user": name,
                "nats_password": SecretStr(password),
                "pepper_file": self.pepper_file,
                "bootstrap_admin_key_file": self.admin_key_file,
                "health_port": health_port,
                "health_host": "127.0.0.1",
                "grpc_port": self._grpc_port if name == "auth" else None,
                "webhook_port": self.settings.webhook_port if name == "auth" else None,
                "grpc_host": "127.0.0.1",
            }
        )

    async def _start_services(self, passwords: dict[str, str]) -> None:
        readiness = []
        for name in self._names:
            settings = self.service_settings(name, passwords[name])
            service = build_service(name, settings)
            self._services[name] = service
            ready = asyncio.Event()
            telemetry = Telemetry.for_service(name, self._span_processors)
            task = asyncio.create_task(
                run_service(
                    service,
                    settings,
                    self._stop,
                    ready,
                    telemetry,
                    functools.partial(self.health_urls.__setitem__, name),
                )
            )
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

    @property
    def grpc_address(self) -> str:
        """Where the gRPC API listens (host:port), once started; empty when not served."""
        grpc = getattr(self._services.get("auth"), "grpc", None)
        return str(grpc.address) if grpc is not None else ""

    @property
    def webhook_address(self) -> str:
        """The webhook ingress's base URL, once started; empty when not served."""
        webhooks = getattr(self._services.get("auth"), "webhooks", None)
        return str(webhooks.address) if webhooks is not None else ""

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
