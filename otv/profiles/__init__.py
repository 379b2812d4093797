"""Verification profiles: parsing, resolution, and where they may come from."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

from otv.errors import ProfileError
from otv.profiles.resolve import ProfilesFile, ResolvedProfile, ResolvedScenario

__all__ = [
    "PACKAGED_PROFILES_PATH",
    "REPOSITORY_PROFILES_PATH",
    "ProfilesFile",
    "ResolvedProfile",
    "ResolvedScenario",
    "packaged_profiles",
    "read_document",
    "read_profiles_file",
    "select_profiles",
]

# Where a repository keeps its own profiles, relative to its root.
REPOSITORY_PROFILES_PATH = ".otv/profiles.yaml"
# Where otv's own profiles are, inside the installed package.
PACKAGED_PROFILES_PATH = "otv/defaults/verification_profiles.yaml"


@functools.lru_cache(maxsize=128)
def parse_profiles(document: bytes, name: str, path: str | None = None) -> ProfilesFile:
    """``document`` parsed, once per content: the verifications of one pipeline send the
    same file again and again. (A ProfilesFile is frozen; a parse error is not cached.)"""
    return ProfilesFile.parse(document, name, path)


def packaged_profiles() -> ProfilesFile:
    """The profiles that ship with otv (``config/verification_profiles.yaml``)."""
    resource = files("otv") / "defaults" / "verification_profiles.yaml"
    return parse_profiles(resource.read_bytes(), "otv's default profiles", PACKAGED_PROFILES_PATH)


def read_document(path: Path) -> bytes:
    """The bytes of a profiles file, or a clear error."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(f"profiles file not found: {path}") from None
    except OSError as exc:
        raise ProfileError(f"cannot read profiles file {path}: {exc.strerror}") from None


def read_profiles_file(path: Path) -> ProfilesFile:
    return parse_profiles(read_document(path), str(path))


def select_profiles(
    *,
    client_document: bytes,
    client_document_name: str,
    repository_document: bytes,
    service_file: Path | None,
    allow_client: bool,
    allow_repository: bool,
) -> ProfilesFile:
    """The profiles a verification uses: the client's file, else the repository's, else ours.

    Which of them may be used is the deployment's decision, since a profile can
    run commands: a client's file where it is not allowed is refused, a
    repository's is passed over.
    """
    if client_document:
        if not allow_client:
            raise ProfileError(
                "this otv does not accept profiles files from clients "
                "(its operator can allow them with OTV_ALLOW_CLIENT_PROFILES=true)"
            )
        return parse_profiles(client_document, client_document_name or "client profiles")
    if repository_document and allow_repository:
        return parse_profiles(repository_document, REPOSITORY_PROFILES_PATH)
    if service_file is not None:
        return read_profiles_file(service_file)
    return packaged_profiles()
