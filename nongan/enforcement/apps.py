from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "nongan.enforcement"
    verbose_name = "执法监管"
