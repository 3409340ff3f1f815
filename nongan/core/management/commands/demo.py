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
        # A SIGTERM (a service manager, `kill`) stops the demo as Ctrl-C does, so the
        # children below are stopped too instead of being left running.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        worker = subprocess.Popen([sys.executable, "-m", "nongan.cli", "worker"], env=os.environ)
        iot = self._iot_consumer()
        try:
            call_command("serve", host=host, port=port)
        finally:
            for child in (worker, iot):
                if child is not None:
                    child.send_signal(signal.SIGTERM)
                    child.wait(timeout=10)
        self.stdout.write(f"demo stopped; data kept in {settings.HOME}")

    def _iot_consumer(self):
        """`nongan iot` beside the server when the MQTT broker (NONGAN_MQTT_HOST/PORT,
        default 127.0.0.1:1883) accepts a connection."""
        from nongan.iot.consumer import broker_address, broker_answers

        mqtt_host, mqtt_port = broker_address()
        if not broker_answers(mqtt_host, mqtt_port):
            self.stdout.write(f"物联网：MQTT 代理 {mqtt_host}:{mqtt_port} 未响应，未启动读数接收"
                              "（设备仍可经 HTTP 上报；启动 Mosquitto 后运行 nongan iot）")
            return None
        self.stdout.write(f"物联网：已启动读数接收 nongan iot（MQTT {mqtt_host}:{mqtt_port}，"
                          "主题 nongan/iot/<设备编号>）")
        return subprocess.Popen([sys.executable, "-m", "nongan.cli", "iot"], env=os.environ)
