"""Configuration files: parsed, hashed, located when broken, checked against a JSON Schema.

The profile's ``context.config_files`` globs choose the files (a default set
otherwise) and ``context.schemas`` names, per glob, a JSON Schema file of the
repository that matching files must pass.
"""

from __future__ import annotations

import hashlib
from typing import Any

from otv.context import ConfigFile
from otv.documents import (
    InvalidSchema,
    Unparseable,
    format_of,
    parse,
    schema_errors,
    schema_validator,
)
from otv.globs import matches
from otv.profiles.model import ContextSpec
from services.collector.files import TreeView
from services.collector.model import Findings

DEFAULT_GLOBS = ("**/*.yaml", "**/*.yml", "**/*.json", "**/*.toml")
_EXCLUDED = (
    "**/node_modules/**",
    "**/vendor/**",
    "**/.venv/**",
    "**/package-lock.json",
    "**/*.lock",
    "**/*.min.json",
)
MAX_CONFIG_FILES = 500


def collect_config_files(view: TreeView, spec: ContextSpec, findings: Findings) -> list[ConfigFile]:
    globs = spec.config_files if spec.config_files is not None else DEFAULT_GLOBS
    paths = [p for p in view.paths() if matches(p, globs) and not matches(p, _EXCLUDED)]
    if len(paths) > MAX_CONFIG_FILES:
        findings.add(
            "",
            "limit",
            f"{len(paths)} configuration files match; the first {MAX_CONFIG_FILES} were read",
        )
        paths = paths[:MAX_CONFIG_FILES]
    schemas = _Schemas(view, findings)
    found = []
    for path in paths:
        text = view.text(path)
        if text is None:
            continue
        fmt = format_of(path)
        digest = hashlib.sha256(text.encode()).hexdigest()
        try:
            documents = parse(text, fmt)
        except Unparseable as exc:
            found.append(ConfigFile(path, fmt, False, digest, exc.message, exc.line, exc.column))
            continue
        schema_path = next((s for g, s in spec.schemas.items() if matches(path, [g])), "")
        errors = schemas.check(schema_path, documents) if schema_path else ()
        found.append(ConfigFile(path, fmt, True, digest, schema=schema_path, schema_errors=errors))
    return found


class _Schemas:
    """JSON Schemas read from the repository, each once."""

    def __init__(self, view: TreeView, findings: Findings) -> None:
        self._view = view
        self._findings = findings
        self._loaded: dict[str, Any] = {}

    def check(self, schema_path: str, documents: list[Any]) -> tuple[str, ...]:
        validator = self._validator(schema_path)
        if validator is None:
            return (f"the schema {schema_path} could not be used",)
        return schema_errors(validator, documents)

    def _validator(self, schema_path: str) -> Any:
        if schema_path not in self._loaded:
            self._loaded[schema_path] = self._load(schema_path)
        return self._loaded[schema_path]

    def _load(self, schema_path: str) -> Any:
        if schema_path not in self._view:
            self._findings.add(
                schema_path, "schema", "the JSON Schema named by the profile is not in the tree"
            )
            return None
        text = self._view.text(schema_path)
        if text is None:
            return None
        try:
            return schema_validator(text, schema_path)
        except InvalidSchema as exc:
            self._findings.add(schema_path, "schema", str(exc))
            return None
