"""The context of a verification: its head and, per target, the speculative merge.

Pure git work on the collector's mirror, no bus: it runs in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from otv.git import FileChange, MergeResult, Mirror, RepositorySource, speculative_merge
from otv.git.merge import changed_files
from otv.git.objects import read_file_at
from otv.profiles import REPOSITORY_PROFILES_PATH
from otv.profiles.yaml_source import MAX_DOCUMENT_BYTES


@dataclass(frozen=True)
class TargetState:
    name: str
    sha: str
    merge: MergeResult
    changed_files: tuple[FileChange, ...]


@dataclass(frozen=True)
class CollectedContext:
    head_ref: str
    head_sha: str
    targets: tuple[TargetState, ...]
    repository_profiles: bytes


def collect(
    repository: str, head: str, targets: list[str], cache_dir: Path, timeout_s: float
) -> CollectedContext:
    source = RepositorySource.locate(repository, timeout_s)
    head_ref = head or "HEAD"
    head_sha = source.resolve(head_ref, "head")
    names = list(dict.fromkeys(targets))  # each target once, in the order given
    target_shas = {name: source.resolve(name, "target branch") for name in names}
    mirror = Mirror(cache_dir, source)
    mirror.ensure(head_sha, *target_shas.values())
    states = []
    for name, sha in target_shas.items():
        merge = speculative_merge(mirror.path, sha, head_sha, timeout_s)
        changes = changed_files(mirror.path, merge.merge_base, head_sha, timeout_s)
        states.append(TargetState(name=name, sha=sha, merge=merge, changed_files=changes))
    return CollectedContext(
        head_ref=head_ref,
        head_sha=head_sha,
        targets=tuple(states),
        repository_profiles=read_file_at(
            mirror.path, head_sha, REPOSITORY_PROFILES_PATH, MAX_DOCUMENT_BYTES
        )
        or b"",
    )
