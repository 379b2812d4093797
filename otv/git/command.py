"""Runs one git command, through GitPython, with a timeout and clean errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import git

from otv.errors import GitFailure
from otv.redaction import redact

# Never wait for a password prompt, and keep git's messages parsable.
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "LC_ALL": "C"}


@dataclass(frozen=True)
class GitResult:
    status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.status == 0

    def first_error_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return redact(lines[0].removeprefix("fatal: ").strip()) if lines else f"exit {self.status}"


def run_git(
    directory: Path,
    *args: str,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
) -> GitResult:
    """Run ``git args...`` in ``directory``; raise ``GitFailure`` if it times out or cannot run.

    A non-zero exit is returned, not raised: callers know which codes mean what.
    """
    try:
        status, stdout, stderr = git.Git(str(directory)).execute(
            ["git", *args],
            with_extended_output=True,
            with_exceptions=False,
            kill_after_timeout=timeout_s,
            strip_newline_in_stdout=False,
            env={**_ENV, **(env or {})},
        )
    except git.GitCommandNotFound:
        raise GitFailure("git is not installed or not on PATH; install git") from None
    except OSError as exc:
        raise GitFailure(f"cannot run git in {directory}: {exc.strerror}") from None
    result = GitResult(int(status), str(stdout), str(stderr))
    if result.status == -9 and result.stderr.startswith("Timeout:"):
        raise GitFailure(f"git {args[0]} timed out after {timeout_s:g} s in {directory}")
    return result


def checked(result: GitResult, what: str) -> GitResult:
    """``result`` if git succeeded, else a ``GitFailure`` naming ``what`` failed and why."""
    if not result.ok:
        raise GitFailure(f"{what} failed: {result.first_error_line()}")
    return result
