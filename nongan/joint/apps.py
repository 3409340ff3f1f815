from django.apps import AppConfig


class JointConfig(AppConfig):
    name = "nongan.joint"
    verbose_name = "联合监管"

    def ready(self):
        from . import datasets  # noqa: F401  (registers the `referrals` dataset)
