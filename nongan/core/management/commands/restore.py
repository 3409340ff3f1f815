import sys

from django.core.management.base import BaseCommand, CommandError

from nongan.core.backup import Refused, restore


class Command(BaseCommand):
    help = ("restore FILE: check every checksum, migrate, load the archive into this empty "
            "database in one transaction, place the media, then compare the row counts and "
            "verify the audit chain; exit 0 only when both hold.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--quiet", action="store_true", help="no progress on stderr")

    def handle(self, *args, **options):
        say = (lambda _m: None) if options["quiet"] else (
            lambda m: print(m, file=sys.stderr, flush=True))
        try:
            report = restore(options["file"], say=say)
        except Refused as exc:
            raise CommandError(f"restore refused, nothing loaded: {exc}") from exc
        self.stdout.write("row counts match the manifest")
        if report.chain_intact:
            self.stdout.write(f"audit chain intact: {report.chain_message}")
            return
        self.stderr.write(f"audit chain broken: {report.chain_message}")
        raise SystemExit(1)
