"""A real ``nats-server`` (from the nats-server-bin package) as a child process.

It listens on a free loopback port with JetStream storing under a given
directory. Linux is asked to stop it if otv dies, so it is never left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import shutil
import signal
import sys
import sysconfig
from pathlib import Path

from otv.errors import SystemFailure

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_START_TIMEOUT_S = 15.0


def find_binary(configured: Path | None = None) -> Path:
    """The nats-server binary: the configured one, else the one installed beside otv."""
    if configured is not None:
        if not configured.is_file():
            raise SystemFailure(f"nats-server not found at {configured} (OTV_NATS_SERVER_BIN)")
        return configured
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).parent / "nats-server",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise SystemFailure(
            "nats-server not found: install otv with its dependencies (pip install otv) "
            "or set OTV_NATS_SERVER_BIN"
        )
    return Path(found)


def _die_with_parent() -> None:  # pragma: no cover — runs in the child between fork and exec
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# Looked up before any fork: the child must not load libraries.
_prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform == "linux" else None


class NatsServer:
    def __init__(
        self,
        store_dir: Path,
        binary: Path | None = None,
        port: int | None = None,
        config_file: Path | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.binary = find_binary(binary)
        self.port = port
        self.config_file = config_file
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None

    @property
    def log_file(self) -> Path:
        return self.store_dir / "nats-server.log"

    async def start(self) -> str:
        """Start the server and return its URL once it accepts clients."""
        ports_dir = self.store_dir / "ports"
        ports_dir.mkdir(parents=True, exist_ok=True)
        for stale in ports_dir.glob("*.ports"):
            stale.unlink()
        command = [
            str(self.binary),
            "--jetstream",
            "--store_dir",
            str(self.store_dir / "jetstream"),
            "--addr",
            "127.0.0.1",
            "--port",
            str(self.port or -1),
            "--ports_file_dir",
            str(ports_dir),
            "--log",
            str(self.log_file),
        ]
        if self.config_file is not None:
            command += ["--config", str(self.config_file)]
        self._process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            preexec_fn=_die_with_parent if _prctl is not None else None,
        )
        ports_file = ports_dir / f"{self.binary.name}_{self._process.pid}.ports"
        self.url = await self._wait_for_ports(ports_file)
        log.info("nats-server %d listening on %s", self._process.pid, self.url)
        return self.url

    async def _wait_for_ports(self, ports_file: Path) -> str:
        assert self._process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _START_TIMEOUT_S
        while loop.time() < deadline:
            if self._process.returncode is not None:
                raise SystemFailure(f"nats-server exited at start: {self._last_log_line()}")
            # A few bytes on a local disk, read while nothing else runs: no need for a thread.
            if ports_file.exists():  # noqa: ASYNC240
                with contextlib.suppress(json.JSONDecodeError, OSError, KeyError, IndexError):
                    return str(json.loads(ports_file.read_text())["nats"][0])  # noqa: ASYNC240
            await asyncio.sleep(0.02)
        await self.stop()
        raise SystemFailure(f"nats-server did not start within {_START_TIMEOUT_S:g} s")

    def _last_log_line(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_file.read_text(errors="replace").strip().splitlines()
            if lines:
                return lines[-1]
        return "no log written"

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it does not exit in time."""
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout_s)
        except TimeoutError:
            log.warning("nats-server %d did not stop in %g s; killing it", process.pid, timeout_s)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
