from django.apps import AppConfig


class IotConfig(AppConfig):
    name = "nongan.iot"
    verbose_name = "物联网监测"
