from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "nongan.credit"
    verbose_name = "信用档案"
