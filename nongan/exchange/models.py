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
]


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
