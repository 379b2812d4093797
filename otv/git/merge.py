"""Speculative merges: what merging a head into a target would give, without merging.

``git merge-tree --write-tree`` computes the merge in the object database only;
no ref, index or working tree changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from otv.errors import GitFailure
from otv.git.command import GitResult, checked, run_git


@dataclass(frozen=True)
class MergeResult:
    merge_base: str  # empty when the histories are unrelated
    mergeable: bool
    conflicts: tuple[str, ...]
    tree: str  # the merged tree; with conflicts, the tree git wrote with conflict markers


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # A, M, D, R, C or T
    old_path: str = ""


def merge_base(repo: Path, first: str, second: str, timeout_s: float) -> str:
    result = run_git(repo, "merge-base", first, second, timeout_s=timeout_s)
    if result.status == 1:
        return ""  # no common ancestor
    return checked(result, "git merge-base").stdout.strip()


def speculative_merge(repo: Path, target: str, head: str, timeout_s: float) -> MergeResult:
    """Merge ``head`` into ``target`` (commit ids) in the object database of ``repo``."""
    base = merge_base(repo, target, head, timeout_s)
    if not base:
        return MergeResult(merge_base="", mergeable=False, conflicts=(), tree="")
    result = run_git(
        repo,
        "merge-tree",
        "--write-tree",
        "--name-only",
        "--no-messages",
        "-z",
        target,
        head,
        timeout_s=timeout_s,
    )
    if result.status not in (0, 1):  # 1 means conflicts; anything else is a failure
        raise GitFailure(f"git merge-tree failed: {result.first_error_line()}")
    tree, conflicts = _parse_merge_tree(result)
    return MergeResult(
        merge_base=base, mergeable=result.status == 0, conflicts=conflicts, tree=tree
    )


def _parse_merge_tree(result: GitResult) -> tuple[str, tuple[str, ...]]:
    fields = [f for f in result.stdout.split("\0") if f]
    if not fields:
        raise GitFailure("git merge-tree printed no tree")
    return fields[0], tuple(dict.fromkeys(fields[1:]))


def changed_files(repo: Path, base: str, head: str, timeout_s: float) -> tuple[FileChange, ...]:
    """The files ``head`` changes relative to ``base``, with git's status letters."""
    result = checked(
        run_git(
            repo,
            "diff",
            "--name-status",
            "-z",
            "-M",
            base or _EMPTY_TREE,
            head,
            timeout_s=timeout_s,
        ),
        "git diff",
    )
    fields = result.stdout.split("\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            changes.append(FileChange(fields[index + 2], status, fields[index + 1]))
            index += 3
        else:
            changes.append(FileChange(fields[index + 1], status))
            index += 2
    return tuple(changes)


# git's id of the empty tree: the base to diff against when histories are unrelated.
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
