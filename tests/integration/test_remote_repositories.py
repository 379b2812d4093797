"""Remote repositories: over HTTP with a token (git's own http-backend), and over ssh."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from support import two_target_repository

from otv.errors import RepositoryError
from otv.git.source import GitCredentials
from otv.profiles.model import ContextSpec
from services.collector.context import Collection

TOKEN = "tok-9f8e7d6c5b4a"


class GitHttp(BaseHTTPRequestHandler):
    """git http-backend behind Basic authentication, as a git host serves repositories."""

    root = Path()
    received: ClassVar[list[tuple[str, str]]] = []

    def _serve(self) -> None:
        authorization = self.headers.get("Authorization", "")
        self.received.append((self.command, authorization))
        expected = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
        if authorization != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "x-access-token",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        output = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        ).stdout
        head, _, payload = output.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(": ")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def git_host(tmp_path: Path) -> Iterator[str]:
    """An HTTP git host serving a bare copy of the two-target repository as /team/app.git."""
    repo = two_target_repository(tmp_path / "work")
    root = tmp_path / "srv"
    (root / "team").mkdir(parents=True)
    subprocess.run(
        ["git", "clone", "--bare", "--quiet", str(repo.path), str(root / "team" / "app.git")],
        check=True,
    )
    GitHttp.root = root
    GitHttp.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHttp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def collection(url: str, tmp_path: Path, credentials: GitCredentials) -> Collection:
    return Collection(url, tmp_path / "cache", 30, credentials, 1 << 20)


def test_a_repository_over_https_with_a_token(git_host: str, tmp_path: Path) -> None:
    work = collection(f"{git_host}/team/app.git", tmp_path, GitCredentials(token=TOKEN))
    head, targets = work.resolve("feature", ["main", "release/1.0"])
    assert work.mirror.resolve("HEAD", "head") == targets["main"]  # the host's default branch
    main = work.target("main", targets["main"], head, ContextSpec(), [])
    release = work.target("release/1.0", targets["release/1.0"], head, ContextSpec(), [])
    assert main.state.merge.mergeable
    assert release.state.merge.conflicts == ("app.txt",)
    assert (main.state.ahead, main.state.behind) == (1, 1)
    # The token went in a header, and is kept nowhere in otv's copy of the repository.
    assert any(authorization for _, authorization in GitHttp.received)
    encoded = base64.b64encode(f"x-access-token:{TOKEN}".encode())
    for file in (tmp_path / "cache").rglob("*"):
        if file.is_file():
            assert TOKEN.encode() not in file.read_bytes(), file
            assert encoded not in file.read_bytes(), file
    # Fetched again, not cloned again.
    calls = len(GitHttp.received)
    collection(f"{git_host}/team/app.git", tmp_path, GitCredentials(token=TOKEN)).resolve(
        "feature", ["main"]
    )
    assert len(GitHttp.received) > calls
    assert (tmp_path / "cache" / "mirrors").exists()
    assert len(list((tmp_path / "cache" / "mirrors").glob("*.git"))) == 1


def test_no_or_a_wrong_token_is_permission_denied(git_host: str, tmp_path: Path) -> None:
    for credentials in (GitCredentials(), GitCredentials(token="wrong")):
        with pytest.raises(RepositoryError) as caught:
            collection(
                f"{git_host}/team/app.git", tmp_path / str(id(credentials)), credentials
            ).resolve("feature", ["main"])
        assert caught.value.message.startswith(f"permission denied for {git_host}/team/app.git")
        assert "wrong" not in caught.value.message


def test_a_missing_repository_or_branch_is_named(git_host: str, tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match=r"^repository not found: .*/team/nope.git$"):
        collection(f"{git_host}/team/nope.git", tmp_path, GitCredentials(token=TOKEN)).resolve(
            "x", ["main"]
        )
    with pytest.raises(RepositoryError, match=r"^unknown target branch 'nope' in "):
        collection(f"{git_host}/team/app.git", tmp_path, GitCredentials(token=TOKEN)).resolve(
            "feature", ["nope"]
        )


def test_credentials_in_a_url_are_never_shown(git_host: str, tmp_path: Path) -> None:
    url = git_host.replace("http://", f"http://x-access-token:{TOKEN}@") + "/team/nope.git"
    with pytest.raises(RepositoryError) as caught:
        collection(url, tmp_path, GitCredentials()).resolve("x", ["main"])
    assert TOKEN not in caught.value.message


FAKE_SSH = """#!/bin/sh
# Stands in for ssh: logs its arguments, then runs the remote command here.
echo "$@" >> "$FAKE_SSH_LOG"
while [ $# -gt 0 ]; do
  case "$1" in
    -o|-i|-p|-l) shift 2 ;;
    -*) shift ;;
    *) shift; break ;;
  esac
done
exec sh -c "$*"
"""


def test_a_repository_over_ssh_with_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = two_target_repository(tmp_path / "work")
    bare = tmp_path / "srv" / "app.git"
    subprocess.run(["git", "clone", "--bare", "--quiet", str(repo.path), str(bare)], check=True)
    ssh = tmp_path / "fake-ssh"
    ssh.write_text(FAKE_SSH)
    ssh.chmod(ssh.stat().st_mode | stat.S_IXUSR)
    key = tmp_path / "deploy_key"
    key.write_text("not a real key\n")
    log = tmp_path / "ssh.log"
    monkeypatch.setenv("FAKE_SSH_LOG", str(log))
    credentials = GitCredentials(ssh_key_file=key, ssh_command=str(ssh))
    work = collection(f"ssh://git@git.example.invalid{bare}", tmp_path, credentials)
    head, targets = work.resolve("feature", ["main"])
    assert work.target("main", targets["main"], head, ContextSpec(), []).state.merge.mergeable
    calls = log.read_text()
    assert f"-i {key}" in calls
    assert "BatchMode=yes" in calls
    assert "git@git.example.invalid" in calls
    scp_like = collection(f"git@git.example.invalid:{bare}", tmp_path / "scp", credentials)
    assert scp_like.resolve("feature", ["main"])[0] == head
