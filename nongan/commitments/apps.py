from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "nongan.commitments"
    verbose_name = "告知承诺"
