"""Random codes and API tokens.

A token is 32 random bytes (43 URL-safe characters, like SharedStatus's).
Because it is random rather than chosen by a person, a plain SHA-256 is the
right hash: there is nothing for a slow password hash to protect against, and
verification stays fast enough for an API. Only the hash is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from .model import MIN_PUBLIC_CODE

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
TOKEN_BYTES = 32


def new_public_code(length: int = MIN_PUBLIC_CODE) -> str:
    """12 base62 characters: about 71 bits, unguessable."""
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_token() -> str:
    """43 URL-safe characters; never starting with '-', which a command line takes for an option."""
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if token[0].isalnum():
            return token


def hash_token(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_token(token: str, stored_hash: str | None) -> bool:
    """Compare in constant time; a page without a token accepts none."""
    if not stored_hash:
        # Still hash, so the time taken does not reveal that the page has no token.
        hmac.compare_digest(hash_token(token), "sha256:" + "0" * 64)
        return False
    return hmac.compare_digest(hash_token(token).encode(), stored_hash.encode())
