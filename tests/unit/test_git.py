from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import GitRepo, two_target_repository

from otv.errors import RepositoryError
from otv.git import (
    Mirror,
    RepositorySource,
    add_worktree,
    changed_files,
    merge_commit,
    remove_worktree,
    speculative_merge,
)

TIMEOUT = 30.0


def test_a_clean_merge_gives_a_tree_with_both_sides(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    merge = speculative_merge(repo.path, repo.rev("main"), repo.rev("feature"), TIMEOUT)
    assert merge.mergeable
    assert merge.conflicts == ()
    assert merge.merge_base == repo.rev("main~1")
    listing = repo.git("ls-tree", "--name-only", merge.tree).split()
    assert listing == ["app.txt", "feature.txt", "notes.txt"]
    assert repo.git("show", f"{merge.tree}:notes.txt") == "notes, revised"
    assert repo.git("show", f"{merge.tree}:app.txt").startswith("feature first")


def test_a_conflicting_merge_names_the_conflicting_paths(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    merge = speculative_merge(repo.path, repo.rev("release/1.0"), repo.rev("feature"), TIMEOUT)
    assert not merge.mergeable
    assert merge.conflicts == ("app.txt",)


def test_unrelated_histories_do_not_merge(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("one", {"a.txt": "a"})
    repo.git("checkout", "--quiet", "--orphan", "other")
    other = repo.commit("two", {"b.txt": "b"})
    merge = speculative_merge(repo.path, repo.rev("main"), other, TIMEOUT)
    assert (merge.mergeable, merge.merge_base, merge.conflicts) == (False, "", ())


def test_changed_files_are_what_the_head_changes_since_the_merge_base(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base", {"keep.txt": "k\n", "old.txt": "a\nb\nc\nd\ne\n", "gone.txt": "g"})
    repo.commit(
        "change",
        {"new.txt": "n", "keep.txt": "changed\n", "moved.txt": "a\nb\nc\nd\ne\n"},
        remove=("old.txt", "gone.txt"),
    )
    changes = {
        (c.status, c.path, c.old_path) for c in changed_files(repo.path, base, repo.head(), TIMEOUT)
    }
    assert changes == {
        ("A", "new.txt", ""),
        ("M", "keep.txt", ""),
        ("D", "gone.txt", ""),
        ("R", "moved.txt", "old.txt"),
    }


def test_refs_resolve_in_the_source_and_bad_ones_are_named(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    mirror = Mirror(tmp_path / "cache", RepositorySource.locate(str(repo.path), TIMEOUT))
    assert mirror.resolve("release/1.0", "target branch") == repo.rev("release/1.0")
    assert mirror.resolve("HEAD", "head") == repo.rev("main")
    assert RepositorySource.locate(f"file://{repo.path}", TIMEOUT).url == str(repo.path.resolve())
    with pytest.raises(RepositoryError, match=r"unknown target branch 'nope' in "):
        mirror.resolve("nope", "target branch")
    with pytest.raises(RepositoryError, match="invalid head '--upload-pack=x'"):
        mirror.resolve("--upload-pack=x", "head")


def test_missing_paths_and_non_repositories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match=r"repository not found: .*missing does not exist"):
        RepositorySource.locate(str(tmp_path / "missing"), TIMEOUT)
    (tmp_path / "plain").mkdir()
    with pytest.raises(RepositoryError, match="not a git repository"):
        RepositorySource.locate(str(tmp_path / "plain"), TIMEOUT)
    with pytest.raises(RepositoryError, match="unsupported repository URL scheme 'ftp'"):
        RepositorySource.locate("ftp://example.com/repo.git", TIMEOUT)


def test_the_mirror_fetches_what_it_needs_and_never_writes_to_the_source(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    before = sorted(p.relative_to(repo.path) for p in (repo.path / ".git").rglob("*"))
    source = RepositorySource.locate(str(repo.path), TIMEOUT)
    mirror = Mirror(tmp_path / "cache", source)
    mirror.ensure(repo.rev("feature"), repo.rev("main"))
    assert mirror.has(repo.rev("feature"))
    # A commit on no branch (a detached checkout) is fetched by its id.
    repo.git("checkout", "--quiet", "--detach", "feature")
    detached = repo.commit("detached", {"d.txt": "d"})
    repo.checkout("main")
    assert not mirror.has(detached)
    mirror.ensure(detached)
    assert mirror.has(detached)
    speculative_merge(mirror.path, repo.rev("main"), detached, TIMEOUT)
    after = sorted(p.relative_to(repo.path) for p in (repo.path / ".git").rglob("*"))
    new_in_source = {str(p) for p in after} - {str(p) for p in before}
    # Only the test's own commit and checkouts touched the source, never otv.
    assert not [p for p in new_in_source if "worktrees" in p or "refs/otv" in p]
    assert not (repo.path / ".git" / "refs" / "otv").exists()


def test_a_commit_the_source_does_not_have_is_named(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    mirror = Mirror(tmp_path / "cache", RepositorySource.locate(str(repo.path), TIMEOUT))
    mirror.ensure(repo.rev("main"))
    with pytest.raises(RepositoryError, match=r"commit 000000000000 is not in .*repo"):
        mirror.ensure("0" * 40)


def test_a_fetch_from_a_vanished_source_fails_clearly(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    mirror = Mirror(tmp_path / "cache", RepositorySource.locate(str(repo.path), TIMEOUT))
    mirror.ensure(repo.rev("main"))
    shutil.rmtree(repo.path)
    with pytest.raises(RepositoryError, match=r"^repository not found: .*repo$"):
        mirror.ensure("1" * 40)


def test_the_merge_commit_is_deterministic_and_checks_out_as_a_worktree(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    mirror = Mirror(tmp_path / "cache", RepositorySource.locate(str(repo.path), TIMEOUT))
    main, feature = repo.rev("main"), repo.rev("feature")
    mirror.ensure(main, feature)
    tree = speculative_merge(mirror.path, main, feature, TIMEOUT).tree
    first = merge_commit(mirror, tree, main, feature, "speculative merge")
    again = merge_commit(mirror, tree, main, feature, "speculative merge")
    assert first == again
    directory = tmp_path / "work" / "tree"
    add_worktree(mirror, first, directory)
    try:
        assert (directory / "feature.txt").read_text() == "new\n"
        worktree = GitRepo.__new__(GitRepo)
        worktree.path = directory
        assert worktree.git("rev-parse", "HEAD^1", "HEAD^2").split() == [main, feature]
    finally:
        remove_worktree(mirror, directory)
    assert not directory.exists()
