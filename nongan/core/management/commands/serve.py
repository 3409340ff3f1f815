from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the application with waitress, a production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from nongan.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"nongan serving on http://{host}:{port}/ (data in {settings.HOME})")
        serve(application, host=host, port=port, threads=threads, ident="nongan")
