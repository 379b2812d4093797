"""The CI templates in docs/ci parse, and every otv command they run exists with every
flag they give it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from otv.cli import cli, main

ROOT = Path(__file__).parents[2]
TEMPLATES = sorted((ROOT / "docs" / "ci").iterdir())
COMMAND = re.compile(r"\botv ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)([^\n\"']*)")


def otv_commands(text: str) -> list[tuple[list[str], list[str]]]:
    """Each ``otv ...`` command line: the command path, and the flags it gives."""
    found = []
    for match in COMMAND.finditer(text):
        words = match.group(1).split()
        path: list[str] = []
        command = cli
        for word in words:
            commands = getattr(command, "commands", {})
            if word not in commands:
                break
            path.append(word)
            command = commands[word]
        if not path:
            continue  # "pip install otv", a comment's prose
        flags = re.findall(r"(?<!\S)(--[a-z][a-z-]*)", match.group(1) + match.group(2))
        found.append((path, flags))
    return found


def test_there_is_a_template_for_each_ci() -> None:
    assert [p.name for p in TEMPLATES] == ["Jenkinsfile", "github-actions.yml", "gitlab-ci.yml"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_a_template_parses_and_its_otv_commands_exist(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = template.read_text()
    if template.suffix in (".yml", ".yaml"):
        document = yaml.safe_load(text)
        assert isinstance(document, dict) and document
    else:
        # No Groovy here: check the declarative pipeline's shape and its brackets.
        assert re.search(r"^pipeline \{", text, re.MULTILINE)
        code = re.sub(r"//[^\n]*", "", text)
        assert code.count("{") == code.count("}") and code.count("(") == code.count(")")
        for section in ("agent", "stages", "post"):
            assert re.search(rf"\b{section}\b", code), section
    commands = otv_commands(text)
    assert commands, f"{template.name} runs no otv command"
    for path, flags in commands:
        # `otv hooks run verify-changes ...` hands its flags to otv verify.
        helped = ["verify"] if path[:2] == ["hooks", "run"] else path
        assert main([*helped, "--help"]) == 0, path
        shown = capsys.readouterr().out
        for flag in flags:
            assert flag in shown, f"{template.name}: otv {' '.join(path)} has no {flag}"


def test_the_pre_commit_framework_hooks_run_real_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in hooks} == {"otv-verify", "otv-post-merge"}
    for hook in hooks:
        assert hook["entry"].startswith("otv hooks run ")
        assert main(["hooks", "run", "--help"]) == 0
        assert hook["entry"].split()[-1] in capsys.readouterr().out
