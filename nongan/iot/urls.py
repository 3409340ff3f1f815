"""Sensor pages (物联网监测)."""

from django.urls import path

from . import views

urlpatterns = [
    path("iot/sensors/", views.sensor_list, name="iot_sensors"),
    path("iot/sensors/new/", views.sensor_new, name="iot_sensor_new"),
    path("iot/sensors/<int:pk>/", views.sensor_detail, name="iot_sensor"),
    path("iot/sensors/<int:pk>/edit/", views.sensor_edit, name="iot_sensor_edit"),
    path("iot/sensors/<int:pk>/key/", views.sensor_key, name="iot_sensor_key"),
    path("iot/sensors/<int:pk>/readings.json", views.sensor_readings_json,
         name="iot_sensor_readings"),
    path("iot/sensors/<int:pk>/readings.xlsx", views.sensor_readings_xlsx,
         name="iot_sensor_readings_xlsx"),
    path("iot/rejected/", views.rejected_list, name="iot_rejected"),
]
