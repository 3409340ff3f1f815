from django.apps import AppConfig


class TraceabilityConfig(AppConfig):
    name = "nongan.traceability"
    verbose_name = "追溯与合格证"
