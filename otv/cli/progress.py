"""A verification's progress while ``otv verify`` waits for it.

On a terminal, a table that updates in place — each target's state, scenarios
done and elapsed time — with each scenario result printed above it as it comes
in. Elsewhere (a pipe, a CI log, ``NO_COLOR``), plain lines: one per result and
one per change of phase, so a log reads top to bottom.
"""

from __future__ import annotations

import os
import time
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from otv.cli.output import result_line
from otv.queries import Phase, VerificationStatus, WatchUpdate


class PlainProgress:
    """Lines: each result, and each change of phase with the time since the start."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._started = time.monotonic()
        self._phase: Phase | None = None

    def __call__(self, update: WatchUpdate) -> None:
        for found in update.finished:
            self._console.print(result_line(found), highlight=False)
        status = update.status
        if status.phase != self._phase:
            self._phase = status.phase
            done = sum(1 for target in status.targets if target.finished)
            elapsed = time.monotonic() - self._started
            self._console.print(
                f"[{elapsed:5.1f}s] {status.phase} · {done}/{len(status.targets)} targets finished",
                highlight=False,
                markup=False,
            )

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


class LiveProgress:
    """A table of targets updated in place; results scroll above it."""

    def __init__(self, console: Console) -> None:
        self._started = time.monotonic()
        self._status: VerificationStatus | None = None
        self._target_started: dict[str, float] = {}
        self._target_ended: dict[str, float] = {}
        self._live = Live(
            console=console,
            refresh_per_second=8,
            transient=True,
            get_renderable=self._render,
        )

    def __call__(self, update: WatchUpdate) -> None:
        now = time.monotonic()
        status = update.status
        self._status = status
        for found in update.finished:
            self._live.console.print(result_line(found), highlight=False)
            self._target_started.setdefault(found.target, now)
        for target in status.targets:
            if status.phase in (Phase.RUNNING, Phase.COMPLETED) or target.scenarios_finished:
                self._target_started.setdefault(target.name, now)
            if target.finished:
                self._target_ended.setdefault(target.name, now)

    def _render(self) -> RenderableType:
        now = time.monotonic()
        status = self._status
        phase = status.phase if status else "submitted"
        head = Text(f"{phase} · {now - self._started:.1f}s", style="bold")
        table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
        for column in ("target", "state", "scenarios done", "elapsed"):
            table.add_column(column)
        for target in status.targets if status else []:
            began = self._target_started.get(target.name)
            ended = self._target_ended.get(target.name, now)
            if target.finished:
                state = target.verdict.value if target.verdict else "finished"
            else:
                state = "running" if began is not None else "waiting"
            table.add_row(
                escape(target.name),
                state,
                str(target.scenarios_finished),
                f"{ended - began:.1f}s" if began is not None else "-",
            )
        return Group(head, table)

    def __enter__(self) -> LiveProgress:
        self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._live.stop()


def progress_for(console: Console) -> LiveProgress | PlainProgress:
    """Live on a terminal that takes it; plain lines otherwise, and under ``NO_COLOR``."""
    if console.is_terminal and not console.is_dumb_terminal and not os.environ.get("NO_COLOR"):
        return LiveProgress(console)
    return PlainProgress(console)
