"""Go modules (go.mod) and Rust crates (Cargo.lock)."""

from __future__ import annotations

import tomllib

from otv.context import Dependency
from services.collector.model import ParseError


def go_mod(text: str, source: str) -> list[Dependency]:
    """The ``require`` directives of a go.mod, single-line and in blocks."""
    found = []
    in_block = False
    for number, raw in enumerate(text.splitlines(), 1):
        line, _, comment = raw.partition("//")
        words = line.split()
        if not words:
            continue
        if in_block:
            if words == [")"]:
                in_block = False
                continue
            found.append(_requirement(words, comment, source, number))
        elif words[0] == "require":
            if words[1:] == ["("]:
                in_block = True
            else:
                found.append(_requirement(words[1:], comment, source, number))
    if in_block:
        raise ParseError("a require block is not closed")
    return found


def _requirement(words: list[str], comment: str, source: str, number: int) -> Dependency:
    if len(words) != 2:
        raise ParseError(f"line {number}: a requirement is a module path and a version")
    module, version = words
    return Dependency("go", module, version, source=source, direct="indirect" not in comment)


def cargo_lock(text: str, source: str) -> list[Dependency]:
    """The crates a Cargo.lock pins; the workspace's own crates (no source) are left out."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(f"invalid TOML: {exc}") from None
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise ParseError("'package' is not a list of tables")
    return [
        Dependency("rust", str(p["name"]), str(p.get("version", "")), source=source, direct=False)
        for p in packages
        if isinstance(p, dict) and "name" in p and "source" in p
    ]
