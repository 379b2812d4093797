"""Roles and what each may do: the one table every check uses.

| role   | may                                                          |
|--------|--------------------------------------------------------------|
| read   | status, report, list, watch                                  |
| run    | everything read may, and submit verifications                |
| review | everything run may, and review or waive a verification       |
| admin  | everything review may, manage keys, read the audit, reload   |

Each role can do everything a lower one can, and only admin reaches key
management.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(IntEnum):
    READ = 1
    RUN = 2
    REVIEW = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, label: str) -> Role:
        try:
            return cls[label.strip().upper()]
        except KeyError:
            roles = ", ".join(role.label for role in cls)
            raise ValueError(f"unknown role {label!r} (roles: {roles})") from None


class Permission(StrEnum):
    STATUS = "status"
    REPORT = "report"
    LIST = "list"
    WATCH = "watch"
    SUBMIT = "submit"
    REVIEW = "review"
    MANAGE_KEYS = "manage-keys"
    AUDIT = "audit"
    RELOAD = "reload"


REQUIRED_ROLE: dict[Permission, Role] = {
    Permission.STATUS: Role.READ,
    Permission.REPORT: Role.READ,
    Permission.LIST: Role.READ,
    Permission.WATCH: Role.READ,
    Permission.SUBMIT: Role.RUN,
    Permission.REVIEW: Role.REVIEW,
    Permission.MANAGE_KEYS: Role.ADMIN,
    Permission.AUDIT: Role.ADMIN,
    Permission.RELOAD: Role.ADMIN,
}


def allows(role: Role, permission: Permission) -> bool:
    return role >= REQUIRED_ROLE[permission]
