from __future__ import annotations

import re
from pathlib import Path

import pytest

from otv.bus.events import meta
from otv.errors import UsageError
from otv.keys import key_hash, new_key
from otv.permissions import Permission, Role, allows
from otv.v1 import events_pb2 as pb
from services.auth.keys import KeyRecord, KeyTable, Unauthenticated, load_auth_config
from services.auth.service import AuthService

# Fixed keys, so test ids are the same in every pytest-xdist worker.
RUN_KEY = "otv_" + "R" * 40
READ_KEY = "otv_" + "r" * 40
UNKNOWN_KEY = "otv_" + "U" * 40
TABLE = KeyTable(
    [
        KeyRecord("ci", "CI", Role.RUN, key_hash(RUN_KEY)),
        KeyRecord("dash", "dashboard", Role.READ, key_hash(READ_KEY)),
    ]
)


def requested(**request: object) -> pb.VerificationRequested:
    fields: dict[str, object] = {"repository": "/repo", "targets": ["main"], "profile": "default"}
    fields.update(request)
    return pb.VerificationRequested(
        meta=meta("v1.requested", "v1", "c1", "cli"), request=pb.VerificationRequest(**fields)
    )


def test_new_keys_are_distinct_and_recognisable() -> None:
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(re.fullmatch(r"otv_[A-Za-z0-9]{40}", key) for key in keys)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no API key presented"),
        ("", "no API key presented"),
        (f"Basic {RUN_KEY}", "the Authorization header must be 'Bearer <key>'"),
        ("Bearer", "the Authorization header must be 'Bearer <key>'"),
        ("Bearer abc", "malformed API key: otv keys start with 'otv_'"),
        ("Bearer otv_" + "x" * 300, "malformed API key: otv keys start with 'otv_'"),
        ("Bearer otv_ключ", "malformed API key: otv keys start with 'otv_'"),
        ("Bearer " + UNKNOWN_KEY, "unknown API key"),
    ],
)
def test_bad_credentials_are_refused_with_the_reason(header: str | None, reason: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        TABLE.authenticate(header)
    assert str(caught.value) == reason


def test_a_valid_key_identifies_its_record() -> None:
    assert TABLE.authenticate(f"Bearer {RUN_KEY}").id == "ci"
    assert TABLE.authenticate(f"bearer  {READ_KEY}").id == "dash"


def test_roles_are_ordered_and_each_can_do_what_lower_ones_can() -> None:
    for permission in Permission:
        allowed = [role for role in Role if allows(role, permission)]
        assert allowed == [role for role in Role if role >= min(allowed)]
    assert not allows(Role.READ, Permission.SUBMIT)
    assert allows(Role.RUN, Permission.SUBMIT)
    assert [r for r in Role if allows(r, Permission.MANAGE_KEYS)] == [Role.ADMIN]


def test_a_run_key_is_authorized_and_the_event_carries_no_credential() -> None:
    decision = AuthService(TABLE).decide(requested(), f"Bearer {RUN_KEY}")
    assert isinstance(decision, pb.VerificationAuthorized)
    assert decision.meta.event_id == "v1.authorized"
    assert decision.meta.correlation_id == "c1"
    assert (decision.principal.key_id, decision.principal.role) == ("ci", "run")
    assert RUN_KEY.encode() not in decision.SerializeToString()


@pytest.mark.parametrize(
    ("header", "request_fields", "code", "reason"),
    [
        (f"Bearer {READ_KEY}", {}, "403", "key 'dash' has role read; submitting needs run"),
        ("Bearer " + UNKNOWN_KEY, {}, "401", "unknown API key"),
        (f"Bearer {RUN_KEY}", {"targets": []}, "400", "no target branch given"),
        (f"Bearer {RUN_KEY}", {"repository": ""}, "400", "no repository given"),
        (
            f"Bearer {RUN_KEY}",
            {"targets": [f"t{i}" for i in range(40)]},
            "400",
            "40 target branches given; at most 32 are allowed",
        ),
    ],
)
def test_rejections_say_why(
    header: str, request_fields: dict[str, object], code: str, reason: str
) -> None:
    decision = AuthService(TABLE).decide(requested(**request_fields), header)
    assert isinstance(decision, pb.VerificationRejected)
    assert (decision.code, decision.reason) == (code, reason)
    assert decision.meta.event_id == "v1.rejected"


def test_the_auth_config_holds_hashes(tmp_path: Path) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text(
        f"version: 1\nkeys:\n  - {{id: ci, name: CI, role: run, hash: '{key_hash(RUN_KEY)}'}}\n"
    )
    assert load_auth_config(path) == [KeyRecord("ci", "CI", Role.RUN, key_hash(RUN_KEY))]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "version: 1\nkeys:\n  - {id: ci, name: CI, role: boss, hash: 'sha256:"
            + "0" * 64
            + "'}\n",
            "keys.0.role: Value error, unknown role 'boss' (roles: read, run, review, admin)",
        ),
        (
            "version: 1\nkeys:\n  - {id: ci, name: CI, role: run, hash: " + RUN_KEY + "}\n",
            "keys.0.hash: String should match pattern",
        ),
        ("version: 1\nkeys: [\n", "cannot read auth configuration .*auth.yaml:3: "),
        (
            "version: 1\nkeys:\n  - {id: ci, hash: " + RUN_KEY + " :: }}\n",
            "cannot read auth configuration .*auth.yaml:3: ",
        ),
    ],
)
def test_a_bad_auth_config_is_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text(content)
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        load_auth_config(path)
    assert RUN_KEY not in caught.value.message  # a key pasted by mistake is not echoed


def test_the_shipped_auth_config_loads() -> None:
    assert load_auth_config(Path(__file__).parents[2] / "config" / "auth_config.yaml") == []


def test_two_entries_for_one_key_are_refused() -> None:
    with pytest.raises(UsageError, match="keys 'a' and 'b' are one key"):
        KeyTable(
            [
                KeyRecord("a", "A", Role.RUN, key_hash(RUN_KEY)),
                KeyRecord("b", "B", Role.READ, key_hash(RUN_KEY)),
            ]
        )
