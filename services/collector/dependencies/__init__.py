"""Dependencies found in a tree, and how two trees' dependencies differ."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterable

from packaging.version import InvalidVersion, Version

from otv.context import Dependency, DependencyChange
from services.collector.dependencies import containers, go_rust, node, python
from services.collector.files import TreeView
from services.collector.model import Findings, ParseError

Parser = Callable[[str, str], list[Dependency]]

# Vendored or installed code is not the project's own declaration.
_SKIPPED_DIRECTORIES = {"node_modules", "vendor", ".venv", "venv", "site-packages", "__pycache__"}
_BY_NAME: list[tuple[str, Parser]] = [
    ("requirements*.txt", python.requirements_txt),
    ("pyproject.toml", python.pyproject_toml),
    ("poetry.lock", python.lock_packages),
    ("uv.lock", python.lock_packages),
    ("package.json", node.package_json),
    ("package-lock.json", node.package_lock_json),
    ("go.mod", go_rust.go_mod),
    ("Cargo.lock", go_rust.cargo_lock),
    ("Dockerfile", containers.dockerfile),
    ("Dockerfile.*", containers.dockerfile),
    ("*.Dockerfile", containers.dockerfile),
    ("Containerfile", containers.dockerfile),
    ("values*.yaml", containers.helm_values),
    ("values*.yml", containers.helm_values),
]


# One pass over a file name instead of one match per pattern: a tree has thousands.
_NAMES = re.compile(
    "|".join(f"(?P<p{i}>{fnmatch.translate(p)})" for i, (p, _) in enumerate(_BY_NAME))
)


def _parser(path: str) -> Parser | None:
    match = _NAMES.match(posixpath.basename(path))
    if match is None or match.lastgroup is None:
        return None
    return _BY_NAME[int(match.lastgroup[1:])][1]


def collect_dependencies(view: TreeView, findings: Findings) -> list[Dependency]:
    found: list[Dependency] = []
    for path in view.paths():
        if _SKIPPED_DIRECTORIES.intersection(path.split("/")[:-1]):
            continue
        parser = _parser(path)
        if parser is not None:
            text = view.text(path)
            if text is None:
                continue
            try:
                found += parser(text, path)
            except ParseError as exc:
                findings.add(path, "unparseable", str(exc))
        elif path.endswith((".yaml", ".yml")):
            found += _manifest_images(view, path)
    return found


def _manifest_images(view: TreeView, path: str) -> list[Dependency]:
    file = view.file(path)
    if file is None or file.symlink or file.size > 1024 * 1024:
        return []  # the configuration pass reports such files
    text = view.text(path)
    if text is None or "apiVersion" not in text or "kind" not in text:
        return []
    try:
        return containers.kubernetes_manifests(text, path)
    except ParseError:
        return []  # not ours to report: the configuration pass says where it breaks


def _versions(dependencies: Iterable[Dependency]) -> dict[tuple[str, str], str]:
    """One version per dependency: locked first, then pinned, then the constraint."""
    chosen: dict[tuple[str, str], tuple[int, str]] = {}
    for dependency in dependencies:
        if not dependency.direct and dependency.version:
            rank, value = 0, dependency.version
        elif dependency.version:
            rank, value = 1, dependency.version
        else:
            rank, value = 2, dependency.specifier
        if dependency.key not in chosen or rank < chosen[dependency.key][0]:
            chosen[dependency.key] = (rank, value)
    return {key: value for key, (_, value) in chosen.items()}


def drift(head: Iterable[Dependency], target: Iterable[Dependency]) -> list[DependencyChange]:
    """How the head's dependencies differ from the target's."""
    on_head, on_target = _versions(head), _versions(target)
    changes = []
    for key in sorted(on_head.keys() | on_target.keys()):
        ecosystem, name = key
        head_version, target_version = on_head.get(key), on_target.get(key)
        if target_version is None:
            changes.append(DependencyChange(ecosystem, name, "added", head_version or "", ""))
        elif head_version is None:
            changes.append(DependencyChange(ecosystem, name, "removed", "", target_version))
        elif head_version != target_version:
            changes.append(
                DependencyChange(
                    ecosystem,
                    name,
                    "changed",
                    head_version,
                    target_version,
                    _direction(head_version, target_version),
                )
            )
    return changes


def _direction(head: str, target: str) -> str:
    try:
        head_version, target_version = Version(head), Version(target)
    except InvalidVersion:
        return ""
    if head_version == target_version:
        return ""
    return "upgrade" if head_version > target_version else "downgrade"
