"""The image's Dockerfile, the NATS Helm values, and the files generated for deploy/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nats
import pytest
from deploy_support import nats_conf, nats_values, tool
from nats.errors import NoServersError

from otv import deployment, nats_accounts
from otv.embedded.nats_server import NatsServer

ROOT = Path(__file__).parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"


def test_generated_deploy_files_are_what_the_code_makes_now() -> None:
    for path, content in deployment.generated(ROOT).items():
        assert path.read_text() == content, f"{path} is out of date: run make deploy-config"
    assert deployment.main([str(ROOT), "--check"]) == 0


def test_the_check_names_a_stale_file_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy", symlinks=True)
    (tmp_path / "deploy" / "nats" / "accounts.yaml").write_text("config: {}\n")
    assert deployment.main([str(tmp_path), "--check"]) == 1
    assert "deploy/nats/accounts.yaml" in capsys.readouterr().err
    assert deployment.main([str(tmp_path)]) == 0
    assert deployment.main([str(tmp_path), "--check"]) == 0


async def test_the_helm_values_give_nats_server_otvs_users_with_passwords_from_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = nats_values()
    assert values["config"]["cluster"] == {"enabled": True, "replicas": 3}
    assert values["config"]["jetstream"]["enabled"] is True
    merge = values["config"]["merge"]
    # The same users and permissions as the embedded stack, passwords aside.
    expected = nats_accounts.configuration(dict.fromkeys(nats_accounts.PASSWORD_USERS, "x"))
    for have, want in zip(
        merge["accounts"]["OTV"]["users"], expected["accounts"]["OTV"]["users"], strict=True
    ):
        assert {k: v for k, v in have.items() if k != "password"} == {
            k: v for k, v in want.items() if k != "password"
        }
    # Every password comes from the Secret, through the container's environment.
    env = values["container"]["env"]
    for user in nats_accounts.PASSWORD_USERS:
        variable = deployment.password_variable(user)
        assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": "otv-nats-users", "key": user}
        monkeypatch.setenv(variable, f"secret-of-{user}")
    config = tmp_path / "nats.conf"
    config.write_text(nats_conf(merge))
    server = NatsServer(tmp_path, port=None, config_file=config)
    url = await server.start()
    try:
        auth = await nats.connect(
            url, user="auth", password="secret-of-auth", allow_reconnect=False
        )
        await auth.close()
        client = await nats.connect(url, allow_reconnect=False)  # anonymous: a client
        await client.close()
        with pytest.raises((NoServersError, nats.errors.Error)):
            await nats.connect(
                url, user="auth", password="not-it", allow_reconnect=False, connect_timeout=2
            )
    finally:
        await server.stop()


def test_the_dockerfile_is_clean_under_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_hadolint_here_does_find_faults(tmp_path: Path) -> None:
    """The check above can fail: the same linter on a careless Dockerfile."""
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN apt-get install git\nRUN pip install otv\n")
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(careless)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest


def test_the_image_is_multi_stage_non_root_and_runs_otv() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.MULTILINE)
    assert len(stages) >= 2
    assert "--from=build" in text
    user = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert user and user[-1] != "root" and not user[-1].startswith("0")
    assert re.search(r'^ENTRYPOINT \["otv"\]', text, re.MULTILINE)
    # Everything the package is built from passes the .dockerignore allow-list.
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = {
        part.rstrip("/").removeprefix("./")
        for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE)
        for part in line.split()[:-1]
    }
    assert copied <= allowed
    assert {"otv", "services", "pyproject.toml"} <= copied
