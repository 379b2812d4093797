"""Every built-in scenario type passes and fails for the right reasons."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from support import GitRepo

from otv.context import Dependency, DependencyChange, Environment, TargetDetails
from otv.outcomes import Outcome
from otv.redaction import REDACTED
from otv.scenarios import (
    ChangedFile,
    Location,
    ScenarioContext,
    ScenarioOutput,
    ScenarioRegistry,
    TargetInfo,
)

REGISTRY = ScenarioRegistry.from_entry_points()


def context(worktree: Path | None = None, **fields: Any) -> ScenarioContext:
    target = TargetInfo(
        name=fields.pop("target_name", "main"),
        sha=fields.pop("target_sha", "t" * 40),
        merge_base="b" * 40,
        mergeable=True,
        conflicts=(),
        tree="tree-1",
        changed_files=tuple(fields.pop("changed", ())),
    )
    return ScenarioContext(
        verification_id="v1",
        scenario_id="s1",
        head_ref=fields.pop("head_ref", "feature/x"),
        head_sha=fields.pop("head_sha", "h" * 40),
        target=target,
        worktree=worktree,
        timeout_s=fields.pop("timeout_s", 10.0),
        **fields,
    )


def run(kind: str, config: dict[str, Any], ctx: ScenarioContext) -> ScenarioOutput:
    plugin = REGISTRY.get(kind, "test")
    return asyncio.run(plugin.run(plugin.config_model.model_validate(config), ctx))


def outcome(kind: str, config: dict[str, Any], ctx: ScenarioContext) -> tuple[Outcome, str]:
    output = run(kind, config, ctx)
    return output.outcome, output.message


def invalid(kind: str, config: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        REGISTRY.get(kind, "test").config_model.model_validate(config)
    return str(caught.value)


# --- command -------------------------------------------------------------------------


def test_command_passes_on_an_expected_exit_status(tmp_path: Path) -> None:
    assert run("command", {"run": ["true"]}, context(tmp_path)).outcome is Outcome.PASSED
    assert (
        run("command", {"shell": "exit 3", "exit_codes": [0, 3]}, context(tmp_path)).outcome
        is Outcome.PASSED
    )


def test_command_fails_with_its_exit_status_and_output(tmp_path: Path) -> None:
    output = run("command", {"shell": "echo 'expected 2, got 3'; exit 4"}, context(tmp_path))
    assert output.outcome is Outcome.FAILED
    assert output.diagnosis is not None
    assert (output.diagnosis.kind, output.diagnosis.exit_code) == ("failure", 4)
    assert output.diagnosis.output == "expected 2, got 3"
    assert output.diagnosis.expected == "exit status 0"


def test_command_output_must_and_must_not_match(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    shell = "echo '3 passed, 1 warning'"
    assert (
        outcome("command", {"shell": shell, "output_matches": [r"\d+ passed"]}, ctx)[0]
        is Outcome.PASSED
    )
    failed = outcome("command", {"shell": shell, "output_matches": ["failed"]}, ctx)
    assert failed == (Outcome.FAILED, "the output does not match /failed/")
    failed = outcome("command", {"shell": shell, "output_not_matches": ["warning"]}, ctx)
    assert failed == (Outcome.FAILED, "the output matches /warning/: warning")


def test_command_environment_is_minimal_plus_what_the_profile_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTV_TEST_PROXY", "http://proxy:3128")
    monkeypatch.setenv("OTV_TEST_SECRET", "s3cret")
    config = {
        "shell": 'test "$OTV_TEST_PROXY" = http://proxy:3128 && test "$MODE" = ci && test -z "$OTV_TEST_SECRET" && test "$OTV_TARGET" = main',
        "env": {"MODE": "ci"},
        "pass_env": ["OTV_TEST_PROXY"],
    }
    assert run("command", config, context(tmp_path)).outcome is Outcome.PASSED


def test_command_runs_in_its_cwd_and_refuses_to_leave_the_repository(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "marker").write_text("x")
    assert (
        run("command", {"run": ["test", "-f", "marker"], "cwd": "sub"}, context(tmp_path)).outcome
        is Outcome.PASSED
    )
    assert outcome("command", {"run": ["true"], "cwd": "nope"}, context(tmp_path)) == (
        Outcome.FAILED,
        "cwd nope is not a directory of the repository",
    )
    assert "must be a path inside the repository" in invalid(
        "command", {"run": ["true"], "cwd": "../x"}
    )
    os.symlink("/tmp", tmp_path / "out")
    assert (
        "leads outside the repository"
        in run("command", {"run": ["true"], "cwd": "out"}, context(tmp_path)).message
    )


def test_command_that_cannot_run_or_finish_could_not_check(tmp_path: Path) -> None:
    missing = run("command", {"run": ["no-such-tool-xyz"]}, context(tmp_path))
    assert (missing.outcome, missing.diagnosis.kind if missing.diagnosis else "") == (
        Outcome.ERRORED,
        "infra",
    )
    slow = run("command", {"run": ["sleep", "5"]}, context(tmp_path, timeout_s=0.3))
    assert slow.outcome is Outcome.ERRORED
    assert slow.message.startswith("timed out after 0.3 s")


def test_command_needs_exactly_one_way_to_run() -> None:
    assert "give exactly one of 'run'" in invalid("command", {"run": ["a"], "shell": "b"})
    assert "give exactly one of 'run'" in invalid("command", {})
    assert "unterminated" in invalid(
        "command", {"run": ["a"], "output_matches": ["("]}
    ) or "missing )" in invalid("command", {"run": ["a"], "output_matches": ["("]})


# --- file ----------------------------------------------------------------------------


def test_file_exists_contains_matches_and_mode(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("Apache License\nVersion 2.0\n")
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o755)
    ctx = context(tmp_path)
    good = {
        "path": "LICENSE",
        "contains": ["Apache"],
        "matches": [r"Version \d\.\d"],
        "not_contains": ["GPL"],
    }
    assert run("file", good, ctx).outcome is Outcome.PASSED
    assert run("file", {"path": "run.sh", "mode": "executable"}, ctx).outcome is Outcome.PASSED
    assert run("file", {"path": "run.sh", "mode": "0755"}, ctx).outcome is Outcome.PASSED
    assert outcome("file", {"path": "LICENSE", "mode": "executable"}, ctx) == (
        Outcome.FAILED,
        "LICENSE is not executable",
    )
    assert outcome("file", {"path": "LICENSE", "contains": ["MIT"]}, ctx) == (
        Outcome.FAILED,
        "LICENSE does not contain 'MIT'",
    )
    assert outcome("file", {"path": "LICENSE", "not_contains": ["Apache"]}, ctx) == (
        Outcome.FAILED,
        "LICENSE:1 contains 'Apache'",
    )
    unwanted = run("file", {"path": "LICENSE", "not_contains": ["Apache"]}, ctx)
    assert unwanted.diagnosis is not None
    assert unwanted.diagnosis.locations == (Location("LICENSE", 1),)
    assert outcome("file", {"path": "NOTICE"}, ctx) == (Outcome.FAILED, "NOTICE does not exist")


def test_file_absent(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TOKEN=x")
    assert outcome("file", {"path": ".env", "exists": False}, context(tmp_path)) == (
        Outcome.FAILED,
        ".env exists",
    )
    assert (
        run("file", {"path": "secrets.txt", "exists": False}, context(tmp_path)).outcome
        is Outcome.PASSED
    )


def test_file_refuses_paths_out_of_the_repository(tmp_path: Path) -> None:
    assert "must be a path inside the repository" in invalid("file", {"path": "../etc/passwd"})
    assert "must be a path inside the repository" in invalid("file", {"path": "/etc/passwd"})
    os.symlink("/etc/passwd", tmp_path / "passwd")
    output = run("file", {"path": "passwd", "contains": ["root"]}, context(tmp_path))
    assert output.outcome is Outcome.FAILED
    assert output.message == "refused: passwd leads outside the repository (a symlink?)"


# --- config --------------------------------------------------------------------------


def test_config_files_parse_and_pass_a_schema(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "a.yaml").write_text("name: a\nreplicas: 2\n")
    (tmp_path / "schema.json").write_text(json.dumps({"type": "object", "required": ["replicas"]}))
    config = {"files": ["deploy/*.yaml"], "schema": "schema.json"}
    assert outcome("config", config, context(tmp_path)) == (
        Outcome.PASSED,
        "1 file parse and pass schema.json",
    )
    (tmp_path / "deploy" / "b.yaml").write_text("name: b\n")
    (tmp_path / "deploy" / "c.yaml").write_text("name: [c\n")
    result = run("config", config, context(tmp_path))
    assert result.outcome is Outcome.FAILED
    assert result.message.splitlines() == [
        "2 problems in 3 files:",
        "deploy/b.yaml: $: 'replicas' is a required property",
        "deploy/c.yaml:2:1: expected ',' or ']', but got '<stream end>'",
    ]


def test_config_with_no_matching_file(tmp_path: Path) -> None:
    assert outcome("config", {"files": ["*.toml"]}, context(tmp_path)) == (
        Outcome.FAILED,
        "no file matches *.toml",
    )
    assert (
        run("config", {"files": ["*.toml"], "require_match": False}, context(tmp_path)).outcome
        is Outcome.PASSED
    )


# --- dependencies --------------------------------------------------------------------


def deps_context(head: list[Dependency], drift: list[DependencyChange] = ()) -> ScenarioContext:  # type: ignore[assignment]
    return context(
        None, head_dependencies=tuple(head), details=TargetDetails(name="main", drift=tuple(drift))
    )


def test_dependencies_constraints_with_packaging() -> None:
    head = [
        Dependency("python", "django", "4.2.7"),
        Dependency("python", "requests", specifier=">=2"),
        Dependency("python", "requests", "2.31.0", direct=False),
    ]
    ok = {"constraints": {"Django": ">=4.2,<5", "requests": ">=2.31"}}
    assert run("dependencies", ok, deps_context(head)).outcome is Outcome.PASSED
    bad = run("dependencies", {"constraints": {"django": ">=5"}}, deps_context(head))
    assert bad.outcome is Outcome.FAILED
    assert "django 4.2.7 does not satisfy >=5" in bad.message
    assert "not a version specifier" in invalid("dependencies", {"constraints": {"x": "around 5"}})


def test_dependencies_unpinned_forbidden_and_drift() -> None:
    head = [
        Dependency("python", "flask", specifier=">=3", source="requirements.txt"),
        Dependency("node", "left-pad", "1.3.0"),
    ]
    drift = [
        DependencyChange("python", "flask", "changed", "3.0.3", "3.0.0", "upgrade"),
        DependencyChange("node", "lodash", "changed", "4.17.0", "4.17.21", "downgrade"),
    ]
    ctx = deps_context(head, drift)
    assert (
        "flask is not pinned (requirements.txt)"
        in run("dependencies", {"unpinned": "forbid"}, ctx).message
    )
    assert "left-pad is forbidden" in run("dependencies", {"forbidden": ["left-pad"]}, ctx).message
    assert (
        "lodash goes down from 4.17.21 to 4.17.0"
        in run("dependencies", {"downgrades": "forbid"}, ctx).message
    )
    assert (
        "2 dependencies differ from the target, at most 1 may"
        in run("dependencies", {"max_drift": 1}, ctx).message
    )
    assert run("dependencies", {"drift": "forbid"}, ctx).outcome is Outcome.FAILED
    assert (
        run("dependencies", {"drift": "forbid", "ecosystems": ["go"]}, ctx).outcome
        is Outcome.PASSED
    )
    assert run("dependencies", {}, ctx).outcome is Outcome.PASSED


# --- env and tools -------------------------------------------------------------------


def test_env_present_absent_matching() -> None:
    environment = Environment(
        variables={"CI": "true", "NODE_ENV": "staging", "API_TOKEN": REDACTED},
        variable_names=("CI", "NODE_ENV", "API_TOKEN", "DEBUG"),
    )
    ctx = context(None, environment=environment)
    assert (
        run("env", {"present": ["CI"], "matches": {"NODE_ENV": "^staging$"}}, ctx).outcome
        is Outcome.PASSED
    )
    assert outcome("env", {"present": ["GITHUB_SHA"], "absent": ["DEBUG"]}, ctx) == (
        Outcome.FAILED,
        "GITHUB_SHA is not set; DEBUG is set",
    )
    assert run("env", {"matches": {"NODE_ENV": "^production$"}}, ctx).outcome is Outcome.FAILED
    not_sent = run("env", {"matches": {"HOME": "."}}, ctx)
    assert (not_sent.outcome, not_sent.message) == (
        Outcome.ERRORED,
        "the client did not send HOME's value (add --env HOME to otv verify)",
    )
    assert run("env", {"matches": {"API_TOKEN": "."}}, ctx).outcome is Outcome.ERRORED


def test_tools_on_the_runner_and_as_the_client_reported() -> None:
    ctx = context(None, environment=Environment(tools={"node": "v18.19.0"}))
    assert (
        run("tools", {"tools": {"git": ">=2", "python3": ">=3.11"}}, ctx).outcome is Outcome.PASSED
    )
    too_old = run("tools", {"tools": {"git": ">=99"}}, ctx)
    assert too_old.outcome is Outcome.FAILED
    assert "does not satisfy >=99" in too_old.message
    assert outcome("tools", {"tools": {"no-such-tool-xyz": ""}}, ctx) == (
        Outcome.FAILED,
        "no-such-tool-xyz is not installed on the runner",
    )
    assert run("tools", {"tools": {"node": ">=18"}, "on": "client"}, ctx).outcome is Outcome.PASSED
    assert run("tools", {"tools": {"node": ">=20"}, "on": "client"}, ctx).outcome is Outcome.FAILED


# --- http, tcp, dns ------------------------------------------------------------------


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def health() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_tcp_dns(health: int) -> None:
    ctx = context(None, timeout_s=3)
    assert run("http", {"url": f"http://127.0.0.1:{health}/health"}, ctx).outcome is Outcome.PASSED
    down = run("http", {"url": f"http://127.0.0.1:{health}/broken"}, ctx)
    assert (down.outcome, down.message) == (
        Outcome.FAILED,
        f"http://127.0.0.1:{health}/broken: status 500",
    )
    assert run("http", {"url": f"http://127.0.0.1:{closed_port()}/"}, ctx).outcome is Outcome.FAILED
    assert run("tcp", {"host": "127.0.0.1", "port": health}, ctx).outcome is Outcome.PASSED
    assert run("tcp", {"host": "127.0.0.1", "port": closed_port()}, ctx).outcome is Outcome.FAILED
    assert run("dns", {"name": "localhost"}, ctx).outcome is Outcome.PASSED
    assert run("dns", {"name": "no-such-host.invalid"}, ctx).outcome is Outcome.FAILED
    assert run("dns", {"name": "localhost", "expect": ["10.9.9.9"]}, ctx).outcome is Outcome.FAILED
    assert "String should match pattern" in invalid("http", {"url": "file:///etc/passwd"})


# --- kubernetes-manifests ------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "api:1"}]
"""


def test_kubernetes_manifests_against_a_version(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "api.yaml").write_text(DEPLOYMENT)
    (tmp_path / "deploy" / "widget.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    )
    ctx = context(tmp_path)
    config = {"files": ["deploy/*.yaml"], "kubernetes_version": "1.30"}
    assert outcome("kubernetes-manifests", config, ctx) == (
        Outcome.PASSED,
        "2 manifests valid for Kubernetes 1.30",
    )
    unknown = run("kubernetes-manifests", {**config, "unknown_kinds": "forbid"}, ctx)
    assert unknown.outcome is Outcome.FAILED
    assert "no schema for example.com/v1 Widget" in unknown.message
    (tmp_path / "deploy" / "api.yaml").write_text(
        DEPLOYMENT.replace("replicas: 2", "replicas: two")
    )
    broken = run("kubernetes-manifests", config, ctx)
    assert broken.outcome is Outcome.FAILED
    assert (
        "Deployment api (deploy/api.yaml#0): spec.replicas: 'two' is not of type 'integer'"
        in broken.message
    )


# --- git -----------------------------------------------------------------------------


def test_git_history_rules(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base", {"a": "1"})
    repo.git("checkout", "--quiet", "-b", "feature/login")
    repo.commit("feat(auth): add login\n\nSigned-off-by: Dev <dev@example.com>", {"b": "2"})
    head = repo.commit(
        "fix: handle empty password\n\nSigned-off-by: Dev <dev@example.com>", {"c": "3"}
    )
    ctx = context(
        None, repository=repo.path, target_sha=base, head_sha=head, head_ref="feature/login"
    )
    rules = {
        "message_matches": r"^(feat|fix)(\(.+\))?: ",
        "signoff": True,
        "branch_matches": "^feature/",
        "max_subject_length": 50,
        "merges": "forbid",
    }
    assert outcome("git", rules, ctx) == (Outcome.PASSED, "2 commits follow the rules")
    sloppy = repo.commit("wip", {"d": "4"})
    ctx = context(None, repository=repo.path, target_sha=base, head_sha=sloppy, head_ref="hotfix")
    result = run("git", rules, ctx)
    assert result.outcome is Outcome.FAILED
    lines = result.message.splitlines()
    assert lines[0] == "3 problem(s) in the change's history:"
    assert "branch 'hotfix' does not match /^feature//" in lines
    assert any(line.endswith("'wip' does not match /^(feat|fix)(\\(.+\\))?: /") for line in lines)
    assert any(line.endswith("'wip' has no Signed-off-by") for line in lines)


# --- protected-paths -----------------------------------------------------------------


def test_protected_paths_need_a_review() -> None:
    config = {"paths": ["deploy/prod/**", ".github/workflows/*"]}
    untouched = context(None, changed=[ChangedFile("src/app.py", "M")])
    assert run("protected-paths", config, untouched).outcome is Outcome.PASSED
    touched = context(
        None,
        changed=[
            ChangedFile("deploy/prod/db.yaml", "M"),
            ChangedFile("new.yml", "R", ".github/workflows/ci.yml"),
        ],
    )
    result = run("protected-paths", config, touched)
    assert (result.outcome, result.message) == (
        Outcome.FAILED,
        "changes under protected paths need a review: deploy/prod/db.yaml, new.yml",
    )
    assert result.diagnosis is not None
    assert "review role" in result.diagnosis.expected


def test_speckit_fails_on_critical_findings_of_changed_features_with_their_places(
    tmp_path: Path,
) -> None:
    fixtures = Path(__file__).parents[1] / "fixtures" / "speckit"
    worktree = tmp_path / "tree"
    shutil.copytree(fixtures, worktree)
    touched = context(worktree, changed=[ChangedFile("specs/002-audit-export/tasks.md", "M")])
    output = run("speckit", {}, touched)
    assert output.outcome is Outcome.FAILED
    assert output.message.startswith("1 findings at or above CRITICAL in 002-audit-export")
    assert "C001 CRITICAL constitution" in output.message
    assert output.diagnosis is not None
    assert (".specify/memory/constitution.md", 6) in [
        (place.path, place.line) for place in output.diagnosis.locations
    ]
    # HIGH findings warn through a second scenario that fails on them.
    assert outcome("speckit", {"fail_on": "high"}, touched)[0] is Outcome.FAILED
    assert outcome("speckit", {"fail_on": "critical"}, context(worktree))[1] == (
        "no changed spec-kit feature under specs/"
    )
    everything = run("speckit", {"features": "all"}, context(worktree))
    assert "in 001-deploy-preview, 002-audit-export, 003-spec-only, 004-tasks-only" in (
        everything.message
    )
    assert "fail_on" in invalid("speckit", {"fail_on": "sometimes"})
    assert "inside the repository" in invalid("speckit", {"specs": "../outside"})
    (worktree / "linked").symlink_to(tmp_path)
    escaped = run("speckit", {"specs": "linked"}, context(worktree))
    assert escaped.outcome is Outcome.FAILED and "outside the repository" in escaped.message
