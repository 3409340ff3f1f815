"""Risk warnings (风险预警): what the detectors found, to whom it is assigned, and what was
done about it (实施方案 三.(二) 找出和预警区域性、系统性风险, 五.(一) 智能预警)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from nongan.core.scoping import register
from nongan.regions.models import Region

LEVELS = [("red", "红色"), ("orange", "橙色"), ("yellow", "黄色"), ("blue", "蓝色")]
KINDS = [("temporal", "时间聚集"), ("spatial", "区域聚集"), ("systemic", "系统性风险"),
         ("producer", "主体风险"), ("iot", "物联网监测")]
STATUSES = [("issued", "已发布"), ("acknowledged", "已签收"), ("acting", "处置中"),
            ("closed", "已办结")]


class RiskWarning(models.Model):
    """风险预警: one risk found in the records — a series out of its usual range, a cluster
    of failing towns, a pesticide failing across districts, a producer's rate — with the
    numbers behind it. A new detection of the same risk while it is open updates it
    (`key`), so nobody receives the same warning twice.

    `district`/`town` are null when the warning concerns the whole city or a whole
    district; city-wide warnings are read by every district (scoping `upward`)."""

    key = models.CharField("去重键", max_length=200, db_index=True)
    level = models.CharField("等级", max_length=8, choices=LEVELS)
    kind = models.CharField("类型", max_length=10, choices=KINDS)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="涉及区域")
    district = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="区")
    town = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="镇（街道）")
    category = models.CharField("产品类别", max_length=80, blank=True)
    product = models.CharField("产品", max_length=80, blank=True)
    pesticide = models.CharField("农药", max_length=80, blank=True)
    producer = models.ForeignKey("producers.Producer", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="warnings",
                                 verbose_name="生产主体")
    explanation = models.TextField("说明")
    figures = models.JSONField("数据", default=dict)
    samples = models.ManyToManyField("monitoring.Sample", blank=True, related_name="warnings",
                                     verbose_name="涉及样品")
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                       related_name="warnings", verbose_name="责任人")
    status = models.CharField("状态", max_length=14, choices=STATUSES, default="issued",
                              db_index=True)
    issued_at = models.DateTimeField("发布时间")
    detected_at = models.DateTimeField("最近检出时间")
    detections = models.PositiveIntegerField("检出次数", default=1)
    conclusion = models.TextField("结论", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "风险预警"
        verbose_name_plural = "风险预警"
        ordering = ["-detected_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["key"], condition=~Q(status="closed"),
                                               name="one_open_warning_per_key")]
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self):
        return f"{self.get_level_display()} {self.get_kind_display()} {self.region}"


class WarningEvent(models.Model):
    """预警处置记录: one step in a warning's life (issued, detected again, acknowledged, a
    measure taken, closed), appended and never edited."""

    warning = models.ForeignKey(RiskWarning, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事项", max_length=20)
    text = models.TextField("内容", blank=True)
    data = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = "预警处置记录"
        verbose_name_plural = "预警处置记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.warning_id} {self.kind}"


class Measure(models.Model):
    """应对措施: what was done about a warning — targeted sampling (a risk-monitoring plan),
    inspections of named producers by a due date, or a spot check limited to the
    warning's area. The plan and the spot check are records of their own apps; the
    inspections are found by producer and date (an inspection finished after the measure
    was taken counts as done)."""

    KINDS = [("sampling", "定向抽检"), ("inspection", "巡查核查"), ("spot_check", "专项抽查")]
    warning = models.ForeignKey(RiskWarning, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField("措施类型", max_length=12, choices=KINDS)
    plan = models.ForeignKey("monitoring.MonitoringPlan", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="risk_measures",
                             verbose_name="监测任务")
    spot_check = models.ForeignKey("enforcement.SpotCheck", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="risk_measures",
                                   verbose_name="抽查计划")
    producers = models.ManyToManyField("producers.Producer", blank=True,
                                       related_name="risk_measures", verbose_name="核查主体")
    due_on = models.DateField("完成期限", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="采取人")
    created_at = models.DateTimeField("采取时间")

    class Meta:
        verbose_name = "应对措施"
        verbose_name_plural = "应对措施"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.warning_id} {self.get_kind_display()}"


class RiskSettings(models.Model):
    """预警参数: the city administrator's edits of the shipped defaults
    (`data/settings.json`); the latest row is in force, older rows stay as the history."""

    values = models.JSONField("参数")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "预警参数"
        verbose_name_plural = "预警参数"
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return f"预警参数 {self.updated_at:%Y-%m-%d %H:%M}"


register(RiskWarning, upward=True, owner=None, hidden_from=("lab_staff",))
register(Measure, region="warning__", upward=True, owner=None, hidden_from=("lab_staff",))
register(RiskSettings, region=None, owner=None, hidden_from=("lab_staff",))
register(WarningEvent, region="warning__", upward=True, owner=None,
         hidden_from=("lab_staff",))
