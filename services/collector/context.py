"""The context of a verification: its head and, per target, what merging would give.

Pure git work on the collector's mirror, no bus: each call runs in a worker
thread. Per target: the merge base, commits ahead and behind, the speculative
merge and its conflicts, the changed files, the target's dependencies and how
the head's differ, and the configuration files of the merged tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from otv.context import Dependency, Finding, TargetDetails
from otv.git import FileChange, MergeResult, Mirror, RepositorySource, speculative_merge
from otv.git.command import checked, run_git
from otv.git.merge import changed_files
from otv.git.objects import read_file_at
from otv.git.source import GitCredentials
from otv.git.tree import BlobReader
from otv.globs import matches_branch
from otv.profiles import REPOSITORY_PROFILES_PATH
from otv.profiles.model import ContextSpec
from otv.profiles.yaml_source import MAX_DOCUMENT_BYTES
from services.collector.config_files import collect_config_files
from services.collector.dependencies import collect_dependencies, drift
from services.collector.files import TreeView
from services.collector.model import Findings


@dataclass(frozen=True)
class TargetState:
    name: str
    sha: str
    merge: MergeResult
    changed_files: tuple[FileChange, ...]
    ahead: int
    behind: int


@dataclass(frozen=True)
class CollectedTarget:
    state: TargetState
    details: TargetDetails


class Collection:
    """Collecting one verification's context from one repository."""

    def __init__(
        self,
        repository: str,
        cache_dir: Path,
        timeout_s: float,
        credentials: GitCredentials,
        max_file_bytes: int,
    ) -> None:
        self.source = RepositorySource.locate(repository, timeout_s, credentials)
        self.mirror = Mirror(cache_dir, self.source)
        self._timeout_s = timeout_s
        self._max_file_bytes = max_file_bytes

    def resolve(self, head: str, targets: list[str]) -> tuple[str, dict[str, str]]:
        """The head's commit and each target's, fetched into the mirror."""
        head_sha = self.resolve_head(head)
        return head_sha, self.resolve_targets(head_sha, targets)

    def resolve_head(self, head: str) -> str:
        """The head's commit, fetched into the mirror."""
        head_sha = self.mirror.resolve(head or "HEAD", "head")
        self.mirror.ensure(head_sha)
        return head_sha

    def resolve_targets(self, head_sha: str, targets: list[str]) -> dict[str, str]:
        names = list(dict.fromkeys(targets))  # each target once, in the order given
        shas = {name: self.mirror.resolve(name, "target branch") for name in names}
        self.mirror.ensure(head_sha, *shas.values())
        return shas

    def expand_targets(self, patterns: tuple[str, ...]) -> list[str]:
        """The branches a profile's target names and globs name, in the profile's order."""
        branches = self.mirror.branches()
        found: list[str] = []
        for pattern in patterns:
            if any(c in pattern for c in "*?["):
                found += [b for b in branches if matches_branch(b, [pattern])]
            else:
                found.append(pattern)  # a plain name: an unknown one is reported as such
        return list(dict.fromkeys(found))

    def repository_profiles(self, head_sha: str) -> bytes:
        found = read_file_at(
            self.mirror.path, head_sha, REPOSITORY_PROFILES_PATH, MAX_DOCUMENT_BYTES
        )
        return found or b""

    def head_dependencies(self, head_sha: str) -> tuple[list[Dependency], list[Finding]]:
        findings = Findings()
        reader = BlobReader(self.mirror.path)
        try:
            view = TreeView(
                self.mirror.path, head_sha, reader, findings, self._timeout_s, self._max_file_bytes
            )
            return collect_dependencies(view, findings), findings.items
        finally:
            reader.close()

    def target(
        self,
        name: str,
        sha: str,
        head_sha: str,
        spec: ContextSpec,
        head_dependencies: list[Dependency],
    ) -> CollectedTarget:
        repo, timeout = self.mirror.path, self._timeout_s
        merge = speculative_merge(repo, sha, head_sha, timeout)
        changes = changed_files(repo, merge.merge_base, head_sha, timeout)
        behind, ahead = self._ahead_behind(sha, head_sha)
        findings = Findings()
        reader = BlobReader(repo)
        try:
            target_view = TreeView(repo, sha, reader, findings, timeout, self._max_file_bytes)
            dependencies = collect_dependencies(target_view, findings)
            if merge.mergeable:
                merged = TreeView(repo, merge.tree, reader, findings, timeout, self._max_file_bytes)
            else:
                findings.add(
                    "", "no-merge", f"{name} does not merge: configuration read at the head"
                )
                merged = TreeView(repo, head_sha, reader, findings, timeout, self._max_file_bytes)
            config_files = collect_config_files(merged, spec, findings)
        finally:
            reader.close()
        state = TargetState(name, sha, merge, changes, ahead, behind)
        details = TargetDetails(
            name=name,
            dependencies=tuple(dependencies),
            drift=tuple(drift(head_dependencies, dependencies)),
            config_files=tuple(config_files),
            findings=tuple(findings.items),
        )
        return CollectedTarget(state, details)

    def _ahead_behind(self, target: str, head: str) -> tuple[int, int]:
        """Commits on the target only, and on the head only."""
        counted = checked(
            run_git(
                self.mirror.path,
                "rev-list",
                "--left-right",
                "--count",
                f"{target}...{head}",
                timeout_s=self._timeout_s,
            ),
            "counting commits",
        )
        behind, ahead = counted.stdout.split()
        return int(behind), int(ahead)
