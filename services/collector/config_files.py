"""Configuration files: parsed, hashed, located when broken, checked against a JSON Schema.

The profile's ``context.config_files`` globs choose the files (a default set
otherwise) and ``context.schemas`` names, per glob, a JSON Schema file of the
repository that matching files must pass.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from typing import Any

import yaml
from jsonschema import exceptions as schema_exceptions
from jsonschema.validators import validator_for

from otv.globs import matches
from otv.profiles.model import ContextSpec
from services.collector.files import TreeView
from services.collector.model import ConfigFile, Findings, ParseError

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
_MAX_SCHEMA_ERRORS = 20
_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


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
        fmt = _FORMATS.get(path[path.rfind(".") :].lower(), "yaml")
        digest = hashlib.sha256(text.encode()).hexdigest()
        try:
            documents = parse(text, fmt)
        except _Located as exc:
            found.append(ConfigFile(path, fmt, False, digest, exc.message, exc.line, exc.column))
            continue
        schema_path = next((s for g, s in spec.schemas.items() if matches(path, [g])), "")
        errors = schemas.check(schema_path, documents) if schema_path else ()
        found.append(ConfigFile(path, fmt, True, digest, schema=schema_path, schema_errors=errors))
    return found


class _Located(ParseError):
    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def parse(text: str, fmt: str) -> list[Any]:
    """The documents in ``text``; ``_Located``, with the parser's line and column, if broken."""
    if fmt == "json":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise _Located(exc.msg, exc.lineno, exc.colno) from None
    if fmt == "toml":
        try:
            return [tomllib.loads(text)]
        except tomllib.TOMLDecodeError as exc:
            where = _TOML_WHERE.search(str(exc))
            message = _TOML_WHERE.sub("", str(exc)).strip()
            line, column = (int(where[1]), int(where[2])) if where else (0, 0)
            raise _Located(message, line, column) from None
    try:
        return list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise _Located(str(exc.problem or exc.context), line, column) from None
    except yaml.YAMLError as exc:
        raise _Located(str(exc)) from None


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
        errors = []
        for document in documents:
            for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
                where = "$" + "".join(
                    f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path
                )
                errors.append(f"{where}: {error.message}")
        return tuple(errors[:_MAX_SCHEMA_ERRORS])

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
            [schema] = parse(text, _FORMATS.get(schema_path[schema_path.rfind(".") :], "json"))
            cls = validator_for(schema)
            cls.check_schema(schema)
        except (_Located, ValueError) as exc:
            self._findings.add(schema_path, "schema", f"not a usable JSON Schema: {exc}")
            return None
        except schema_exceptions.SchemaError as exc:
            self._findings.add(schema_path, "schema", f"not a valid JSON Schema: {exc.message}")
            return None
        return cls(schema)
