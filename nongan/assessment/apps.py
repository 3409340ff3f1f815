from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "nongan.assessment"
    verbose_name = "工作考核"
