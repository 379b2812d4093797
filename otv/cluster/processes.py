"""Starting, watching and stopping a cluster's processes.

They run detached (a session of their own), so they outlive the command that
started them, and are found again by the pids in the state file. A pid is only
signalled while its command line is still the one recorded: a pid the system
has given to another program since is left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from otv.cluster.layout import ProcessRecord
from otv.errors import SystemFailure

_POLL_S = 0.1
_CMDLINE_ATTEMPTS = 10


def spawn(record: ProcessRecord, environment: dict[str, str]) -> ProcessRecord:
    """Start ``record``'s process; return the record with its pid."""
    with open(record.log_file, "ab") as log:
        process = subprocess.Popen(
            record.argv,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    return record.model_copy(update={"pid": process.pid})


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our child (a test that started it)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_running(record: ProcessRecord) -> bool:
    """Whether ``record``'s process is alive and still the program recorded."""
    if record.pid <= 0:
        return False
    _reap(record.pid)
    # Just after exec the kernel may still show the parent's command line for a
    # moment: a mismatch is only believed once it lasts.
    for _ in range(_CMDLINE_ATTEMPTS):
        observed = _observe(record.pid)
        if observed is None:
            return False
        state, command = observed
        if state == "Z":  # dead, only not yet collected by its parent
            return False
        if command == record.argv:
            return True
        time.sleep(0.02)
    return False


def _observe(pid: int) -> tuple[str, list[str]] | None:
    """The state and command line of ``pid``, or None if there is no such process."""
    proc = Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        command = (proc / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return None
    return state, [part.decode(errors="replace") for part in command if part]


def signal_process(record: ProcessRecord, signum: int) -> bool:
    """Send ``signum`` to ``record``'s process if it is still running; whether it was."""
    if not is_running(record):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signum)
    return True


def stop_all(records: Iterable[ProcessRecord], timeout_s: float) -> list[str]:
    """SIGTERM each process, SIGKILL what is left after ``timeout_s``; the names killed."""
    running = [record for record in records if signal_process(record, signal.SIGTERM)]
    deadline = time.monotonic() + timeout_s
    while running and time.monotonic() < deadline:
        time.sleep(_POLL_S)
        running = [record for record in running if is_running(record)]
    for record in running:
        signal_process(record, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while any(is_running(record) for record in running) and time.monotonic() < deadline:
        time.sleep(_POLL_S)
    return [record.name for record in running]


def is_ready(record: ProcessRecord) -> bool:
    try:
        with urllib.request.urlopen(record.ready_url, timeout=1.0) as response:  # noqa: S310 — our own loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(records: list[ProcessRecord], timeout_s: float) -> None:
    """Wait until every process answers ready; raise, naming one that did not and why."""
    waiting = list(records)
    deadline = time.monotonic() + timeout_s
    while waiting:
        for record in list(waiting):
            if not is_running(record):
                raise SystemFailure(
                    f"{record.name} exited at start: {last_line(record.log_file)} "
                    f"(log: {record.log_file})"
                )
            if is_ready(record):
                waiting.remove(record)
        if waiting and time.monotonic() > deadline:
            record = waiting[0]
            raise SystemFailure(
                f"{record.name} was not ready within {timeout_s:g} s: "
                f"{last_line(record.log_file)} (log: {record.log_file})"
            )
        if waiting:
            time.sleep(_POLL_S)


def last_line(log_file: Path) -> str:
    with contextlib.suppress(OSError):
        lines = log_file.read_text(errors="replace").strip().splitlines()
        if lines:
            return lines[-1][-300:]
    return "no log written"
