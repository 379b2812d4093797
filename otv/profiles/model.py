"""The profiles file, as pydantic models.

```yaml
version: 1
profiles:
  default:
    scenarios:
      - {id: mergeable, type: merge, severity: blocking}
      - {id: tests, type: command, run: [python3, -m, pytest, -q], timeout: 600}
  strict:
    extends: default
```

Fields other than the common ones belong to the scenario's type and are
validated by its plugin.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

SCENARIO_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
PROFILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


ProfileName = Annotated[str, StringConstraints(pattern=PROFILE_NAME)]


class ScenarioEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=SCENARIO_ID)
    type: str = Field(min_length=1)
    severity: Literal["warning", "blocking"] = "warning"
    timeout: float = Field(default=600.0, gt=0, le=24 * 3600, description="seconds")
    retries: int = Field(default=0, ge=0, le=10)

    def type_fields(self) -> dict[str, Any]:
        """The fields that belong to the scenario's type."""
        return dict(self.model_extra or {})


class ProfileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    extends: str | None = None
    scenarios: list[ScenarioEntry] = Field(default_factory=list)

    @field_validator("scenarios")
    @classmethod
    def _unique_ids(cls, scenarios: list[ScenarioEntry]) -> list[ScenarioEntry]:
        seen: set[str] = set()
        for scenario in scenarios:
            if scenario.id in seen:
                raise ValueError(f"scenario id {scenario.id!r} is used twice")
            seen.add(scenario.id)
        return scenarios


class ProfilesDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    profiles: dict[ProfileName, ProfileEntry] = Field(min_length=1)
