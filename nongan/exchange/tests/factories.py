"""Factories of the data-sharing tests: agencies, keys and subscriptions made through the
services as the city administrator, and data of the three datasets made by the real
services of monitoring, enforcement and credit."""

import itertools

from nongan.exchange import services

ALL = ["samples", "penalties", "grades"]
CITY = "310000000000"
_serial = itertools.count(1)


def agency(world, region=CITY, *, kind="market_regulation", name=None):
    return services.create_agency({"name": name or f"测试合作部门{next(_serial)}", "kind": kind,
                                   "region": region}, actor=world.city_admin)


def api_key(world, the_agency, *, datasets=ALL, regions=None, **fields):
    """(key, plain text) of a key of `the_agency`, over its own region unless told."""
    return services.issue_key(the_agency, {"name": "测试调用", "datasets": list(datasets),
                                           "regions": regions or [the_agency.region_id]}
                              | fields, actor=world.city_admin)


def subscription(world, the_agency, url, *, kinds=("sample.non_compliant",), regions=None,
                 secret="s" * 32):
    return services.create_subscription(
        the_agency, {"url": url, "kinds": list(kinds), "secret": secret,
                     "regions": regions or [the_agency.region_id]},
        actor=world.city_admin)[0]


def partner(client, plain):
    """A GET of the partner API with `plain` as X-Api-Key."""
    def get(path, **params):
        return client.get(f"/api/v1{path}", params, headers={"X-Api-Key": plain})
    return get


def failed_sample(world, side, producer=None):
    """A sample of `side`'s producer judged non-compliant by the real record_results
    (毒死蜱 0.5 mg/kg in 青菜, over its limit)."""
    from nongan.monitoring.models import Standard
    from nongan.monitoring.services import record_results
    from nongan.monitoring.tests.helpers import small_standard
    from nongan.testing import make_plan, make_sample

    if not Standard.objects.filter(version="2021").exists():
        small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    sample = make_sample(producer or side.the_producer, actor=world.lab, plan=plan.pk)
    return record_results(sample, [{"analyte": "毒死蜱", "value": "0.5"},
                                   {"analyte": "啶虫脒", "value": None}], actor=world.lab)


def decided_case(side):
    from nongan.enforcement.tests.case_factories import decided_case as decided

    return decided(side)


def access_targets(world, side) -> dict:
    """A district agency of `side`'s district with its key, its subscription and one
    delivery (a test ping), for the access matrix."""
    own = agency(world, side.district, name=f"{side.district}区测试部门{next(_serial)}")
    key, _plain = api_key(world, own)
    sub = subscription(world, own, "http://127.0.0.1:9/hook")
    delivery = services.send_ping(sub, actor=world.city_admin)
    return {"agency": own.pk, "api_key": key.pk, "subscription": sub.pk,
            "delivery": delivery.pk}


def queued(delivery) -> list:
    """The `deliver` tasks queued for `delivery`, oldest first."""
    from django_tasks_db.models import DBTaskResult

    return [t for t in DBTaskResult.objects.filter(task_path="nongan.exchange.tasks.deliver")
            .order_by("enqueued_at") if t.args_kwargs["args"] == [delivery.pk]]


def when_due(delivery):
    """Run the delivery's next attempt as the worker would once its time has come: the
    wait is taken off the delivery's clock (its round started that much earlier)."""
    from django.db.models import F
    from django.utils import timezone

    from nongan.exchange.models import Delivery
    from nongan.exchange.tasks import deliver

    row = Delivery.objects.get(pk=delivery.pk)
    if row.next_attempt_at:
        wait = row.next_attempt_at - timezone.now()
        Delivery.objects.filter(pk=row.pk).update(
            next_attempt_at=F("next_attempt_at") - wait,
            round_started_at=F("round_started_at") - wait)
    return deliver.call(delivery.pk)
