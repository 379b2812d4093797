from __future__ import annotations

import pytest

from otv.durations import parse_duration
from otv.errors import UsageError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45), ("90m", 5400), ("24h", 86400), ("30d", 2592000), ("2w", 1209600), ("1.5h", 5400)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "d30", "30 days", "-1h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="write a number and a unit"):
        parse_duration(text, "--expires")
