"""Data sharing with partner agencies (数据共享, 实施方案 二: 为开展联合监管、信用监管等提供支撑).

A partner agency (合作部门) — market regulation, public security, ecology and environment —
is registered by the city administrator; it reads our datasets with API keys scoped to
named datasets and regions, and receives events as signed webhooks.
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register

AGENCY_KINDS = [
    ("market_regulation", "市场监督管理"),
    ("public_security", "公安"),
    ("ecology_environment", "生态环境"),
    ("other", "其他部门"),
]


class Agency(models.Model):
    """合作部门: an agency outside agriculture that we share data with, refer cases to and
    inspect with. `region` is its own level: the city bureau or a district's."""

    name = models.CharField("名称", max_length=120, unique=True)
    kind = models.CharField("类型", max_length=24, choices=AGENCY_KINDS)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="辖区")
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    active = models.BooleanField("在用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合作部门"
        verbose_name_plural = "合作部门"
        ordering = ["region", "name"]

    def __str__(self):
        return self.name


# A city bureau works with every district; a district's bureau with its own district.
register(Agency, region="region__", upward=True, owner=None)


EVENT_KINDS = [
    ("sample.non_compliant", "不合格样品"),
    ("penalty.decided", "行政处罚决定"),
    ("credit.grade_changed", "信用等级变更"),
    ("referral.sent", "案件移送"),
    ("referral.answered", "移送回复"),
    ("penalty.revoked", "行政处罚决定撤销"),
    ("ping", "测试事件"),
]
# What a subscription may ask for: every kind but the test ping, which goes only to the
# subscription it tests.
SUBSCRIBABLE = [kind for kind, _label in EVENT_KINDS if kind != "ping"]


class Event(models.Model):
    """共享事件: something partners may be told about, written in the same transaction as the
    record it concerns (an outbox), so an event exists exactly when its record does.
    `payload` is the record as its dataset shows it (docs/exchange.md)."""

    kind = models.CharField("事件类型", max_length=32, choices=EVENT_KINDS, db_index=True)
    dataset = models.CharField("数据集", max_length=32)
    object_id = models.CharField("记录编号", max_length=64)
    district = models.ForeignKey("regions.Region", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name="区")
    payload = models.JSONField("内容")
    occurred_at = models.DateTimeField("发生时间", db_index=True)

    class Meta:
        verbose_name = "共享事件"
        verbose_name_plural = "共享事件"
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"{self.kind} {self.object_id}"


register(Event, region="district__", upward=True, owner=None,
         hidden_from=("lab_staff", "grid_worker", "town_officer"))

# Roles that see nothing of keys, subscriptions and deliveries: only the city administrator
# (who manages them) and the district offices (who read their district's, exchange.view) do.
NOT_EXCHANGE = ("town_officer", "grid_worker", "enforcement_officer", "lab_staff", "producer")


class ApiKey(models.Model):
    """接口密钥: how a partner's system reads our datasets — scoped to named datasets and to
    regions (districts, or the whole city), never wider than its agency's own region. Only
    its SHA-256 is kept; the key itself is shown once, when issued."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_keys",
                               verbose_name="合作部门")
    name = models.CharField("用途", max_length=80)
    prefix = models.CharField("密钥前缀", max_length=8)
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True)
    datasets = models.JSONField("可读数据集", default=list)
    regions = models.ManyToManyField("regions.Region", related_name="+", verbose_name="可读区域")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField("最近调用", null=True, blank=True)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.prefix}… {self.name}"

    def state(self, now=None) -> str:
        """active | revoked | expired."""
        from django.utils import timezone

        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"


class KeyUse(models.Model):
    """调用日志: one call made with a key — answered or refused — with what it asked and got."""

    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="uses",
                            verbose_name="接口密钥")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    method = models.CharField("方法", max_length=8)
    path = models.CharField("路径", max_length=300)
    query = models.CharField("参数", max_length=500, blank=True)
    status = models.PositiveSmallIntegerField("状态码")
    rows = models.PositiveIntegerField("返回条数", default=0)
    client_address = models.CharField("来源地址", max_length=64, blank=True)

    class Meta:
        verbose_name = "调用日志"
        verbose_name_plural = "调用日志"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self):
        return f"{self.key_id} {self.method} {self.path} {self.status}"


class Subscription(models.Model):
    """事件订阅: where a partner wants events pushed (a webhook URL), which kinds and regions.
    The signing secret is kept sealed (Fernet), since we need it again to sign."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="subscriptions",
                               verbose_name="合作部门")
    url = models.URLField("接收地址", max_length=500)
    secret = models.TextField("签名密钥（加密）")
    kinds = models.JSONField("事件类型", default=list)
    regions = models.ManyToManyField("regions.Region", related_name="+", verbose_name="区域")
    active = models.BooleanField("在用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "事件订阅"
        verbose_name_plural = "事件订阅"
        ordering = ["agency", "pk"]

    def __str__(self):
        return self.url


DELIVERY_STATUSES = [("pending", "待送达"), ("delivered", "已送达"), ("failed", "送达失败")]


class Delivery(models.Model):
    """事件推送: one event for one subscription. Its uuid is the same on every attempt, so a
    receiver that got it twice (an answer lost on the way back) can tell."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries",
                              verbose_name="事件")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT,
                                     related_name="deliveries", verbose_name="订阅")
    uuid = models.UUIDField("推送编号", unique=True)
    status = models.CharField("状态", max_length=10, choices=DELIVERY_STATUSES,
                              default="pending", db_index=True)
    attempts = models.PositiveSmallIntegerField("本轮尝试次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    round_started_at = models.DateTimeField("本轮开始时间")
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    last_status = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)

    class Meta:
        verbose_name = "事件推送"
        verbose_name_plural = "事件推送"
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"],
                                               name="exchange_delivery_once")]

    def __str__(self):
        return f"{self.uuid} {self.status}"


class DeliveryAttempt(models.Model):
    """推送记录: one POST of a delivery and what the receiver answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE,
                                 related_name="attempt_log", verbose_name="推送")
    at = models.DateTimeField("时间")
    status_code = models.PositiveSmallIntegerField("响应码", null=True, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    response_excerpt = models.CharField("响应摘录", max_length=500, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"


# A district office reads what concerns its district's agencies and the city's (upward),
# never another district's; the roles in NOT_EXCHANGE read none of it.
register(ApiKey, region="agency__region__", upward=True, owner=None, hidden_from=NOT_EXCHANGE)
register(KeyUse, region="key__agency__region__", upward=True, owner=None,
         hidden_from=NOT_EXCHANGE)
register(Subscription, region="agency__region__", upward=True, owner=None,
         hidden_from=NOT_EXCHANGE)
register(Delivery, region="subscription__agency__region__", upward=True, owner=None,
         hidden_from=NOT_EXCHANGE)
register(DeliveryAttempt, region="delivery__subscription__agency__region__", upward=True,
         owner=None, hidden_from=NOT_EXCHANGE)
