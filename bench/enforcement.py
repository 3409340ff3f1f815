"""Enforcement benchmarks on a seeded register: planning and drawing a 双随机 check of a whole
district (inside a transaction rolled back, so the data stays as seeded), the spot-check and
case pages an enforcement officer opens, and the public pages — beside a floor measured in the
same run (the district's producer rows by raw SQL).

Run after `nongan seed --producers 30000`:  .venv/bin/python bench/enforcement.py
Prints p50/p95 in milliseconds and the ratio to the floor. Not part of `make test`.
"""

import datetime as dt
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from city import django, pct, timed  # noqa: E402,F401  (city sets Django up)
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from nongan.enforcement.models import Case, Matter, SpotCheck  # noqa: E402
from nongan.enforcement.services import spot_checks  # noqa: E402
from nongan.people.models import User  # noqa: E402
from nongan.producers.models import Producer  # noqa: E402

PUDONG = "310115000000"


class Rollback(Exception):
    pass


def main():
    officer = User.objects.filter(role="enforcement_officer", region_id=PUDONG,
                                  enforcement_card_valid_to__isnull=False).order_by("username") \
        .first()
    check = SpotCheck.objects.filter(region_id=PUDONG, state="drawn").first()
    if officer is None or check is None:
        sys.exit("seed first: nongan seed --producers 30000")
    size = Producer.objects.filter(district_id=PUDONG, active=True).count()
    today = timezone.localdate()

    def floor():
        with connection.cursor() as cur:
            cur.execute("SELECT id, town_id, credit_grade FROM producers_producer "
                        "WHERE district_id = %s AND active", [PUDONG])
            cur.fetchall()

    def plan_and_draw():
        try:
            with transaction.atomic():
                planned = spot_checks.plan_spot_check({
                    "title": "bench", "matter": Matter.objects.first().pk,
                    "population": {"region": PUDONG}, "exclude_months": 0,
                    "grade_shares": {"A": "0.05", "B": "0.1", "C": "0.3", "D": "0.65"},
                    "stratify_by": "town", "team_size": 2, "period_start": today,
                    "period_end": today + dt.timedelta(days=60)}, actor=officer)
                spot_checks.draw(planned, actor=officer)
                raise Rollback
        except Rollback:
            pass

    client = Client()
    client.force_login(officer)
    anonymous = Client()
    case = Case.objects.filter(district_id=PUDONG).first()
    rows = [("floor: district producers by SQL", timed(floor)),
            (f"plan + draw, whole district ({size} producers)", timed(plan_and_draw, runs=5))]
    pages = [(f"/spot-checks/{check.pk}/ ({check.targets.count()} targets)", client,
              f"/spot-checks/{check.pk}/"),
             (f"/spot-checks/{check.pk}/replay/", client, f"/spot-checks/{check.pk}/replay/"),
             ("/spot-checks/", client, "/spot-checks/"), ("/cases/", client, "/cases/"),
             ("/todo/ (enforcement officer)", client, "/todo/"),
             (f"/public/spot-checks/{check.pk}/", anonymous, f"/public/spot-checks/{check.pk}/"),
             ("/public/penalties/", anonymous, "/public/penalties/")]
    if case:
        pages.append((f"/cases/{case.pk}/", client, f"/cases/{case.pk}/"))
    for label, who, path in pages:
        def get(who=who, path=path):
            assert who.get(path).status_code == 200, path
        rows.append((label, timed(get, runs=10)))
    base = pct(rows[0][1], 50)
    print(f"{'':52} {'p50 ms':>8} {'p95 ms':>8} {'× floor':>8}")
    for label, samples in rows:
        print(f"{label:52} {pct(samples, 50):8.1f} {pct(samples, 95):8.1f} "
              f"{pct(samples, 50) / base:8.1f}")


if __name__ == "__main__":
    main()
