from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "nongan.regions"
    verbose_name = "区划与网格"
