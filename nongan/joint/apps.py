from django.apps import AppConfig


class JointConfig(AppConfig):
    name = "nongan.joint"
    verbose_name = "联合监管"
