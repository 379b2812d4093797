"""Path globs as profiles write them: ``*`` within a directory, ``**`` across them.

``deploy/*.yaml`` matches ``deploy/app.yaml`` but not ``deploy/a/b.yaml``;
``**/*.yaml`` matches YAML files at any depth, the top included; a pattern
without a ``/`` matches the file name at any depth (``Dockerfile``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache


class InvalidGlob(ValueError):
    pass


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    written = pattern  # what errors quote: the pattern as the user wrote it
    if not pattern or pattern.startswith("/") or "\0" in pattern:
        raise InvalidGlob(f"invalid glob {written!r}: give a relative path pattern")
    if "/" not in pattern:
        pattern = "**/" + pattern
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            parts.append("(?:[^/]+/)*")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif char == "*":
            parts.append("[^/]*")
            index += 1
        elif char == "?":
            parts.append("[^/]")
            index += 1
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                raise InvalidGlob(f"invalid glob {written!r}: '[' without ']'")
            body = pattern[index + 1 : end].replace("\\", "\\\\")
            parts.append(f"[^{body[1:]}]" if body.startswith("!") else f"[{body}]")
            index = end + 1
        else:
            parts.append(re.escape(char))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def matches(path: str, patterns: Iterable[str]) -> bool:
    return any(compile_glob(pattern).match(path) for pattern in patterns)


def matches_branch(name: str, patterns: Iterable[str]) -> bool:
    """Branch names against globs: ``main`` names only ``main``; ``release/*`` every release."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
