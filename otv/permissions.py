"""Roles and what each may do: the one table every check uses.

| role   | may                                                    |
|--------|--------------------------------------------------------|
| read   | status, report                                         |
| run    | read's, and submit verifications                       |
| review | run's, and review or waive a verification              |
| admin  | review's, and manage keys, reload configuration        |

Each role can do everything a lower one can.
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
    SUBMIT = "submit"
    REVIEW = "review"
    MANAGE_KEYS = "manage-keys"
    RELOAD = "reload"


REQUIRED_ROLE: dict[Permission, Role] = {
    Permission.STATUS: Role.READ,
    Permission.REPORT: Role.READ,
    Permission.SUBMIT: Role.RUN,
    Permission.REVIEW: Role.REVIEW,
    Permission.MANAGE_KEYS: Role.ADMIN,
    Permission.RELOAD: Role.ADMIN,
}


def allows(role: Role, permission: Permission) -> bool:
    return role >= REQUIRED_ROLE[permission]
