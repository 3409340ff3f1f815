from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the application with waitress, a production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        # Open connections (waitress's connection_limit, which counts its own listening socket
        # and wake-up pipe too): past it new clients wait, unanswered, until an idle one
        # closes. Behind nginx the proxy's few connections never reach it; phones served
        # directly each keep one open between requests.
        parser.add_argument("--connections", type=int, default=100)

    def handle(self, *args, host, port, threads, connections, **options):
        from waitress import serve

        from nongan.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"nongan serving on http://{host}:{port}/ (data in {settings.HOME})")
        serve(application, host=host, port=port, threads=threads, connection_limit=connections,
              ident="nongan")
