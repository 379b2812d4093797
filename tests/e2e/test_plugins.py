"""A third-party scenario type, installed as a package, used from a profile."""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import two_target_repository

from otv.cli import main
from otv.scenarios import ScenarioRegistry

PLUGIN = '''
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from otv.scenarios import ScenarioContext, ScenarioOutput, failed, passed


class ShoutConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    word: str


class Shout:
    """Passes when the merged tree's app.txt says the word out loud."""

    config_model: ClassVar[type[BaseModel]] = ShoutConfig
    requires_worktree: ClassVar[bool] = True

    async def run(self, config: ShoutConfig, context: ScenarioContext) -> ScenarioOutput:
        text = (context.worktree / "app.txt").read_text()
        if config.word.lower() in text.lower():
            return passed(f"{config.word.upper()} is there")
        return failed(f"{config.word.upper()} is not in app.txt", expected=config.word.upper())
'''


def build_wheel(directory: Path) -> Path:
    """A wheel of the package otv-shout 1.0.0, made the way a build backend makes one."""
    files = {
        "otv_shout/__init__.py": PLUGIN,
        "otv_shout-1.0.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: otv-shout\nVersion: 1.0.0\n",
        "otv_shout-1.0.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        "otv_shout-1.0.0.dist-info/entry_points.txt": "[otv.scenarios]\nshout = otv_shout:Shout\n",
    }
    record = []
    for name, content in files.items():
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        record.append(f"{name},sha256={digest},{len(content.encode())}")
    record.append("otv_shout-1.0.0.dist-info/RECORD,,")
    files["otv_shout-1.0.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / "otv_shout-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return wheel


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(build_wheel(tmp_path)),
        ],
        check=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        sys.modules.pop("otv_shout", None)
        importlib.invalidate_caches()


def test_an_installed_plugin_is_a_scenario_type_a_profile_can_use(
    installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = ScenarioRegistry.from_entry_points()
    assert "shout" in registry.names()
    assert registry.version("shout") == "otv-shout==1.0.0"
    repo = two_target_repository(tmp_path / "repo")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "version: 1\nprofiles:\n  default:\n    scenarios:\n"
        "      - {id: loud, type: shout, word: feature}\n"
        "      - {id: quiet, type: shout, word: nothing}\n"
    )
    code = main(
        [
            "verify",
            str(repo.path),
            "--head",
            "feature",
            "-t",
            "main",
            "--profiles",
            str(profiles),
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    loud, quiet = report["targets"][0]["scenarios"]
    assert (loud["type"], loud["outcome"], loud["message"]) == (
        "shout",
        "passed",
        "FEATURE is there",
    )
    assert (quiet["outcome"], quiet["message"]) == ("failed", "NOTHING is not in app.txt")
    profiles.write_text(profiles.read_text().replace("word: feature", "volume: 11"))
    code = main(
        ["verify", str(repo.path), "--head", "feature", "-t", "main", "--profiles", str(profiles)]
    )
    assert code == 2
    assert "shout scenario 'loud': missing field 'word' (and 1 more)" in capsys.readouterr().err
