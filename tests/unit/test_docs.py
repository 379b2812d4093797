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
