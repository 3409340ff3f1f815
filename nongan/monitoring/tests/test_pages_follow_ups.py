"""After a failure: the officer tells the party (the re-test deadline shows), takes a
re-test request to another lab, and works the follow-up (notes, enforcement, closing).
The failure reaches people's notifications, the to-do page and the producer's page."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from nongan.core.models import Notification
from nongan.monitoring import deadlines
from nongan.monitoring.models import FollowUp, Sample

from .page_helpers import city_plan, lab_sample, results

pytestmark = pytest.mark.usefixtures("media_root")


def failed(world):
    sample = lab_sample(world, city_plan(world), pesticides_used=[
        {"pesticide": "毒死蜱", "dose": "50 ml/亩", "applied_on": None}])
    results(world, sample, 毒死蜱="0.05", 啶虫脒=None)
    sample.refresh_from_db()
    assert sample.verdict == "non_compliant"
    return sample


def test_the_officer_notifies_the_party_and_takes_a_retest(world, login, standards):
    sample = failed(world)
    officer = login(world.pudong.district_officer)
    url = f"/samples/{sample.sample_no}/"
    html = officer.get(url).content.decode()
    assert "尚未告知" in html and "已告知被抽样方结果及复检权利" in html
    assert officer.post(url + "notify/").status_code == 302
    sample.refresh_from_db()
    ask_by = timezone.localtime(deadlines.retest_ask_by(sample)).strftime("%Y-%m-%d %H:%M")
    html = officer.get(url).content.decode()
    assert "复检申请期限" in html and ask_by in html
    select = re.search(r'<select name="lab"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert f'value="{world.lab2.org.pk}"' in select
    assert f'value="{world.lab.org.pk}"' not in select  # never the original lab
    same_lab = officer.post(url + "retest/", {"lab": world.lab.org.pk})
    assert same_lab.status_code == 422 and not Sample.objects.filter(retest_of=sample).exists()
    response = officer.post(url + "retest/", {"lab": world.lab2.org.pk}, follow=True)
    retest = Sample.objects.get(retest_of=sample)
    assert retest.lab == world.lab2.org and retest.analytes == ["毒死蜱"]
    assert f"复检样品编号 {retest.sample_no}" in response.content.decode()
    # The re-test lab sees the re-test, not the original; the original lab the opposite.
    assert login(world.lab2).get(f"/samples/{retest.sample_no}/").status_code == 200
    assert login(world.lab2).get(url).status_code == 404
    again = officer.post(url + "notify/", follow=True)
    assert "已告知" in again.content.decode()


def test_the_lab_cannot_notify_or_retest(world, login, standards):
    sample = failed(world)
    lab = login(world.lab)
    assert lab.post(f"/samples/{sample.sample_no}/notify/").status_code == 403
    assert lab.post(f"/samples/{sample.sample_no}/retest/",
                    {"lab": world.lab2.org.pk}).status_code == 403


def test_the_follow_up_is_listed_and_worked_to_its_end(world, login, standards):
    sample = failed(world)
    follow_up = FollowUp.objects.get(sample=sample)
    officer = login(world.pudong.town_officer)
    listed = officer.get("/follow-ups/").content.decode()
    assert f'/follow-ups/{follow_up.pk}/' in listed and "毒死蜱" in listed
    url = f"/follow-ups/{follow_up.pk}/"
    html = officer.get(url).content.decode()
    for text in ("发现不合格", "50 ml/亩", "采样单", "pudong-district", "检出禁用农药"):
        assert text in html, text
    empty = officer.post(url + "notes/", {"note-text": ""})
    assert empty.status_code == 422 and "须填写处置情况" in empty.content.decode()
    assert officer.post(url + "notes/", {"note-text": "已封存同批次产品"}).status_code == 302
    assert officer.post(url + "propose/", {"propose-text": "涉嫌使用禁用农药"}).status_code == 302
    assert officer.post(url + "close/", {"close-text": "执法大队已立案"}).status_code == 302
    html = officer.get(url).content.decode()
    timeline = html[html.index('class="timeline"'):]
    assert (timeline.index("已封存同批次产品") < timeline.index("移交执法：涉嫌使用禁用农药")
            < timeline.index("执法大队已立案"))
    assert "已办结" in html and 'action="/follow-ups/' not in html
    closed = officer.post(url + "close/", {"close-text": "再次办结"}, follow=True)
    assert "该处置已办结" in closed.content.decode()
    assert f'/follow-ups/{follow_up.pk}/' in officer.get("/follow-ups/", {"state": "closed"}
                                                         ).content.decode()
    # Another district never sees it.
    assert login(world.chongming.town_officer).get(url).status_code == 404
    assert login(world.chongming.enforcement_officer).post(
        url + "notes/", {"note-text": "x"}).status_code == 404


def test_the_failure_reaches_notifications_with_a_badge(world, login, standards):
    failed(world)
    officer = world.pudong.district_officer
    client = login(officer)
    home = client.get("/").content.decode()
    assert re.search(r'href="/notifications/"[^>]*>通知<span class="count-badge"[^>]*>1</span>',
                     home)
    html = client.get("/notifications/").content.decode()
    notice = Notification.objects.get(recipient=officer)
    assert "检测不合格" in html and f"/notifications/{notice.pk}/" in html
    opened = client.get(f"/notifications/{notice.pk}/")
    assert opened.status_code == 302 and opened["Location"] == notice.link
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "count-badge" not in client.get("/").content.decode()
    # Somebody else's notification is not found; reading all marks every one read.
    assert login(world.pudong.town_officer).get(f"/notifications/{notice.pk}/").status_code \
        == 404
    town = login(world.pudong.town_officer)
    assert town.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(recipient=world.pudong.town_officer,
                                           read_at=None).exists()


def test_the_todo_page_shows_an_overdue_sample(world, login, standards):
    plan = city_plan(world)
    late = lab_sample(world, plan, sampled_at=timezone.now() - dt.timedelta(days=12))
    html = login(world.lab).get("/todo/").content.decode()
    assert "检测结果逾期未录入" in html and late.sample_no in html and "逾期 2 天" in html
    assert late.sample_no not in login(world.chongming.district_officer).get(
        "/todo/").content.decode()


def test_the_producer_page_lists_its_samples(world, login, standards):
    sample = failed(world)
    for user in (world.pudong.district_officer, world.pudong.producer):
        html = login(user).get(f"/producers/{world.pudong.the_producer.pk}/").content.decode()
        assert "抽检记录" in html and f'href="/samples/{sample.sample_no}/"' in html
        assert "不合格" in html
    other = login(world.chongming.producer).get(f"/producers/{world.chongming.the_producer.pk}/")
    assert sample.sample_no not in other.content.decode()
