"""A temporary worktree holding the speculative merge of a head into a target.

The merge becomes a real commit (parents: the target, then the head) in the
mirror, so scenarios see an ordinary checkout whose history is what the
merge would give. The commit is deterministic: the same head and target
always give the same commit id.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from otv.git.command import checked, run_git
from otv.git.mirror import Mirror

_IDENTITY = {
    "GIT_AUTHOR_NAME": "otv",
    "GIT_AUTHOR_EMAIL": "otv@localhost",
    "GIT_COMMITTER_NAME": "otv",
    "GIT_COMMITTER_EMAIL": "otv@localhost",
}


def merge_commit(mirror: Mirror, tree: str, target: str, head: str, message: str) -> str:
    """The commit of ``tree`` with parents ``target`` and ``head``, dated as the head."""
    timeout = mirror.timeout_s
    date = checked(
        run_git(mirror.path, "log", "-1", "--format=%ct %cz", head, timeout_s=timeout),
        "reading the head's date",
    ).stdout.strip()
    env = {**_IDENTITY, "GIT_AUTHOR_DATE": f"@{date}", "GIT_COMMITTER_DATE": f"@{date}"}
    return checked(
        run_git(
            mirror.path,
            "commit-tree",
            tree,
            "-p",
            target,
            "-p",
            head,
            "-m",
            message,
            timeout_s=timeout,
            env=env,
        ),
        "creating the merge commit",
    ).stdout.strip()


def add_worktree(mirror: Mirror, commit: str, directory: Path) -> None:
    """Check ``commit`` out at ``directory``, which must not exist yet."""
    with mirror.locked():
        checked(
            run_git(
                mirror.path,
                "worktree",
                "add",
                "--detach",
                "--quiet",
                str(directory),
                commit,
                timeout_s=mirror.timeout_s,
            ),
            "creating a worktree",
        )


def remove_worktree(mirror: Mirror, directory: Path) -> None:
    """Remove a worktree made by ``add_worktree``, whatever state it was left in."""
    with mirror.locked():
        removed = run_git(
            mirror.path,
            "worktree",
            "remove",
            "--force",
            str(directory),
            timeout_s=mirror.timeout_s,
        )
        if not removed.ok:
            shutil.rmtree(directory, ignore_errors=True)
            run_git(mirror.path, "worktree", "prune", timeout_s=mirror.timeout_s)
