"""The one root exception of otv and the few kinds a caller treats differently.

Every message is one line a user can act on: what went wrong and what to do.
None may contain a secret, since messages travel in events and reports.
"""


class OtvError(Exception):
    """Something otv could not do. ``exit_code`` is what the CLI exits with."""

    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(OtvError):
    """The user's input or configuration is wrong; they can fix it."""

    exit_code = 2


class ProfileError(UsageError):
    """A profiles file is invalid, or names a profile or scenario type that does not exist."""


class RepositoryError(UsageError):
    """A repository, ref or branch does not exist or cannot be read."""


class SystemFailure(OtvError):
    """otv itself, or something it depends on (NATS, git, a disk), failed."""

    exit_code = 3


class GitFailure(SystemFailure):
    """A git command failed or timed out for a reason the user did not cause."""
