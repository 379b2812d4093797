"""A snapshot of the client's environment: names, a few values, and tool versions.

Every variable's name is sent; a value only for a variable on the allowlist
(CI metadata, locale, and what the user adds with ``--env NAME``), and never
when the name or the value looks secret. auth applies ``sanitize`` again to
whatever a client sends, so a careless client cannot put a secret in an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import re
import shutil
from collections.abc import Iterable, Mapping

from otv.redaction import REDACTED, redact
from otv.v1 import events_pb2 as pb

DEFAULT_ALLOWED = (
    "CI",
    "LANG",
    "LC_ALL",
    "TZ",
    "SHELL",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "NODE_ENV",
    "GITHUB_ACTIONS",
    "GITHUB_REPOSITORY",
    "GITHUB_REF",
    "GITHUB_REF_NAME",
    "GITHUB_SHA",
    "GITHUB_HEAD_REF",
    "GITHUB_BASE_REF",
    "GITHUB_RUN_ID",
    "GITHUB_WORKFLOW",
    "RUNNER_OS",
    "GITLAB_CI",
    "CI_COMMIT_SHA",
    "CI_COMMIT_REF_NAME",
    "CI_PIPELINE_ID",
    "CI_JOB_ID",
    "CI_PROJECT_PATH",
    "CI_MERGE_REQUEST_IID",
    "BUILD_NUMBER",
    "JOB_NAME",
    "BRANCH_NAME",
)
SECRET_NAME = re.compile(
    r"(?i)(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API[_\-]?KEY|PRIVATE[_\-]?KEY|CREDENTIAL|"
    r"AUTH|COOKIE|SESSION|SIGNING|CERT)"
)
_MAX_VARIABLES = 500
_MAX_VALUE = 1000
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")

# How each tool says its version; the first line of its output is kept.
TOOLS = {
    "python": ["python3", "--version"],
    "git": ["git", "--version"],
    "node": ["node", "--version"],
    "docker": ["docker", "--version"],
    "kubectl": ["kubectl", "version", "--client"],
    "helm": ["helm", "version", "--short"],
}


def safe_value(name: str, value: str) -> str:
    """``value`` as it may travel: redacted when the name or the value looks secret."""
    if SECRET_NAME.search(name):
        return REDACTED
    cleaned = redact(value)
    return cleaned[:_MAX_VALUE]


def snapshot(environ: Mapping[str, str], allowed: Iterable[str] = ()) -> pb.ClientEnvironment:
    allow = {*DEFAULT_ALLOWED, *allowed}
    names = sorted(name for name in environ if _NAME.match(name))[:_MAX_VARIABLES]
    return pb.ClientEnvironment(
        variable_names=names,
        variables={name: safe_value(name, environ[name]) for name in names if name in allow},
        os=f"{platform.system()} {platform.release()}",
    )


def sanitize(environment: pb.ClientEnvironment) -> pb.ClientEnvironment:
    """What a client sent, with anything secret-looking removed: applied by the server."""
    names = [name for name in environment.variable_names if _NAME.match(name)][:_MAX_VARIABLES]
    return pb.ClientEnvironment(
        variable_names=names,
        variables={
            name: safe_value(name, value)
            for name, value in list(environment.variables.items())[:_MAX_VARIABLES]
            if _NAME.match(name)
        },
        tools={
            tool[:40]: redact(version)[:200]
            for tool, version in list(environment.tools.items())[:50]
        },
        os=redact(environment.os)[:200],
    )


async def tool_versions(timeout_s: float = 3.0) -> dict[str, str]:
    """The versions of the tools found on PATH, asked all at once."""

    async def ask(command: list[str]) -> str | None:
        if shutil.which(command[0]) is None:
            return None
        with contextlib.suppress(OSError, TimeoutError):
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
            except TimeoutError:
                process.kill()
                await process.wait()
                return None
            lines = output.decode(errors="replace").strip().splitlines()
            return lines[0][:200] if lines and process.returncode == 0 else None
        return None

    answers = await asyncio.gather(*(ask(command) for command in TOOLS.values()))
    return {tool: answer for tool, answer in zip(TOOLS, answers, strict=True) if answer}
