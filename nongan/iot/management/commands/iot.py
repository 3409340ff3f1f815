import os
import signal

from django.core.management.base import BaseCommand, CommandError

from nongan.iot.consumer import (
    DEFAULT_CLIENT_ID,
    DEFAULT_TOPIC,
    Consumer,
    broker_address,
    prefix_of,
)


class Command(BaseCommand):
    help = ("Consume sensor readings from the MQTT broker (topic nongan/iot/<sensor code>, "
            "JSON {\"at\", \"value\"} or {\"readings\": [...]}) into the database; warn of "
            "readings out of range and of silent sensors. Stops on SIGTERM / Ctrl-C after "
            "storing what it holds, and prints the counts.")

    def add_arguments(self, parser):
        host, port = broker_address()
        parser.add_argument("--host", default=host, help="default NONGAN_MQTT_HOST or 127.0.0.1")
        parser.add_argument("--port", type=int, default=port,
                            help="default NONGAN_MQTT_PORT or 1883")
        parser.add_argument("--topic", default=DEFAULT_TOPIC,
                            help="subscription; its last level is the sensor code")
        parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID,
                            help="keep it fixed: the broker keeps this client's session "
                                 "(readings sent while the consumer is down)")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--flush-seconds", type=float, default=1.0)

    def handle(self, *args, host, port, topic, client_id, batch, flush_seconds, **options):
        try:
            prefix_of(topic)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        consumer = Consumer(host=host, port=port, topic=topic, client_id=client_id,
                            batch=max(1, batch), flush_seconds=max(0.05, flush_seconds),
                            username=os.environ.get("NONGAN_MQTT_USERNAME") or None,
                            password=os.environ.get("NONGAN_MQTT_PASSWORD") or None,
                            say=lambda text: self.stdout.write(f"nongan iot: {text}"))

        def stop(signum, frame):
            consumer.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"nongan iot: 连接 {host}:{port}，主题 {topic}，客户端 {client_id}")
        consumer.start()
        try:
            totals = consumer.run()
        finally:
            consumer.close()
        rejected = "，".join(f"{k} {v}" for k, v in sorted(totals.rejected.items())) or "0"
        self.stdout.write(
            f"nongan iot: 已停止。收到读数 {totals.received}，入库 {totals.stored}，"
            f"重复 {totals.duplicates}，拒收 {rejected}；批次 {consumer.batches}；"
            f"预警 {dict(totals.warnings) or 0}")
