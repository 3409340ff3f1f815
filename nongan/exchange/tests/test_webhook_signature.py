"""Pushed events are signed: a reference receiver (a partner's, checking with
signing.verify) accepts ours, and rejects a body changed on the way or an old timestamp
replayed; the body and headers are those docs/exchange.md describes."""

import json
import time

from nongan.exchange.delivery import post
from nongan.exchange.models import Delivery
from nongan.exchange.signing import sign, verify
from nongan.exchange.tasks import deliver

from .factories import CITY, agency, failed_sample, subscription
from .receiver import Receiver

SECRET = "partner-secret-0123456789abcdef"


def test_the_reference_receiver_accepts_a_delivered_event_with_its_documented_body(world):
    with Receiver(SECRET) as receiver:
        sub = subscription(world, agency(world), receiver.url, regions=[CITY], secret=SECRET)
        sample = failed_sample(world, world.pudong)
        delivery = Delivery.objects.get(subscription=sub)
        assert deliver.call(delivery.pk) == "delivered"
    [got] = receiver.received
    assert got["verified"] and got["status"] == 200
    body = json.loads(got["body"])
    assert body["version"] == "1" and body["id"] == str(delivery.uuid)
    assert body["event"] == delivery.event_id and body["kind"] == "sample.non_compliant"
    assert body["dataset"] == "samples" and body["data"]["sample_no"] == sample.sample_no
    assert body["occurred_at"].endswith("+08:00")
    headers = got["headers"]
    assert headers["X-Nongan-Event"] == "sample.non_compliant"
    assert headers["X-Nongan-Delivery"] == str(delivery.uuid)
    assert headers["X-Nongan-Signature"] == sign(SECRET, headers["X-Nongan-Timestamp"],
                                                 got["body"])
    assert abs(int(headers["X-Nongan-Timestamp"]) - time.time()) < 60


def _send(url, body: bytes, stamp: int, signature: str):
    return post(url, body, {"Content-Type": "application/json",
                            "X-Nongan-Timestamp": str(stamp),
                            "X-Nongan-Signature": signature})


def test_the_reference_receiver_rejects_a_tampered_body_an_old_timestamp_and_a_wrong_key():
    body = json.dumps({"version": "1", "data": {"fine": "50000.00"}}).encode()
    now = int(time.time())
    with Receiver(SECRET) as receiver:
        assert _send(receiver.url, body, now, sign(SECRET, now, body))[0] == 200
        tampered = body.replace(b"50000.00", b"500.00")
        assert _send(receiver.url, tampered, now, sign(SECRET, now, body))[0] == 401
        old = now - 3600
        assert _send(receiver.url, body, old, sign(SECRET, old, body))[0] == 401
        # The old message with a fresh timestamp: the signature no longer matches.
        assert _send(receiver.url, body, now, sign(SECRET, old, body))[0] == 401
        assert _send(receiver.url, body, now, sign("another-secret", now, body))[0] == 401
    assert [r["verified"] for r in receiver.received] == [True, False, False, False, False]


def test_verify_checks_the_tolerance_both_ways():
    body = b'{"a":1}'
    assert verify(SECRET, 1000, body, sign(SECRET, 1000, body), now=1299)
    assert not verify(SECRET, 1000, body, sign(SECRET, 1000, body), now=1301)
    assert not verify(SECRET, 1000, body, sign(SECRET, 1000, body), now=699)
    assert not verify(SECRET, "soon", body, sign(SECRET, 1000, body), now=1000)
    assert sign(SECRET, 1000, body).startswith("sha256=")
