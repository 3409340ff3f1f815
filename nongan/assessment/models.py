"""District assessment (工作考核, 实施方案 五.(三) 附件3 考核表): the indicators the districts are
scored on, kept as data per year, and the scores computed from the records.

A table applies from its `year` until a table of a later year replaces it, so editing the
table for a year leaves earlier years' scores as they were computed.
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.regions.models import Region


def method_choices():
    from .indicators import METHOD_CHOICES

    return METHOD_CHOICES


class AssessmentTable(models.Model):
    """考核表: the indicators of one year on (the city administrator's, or the shipped
    default); `version` goes up with every change."""

    year = models.PositiveSmallIntegerField("适用起始年度", unique=True)
    version = models.PositiveIntegerField("版本", default=1)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "考核表"
        verbose_name_plural = "考核表"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year} v{self.version}"


class Indicator(models.Model):
    """考核指标: one line of the table — its points (`weight`), the computation that
    measures it from the records (`method` with its `params`), the share that earns full
    points (`target`) and the clause of the plan it comes from."""

    table = models.ForeignKey(AssessmentTable, on_delete=models.CASCADE,
                              related_name="indicators")
    code = models.SlugField("指标编码", max_length=40)
    name = models.CharField("指标名称", max_length=100)
    weight = models.DecimalField("分值", max_digits=5, decimal_places=1)
    method = models.CharField("计算方法", max_length=40, choices=method_choices)
    target = models.DecimalField("目标值", max_digits=5, decimal_places=4)
    params = models.JSONField("参数", default=dict, blank=True)
    clause = models.CharField("依据条款", max_length=100, blank=True)
    order = models.PositiveSmallIntegerField("序号", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["table", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["table", "code"],
                                               name="unique_indicator_code")]

    def __str__(self):
        return f"{self.code} {self.name}"


class DistrictScore(models.Model):
    """考核得分: a district's scores for a year as last computed — the city table reads
    these; a district's own page computes afresh and stores what it found. Derived data:
    recomputable at any time from the records and the table."""

    year = models.PositiveSmallIntegerField("年度")
    district = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="区")
    table_year = models.PositiveSmallIntegerField("考核表年度", null=True, blank=True)
    table_version = models.PositiveIntegerField("考核表版本", default=0)
    total = models.DecimalField("总分", max_digits=5, decimal_places=1)
    indicators = models.JSONField("各指标得分", default=list)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "考核得分"
        verbose_name_plural = "考核得分"
        ordering = ["year", "district"]
        constraints = [models.UniqueConstraint(fields=["year", "district"],
                                               name="one_score_per_district_year")]

    def __str__(self):
        return f"{self.district_id} {self.year} {self.total}"


register(AssessmentTable, region=None)
register(Indicator, region=None)
# `district` is a district row, whose own `district` column points at itself.
register(DistrictScore, region="district__", owner=None, hidden_from=("lab_staff",))
