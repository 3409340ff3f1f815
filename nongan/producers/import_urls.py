from django.urls import path

from . import import_views as views

urlpatterns = [
    path("producers/import/", views.import_page, name="producer_import"),
    path("producers/import/template/<slug:kind>.xlsx", views.import_template,
         name="producer_import_template"),
    path("producers/import/<int:pk>/", views.import_job, name="producer_import_job"),
    path("producers/import/<int:pk>/report.xlsx", views.import_report,
         name="producer_import_report"),
]
