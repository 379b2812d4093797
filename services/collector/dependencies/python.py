"""Python dependencies: requirements*.txt, pyproject.toml (PEP 621, Poetry), poetry and uv locks."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from otv.context import Dependency
from services.collector.model import ParseError

ECOSYSTEM = "python"
# pip options that are not requirements (includes are not followed: each file is read on its own)
_OPTIONS = ("-", "--")


def _pinned(requirement: Requirement) -> str:
    """The version an ``==`` (or ``===``) requirement pins, else empty."""
    specifiers = list(requirement.specifier)
    if (
        len(specifiers) == 1
        and specifiers[0].operator in ("==", "===")
        and "*" not in specifiers[0].version
    ):
        return specifiers[0].version
    return ""


def _from_requirement(text: str, source: str, where: str) -> Dependency:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise ParseError(f"{where}: not a requirement ({exc})") from None
    return Dependency(
        ECOSYSTEM,
        canonicalize_name(requirement.name),
        version=_pinned(requirement),
        specifier=str(requirement.specifier) or (requirement.url or ""),
        source=source,
    )


def requirements_txt(text: str, source: str) -> list[Dependency]:
    found = []
    pending = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = pending + raw.split(" #", 1)[0].strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith("#") or line.startswith(_OPTIONS):
            continue
        found.append(_from_requirement(line, source, f"line {number}"))
    return found


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(f"invalid TOML: {exc}") from None


def pyproject_toml(text: str, source: str) -> list[Dependency]:
    data = _toml(text)
    found = []
    project = data.get("project", {})
    declared: Iterable[Any] = project.get("dependencies", [])
    for extra in project.get("optional-dependencies", {}).values():
        declared = [*declared, *extra]
    for item in declared:
        found.append(_from_requirement(str(item), source, "project.dependencies"))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [group.get("dependencies", {}) for group in poetry.get("group", {}).values()]
    for table in tables:
        for name, constraint in table.items():
            if name.lower() == "python":
                continue
            found.append(_poetry(name, constraint, source))
    return found


def _poetry(name: str, constraint: Any, source: str) -> Dependency:
    if isinstance(constraint, dict):
        constraint = constraint.get("version", "")
    specifier = str(constraint)
    try:
        version = str(Version(specifier))  # a bare version is an exact one in Poetry
    except InvalidVersion:
        version = ""
    return Dependency(ECOSYSTEM, canonicalize_name(name), version, specifier, source)


def lock_packages(text: str, source: str) -> list[Dependency]:
    """poetry.lock and uv.lock: ``[[package]]`` tables with a name and a version."""
    data = _toml(text)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise ParseError("'package' is not a list of tables")
    return [
        Dependency(
            ECOSYSTEM,
            canonicalize_name(str(p["name"])),
            str(p.get("version", "")),
            source=source,
            direct=False,
        )
        for p in packages
        if isinstance(p, dict) and "name" in p
    ]
