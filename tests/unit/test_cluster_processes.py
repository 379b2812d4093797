"""The local cluster's process handling: what it signals, what it leaves alone."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from otv.cluster import LocalCluster
from otv.cluster.layout import ClusterLayout, ProcessRecord
from otv.cluster.processes import is_running, spawn, stop_all, wait_ready
from otv.errors import SystemFailure, UsageError


def record(tmp_path: Path, name: str, argv: list[str]) -> ProcessRecord:
    return ProcessRecord(
        name=name,
        kind="test",
        argv=argv,
        settings={},
        log_file=tmp_path / f"{name}.log",
        ready_url="http://127.0.0.1:9/readyz",
    )


def test_a_pid_running_another_program_is_never_signalled(tmp_path: Path) -> None:
    sleeper = spawn(record(tmp_path, "sleeper", ["sleep", "30"]), dict(os.environ))
    try:
        assert is_running(sleeper)
        # The same pid, recorded for another program (as after a reboot reused it).
        stranger = sleeper.model_copy(update={"argv": ["nats-server", "--config", "x"]})
        assert not is_running(stranger)
        assert stop_all([stranger], timeout_s=1) == []
        assert is_running(sleeper)
    finally:
        os.kill(sleeper.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while is_running(sleeper):
        assert time.monotonic() < deadline, "a killed process still counts as running"
        time.sleep(0.02)


def test_a_process_that_ignores_sigterm_is_killed_and_named(tmp_path: Path) -> None:
    stubborn = spawn(
        record(
            tmp_path, "stubborn", ["sh", "-c", "trap '' TERM; echo on; while :; do sleep 0.1; done"]
        ),
        dict(os.environ),
    )
    deadline = time.monotonic() + 5
    while "on" not in stubborn.log_file.read_text():  # its trap is set
        assert time.monotonic() < deadline
        time.sleep(0.02)
    polite = spawn(record(tmp_path, "polite", ["sleep", "30"]), dict(os.environ))
    assert stop_all([stubborn, polite], timeout_s=1) == ["stubborn"]
    assert not is_running(stubborn)
    assert not is_running(polite)


def test_a_process_that_exits_at_start_is_reported_with_its_last_line(tmp_path: Path) -> None:
    failing = spawn(
        record(tmp_path, "failing", ["sh", "-c", "echo 'otv: error: bad setting' >&2; exit 2"]),
        dict(os.environ),
    )
    with pytest.raises(SystemFailure, match=r"failing exited at start: otv: error: bad setting"):
        wait_ready([failing], timeout_s=10)


def test_the_layout_keeps_secrets_out_of_commands_and_readable_only_by_the_user(
    tmp_path: Path,
) -> None:
    layout = ClusterLayout(tmp_path / "cluster")
    state = layout.plan()
    passwords = layout.passwords
    text = state.model_dump_json()
    assert not [password for password in passwords.values() if password in text]
    for record_ in state.processes:
        environment = layout.environment(record_)
        assert "OTV_NATS_PASSWORD" not in environment
        if record_.kind != "nats":
            password_file = Path(environment["OTV_NATS_PASSWORD_FILE"])
            assert password_file.read_text().strip() == passwords[record_.kind]
            assert password_file.stat().st_mode & 0o077 == 0
    configs = list((tmp_path / "cluster").glob("nats-*.conf"))
    assert len(configs) == 3
    assert all(config.stat().st_mode & 0o077 == 0 for config in configs)
    # Every process answers readiness on a port of its own.
    ports = {r.ready_url for r in state.processes}
    assert len(ports) == len(state.processes)


def test_commands_on_a_directory_without_a_cluster_say_what_to_do(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path / "nothing")
    assert cluster.state() is None
    assert cluster.down() == []
    with pytest.raises(UsageError, match="otv cluster up"):
        cluster.kill("runner-1")
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "cluster.json").write_text("{not json")
    with pytest.raises(UsageError, match="not a cluster state file"):
        LocalCluster(tmp_path / "garbage").state()
