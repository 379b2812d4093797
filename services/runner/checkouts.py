"""The speculative merge of a job checked out: a shared worktree, and one per isolated scenario.

The merge is rebuilt in the runner's own mirror (a runner may not share a disk
with the collector) and must give the tree the collector found. Worktrees are
made when first asked for, and all removed when the job ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from otv.errors import GitFailure
from otv.git import (
    Mirror,
    RepositorySource,
    add_worktree,
    merge_commit,
    remove_worktree,
    speculative_merge,
)
from otv.git.source import GitCredentials
from services.runner.job import Job


class Checkouts:
    def __init__(
        self, job: Job, cache_dir: Path, git_timeout_s: float, credentials: GitCredentials
    ) -> None:
        self._job = job
        self._cache_dir = cache_dir
        self._timeout_s = git_timeout_s
        self._credentials = credentials
        self._work = Path(tempfile.mkdtemp(prefix="otv-job-"))
        self._lock = asyncio.Lock()
        self._mirror: Mirror | None = None
        self._commit = ""
        self._shared: Path | None = None
        self._made: list[Path] = []

    async def mirror(self) -> Mirror:
        """The runner's mirror, holding the head and the target."""
        async with self._lock:
            if self._mirror is None:
                self._mirror = await asyncio.to_thread(self._prepare_mirror)
            return self._mirror

    async def shared(self) -> Path:
        """The worktree every non-isolated scenario of the job shares."""
        async with self._lock:
            if self._shared is None:
                self._shared = await self._new("tree")
            return self._shared

    @contextlib.asynccontextmanager
    async def isolated(self, scenario_id: str) -> AsyncIterator[Path]:
        """A worktree for one scenario alone, removed when it is done."""
        async with self._lock:
            directory = await self._new(f"isolated-{len(self._made)}-{scenario_id}")
        try:
            yield directory
        finally:
            await self._remove(directory)

    async def close(self) -> None:
        for directory in list(self._made):
            await self._remove(directory)
        shutil.rmtree(self._work, ignore_errors=True)

    def _prepare_mirror(self) -> Mirror:
        source = RepositorySource.locate(self._job.repository, self._timeout_s, self._credentials)
        mirror = Mirror(self._cache_dir, source)
        mirror.ensure(self._job.head_sha, self._job.target.sha)
        return mirror

    async def _new(self, name: str) -> Path:
        if self._mirror is None:
            self._mirror = await asyncio.to_thread(self._prepare_mirror)
        if not self._commit:
            self._commit = await asyncio.to_thread(self._merge_commit, self._mirror)
        directory = self._work / name
        await asyncio.to_thread(add_worktree, self._mirror, self._commit, directory)
        self._made.append(directory)
        return directory

    async def _remove(self, directory: Path) -> None:
        if directory in self._made and self._mirror is not None:
            self._made.remove(directory)
            await asyncio.to_thread(remove_worktree, self._mirror, directory)

    def _merge_commit(self, mirror: Mirror) -> str:
        job, target = self._job, self._job.target
        merge = speculative_merge(mirror.path, target.sha, job.head_sha, self._timeout_s)
        if merge.tree != target.tree:
            raise GitFailure(
                f"merging into {target.name} gives tree {merge.tree[:12]} here but "
                f"{target.tree[:12]} in the collector; do they run different git versions?"
            )
        message = f"otv: speculative merge of {job.head_ref} into {target.name}"
        return merge_commit(mirror, merge.tree, target.sha, job.head_sha, message)
