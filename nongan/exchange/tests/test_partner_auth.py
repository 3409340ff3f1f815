"""A partner call needs a live key: missing, unknown, revoked or expired keys — and keys of
a stopped agency — answer 401, and a refused call with a known key is still logged."""

import datetime as dt

from django.utils import timezone

from nongan.exchange import services
from nongan.exchange.models import ApiKey, KeyUse

from .factories import agency, api_key, partner


def test_a_call_without_a_key_or_with_an_unknown_one_is_unauthorised(world, client):
    assert client.get("/api/v1/exchange/datasets/samples").status_code == 401
    answer = partner(client, "ngk_not-a-key")("/exchange/datasets/samples")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "密钥无效"
    assert not KeyUse.objects.exists()


def test_a_revoked_key_is_unauthorised_and_the_refusal_is_logged(world, client):
    key, plain = api_key(world, agency(world, world.pudong.district))
    get = partner(client, plain)
    assert get("/exchange/datasets/samples").status_code == 200
    services.revoke_key(key, actor=world.city_admin)
    for path in ("/exchange/datasets/samples", "/exchange/datasets", "/exchange/events"):
        answer = get(path)
        assert answer.status_code == 401, path
        assert answer.json()["detail"] == "密钥已吊销"
    assert list(KeyUse.objects.filter(key=key).order_by("pk").values_list("status", flat=True)) \
        == [200, 401, 401, 401]


def test_an_expired_key_is_unauthorised(world, client):
    key, plain = api_key(world, agency(world, world.pudong.district),
                         expires_at=(timezone.localdate() + dt.timedelta(days=1)).isoformat())
    get = partner(client, plain)
    assert get("/exchange/datasets").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = get("/exchange/datasets")
    assert (answer.status_code, answer.json()["detail"]) == (401, "密钥已过期")
    assert KeyUse.objects.filter(key=key, status=401).count() == 1


def test_the_keys_of_a_stopped_agency_are_unauthorised(world, client):
    own = agency(world, world.pudong.district)
    _key, plain = api_key(world, own)
    services.update_agency(own, {"active": False}, actor=world.city_admin)
    assert partner(client, plain)("/exchange/events").status_code == 401


def test_a_session_or_bearer_token_does_not_open_the_partner_api(world, api, login):
    assert api(world.city_admin).get("/exchange/datasets/samples").status_code == 401
    assert login(world.city_admin).get("/api/v1/exchange/events").status_code == 401


def test_only_the_hash_of_a_key_is_stored(world):
    key, plain = api_key(world, agency(world))
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert plain not in str(stored)
    assert key.prefix == plain[:8] and plain.startswith("ngk_")
