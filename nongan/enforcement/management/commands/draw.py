from django.core.management.base import BaseCommand, CommandError

from nongan.enforcement.draws import DrawError, replay
from nongan.enforcement.models import SpotCheck


class Command(BaseCommand):
    help = ("draw verify ID: replay a drawn spot check from its snapshot and revealed seed and "
            "compare with the stored targets and teams; exit 0 on a match, 1 otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("id", type=int)

    def handle(self, *args, **options):
        spot_check = SpotCheck.objects.filter(pk=options["id"]).first()
        if spot_check is None:
            raise CommandError(f"spot check {options['id']} does not exist")
        try:
            result = replay(spot_check)
        except DrawError as exc:
            self.stderr.write(f"spot check {spot_check.pk}: {exc}")
            raise SystemExit(1) from None
        ok = {True: "ok", False: "MISMATCH"}
        self.stdout.write(f"spot check {spot_check.pk} 《{spot_check.title}》")
        self.stdout.write(f"seed          {spot_check.seed}")
        self.stdout.write(f"seed_hash     {spot_check.seed_hash}  {ok[result['seed_hash_ok']]}")
        self.stdout.write(f"snapshot_hash {spot_check.snapshot_hash}  "
                          f"{ok[result['snapshot_hash_ok']]}")
        self.stdout.write(f"targets       recomputed {result['targets']}")
        self.stdout.write(f"              stored     {result['stored_targets']}")
        self.stdout.write(f"teams         recomputed {result['teams']}")
        self.stdout.write(f"              stored     {result['stored_teams']}")
        for difference in result["differences"]:
            self.stdout.write(f"difference    {difference}")
        if not result["match"]:
            self.stderr.write("draw does NOT match its replay")
            raise SystemExit(1)
        self.stdout.write("draw matches its replay")
