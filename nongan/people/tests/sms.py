"""An SMS hook for tests (NONGAN_SMS_HOOK = "nongan.people.tests.sms.deliver"): the texts
land in `outbox`, as a gateway would hand them to the phone."""

import re

outbox: list[tuple[str, str]] = []


def deliver(phone: str, text: str) -> None:
    outbox.append((phone, text))


def last_code(phone: str) -> str:
    """The code in the latest text sent to `phone`."""
    text = next(t for p, t in reversed(outbox) if p == phone)
    return re.search(r"验证码为 (\d{6})", text).group(1)
