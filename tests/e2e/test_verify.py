"""``otv verify`` on the embedded stack, end to end, on repositories built with git."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import GitRepo, profiles_yaml, two_target_repository

from otv.cli import main


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["verify", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("severity", "verdict", "exit_code"), [("warning", "warned", 0), ("blocking", "failed", 1)]
)
def test_a_feature_against_a_clean_target_and_a_conflicting_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], severity: str, verdict: str, exit_code: int
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml(merge_severity=severity))
    out_dir = tmp_path / "out"
    code, out, err = verify(
        capsys,
        str(repo.path),
        "--head",
        "feature",
        "--target",
        "main",
        "--target",
        "release/1.0",
        "--profiles",
        str(profiles),
        "--json",
        "--out",
        str(out_dir),
    )
    assert (code, err) == (exit_code, "")
    report = json.loads(out)  # --json: the report and nothing else
    assert report["schema"] == "otv.report/v1"
    assert report["verdict"] == verdict
    assert report["head"] == {"ref": "feature", "sha": repo.rev("feature")}
    assert report["profile"] == "default"
    main_target, release = report["targets"]
    assert (main_target["name"], main_target["verdict"]) == ("main", "passed")
    assert main_target["sha"] == repo.rev("main")
    assert main_target["merge"]["mergeable"] is True
    assert main_target["merge"]["merge_base"] == repo.rev("main~1")
    assert [(s["id"], s["outcome"]) for s in main_target["scenarios"]] == [
        ("mergeable", "passed"),
        ("check", "passed"),
    ]
    assert (release["name"], release["verdict"]) == ("release/1.0", verdict)
    assert release["merge"]["mergeable"] is False
    assert release["merge"]["conflicts"] == ["app.txt"]
    assert [(s["id"], s["severity"], s["outcome"]) for s in release["scenarios"]] == [
        ("mergeable", severity, "failed"),
        ("check", "warning", "skipped"),
    ]
    assert release["scenarios"][0]["message"] == "conflicts with release/1.0 in 1 file: app.txt"
    assert json.loads((out_dir / "report.json").read_text()) == report
    assert "| `release/1.0` |" in (out_dir / "report.md").read_text()


def test_the_readable_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml())
    code, out, _ = verify(
        capsys,
        str(repo.path),
        "--head",
        "feature",
        "-t",
        "main",
        "-t",
        "release/1.0",
        "--profiles",
        str(profiles),
    )
    assert code == 0
    assert "conflicts with release/1.0 in 1 file: app.txt" in out
    assert "verdict: warned — warnings only; nothing blocks the merge" in out


def test_the_repositorys_own_profiles_are_used_at_the_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    repo.checkout("feature")
    repo.commit("profiles", {".otv/profiles.yaml": profiles_yaml(run=["sh", "-c", "exit 7"])})
    repo.checkout("main")
    code, out, _ = verify(capsys, str(repo.path), "--head", "feature", "-t", "main", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["profile_source"] == ".otv/profiles.yaml"
    check = report["targets"][0]["scenarios"][1]
    assert (check["id"], check["outcome"]) == ("check", "failed")
    assert check["message"].startswith("exit status 7")


def test_an_unknown_target_branch_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    code, out, err = verify(capsys, str(repo.path), "--head", "feature", "-t", "main", "-t", "nope")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[-1].startswith("otv: ")
    assert "errored (configuration error): unknown target branch 'nope' in" in lines[-1]
    # Before it only progress, a line per phase seen: no traceback, no second error.
    progress = re.compile(r"^\[ *\d+\.\ds\] [a-z]+ · \d+/2 targets finished$")
    assert all(progress.match(line) for line in lines[:-1]), lines


def test_an_invalid_profile_in_the_repository_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    repo.checkout("feature")
    bad = profiles_yaml().replace("timeout: 60", "timeout: soon")
    repo.commit("bad profiles", {".otv/profiles.yaml": bad})
    repo.checkout("main")
    code, _, err = verify(capsys, str(repo.path), "--head", "feature", "-t", "main")
    assert code == 2
    assert (
        "errored (configuration error): .otv/profiles.yaml:6: "
        "profiles.default.scenarios.1.timeout: Input should be a valid number"
    ) in err


def test_a_command_that_does_not_exist_errors_its_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml(run=["no-such-tool-xyz", "--check"]))
    code, out, _ = verify(
        capsys,
        str(repo.path),
        "--head",
        "feature",
        "-t",
        "main",
        "--profiles",
        str(profiles),
        "--json",
    )
    report = json.loads(out)
    check = report["targets"][0]["scenarios"][1]
    assert (check["outcome"], report["verdict"], code) == ("errored", "warned", 0)
    assert check["message"] == "command not found: no-such-tool-xyz (is it installed and on PATH?)"
    blocking = profiles_yaml(run=["no-such-tool-xyz"]).replace(
        "timeout: 60", "timeout: 60, severity: blocking"
    )
    profiles.write_text(blocking)
    code, out, _ = verify(
        capsys,
        str(repo.path),
        "--head",
        "feature",
        "-t",
        "main",
        "--profiles",
        str(profiles),
        "--json",
    )
    assert (json.loads(out)["verdict"], code) == ("errored", 3)


def test_an_unknown_head_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("one", {"a.txt": "a"})
    code, _, err = verify(capsys, str(repo.path), "--head", "no-such-branch", "-t", "main")
    assert code == 2
    assert "unknown head 'no-such-branch'" in err


def test_the_otv_program_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "otv",
            "verify",
            str(repo.path),
            "--head",
            "feature",
            "-t",
            "main",
            "-t",
            "gone",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    # The last line says what is wrong; under load a service's warning may come before it.
    last = result.stderr.splitlines()[-1]
    assert last.startswith("otv: verification "), result.stderr
    assert last.endswith("unknown target branch 'gone' in " + str(repo.path)), result.stderr


def test_the_profile_names_the_targets_when_the_request_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    repo.branch("release/2.0", "release/1.0")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        profiles_yaml().replace("  default:\n", "  default:\n    targets: [main, 'release/*']\n")
    )
    code, out, _ = verify(
        capsys, str(repo.path), "--head", "feature", "--profiles", str(profiles), "--json"
    )
    assert code == 0
    assert [t["name"] for t in json.loads(out)["targets"]] == ["main", "release/1.0", "release/2.0"]
    profiles.write_text(profiles_yaml())
    code, out, err = verify(
        capsys, str(repo.path), "--head", "feature", "--profiles", str(profiles)
    )
    assert code == 2
    assert "no target branch: give --target, or list targets in profile 'default'" in err


def test_a_repeated_verification_is_served_from_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(profiles_yaml())
    argv = [
        str(repo.path),
        "--head",
        "feature",
        "-t",
        "main",
        "--profiles",
        str(profiles),
        "--json",
    ]
    first = json.loads(verify(capsys, *argv)[1])
    second = json.loads(verify(capsys, *argv)[1])
    assert [s["cached"] for s in first["targets"][0]["scenarios"]] == [False, False]
    assert [s["cached"] for s in second["targets"][0]["scenarios"]] == [True, True]
    assert [s["outcome"] for s in second["targets"][0]["scenarios"]] == ["passed", "passed"]


def test_needs_when_and_cache_travel_through_the_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "version: 1\nprofiles:\n  default:\n    parallelism: 2\n    scenarios:\n"
        "      - {id: lint, type: command, run: [sh, -c, 'exit 1']}\n"
        "      - {id: build, type: command, run: ['true'], cache: false}\n"
        "      - {id: publish, type: command, run: ['true'], needs: [lint, build]}\n"
        "      - {id: release-only, type: merge, when: {targets: ['release/*']}}\n"
        "      - {id: docs, type: merge, when: {changed: ['docs/**']}}\n"
    )
    argv = [
        str(repo.path),
        "--head",
        "feature",
        "-t",
        "main",
        "--profiles",
        str(profiles),
        "--json",
    ]
    runs = [json.loads(verify(capsys, *argv)[1]) for _ in range(2)]
    first, second = ({s["id"]: s for s in run["targets"][0]["scenarios"]} for run in runs)
    assert (first["publish"]["outcome"], first["publish"]["message"]) == (
        "skipped",
        "not run: it needs lint, which failed",
    )
    assert first["release-only"]["message"] == "not run: main is not one of release/*"
    assert first["docs"]["message"] == "not run: no changed file matches docs/**"
    assert second["lint"]["cached"] is True
    assert second["build"]["cached"] is False  # cache: false, through the pipeline


def test_contradictory_dependency_constraints_stop_the_verification_with_the_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "version: 1\nprofiles:\n  default:\n    scenarios:\n"
        "      - {id: deps-lts, type: dependencies, constraints: {django: '>=4.2,<5'}}\n"
        "      - {id: deps-new, type: dependencies, constraints: {django: '>=5.0'}}\n"
    )
    code, out, err = verify(
        capsys, str(repo.path), "--head", "feature", "-t", "main", "--profiles", str(profiles)
    )
    assert code == 2 and out == ""
    last = err.splitlines()[-1]
    assert "configuration error" in last
    assert "profiles.yaml:5: no version of django meets every constraint" in last
    assert "deps-new (profiles.yaml:6) wants django>=5.0" in last
