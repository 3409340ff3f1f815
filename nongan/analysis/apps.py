from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "nongan.analysis"
    verbose_name = "分析评价"
