"""告知承诺 (实施方案 四.(三)): each year a district (or the city for every district) sends
every producer a notification letter (告知书) and collects its signed commitment (承诺书) by
31 March — the year's production region and area, products and varieties, production
methods and scope, and its plots marked on a map.

Letters and commitments are frozen when made: a letter keeps the text it was issued with,
a commitment is never edited — a change is a new version that supersedes it.
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.producers.models import Producer
from nongan.regions.models import Region

DELIVERY_METHODS = [("in_person", "直接送达"), ("post", "邮寄送达"), ("online", "线上送达")]
PRODUCTION_METHODS = [
    ("open_field", "露地种植"),
    ("protected", "设施种植"),
    ("aquaculture", "水产养殖"),
    ("livestock", "畜禽养殖"),
    ("other", "其他"),
]


class Campaign(models.Model):
    """承诺书签订工作: one year's letters and commitments in a district, or in the whole
    city when the city starts it for every district."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="范围")
    year = models.PositiveSmallIntegerField("年度")
    deadline = models.DateField("签订截止日期")
    letter_template = models.TextField("告知书模板")
    pledge = models.TextField("承诺内容")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="发起人")
    started_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = "承诺书签订工作"
        verbose_name_plural = "承诺书签订工作"
        ordering = ["-year", "region_id"]
        constraints = [models.UniqueConstraint(fields=["region", "year"],
                                               name="one_campaign_per_region_year")]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return f"{self.region.name}{self.year}年度农产品质量安全告知承诺"


class ImmutableRecord(Exception):
    """A frozen record was about to be changed in place."""


class Letter(models.Model):
    """告知书: the notification letter of a campaign to one producer, with the text it was
    issued with."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="letters")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT,
                                 related_name="commitment_letters", verbose_name="生产主体")
    number = models.CharField("文书编号", max_length=40, unique=True)
    serial = models.PositiveIntegerField("序号")
    text = models.TextField("告知书正文")
    issuer = models.CharField("发文机关", max_length=120)
    issued_on = models.DateField("发出日期")

    class Meta:
        verbose_name = "告知书"
        verbose_name_plural = "告知书"
        ordering = ["campaign", "serial", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "producer"],
                                               name="one_letter_per_producer")]

    def __str__(self):
        return self.number


class Delivery(models.Model):
    """送达记录: how and when a letter reached its producer."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    method = models.CharField("送达方式", max_length=10, choices=DELIVERY_METHODS)
    delivered_on = models.DateField("送达日期")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="记录人")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "送达记录"
        verbose_name_plural = "送达记录"
        ordering = ["delivered_on", "pk"]

    def __str__(self):
        return f"{self.letter_id} {self.method} {self.delivered_on}"


class Commitment(models.Model):
    """承诺书: what a producer commits to for a year, signed by itself in the system or on
    paper entered by an officer (with the scan). Never edited: a change is the next version,
    which supersedes this one; the version nothing supersedes is the current one."""

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="commitments",
                                 verbose_name="生产主体")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="commitments")
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by", verbose_name="替代版本")
    reason = models.CharField("变更原因", max_length=300, blank=True)
    villages = models.JSONField("生产经营区域（村代码）", default=list)
    area_mu = models.DecimalField("生产经营面积（亩）", max_digits=10, decimal_places=2)
    products = models.JSONField("农产品种类和品种", default=list)
    methods = models.JSONField("生产方式", default=list)
    scope = models.CharField("生产范围", max_length=500)
    plots = models.JSONField("标记地块", default=list,
                             help_text="签订时各地块的编号、作物、测算面积和范围")
    plots_area_mu = models.DecimalField("标记地块测算面积（亩）", max_digits=10,
                                        decimal_places=2)
    area_flagged = models.BooleanField("申报面积与测算面积差异较大", default=False,
                                       db_index=True)
    map_image = models.FileField("地块标记图", upload_to="commitments/maps/%Y/")
    pledge = models.TextField("承诺内容")
    signatory = models.CharField("签字人", max_length=50)
    signed_on = models.DateField("签订日期")
    on_behalf = models.BooleanField("代为录入", default=False)
    scan = models.FileField("纸质承诺书扫描件", upload_to="commitments/scans/%Y/", blank=True)
    scan_content_type = models.CharField(max_length=20, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="录入人")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "承诺书"
        verbose_name_plural = "承诺书"
        ordering = ["-year", "producer_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["producer", "year", "version"],
                                               name="one_commitment_version")]

    def __str__(self):
        return f"{self.producer_id} {self.year} v{self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("承诺书签订后不可修改；变更请签订新版本")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("承诺书不可删除")


# A testing institution has no business with producers' commitments.
NOT_LABS = ("lab_staff",)
register(Campaign, region="region__", upward=True, hidden_from=NOT_LABS)
register(Letter, region="producer__", owner="producer_id", hidden_from=NOT_LABS)
register(Delivery, region="letter__producer__", owner="letter__producer_id",
         hidden_from=NOT_LABS)
register(Commitment, region="producer__", owner="producer_id", hidden_from=NOT_LABS)
