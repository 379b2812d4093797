from __future__ import annotations

import pytest

from otv.globs import InvalidGlob, compile_glob, matches


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("deploy/*.yaml", "deploy/app.yaml", True),
        ("deploy/*.yaml", "deploy/a/app.yaml", False),
        ("deploy/**/*.yaml", "deploy/app.yaml", True),
        ("deploy/**/*.yaml", "deploy/a/b/app.yaml", True),
        ("**/*.yaml", "app.yaml", True),
        ("**/*.yaml", "x/y/app.yaml", True),
        ("**/*.yaml", "app.yml", False),
        ("Dockerfile", "Dockerfile", True),
        ("Dockerfile", "services/api/Dockerfile", True),
        ("Dockerfile", "Dockerfile.dev", False),
        ("requirements*.txt", "requirements-dev.txt", True),
        ("src/**", "src/a/b.py", True),
        ("src/**", "srcx/a.py", False),
        ("file?.txt", "file1.txt", True),
        ("file[0-9].txt", "file7.txt", True),
        ("file[!0-9].txt", "file7.txt", False),
        ("a.b", "aXb", False),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert bool(compile_glob(pattern).match(path)) is expected


def test_any_of_several_patterns() -> None:
    assert matches("k8s/app.yaml", ["*.json", "k8s/*.yaml"])
    assert not matches("k8s/app.yaml", ["*.json"])


@pytest.mark.parametrize("pattern", ["", "/etc/passwd", "a[bc"])
def test_invalid_globs_are_refused(pattern: str) -> None:
    with pytest.raises(InvalidGlob):
        compile_glob(pattern)
