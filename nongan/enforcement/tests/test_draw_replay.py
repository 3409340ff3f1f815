"""Replaying a draw from its stored snapshot and revealed seed: it matches what was stored,
and it says so when a stored team, the snapshot or the seed was tampered with — on the
API, the replay page and `nongan draw verify ID`."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongan.enforcement import draws
from nongan.enforcement.models import SpotCheck, Target

from .spot_check_factories import drawn, officer, planned, producers, villages


@pytest.fixture
def check(world):
    producers(villages(), "ABCD", per_place=2)
    officer(), officer()
    return drawn(world.pudong.enforcement_officer, share="0.5", stratify_by="town")


def verify(pk) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("draw", "verify", str(pk), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_a_replay_matches_the_draw(check, world, api, login):
    result = draws.replay(check)
    assert result["match"] and result["seed_hash_ok"] and result["snapshot_hash_ok"]
    assert result["differences"] == []
    assert result["targets"] == list(check.targets.order_by("position")
                                     .values_list("producer_id", flat=True))
    answer = api(world.pudong.enforcement_officer).get(f"/spot-checks/{check.pk}/replay").json()
    assert answer["match"] is True and answer["teams"] == result["teams"]
    html = login(world.pudong.district_officer).get(f"/spot-checks/{check.pk}/replay/")
    text = html.content.decode()
    assert "复核一致" in text and check.seed in text
    assert draws.target_hash(check.seed, result["targets"][0]) in text
    code, output = verify(check.pk)
    assert code == 0 and "draw matches its replay" in output and check.seed in output


def test_a_tampered_team_is_found(check, world, api):
    target = Target.objects.filter(spot_check=check).order_by("position").first()
    original = target.team
    Target.objects.filter(pk=target.pk).update(team=list(reversed(original)))
    result = draws.replay(SpotCheck.objects.get(pk=check.pk))
    assert result["match"] is False
    assert result["seed_hash_ok"] and result["snapshot_hash_ok"]
    assert any("第 1 个对象的检查组" in d for d in result["differences"])
    assert api(world.pudong.enforcement_officer).get(
        f"/spot-checks/{check.pk}/replay").json()["match"] is False
    code, output = verify(check.pk)
    assert code == 1 and "MISMATCH" not in output and "does NOT match" in output


def test_a_tampered_snapshot_or_seed_is_found(check):
    snapshot = check.snapshot
    snapshot["population"] = snapshot["population"][1:]
    SpotCheck.objects.filter(pk=check.pk).update(snapshot=snapshot)
    result = draws.replay(SpotCheck.objects.get(pk=check.pk))
    assert not result["match"] and not result["snapshot_hash_ok"]
    SpotCheck.objects.filter(pk=check.pk).update(snapshot=json.loads(json.dumps(snapshot)),
                                                 seed="0" * 64)
    result = draws.replay(SpotCheck.objects.get(pk=check.pk))
    assert not result["match"] and not result["seed_hash_ok"]
    code, output = verify(check.pk)
    assert code == 1 and "MISMATCH" in output


def test_the_snapshot_download_is_what_the_hash_commits_to(check, login):
    response = login(check.created_by).get(f"/spot-checks/{check.pk}/snapshot.json")
    assert response["Content-Type"].startswith("application/json")
    assert draws.sha256_hex(response.content) == check.snapshot_hash
    assert draws.derive(json.loads(response.content), check.seed)["targets"] == \
        draws.replay(check)["targets"]


def test_a_planned_check_cannot_be_replayed_yet(world, api, login):
    check = planned(world.pudong.enforcement_officer, share="1")
    response = api(world.pudong.enforcement_officer).get(f"/spot-checks/{check.pk}/replay")
    assert response.status_code == 409 and "尚未抽取" in response.json()["detail"]
    page = login(world.pudong.enforcement_officer).get(f"/spot-checks/{check.pk}/replay/")
    assert page.status_code == 200 and "尚未抽取" in page.content.decode()
    assert check.seed_hash in page.content.decode()
    code, output = verify(check.pk)
    assert code == 1 and "尚未抽取" in output
    with pytest.raises(CommandError):
        call_command("draw", "verify", "999999")
