"""Webhook signatures (推送签名, docs/exchange.md "Signature"): HMAC-SHA256 over
`f"{timestamp}.{body}"` with the subscription's secret, sent as
`X-Nongan-Signature: sha256=<hex>` beside `X-Nongan-Timestamp` (unix seconds).

`verify` is the receiver's side: partners may copy this module as it is (it needs only the
standard library). The timestamp is inside the signed text, so an old body cannot be
replayed with a fresh timestamp; `tolerance` bounds how old a signed message may be."""

import hashlib
import hmac
import time

SCHEME = "sha256="
TOLERANCE = 300  # seconds a receiver accepts between our clock and its own


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """The `X-Nongan-Signature` value of `body` sent at `timestamp`."""
    message = _bytes(f"{timestamp}.") + _bytes(body)
    return SCHEME + hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int | str, body: bytes | str, signature: str,
           tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """Whether `signature` is ours for exactly this `body` and `timestamp`, and the timestamp
    lies within `tolerance` seconds of `now` (a replayed old message fails)."""
    try:
        sent = int(str(timestamp))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), str(signature or ""))
