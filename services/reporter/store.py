"""Where verifications are kept: their states, a summary of each, and their reports.

States and summaries are KV records keyed by verification id; reports are
objects named ``<id>/<writer>/report.json``, where the writer part is unique
to the handler that rendered them (see ``service`` for why).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from otv.bus import Objects, Records
from otv.bus.api import ApiError
from services.reporter.report import build_report
from services.reporter.state import VerificationState
from services.reporter.views import summary

REPORT_OBJECT = "report.json"


@dataclass(frozen=True)
class VerificationStore:
    states: Records
    index: Records
    reports: Objects

    async def find(self, verification_id: str) -> tuple[VerificationState, int] | None:
        record = await self.states.get(verification_id)
        if record is None:
            return None
        return VerificationState.model_validate_json(record.value), record.revision

    async def load(self, verification_id: str) -> VerificationState:
        """The state of ``verification_id``, or a 404 for the caller."""
        found = await self.find(verification_id)
        if found is None:
            raise ApiError("404", f"no verification {verification_id}")
        return found[0]

    async def save(self, state: VerificationState, revision: int) -> None:
        """Save ``state`` if it is still at ``revision``; ``Conflict`` if not."""
        await self.states.save(state.verification_id, state.model_dump_json().encode(), revision)

    async def index_entry(self, state: VerificationState) -> None:
        await self.index.put(state.verification_id, summary(state).model_dump_json().encode())

    async def store_report(self, state: VerificationState) -> dict[str, str]:
        """Render and store the JSON report under a name no other handler uses."""
        name = f"{state.verification_id}/{uuid.uuid4().hex[:12]}/{REPORT_OBJECT}"
        await self.reports.put(name, build_report(state).to_json().encode())
        return {"json": name}

    async def report_json(self, state: VerificationState) -> bytes | None:
        name = state.reports.get("json")
        return await self.reports.get(name) if name else None

    async def remove(self, verification_id: str) -> None:
        """Forget a verification: its reports, its state, its summary."""
        found = await self.find(verification_id)
        if found is not None:
            for name in found[0].reports.values():
                await self.reports.delete(name)
        await self.states.purge(verification_id)
        await self.index.purge(verification_id)
