"""A real Prometheus scrapes ``otv up``: a verification shows in otv_verifications_total,
read back through Prometheus's HTTP API, with otv's rules loaded and healthy."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import free_port, profiles_yaml, two_target_repository

RULES = Path(__file__).parents[2] / "deploy" / "prometheus" / "rules.yaml"

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None,
    reason="prometheus (Debian's prometheus package, installed by .ci/run) is not on PATH",
)


def fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (loopback)
        return json.loads(response.read())


def query(base: str, promql: str) -> list[dict[str, Any]]:
    found = fetch(f"{base}/api/v1/query?query={urllib.parse.quote(promql)}")
    assert found["status"] == "success"
    result: list[dict[str, Any]] = found["data"]["result"]
    return result


def until(what: str, check: Any, within_s: float = 60) -> Any:
    deadline = time.monotonic() + within_s
    while True:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} within {within_s:g} s"
        time.sleep(0.25)


@pytest.fixture
def otv_up(tmp_path: Path) -> Iterator[tuple[dict[str, str], str, str]]:
    """``otv up``: its services' health URLs, its NATS URL, its admin key file."""
    env = {**os.environ, "OTV_CACHE_DIR": str(tmp_path / "cache"), "OTV_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "otv", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "up.log").open("w"),
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Stop with"):
                break
        printed = "".join(lines)
        health = dict(re.findall(r"^  (\w+): +(http://[\d.:]+)/metrics", printed, re.M))
        nats = re.search(r"NATS URL: +(\S+)", printed)
        key = re.search(r"admin key: +(\S+)", printed)
        assert nats and key, printed + (tmp_path / "up.log").read_text()
        yield health, nats.group(1), key.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_prometheus_scrapes_otv_up_and_reads_a_verification_back(
    otv_up: tuple[dict[str, str], str, str], tmp_path: Path
) -> None:
    health, nats_url, key_file = otv_up
    assert set(health) == {"auth", "collector", "runner", "reporter"}
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": f"otv-{name}", "static_configs": [{"targets": [url.split("//")[1]]}]}
            for name, url in health.items()
        ],
    }
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    prometheus = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("w"),
    )
    try:
        up = until(
            "all four services scraped",
            lambda: len([s for s in query(base, 'up{job=~"otv-.*"} == 1')]) == 4,
        )
        assert up
        repo = two_target_repository(tmp_path / "repo")
        profiles = tmp_path / "profiles.yaml"
        profiles.write_text(profiles_yaml())
        verified = subprocess.run(
            [sys.executable, "-m", "otv", "verify", str(repo.path), "--head", "feature",
             "--target", "main", "--profiles", str(profiles), "--server", nats_url, "--json"],
            env={**os.environ, "OTV_API_KEY": Path(key_file).read_text().strip()},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stdout + verified.stderr
        ended = until(
            "the verification read back from Prometheus",
            lambda: query(base, "sum by (verdict, profile) (otv_verifications_total)"),
        )
        assert len(ended) == 1, ended
        verdict = json.loads(verified.stdout)["verdict"]
        # Prometheus holds the verdict otv gave, under the profile that ran.
        assert ended[0]["metric"] == {"verdict": verdict, "profile": "default"}, ended
        assert float(ended[0]["value"][1]) == 1
        # The scenarios the runner ran, by type, through the same server.
        # A scrape taken mid-verification holds only some: wait for one taken after it.
        runs = until(
            "the runner's scenario runs scraped",
            lambda: (
                {
                    r["metric"]["type"]
                    for r in query(
                        base, 'sum by (type) (otv_scenario_runs_total{job="otv-runner"})'
                    )
                }
                == {"merge", "command"}
            ),
        )
        assert runs
        # otv's own rules load and evaluate against what it exposes.
        groups = fetch(f"{base}/api/v1/rules")["data"]["groups"]
        evaluated = [rule for group in groups for rule in group["rules"]]
        defined = yaml.safe_load(RULES.read_text())["groups"]
        assert len(evaluated) == sum(len(group["rules"]) for group in defined)
        assert all(rule["health"] in ("ok", "unknown") for rule in evaluated), [
            (r["name"], r.get("lastError")) for r in evaluated if r["health"] == "err"
        ]
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=30)
