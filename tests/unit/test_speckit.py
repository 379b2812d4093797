"""The spec-kit analysis on fixture features written for it: both task formats, every
finding category with the exact findings expected, the same output twice, incomplete
folders, and files that are malformed, huge or not UTF-8."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from otv.cli import main
from otv.speckit.analyze import analyze_feature, feature_folders
from otv.speckit.parse import MAX_FILE_BYTES, parse_tasks

FIXTURES = Path(__file__).parents[1] / "fixtures" / "speckit"
PREVIEW = "specs/001-deploy-preview"
EXPORT = "specs/002-audit-export"


def findings(feature: str) -> list[tuple[str, str, tuple[tuple[str, int], ...]]]:
    analysis = analyze_feature(FIXTURES, FIXTURES / feature)
    return [(f.id, f.severity, f.locations) for f in analysis.findings]


def test_the_current_format_feature_gives_exactly_these_findings() -> None:
    spec, plan, tasks = (f"{PREVIEW}/{name}" for name in ("spec.md", "plan.md", "tasks.md"))
    assert findings(PREVIEW) == [
        ("D001", "HIGH", ((spec, 24), (spec, 27))),  # FR-002 and FR-005 say the same
        ("A001", "HIGH", ((plan, 6),)),  # Storage: NEEDS CLARIFICATION
        ("A002", "HIGH", ((spec, 26),)),  # "fast and secure", no measure
        ("A003", "HIGH", ((spec, 28),)),  # [NEEDS CLARIFICATION: naming scheme]
        ("A004", "MEDIUM", ((spec, 37),)),  # "easy to use"
        ("U001", "MEDIUM", ((spec, 15),)),  # story 2 has no acceptance scenario
        ("U002", "LOW", ((f"{PREVIEW}/checklists/requirements.md", 4),)),
        ("U003", "LOW", ((tasks, 13),)),  # T005 names no file
        ("C001", "CRITICAL", ((plan, 11),)),  # an open constitution check
        ("G001", "HIGH", ((spec, 25),)),  # FR-003 has no task
        ("G002", "HIGH", ((spec, 26),)),
        ("G003", "HIGH", ((spec, 28),)),
        ("G004", "MEDIUM", ((spec, 36),)),  # SC-001 measured by nothing
        ("G005", "MEDIUM", ((spec, 37),)),
        ("G006", "MEDIUM", ((tasks, 13),)),  # T005 serves nothing
        ("I001", "HIGH", ((tasks, 14),)),  # T007 depends on T006, after it
        ("I002", "MEDIUM", ((plan, 16),)),  # Quota: in the plan, not the spec
        ("I003", "MEDIUM", ((tasks, 10), (tasks, 11))),  # [P] T003, T004: one file
    ]
    analysis = analyze_feature(FIXTURES, FIXTURES / PREVIEW)
    summaries = {f.id: f.summary for f in analysis.findings}
    assert summaries["I001"] == "T007 depends on T006, which comes after it"
    assert summaries["A002"].startswith("'fast, secure' without a measure")
    # Explicit ids first (FR-001 → T002), then the story, then word overlap (FR-005 → T004).
    assert analysis.coverage["FR-001"] == ["T002"]
    assert analysis.coverage["FR-005"] == ["T004"]
    assert analysis.metrics == {
        "requirements": 6, "success_criteria": 2, "tasks": 8, "coverage_percent": 50.0,
        "critical": 1, "high": 8, "medium": 7, "low": 2,
    }  # fmt: skip


def test_the_older_format_feature_gives_exactly_these_findings() -> None:
    spec, tasks = f"{EXPORT}/spec.md", f"{EXPORT}/tasks.md"
    constitution = ".specify/memory/constitution.md"
    assert findings(EXPORT) == [
        ("D001", "HIGH", ((spec, 9), (spec, 10))),  # FR-001 twice
        ("A001", "MEDIUM", ((spec, 11),)),  # TODO
        ("U001", "MEDIUM", ((spec, 11),)),  # FR-002 says nothing testable
        ("C001", "CRITICAL", ((constitution, 6), (tasks, 0))),  # test-first, no test task
        ("G001", "HIGH", ((spec, 11),)),
        ("G002", "MEDIUM", ((tasks, 8),)),
        ("I001", "HIGH", ((tasks, 8),)),  # depends on T009, which does not exist
    ]


def test_both_task_formats_with_wrapped_lines_and_ids_out_of_order() -> None:
    lines = (FIXTURES / EXPORT / "tasks.md").read_text().splitlines()
    tasks = parse_tasks("tasks.md", lines)
    assert [t.id for t in tasks.tasks] == ["T001", "T003", "T002", "T004"]
    wrapped = tasks.tasks[2]
    assert wrapped.parallel and wrapped.depends_on == ["T009"]
    assert wrapped.text.endswith("signed archive, depends on T009")  # the second line joined
    assert wrapped.paths == ["checks/compare.py"] and wrapped.phase == "Phase 3.2: Core"
    current = parse_tasks(
        "tasks.md", (FIXTURES / PREVIEW / "tasks.md").read_text().splitlines()
    ).tasks
    assert (current[0].done, current[5].done, current[1].story) == (True, True, 1)
    assert current[3].references == ["FR-002"]


def test_the_same_tree_gives_the_same_output_twice(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for _ in range(2):
        main(["speckit", "analyze", str(FIXTURES), "--json"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    assert [f["feature"] for f in document["features"]] == [
        f"specs/{p.name}" for p in feature_folders(FIXTURES)
    ]


def test_incomplete_folders_are_reported_as_such() -> None:
    assert [
        (f.id, f.severity)
        for f in analyze_feature(FIXTURES, FIXTURES / "specs/003-spec-only").findings
    ] == [("G001", "CRITICAL")]
    only_tasks = analyze_feature(FIXTURES, FIXTURES / "specs/004-tasks-only").findings
    assert [f.summary for f in only_tasks] == ["specs/004-tasks-only has no spec.md"]


def test_the_command_exits_1_on_a_critical_finding_and_0_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["speckit", "analyze", str(FIXTURES)]) == 1
    assert "C001  CRITICAL" in capsys.readouterr().out
    clean = tmp_path / "repo" / "specs" / "001-clean"
    clean.mkdir(parents=True)
    (clean / "spec.md").write_text(
        "## Requirements\n\n- **FR-001**: System MUST list every key with its role.\n"
    )
    (clean / "plan.md").write_text("# Plan\n")
    (clean / "tasks.md").write_text(
        "## Phase 1: Core\n- [ ] T001 List every key with its role in `otv/keys.py` (FR-001)\n"
    )
    assert main(["speckit", "analyze", str(tmp_path / "repo")]) == 0
    assert main(["speckit", "analyze", str(tmp_path)]) == 2  # no features: one clear line
    assert "no spec-kit feature folders under" in capsys.readouterr().err


def test_malformed_huge_and_non_utf8_files_give_findings_not_crashes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / PREVIEW, root / "specs" / "001-broken")
    feature = root / "specs" / "001-broken"
    (feature / "spec.md").write_bytes(b"## Requirements\n- **FR-001**: caf\xe9 MUST open \xff\n")
    (feature / "plan.md").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (feature / "tasks.md").write_text("- [ ] T001 [P [US]] **broken `unclosed\n- [x]\n####\n")
    analysis = analyze_feature(root, feature)
    summaries = [f.summary for f in analysis.findings]
    assert any("spec.md is not UTF-8 (byte" in s for s in summaries)
    assert any(
        "plan.md 1,048,577 bytes, over the 1,048,576 read: not analysed" in s for s in summaries
    )
    assert analysis.metrics["tasks"] == 1 and analysis.metrics["requirements"] == 1
