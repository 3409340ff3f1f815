"""Monitoring (抽样监测): plans, sampling forms, lab results judged against GB 2763.

实施方案 四.(四).3: the sampling form records the producer, pesticides used, plot, photos and
test items; the lab tests within 10 days of sampling, uploads the report against the sample
number and the month's summary by the 25th.
"""

import uuid

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.inspections.models import Media
from nongan.people.models import Organisation
from nongan.producers.models import Plot, Producer
from nongan.regions.models import Region, RegionScoped

KINDS = [
    ("routine", "例行监测"),
    ("supervisory", "监督抽查"),
    ("risk", "风险监测"),
    ("rapid", "快速检测"),
]
KIND_LETTER = {"routine": "L", "supervisory": "J", "risk": "F", "rapid": "K"}
VERDICTS = [("compliant", "合格"), ("non_compliant", "不合格"), ("incomplete", "待检测")]
STATUSES = [
    ("not_detected", "未检出"),
    ("compliant", "检出未超标"),
    ("over_limit", "超标"),
    ("banned_detected", "检出禁用农药"),
    ("no_limit", "无限量标准"),
    ("negative", "阴性"),
    ("positive", "阳性"),
]
NON_COMPLIANT = {"over_limit", "banned_detected", "positive"}
UNITS = [("mg/kg", "mg/kg"), ("μg/kg", "μg/kg")]


class Standard(models.Model):
    """限量标准版本: one edition of GB 2763 as loaded, with its limits and food classes.

    A sample is judged by the edition in force on its sampling date (the latest edition
    whose `effective_from` is not after it); older editions stay for the records judged
    by them.
    """

    code = models.CharField("标准号", max_length=40, default="GB 2763")
    version = models.CharField("版本", max_length=20)
    title = models.CharField("名称", max_length=200, blank=True)
    effective_from = models.DateField("实施日期")
    demo = models.BooleanField("演示数据", default=False,
                               help_text="演示用限量值，不是标准原文，不得用于判定")
    source = models.CharField("来源", max_length=300, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "限量标准版本"
        verbose_name_plural = "限量标准版本"
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "version"],
                                               name="unique_standard_version")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.code}-{self.version}"


class FoodClass(models.Model):
    """食品分类 (GB 2763 附录A): category → subcategory → food, per edition."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="foods")
    name = models.CharField("名称", max_length=80)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")

    class Meta:
        verbose_name = "食品分类"
        verbose_name_plural = "食品分类"
        ordering = ["standard", "name"]
        constraints = [models.UniqueConstraint(fields=["standard", "name"],
                                               name="unique_food_per_standard")]

    def __str__(self):
        return self.name


class ResidueLimit(models.Model):
    """最大残留限量: one row of the limit table, for a food or a food group.

    `food` is written as in the standard, a group possibly with its exclusions
    (`柑橘类水果(柑、橘、橙除外)`); `food_group` and `excluded` are that text parsed.
    """

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="limits")
    pesticide_cn = models.CharField("农药中文名", max_length=80)
    pesticide_en = models.CharField("农药英文名", max_length=120, blank=True)
    food = models.CharField("食品（原文）", max_length=200)
    food_group = models.CharField("食品或类别", max_length=80)
    excluded = models.JSONField("除外食品", default=list, blank=True)
    mrl = models.DecimalField("最大残留限量（mg/kg）", max_digits=12, decimal_places=4,
                              null=True, blank=True)
    temporary = models.BooleanField("临时限量", default=False)
    banned = models.BooleanField("禁用（检出即不合格）", default=False)

    class Meta:
        verbose_name = "最大残留限量"
        verbose_name_plural = "最大残留限量"
        ordering = ["standard", "pesticide_cn", "food"]
        indexes = [models.Index(fields=["standard", "pesticide_cn"]),
                   models.Index(fields=["standard", "pesticide_en"])]

    def __str__(self):
        return f"{self.pesticide_cn} {self.food} {self.mrl}"


class MonitoringPlan(models.Model):
    """监测任务: who tests what, where, how many, by when."""

    LEVELS = [("city", "市级"), ("district", "区级")]
    name = models.CharField("任务名称", max_length=120)
    level = models.CharField("级别", max_length=8, choices=LEVELS)
    kind = models.CharField("类型", max_length=12, choices=KINDS)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="下达单位辖区")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    analytes = models.JSONField("检测项目", default=list)
    lab = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                            related_name="plans", verbose_name="承检机构")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "监测任务"
        verbose_name_plural = "监测任务"
        ordering = ["-starts_on", "name"]

    def __str__(self):
        return self.name


class PlanQuota(models.Model):
    """任务量: samples of a product category to take in one district."""

    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="quotas")
    district = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="区")
    category = models.CharField("产品类别", max_length=80)
    count = models.PositiveIntegerField("样品数")

    class Meta:
        verbose_name = "任务量"
        verbose_name_plural = "任务量"
        ordering = ["district", "category"]
        constraints = [models.UniqueConstraint(fields=["plan", "district", "category"],
                                               name="unique_quota")]

    def __str__(self):
        return f"{self.district} {self.category} {self.count}"


class Sample(RegionScoped):
    """采样单 / 样品: one sample taken at a producer, as submitted from the field; the form
    is never edited in place. Results, the report and the verdict come later."""

    uuid = models.UUIDField("客户端编号", unique=True, default=uuid.uuid4)
    sample_no = models.CharField("样品编号", max_length=24, unique=True)
    plan = models.ForeignKey(MonitoringPlan, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="samples")
    kind = models.CharField("类型", max_length=12, choices=KINDS)
    lab = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="samples",
                            verbose_name="检测机构")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="samples")
    plot = models.ForeignKey(Plot, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="samples")
    product = models.CharField("样品名称", max_length=80)
    variety = models.CharField("品种", max_length=80, blank=True)
    category = models.CharField("产品类别", max_length=80, blank=True)
    quantity = models.CharField("抽样数量", max_length=40, blank=True)
    sampled_at = models.DateTimeField("抽样时间", db_index=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    location_check = models.JSONField("位置核验", default=dict)
    pesticides_used = models.JSONField("样品用药", default=list)
    analytes = models.JSONField("检测项目", default=list)
    photos = models.ManyToManyField(Media, blank=True, related_name="samples")
    sampler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="samples_taken", verbose_name="抽样人")
    co_samplers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                         related_name="samples_cotaken",
                                         verbose_name="其他抽样人")
    party_signature = models.ForeignKey(Media, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    refusal = models.CharField("拒检/拒签说明", max_length=300, blank=True)
    flags = models.JSONField("提示", default=list)
    payload_hash = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    results_due = models.DateField("检测期限", db_index=True)
    received_at = models.DateTimeField("收样时间", null=True, blank=True)
    standard = models.ForeignKey(Standard, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="判定依据")
    verdict = models.CharField("结论", max_length=16, choices=VERDICTS, default="incomplete",
                               db_index=True)
    completed_at = models.DateTimeField("检测完成时间", null=True, blank=True)
    report = models.FileField("检测报告", upload_to="reports/%Y/%m/", blank=True)
    report_sha256 = models.CharField(max_length=64, blank=True)
    report_uploaded_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField("不合格告知时间", null=True, blank=True)
    retest_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="retests", verbose_name="复检原样品")
    confirms = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="confirmations", verbose_name="确证的快检样品")

    class Meta:
        verbose_name = "样品"
        verbose_name_plural = "样品"
        ordering = ["-sampled_at"]
        indexes = [models.Index(fields=["district", "sampled_at"]),
                   models.Index(fields=["lab", "sampled_at"]),
                   models.Index(fields=["producer", "sampled_at"]),
                   # The labs' working days with completed samples (monthly summaries due,
                   # on the to-do list) without reading every sample.
                   models.Index(fields=["lab", "completed_at"], name="sample_lab_completed_idx"),
                   # A district's samples completed in a year (the assessment's monthly
                   # summaries owed), read from the index alone: by district alone 浦东's
                   # 46,000 samples of every year were read for 6,000 (85 → 5 ms).
                   models.Index(fields=["district", "completed_at"], include=["lab", "kind"],
                                name="sample_district_completed_idx"),
                   # The to-do list's reports missing and parties not told (a few hundred
                   # of the city's samples), counted and paged without reading every sample
                   # (浦东's reports missing: 180 ms → under 1 ms).
                   models.Index(fields=["results_due"], name="sample_report_missing_idx",
                                condition=models.Q(report="", completed_at__isnull=False)),
                   models.Index(fields=["completed_at"], name="sample_unnotified_idx",
                                condition=models.Q(verdict="non_compliant", notified_at=None)),
                   # Rapid positives awaiting a lab's confirmation (the to-do list): by
                   # verdict alone, 浦东's count read the city's 8,500 failed samples (29 ms).
                   models.Index(fields=["district"], name="sample_rapid_positive_idx",
                                condition=models.Q(kind="rapid", verdict="non_compliant"))]

    def __str__(self):
        return self.sample_no


class Result(models.Model):
    """检测结果: one analyte of one sample with its judgement. Never changed: a correction
    is a new row that supersedes the old one, with its reason."""

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="results")
    analyte = models.CharField("检测项目", max_length=80)
    value = models.DecimalField("检测值", max_digits=14, decimal_places=6, null=True,
                                blank=True)
    unit = models.CharField("单位", max_length=8, choices=UNITS, default="mg/kg")
    lod = models.DecimalField("检出限", max_digits=14, decimal_places=6, null=True,
                              blank=True)
    method = models.CharField("检测方法", max_length=120, blank=True)
    status = models.CharField("判定", max_length=16, choices=STATUSES)
    mrl = models.DecimalField("限量（mg/kg）", max_digits=12, decimal_places=4, null=True,
                              blank=True)
    matched_food = models.CharField("匹配食品", max_length=200, blank=True)
    standard = models.CharField("判定依据", max_length=60, blank=True)
    basis = models.JSONField("判定说明", default=dict)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    current = models.BooleanField(default=True)
    supersedes = models.OneToOneField("self", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    reason = models.CharField("更正原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "检测结果"
        verbose_name_plural = "检测结果"
        ordering = ["sample", "analyte", "entered_at"]
        indexes = [models.Index(fields=["sample", "current"]),
                   # How often the failing analytes were tested (the dashboard's pesticide
                   # figure) without reading the results' rows.
                   models.Index(fields=["analyte", "sample"], include=["id"],
                                condition=models.Q(current=True),
                                name="result_current_analyte_idx")]

    def __str__(self):
        return f"{self.sample_id} {self.analyte} {self.status}"


class FollowUp(RegionScoped):
    """不合格处置: what happens after a non-compliant result — who was told, what was
    traced (plot, inputs), whether enforcement took it up. Nothing in it is deleted."""

    STATES = [("open", "处置中"), ("proposed", "已移交执法"), ("closed", "已办结")]
    sample = models.OneToOneField(Sample, on_delete=models.PROTECT, related_name="follow_up")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT,
                                 related_name="follow_ups")
    plot = models.ForeignKey(Plot, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    traced_inputs = models.JSONField("追溯投入品", default=list)
    notified = models.JSONField("已通知", default=list)
    state = models.CharField("状态", max_length=10, choices=STATES, default="open")
    opened_at = models.DateTimeField(auto_now_add=True)
    proposed_at = models.DateTimeField("移交执法时间", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "不合格处置"
        verbose_name_plural = "不合格处置"
        ordering = ["-opened_at"]

    def __str__(self):
        return f"处置 {self.sample_id}"


class FollowUpNote(models.Model):
    """处置记录: one step of a follow-up, appended, never edited."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField("事项", max_length=20)
    text = models.TextField("内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "处置记录"
        verbose_name_plural = "处置记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.follow_up_id} {self.kind}"


class MonthlySummary(models.Model):
    """每月检测汇总表: a lab's month of results, drafted by the system, checked and
    submitted by the lab by the 25th; a submitted summary is frozen."""

    lab = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="summaries")
    month = models.DateField("月份")
    file = models.FileField("汇总表", upload_to="summaries/%Y/")
    rows = models.PositiveIntegerField("样品数", default=0)
    drafted_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "每月检测汇总表"
        verbose_name_plural = "每月检测汇总表"
        ordering = ["-month", "lab"]
        constraints = [models.UniqueConstraint(fields=["lab", "month"],
                                               name="unique_summary_month")]

    def __str__(self):
        return f"{self.lab} {self.month:%Y-%m}"


class SampleSequence(models.Model):
    """The last serial issued per sample-number prefix (year, district, kind)."""

    prefix = models.CharField(max_length=16, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "样品编号序列"

    def __str__(self):
        return f"{self.prefix}:{self.last}"


register(Standard, region=None)
register(FoodClass, region=None)
register(ResidueLimit, region=None)
register(MonitoringPlan, region="region__", upward=True, org="lab_id")
register(PlanQuota, region="plan__region__", upward=True, org="plan__lab_id")
register(Sample, owner="producer_id", org="lab_id")
register(Result, region="sample__", owner="sample__producer_id", org="sample__lab_id")
register(FollowUp, owner="producer_id", org="sample__lab_id")
register(FollowUpNote, region="follow_up__", org="follow_up__sample__lab_id")
register(MonthlySummary, region=None, org="lab_id")
