"""Document numbers "〈机关〉农〈文书〉〔年〕N号": the authority's short name from its district's
name, numbers consecutive per authority, kind and year, never the same number twice even
when two officers issue at once."""

import threading

import pytest
from django.db import connection, transaction

from nongan.enforcement import documents
from nongan.enforcement.models import DocumentSequence
from nongan.regions.models import Region

SHORT = {"黄浦区": "黄", "徐汇区": "徐", "长宁区": "长", "静安区": "静", "普陀区": "普",
         "虹口区": "虹", "杨浦区": "杨", "闵行区": "闵", "宝山区": "宝", "嘉定区": "嘉",
         "浦东新区": "浦", "金山区": "金", "松江区": "松", "青浦区": "青", "奉贤区": "奉",
         "崇明区": "崇"}


def test_every_shanghai_district_has_its_own_short_name(db):
    districts = list(Region.objects.filter(level="district", active=True))
    assert len(districts) == 16
    shorts = {d.name: documents.authority_short(d) for d in districts}
    assert shorts == SHORT
    assert len(set(shorts.values())) == 16


def test_the_rule_strips_xinqu_before_qu():
    class District:
        name = "浦东新区"

    assert documents.authority_short(District) == "浦"
    District.name = "新区"  # a name that is only the suffix keeps its first character
    assert documents.authority_short(District) == "新"


def test_the_authority_is_the_districts_agriculture_commission(db):
    from nongan.people.models import Organisation

    pudong = Region.objects.get(code="310115000000")
    assert documents.authority_name(pudong) == "上海市浦东新区农业农村委员会"
    Organisation.objects.create(name="浦东新区农业农村委员会", kind="agriculture", region=pudong)
    assert documents.authority_name(pudong) == "浦东新区农业农村委员会"


@pytest.mark.django_db
def test_numbers_run_per_authority_kind_and_year():
    pudong = Region.objects.get(code="310115000000")
    minhang = Region.objects.get(code="310112000000")
    with transaction.atomic():
        taken = [documents.next_number(pudong, "罚", 2026) for _ in range(3)]
        taken += [documents.next_number(pudong, "立", 2026),
                  documents.next_number(minhang, "罚", 2026),
                  documents.next_number(pudong, "罚", 2027),
                  documents.next_number(pudong, "罚", 2026)]
    assert taken == ["浦农罚〔2026〕1号", "浦农罚〔2026〕2号", "浦农罚〔2026〕3号",
                     "浦农立〔2026〕1号", "闵农罚〔2026〕1号", "浦农罚〔2027〕1号",
                     "浦农罚〔2026〕4号"]
    assert DocumentSequence.objects.get(prefix="浦农罚〔2026〕").last == 4


def test_a_number_rolled_back_is_issued_again(db):
    pudong = Region.objects.get(code="310115000000")
    with pytest.raises(RuntimeError), transaction.atomic():
        documents.next_number(pudong, "告", 2026)
        raise RuntimeError("the step failed")
    with transaction.atomic():
        assert documents.next_number(pudong, "告", 2026) == "浦农告〔2026〕1号"


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="SQLite runs one writer at a time; the race exists on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_officers_issuing_at_once_never_get_the_same_number(live_divisions):
    pudong = Region.objects.get(code="310115000000")
    threads, per_thread, taken, failures = 6, 5, [], []
    start = threading.Barrier(threads)

    def issue():
        try:
            start.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    taken.append(documents.next_number(pudong, "罚", 2026))
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=issue) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert sorted(taken, key=lambda n: int(n[len("浦农罚〔2026〕"):-1])) == [
        f"浦农罚〔2026〕{n}号" for n in range(1, threads * per_thread + 1)]
