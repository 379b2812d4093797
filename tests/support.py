"""Helpers for tests: repositories built with real git."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path


class GitRepo:
    """A real git repository in a test's temporary directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main")
        self.git("config", "user.name", "otv test")
        self.git("config", "user.email", "test@otv.invalid")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def commit(
        self, message: str, files: dict[str, str] | None = None, remove: tuple[str, ...] = ()
    ) -> str:
        for name, content in (files or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            self.git("add", name)
        for name in remove:
            self.git("rm", "--quiet", name)
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "HEAD") -> None:
        self.git("branch", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "--quiet", name)

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", ref)


# The command scenario the e2e repository uses: passes where feature.txt exists.
CHECK_FEATURE = [
    "python3",
    "-c",
    "import os, sys; sys.exit(0 if os.path.exists('feature.txt') else 1)",
]


def two_target_repository(path: Path) -> GitRepo:
    """``feature`` merges cleanly into ``main`` and conflicts with ``release/1.0``.

    All three share ``app.txt``; ``feature`` and ``release/1.0`` both change its
    first line, ``main`` changes another file.
    """
    repo = GitRepo(path)
    repo.commit("base", {"app.txt": "first\nsecond\n", "notes.txt": "notes\n"})
    repo.branch("release/1.0")
    repo.branch("feature")
    repo.commit("main: notes", {"notes.txt": "notes, revised\n"})
    repo.checkout("release/1.0")
    repo.commit("release: first line", {"app.txt": "release first\nsecond\n"})
    repo.checkout("feature")
    repo.commit("feature", {"app.txt": "feature first\nsecond\n", "feature.txt": "new\n"})
    repo.checkout("main")
    return repo


def profiles_yaml(merge_severity: str = "warning", run: list[str] | None = None) -> str:
    command = run or CHECK_FEATURE
    items = ", ".join(f"'{part}'" if "'" not in part else f'"{part}"' for part in command)
    return (
        "version: 1\n"
        "profiles:\n"
        "  default:\n"
        "    scenarios:\n"
        f"      - {{id: mergeable, type: merge, severity: {merge_severity}}}\n"
        f"      - {{id: check, type: command, run: [{items}], timeout: 60}}\n"
    )


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, dead but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone_soon(pid: int, within_s: float = 2.0) -> bool:
    """Whether ``pid`` stops running within ``within_s`` (a kill takes effect asynchronously)."""
    deadline = time.monotonic() + within_s
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


async def stored_events(
    url: str, subject: str = "otv.v1.evt.>"
) -> list[tuple[str, dict[str, str], bytes]]:
    """Every message the event stream still holds on ``subject``: (subject, headers, body)."""
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("OTV_EVENTS")
        found: list[tuple[str, dict[str, str], bytes]] = []
        if info.state.messages == 0:
            return found
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg("OTV_EVENTS", sequence)
            except NotFoundError:
                continue  # erased
            if subject in ("otv.v1.evt.>", msg.subject):
                found.append((msg.subject or "", dict(msg.headers or {}), msg.data or b""))
        return found
    finally:
        await nc.close()


def start_service(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``otv serve NAME`` as its own process, its log (JSON lines) in ``log``."""
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "otv", "serve", name],
        env={"OTV_HEALTH_PORT": "0", **env, "OTV_LOG_FORMAT": "json"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )


def wait_until_ready(name: str, log: Path, within_s: float = 60, times: int = 1) -> None:
    """Until ``log`` says ``name`` is ready (for the ``times``-th time: after restarts)."""
    deadline = time.monotonic() + within_s
    while log.read_text().count(f'"{name} is ready"') < times:
        assert time.monotonic() < deadline, f"{name} did not start: {log.read_text()}"
        time.sleep(0.05)


async def everything_stored(operator_url: str) -> list[bytes]:
    """Every message of every stream — events, audit, KV, reports — with its headers."""
    import nats

    nc = await nats.connect(operator_url)
    try:
        js = nc.jetstream()
        found = []
        for stream in await js.streams_info():
            state = stream.state
            if state.messages == 0:
                continue
            for sequence in range(state.first_seq, state.last_seq + 1):
                try:
                    msg = await js.get_msg(stream.config.name or "", sequence)
                except nats.js.errors.NotFoundError:
                    continue
                found.append(json.dumps(msg.headers or {}).encode() + (msg.data or b""))
        return found
    finally:
        await nc.close()


def free_port() -> int:
    """A loopback port free right now."""
    from otv.cluster.layout import free_ports

    return free_ports(1)[0]
