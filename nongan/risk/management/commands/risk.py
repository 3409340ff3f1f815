"""`nongan risk detect|scan`: the detectors on a file, for analysts (CONTRACT.md)."""

from django.core.management.base import BaseCommand

from nongan.risk import cli_detect, cli_scan


class Command(BaseCommand):
    help = "Run a risk detector on a CSV file: `detect` (monthly series) or `scan` (towns)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        cli_detect.add_arguments(sub.add_parser("detect", help=cli_detect.__doc__,
                                                description=cli_detect.__doc__))
        cli_scan.add_arguments(sub.add_parser("scan", help=cli_scan.__doc__,
                                              description=cli_scan.__doc__))

    def handle(self, *args, **options):
        runner = {"detect": cli_detect.run, "scan": cli_scan.run}[options["action"]]
        return runner(options, self.stdout)
