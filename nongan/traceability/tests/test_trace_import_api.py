"""The import over HTTP: upload (multipart) answers 201 with the job; the job, its errors
and its unmatched rows; lists scoped to the importer's region."""

from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.traceability import services
from nongan.traceability.models import TraceImport

from .factories import CERT_HEADINGS, cert_row, certificates_of, csv_file


def upload(client, **data):
    return client.client.post("/api/v1/trace-imports", data, headers=client.headers)


def test_an_upload_answers_the_job_and_the_job_its_rows(world, api):
    side = world.pudong
    client = api(side.district_officer)
    rows = [cert_row(side.the_producer, 1), cert_row(world.chongming.the_producer, 2)]
    answer = upload(client, kind="certificates", file=csv_file(CERT_HEADINGS, rows))
    assert answer.status_code == 201, answer.content
    job = answer.json()
    assert (job["status"], job["kind"], job["region"]) == ("pending", "certificates",
                                                           side.district)
    services.run_import(job["id"])  # the worker's part

    detail = client.get(f"/trace-imports/{job['id']}").json()
    assert (detail["status"], detail["matched"], detail["unmatched"]) == ("done", 1, 1)
    assert detail["errors"] == []
    assert detail["unmatched_rows"]["count"] == 1
    item = detail["unmatched_rows"]["items"][0]
    assert (item["row"], item["name"], item["reason"]) == (3, "chongming合作社",
                                                           "未在本辖区名录中找到")
    listed = client.get("/trace-imports").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == job["id"]


def test_a_failed_job_answers_its_errors(world, api):
    job = certificates_of(world.pudong, [cert_row(world.pudong.the_producer, 1, 数量="-1")])
    detail = api(world.pudong.district_officer).get(f"/trace-imports/{job.pk}").json()
    assert detail["status"] == "failed"
    assert detail["errors"] == [{"row": 2, "column": "数量", "message": "应大于0"}]


def test_bad_uploads_are_named_field_by_field(world, api):
    client = api(world.pudong.district_officer)
    answer = upload(client, kind="other")
    assert answer.status_code == 422
    assert {tuple(d["loc"]) for d in answer.json()["detail"]} == {("body", "kind"),
                                                                   ("body", "file")}
    # The content is the worker's to check: any CSV is taken, and waits for it.
    unread = SimpleUploadedFile("a.csv", b"x" * 10)
    assert upload(client, kind="certificates", file=unread).status_code == 201
    assert not TraceImport.objects.exclude(status="pending").exists()


def test_only_officers_who_import_may_upload(world, api):
    for user in (world.pudong.town_officer, world.pudong.grid_worker, world.lab,
                 world.pudong.producer, world.pudong.enforcement_officer):
        answer = upload(api(user), kind="certificates",
                        file=csv_file(CERT_HEADINGS, [cert_row(world.pudong.the_producer, 1)]))
        assert answer.status_code == 403, user.role
    assert upload(api(), kind="certificates").status_code == 401


def test_another_districts_import_is_not_found(world, api):
    job = certificates_of(world.pudong)
    other = api(world.chongming.district_officer)
    assert other.get(f"/trace-imports/{job.pk}").status_code == 404
    assert other.get("/trace-imports").json()["count"] == 0
    assert api(world.city_admin).get(f"/trace-imports/{job.pk}").status_code == 200
    # The district's enforcement officer reads it; a lab never does.
    assert api(world.pudong.enforcement_officer).get(f"/trace-imports/{job.pk}").status_code == 200
    assert api(world.lab).get(f"/trace-imports/{job.pk}").status_code == 404


def test_a_city_import_stays_out_of_the_districts(world, api):
    job = services.start_import("certificates", csv_file(
        CERT_HEADINGS, [cert_row(world.chongming.the_producer, 1)]), actor=world.city_admin)
    assert api(world.pudong.district_officer).get(f"/trace-imports/{job.pk}").status_code == 404
