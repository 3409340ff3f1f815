import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from nongan.commitments.services import record_missed


class Command(BaseCommand):
    help = ("commitments check [--date YYYY-MM-DD]: record a commitment_missed credit event for "
            "every producer that signed no commitment by its campaign's deadline (run daily "
            "from cron; running it again records nothing twice).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"])
        parser.add_argument("--date", help="check as of this day (default: today)")

    def handle(self, *args, action, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError("--date should be YYYY-MM-DD") from None
        recorded = record_missed(today)
        self.stdout.write(f"recorded {recorded} missed commitment(s)")
