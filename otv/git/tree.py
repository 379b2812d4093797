"""The files of a tree, and their contents, read from the object database: no checkout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from otv.errors import GitFailure
from otv.git.command import checked, run_git

SYMLINK_MODE = 0o120000
SUBMODULE_MODE = 0o160000


@dataclass(frozen=True)
class TreeFile:
    path: str
    mode: int
    sha: str
    size: int

    @property
    def symlink(self) -> bool:
        return self.mode == SYMLINK_MODE


def tree_files(repo: Path, treeish: str, timeout_s: float) -> list[TreeFile]:
    """Every file of ``treeish`` (a commit or tree id), recursively; submodules left out."""
    result = checked(
        run_git(repo, "ls-tree", "-r", "-l", "-z", "--full-tree", treeish, timeout_s=timeout_s),
        "listing a tree",
    )
    files = []
    for entry in result.stdout.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, sha, size = meta.split()
        if kind != "blob":
            continue
        files.append(TreeFile(path=path, mode=int(mode, 8), sha=sha, size=int(size)))
    return files


class BlobReader:
    """Reads blobs through one long-lived ``git cat-file`` process."""

    def __init__(self, repo: Path) -> None:
        self._repo = git.Repo(repo)

    def read(self, sha: str) -> bytes:
        try:
            return bytes(self._repo.odb.stream(bytes.fromhex(sha)).read())
        except (ValueError, git.GitCommandError) as exc:
            raise GitFailure(f"cannot read object {sha[:12]}: {type(exc).__name__}") from None

    def close(self) -> None:
        self._repo.close()
