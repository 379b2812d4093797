"""Git for otv: repository sources, mirrors, speculative merges and worktrees.

Everything here is synchronous (git is a subprocess); services call it from a
worker thread so the event loop keeps serving.
"""

from otv.git.command import GitResult, run_git
from otv.git.merge import FileChange, MergeResult, changed_files, merge_base, speculative_merge
from otv.git.mirror import Mirror
from otv.git.source import RepositorySource
from otv.git.worktree import add_worktree, merge_commit, remove_worktree

__all__ = [
    "FileChange",
    "GitResult",
    "MergeResult",
    "Mirror",
    "RepositorySource",
    "add_worktree",
    "changed_files",
    "merge_base",
    "merge_commit",
    "remove_worktree",
    "run_git",
    "speculative_merge",
]
