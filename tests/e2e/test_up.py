"""``otv up``: the embedded stack as a long-running process."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from support import gone_soon, profiles_yaml, two_target_repository


def start_up(env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "otv", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    printed: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if ":" in line and line.startswith("  "):
            label, _, value = line.strip().partition(":")
            printed[label] = value.strip()
        if line.startswith("Stop with Ctrl-C"):
            return process, printed
    process.kill()
    raise AssertionError(f"otv up did not start: {process.stderr.read() if process.stderr else ''}")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_otv_up_serves_verifications_with_its_admin_key_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "OTV_LOG_FORMAT": "json"}
    env.pop("OTV_CACHE_DIR", None)  # the default: under XDG_CACHE_HOME
    process, printed = start_up(env)
    try:
        url, key_file = printed["NATS URL"], Path(printed["admin key"].split(" ")[0])
        assert url.startswith("nats://127.0.0.1:")
        assert key_file == tmp_path / "cache" / "otv" / "stack" / "admin.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = key_file.read_text().strip()
        server = children_of(process.pid)
        assert server, "nats-server is not a child of otv up"

        repo = two_target_repository(tmp_path / "repo")
        profiles = tmp_path / "profiles.yaml"
        profiles.write_text(profiles_yaml())
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "otv",
                "verify",
                str(repo.path),
                "--head",
                "feature",
                "-t",
                "main",
                "--profiles",
                str(profiles),
                "--server",
                url,
                "--json",
            ],
            env={**env, "OTV_API_KEY": key},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["verdict"] == "passed"

        # A second otv up meanwhile cannot share the store: it gets a temporary one.
        second, second_printed = start_up(env)
        try:
            assert second_printed["store"] != printed["store"]
            assert second_printed["NATS URL"] != url
        finally:
            second.send_signal(signal.SIGINT)
            assert second.wait(timeout=30) == 0
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0
    assert all(gone_soon(pid) for pid in server)
    assert key not in (process.stderr.read() if process.stderr else "")


def test_a_restarted_otv_up_keeps_its_admin_key(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "OTV_LOG_FORMAT": "json"}
    env.pop("OTV_CACHE_DIR", None)
    first, printed = start_up(env)
    first.send_signal(signal.SIGINT)
    assert first.wait(timeout=30) == 0
    key_file = Path(printed["admin key"].split(" ")[0])
    key = key_file.read_text()
    again, printed_again = start_up(env)
    try:
        assert key_file.read_text() == key
        repo = two_target_repository(tmp_path / "repo")
        profiles = tmp_path / "profiles.yaml"
        profiles.write_text(profiles_yaml())
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "otv",
                "verify",
                str(repo.path),
                "--head",
                "feature",
                "-t",
                "main",
                "--profiles",
                str(profiles),
                "--server",
                printed_again["NATS URL"],
            ],
            env={**env, "OTV_API_KEY": key.strip()},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=30) == 0


def test_otv_keys_against_otv_up(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "OTV_LOG_FORMAT": "json"}
    env.pop("OTV_CACHE_DIR", None)
    process, printed = start_up(env)
    admin = Path(printed["admin key"].split(" ")[0]).read_text().strip()
    url = printed["NATS URL"]

    def otv(*argv: str, key: str = admin) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "otv", *argv, "--server", url],
            env={**env, "OTV_API_KEY": key},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    try:
        created = otv(
            "keys", "create", "--name", "CI pipeline", "--role", "run", "--expires", "30d", "--json"
        )
        assert created.returncode == 0, created.stderr
        ci = json.loads(created.stdout)
        assert (ci["info"]["role"], ci["info"]["state"]) == ("run", "active")
        assert ci["info"]["expires_at"] is not None

        listed = json.loads(otv("keys", "list", "--json").stdout)["keys"]
        assert {k["name"]: k["state"] for k in listed} == {
            "bootstrap admin key": "active",
            "CI pipeline": "active",
        }
        assert ci["key"] not in json.dumps(listed)

        table = otv("keys", "list")
        assert "CI pipeline" in table.stdout
        assert ci["info"]["id"] in table.stdout

        refused = otv("keys", "list", key=ci["key"])
        assert refused.returncode == 2
        assert refused.stderr == (
            f"otv: error: key {ci['info']['id']} has role run; manage-keys needs admin "
            "(ask an admin for a key with that role)\n"
        )

        rotated = otv("keys", "rotate", ci["info"]["id"], "--grace", "1h")
        assert rotated.returncode == 0, rotated.stderr
        lines = rotated.stdout.splitlines()
        assert f"replaces {ci['info']['id']}" in lines[0]
        new_key = lines[-1]
        assert new_key.startswith("otv_")
        assert otv("audit", "verify", key=ci["key"]).returncode == 2  # still valid, but not admin

        revoked = otv("keys", "revoke", ci["info"]["id"])
        assert revoked.stdout == f"key {ci['info']['id']} (CI pipeline) is revoked\n"
        after = otv("status", "nothing", key=ci["key"])
        assert after.returncode == 2
        assert f"revoked API key {ci['info']['id']}" in after.stderr

        verified = otv("audit", "verify")
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("audit trail intact: ")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
