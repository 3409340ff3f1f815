from django.urls import path

from . import views

urlpatterns = [
    path("field/", views.shell, name="field"),
    # Served from /field/ (not /static/) so the service worker's scope is /field/.
    path("field/sw.js", views.service_worker, name="field_sw"),
    path("field/manifest.webmanifest", views.manifest, name="field_manifest"),
]
