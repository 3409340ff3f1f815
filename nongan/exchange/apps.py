from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "nongan.exchange"
    verbose_name = "数据共享"
