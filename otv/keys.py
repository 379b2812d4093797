"""The format of otv's API keys, known to clients and to the auth service alike.

A key is ``otv_`` and 40 random letters and digits (238 bits). Only its
SHA-256 is ever stored; a key this random needs no salt to keep its hash from
being reversed.
"""

from __future__ import annotations

import hashlib
import secrets
import string

KEY_PREFIX = "otv_"
MAX_KEY_LENGTH = 256
_ALPHABET = string.ascii_letters + string.digits
_SECRET_LENGTH = 40


def new_key() -> str:
    return KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LENGTH))


def key_hash(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
