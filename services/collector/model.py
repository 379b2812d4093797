"""The collector's own working types; what it finds is in ``otv.context``."""

from __future__ import annotations

from dataclasses import dataclass, field

from otv.context import Finding


class ParseError(ValueError):
    """A file that does not parse; the message says where and why."""


@dataclass
class Findings:
    """Findings gathered while collecting, in the order met, each once."""

    items: list[Finding] = field(default_factory=list)

    def add(self, path: str, kind: str, message: str) -> None:
        finding = Finding(path, kind, message)
        if finding not in self.items:
            self.items.append(finding)
