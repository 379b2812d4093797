"""A bare copy of a repository in otv's cache.

otv never writes into the user's repository: merges, merge commits and
worktrees are made in the mirror. The mirror is fetched, not re-cloned, and a
file lock keeps concurrent verifications (and processes) from fetching into it
at the same time. Refs of a local repository are read in the repository
itself; those of a remote one in the mirror, after fetching its branches and
tags.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from otv.errors import RepositoryError
from otv.git.command import checked, run_git
from otv.git.source import RepositorySource, check_ref

_BRANCHES_AND_TAGS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")


class Mirror:
    def __init__(self, cache_dir: Path, source: RepositorySource) -> None:
        self.source = source
        self.timeout_s = source.timeout_s
        self._env = source.credentials.environment()
        self._refs_fetched = False
        name = source.url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.removesuffix(".git"))[:40] or "repo"
        self.path = cache_dir / "mirrors" / f"{slug}-{source.cache_key}.git"

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

    def resolve(self, ref: str, what: str) -> str:
        """The commit ``ref`` names: in the repository itself, or in the mirror of a remote one."""
        if self.source.local_path is not None:
            return self.source.resolve_local(ref, what)
        check_ref(ref, what)
        if ref == "HEAD":
            return self._remote_head()
        with self.locked():
            self._clone_if_missing()
            if not self._refs_fetched:
                self._fetch(_BRANCHES_AND_TAGS, prune=True)
                self._refs_fetched = True
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
            raise RepositoryError(f"unknown {what} {ref!r} in {self.source.display}")
        return result.stdout.strip()

    def branches(self) -> list[str]:
        """The repository's branch names."""
        repo = self.source.local_path
        if repo is None:
            with self.locked():
                self._clone_if_missing()
                if not self._refs_fetched:
                    self._fetch(_BRANCHES_AND_TAGS, prune=True)
                    self._refs_fetched = True
            repo = self.path
        listed = checked(
            run_git(
                repo,
                "for-each-ref",
                "--format=%(refname:short)",
                "refs/heads",
                timeout_s=self.timeout_s,
            ),
            "listing branches",
        )
        return sorted(listed.stdout.split())

    def ensure(self, *commits: str) -> None:
        """Make sure the mirror holds ``commits``, cloning or fetching as needed."""
        with self.locked():
            self._clone_if_missing()
            missing = [c for c in commits if not self.has(c)]
            # Each commit lands on a ref of its own, so it stays reachable in the cache;
            # servers that refuse to serve a commit by id still serve branches and tags.
            by_id = [f"+{c}:refs/otv/commits/{c}" for c in missing]
            if missing and not self._fetch(by_id, strict=False):
                self._fetch(_BRANCHES_AND_TAGS)
            if absent := [c for c in missing if not self.has(c)]:
                raise RepositoryError(
                    f"commit {absent[0][:12]} is not in {self.source.display} (was it rewritten?)"
                )

    def has(self, commit: str) -> bool:
        result = run_git(
            self.path, "cat-file", "-e", f"{commit}^{{commit}}", timeout_s=self.timeout_s
        )
        return result.ok

    def _remote_head(self) -> str:
        result = run_git(
            self.path.parent,
            "ls-remote",
            "--",
            self.source.url,
            "HEAD",
            timeout_s=self.timeout_s,
            env=self._env,
        )
        if not result.ok:
            raise self.source.failure(result, "reading the default branch of")
        sha = result.stdout.split()[0] if result.stdout.strip() else ""
        if not sha:
            raise RepositoryError(f"{self.source.display} has no default branch (HEAD)")
        return sha

    def _clone_if_missing(self) -> None:
        if (self.path / "HEAD").exists():
            return
        partial = self.path.with_name(self.path.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        result = run_git(
            self.path.parent,
            "clone",
            "--bare",
            "--quiet",
            "--no-tags",
            "--",
            self.source.url,
            str(partial),
            timeout_s=self.timeout_s,
            env=self._env,
        )
        if not result.ok:
            shutil.rmtree(partial, ignore_errors=True)
            raise self.source.failure(result, "cloning")
        # Merge trees and commits otv writes are unreferenced for a while:
        # automatic gc must not prune them under a running verification.
        checked(run_git(partial, "config", "gc.auto", "0", timeout_s=self.timeout_s), "git config")
        partial.rename(self.path)

    def _fetch(
        self, refspecs: list[str] | tuple[str, ...], prune: bool = False, strict: bool = True
    ) -> bool:
        options = ["--prune"] if prune else []
        result = run_git(
            self.path,
            "fetch",
            "--quiet",
            "--no-tags",
            *options,
            "--",
            self.source.url,
            *refspecs,
            timeout_s=self.timeout_s,
            env=self._env,
        )
        if not result.ok and strict:
            raise self.source.failure(result, "fetching from")
        return result.ok
