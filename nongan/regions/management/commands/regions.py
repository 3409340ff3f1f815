from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nongan.core.errors import FieldErrors
from nongan.regions.services import apply_divisions


class Command(BaseCommand):
    help = "regions update FILE: apply a newer official division list (code,name,level,parent_code)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["update"])
        parser.add_argument("file", type=Path)

    def handle(self, *args, action, file, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            summary = apply_divisions(file, actor=None)
        except FieldErrors as exc:
            for (line, column), msg in exc.errors:
                self.stderr.write(f"line {line}, {column}: {msg}")
            raise CommandError("nothing was changed") from None
        self.stdout.write(
            f"added {summary['added']}, renamed {len(summary['renamed'])}, "
            f"moved {len(summary['moved'])}, retired {len(summary['retired'])}, "
            f"revived {len(summary['revived'])}, grids created {summary['grids_created']}")
