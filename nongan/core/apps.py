from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nongan.core"
    verbose_name = "核心"
