from __future__ import annotations

import json
from datetime import UTC, datetime

from otv.bus.audit_stream import AuditEntry
from services.auth.audit import GENESIS, AuditFields, seal, verify_chain


def chain(count: int) -> list[AuditEntry]:
    entries, prev = [], GENESIS
    for sequence in range(1, count + 1):
        record = seal(
            AuditFields(
                time=datetime(2026, 1, 1, tzinfo=UTC),
                decision="allow",
                code="200",
                key_id="k1",
                permission="status",
                subject="otv.v1.api.status",
                correlation_id=f"c{sequence}",
                reason="",
                service="auth",
            ),
            prev,
        )
        entries.append(AuditEntry(sequence, record.model_dump_json().encode()))
        prev = record.hash
    return entries


def test_an_intact_chain_verifies() -> None:
    check = verify_chain(1, chain(5))
    assert check.ok
    assert (check.records, check.first_sequence, check.last_sequence) == (5, 1, 5)


def test_an_altered_record_is_found() -> None:
    entries = chain(5)
    record = json.loads(entries[2].data)
    record["decision"] = "deny"
    entries[2] = AuditEntry(3, json.dumps(record).encode())
    check = verify_chain(1, entries)
    assert not check.ok
    assert check.problems == ["record 3 was altered: its hash does not match"]


def test_a_removed_record_is_found() -> None:
    entries = chain(5)
    del entries[1]
    assert verify_chain(1, entries).problems == [
        "record 2 is missing",
        "record 3 does not follow the record before it",
    ]


def test_records_lost_at_the_start_are_found() -> None:
    assert verify_chain(1, chain(5)[2:]).problems[0] == "records 1 to 2 are missing"


def test_a_forged_record_that_recomputes_its_own_hash_still_breaks_the_link() -> None:
    entries = chain(4)
    forged = seal(
        AuditFields(
            time=datetime(2026, 1, 1, tzinfo=UTC),
            decision="allow",
            code="200",
            key_id="evil",
            permission="manage-keys",
            subject="",
            correlation_id="",
            reason="",
            service="auth",
        ),
        "f" * 64,
    )
    entries[2] = AuditEntry(3, forged.model_dump_json().encode())
    assert verify_chain(1, entries).problems == [
        "record 3 does not follow the record before it",
        "record 4 does not follow the record before it",
    ]


def test_garbage_in_the_stream_is_reported() -> None:
    entries = chain(3)
    entries[1] = AuditEntry(2, b"not json")
    assert "record 2 is not an audit record" in verify_chain(1, entries).problems
