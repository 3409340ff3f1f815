import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from nongan.producers.models import Producer


class Command(BaseCommand):
    help = "init, seed when empty, then serve and run the worker in one process tree."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--producers", type=int, default=600)

    def handle(self, *args, host, port, producers, **options):
        call_command("init")
        if not Producer.objects.exists():
            call_command("seed", producers=producers, logins=False)
        from nongan.seeding import print_logins

        print_logins(self.stdout, address=f"http://{host}:{port}/")
        worker = subprocess.Popen([sys.executable, "-m", "nongan.cli", "worker"], env=os.environ)
        try:
            call_command("serve", host=host, port=port)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=10)
        self.stdout.write(f"demo stopped; data kept in {settings.HOME}")
