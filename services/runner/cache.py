"""Scenario results reused across verifications, branches and runner replicas.

A result is stored under a digest of what it depends on: the scenario's type,
the version of its plugin, its configuration, and the inputs the type names
(the merged tree, for most). Only verdicts a check reached are kept — passed
or failed, not flaky — never an infrastructure error or a skip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Any

from prometheus_client import Counter

from otv import nats_accounts
from otv.bus import Records
from otv.errors import OtvError
from otv.outcomes import Outcome, Severity
from otv.scenarios import Diagnosis, Location
from services.runner.job import ScenarioRecord

log = logging.getLogger(__name__)

SCENARIO_CACHE_BUCKET = nats_accounts.SCENARIO_CACHE_BUCKET


def cache_key(scenario_type: str, plugin_version: str, config_json: str, inputs: str) -> str:
    text = "\0".join((scenario_type, plugin_version, config_json, inputs))
    return hashlib.sha256(text.encode()).hexdigest()


class ScenarioCache:
    def __init__(self, records: Records, lookups: Counter | None = None) -> None:
        self._records = records
        # otv_cache_requests_total: labelled once, counted on every lookup.
        self._hits = lookups.labels("scenario", "hit") if lookups else None
        self._misses = lookups.labels("scenario", "miss") if lookups else None

    async def get(self, key: str, scenario_id: str, severity: Severity) -> ScenarioRecord | None:
        try:
            found = await self._records.get(key)
        except OtvError as exc:
            log.warning("the scenario cache is not readable (%s); running instead", exc)
            return None
        if found is None:
            if self._misses is not None:
                self._misses.inc()
            return None
        if self._hits is not None:
            self._hits.inc()
        data = json.loads(found.value)
        diagnosis = _diagnosis(data["diagnosis"]) if data.get("diagnosis") else None
        return ScenarioRecord(
            id=scenario_id,
            type=data["type"],
            severity=severity,
            outcome=Outcome(data["outcome"]),
            duration_s=data["duration_s"],
            message=data["message"],
            attempts=data["attempts"],
            cached=True,
            diagnosis=diagnosis,
        )

    async def put(self, key: str, record: ScenarioRecord) -> None:
        if record.outcome not in (Outcome.PASSED, Outcome.FAILED) or record.flaky:
            return
        data = {
            "type": record.type,
            "outcome": record.outcome,
            "duration_s": record.duration_s,
            "message": record.message,
            "attempts": record.attempts,
            "diagnosis": dataclasses.asdict(record.diagnosis) if record.diagnosis else None,
        }
        try:
            await self._records.put(key, json.dumps(data).encode())
        except OtvError as exc:
            log.warning("could not keep a scenario result in the cache: %s", exc)


def _diagnosis(data: dict[str, Any]) -> Diagnosis:
    locations = tuple(Location(**place) for place in data.pop("locations", ()))
    return Diagnosis(**data, locations=locations)
