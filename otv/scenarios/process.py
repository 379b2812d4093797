"""Running a command for a scenario: minimal environment, timeout, capped output.

The command gets only the variables it is given plus a bare ``PATH``,
``HOME`` and locale, never the service's own environment (which may hold
secrets). It runs in its own process group, and the whole group is killed at
the timeout and again when the command ends, so nothing it started outlives
it. Output is kept up to a cap (the end, which says most) and redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from otv.errors import OtvError
from otv.redaction import redact

DEFAULT_OUTPUT_CAP = 64 * 1024
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_KILL_GRACE_S = 2.0


class CommandNotRunnable(OtvError):
    """The command could not be started (not found, not executable)."""


@dataclass(frozen=True)
class CommandResult:
    exit_code: int | None  # None when it was killed at the timeout
    output: str  # stdout and stderr interleaved, redacted; the end when truncated
    truncated: bool
    timed_out: bool
    duration_s: float

    def tail(self, lines: int = 20, chars: int = 2000) -> str:
        """The last lines of output, for a message."""
        text = "\n".join(self.output.rstrip().splitlines()[-lines:])
        return text[-chars:]


def minimal_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", _DEFAULT_PATH),
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        **(extra or {}),
    }


async def run_command(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    output_cap: int = DEFAULT_OUTPUT_CAP,
) -> CommandResult:
    started = time.monotonic()
    # Our own pipe, not asyncio's: its Process.wait() would also wait for a
    # background child that keeps the output open.
    read_fd, write_fd = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=write_fd,
            stderr=write_fd,
            start_new_session=True,  # its own process group, to kill everything it starts
        )
    except FileNotFoundError:
        os.close(read_fd)
        raise CommandNotRunnable(
            f"command not found: {argv[0]} (is it installed and on PATH?)"
        ) from None
    except OSError as exc:
        os.close(read_fd)
        what = "not executable" if isinstance(exc, PermissionError) else exc.strerror
        raise CommandNotRunnable(f"cannot run {argv[0]}: {what}") from None
    finally:
        os.close(write_fd)

    buffer = _TailBuffer(output_cap)
    reader = asyncio.create_task(buffer.fill_from(read_fd))
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), timeout_s)
    except TimeoutError:
        timed_out = True
    finally:
        await _kill_group(process)
        # Every writer is gone now; what is left in the pipe comes quickly.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(reader), _KILL_GRACE_S)
        reader.cancel()
    return CommandResult(
        exit_code=None if timed_out else process.returncode,
        output=redact(buffer.text()),
        truncated=buffer.truncated,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
    )


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the command's group, then SIGKILL whatever is left after a grace period."""
    _signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), _KILL_GRACE_S)
    _signal_group(process.pid, signal.SIGKILL)  # what ignored SIGTERM, or outlived the leader
    await process.wait()


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


class _TailBuffer:
    """Keeps the last ``cap`` bytes of a stream."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._data = bytearray()
        self.truncated = False

    async def fill_from(self, read_fd: int) -> None:
        """Read the pipe ``read_fd`` until every writer closed it; closes it."""
        loop = asyncio.get_running_loop()
        stream = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(read_fd, "rb", buffering=0)
        )
        try:
            while chunk := await stream.read(65536):
                self._data += chunk
                if len(self._data) > self._cap:
                    del self._data[: len(self._data) - self._cap]
                    self.truncated = True
        finally:
            transport.close()

    def text(self) -> str:
        return self._data.decode("utf-8", errors="replace")
