"""A local replica of the Kubernetes topology: three NATS nodes, two of each service.

``LocalCluster(directory).up()`` starts it and returns once every node and
every replica is ready; ``down()`` stops them all. In between, the state file
in the directory says what runs where, so another command (``otv cluster
down``) or a test can find, kill and restart any one process.
"""

from __future__ import annotations

import signal
from pathlib import Path

from otv.cluster.layout import STATE_FILE, ClusterLayout, ClusterState, ProcessRecord
from otv.cluster.processes import is_running, signal_process, spawn, stop_all, wait_ready
from otv.errors import SystemFailure, UsageError

__all__ = ["ClusterState", "LocalCluster", "ProcessRecord"]

_NATS_READY_S = 30.0
_SERVICES_READY_S = 90.0
_STOP_S = 15.0


class LocalCluster:
    def __init__(self, directory: Path, nats_server_bin: Path | None = None) -> None:
        self.directory = directory
        self._nats_server_bin = nats_server_bin

    @property
    def _layout(self) -> ClusterLayout:
        return ClusterLayout(self.directory)

    def state(self) -> ClusterState | None:
        """The cluster last started here, if any (its processes may have ended)."""
        state_file = self.directory / STATE_FILE
        if not state_file.is_file():
            return None
        try:
            return ClusterState.model_validate_json(state_file.read_text())
        except ValueError:
            raise UsageError(
                f"{state_file} is not a cluster state file: remove it, or pick another --dir"
            ) from None

    def running(self) -> list[ProcessRecord]:
        state = self.state()
        return [record for record in state.processes if is_running(record)] if state else []

    def up(self) -> ClusterState:
        """Start the nodes, wait for JetStream's cluster, then start the services."""
        if self.running():
            raise UsageError(
                f"a cluster is already running in {self.directory}: run `otv cluster down` first"
            )
        layout = self._layout
        state = layout.plan(self._nats_server_bin)
        nodes = [record for record in state.processes if record.kind == "nats"]
        services = [record for record in state.processes if record.kind != "nats"]
        started: list[ProcessRecord] = []
        try:
            for record in nodes:
                started.append(spawn(record, layout.environment(record)))
            self._save(state, started)
            wait_ready(started, _NATS_READY_S)
            for record in services:
                started.append(spawn(record, layout.environment(record)))
            state = self._save(state, started)
            wait_ready(started, _SERVICES_READY_S)
        except BaseException:
            stop_all(reversed(started), _STOP_S)
            raise
        return state

    def down(self) -> list[str]:
        """Stop every process: services first, then the nodes. The names that had to be
        killed (they did not stop within 15 s)."""
        state = self.state()
        if state is None:
            return []
        services = [record for record in state.processes if record.kind != "nats"]
        nodes = [record for record in state.processes if record.kind == "nats"]
        killed = stop_all(services, _STOP_S) + stop_all(nodes, _STOP_S)
        leftover = [record.name for record in state.processes if is_running(record)]
        if leftover:
            raise SystemFailure(f"still running after SIGKILL: {', '.join(leftover)}")
        (self.directory / STATE_FILE).unlink()
        return killed

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        """Send ``signum`` to one process (a fault, for tests)."""
        state = self._required_state()
        if not signal_process(state.process(name), signum):
            raise UsageError(f"{name} is not running")

    def restart(self, *names: str, wait_s: float = _SERVICES_READY_S) -> list[ProcessRecord]:
        """Start processes again with their recorded commands (after a kill), then wait
        until all are ready: NATS nodes restarted together need each other to be."""
        state = self._required_state()
        records = [state.process(name) for name in names]
        for record in records:
            if is_running(record):
                raise UsageError(f"{record.name} is running: kill it first")
        layout = self._layout
        restarted = [spawn(record, layout.environment(record)) for record in records]
        by_name = {record.name: record for record in restarted}
        self._save(state, [by_name.get(r.name, r) for r in state.processes])
        wait_ready(restarted, wait_s)
        return restarted

    def _required_state(self) -> ClusterState:
        state = self.state()
        if state is None:
            raise UsageError(f"no cluster in {self.directory}: run `otv cluster up` first")
        return state

    def _save(self, state: ClusterState, processes: list[ProcessRecord]) -> ClusterState:
        """Record the started processes (their pids) over the plan's."""
        by_name = {record.name: record for record in processes}
        state = state.model_copy(
            update={"processes": [by_name.get(r.name, r) for r in state.processes]}
        )
        state_file = self.directory / STATE_FILE
        temporary = state_file.with_suffix(".tmp")
        temporary.write_text(state.model_dump_json(indent=2) + "\n")
        temporary.replace(state_file)
        return state
