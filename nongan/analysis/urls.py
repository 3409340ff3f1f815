"""分析评价 pages. Each figure's record list has its own fixed path (no path parameter: a
figure is not a record, so nothing here names another district's data)."""

from django.urls import path

from . import views
from .records import FIGURES

urlpatterns = [
    path("analysis/", views.dashboard_page, name="analysis"),
    *[path(f"analysis/records/{figure}/", views.records_page, {"figure": figure},
           name="analysis_records") for figure in FIGURES],
]
