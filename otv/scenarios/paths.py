"""For scenario configs and runs: paths that stay in the repository, patterns that compile."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from otv.globs import matches


class OutsideRepository(ValueError):
    """A path that leads out of the repository."""


def relative_path(value: str) -> str:
    """``value`` if it is a relative path that stays in the repository (for config validators)."""
    path = PurePosixPath(value)
    if not value or path.is_absolute() or ".." in path.parts or "\0" in value:
        raise ValueError(f"{value!r} must be a path inside the repository, without '..'")
    return value


def inside(root: Path, relative: str) -> Path:
    """``root / relative``, refused if it (or a symlink on the way) leads out of ``root``."""
    candidate = root / relative_path(relative)
    resolved = candidate.resolve()
    if resolved != root.resolve() and not resolved.is_relative_to(root.resolve()):
        raise OutsideRepository(f"{relative} leads outside the repository (a symlink?)")
    return candidate


def walk(root: Path, patterns: list[str]) -> list[str]:
    """The files under ``root`` matching ``patterns``, as relative paths, ``.git`` left out.

    Directory symlinks are not entered; a file symlink is listed, and ``inside``
    refuses it if it leads out.
    """
    found = []
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if d != ".git")
        for name in sorted(files):
            relative = Path(directory, name).relative_to(root).as_posix()
            if matches(relative, patterns):
                found.append(relative)
    return found


def regex(pattern: str) -> str:
    """``pattern`` if it compiles (for config validators): a bad one is a clear profile error."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern
