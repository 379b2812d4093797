"""Dependencies and their drift, per ecosystem, on repositories built with git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import GitRepo

from otv.context import Dependency, DependencyChange
from otv.git.source import GitCredentials
from otv.profiles.model import ContextSpec
from services.collector.context import Collection
from services.collector.dependencies import containers, drift, go_rust, node, python
from services.collector.model import ParseError

TIMEOUT = 30.0


def files_at(
    version: str, flask: str, lodash: str, image_tag: str, serde: str, gin: str
) -> dict[str, str]:
    """One version of a project that uses every ecosystem otv reads."""
    return {
        "requirements.txt": f"flask=={flask}\nrequests>=2.31  # http\n-r requirements-dev.txt\n",
        "requirements-dev.txt": "pytest==8.2.0\n",
        "pyproject.toml": (
            '[project]\nname = "app"\ndependencies = ["pydantic>=2,<3"]\n'
            '[project.optional-dependencies]\ncli = ["click==8.1.7"]\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nrich = "13.7.1"\n'
        ),
        "poetry.lock": f'[[package]]\nname = "Flask"\nversion = "{flask}"\n',
        "uv.lock": 'version = 1\n[[package]]\nname = "pydantic"\nversion = "2.7.1"\n',
        "web/package.json": json.dumps(
            {"dependencies": {"lodash": f"^{lodash}"}, "devDependencies": {"jest": "29.7.0"}}
        ),
        "web/package-lock.json": json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "web"},
                    "node_modules/lodash": {"version": lodash},
                    "node_modules/jest": {"version": "29.7.0"},
                    "node_modules/jest/node_modules/chalk": {"version": "4.1.2"},
                },
            }
        ),
        "go.mod": (
            f"module example.com/app\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin {gin}\n"
            "require (\n\tgolang.org/x/text v0.14.0 // indirect\n)\n"
        ),
        "Cargo.lock": (
            f'[[package]]\nname = "serde"\nversion = "{serde}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
            '[[package]]\nname = "app"\nversion = "0.1.0"\n'
        ),
        "Dockerfile": f"FROM python:{image_tag} AS build\nFROM build\nFROM scratch\n",
        "deploy/app.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
            f"      containers:\n        - {{name: app, image: 'registry.example.com/app:{version}'}}\n"
            "      initContainers:\n        - {name: init, image: 'busybox@sha256:abc123'}\n"
        ),
        "chart/values.yaml": "image:\n  repository: example/api\n  tag: '2.0'\nsidecar: {image: 'envoy:1.30'}\n",
    }


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", files_at("1.0", "3.0.0", "4.17.20", "3.11-slim", "1.0.190", "v1.9.0"))
    repo.branch("release/1.0")
    repo.branch("old")
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("upgrade", files_at("1.1", "3.0.3", "4.17.21", "3.12-slim", "1.0.197", "v1.10.0"))
    repo.checkout("old")
    old = files_at("0.9", "2.3.3", "4.17.21", "3.11-slim", "1.0.200", "v1.9.0")
    del old["go.mod"]
    repo.commit("older", old, remove=("go.mod",))
    repo.checkout("main")
    return repo


def collect(
    repo: GitRepo, tmp_path: Path, target: str
) -> tuple[list[Dependency], list[DependencyChange]]:
    collection = Collection(str(repo.path), tmp_path / "cache", TIMEOUT, GitCredentials(), 1 << 20)
    head, shas = collection.resolve("feature", [target])
    head_dependencies, findings = collection.head_dependencies(head)
    assert findings == []
    collected = collection.target(target, shas[target], head, ContextSpec(), head_dependencies)
    return head_dependencies, list(collected.details.drift)


def test_every_ecosystem_is_read_at_the_head(repo: GitRepo, tmp_path: Path) -> None:
    head, _ = collect(repo, tmp_path, "release/1.0")
    found = {(d.ecosystem, d.name, d.version, d.direct) for d in head}
    assert {
        ("python", "flask", "3.0.3", True),
        ("python", "flask", "3.0.3", False),  # locked
        ("python", "pytest", "8.2.0", True),
        ("python", "click", "8.1.7", True),
        ("python", "rich", "13.7.1", True),
        ("python", "pydantic", "2.7.1", False),
        ("node", "lodash", "4.17.21", False),
        ("node", "jest", "29.7.0", True),
        ("go", "github.com/gin-gonic/gin", "v1.10.0", True),
        ("go", "golang.org/x/text", "v0.14.0", False),
        ("rust", "serde", "1.0.197", False),
        ("container", "python", "3.12-slim", True),
        ("container", "registry.example.com/app", "1.1", True),
        ("container", "busybox", "sha256:abc123", True),
        ("container", "example/api", "2.0", True),
        ("container", "envoy", "1.30", True),
    } <= found
    assert ("python", "requests", "", True) in found  # constrained, not pinned
    assert not any(d.name == "chalk" for d in head)  # nested installs are not the project's
    assert not any(
        d.name in ("app", "build", "scratch")
        for d in head
        if d.ecosystem != "container" or d.name != "registry.example.com/app"
    )


def test_drift_against_two_targets(repo: GitRepo, tmp_path: Path) -> None:
    _, release = collect(repo, tmp_path, "release/1.0")
    changes = {
        (c.ecosystem, c.name): (c.change, c.head_version, c.target_version, c.direction)
        for c in release
    }
    assert changes == {
        ("python", "flask"): ("changed", "3.0.3", "3.0.0", "upgrade"),
        ("node", "lodash"): ("changed", "4.17.21", "4.17.20", "upgrade"),
        ("go", "github.com/gin-gonic/gin"): ("changed", "v1.10.0", "v1.9.0", "upgrade"),
        ("rust", "serde"): ("changed", "1.0.197", "1.0.190", "upgrade"),
        ("container", "python"): ("changed", "3.12-slim", "3.11-slim", ""),  # tags do not compare
        ("container", "registry.example.com/app"): ("changed", "1.1", "1.0", "upgrade"),
    }
    _, old = collect(repo, tmp_path, "old")
    changes = {(c.ecosystem, c.name): (c.change, c.direction) for c in old}
    assert changes[("python", "flask")] == ("changed", "upgrade")
    assert changes[("rust", "serde")] == ("changed", "downgrade")
    assert changes[("go", "github.com/gin-gonic/gin")] == ("added", "")
    assert changes[("go", "golang.org/x/text")] == ("added", "")
    assert ("node", "lodash") not in changes  # the same on both


def test_drift_marks_what_the_head_removes() -> None:
    head = [Dependency("python", "a", "1.0")]
    target = [Dependency("python", "a", "1.0"), Dependency("python", "b", "2.0")]
    assert drift(head, target) == [DependencyChange("python", "b", "removed", "", "2.0")]


@pytest.mark.parametrize(
    ("parser", "text", "message"),
    [
        (python.requirements_txt, "flask==\n", "line 1: not a requirement"),
        (python.pyproject_toml, "[project\n", "invalid TOML"),
        (python.lock_packages, "package = 3\n", "'package' is not a list"),
        (node.package_json, "{", "invalid JSON at line 1, column 2"),
        (node.package_json, '{"dependencies": []}', "'dependencies' is not an object"),
        (node.package_lock_json, "[1]", "is not an object"),
        (go_rust.go_mod, "require (\n  a v1\n", "a require block is not closed"),
        (
            go_rust.go_mod,
            "require onlyone\n",
            "line 1: a requirement is a module path and a version",
        ),
        (go_rust.cargo_lock, "[[package]\n", "invalid TOML"),
        (containers.helm_values, "image: [\n", "invalid YAML at line 2"),
    ],
)
def test_files_that_do_not_parse_say_why(parser: object, text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parser(text, "f")  # type: ignore[operator]


def test_image_references() -> None:
    assert containers.image("nginx", "f").version == "latest"
    assert (
        containers.image("localhost:5000/app:1.2", "f").name,
        containers.image("localhost:5000/app:1.2", "f").version,
    ) == ("localhost:5000/app", "1.2")
    assert containers.image("app@sha256:00ff", "f").version == "sha256:00ff"
