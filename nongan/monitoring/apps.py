from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "nongan.monitoring"
    verbose_name = "抽样监测"
