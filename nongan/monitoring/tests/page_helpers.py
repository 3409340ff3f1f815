"""Shared set-up of the monitoring page tests: samples made through the services, a point
inside a plot, a photo, a small PDF."""

from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import shape

from nongan.inspections.services import upload_media
from nongan.monitoring import services
from nongan.testing import jpeg_bytes, make_plan, make_sample

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def inside(plot) -> dict:
    minx, miny, maxx, maxy = shape(plot.geometry).bounds
    return {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2, "accuracy_m": 6.0}


def photo(user):
    return upload_media(SimpleUploadedFile("scene.jpg", jpeg_bytes(), content_type="image/jpeg"),
                        actor=user)


def city_plan(world, **fields):
    return make_plan(actor=world.city_admin, lab=world.lab.org, **fields)


def lab_sample(world, plan, side=None, **fields):
    """A routine sample taken by the lab for `plan` at `side`'s producer (pudong)."""
    side = side or world.pudong
    return make_sample(side.the_producer, actor=world.lab, plan=plan.pk, **fields)


def results(world, sample, **values):
    """Record {analyte: value} (None = not detected) as the lab, through the service."""
    rows = [{"analyte": a, "value": v, "unit": "mg/kg", "lod": "0.01",
             "method": "GB 23200.121-2021"} for a, v in values.items()]
    return services.record_results(sample, rows, actor=world.lab)


def pdf_file(name="report.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")
