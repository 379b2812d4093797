from __future__ import annotations

from pathlib import Path

from otv.queries import REPORT_FILES
from otv.scenarios import ScenarioRegistry

DOCS = Path(__file__).parents[2] / "docs"


def test_every_built_in_scenario_type_is_documented() -> None:
    text = (DOCS / "scenarios.md").read_text()
    for name in ScenarioRegistry.from_entry_points().names():
        assert f"`{name}`" in text, f"{name} is not in docs/scenarios.md"


def test_every_report_format_is_documented_with_its_file() -> None:
    text = (DOCS / "reports.md").read_text()
    for fmt, file_name in REPORT_FILES.items():
        assert f"| `{fmt}` | `{file_name}` |" in text, f"{fmt} is not in docs/reports.md"


def test_the_cli_reference_is_what_the_commands_say_now() -> None:
    from otv.cli.reference import render

    assert (DOCS / "cli.md").read_text() == render(), "docs/cli.md is stale: run `make docs`"


def test_every_rpc_subject_and_error_code_is_in_the_api_reference() -> None:
    from otv.bus.subjects import ApiSubject, Subject
    from otv.v1 import api_pb2
    from services.auth.grpc_api import STATUS_OF_CODE

    text = (DOCS / "api.md").read_text()
    for service in api_pb2.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            assert f"`{service.name}.{method.name}`" in text, method.full_name
    for subject in [*ApiSubject, *Subject]:
        assert f"`{subject}`" in text, subject
    for code, status in STATUS_OF_CODE.items():
        assert f"| `{code}` | `{status.name}` |" in text, code


def test_the_runbook_covers_every_alert() -> None:
    import yaml

    rules = yaml.safe_load((DOCS.parent / "deploy" / "prometheus" / "rules.yaml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    text = (DOCS / "operations.md").read_text()
    for alert in alerts:
        assert f"### {alert}" in text, alert
