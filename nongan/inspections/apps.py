from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "nongan.inspections"
    verbose_name = "监管巡查"
