from __future__ import annotations

from otv.environment import sanitize, snapshot, tool_versions
from otv.redaction import REDACTED
from otv.v1 import events_pb2 as pb

ENVIRON = {
    "CI": "true",
    "GITHUB_REF": "refs/pull/7/merge",
    "GITHUB_TOKEN": "ghp_0123456789abcdefghijklmnopqrstuvwxyz01",
    "DEPLOY_PASSWORD": "hunter2",
    "DATABASE_URL": "postgres://app:s3cret@db/app",
    "MY_SETTING": "blue",
    "HOME": "/home/dev",
}


def test_names_are_sent_values_only_when_allowed_and_never_secrets() -> None:
    taken = snapshot(ENVIRON, allowed=["MY_SETTING", "DEPLOY_PASSWORD", "DATABASE_URL"])
    assert list(taken.variable_names) == sorted(ENVIRON)
    assert dict(taken.variables) == {
        "CI": "true",
        "GITHUB_REF": "refs/pull/7/merge",
        "MY_SETTING": "blue",
        "DEPLOY_PASSWORD": REDACTED,  # a secret-looking name, even when allowed
        "DATABASE_URL": "postgres://[REDACTED]@db/app",  # a secret-looking value
    }
    assert "hunter2" not in str(taken)
    assert "ghp_" not in str(taken)


def test_the_server_cleans_what_a_careless_client_sends() -> None:
    careless = pb.ClientEnvironment(
        variable_names=["API_KEY", "bad name!", "PATH"],
        variables={"API_KEY": "sk-live-123", "PATH": "/bin", "NOTE": "token=abc123secret"},
        tools={"git": "git version 2.39 token ghp_0123456789abcdefghijklmnopqrstuvwxyz01"},
        os="Linux",
    )
    clean = sanitize(careless)
    assert list(clean.variable_names) == ["API_KEY", "PATH"]
    assert dict(clean.variables) == {
        "API_KEY": REDACTED,
        "PATH": "/bin",
        "NOTE": f"token={REDACTED}",
    }
    assert "ghp_" not in clean.tools["git"]


async def test_tool_versions_are_found() -> None:
    tools = await tool_versions()
    assert tools["git"].startswith("git version ")
    assert tools["python"].startswith("Python 3.")
