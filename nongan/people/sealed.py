"""Secrets kept at rest (TOTP seeds): encrypted and authenticated with Fernet (AES-128-CBC +
HMAC-SHA256) under a key derived from the deployment's SECRET_KEY, so a copy of the
database alone does not give anyone a producer's authenticator. Changing SECRET_KEY makes
the sealed values unreadable: the accounts then enrol their authenticator again."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes

_PURPOSE = "nongan.people.sealed"


def _fernet() -> Fernet:
    key = salted_hmac(_PURPOSE, "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    return _fernet().encrypt(force_bytes(text)).decode()


def unseal(token: str) -> str | None:
    """The sealed text, or None when it was sealed under another key or tampered with."""
    try:
        return _fernet().decrypt(force_bytes(token)).decode()
    except InvalidToken:
        return None
