"""A bare copy of a repository in otv's cache.

otv never writes into the user's repository: merges, merge commits and
worktrees are made in the mirror. The mirror is fetched, not re-cloned, and a
file lock keeps concurrent verifications (and processes) from fetching into it
at the same time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from otv.errors import RepositoryError
from otv.git.command import checked, run_git
from otv.git.source import RepositorySource


class Mirror:
    def __init__(self, cache_dir: Path, source: RepositorySource) -> None:
        self.source = source
        self.timeout_s = source.timeout_s
        digest = hashlib.sha256(source.url.encode()).hexdigest()[:16]
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(source.url).name)[:40] or "repo"
        self.path = cache_dir / "mirrors" / f"{slug}-{digest}.git"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive use of the mirror's refs and worktree list, across processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def ensure(self, *commits: str) -> None:
        """Make sure the mirror holds ``commits``, cloning or fetching as needed."""
        with self.locked():
            if not (self.path / "HEAD").exists():
                self._clone()
            missing = [c for c in commits if not self.has(c)]
            if missing:
                self._fetch(missing)
            if absent := [c for c in missing if not self.has(c)]:
                raise RepositoryError(
                    f"commit {absent[0][:12]} is not in {self.source.url} (was it rewritten?)"
                )

    def has(self, commit: str) -> bool:
        result = run_git(
            self.path, "cat-file", "-e", f"{commit}^{{commit}}", timeout_s=self.timeout_s
        )
        return result.ok

    def _clone(self) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        checked(
            run_git(
                self.path.parent,
                "clone",
                "--bare",
                "--quiet",
                "--no-tags",
                "--",
                self.source.url,
                str(partial),
                timeout_s=self.timeout_s,
            ),
            f"cloning {self.source.url} into otv's cache",
        )
        # Merge trees and commits otv writes are unreferenced for a while:
        # automatic gc must not prune them under a running verification.
        checked(run_git(partial, "config", "gc.auto", "0", timeout_s=self.timeout_s), "git config")
        partial.rename(self.path)

    def _fetch(self, commits: list[str]) -> None:
        # Each commit lands on a ref of its own, so it stays reachable in the cache.
        refspecs = [f"+{c}:refs/otv/commits/{c}" for c in commits]
        result = run_git(
            self.path,
            "fetch",
            "--quiet",
            "--no-tags",
            "--",
            self.source.url,
            *refspecs,
            timeout_s=self.timeout_s,
        )
        if not result.ok:
            # Servers that refuse to serve a commit by id still serve branches and tags.
            checked(
                run_git(
                    self.path,
                    "fetch",
                    "--quiet",
                    "--",
                    self.source.url,
                    "+refs/heads/*:refs/heads/*",
                    "+refs/tags/*:refs/tags/*",
                    timeout_s=self.timeout_s,
                ),
                f"fetching from {self.source.url}",
            )
