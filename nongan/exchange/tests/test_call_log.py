"""Every call made with a known key is in its call log (调用日志): when, what it asked,
the answer's status, how many rows it got and from where — refusals included."""

from nongan.exchange.models import ApiKey, KeyUse

from .factories import agency, api_key, failed_sample, partner


def test_each_call_is_logged_with_its_status_rows_and_address(world, client):
    failed_sample(world, world.pudong)
    key, plain = api_key(world, agency(world, world.pudong.district), datasets=["samples"])
    get = partner(client, plain)
    get("/exchange/datasets/samples", page_size="10")
    get("/exchange/datasets/samples", format="csv")
    get("/exchange/datasets/grades")  # not in scope: 403
    get("/exchange/datasets/samples", district=world.chongming.district)  # 404
    get("/exchange/datasets/samples", since="yesterday")  # 422
    get("/exchange/events")
    uses = list(KeyUse.objects.filter(key=key).order_by("pk"))
    assert [(u.path, u.status, u.rows) for u in uses] == [
        ("/api/v1/exchange/datasets/samples", 200, 1),
        ("/api/v1/exchange/datasets/samples", 200, 1),
        ("/api/v1/exchange/datasets/grades", 403, 0),
        ("/api/v1/exchange/datasets/samples", 404, 0),
        ("/api/v1/exchange/datasets/samples", 422, 0),
        ("/api/v1/exchange/events", 200, 1),
    ]
    assert uses[0].query == "page_size=10" and uses[0].method == "GET"
    assert all(u.client_address == "127.0.0.1" for u in uses)
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def test_the_call_log_is_read_by_the_city_and_the_keys_district_only(world, api):
    key, plain = api_key(world, agency(world, world.pudong.district))
    from django.test import Client

    partner(Client(), plain)("/exchange/datasets")
    own = api(world.pudong.district_officer).get(f"/api-keys/{key.pk}/uses")
    assert own.status_code == 200 and own.json()["count"] == 1
    assert api(world.city_admin).get(f"/api-keys/{key.pk}/uses").json()["count"] == 1
    assert api(world.chongming.district_officer).get(f"/api-keys/{key.pk}/uses").status_code \
        == 404
    assert api(world.pudong.enforcement_officer).get(f"/api-keys/{key.pk}/uses").status_code \
        == 404
