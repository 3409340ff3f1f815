"""The producer's page shows its credit: the grade and score, the reasons, the history of
grade changes with their causes, and the events with their source and the day they stop
counting."""

from nongan.credit.services import refresh

from .factories import closed_case, visit


def test_the_page_shows_grade_reasons_history_and_events(world, login):
    side = world.pudong
    refresh()
    inspection = visit(side, "rectify")
    case = closed_case(side, serious=True)
    page = login(side.producer).get(f"/producers/{side.the_producer.pk}/").content.decode()
    section = page.split('id="credit"')[1].split("</section>")[0]
    assert "D 严重失信" in section and "信用分 65" in section
    assert "信用等级不高于 D" in section and "-30 分" in section and "-5 分" in section
    assert "等级变更记录" in section and "A → D" in section and "B → A" in section
    assert "信用事件" in section and f"/inspections/{inspection.pk}/" in section
    assert f"/cases/{case.pk}/" in section and "严重" in section


def test_a_file_without_events_says_so(world, login):
    page = login(world.pudong.district_officer).get(
        f"/producers/{world.pudong.the_producer.pk}/").content.decode()
    section = page.split('id="credit"')[1].split("</section>")[0]
    assert "当前没有计分的信用事件" in section and "没有信用事件" in section
