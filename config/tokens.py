"""Random bearer secrets (API tokens, invitation links), stored only as hashes."""

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def token_new() -> tuple[str, str]:
    """A fresh (token, hash) pair; the caller shows the token once and stores the hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
