"""YAML that remembers where each value came from.

PyYAML's node tree keeps line numbers; pydantic's errors give the path to the
bad value. Together they say "profiles.yaml:12: ...". Duplicate keys, which
PyYAML would silently resolve to the last one, are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from otv.errors import ProfileError

MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class YamlSource:
    name: str
    data: Any
    root: yaml.Node | None

    @classmethod
    def parse(cls, text: str | bytes, name: str) -> YamlSource:
        if len(text) > MAX_DOCUMENT_BYTES:
            raise ProfileError(f"{name}: larger than {MAX_DOCUMENT_BYTES // 1024} KiB")
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ProfileError(f"{name}: not UTF-8 text (byte {exc.start})") from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
            if root is not None:
                _refuse_duplicate_keys(name, root)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
            raise ProfileError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise ProfileError(f"{name}: invalid YAML: {exc}") from None
        return cls(name=name, data=data, root=root)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the value at ``path``, or of its nearest ancestor that exists."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            node = _child(node, part)
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    def where(self, path: Sequence[str | int]) -> str:
        line = self.line_of(path)
        return f"{self.name}:{line}" if line is not None else self.name


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def _refuse_duplicate_keys(name: str, node: yaml.Node) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    line = key.start_mark.line + 1
                    raise ProfileError(f"{name}:{line}: key {key.value!r} appears twice")
                seen.add(key.value)
            _refuse_duplicate_keys(name, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(name, item)
