"""The import pages: upload, progress and counts, the errors of a refused file, the
unmatched rows with the 重新匹配 button, the row report."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from nongan.testing import make_producer, uscc
from nongan.traceability.models import TraceImport

from .factories import CERT_HEADINGS, cert_row, certificates_of, xlsx


def test_an_officer_uploads_on_the_page_and_follows_the_job(world, login,
                                                           django_capture_on_commit_callbacks,
                                                           settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    side = world.pudong
    client = login(side.district_officer)
    assert client.get(reverse("trace_imports")).status_code == 200
    file = xlsx(CERT_HEADINGS, [cert_row(side.the_producer, 1),
                                cert_row(world.chongming.the_producer, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("trace_imports"), {"kind": "certificates", "file": file})
    assert answer.status_code == 302
    job = TraceImport.objects.get()
    assert answer.url == reverse("trace_import", args=[job.pk])
    page = client.get(answer.url).content.decode()
    assert "已匹配" in page and "chongming合作社" in page and "未在本辖区名录中找到" in page
    assert "重新匹配" in page
    listing = client.get(reverse("trace_imports")).content.decode()
    assert job.filename in listing


def test_the_page_shows_the_refused_rows(world, login):
    job = certificates_of(world.pudong, [cert_row(world.pudong.the_producer, 1, 承诺依据="")])
    client = login(world.pudong.district_officer)
    page = client.get(reverse("trace_import", args=[job.pk])).content.decode()
    assert "未导入任何数据" in page and "承诺依据" in page and "不能为空" in page
    report = client.get(reverse("trace_import_report", args=[job.pk]))
    rows = list(load_workbook(BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows[1] == (2, "承诺依据", "不能为空")


def test_a_bad_upload_is_shown_beside_the_form(world, login):
    answer = login(world.pudong.district_officer).post(reverse("trace_imports"),
                                                        {"kind": "certificates"})
    assert answer.status_code == 422 and "请选择要上传的文件" in answer.content.decode()


def test_the_rematch_button_matches_and_says_so(world, login):
    side = world.pudong
    code = uscc(area="310115")
    row = cert_row(side.the_producer, 1, 统一社会信用代码=code, 主体名称="新合作社")
    job = certificates_of(side, [row])
    make_producer(side.village, name="新合作社", uscc=code)
    client = login(side.district_officer)
    answer = client.post(reverse("trace_import_rematch", args=[job.pk]), follow=True)
    assert "重新匹配完成：新匹配 1 行，仍有 0 行未匹配" in answer.content.decode()
    job.refresh_from_db()
    assert (job.matched, job.unmatched) == (1, 0)


def test_the_pages_are_for_officers_who_import_and_their_region(world, login):
    job = certificates_of(world.pudong)
    assert login(world.pudong.grid_worker).get(reverse("trace_imports")).status_code == 403
    assert login(world.pudong.producer).get(reverse("trace_imports")).status_code == 403
    for user in (world.chongming.district_officer, world.pudong.producer, world.lab):
        client = login(user)
        assert client.get(reverse("trace_import", args=[job.pk])).status_code == 404
        assert client.get(reverse("trace_import_report", args=[job.pk])).status_code == 404
