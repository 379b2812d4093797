"""Durations as people write them: ``30d``, ``24h``, ``90m``, ``45s``, ``2w``."""

from __future__ import annotations

import re

from otv.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds in ``text``; a clear error if it is not a number and a unit."""
    match = _DURATION.match(text)
    if match is None:
        raise UsageError(f"invalid {what} {text!r}: write a number and a unit, e.g. 30d, 24h, 90m")
    return float(match[1]) * _UNITS[match[2]]
