"""YAML, JSON and TOML documents: parsed (with where they break), checked against JSON Schemas."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml
from jsonschema import exceptions as schema_exceptions
from jsonschema.validators import validator_for

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")
MAX_SCHEMA_ERRORS = 20


class Unparseable(ValueError):
    """A document that does not parse; ``line`` and ``column`` are 1-based, 0 when unknown."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    def where(self) -> str:
        return f"line {self.line}, column {self.column}: " if self.line else ""


def format_of(path: str) -> str:
    """The format a file name says (YAML when it says nothing)."""
    return FORMATS.get(path[path.rfind(".") :].lower(), "yaml") if "." in path else "yaml"


def parse(text: str, fmt: str) -> list[Any]:
    """The documents in ``text`` (YAML may hold several); ``Unparseable`` if broken."""
    if fmt == "json":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise Unparseable(exc.msg, exc.lineno, exc.colno) from None
    if fmt == "toml":
        try:
            return [tomllib.loads(text)]
        except tomllib.TOMLDecodeError as exc:
            where = _TOML_WHERE.search(str(exc))
            message = _TOML_WHERE.sub("", str(exc)).strip()
            line, column = (int(where[1]), int(where[2])) if where else (0, 0)
            raise Unparseable(message, line, column) from None
    try:
        return list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise Unparseable(str(exc.problem or exc.context), line, column) from None
    except yaml.YAMLError as exc:
        raise Unparseable(str(exc)) from None


class InvalidSchema(ValueError):
    pass


def schema_validator(schema_text: str, schema_path: str) -> Any:
    """A validator for the JSON Schema in ``schema_text``; ``InvalidSchema`` if it is not one."""
    try:
        [schema] = parse(schema_text, format_of(schema_path))
        cls = validator_for(schema)
        cls.check_schema(schema)
    except Unparseable as exc:
        raise InvalidSchema(f"not a usable JSON Schema: {exc.where()}{exc.message}") from None
    except (ValueError, TypeError) as exc:
        raise InvalidSchema(f"not a usable JSON Schema: {exc}") from None
    except schema_exceptions.SchemaError as exc:
        raise InvalidSchema(f"not a valid JSON Schema: {exc.message}") from None
    return cls(schema)


def schema_errors(validator: Any, documents: list[Any]) -> tuple[str, ...]:
    """How ``documents`` fail the schema, each error with its JSON path."""
    errors = []
    for document in documents:
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
            where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
            errors.append(f"{where}: {error.message}")
    return tuple(errors[:MAX_SCHEMA_ERRORS])
