from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.regions.models import Grid, RegionScoped

KINDS = [
    ("enterprise", "农产品生产企业"),
    ("cooperative", "农民专业合作社"),
    ("family_farm", "家庭农场"),
    ("grower", "种养殖户"),
]
CERT_KINDS = [("green", "绿色食品"), ("organic", "有机农产品"), ("gi", "农产品地理标志")]
# 信用等级 (A 守信 … D 严重失信); set by the credit rules, read by supervision and draws.
CREDIT_GRADES = [("A", "A 守信"), ("B", "B 基本守信"), ("C", "C 失信"), ("D", "D 严重失信")]
CERT_STATUSES = [("valid", "有效"), ("suspended", "暂停"), ("revoked", "撤销"), ("expired", "过期")]


class Producer(RegionScoped):
    """生产主体: an entry of the producer register (生产主体名录)."""

    name = models.CharField("名称", max_length=200, db_index=True)
    kind = models.CharField("主体类型", max_length=12, choices=KINDS, db_index=True)
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, null=True, blank=True, unique=True
    )
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    legal_rep = models.CharField("法定代表人/负责人", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    area_mu = models.DecimalField("种植/养殖面积（亩）", max_digits=10, decimal_places=2, default=0)
    is_scale = models.BooleanField("规模主体", default=False, db_index=True)
    products = models.JSONField("产品与品种", default=list, blank=True)
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="producers",
        verbose_name="网格",
    )
    credit_grade = models.CharField("信用等级", max_length=1, choices=CREDIT_GRADES,
                                    default="B", db_index=True)
    active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "生产主体"
        verbose_name_plural = "生产主体"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["district", "name"]),
            models.Index(fields=["town", "name"]),
        ]

    def __str__(self):
        return self.name

    @property
    def product_names(self) -> str:
        return "、".join(p.get("name", "") for p in self.products)


class Certification(models.Model):
    """二品一标认证: a green-food, organic or geographic-indication certificate."""

    producer = models.ForeignKey(
        Producer, on_delete=models.CASCADE, related_name="certifications"
    )
    kind = models.CharField("认证类型", max_length=8, choices=CERT_KINDS)
    cert_no = models.CharField("证书编号", max_length=40)
    products = models.CharField("认证产品", max_length=200)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期至")
    status = models.CharField("状态", max_length=10, choices=CERT_STATUSES, default="valid")

    class Meta:
        verbose_name = "二品一标认证"
        verbose_name_plural = "二品一标认证"
        ordering = ["kind", "valid_to"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "cert_no"], name="unique_certificate")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.cert_no}"


class Plot(RegionScoped):
    """地块: a polygon of land farmed by one producer, numbered within its village.

    The geometry is GeoJSON (WGS84 lon/lat); the bounding box columns are indexed so a
    point or a window finds its candidate plots without a spatial extension.
    """

    plot_no = models.CharField("地块编号", max_length=20, unique=True)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="plots")
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="plots",
        verbose_name="网格",
    )
    geometry = models.JSONField("地块范围")
    crop = models.CharField("作物", max_length=60, blank=True)
    area_mu = models.DecimalField("测算面积（亩）", max_digits=10, decimal_places=2)
    declared_area_mu = models.DecimalField(
        "申报面积（亩）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    overlaps = models.JSONField("与他人地块重叠", default=list, blank=True)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "地块"
        verbose_name_plural = "地块"
        ordering = ["plot_no"]
        indexes = [
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"]),
            # A district's plot list in number order, from either end (core.listing reads a
            # deep page backwards): with the unique number index alone PostgreSQL walked
            # the other districts' plots first (0.2–0.5 s for 浦东's last page).
            models.Index(fields=["district", "plot_no", "id"], condition=models.Q(active=True),
                         name="plot_active_number_idx"),
            # The dashboard counts a city's million active plots per area in one pass
            # (analysis.figures.register.census): read from this index alone, not the rows
            # with their shapes.
            models.Index(fields=["district", "town", "village"],
                         include=["id", "grid", "area_mu", "created_at"],
                         condition=models.Q(active=True), name="plot_active_area_idx"),
        ]

    def __str__(self):
        return self.plot_no


class ImportJob(models.Model):
    """批量导入: one uploaded register file, validated whole, imported whole or not at all."""

    KINDS = [("producers", "生产主体"), ("plots", "地块")]
    STATUSES = [
        ("pending", "排队中"), ("running", "校验中"), ("failed", "有错误，未导入"),
        ("done", "已导入"),
    ]
    kind = models.CharField("类型", max_length=10, choices=KINDS)
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=STATUSES, default="pending")
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "批量导入"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0



register(Producer, owner="id")
register(Certification, region="producer__", owner="producer_id")
register(Plot, owner="producer_id")
register(ImportJob, personal="created_by")
