"""Node dependencies: package.json and package-lock.json (lockfile versions 1, 2 and 3)."""

from __future__ import annotations

import json
from typing import Any

from packaging.version import InvalidVersion, Version

from otv.context import Dependency
from services.collector.model import ParseError

ECOSYSTEM = "node"
_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _exact(specifier: str) -> str:
    """The version a specifier names exactly ("1.2.3"), or empty for a range."""
    if specifier[:1].isdigit():
        try:
            Version(specifier)
        except InvalidVersion:
            return ""
        return specifier
    return ""


def package_json(text: str, source: str) -> list[Dependency]:
    data = _json(text)
    if not isinstance(data, dict):
        raise ParseError("package.json is not an object")
    found = []
    for section in _SECTIONS:
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            raise ParseError(f"{section!r} is not an object")
        for name, specifier in entries.items():
            found.append(
                Dependency(ECOSYSTEM, name, _exact(str(specifier)), str(specifier), source)
            )
    return found


def package_lock_json(text: str, source: str) -> list[Dependency]:
    data = _json(text)
    if not isinstance(data, dict):
        raise ParseError("package-lock.json is not an object")
    found = []
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfile v2 and v3
        for path, entry in packages.items():
            # Top-level installs only: "node_modules/x", not nested copies.
            if not path.startswith("node_modules/") or "/node_modules/" in path:
                continue
            name = path.removeprefix("node_modules/")
            found.append(_locked(name, entry, source))
    elif isinstance(data.get("dependencies"), dict):  # lockfile v1
        for name, entry in data["dependencies"].items():
            found.append(_locked(name, entry, source))
    return found


def _locked(name: str, entry: Any, source: str) -> Dependency:
    version = str(entry.get("version", "")) if isinstance(entry, dict) else ""
    return Dependency(ECOSYSTEM, name, version, source=source, direct=False)
