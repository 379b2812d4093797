"""otv's git hooks in a repository built by the test: installed beside an existing hook,
honouring core.hooksPath, verifying the staged change at commit time; and the CI
wrapper's reports and annotations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import GitRepo

from otv.cli import main

ROOT = Path(__file__).parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init", {"app.txt": "hello\n"})
    repo.branch("feature", "main")
    repo.checkout("feature")
    return repo


def git_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "OTV_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}


def commit(repo: GitRepo, tmp_path: Path, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-qm", message],
        cwd=repo.path,
        env=git_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_pre_commit_hook_verifies_the_staged_change_and_keeps_the_old_hook(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = repo.path / ".git" / "hooks"
    marker = tmp_path / "old-hook-ran"
    (hooks / "pre-commit").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (hooks / "pre-commit").chmod(0o755)
    assert main(["hooks", "install", str(repo.path)]) == 0
    assert "kept the existing pre-commit hook" in capsys.readouterr().out
    (repo.path / "app.txt").write_text("hello\nmore\n")
    repo.git("add", "app.txt")
    committed = commit(repo, tmp_path, "more")
    assert committed.returncode == 0, committed.stderr
    assert marker.exists()  # the hook that was there still ran
    assert "main · mergeable: ✓ passed" in committed.stderr  # otv verified the staged tree
    assert repo.git("log", "-1", "--format=%s") == "more"
    assert repo.git("for-each-ref", "refs/otv") == ""  # its temporary ref is gone
    # A staged change that conflicts with the target is refused.
    repo.checkout("main")
    (repo.path / "app.txt").write_text("hello from main\n")
    repo.git("commit", "-qam", "main moves on", "--no-verify")
    repo.checkout("feature")
    (repo.path / "app.txt").write_text("hello from feature\nmore\n")
    repo.git("add", "app.txt")
    before = repo.rev("HEAD")
    refused = commit(repo, tmp_path, "conflicting")
    assert refused.returncode != 0
    assert "the staged change fails a blocking check" in refused.stderr
    assert repo.rev("HEAD") == before
    # Uninstalled, the old hook is back alone.
    assert main(["hooks", "uninstall", str(repo.path)]) == 0
    assert (hooks / "pre-commit").read_text() == f"#!/bin/sh\ntouch {marker}\n"
    assert not (hooks / "pre-commit.otv-saved").exists()
    assert not (hooks / "post-merge").exists()


def test_core_hooks_path_is_honoured(repo: GitRepo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    assert main(["hooks", "install", str(repo.path), "--hook", "pre-commit"]) == 0
    installed = repo.path / ".githooks" / "pre-commit"
    assert installed.exists() and os.access(installed, os.X_OK)
    assert not (repo.path / ".git" / "hooks" / "pre-commit").exists()
    assert "installed by otv hooks install" in installed.read_text()


def test_the_ci_wrapper_writes_reports_annotates_and_summarises(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("broken config", {"deploy.yaml": "a: [\n"})
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "version: 1\nprofiles:\n  default:\n    scenarios:\n"
        "      - {id: configs, type: config, files: ['*.yaml'], severity: blocking}\n"
    )
    summary = tmp_path / "summary.md"
    out = tmp_path / "reports"
    env = {**git_env(tmp_path), "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
           "OTV_BIN": f"{sys.executable} -m otv"}  # fmt: skip
    env.pop("GITHUB_EVENT_PATH", None)
    finished = subprocess.run(
        [str(ROOT / "scripts" / "verify-changes.sh"), str(out), str(repo.path),
         "--head", "feature", "--target", "main", "--profiles", str(profiles)],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert finished.returncode == 1, finished.stderr  # a blocking failure
    for name in ("report.json", "report.md", "junit.xml", "report.sarif"):
        assert (out / name).is_file(), name
    assert json.loads((out / "report.json").read_text())["verdict"] == "failed"
    annotations = [line for line in finished.stdout.splitlines() if line.startswith("::")]
    assert annotations and annotations[0].startswith("::error file=deploy.yaml,line=")
    assert "title=configs on main::" in annotations[0]
    assert summary.read_text() == (out / "report.md").read_text()
