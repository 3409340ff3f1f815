"""Risk-warning pages (风险预警). `warning` is reversed by services (the notification link)."""

from django.urls import path

from . import views

urlpatterns = [
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/run/", views.risk_run, name="risk_run"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/acknowledge/", views.warning_acknowledge,
         name="warning_acknowledge"),
    path("warnings/<int:pk>/measures/", views.warning_measure, name="warning_measure"),
    path("warnings/<int:pk>/close/", views.warning_close, name="warning_close"),
    path("risk-settings/", views.risk_settings, name="risk_settings"),
]
