from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "nongan.risk"
    verbose_name = "风险预警"
