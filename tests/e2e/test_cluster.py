"""``otv cluster``: three clustered NATS nodes and two replicas of every service."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import nats
import pytest
from support import profiles_yaml, two_target_repository

from otv.cluster import LocalCluster
from otv.cluster.layout import ClusterLayout
from otv.cluster.processes import is_running

pytestmark = pytest.mark.timeout(300)


def otv(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "otv", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def processes_under(directory: Path) -> list[str]:
    """Every live process whose command line names ``directory``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if str(directory) in command and state != "Z":
            found.append(f"{entry.name}: {command}")
    return found


async def verify_all(
    repo: Path, profiles: Path, env: dict[str, str], count: int
) -> list[tuple[int, dict[str, object], str]]:
    async def one(index: int) -> tuple[int, dict[str, object], str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "otv", "verify", str(repo), "--head", "feature",
            "--target", "main", "--target", "release/1.0", "--profiles", str(profiles),
            "--correlation-id", f"cluster-{index}", "--json",
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        report = json.loads(out) if out.strip() else {}
        return process.returncode or 0, report, err.decode()

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def stream_replicas(url: str, names: list[str]) -> dict[str, tuple[int, int]]:
    """Each stream's configured replicas and the peers that hold it now."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=30)  # a loaded 2-core machine answers slowly
        found = {}
        for name in names:
            info = await js.stream_info(name)
            cluster = info.cluster
            peers = 1 + len(cluster.replicas or []) if cluster is not None else 1
            found[name] = (info.config.num_replicas or 1, peers)
        return found
    finally:
        await nc.close()


def test_cluster_runs_ten_verifications_on_replicated_streams_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "cluster"
    env = {**os.environ, "OTV_CACHE_DIR": str(tmp_path / "cache")}
    up = otv("cluster", "up", "--dir", str(directory), env=env)
    try:
        assert up.returncode == 0, up.stderr
        state = LocalCluster(directory).state()
        assert state is not None
        assert len(state.nats_urls) == 3
        assert sorted(record.kind for record in state.processes) == sorted(
            ["nats"] * 3 + ["auth", "collector", "runner", "reporter"] * 2
        )
        assert f"OTV_SERVER={state.server}" in up.stdout
        # Starting again while it runs is refused, and changes nothing.
        again = otv("cluster", "up", "--dir", str(directory), env=env)
        assert again.returncode == 2
        assert "already running" in again.stderr
        assert LocalCluster(directory).state() == state

        repo = two_target_repository(tmp_path / "repo")
        profiles = tmp_path / "profiles.yaml"
        profiles.write_text(profiles_yaml())
        client = {**env, "OTV_SERVER": state.server, "OTV_API_KEY_FILE": str(state.admin_key_file)}
        results = asyncio.run(verify_all(repo.path, profiles, client, 10))
        ids = set()
        for code, report, err in results:
            assert code == 0, err
            assert report["verdict"] == "warned"  # release/1.0 conflicts; merge is a warning
            ids.add(report["verification_id"])
        assert len(ids) == 10

        operator = ClusterLayout(directory).operator_url(state.nats_urls[0])
        streams = ["OTV_EVENTS", "KV_otv_verifications", "OBJ_otv_reports", "KV_otv_keys"]
        assert asyncio.run(stream_replicas(operator, streams)) == dict.fromkeys(streams, (3, 3))

        listing = otv("list", "--json", env=client)
        assert listing.returncode == 0, listing.stderr
        assert ids <= {
            item["verification_id"] for item in json.loads(listing.stdout)["verifications"]
        }

        # No secret of the cluster is in its state file, and its secrets are the user's alone.
        passwords = ClusterLayout(directory).passwords.values()
        state_text = (directory / "cluster.json").read_text()
        assert not [password for password in passwords if password in state_text]
        assert all(
            f.stat().st_mode & 0o077 == 0 for f in (directory / "secrets").glob("*.password")
        )
        assert (directory / "admin.key").stat().st_mode & 0o077 == 0
    finally:
        down = otv("cluster", "down", "--dir", str(directory), env=env)
    assert down.returncode == 0, down.stderr
    assert "cluster stopped" in down.stdout
    assert processes_under(directory) == []
    assert not [record.name for record in state.processes if is_running(record)]
    status = otv("cluster", "status", "--dir", str(directory), env=env)
    assert status.returncode == 1
    assert "no cluster" in status.stderr


def test_a_killed_replica_shows_in_status_and_restarts(tmp_path: Path) -> None:
    directory = tmp_path / "cluster"
    cluster = LocalCluster(directory)
    try:
        cluster.up()
        cluster.kill("runner-1")
        status = otv("cluster", "status", "--dir", str(directory), "--json", env=dict(os.environ))
        assert status.returncode == 1
        rows = {row["name"]: row["running"] for row in json.loads(status.stdout)["processes"]}
        assert rows["runner-1"] is False
        assert rows["runner-2"] is True
        (restarted,) = cluster.restart("runner-1")
        assert restarted.pid != 0
        assert cluster.running() == [
            record
            for record in cluster.state().processes  # type: ignore[union-attr]
        ]
        with pytest.raises(Exception, match="is running: kill it first"):
            cluster.restart("runner-1")
    finally:
        cluster.down()
    assert processes_under(directory) == []
