from __future__ import annotations

import pytest

from otv.redaction import redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key otv_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 used", "otv_AbCdEf"),
        ("token ghp_0123456789abcdefghijklmnopqrstuvwxyz0", "ghp_0123"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_11"),
        ("glpat-abcdefghij0123456789", "glpat-abc"),
        ("AKIAIOSFODNN7EXAMPLE in config", "AKIAIOSFODNN7EXAMPLE"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("clone https://user:hunter2@git.example.com/x.git", "hunter2"),
        ("DB_PASSWORD=hunter2 next", "hunter2"),
        ('api_key: "s3cr3t value"', "s3cr3t"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "MIIE"),
    ],
)
def test_secret_looking_values_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED]" in cleaned


def test_ordinary_text_is_left_alone() -> None:
    text = "exit status 1: assertion failed in test_app.py line 12 (token count 3)"
    assert redact(text) == text
