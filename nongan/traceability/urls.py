from django.urls import path

from . import views

urlpatterns = [
    path("trace-imports/", views.import_list, name="trace_imports"),
    path("trace-imports/<int:pk>/", views.import_detail, name="trace_import"),
    path("trace-imports/<int:pk>/report.xlsx", views.import_report, name="trace_import_report"),
    path("trace-imports/<int:pk>/rematch/", views.import_rematch, name="trace_import_rematch"),
    path("certificates/", views.certificate_list, name="certificate_list"),
]
