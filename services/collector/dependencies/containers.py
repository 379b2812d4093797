"""Container images: Dockerfile ``FROM``, Kubernetes manifests and Helm values ``image:``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from otv.context import Dependency
from services.collector.model import ParseError

ECOSYSTEM = "container"
_FROM = re.compile(
    r"^\s*FROM\s+(?:--\S+\s+)*(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?", re.IGNORECASE
)


def image(reference: str, source: str) -> Dependency:
    """``registry/name:tag`` or ``name@sha256:...`` as a dependency on ``name``."""
    name, at, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    version = digest if at else (tag or "latest")
    return Dependency(ECOSYSTEM, name, version, specifier=reference, source=source)


def dockerfile(text: str, source: str) -> list[Dependency]:
    found = []
    stages: set[str] = set()
    for line in text.splitlines():
        match = _FROM.match(line)
        if match is None:
            continue
        reference = match["image"]
        if reference.lower() != "scratch" and reference not in stages:
            found.append(image(reference, source))
        if match["stage"]:
            stages.add(match["stage"])
    return found


def _documents(text: str) -> list[Any]:
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParseError(f"invalid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}") from None


def is_manifest(document: Any) -> bool:
    return isinstance(document, dict) and "apiVersion" in document and "kind" in document


def kubernetes_manifests(text: str, source: str) -> list[Dependency]:
    """The images of every container and init container in a manifest's documents."""
    found = []
    for document in _documents(text):
        if is_manifest(document):
            found += [image(ref, source) for ref in _container_images(document)]
    return found


def _container_images(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    if isinstance(container, dict) and isinstance(container.get("image"), str):
                        yield container["image"]
            else:
                yield from _container_images(value)
    elif isinstance(node, list):
        for item in node:
            yield from _container_images(item)


def helm_values(text: str, source: str) -> list[Dependency]:
    """``image:`` in Helm values: a reference, or ``{registry, repository, tag}``."""
    found = []
    for document in _documents(text):
        found += [image(ref, source) for ref in _values_images(document)]
    return found


def _values_images(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str):
                yield value
            elif key == "image" and isinstance(value, dict) and value.get("repository"):
                name = "/".join(str(value[k]) for k in ("registry", "repository") if value.get(k))
                tag = value.get("tag") or value.get("digest")
                separator = "@" if str(tag or "").startswith("sha256:") else ":"
                yield f"{name}{separator}{tag}" if tag else name
            else:
                yield from _values_images(value)
    elif isinstance(node, list):
        for item in node:
            yield from _values_images(item)
