import sys

from django.core.management.base import BaseCommand

from nongan.core.backup import backup


class Command(BaseCommand):
    help = ("backup FILE: write the database and the media files, read as one consistent "
            "snapshot, to FILE (.tar, or .tar.gz to compress) and its SHA-256 to FILE.sha256.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--quiet", action="store_true", help="no progress on stderr")

    def handle(self, *args, **options):
        say = (lambda _m: None) if options["quiet"] else (
            lambda m: print(m, file=sys.stderr, flush=True))
        manifest = backup(options["file"], say=say)
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"{manifest['sha256']}  {options['file']}")
        say(f"backup written: {rows:,} rows, {manifest['media']['files']:,} media files, "
            f"audit chain head #{manifest['audit']['count']}")
        if manifest["media"]["missing"]:
            self.stderr.write(f"{len(manifest['media']['missing'])} media files named by rows "
                              "were missing from the media folder (listed in the manifest)")
            raise SystemExit(1)
