"""The MQTT consumer behind `nongan iot`: readings from the broker into the database.

- Topic `nongan/iot/<sensor code>` (the `--topic` filter without its last level is the
  prefix), payload JSON `{"at", "value"}` or `{"readings": [{"at", "value"}, …]}`.
- MQTT 5, QoS 1, a persistent session (clean start off, session kept `SESSION_EXPIRY`
  seconds) under a fixed client id: what sensors publish while the consumer is down is
  queued by the broker and delivered when it comes back.
- Acknowledged after storing: messages are acknowledged by hand (PUBACK) only once the
  batch that holds them is committed, so a crash or a database outage loses nothing — the
  broker delivers the unacknowledged messages again and the unique (sensor, time) turns
  them into counted duplicates. `RECEIVE_MAXIMUM` lets the broker keep that many messages
  in flight, enough for a burst while a batch is being written.
- The network runs in paho's thread; parsing and writing happen in the thread that calls
  `run` (the main thread of the command, the test's thread in tests), in batches of
  `batch` messages or every `flush_seconds`.
- Every `silence_every` seconds (and at start) `check_silence` warns of silent sensors.
- paho reconnects by itself (1 s, doubling to 30 s); a batch that fails is retried message
  by message, and what still fails waits (unacknowledged) for the next try."""

import logging
import os
import queue
import socket
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .ingest import Counts, Message, check_silence, ingest, mqtt_messages

log = logging.getLogger(__name__)
SESSION_EXPIRY = 7 * 24 * 3600
RECEIVE_MAXIMUM = 20000
DEFAULT_TOPIC = "nongan/iot/#"
DEFAULT_CLIENT_ID = "nongan-iot"


@dataclass
class Item:
    generation: int  # the connection it arrived on (an ack is only valid on that one)
    mid: int
    qos: int
    topic: str
    payload: bytes


def broker_address() -> tuple[str, int]:
    """NONGAN_MQTT_HOST / NONGAN_MQTT_PORT, default 127.0.0.1:1883."""
    return (os.environ.get("NONGAN_MQTT_HOST", "127.0.0.1"),
            int(os.environ.get("NONGAN_MQTT_PORT", "1883")))


def broker_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def prefix_of(topic: str) -> str:
    """`nongan/iot/#` → `nongan/iot/`."""
    if not topic.endswith(("/#", "/+")):
        raise ValueError("topic must end with /# or /+ (the last level is the sensor code)")
    return topic[:-1]


def _client(client_id: str) -> mqtt.Client:
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                       protocol=mqtt.MQTTv5, manual_ack=True)


def _connect_properties(expiry: int) -> Properties:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = expiry
    props.ReceiveMaximum = RECEIVE_MAXIMUM
    return props


def forget_session(host: str, port: int, client_id: str) -> None:
    """End a client id's persistent session at the broker (tests clean up with it)."""
    client = _client(client_id)
    client.connect(host, port, clean_start=True, properties=_connect_properties(0))
    client.loop_start()
    client.disconnect()
    client.loop_stop()


class Consumer:
    def __init__(self, *, host="127.0.0.1", port=1883, topic=DEFAULT_TOPIC,
                 client_id=DEFAULT_CLIENT_ID, batch=500, flush_seconds=1.0,
                 silence_every=60.0, username=None, password=None, say=None):
        self.host, self.port, self.topic = host, port, topic
        self.prefix = prefix_of(topic)
        self.batch, self.flush_seconds, self.silence_every = batch, flush_seconds, silence_every
        self.say = say or (lambda text: log.info(text))
        self.totals = Counts()
        self.batches = 0
        self.generation = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.stopping = threading.Event()
        self._inbox: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._waiting: list[Item] = []  # failed to store; retried, not acknowledged
        self._retry_at, self._failures = 0.0, 0
        self.client = _client(client_id)
        if username:
            self.client.username_pw_set(username, password)
        self.client.reconnect_delay_set(1, 30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # -- paho's thread
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.say(f"MQTT 连接被拒绝：{reason_code}")
            return
        self.generation += 1
        client.subscribe(self.topic, qos=1)
        self.connected.set()
        self.say(f"已连接 MQTT {self.host}:{self.port}，订阅 {self.topic}"
                 f"（{'恢复' if flags.session_present else '新建'}持久会话）")

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if all(not code.is_failure for code in reason_codes):
            self.subscribed.set()
        else:
            self.say(f"订阅 {self.topic} 被拒绝：{reason_codes}")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        self.subscribed.clear()
        if not self.stopping.is_set():
            self.say(f"MQTT 连接断开（{reason_code}），自动重连中")

    def _on_message(self, client, userdata, msg):
        self._inbox.put(Item(self.generation, msg.mid, msg.qos, msg.topic, msg.payload))

    # -- the caller's thread
    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False,
                                  properties=_connect_properties(SESSION_EXPIRY))
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def run(self, *, until=None, timeout=None) -> Counts:
        """Work until `stop()` (a signal), `until(self)` is true or `timeout` seconds pass;
        then store what is buffered and acknowledge it (`close` disconnects)."""
        started = time.monotonic()
        next_silence = started
        buffer: list[Item] = []
        flush_at = None
        try:
            while not self.stopping.is_set():
                now = time.monotonic()
                if timeout is not None and now - started > timeout:
                    break
                if now >= next_silence:
                    self._check_silence()
                    next_silence = now + self.silence_every
                wait = min(0.2, max(0.0, (flush_at or now + 0.2) - now))
                try:
                    buffer.append(self._inbox.get(timeout=wait))
                    while len(buffer) < self.batch:
                        buffer.append(self._inbox.get_nowait())
                except queue.Empty:
                    pass
                if buffer and flush_at is None:
                    flush_at = time.monotonic() + self.flush_seconds
                if buffer and (len(buffer) >= self.batch or time.monotonic() >= flush_at):
                    self._flush(buffer)
                    buffer, flush_at = [], None
                elif self._waiting and time.monotonic() >= self._retry_at:
                    self._flush([])
                if until is not None and until(self):
                    break
        finally:
            self._drain(buffer)
        return self.totals

    def close(self) -> None:
        self.stopping.set()
        self._drain([])
        self.client.disconnect()
        self.client.loop_stop()

    def _drain(self, buffer: list[Item]) -> None:
        while True:
            try:
                buffer.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        if buffer or self._waiting:
            self._flush(buffer)

    def _messages(self, items: list[Item]) -> list[Message]:
        found = []
        for item in items:
            found.extend(mqtt_messages(item.topic, item.payload, prefix=self.prefix))
        return found

    def _flush(self, items: list[Item]) -> None:
        items = self._waiting + items
        self._waiting = []
        if not items:
            return
        self._fresh_connection()
        try:
            counts = ingest(self._messages(items), source="mqtt")
            done = items
        except Exception:
            log.exception("iot: a batch of %d messages failed; retrying one by one", len(items))
            counts, done = self._one_by_one(items)
        self.totals.add(counts)
        self.batches += 1
        for item in done:
            if item.generation == self.generation:
                self.client.ack(item.mid, item.qos)

    def _one_by_one(self, items: list[Item]) -> tuple[Counts, list[Item]]:
        """Store each message alone; one that fails is recorded as rejected (the failure is
        in the message) unless even that fails (the database is down): then it waits."""
        counts, done = Counts(), []
        for item in items:
            try:
                counts.add(ingest(self._messages([item]), source="mqtt"))
                done.append(item)
                continue
            except Exception:
                log.exception("iot: message on %s failed", item.topic)
            try:
                counts.add(ingest([Message(item.topic[len(self.prefix):], raw=repr(item.payload),
                                           reason="malformed", detail="处理出错，未能入库")],
                                  source="mqtt"))
                done.append(item)
            except Exception:
                self._waiting.append(item)
        if self._waiting:
            self._failures += 1
            self._retry_at = time.monotonic() + min(30, 2 ** self._failures)
            self.say(f"{len(self._waiting)} 条消息暂未入库（数据库不可用？），稍后重试")
        else:
            self._failures = 0
        return counts, done

    def _check_silence(self) -> None:
        self._fresh_connection()
        try:
            outcome = check_silence()
        except Exception:
            log.exception("iot: silence check failed")
            return
        if outcome.get("issued") or outcome.get("updated"):
            self.say(f"离线设备预警：新发 {outcome.get('issued', 0)}，"
                     f"更新 {outcome.get('updated', 0)}")

    @staticmethod
    def _fresh_connection() -> None:
        """A long-running process drops a broken or expired database connection before
        using it (not inside a transaction: a test's connection stays)."""
        if not connection.in_atomic_block:
            close_old_connections()
