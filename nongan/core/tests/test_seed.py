"""`nongan seed`: demo accounts, grids, producers and plots on the real divisions.

The register is seeded once for the module (inside a transaction rolled back at the end);
each test then runs in its own savepoint, as usual.
"""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from shapely import STRtree

from nongan.core.audit import verify
from nongan.core.geo import SHANGHAI_BOUNDS, parse_polygon
from nongan.core.models import AuditEntry
from nongan.core.validators import validate_id_number, validate_uscc
from nongan.inspections.models import Inspection, Rectification
from nongan.people.models import Organisation, User
from nongan.producers.models import Certification, Plot, Producer
from nongan.producers.rules import is_scale
from nongan.regions.models import Grid, GridMember, Region
from nongan.seeding import (
    AGRI_DISTRICTS,
    _names,
    lay_out,
    plan_producers,
    print_logins,
    seed,
)

PRODUCERS, SEED = 40, 7
TODAY = timezone.localdate()
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST):
        with transaction.atomic():
            counts = seed(PRODUCERS, random_seed=SEED, today=TODAY)
            yield counts
            transaction.set_rollback(True)


def fingerprint() -> str:
    """Everything the seed writes, by content (database ids differ between runs)."""
    parts = [
        Producer.objects.order_by("pk").values_list(
            "name", "kind", "uscc", "id_number", "legal_rep", "phone", "address", "village",
            "grid__code", "area_mu", "is_scale", "products"),
        Certification.objects.order_by("pk").values_list(
            "producer__name", "kind", "cert_no", "products", "valid_from", "valid_to", "status"),
        Plot.objects.order_by("pk").values_list(
            "plot_no", "producer__name", "geometry", "crop", "area_mu", "declared_area_mu",
            "grid__code", "village"),
        User.objects.order_by("pk").values_list(
            "username", "role", "region", "org__name", "full_name", "phone", "producer__name",
            "enforcement_card_no", "enforcement_card_valid_to"),
        GridMember.objects.order_by("pk").values_list(
            "grid__code", "user__username", "name", "phone", "role", "duty", "since"),
        Inspection.objects.order_by("pk").values_list(
            "uuid", "producer__name", "template__code", "inspector__username", "finished_at",
            "result", "location_check"),
    ]
    return hashlib.sha256(repr([list(p) for p in parts]).encode()).hexdigest()


def test_it_creates_the_demo_accounts_with_their_roles_and_regions(seeded):
    expected = {
        "admin": ("city_admin", "310000000000"),
        "pudong": ("district_officer", "310115000000"),
        "chongming": ("district_officer", "310151000000"),
        "pudong-town": ("town_officer", "310115103000"),
        "chongming-town": ("town_officer", "310151101000"),
        "pudong-grid": ("grid_worker", "310115103201"),
        "chongming-grid": ("grid_worker", "310151101201"),
        "pudong-law": ("enforcement_officer", "310115000000"),
        "lab": ("lab_staff", "310000000000"),
        "producer": ("producer", "310115103201"),
    }
    users = {u.username: u for u in User.objects.filter(username__in=expected)}
    assert {name: (u.role, u.region_id) for name, u in users.items()} == expected
    assert users["lab"].org.kind == "lab"
    assert users["pudong-law"].org.kind == "enforcement"
    assert users["producer"].producer.village_id == "310115103201"
    assert all(u.check_password("nongan-demo") for u in users.values())


def test_every_grid_has_its_grid_worker_as_supervisor(seeded):
    grids = Grid.objects.filter(active=True)
    assert grids.count() == 6509
    supervisors = GridMember.objects.filter(role="supervisor", user__role="grid_worker")
    assert supervisors.values("grid").distinct().count() == grids.count()
    member = supervisors.select_related("user", "grid").get(user__username="pudong-grid")
    assert member.grid.village_id == member.user.region_id == "310115103201"
    assert "巡查" in member.duty and member.name == member.user.full_name
    assert User.objects.filter(role="grid_worker").count() == 6509


def test_every_district_has_officers_an_office_a_brigade_and_four_valid_cards(seeded):
    for district in Region.objects.filter(level="district"):
        assert User.objects.filter(role="district_officer", region=district).exists()
        kinds = set(Organisation.objects.filter(region=district).values_list("kind", flat=True))
        assert {"agriculture", "enforcement"} <= kinds, district.name
        valid = User.objects.filter(
            role="enforcement_officer", region=district, enforcement_card_valid_to__gt=TODAY
        ).exclude(enforcement_card_no="")
        assert valid.count() >= 4, district.name


def test_the_city_has_at_least_two_testing_institutions_with_staff(seeded):
    labs = Organisation.objects.filter(kind="lab", region_id="310000000000")
    assert labs.count() >= 2
    for lab in labs:
        assert User.objects.filter(role="lab_staff", org=lab).exists(), lab.name


def test_producers_lie_in_real_villages_of_agricultural_districts_with_their_grid(seeded):
    producers = list(Producer.objects.select_related("village", "grid"))
    assert len(producers) == PRODUCERS
    for p in producers:
        assert p.village.name.endswith("村委会") and p.district_id in AGRI_DISTRICTS
        assert p.grid.village_id == p.village_id
        assert p.town_id == p.village.town_id and p.district_id == p.village.district_id
        assert p.is_scale == is_scale(p.kind, p.area_mu)
        assert p.products and all(item["name"] for item in p.products)
    assert {p.kind for p in producers} == {"enterprise", "cooperative", "family_farm", "grower"}


def test_codes_validate_where_the_register_requires_them(seeded):
    for p in Producer.objects.all():
        if p.kind in ("enterprise", "cooperative"):
            assert validate_uscc(p.uscc)[2:8] == p.district_id[:6]
        if p.kind == "grower":
            assert validate_id_number(p.id_number) and not p.uscc
        if p.uscc:
            validate_uscc(p.uscc)
        if p.id_number:
            validate_id_number(p.id_number)
        assert p.uscc or p.id_number


def test_every_producer_has_plots_whose_outlines_are_valid_and_add_up(seeded):
    plots = list(Plot.objects.select_related("producer", "village"))
    by_producer = {}
    for plot in plots:
        geom = parse_polygon(plot.geometry)  # valid, inside Shanghai, sensible size
        assert (plot.min_lon, plot.min_lat, plot.max_lon, plot.max_lat) == geom.bounds
        assert plot.village.district_id == plot.producer.district_id
        assert plot.grid.village_id == plot.village_id
        assert plot.plot_no.startswith(plot.village_id + "-") and len(plot.plot_no) == 17
        assert abs(plot.area_mu - plot.declared_area_mu) <= plot.declared_area_mu / 100
        by_producer.setdefault(plot.producer_id, []).append(plot)
    assert set(by_producer) == set(Producer.objects.values_list("pk", flat=True))
    for own in by_producer.values():
        declared = own[0].producer.area_mu
        assert sum(p.declared_area_mu for p in own) == declared
        assert abs(sum(p.area_mu for p in own) - declared) <= declared / 50 + Decimal("0.05")
        if own[0].producer.kind == "grower":
            assert len(own) <= 2


def test_plots_of_different_producers_never_overlap(seeded):
    plots = list(Plot.objects.values_list("producer_id", "geometry"))
    geoms = [parse_polygon(g) for _, g in plots]
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    assert [(i, j) for i, j in zip(left, right, strict=True) if i != j] == []


def test_certificates_look_like_real_ones(seeded):
    certs = list(Certification.objects.all())
    assert certs, "the 太平村 cooperative always holds one"
    for cert in certs:
        assert cert.valid_from <= cert.valid_to
        if cert.kind == "green":
            assert cert.cert_no.startswith("LB-") and cert.cert_no.endswith("A")
        elif cert.kind == "organic":
            assert len(cert.cert_no) == 17 and cert.cert_no.isdigit()
        else:
            assert cert.cert_no.startswith("AGI")
        if cert.status == "expired":
            assert cert.valid_to < TODAY


def test_the_run_is_one_audit_entry_and_the_chain_stays_intact(seeded):
    entry = AuditEntry.objects.get(action="seed.run")
    assert entry.object_id == str(SEED) and entry.actor is None
    assert entry.changes["after"]["producers"] == PRODUCERS
    assert entry.changes["after"]["plots"] == Plot.objects.count()
    assert verify()[0]


def test_the_same_seed_gives_the_same_data(seeded):
    before = fingerprint()
    with override_settings(PASSWORD_HASHERS=FAST):
        from nongan.enforcement.tests.test_demo import clear_enforcement
        from nongan.exchange.tests.test_demo import clear_exchange
        from nongan.iot.tests.test_demo import clear_iot
        from nongan.monitoring.tests.test_demo import clear_monitoring
        from nongan.risk.tests.test_demo import clear_risk

        clear_risk()
        clear_iot()
        clear_enforcement()
        clear_monitoring()
        clear_exchange()
        Rectification.objects.all().delete()
        Inspection.objects.all().delete()
        GridMember.objects.all().delete()
        User.objects.all().delete()
        Certification.objects.all().delete()
        Plot.objects.all().delete()
        Producer.objects.all().delete()
        seed(PRODUCERS, random_seed=SEED, today=TODAY)
    assert fingerprint() == before


def test_another_seed_gives_other_producers(seeded):
    names = _names()
    one = plan_producers(20, SEED, names, TODAY)
    other = plan_producers(20, SEED + 1, names, TODAY)
    assert [p.name for p in one] != [p.name for p in other]


def test_a_larger_register_still_fits_without_overlaps(seeded):
    specs = plan_producers(3000, 11, _names(), TODAY)
    lay_out(specs, 11)
    owners, geoms = [], []
    for n, spec in enumerate(specs):
        for plot in spec.plots:
            owners.append(n)
            geoms.append(parse_polygon({"type": "Polygon", "coordinates": [plot.ring]}))
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    assert not [1 for i, j in zip(left, right, strict=True) if owners[i] != owners[j]]
    west, south, east, north = SHANGHAI_BOUNDS
    assert all(west < g.bounds[0] and g.bounds[2] < east and south < g.bounds[1]
               and g.bounds[3] < north for g in geoms)


def test_it_refuses_a_register_that_is_not_empty(seeded):
    users = User.objects.count()
    with pytest.raises(CommandError, match="空的名录"):
        call_command("seed", producers=5, stdout=io.StringIO(), stderr=io.StringIO())
    assert User.objects.count() == users and Producer.objects.count() == PRODUCERS


def test_it_prints_the_address_and_the_demo_logins(seeded):
    out = io.StringIO()
    print_logins(out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    for username in ("admin", "pudong", "pudong-town", "pudong-grid", "pudong-law", "lab",
                     "producer", "chongming"):
        assert f"  {username} " in text
    assert "nongan-demo" in text and "浦东新区川沙新镇太平村" in text


def test_the_demo_has_a_history_of_inspections_that_mostly_keeps_the_schedule(seeded):
    from nongan.inspections.schedules import schedule

    assert Inspection.objects.exists() and Rectification.objects.exists()
    last_year = str(timezone.localdate().year - 1)
    rows = schedule(Producer.objects.all(), last_year)
    done = sum(r["status"] == "done" for r in rows) / len(rows)
    assert 0.7 < done < 0.98  # realistic: most obligations met, some overdue
    assert all(i.location_check for i in Inspection.objects.all()[:50])
