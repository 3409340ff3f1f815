"""The page of the daily files is the city administrator's: a district officer is refused
(403) the page and every download — they are city files, not a region's records."""

import pytest
from django.urls import reverse
from django.utils import timezone

from .publication_factories import firm_decision, generate


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def download(client, day, name):
    return client.get(reverse("credit_publication_download"), {"day": day, "file": name})


def test_the_city_lists_generates_and_downloads(world, login):
    firm_decision(world.pudong)
    client = login(world.city_admin)
    today = timezone.localdate().isoformat()
    answer = client.post(reverse("credit_publications"), {"day": today}, follow=True)
    assert f"已生成 {today} 的报送文件" in answer.content.decode()
    page = client.get(reverse("credit_publications")).content.decode()
    assert "penalties.csv" in page and "grades.xlsx" in page
    csv = download(client, today, "penalties.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf") and "pudong合作社".encode() in body
    assert "行政处罚信息-" in csv["Content-Disposition"] or "%E8%A1%8C" in csv[
        "Content-Disposition"]
    assert download(client, today, "grades.xlsx").status_code == 200
    assert download(client, today, "secrets.txt").status_code == 404
    assert download(client, "2001-01-01", "grades.csv").status_code == 404
    again = client.post(reverse("credit_publications"), {"day": today}, follow=True)
    assert "未重写" in again.content.decode()


def test_a_district_officer_is_refused_the_city_files(world, login):
    generate()
    today = timezone.localdate().isoformat()
    for user in (world.pudong.district_officer, world.chongming.enforcement_officer,
                 world.pudong.producer, world.lab):
        client = login(user)
        assert client.get(reverse("credit_publications")).status_code == 403
        assert client.post(reverse("credit_publications"), {"day": today}).status_code == 403
        assert download(client, today, "penalties.csv").status_code == 403


def test_a_bad_day_is_said_not_raised(world, login):
    answer = login(world.city_admin).post(reverse("credit_publications"), {"day": "昨天"},
                                          follow=True)
    assert answer.status_code == 200 and "日期格式应为 YYYY-MM-DD" in answer.content.decode()
