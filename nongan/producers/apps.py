from django.apps import AppConfig


class ProducersConfig(AppConfig):
    name = "nongan.producers"
    verbose_name = "生产主体"
