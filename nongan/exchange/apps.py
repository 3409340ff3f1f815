from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "nongan.exchange"
    verbose_name = "数据共享"

    def ready(self):
        from . import rows  # noqa: F401  (registers samples, penalties, grades)
