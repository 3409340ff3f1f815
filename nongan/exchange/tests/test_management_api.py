"""The city administrator manages partners over the API: agencies, keys (the key answered
once), subscriptions (the secret answered once), deliveries. Bad input is 422 field by
field; district offices read their district's and the city's but write nothing (403);
other roles and other districts find nothing (404). Every write is audited."""

from nongan.core.models import AuditEntry
from nongan.exchange.models import ApiKey, Delivery, Subscription
from nongan.exchange.services import key_hash
from nongan.people.sealed import unseal

from .factories import CITY, agency, api_key, subscription


def _locs(answer) -> set:
    return {tuple(d["loc"]) for d in answer.json()["detail"]}


def test_the_city_registers_an_agency_and_issues_a_key_shown_once(world, api):
    admin = api(world.city_admin)
    made = admin.post("/agencies", {"name": "上海市市场监督管理局", "kind": "market_regulation",
                                    "region": CITY, "contact_name": "王科长"})
    assert made.status_code == 201
    pk = made.json()["id"]
    issued = admin.post(f"/agencies/{pk}/api-keys", {
        "name": "线索比对", "datasets": ["samples", "penalties"],
        "regions": [world.pudong.district, world.chongming.district],
        "expires_at": "2099-12-31"})
    assert issued.status_code == 201
    plain = issued.json()["key"]
    stored = ApiKey.objects.get(pk=issued.json()["id"])
    assert stored.key_hash == key_hash(plain) and issued.json()["prefix"] == plain[:8]
    assert issued.json()["regions"] == sorted([world.pudong.district, world.chongming.district])
    shown = admin.get(f"/agencies/{pk}").json()
    assert plain not in str(shown) and shown["api_keys"][0]["state"] == "active"
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "exchange.agency.create", "exchange.key.issue"}
    assert plain not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_agency_input_is_checked_field_by_field(world, api):
    admin = api(world.city_admin)
    answer = admin.post("/agencies", {"name": "", "kind": "army", "region": "310115103000",
                                      "uscc": "123"})
    assert answer.status_code == 422
    assert _locs(answer) == {("body", "name"), ("body", "kind"), ("body", "region"),
                             ("body", "uscc")}
    agency(world, name="重名部门")
    again = admin.post("/agencies", {"name": "重名部门", "kind": "other", "region": CITY})
    assert again.status_code == 422 and _locs(again) == {("body", "name")}


def test_a_key_is_never_wider_than_its_agency(world, api):
    district = agency(world, world.pudong.district)
    admin = api(world.city_admin)
    answer = admin.post(f"/agencies/{district.pk}/api-keys", {
        "name": "x", "datasets": ["samples", "nothing"], "regions": [CITY],
        "expires_at": "2000-01-01"})
    assert answer.status_code == 422
    assert _locs(answer) == {("body", "datasets"), ("body", "regions"), ("body", "expires_at")}
    other = admin.post(f"/agencies/{district.pk}/api-keys", {
        "name": "x", "datasets": ["samples"], "regions": [world.chongming.district]})
    assert other.status_code == 422 and _locs(other) == {("body", "regions")}
    empty = admin.post(f"/agencies/{district.pk}/api-keys", {})
    assert _locs(empty) == {("body", "name"), ("body", "datasets"), ("body", "regions")}


def test_a_subscription_is_checked_and_its_secret_shown_once_and_kept_sealed(world, api):
    city = agency(world)
    admin = api(world.city_admin)
    bad = admin.post(f"/agencies/{city.pk}/subscriptions", {
        "url": "ftp://example.org/x", "kinds": ["sample.non_compliant", "ping", "boom"],
        "regions": ["999999999999"], "secret": "short"})
    assert bad.status_code == 422
    assert _locs(bad) == {("body", "url"), ("body", "kinds"), ("body", "regions"),
                          ("body", "secret")}
    for url in ("javascript:alert(1)", "http://", "example.org/hook"):
        answer = admin.post(f"/agencies/{city.pk}/subscriptions",
                            {"url": url, "kinds": ["penalty.decided"], "regions": [CITY]})
        assert _locs(answer) == {("body", "url")}, url
    made = admin.post(f"/agencies/{city.pk}/subscriptions", {
        "url": "https://example.org/hooks/nongan", "kinds": ["penalty.decided"],
        "regions": [CITY]})
    assert made.status_code == 201
    secret = made.json()["secret"]
    stored = Subscription.objects.get(pk=made.json()["id"])
    assert secret not in stored.secret and unseal(stored.secret) == secret
    listed = admin.get(f"/agencies/{city.pk}/subscriptions").json()
    assert listed["count"] == 1 and secret not in str(listed)


def test_revoking_twice_is_a_conflict(world, api):
    key, _plain = api_key(world, agency(world))
    admin = api(world.city_admin)
    assert admin.post(f"/api-keys/{key.pk}/revoke").json()["state"] == "revoked"
    assert admin.post(f"/api-keys/{key.pk}/revoke").status_code == 409


def test_a_district_office_reads_its_own_and_the_citys_but_writes_nothing(world, api):
    own = agency(world, world.pudong.district)
    city = agency(world)
    other = agency(world, world.chongming.district)
    officer = api(world.pudong.district_officer)
    names = {a["name"] for a in officer.get("/agencies").json()["items"]}
    assert names == {own.name, city.name}
    assert officer.get(f"/agencies/{own.pk}").status_code == 200
    assert officer.get(f"/agencies/{other.pk}").status_code == 404
    assert officer.post("/agencies", {"name": "x", "kind": "other",
                                      "region": world.pudong.district}).status_code == 403
    assert officer.post(f"/agencies/{own.pk}/api-keys", {"name": "x"}).status_code == 403
    assert officer.post(f"/agencies/{other.pk}/api-keys", {"name": "x"}).status_code == 404
    assert officer.post(f"/agencies/{own.pk}/subscriptions", {}).status_code == 403
    key, _plain = api_key(world, own)
    assert officer.post(f"/api-keys/{key.pk}/revoke").status_code == 403
    assert officer.patch(f"/agencies/{own.pk}", {"active": False}).status_code == 403


def test_other_roles_see_no_keys_subscriptions_or_deliveries(world, api):
    own = agency(world, world.pudong.district)
    key, _plain = api_key(world, own)
    sub = subscription(world, own, "http://127.0.0.1:9/x")
    admin = api(world.city_admin)
    delivery = admin.post(f"/subscriptions/{sub.pk}/ping").json()
    for role in ("town_officer", "grid_worker", "enforcement_officer", "producer"):
        client = api(getattr(world.pudong, role))
        assert client.get("/agencies").status_code == 403, role
        assert client.get(f"/api-keys/{key.pk}/uses").status_code == 404, role
        assert client.get(f"/subscriptions/{sub.pk}/deliveries").status_code == 404, role
        assert client.get(f"/deliveries/{delivery['id']}").status_code == 404, role
        assert client.post(f"/deliveries/{delivery['id']}/redeliver").status_code == 404, role
    assert api(world.lab).get(f"/deliveries/{delivery['id']}").status_code == 404


def test_deliveries_are_listed_filtered_and_redelivered(world, api):
    sub = subscription(world, agency(world), "http://127.0.0.1:9/x", regions=[CITY])
    admin = api(world.city_admin)
    ping = admin.post(f"/subscriptions/{sub.pk}/ping")
    assert ping.status_code == 201 and ping.json()["event"]["kind"] == "ping"
    listed = admin.get(f"/subscriptions/{sub.pk}/deliveries", status="pending").json()
    assert listed["count"] == 1
    assert admin.get(f"/subscriptions/{sub.pk}/deliveries", status="delivered").json()[
        "count"] == 0
    assert admin.get(f"/subscriptions/{sub.pk}/deliveries", status="lost").status_code == 422
    pk = ping.json()["id"]
    assert admin.post(f"/deliveries/{pk}/redeliver").status_code == 409
    Delivery.objects.filter(pk=pk).update(status="failed")
    again = admin.post(f"/deliveries/{pk}/redeliver")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    detail = admin.get(f"/deliveries/{pk}").json()
    assert detail["uuid"] == ping.json()["uuid"] and detail["attempt_log"] == []
    export = admin.get(f"/subscriptions/{sub.pk}/deliveries", format="xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
