"""The data-sharing pages: the city administrator registers an agency, issues a key seen
once on the answering page, creates a subscription, sends a test event, revokes a key and
redelivers a failed delivery; lists page, filter and export; a district office reads its
own district's agencies only; other roles are refused."""

from io import BytesIO

from openpyxl import load_workbook

from nongan.exchange.models import Agency, ApiKey, Delivery, Subscription
from nongan.exchange.services import key_hash

from .factories import CITY, agency, api_key, subscription


def test_the_city_registers_an_agency_from_the_page(world, login):
    client = login(world.city_admin)
    assert client.get("/exchange/agencies/new/").status_code == 200
    bad = client.post("/exchange/agencies/new/", {"name": "", "kind": "", "region": ""})
    assert bad.status_code == 422 and "须填写部门名称" in bad.content.decode()
    answer = client.post("/exchange/agencies/new/", {
        "name": "上海市生态环境局", "kind": "ecology_environment", "region": CITY})
    made = Agency.objects.get(name="上海市生态环境局")
    assert answer.status_code == 302 and answer["Location"] == f"/exchange/agencies/{made.pk}/"


def test_a_key_issued_on_the_agency_page_is_shown_once(world, login):
    own = agency(world)
    client = login(world.city_admin)
    page = client.post(f"/exchange/agencies/{own.pk}/api-keys/", {
        "key-name": "案件线索比对", "key-datasets": ["samples", "penalties"],
        "key-regions": [CITY]})
    assert page.status_code == 200
    plain = page.context["new_key"]["plain"]
    assert plain in page.content.decode()
    assert ApiKey.objects.get(agency=own).key_hash == key_hash(plain)
    again = client.get(f"/exchange/agencies/{own.pk}/").content.decode()
    assert plain not in again and plain[:8] in again


def test_key_and_subscription_forms_show_the_services_messages(world, login):
    own = agency(world, world.pudong.district)
    client = login(world.city_admin)
    page = client.post(f"/exchange/agencies/{own.pk}/api-keys/", {"key-name": ""})
    assert page.status_code == 422
    assert "须至少选择一个数据集" in page.content.decode()
    page = client.post(f"/exchange/agencies/{own.pk}/subscriptions/", {
        "sub-url": "ftp://x", "sub-kinds": ["penalty.decided"],
        "sub-regions": [world.pudong.district]})
    assert page.status_code == 422 and "http://" in page.content.decode()
    page = client.post(f"/exchange/agencies/{own.pk}/subscriptions/", {
        "sub-url": "https://example.org/hook", "sub-kinds": ["penalty.decided"],
        "sub-regions": [world.pudong.district]})
    assert page.status_code == 200
    assert page.context["new_secret"]["secret"] in page.content.decode()
    assert Subscription.objects.filter(agency=own).count() == 1


def test_revoke_ping_and_redeliver_buttons(world, login):
    own = agency(world)
    key, _plain = api_key(world, own)
    sub = subscription(world, own, "http://127.0.0.1:9/x", regions=[CITY])
    client = login(world.city_admin)
    assert client.post(f"/exchange/api-keys/{key.pk}/revoke/").status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert client.post(f"/exchange/subscriptions/{sub.pk}/ping/").status_code == 302
    delivery = Delivery.objects.get(subscription=sub)
    page = client.get(f"/exchange/subscriptions/{sub.pk}/").content.decode()
    assert "测试事件" in page and "待送达" in page
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", last_error="HTTP 500")
    answer = client.post(f"/exchange/deliveries/{delivery.pk}/redeliver/",
                         {"next": f"/exchange/subscriptions/{sub.pk}/"})
    assert answer["Location"] == f"/exchange/subscriptions/{sub.pk}/"
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
    assert client.get(f"/exchange/deliveries/{delivery.pk}/").status_code == 200
    assert client.get(f"/exchange/api-keys/{key.pk}/").status_code == 200


def test_the_agency_list_filters_pages_and_exports(world, login):
    agency(world, name="甲部门", kind="public_security")
    agency(world, world.pudong.district, name="乙部门")
    client = login(world.city_admin)
    page = client.get("/exchange/agencies/", {"kind": "public_security"})
    assert [a.name for a in page.context["result"]["items"]] == ["甲部门"]
    page = client.get("/exchange/agencies/", {"region": world.pudong.district})
    assert [a.name for a in page.context["result"]["items"]] == ["乙部门"]
    export = client.get("/exchange/agencies/", {"format": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "名称" and {r[0] for r in rows[1:]} == {"甲部门", "乙部门"}


def test_a_district_office_reads_its_own_and_the_citys_agencies_only(world, login):
    city, own = agency(world, name="市级部门"), agency(world, world.pudong.district, name="本区部门")
    other = agency(world, world.chongming.district, name="外区部门")
    client = login(world.pudong.district_officer)
    page = client.get("/exchange/agencies/")
    assert {a.name for a in page.context["result"]["items"]} == {"市级部门", "本区部门"}
    detail = client.get(f"/exchange/agencies/{own.pk}/")
    assert detail.status_code == 200 and "签发接口密钥" not in detail.content.decode()
    assert client.get(f"/exchange/agencies/{city.pk}/").status_code == 200
    assert client.get(f"/exchange/agencies/{other.pk}/").status_code == 404
    assert client.get("/exchange/agencies/new/").status_code == 403
    assert client.post(f"/exchange/agencies/{own.pk}/api-keys/", {}).status_code == 403
    assert "数据共享" in client.get("/").content.decode()


def test_roles_without_exchange_view_are_refused(world, login):
    own = agency(world, world.pudong.district)
    for role in ("town_officer", "grid_worker", "enforcement_officer"):
        client = login(getattr(world.pudong, role))
        assert client.get("/exchange/agencies/").status_code == 403, role
        assert client.get(f"/exchange/agencies/{own.pk}/").status_code == 403, role
        assert "数据共享" not in client.get("/").content.decode()
