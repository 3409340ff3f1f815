from django.core.management.base import BaseCommand

from nongan.inspections.tasks import send_reminders


class Command(BaseCommand):
    help = ("Queue today's inspection reminders for grid workers and town officers "
            "(run daily from cron; the worker sends them).")

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="send in this process")

    def handle(self, *args, now, **options):
        if now:
            self.stdout.write(str(send_reminders.call()))
        else:
            result = send_reminders.enqueue()
            self.stdout.write(f"queued {result.id}")
