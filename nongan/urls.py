from django.urls import include, path

from nongan.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("nongan.core.urls")),
    path("", include("nongan.people.urls")),
    path("", include("nongan.people.urls_portal")),
    path("", include("nongan.regions.urls")),
    path("", include("nongan.producers.urls")),
    path("", include("nongan.producers.import_urls")),
    path("", include("nongan.inspections.urls")),
    path("", include("nongan.monitoring.urls")),
    path("", include("nongan.monitoring.urls_standards")),
    path("", include("nongan.enforcement.urls_spot_checks")),
    path("", include("nongan.enforcement.urls_cases")),
    path("", include("nongan.commitments.urls")),
    path("", include("nongan.credit.urls")),
    path("public/", include("nongan.public.urls")),
    path("", include("nongan.public.urls_qr")),
    path("", include("nongan.field.urls")),
    path("", include("nongan.risk.urls")),
    path("", include("nongan.analysis.urls")),
    path("", include("nongan.assessment.urls")),
    path("", include("nongan.exchange.urls")),
    path("", include("nongan.joint.urls")),
    path("", include("nongan.traceability.urls")),
    path("", include("nongan.iot.urls")),
]

handler500 = "nongan.core.views.server_error"
