"""Rendering deploy/: the tools `make setup` installs, the overlays, the NATS values."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
K8S = ROOT / "deploy" / "k8s"


def tool(name: str) -> str:
    """A tool installed by `make setup`: in this environment, or beside the repository."""
    candidates = [Path(sys.executable).parent / name, ROOT / ".venv-checkov" / "bin" / name]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: run `make setup`")
    return found


def render(directory: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize`` makes of ``directory``."""
    result = subprocess.run(
        [tool("kubectl"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def nats_values() -> dict[str, Any]:
    """deploy/nats/values.yaml then accounts.yaml, merged as Helm merges several -f files."""

    def merge(into: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
        for key, value in other.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value
        return into

    values: dict[str, Any] = {}
    for name in ("values.yaml", "accounts.yaml"):
        merge(values, yaml.safe_load((ROOT / "deploy" / "nats" / name).read_text()))
    return values


def nats_conf(merge: dict[str, Any]) -> str:
    """What the chart writes of its merge block: NATS configuration, "<< x >>" left raw."""
    return re.sub(r'"<< (.*?) >>"', r"\1", json.dumps(merge, indent=2))
