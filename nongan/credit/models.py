"""Credit file (信用档案, 实施方案 四.(二)、五.(一)): the events that count for a producer's
credit, the rule table that turns them into a grade, and the history of its grade.

Every source (inspections, samples, penalty cases, certificates, commitments) appends an
event here with its date and a link to the record it comes from; the grade is computed from
these events by the city's rule table (`grading.grade`), and every change of grade is kept
with its reasons (`GradeChange`).
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.producers.models import CREDIT_GRADES, Producer

from .grading import EVENT_KINDS, RULE_KINDS


class CreditEvent(models.Model):
    """信用事件: one fact in a producer's credit file, appended and never edited — except
    `settled_on`, set once when the matter it concerns is put right."""

    KINDS = EVENT_KINDS
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT,
                                 related_name="credit_events", verbose_name="生产主体")
    kind = models.CharField("事件类型", max_length=24, choices=KINDS)
    occurred_on = models.DateField("发生日期")
    summary = models.CharField("摘要", max_length=300)
    serious = models.BooleanField("严重失信", default=False)
    # The day the rectification (or case) it concerns was completed; empty while it is
    # still open — such an event keeps counting whatever its period (信用修复 needs both).
    settled_on = models.DateField("整改完成日期", null=True, blank=True)
    source = models.CharField("来源记录", max_length=60)
    link = models.CharField("来源链接", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信用事件"
        verbose_name_plural = "信用事件"
        ordering = ["-occurred_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["source", "kind"],
                                               name="one_credit_event_per_source")]

    def __str__(self):
        return f"{self.producer_id} {self.kind} {self.occurred_on}"


class CreditRule(models.Model):
    """信用评价规则: how one kind of event counts — points from a start of 100, for how many
    months, and the grade it forces (for how long; only for serious events when
    `serious_only`)."""

    kind = models.CharField("事件类型", max_length=24, choices=RULE_KINDS, unique=True)
    points = models.SmallIntegerField("分值")
    months = models.PositiveSmallIntegerField("计分期限（月）")
    forced_grade = models.CharField("直接评定等级", max_length=1, blank=True,
                                    choices=CREDIT_GRADES)
    forced_months = models.PositiveSmallIntegerField("等级锁定期限（月）", default=0)
    serious_only = models.BooleanField("仅严重情形直接评定", default=False)

    class Meta:
        verbose_name = "信用评价规则"
        verbose_name_plural = "信用评价规则"
        ordering = ["pk"]

    def __str__(self):
        return self.kind


class CreditScale(models.Model):
    """信用等级标准: the lowest score of grades A, B and C (D below), and the version of the
    whole rule table, raised by every change. One row."""

    a_min = models.PositiveSmallIntegerField("A 级最低分")
    b_min = models.PositiveSmallIntegerField("B 级最低分")
    c_min = models.PositiveSmallIntegerField("C 级最低分")
    version = models.PositiveIntegerField("规则版本", default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "信用等级标准"
        verbose_name_plural = "信用等级标准"

    def __str__(self):
        return f"v{self.version}"


class GradeChange(models.Model):
    """信用等级变更: the grade a producer moved from and to, the score and the reasons."""

    CAUSES = [("event", "信用事件"), ("repair", "信用修复"), ("rules", "规则调整"),
              ("backfill", "历史记录导入"), ("refresh", "每日更新")]
    # Derived from the events (recomputable), so it goes with its producer; the acting
    # user is in the audit log as well.
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE,
                                 related_name="grade_changes", verbose_name="生产主体")
    from_grade = models.CharField("原等级", max_length=1, choices=CREDIT_GRADES)
    to_grade = models.CharField("新等级", max_length=1, choices=CREDIT_GRADES)
    score = models.SmallIntegerField("信用分")
    reasons = models.JSONField("评定理由", default=list)
    cause = models.CharField("变更原因", max_length=8, choices=CAUSES)
    note = models.CharField("说明", max_length=300, blank=True)
    rules_version = models.PositiveIntegerField("规则版本")
    at = models.DateTimeField("变更时间", db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "信用等级变更"
        verbose_name_plural = "信用等级变更"
        ordering = ["-at", "-pk"]
        # (at, id): partners page through grade changes in this order (exchange datasets),
        # and one rules change gives thousands of changes the same `at`.
        indexes = [models.Index(fields=["producer", "at"]), models.Index(fields=["at", "id"])]

    def __str__(self):
        return f"{self.producer_id} {self.from_grade}→{self.to_grade}"


register(CreditEvent, region="producer__", owner="producer_id")
register(GradeChange, region="producer__", owner="producer_id")
register(CreditRule, region=None)
register(CreditScale, region=None)


class CreditPublication(models.Model):
    """信用信息报送: one day's files for 信用中国 and the city's public credit platform —
    penalty decisions published, withdrawn (撤销) or corrected (更正), and credit grade
    changes — each as CSV and XLSX with its SHA-256. Generated once; never rewritten (what
    changes later goes into a later day's file)."""

    day = models.DateField("报送日期", unique=True)
    # The events of [covers_from, covers_until): from the end of the previous day's file
    # (or the start of this day for the first) to the end of the day, or the moment of
    # generation when that came first.
    covers_from = models.DateTimeField("起始时间")
    covers_until = models.DateTimeField("截止时间")
    penalties = models.PositiveIntegerField("新公示处罚决定", default=0)
    withdrawals = models.PositiveIntegerField("撤销", default=0)
    corrections = models.PositiveIntegerField("更正", default=0)
    grade_changes = models.PositiveIntegerField("信用等级变更", default=0)
    # name → {"path", "sha256", "size"} for penalties.csv/.xlsx and grades.csv/.xlsx
    files = models.JSONField("文件", default=dict)
    # "notice:<pk>" → hash of the row sent, so a later change is sent as 更正
    sent = models.JSONField("报送记录", default=dict)
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="生成人")

    class Meta:
        verbose_name = "信用信息报送"
        verbose_name_plural = "信用信息报送"
        ordering = ["-day"]

    def __str__(self):
        return f"信用信息报送 {self.day}"


# A city file, not a region's record: the page and its downloads ask for credit.publish.
register(CreditPublication, region=None, owner=None, hidden_from=("lab_staff",))
