"""Where a repository is, how to reach it, and what git said when it could not.

A verification names its repository as a local path, a ``file://`` URL, or a
remote ``https://``, ``ssh://`` or ``user@host:path`` URL. Credentials come
from settings (a token, a git credential-store file, an SSH key) and reach git
through its environment, never through its arguments, so they appear in no
process list, log or message.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

from otv.errors import GitFailure, RepositoryError, UsageError
from otv.git.command import GitResult, run_git
from otv.redaction import redact
from otv.settings import Settings

_SCP_LIKE = re.compile(r"^[A-Za-z0-9._\-]+@[A-Za-z0-9.\-]+:(?!//)")
_REMOTE_SCHEMES = {"https", "http", "ssh", "git+ssh"}


@dataclass(frozen=True)
class GitCredentials:
    """How otv authenticates to remote repositories; all optional."""

    token: str | None = field(default=None, repr=False)
    token_user: str = "x-access-token"  # noqa: S105 — a user name, not a secret
    credentials_file: Path | None = None
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None
    ssh_command: str = "ssh"

    @classmethod
    def from_settings(cls, settings: Settings) -> GitCredentials:
        token = settings.git_token.get_secret_value() if settings.git_token else None
        if token is None and settings.git_token_file is not None:
            try:
                token = settings.git_token_file.read_text().strip()
            except OSError as exc:
                raise UsageError(
                    f"cannot read the git token file {settings.git_token_file}: {exc.strerror}"
                ) from None
        return cls(
            token=token,
            token_user=settings.git_token_user,
            credentials_file=settings.git_credentials_file,
            ssh_key_file=settings.git_ssh_key_file,
            known_hosts_file=settings.git_known_hosts_file,
            ssh_command=settings.git_ssh_command,
        )

    def environment(self) -> dict[str, str]:
        """Variables that give git these credentials, and forbid it to prompt."""
        config: list[tuple[str, str]] = []
        if self.token:
            basic = base64.b64encode(f"{self.token_user}:{self.token}".encode()).decode()
            config.append(("http.extraHeader", f"Authorization: Basic {basic}"))
        if self.credentials_file is not None:
            config.append(("credential.helper", f"store --file={self.credentials_file}"))
        env = {"GIT_CONFIG_COUNT": str(len(config))}
        for index, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{index}"] = key
            env[f"GIT_CONFIG_VALUE_{index}"] = value
        ssh = [self.ssh_command, "-o", "BatchMode=yes"]
        if self.ssh_key_file is not None:
            ssh += ["-i", str(self.ssh_key_file), "-o", "IdentitiesOnly=yes"]
        if self.known_hosts_file is not None:
            ssh += ["-o", f"UserKnownHostsFile={self.known_hosts_file}"]
            ssh += ["-o", "StrictHostKeyChecking=yes"]
        else:
            ssh += ["-o", "StrictHostKeyChecking=accept-new"]
        env["GIT_SSH_COMMAND"] = " ".join(ssh)
        return env


@dataclass(frozen=True)
class RepositorySource:
    """A repository: a local one to read refs from, or a remote URL to fetch from."""

    location: str
    timeout_s: float
    local_path: Path | None = None
    credentials: GitCredentials = field(default_factory=GitCredentials)

    @classmethod
    def locate(
        cls, location: str, timeout_s: float, credentials: GitCredentials | None = None
    ) -> RepositorySource:
        """The repository at ``location``: a local one is checked to exist here."""
        credentials = credentials or GitCredentials()
        if is_remote(location):
            return cls(location=location, timeout_s=timeout_s, credentials=credentials)
        path = _local_path(location)
        if not path.exists():
            raise RepositoryError(f"repository not found: {path} does not exist")
        probe = run_git(path, "rev-parse", "--git-dir", timeout_s=timeout_s)
        if not probe.ok:
            raise RepositoryError(f"not a git repository: {path}")
        return cls(
            location=str(path), timeout_s=timeout_s, local_path=path, credentials=credentials
        )

    @property
    def url(self) -> str:
        """What a fetch is pointed at."""
        return str(self.local_path) if self.local_path else self.location

    @property
    def display(self) -> str:
        """The location as it may be shown: credentials in a URL removed."""
        return redact(self.url)

    @property
    def cache_key(self) -> str:
        """The same repository gets the same key, whatever credentials its URL carried."""
        return hashlib.sha256(_without_userinfo(self.url).encode()).hexdigest()[:16]

    def resolve_local(self, ref: str, what: str) -> str:
        """The commit ``ref`` names in a local repository."""
        assert self.local_path is not None
        check_ref(ref, what)
        result = run_git(
            self.local_path,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            timeout_s=self.timeout_s,
        )
        if not result.ok:
            raise RepositoryError(f"unknown {what} {ref!r} in {self.display}")
        return result.stdout.strip()

    def failure(self, result: GitResult, doing: str) -> Exception:
        """The error a failed remote operation means, for the user or for a retry."""
        said = result.stderr.lower()
        where = self.display
        if any(
            s in said for s in ("repository not found", "not found", "does not appear to be a git")
        ):
            return RepositoryError(f"repository not found: {where}")
        if any(
            s in said
            for s in (
                "authentication failed",
                "could not read username",
                "permission denied",
                "403",
                "401",
                "terminal prompts disabled",
                "host key verification failed",
            )
        ):
            return RepositoryError(
                f"permission denied for {where}: check otv's git credentials "
                "(OTV_GIT_TOKEN, OTV_GIT_CREDENTIALS_FILE or OTV_GIT_SSH_KEY_FILE)"
            )
        return GitFailure(f"{doing} {where} failed: {result.first_error_line()}")


def check_ref(ref: str, what: str) -> None:
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n"):
        raise RepositoryError(f"invalid {what} {ref!r}")


def is_remote(location: str) -> bool:
    if _SCP_LIKE.match(location):
        return True
    return urlparse(location).scheme in _REMOTE_SCHEMES


def _without_userinfo(url: str) -> str:
    parsed = urlparse(url)
    if parsed.username is None and parsed.password is None:
        return url
    netloc = parsed.hostname or ""
    if parsed.port:
        netloc += f":{parsed.port}"
    return urlunparse(parsed._replace(netloc=netloc))


def _local_path(location: str) -> Path:
    if "://" in location:
        parsed = urlparse(location)
        if parsed.scheme != "file":
            raise RepositoryError(
                f"unsupported repository URL scheme {parsed.scheme!r}: "
                "use a local path, file://, https:// or ssh://"
            )
        if parsed.netloc not in ("", "localhost"):
            raise RepositoryError(f"file:// URL with a host is not supported: {location}")
        return Path(unquote(parsed.path)).resolve()
    return Path(location).expanduser().resolve()
