from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "nongan.people"
    verbose_name = "机构与人员"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from nongan.core.reauth import on_login

        user_logged_in.connect(on_login, dispatch_uid="nongan.reauth.on_login")
