"""IoT monitoring of production sites (物联网监测, 实施方案 五.(一) 充分利用物联网等新技术…动态
监测、智能预警): sensors at a producer's ponds, fields and cold stores, their readings as a
time series, and the messages that could not be stored."""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from nongan.core.scoping import register
from nongan.regions.models import RegionScoped

from . import kinds

CODE_PATTERN = r"^[A-Za-z0-9_-]+$"
SOURCES = [("mqtt", "MQTT"), ("http", "HTTP")]
REASONS = [("malformed", "格式错误"), ("unknown_sensor", "未登记设备"),
           ("impossible_value", "超出物理范围"), ("clock_skew", "时间偏差过大"),
           ("inactive_sensor", "设备已停用")]
STATUSES = [("normal", "正常"), ("out_of_range", "超限"), ("offline", "离线"),
            ("inactive", "停用")]


class Sensor(RegionScoped):
    """物联网设备: one sensor at a producer's site (a pond, a greenhouse plot, a cold store),
    identified by the device id it publishes under. It lies where its producer lies.

    `low`/`high` are its thresholds (null: no bound on that side), copied from its kind's
    defaults at registration and editable. `expected_by` is when the next reading is due at
    the latest (last reading, or registration, plus `silence_minutes`): past it the sensor
    is silent (离线). Only the SHA-256 of its HTTP key is kept; the key is shown once."""

    code = models.CharField("设备编号", max_length=64, unique=True,
                            validators=[RegexValidator(CODE_PATTERN,
                                                       "设备编号只能包含字母、数字、- 和 _")])
    name = models.CharField("名称/安装位置", max_length=100, blank=True)
    producer = models.ForeignKey("producers.Producer", on_delete=models.PROTECT,
                                 related_name="sensors", verbose_name="生产主体")
    plot = models.ForeignKey("producers.Plot", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="sensors", verbose_name="地块")
    kind = models.CharField("监测项目", max_length=24, choices=kinds.choices())
    low = models.FloatField("下限", null=True, blank=True)
    high = models.FloatField("上限", null=True, blank=True)
    interval_minutes = models.PositiveIntegerField("上报间隔（分钟）")
    silence_minutes = models.PositiveIntegerField("离线判定（分钟）")
    key_hash = models.CharField("接入密钥摘要", max_length=64, unique=True)
    active = models.BooleanField("启用", default=True)
    last_reading_at = models.DateTimeField("最近读数时间", null=True, blank=True)
    last_value = models.FloatField("最近读数", null=True, blank=True)
    expected_by = models.DateTimeField("最迟应报时间", db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "物联网设备"
        verbose_name_plural = "物联网设备"
        ordering = ["code"]
        indexes = [models.Index(fields=["district", "kind"])]

    def __str__(self):
        return self.code

    @property
    def spec(self) -> dict:
        return kinds.kind(self.kind)

    @property
    def unit(self) -> str:
        return self.spec["unit"]

    def out_of_range(self, value) -> str:
        """"low", "high" or "" for a value against this sensor's thresholds."""
        if value is None:
            return ""
        if self.low is not None and value < self.low:
            return "low"
        if self.high is not None and value > self.high:
            return "high"
        return ""

    def status(self, now) -> str:
        if not self.active:
            return "inactive"
        if self.expected_by < now:
            return "offline"
        return "out_of_range" if self.out_of_range(self.last_value) else "normal"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "nsk_" + secrets.token_urlsafe(32)


class Reading(models.Model):
    """监测读数: one value of a sensor at the time it was measured (`at`, the device's
    clock); a reading sent twice is stored once (unique sensor and time)."""

    id = models.BigAutoField(primary_key=True)
    sensor = models.ForeignKey(Sensor, on_delete=models.PROTECT, related_name="readings")
    at = models.DateTimeField("测量时间")
    value = models.FloatField("读数")
    received_at = models.DateTimeField("接收时间")

    class Meta:
        verbose_name = "监测读数"
        verbose_name_plural = "监测读数"
        # The unique index on (sensor, at) serves every time-range read of a sensor.
        constraints = [models.UniqueConstraint(fields=["sensor", "at"],
                                               name="one_reading_per_sensor_and_time")]

    def __str__(self):
        return f"{self.sensor_id} {self.at:%Y-%m-%d %H:%M} {self.value}"


class Rejected(models.Model):
    """异常消息: a message that could not be stored as a reading, with why, an excerpt of
    what arrived (≤ 500 characters) and the sensor when it is known."""

    received_at = models.DateTimeField("接收时间", db_index=True)
    source = models.CharField("来源", max_length=4, choices=SOURCES)
    reason = models.CharField("原因", max_length=16, choices=REASONS, db_index=True)
    sensor_code = models.CharField("设备编号", max_length=200, blank=True)
    sensor = models.ForeignKey(Sensor, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="rejected", verbose_name="设备")
    raw = models.CharField("原始内容（节选）", max_length=500, blank=True)
    detail = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "异常消息"
        verbose_name_plural = "异常消息"
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.get_reason_display()} {self.sensor_code}"


register(Sensor, owner="producer_id", hidden_from=("lab_staff",))
register(Reading, region="sensor__", owner="sensor__producer_id", hidden_from=("lab_staff",))
# A message of an unknown sensor has no district: only the city reads it.
register(Rejected, region="sensor__", owner=None, hidden_from=("lab_staff",))
