"""The format of otv's API keys, known to clients and to the auth service alike.

In the style of GitHub's tokens::

    otv_<id>_<secret><checksum>
    otv_8c4Rk2Qa_Zq0…(32 letters and digits)…Ab12Cd

- ``otv_`` makes a key recognisable, to people and to secret scanners;
- the id (8 letters and digits) names the key in lists and audit records;
- the secret is 32 random letters and digits (190 bits, from ``secrets``);
- the checksum, the CRC32 of everything before it in 6 base-62 digits, lets a
  mistyped or truncated key be refused before any lookup.

Only a keyed hash of a key is stored: HMAC-SHA256 with a pepper that lives
outside the key store (a secret file or environment variable), so a copy of
the store alone cannot be used to check guesses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import zlib
from dataclasses import dataclass
from pathlib import Path

from otv.errors import UsageError

KEY_PREFIX = "otv_"
MAX_KEY_LENGTH = 256
MIN_PEPPER_BYTES = 16
HASH_PREFIX = "hmac-sha256:"

_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_LENGTH = 8
_SECRET_LENGTH = 32
_CHECKSUM_LENGTH = 6
_SHAPE = re.compile(
    rf"^otv_(?P<id>[0-9A-Za-z]{{{_ID_LENGTH}}})_(?P<secret>[0-9A-Za-z]{{{_SECRET_LENGTH}}})"
    rf"(?P<checksum>[0-9A-Za-z]{{{_CHECKSUM_LENGTH}}})$"
)
KEY_ID = re.compile(rf"^[0-9A-Za-z]{{{_ID_LENGTH}}}$")


class MalformedKey(ValueError):
    """Not an otv key: the message says what is wrong, never what the key was."""


@dataclass(frozen=True)
class ParsedKey:
    id: str
    text: str


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _checksum(body: str) -> str:
    value = zlib.crc32(body.encode())
    digits = []
    for _ in range(_CHECKSUM_LENGTH):
        value, digit = divmod(value, len(_ALPHABET))
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def new_key(key_id: str | None = None) -> str:
    """A new key; with ``key_id``, one that keeps that id (a rotation keeps none)."""
    body = f"{KEY_PREFIX}{key_id or new_key_id()}_{_random(_SECRET_LENGTH)}"
    return body + _checksum(body)


def new_key_id() -> str:
    return _random(_ID_LENGTH)


def parse_key(text: str) -> ParsedKey:
    """The key in ``text``, checked for shape and checksum; ``MalformedKey`` if not."""
    if not text:
        raise MalformedKey("no API key presented")
    if len(text) > MAX_KEY_LENGTH or not text.isascii():
        raise MalformedKey("malformed API key: not an otv key")
    if not text.startswith(KEY_PREFIX):
        raise MalformedKey("malformed API key: otv keys start with 'otv_'")
    match = _SHAPE.match(text)
    if match is None:
        raise MalformedKey("malformed API key: wrong length or characters (truncated?)")
    body = text[:-_CHECKSUM_LENGTH]
    if not hmac.compare_digest(_checksum(body), match["checksum"]):
        raise MalformedKey("malformed API key: its checksum does not match (mistyped?)")
    return ParsedKey(id=match["id"], text=text)


def key_hash(key: str, pepper: bytes) -> str:
    """The keyed hash stored for ``key``."""
    return HASH_PREFIX + hmac.new(pepper, key.encode(), hashlib.sha256).hexdigest()


def read_pepper(value: str | None, file: Path | None) -> bytes:
    """The pepper from its variable or, failing that, its file."""
    if value:
        pepper = value.encode()
        source = "OTV_PEPPER"
    elif file is not None:
        try:
            pepper = file.read_bytes().strip()
        except OSError as exc:
            raise UsageError(f"cannot read the pepper file {file}: {exc.strerror}") from None
        source = str(file)
    else:
        raise UsageError(
            "no pepper for API key hashes: set OTV_PEPPER_FILE (or OTV_PEPPER) to a secret "
            f"of at least {MIN_PEPPER_BYTES} bytes"
        )
    if len(pepper) < MIN_PEPPER_BYTES:
        raise UsageError(f"the pepper from {source} is shorter than {MIN_PEPPER_BYTES} bytes")
    return pepper


def new_pepper() -> str:
    return secrets.token_urlsafe(32)
