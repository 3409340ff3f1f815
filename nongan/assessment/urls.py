"""考核 pages: the city's table, the table of indicators, and a district's page."""

from django.urls import path

from . import views

urlpatterns = [
    path("assessment/", views.index, name="assessment"),
    path("assessment/indicators/", views.indicators, name="assessment_indicators"),
    path("assessment/refresh/", views.refresh, name="assessment_refresh"),
    path("assessment/<str:code>/", views.district, name="assessment_district"),
]
