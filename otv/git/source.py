"""Where a repository is, and resolving its refs to commits.

A verification names its repository as a local path or a ``file://`` URL;
refs are resolved in the repository itself, so ``HEAD`` means what the user's
checkout means now, not what a cached copy remembers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from otv.errors import RepositoryError
from otv.git.command import run_git


@dataclass(frozen=True)
class RepositorySource:
    """A readable git repository on this machine."""

    path: Path
    timeout_s: float

    @classmethod
    def locate(cls, location: str, timeout_s: float) -> RepositorySource:
        """The repository at ``location`` (a path or ``file://`` URL), checked to exist."""
        path = _local_path(location)
        if not path.exists():
            raise RepositoryError(f"repository not found: {path} does not exist")
        probe = run_git(path, "rev-parse", "--git-dir", timeout_s=timeout_s)
        if not probe.ok:
            raise RepositoryError(f"not a git repository: {path}")
        return cls(path=path, timeout_s=timeout_s)

    def resolve(self, ref: str, what: str) -> str:
        """The full commit id ``ref`` names; ``what`` says which ref it is, for the error."""
        if not ref or ref.startswith("-") or any(c in ref for c in "\0\n"):
            raise RepositoryError(f"invalid {what} {ref!r}")
        result = run_git(
            self.path,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            timeout_s=self.timeout_s,
        )
        if not result.ok:
            raise RepositoryError(f"unknown {what} {ref!r} in {self.path}")
        return result.stdout.strip()

    @property
    def url(self) -> str:
        """What a fetch is pointed at."""
        return str(self.path)


def _local_path(location: str) -> Path:
    if "://" in location:
        parsed = urlparse(location)
        if parsed.scheme != "file":
            raise RepositoryError(
                f"unsupported repository URL scheme {parsed.scheme!r}: use a local path or file://"
            )
        if parsed.netloc not in ("", "localhost"):
            raise RepositoryError(f"file:// URL with a host is not supported: {location}")
        return Path(unquote(parsed.path)).resolve()
    return Path(location).expanduser().resolve()
