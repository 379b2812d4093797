"""Reading the files of a tree safely: capped in size, text only, symlinks never followed.

What cannot be read is not an error: it becomes a finding in the context, and
the collector goes on.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from otv.git.tree import BlobReader, TreeFile, tree_files
from services.collector.model import Findings

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
_BINARY_SNIFF = 8192


class TreeView:
    def __init__(
        self,
        repo: Path,
        treeish: str,
        reader: BlobReader,
        findings: Findings,
        timeout_s: float,
        max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self._files = {f.path: f for f in tree_files(repo, treeish, timeout_s)}
        self._reader = reader
        self._findings = findings
        self._max_bytes = max_bytes

    def paths(self) -> Iterator[str]:
        return iter(sorted(self._files))

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def file(self, path: str) -> TreeFile | None:
        return self._files.get(path)

    def text(self, path: str) -> str | None:
        """The file's text, or None (and a finding) if it cannot or must not be read."""
        file = self._files.get(path)
        if file is None:
            return None
        if file.symlink:
            self._symlink(file)
            return None
        if file.size > self._max_bytes:
            self._findings.add(
                path, "too-large", f"{file.size} bytes, over the cap of {self._max_bytes}: not read"
            )
            return None
        data = self._reader.read(file.sha)
        if b"\0" in data[:_BINARY_SNIFF]:
            self._findings.add(path, "binary", "a binary file: not read")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._findings.add(path, "encoding", f"not UTF-8 (byte {exc.start}): not read")
            return None

    def _symlink(self, file: TreeFile) -> None:
        target = self._reader.read(file.sha).decode("utf-8", errors="replace")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(file.path), target))
        outside = target.startswith("/") or resolved == ".." or resolved.startswith("../")
        where = "outside the repository" if outside else "inside the repository"
        self._findings.add(file.path, "symlink", f"a symlink to {where}: not followed")
