from django.core.management.base import BaseCommand

from nongan.core.audit import verify


class Command(BaseCommand):
    help = "audit verify: re-check the audit chain; exit 0 when intact, 1 at the first break."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        intact, message = verify()
        if intact:
            self.stdout.write(f"audit chain intact: {message}")
            return
        self.stderr.write(f"audit chain broken: {message}")
        raise SystemExit(1)
