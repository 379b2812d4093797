"""Configuration files, schemas, and files that cannot be read: on repositories built with git."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from support import GitRepo

from otv.context import Finding
from otv.git.source import GitCredentials
from otv.profiles.model import ContextSpec
from services.collector.context import CollectedTarget, Collection

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "replicas"],
    "properties": {"name": {"type": "string"}, "replicas": {"type": "integer", "minimum": 1}},
}


def collect_all(
    repo: GitRepo, tmp_path: Path, spec: ContextSpec, max_bytes: int = 1 << 20
) -> tuple[CollectedTarget, list[Finding]]:
    """The target ``main`` collected for the head ``feature``, and the head's own findings."""
    collection = Collection(str(repo.path), tmp_path / "cache", 30, GitCredentials(), max_bytes)
    head, shas = collection.resolve("feature", ["main"])
    dependencies, head_findings = collection.head_dependencies(head)
    return collection.target("main", shas["main"], head, spec, dependencies), head_findings


def collect(repo: GitRepo, tmp_path: Path, spec: ContextSpec) -> CollectedTarget:
    return collect_all(repo, tmp_path, spec)[0]


def test_configuration_files_are_parsed_hashed_and_located_when_broken(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"README.md": "hi"})
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit(
        "configs",
        {
            "config/app.yaml": "name: app\nreplicas: 2\n",
            "config/broken.yaml": "name: app\nlist: [1, 2\nother: 3\n",
            "config/bad.json": '{"a": 1,\n  "b": }\n',
            "config/bad.toml": "a = 1\nb = \n",
            "config/ok.toml": "[server]\nport = 8080\n",
            "node_modules/x/package.json": "{ not json",
        },
    )
    files = {c.path: c for c in collect(repo, tmp_path, ContextSpec()).details.config_files}
    assert sorted(files) == [
        "config/app.yaml",
        "config/bad.json",
        "config/bad.toml",
        "config/broken.yaml",
        "config/ok.toml",
    ]
    assert files["config/app.yaml"].valid
    assert (
        files["config/app.yaml"].sha256 == hashlib.sha256(b"name: app\nreplicas: 2\n").hexdigest()
    )
    broken = files["config/broken.yaml"]
    assert (broken.valid, broken.format, broken.line) == (False, "yaml", 3)
    assert "expected ',' or ']'" in broken.error
    assert (files["config/bad.json"].line, files["config/bad.json"].column) == (2, 8)
    assert files["config/bad.json"].error == "Expecting value"
    assert (files["config/bad.toml"].valid, files["config/bad.toml"].line) == (False, 2)
    assert files["config/ok.toml"].valid


def test_a_json_schema_named_by_the_profile_is_enforced(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"schemas/deploy.json": json.dumps(SCHEMA)})
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit(
        "deploys",
        {
            "deploy/good.yaml": "name: api\nreplicas: 3\n",
            "deploy/bad.yaml": "name: 7\nreplicas: 0\n",
            "deploy/missing.yaml": "name: api\n",
        },
    )
    spec = ContextSpec(
        config_files=["deploy/*.yaml"], schemas={"deploy/*.yaml": "schemas/deploy.json"}
    )
    files = {c.path: c for c in collect(repo, tmp_path, spec).details.config_files}
    assert sorted(files) == ["deploy/bad.yaml", "deploy/good.yaml", "deploy/missing.yaml"]
    assert files["deploy/good.yaml"].schema_errors == ()
    assert files["deploy/good.yaml"].schema == "schemas/deploy.json"
    assert files["deploy/bad.yaml"].schema_errors == (
        "$.name: 7 is not of type 'string'",
        "$.replicas: 0 is less than the minimum of 1",
    )
    assert files["deploy/missing.yaml"].schema_errors == ("$: 'replicas' is a required property",)


def test_a_missing_or_broken_schema_is_a_finding(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"schemas/broken.json": '{"type": 12}'})
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("deploys", {"a/x.yaml": "a: 1\n", "b/y.yaml": "b: 2\n"})
    spec = ContextSpec(schemas={"a/*.yaml": "schemas/none.json", "b/*.yaml": "schemas/broken.json"})
    collected = collect(repo, tmp_path, spec)
    kinds = {(f.path, f.kind) for f in collected.details.findings}
    assert ("schemas/none.json", "schema") in kinds
    assert ("schemas/broken.json", "schema") in kinds
    files = {c.path: c for c in collected.details.config_files}
    assert files["a/x.yaml"].schema_errors == ("the schema schemas/none.json could not be used",)


def test_files_that_cannot_be_read_become_findings_and_nothing_crashes(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"README.md": "hi"})
    repo.git("checkout", "--quiet", "-b", "feature")
    (repo.path / "big.yaml").write_text("a: " + "x" * 5000 + "\n")
    (repo.path / "logo.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (repo.path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    os.symlink("/etc/passwd", repo.path / "passwd.yaml")
    os.symlink("../../outside/requirements.txt", repo.path / "requirements.txt")
    os.symlink("README.md", repo.path / "inside.yaml")
    (repo.path / "poetry.lock").write_text("[[package]\nname = 'x'\n")
    repo.git("add", "-A")
    repo.commit("hostile files")
    collected, head_findings = collect_all(repo, tmp_path, ContextSpec(), max_bytes=1000)
    findings = {*collected.details.findings, *head_findings}
    assert {
        Finding("big.yaml", "too-large", "5004 bytes, over the cap of 1000: not read"),
        Finding("logo.json", "binary", "a binary file: not read"),
        Finding("latin1.yaml", "encoding", "not UTF-8 (byte 9): not read"),
        Finding("passwd.yaml", "symlink", "a symlink to outside the repository: not followed"),
        Finding("requirements.txt", "symlink", "a symlink to outside the repository: not followed"),
        Finding("inside.yaml", "symlink", "a symlink to inside the repository: not followed"),
    } <= findings
    assert any(f.path == "poetry.lock" and f.kind == "unparseable" for f in findings)
    assert not any(
        "root:" in c.path or c.path == "passwd.yaml" for c in collected.details.config_files
    )
    assert collected.details.dependencies == ()
