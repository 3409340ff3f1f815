from django.core.management.base import BaseCommand, CommandError

from nongan.people.models import User
from nongan.people.services import require_password_change


class Command(BaseCommand):
    help = ("责令修改密码: the account's next login can do nothing but change its password "
            "(e.g. after a leak, or for an account handed over with a first password).")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="+")

    def handle(self, *args, username, **options):
        for name in username:
            user = User.objects.filter(username=name).first()
            if user is None:
                raise CommandError(f"no account {name}")
            require_password_change(user, actor=None)
            self.stdout.write(f"{name}: must change the password at the next login")
