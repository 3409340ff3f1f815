import pytest

from .sms import outbox


@pytest.fixture
def sms(settings):
    """Texts go to `sms.outbox` through the SMS hook, as a gateway would send them."""
    settings.NONGAN_SMS_HOOK = "nongan.people.tests.sms.deliver"
    outbox.clear()
    yield outbox
    outbox.clear()
