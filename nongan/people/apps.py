from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "nongan.people"
    verbose_name = "机构与人员"
