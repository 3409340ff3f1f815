"""Time-based one-time passwords (动态口令), RFC 6238 over RFC 4226's HOTP, as authenticator
apps compute them: HMAC-SHA1, 30-second steps, 6 digits."""

import base64
import hashlib
import hmac
import secrets
import struct
import urllib.parse

STEP_SECONDS = 30
DIGITS = 6
# Phones drift; one step either side is the RFC's recommended allowance (section 5.2).
DRIFT_STEPS = 1


def new_secret() -> str:
    """A 160-bit secret (RFC 4226's recommended length) in base32, as apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    return base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))


def hotp(secret: str | bytes, counter: int, *, digits: int = DIGITS,
         digest=hashlib.sha1) -> str:
    """RFC 4226 section 5.3: HMAC of the 8-byte counter, dynamic truncation, modulo 10^digits."""
    mac = hmac.new(_key(secret), struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    (number,) = struct.unpack(">I", mac[offset:offset + 4])
    return str((number & 0x7FFFFFFF) % 10 ** digits).zfill(digits)


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def totp(secret: str | bytes, unix_time: float, *, digits: int = DIGITS,
         digest=hashlib.sha1) -> str:
    """RFC 6238 section 4: HOTP with the number of 30-second steps since the epoch."""
    return hotp(secret, step_at(unix_time), digits=digits, digest=digest)


def matching_step(secret: str, code: str, unix_time: float) -> int | None:
    """The step whose code `code` is, within the allowed drift; None when none is."""
    now = step_at(unix_time)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from a QR code (Key Uri Format)."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode({"secret": secret, "issuer": issuer,
                                    "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"
