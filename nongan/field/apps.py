from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "nongan.field"
    verbose_name = "现场巡查（离线应用）"
