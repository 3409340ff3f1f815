import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from nongan.core.errors import FieldErrors
from nongan.people.models import Organisation
from nongan.people.services import create_user
from nongan.producers.models import Producer
from nongan.regions.models import Region


class Command(BaseCommand):
    help = "Create an account; the password is asked, or read from NONGAN_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True)
        parser.add_argument("--region", required=True, help="12-digit division code")
        parser.add_argument("--org", type=int)
        parser.add_argument("--producer", type=int)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--phone", default="", help="mobile number: logs in, gets codes")
        parser.add_argument("--otp-required", action="store_true",
                            help="logins need a one-time code (SMS, or an authenticator app)")

    def handle(self, *args, username, role, region, org, producer, full_name, phone,
               otp_required, **options):
        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None:
            raise CommandError(f"region {region} does not exist (run `nongan init`)")
        org_obj = Organisation.objects.filter(pk=org).first() if org else None
        if org and org_obj is None:
            raise CommandError(f"organisation {org} does not exist")
        producer_obj = Producer.objects.filter(pk=producer).first() if producer else None
        if producer and producer_obj is None:
            raise CommandError(f"producer {producer} does not exist")
        password = os.environ.get("NONGAN_PASSWORD") or getpass.getpass("Password: ")
        try:
            user = create_user(username=username, role=role, region=region_obj,
                               password=password, org=org_obj, producer=producer_obj,
                               full_name=full_name, phone=phone, otp_required=otp_required,
                               actor=None)
        except FieldErrors as exc:
            raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.by_field().items())) from None
        self.stdout.write(f"created {user.username} ({user.role_name}, {region_obj.name})")
