"""Reading a file as it is at some commit, without a checkout."""

from __future__ import annotations

from pathlib import Path

import git

from otv.errors import GitFailure, RepositoryError


def read_file_at(repo: Path, commit: str, path: str, max_bytes: int) -> bytes | None:
    """The bytes of ``path`` at ``commit``, or None if there is no such file."""
    try:
        with git.Repo(repo) as repository:
            try:
                item = repository.commit(commit).tree / path
            except KeyError:
                return None
            if item.type != "blob":
                return None
            if item.size > max_bytes:
                raise RepositoryError(f"{path} is larger than {max_bytes // 1024} KiB")
            return bytes(item.data_stream.read())
    except (git.GitCommandError, ValueError, git.BadName) as exc:
        raise GitFailure(f"cannot read {path} at {commit[:12]}: {type(exc).__name__}") from None
