"""Every upload is judged by its content, not its name, and stored where no web server looks.

Each endpoint that takes a file — found by reading the code for handlers that touch
`request.FILES` or take an `UploadedFile`, so a new one fails here until it is listed — is
sent the same request twice: once with a program named as the file it should be (a photo,
a PDF, a workbook, a CSV table), which is refused and leaves no file behind, and once with a
real file of that kind, which is taken. Stored files live under MEDIA_ROOT, outside the
static folders, and only views that check the reader's scope answer them."""

import ast
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from nongan.testing import jpeg_bytes, make_plan, make_sample

NONGAN = Path(__file__).resolve().parents[2]
# A Windows program with a script in it: not an image, a PDF, a workbook or text.
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff<script>alert(1)</script>"


def upload_handlers() -> set[str]:
    """"module:function" of every handler in the code that reads an uploaded file."""
    found = set()
    for path in NONGAN.rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        source = path.read_text(encoding="utf-8")
        if "FILES" not in source and "UploadedFile" not in source:
            continue
        module = ".".join(path.relative_to(NONGAN.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and (
                    "request.FILES" in ast.get_source_segment(source, node)
                    or any(a.annotation is not None and "UploadedFile" in ast.unparse(
                        a.annotation) for a in node.args.args)):
                found.add(f"{module}:{node.name}")
    return found


def pdf() -> bytes:
    from nongan.commitments.tests.factories import pdf_bytes

    return pdf_bytes()


def session(user) -> Client:
    client = Client()
    client.force_login(user)  # a login confirms the user: admin uploads need no re-entry
    return client


def bearer(user):
    from nongan.people.services import issue_token

    key, _ = issue_token(user)
    return Client(headers={"Authorization": f"Bearer {key}"})


@dataclass
class Endpoint:
    client: Client
    url: str
    fields: dict  # what else the request sends
    field: str  # the file's field
    name: str  # the file's name: the kind it claims to be
    good: bytes  # a real file of that kind
    ok: int  # the status of a request that was taken

    def post(self, content: bytes):
        file = SimpleUploadedFile(self.name, content)
        return self.client.post(self.url, self.fields | {self.field: file})


# --- one request per endpoint ------------------------------------------------------------


def photo_api(world):
    return Endpoint(bearer(world.pudong.grid_worker), "/api/v1/media", {}, "file", "现场.jpg",
                    jpeg_bytes(), 201)


def rectification_reply_page(world):
    from nongan.inspections.tests.rectification_factories import ordered

    order = ordered(world.pudong.the_producer, actor=world.pudong.grid_worker)
    return Endpoint(session(world.pudong.producer), f"/rectifications/{order.pk}/replies/",
                    {"text": "已补全农药使用记录"}, "photos", "整改后.jpg", jpeg_bytes(), 302)


def lab_sample(world):
    from nongan.monitoring.tests.helpers import small_standard

    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    return make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)


def report_api(world):
    sample = lab_sample(world)
    return Endpoint(bearer(world.lab), f"/api/v1/samples/{sample.sample_no}/report", {},
                    "report", "检测报告.pdf", pdf(), 201)


def report_page(world):
    sample = lab_sample(world)
    return Endpoint(session(world.lab), f"/samples/{sample.sample_no}/report/upload/", {},
                    "report", "检测报告.pdf", pdf(), 302)


def lims_table(world) -> bytes:
    sample = lab_sample(world)
    rows = [["样品编号", "检测项目", "检测值", "单位", "检出限", "检测方法"],
            [sample.sample_no, "啶虫脒", "0.2", "mg/kg", "0.01", "GB 23200.121"],
            [sample.sample_no, "毒死蜱", "ND", "mg/kg", "0.01", "GB 23200.121"]]
    return "\n".join(",".join(r) for r in rows).encode("utf-8-sig")


def lims_api(world):
    return Endpoint(bearer(world.lab), "/api/v1/samples/results/import", {}, "file",
                    "lims.csv", lims_table(world), 200)


def lims_page(world):
    return Endpoint(session(world.lab), "/samples/import/", {}, "file", "lims.csv",
                    lims_table(world), 200)


def limits_table() -> bytes:
    from nongan.monitoring.tests.test_limits_matching import LIMITS, limits_csv

    return limits_csv(LIMITS).read()


def standards_api(world):
    return Endpoint(bearer(world.city_admin), "/api/v1/standards/mrl/import", {}, "limits",
                    "limits.csv", limits_table(), 201)


def standards_page(world):
    return Endpoint(session(world.city_admin), "/standards/import/", {}, "limits",
                    "limits.csv", limits_table(), 200)


def indicators_page(world):
    client = session(world.city_admin)
    table = client.get("/assessment/indicators/", {"format": "csv"}).content
    return Endpoint(client, "/assessment/indicators/", {}, "file", "indicators.csv", table,
                    302)


def a_referral(world):
    from nongan.joint.tests.factories import referral

    return referral(world.pudong)


def answer_fields() -> dict:
    return {"state": "accepted", "on": (dt.date.today() - dt.timedelta(days=5)).isoformat(),
            "letter_no": "立字1号"}


def referral_answer_api(world):
    made = a_referral(world)
    return Endpoint(bearer(world.pudong.enforcement_officer),
                    f"/api/v1/referrals/{made.pk}/answer", answer_fields(), "scan",
                    "立案通知书.pdf", pdf(), 200)


def referral_answer_page(world):
    made = a_referral(world)
    return Endpoint(session(world.pudong.enforcement_officer), f"/referrals/{made.pk}/answer/",
                    answer_fields(), "scan", "立案通知书.pdf", pdf(), 302)


def referral_document_api(world):
    made = a_referral(world)
    return Endpoint(bearer(world.pudong.enforcement_officer),
                    f"/api/v1/referrals/{made.pk}/documents", {"kind": "report"}, "file",
                    "调查报告.pdf", pdf(), 201)


def referral_document_page(world):
    made = a_referral(world)
    return Endpoint(session(world.pudong.enforcement_officer),
                    f"/referrals/{made.pk}/documents/", {"kind": "report"}, "file",
                    "调查报告.pdf", pdf(), 302)


def commitment_fields(world) -> dict:
    from nongan.commitments.tests.factories import start

    start(world.pudong.district_officer)
    plot = world.pudong.plot
    return {"area_mu": str(plot.area_mu), "products": "青菜:上海青", "methods": "open_field",
            "scope": "蔬菜种植", "villages": world.pudong.village, "plots": str(plot.pk),
            "signatory": "张三"}


def commitment_api(world):
    fields = commitment_fields(world) | {"producer": world.pudong.the_producer.pk}
    return Endpoint(bearer(world.pudong.grid_worker), "/api/v1/commitments", fields, "scan",
                    "承诺书.pdf", pdf(), 201)


def commitment_page(world):
    from nongan.commitments.tests.factories import this_year

    fields = commitment_fields(world)
    return Endpoint(session(world.pudong.grid_worker),
                    f"/commitments/new/?producer={world.pudong.the_producer.pk}"
                    f"&year={this_year() + 1}", fields, "scan", "承诺书.pdf", pdf(), 302)


def register_table() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["名称", "主体类型", "统一社会信用代码", "法定代表人/负责人", "村代码"])
    book.active.append(["新登记合作社", "合作社", "", "李四", "310115103201"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def register_import_page(world):
    return Endpoint(session(world.pudong.district_officer), "/producers/import/",
                    {"kind": "producers"}, "file", "名录.xlsx", register_table(), 302)


def trace_import_api(world):
    return Endpoint(bearer(world.pudong.district_officer), "/api/v1/trace-imports",
                    {"kind": "certificates"}, "file", "合格证.xlsx", register_table(), 201)


def trace_import_page(world):
    return Endpoint(session(world.pudong.district_officer), "/trace-imports/",
                    {"kind": "certificates"}, "file", "合格证.csv",
                    "合格证编号,产品名称\nA1,青菜\n".encode("utf-8-sig"), 302)


ENDPOINTS = {
    "nongan.inspections.api:upload": photo_api,
    "nongan.inspections.views:rectification_reply": rectification_reply_page,
    "nongan.monitoring.api:post_report": report_api,
    "nongan.monitoring.views:sample_report_upload": report_page,
    "nongan.monitoring.api:import_results": lims_api,
    "nongan.monitoring.views:lims_import": lims_page,
    "nongan.monitoring.api_standards:import_mrl": standards_api,
    "nongan.monitoring.views_standards:standard_import": standards_page,
    "nongan.assessment.views:indicators": indicators_page,
    "nongan.joint.api:record_answer": referral_answer_api,
    "nongan.joint.views:referral_answer": referral_answer_page,
    "nongan.joint.api:add_document": referral_document_api,
    "nongan.joint.views:referral_document_add": referral_document_page,
    "nongan.commitments.api:sign_commitment": commitment_api,
    "nongan.commitments.views:_sign": commitment_page,
    "nongan.producers.import_views:import_page": register_import_page,
    "nongan.traceability.api:create_import": trace_import_api,
    "nongan.traceability.views:import_list": trace_import_page,
}


def stored(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_every_upload_handler_is_checked_here():
    assert upload_handlers() == set(ENDPOINTS)


@pytest.mark.parametrize("handler", ENDPOINTS)
def test_a_program_named_as_the_file_is_refused_and_a_real_one_taken(world, media, handler):
    endpoint = ENDPOINTS[handler](world)
    before = stored(media)  # what making the records stored (a referral's letter)
    refused = endpoint.post(PROGRAM)
    assert refused.status_code in (400, 409, 422), (refused.status_code, refused.content[:500])
    assert stored(media) == before, "a refused file was kept"
    taken = endpoint.post(endpoint.good)
    assert taken.status_code == endpoint.ok, taken.content.decode()[:3000]


def test_a_photo_is_taken_by_its_content_whatever_its_name(world, media):
    from nongan.inspections.models import Media

    client = bearer(world.pudong.grid_worker)
    answer = client.post("/api/v1/media",
                         {"file": SimpleUploadedFile("../../static/evil.html", jpeg_bytes())})
    assert answer.status_code == 201, answer.content
    kept = Media.objects.get(pk=answer.json()["id"])
    # Stored under a name of our own, with the extension its content has.
    assert kept.file.name.endswith(f"{kept.pk}.jpg") and "evil" not in kept.file.name
    assert stored(media) == [Path(media) / kept.file.name]


# --- where the files are kept and how they are answered ------------------------------------


def inside(path, folder) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def test_media_is_kept_outside_every_static_folder_and_the_code():
    media = Path(settings.MEDIA_ROOT)
    statics = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    for folder in statics:
        assert not inside(media, folder) and not inside(folder, media), folder
    assert not inside(media, NONGAN)
    # Nothing serves the folder as it is (django.views.static.serve, static() in urls).
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.views.static import serve

    def callbacks(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from callbacks(entry)
            elif isinstance(entry, URLPattern):
                yield entry.callback

    assert serve not in set(callbacks(get_resolver()))


def test_a_stored_file_is_answered_only_by_its_scoped_view(world, media):
    """A photo's own path under the media folder — bare, under /media/, /static/ or
    MEDIA_URL — is not found, for anyone; the inspection's photo view answers it to the
    district and to no other."""
    from nongan.inspections.models import Media
    from nongan.testing import make_inspection, make_template

    side = world.pudong
    make_template()
    answer = bearer(side.grid_worker).post(
        "/api/v1/media", {"file": SimpleUploadedFile("p.jpg", jpeg_bytes())})
    kept = Media.objects.get(pk=answer.json()["id"])
    inspection = make_inspection(side.the_producer, actor=side.grid_worker, lon=121.4,
                                 lat=31.6, photos=[str(kept.pk)])
    name = kept.file.name
    assert (Path(media) / name).is_file()
    raw = {f"/{name}", f"/media/{name}", f"/static/{name}", f"/static/../media/{name}",
           f"{settings.MEDIA_URL.rstrip('/')}/{name}"}
    for client in (Client(), session(side.grid_worker), session(world.city_admin)):
        for path in raw:
            assert client.get(path).status_code == 404, path
    view = f"/inspections/{inspection.pk}/photos/{kept.pk}"
    shown = session(side.district_officer).get(view)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == (Path(media) / name).read_bytes()
    assert session(world.chongming.district_officer).get(view).status_code == 404
    assert Client().get(view).status_code == 302  # to the login page
