"""A signed commitment is never changed in place: a change is the next version, which names
the version it supersedes and its reason; the newest is the current one."""

import pytest

from nongan.commitments.models import Commitment, ImmutableRecord
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry

from .factories import sign, start


@pytest.fixture
def signed(world):
    start(world.pudong.district_officer)
    return sign(world.pudong.producer, world.pudong.the_producer)


def test_a_signed_commitment_cannot_be_saved_or_deleted(signed):
    signed.area_mu = 1
    with pytest.raises(ImmutableRecord):
        signed.save()
    with pytest.raises(ImmutableRecord):
        signed.delete()
    fresh = Commitment.objects.get(pk=signed.pk)
    assert fresh.area_mu != 1 and fresh.version == 1


def test_signing_again_without_a_new_version_is_a_conflict(world, signed):
    with pytest.raises(Conflict):
        sign(world.pudong.producer, world.pudong.the_producer)
    assert Commitment.objects.count() == 1


def test_a_change_is_a_new_version_superseding_the_current_one(world, signed):
    second = sign(world.pudong.producer, world.pudong.the_producer, supersedes=signed.pk,
                  reason="新增番茄品种", products="青菜:上海青;番茄:粉果,红果")
    assert (second.version, second.supersedes_id) == (2, signed.pk)
    assert second.reason == "新增番茄品种"
    assert second.products[1] == {"name": "番茄", "varieties": ["粉果", "红果"]}
    signed.refresh_from_db()
    assert signed.products[1] == {"name": "番茄", "varieties": ["粉果"]}  # unchanged
    current = Commitment.objects.filter(producer=world.pudong.the_producer,
                                        superseded_by__isnull=True)
    assert list(current) == [second]
    third = sign(world.pudong.producer, world.pudong.the_producer, supersedes=second.pk,
                 reason="面积更正", area_mu="40")
    assert third.version == 3
    assert AuditEntry.objects.filter(action="commitment.sign").count() == 3


def test_a_change_needs_its_reason_and_the_current_version(world, signed):
    with pytest.raises(FieldErrors) as caught:
        sign(world.pudong.producer, world.pudong.the_producer, supersedes=signed.pk)
    assert "reason" in caught.value.by_field()
    sign(world.pudong.producer, world.pudong.the_producer, supersedes=signed.pk, reason="更正")
    with pytest.raises(Conflict):  # the first version is no longer current
        sign(world.pudong.producer, world.pudong.the_producer, supersedes=signed.pk,
             reason="再次更正")


def test_a_new_version_keeps_what_it_does_not_change(world, api, signed):
    answer = api(world.pudong.producer).post("/commitments", {
        "supersedes": signed.pk, "reason": "扩大种植面积", "area_mu": "80"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["version"] == 2 and body["supersedes"] == signed.pk and body["current"]
    assert body["scope"] == signed.scope and body["methods"] == signed.methods
    assert [p["id"] for p in body["plots"]] == [p["id"] for p in signed.plots]
    old = api(world.pudong.producer).get(f"/commitments/{signed.pk}").json()
    assert old["current"] is False and old["superseded_by"] == body["id"]
    listed = api(world.pudong.producer).get("/commitments").json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    every = api(world.pudong.producer).get("/commitments", versions=True).json()
    assert every["count"] == 2


def test_the_page_changes_as_a_new_version(world, login, signed):
    client = login(world.pudong.producer)
    page = client.get(f"/commitments/{signed.pk}/change/")
    assert page.status_code == 200 and "变更原因" in page.content.decode()
    posted = client.post(f"/commitments/{signed.pk}/change/", {
        "area_mu": "26", "products": "青菜:上海青", "methods": ["protected"],
        "scope": "设施蔬菜", "villages": [world.pudong.village],
        "plots": [str(world.pudong.plot.pk)], "signatory": "张三", "reason": "改为设施种植"})
    assert posted.status_code == 302, posted.content.decode()[:2000]
    newest = Commitment.objects.get(version=2)
    assert posted["Location"] == f"/commitments/{newest.pk}/"
    assert newest.methods == ["protected"]
    detail = client.get(f"/commitments/{signed.pk}/").content.decode()
    assert "已被替代" in detail and "第 2 版" in detail
