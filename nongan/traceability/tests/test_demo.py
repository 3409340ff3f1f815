"""The demo's traceability data: registrations of most scale producers and certificates
over the last months, the same for the same seed."""

import datetime as dt

from django.utils import timezone

from nongan.testing import make_producer
from nongan.traceability.demo import seed_traceability
from nongan.traceability.models import Certificate, TraceProducer


def test_the_demo_registers_scale_producers_and_their_certificates(world):
    for n in range(30):
        make_producer(world.pudong.village, name=f"演示合作社{n}")
    today = timezone.localdate()
    counts = seed_traceability(today=today, random_seed=3)
    assert counts["trace_registrations"] == TraceProducer.objects.count() > 15
    assert counts["trace_certificates"] == Certificate.objects.count() > 0
    assert not Certificate.objects.exclude(
        producer__in=TraceProducer.objects.values("producer")).exists()
    oldest = Certificate.objects.order_by("issued_on").first().issued_on
    assert oldest >= today - dt.timedelta(days=120)
    codes = set(TraceProducer.objects.values_list("code", flat=True))
    TraceProducer.objects.all().delete()
    Certificate.objects.all().delete()
    seed_traceability(today=today, random_seed=3)
    assert set(TraceProducer.objects.values_list("code", flat=True)) == codes

