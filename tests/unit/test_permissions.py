from __future__ import annotations

import json

from otv import nats_accounts
from otv.permissions import Permission, Role, allows


def test_each_role_can_do_what_lower_roles_can_and_only_admin_manages_keys() -> None:
    for permission in Permission:
        allowed = [role for role in Role if allows(role, permission)]
        assert allowed == [role for role in Role if role >= min(allowed)]
    assert [r for r in Role if allows(r, Permission.MANAGE_KEYS)] == [Role.ADMIN]
    assert [r for r in Role if allows(r, Permission.SUBMIT)] == [Role.RUN, Role.REVIEW, Role.ADMIN]
    assert all(
        allows(Role.READ, p)
        for p in (Permission.STATUS, Permission.REPORT, Permission.LIST, Permission.WATCH)
    )


def test_only_auth_may_publish_authorizations() -> None:
    for user in (*nats_accounts.SERVICES, nats_accounts.CLIENT):
        publish = nats_accounts.permissions(user).publish
        mine = "otv.v1.evt.verification.authorized" in publish
        assert mine == (user == "auth"), user
        assert ("otv.v1.evt.verification.rejected" in publish) == (user == "auth"), user


def test_clients_may_only_submit_ask_and_hear_how_verifications_end() -> None:
    client = nats_accounts.permissions(nats_accounts.CLIENT)
    assert client.publish == ("otv.v1.evt.verification.requested", "otv.v1.api.>")
    assert "otv.v1.evt.verification.requested" not in client.subscribe
    assert not any(s.startswith("$JS") for s in client.publish + client.subscribe)


def test_each_service_hears_only_its_own_inbox() -> None:
    for user in nats_accounts.SERVICES:
        inboxes = [s for s in nats_accounts.permissions(user).subscribe if "INBOX" in s]
        assert inboxes == [f"_INBOX_{user}.>"]


def test_the_rendered_configuration_has_a_password_for_all_but_the_client() -> None:
    config = json.loads(nats_accounts.render({u: f"pw-{u}" for u in nats_accounts.PASSWORD_USERS}))
    users = {u["user"]: u for u in config["accounts"]["OTV"]["users"]}
    assert sorted(users) == ["auth", "client", "collector", "operator", "reporter", "runner"]
    assert "password" not in users["client"]
    assert users["auth"]["password"] == "pw-auth"
    assert config["no_auth_user"] == "client"
