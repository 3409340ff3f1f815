from django.core.management.base import BaseCommand

from nongan.core.workdays import load_calendar


class Command(BaseCommand):
    help = ("calendar load [FILE.csv] [--replace]: add the published holidays and make-up "
            "working days (date,working,name), from the file or the chinesecalendar package.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])
        parser.add_argument("file", nargs="?")
        parser.add_argument("--replace", action="store_true",
                            help="overwrite days already present (edited days included)")

    def handle(self, *args, **options):
        summary = load_calendar(options["file"], replace=options["replace"])
        self.stdout.write(f"calendar: {summary['added']} days added, "
                          f"{summary['changed']} changed")
