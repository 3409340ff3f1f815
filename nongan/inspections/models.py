import uuid

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.producers.models import Producer
from nongan.regions.models import Grid, RegionScoped

TEMPLATE_KINDS = [
    ("daily", "日常巡查"),          # 实施方案 附件1
    ("green_annual", "绿色食品年度检查"),  # 附件2
    ("organic_annual", "有机农产品年度检查"),  # 附件2
]
RESULTS = [("pass", "合格"), ("rectify", "限期整改"), ("refer", "移交执法")]


class ChecklistTemplate(models.Model):
    """检查表模板: a versioned checklist; an inspection keeps the version it was filled with.

    `items` is a list of {"key", "section", "text", "type" (yes_no | number | text | photo),
    "required", "points" (scored forms), "fail_value"}.
    """

    code = models.CharField("模板编码", max_length=40)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=TEMPLATE_KINDS)
    items = models.JSONField("检查项目", default=list)
    scored = models.BooleanField("计分", default=False)
    pass_score = models.PositiveIntegerField("合格分", null=True, blank=True)
    active = models.BooleanField("当前版本", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "检查表模板"
        verbose_name_plural = "检查表模板"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"],
                                               name="unique_template_version")]

    def __str__(self):
        return f"{self.name} v{self.version}"


class Media(models.Model):
    """现场照片: a photo or signature checked by content, with what its EXIF says."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to="media/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"

    def __str__(self):
        return str(self.id)


class Inspection(RegionScoped):
    """巡查记录: one visit to a producer, as submitted from the field; never edited in place
    (监管留痕) — a correction is an Amendment with its reason."""

    uuid = models.UUIDField("客户端编号", unique=True)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="inspections")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="inspections")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间")  # indexed by inspection_finished_cover_idx
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    location_check = models.JSONField("位置核验", default=dict)
    plots_seen = models.JSONField("核查地块", default=list)
    answers = models.JSONField("检查结果", default=list)
    inputs = models.JSONField("投入品使用", default=list)
    photos = models.ManyToManyField(Media, blank=True, related_name="inspections")
    result = models.CharField("结论", max_length=8, choices=RESULTS)
    score = models.DecimalField("得分", max_digits=6, decimal_places=1, null=True, blank=True)
    flags = models.JSONField("提示", default=list)
    signature = models.ForeignKey(Media, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    refused_signature = models.CharField("拒签说明", max_length=200, blank=True)
    payload_hash = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "巡查记录"
        verbose_name_plural = "巡查记录"
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["producer", "finished_at"]),
                   models.Index(fields=["district", "finished_at"]),
                   # A period's visits per producer and checklist (the schedules, the
                   # dashboard) read from this index alone, not the rows with their answers.
                   models.Index(fields=["finished_at"], include=["id", "producer", "template"],
                                name="inspection_finished_cover_idx"),
                   # The visits on the annual checklists (a few hundred of a year's 130,000),
                   # found by checklist: through the index above a district's to-do read the
                   # city's whole year of inspections for them (39 ms).
                   models.Index(fields=["template", "finished_at"], include=["id", "producer"],
                                name="inspection_checklist_idx"),
                   # The to-do list's leads for enforcement: the few inspections referred,
                   # without reading two years of the others (0.3 s for the city).
                   models.Index(fields=["district", "finished_at"],
                                condition=models.Q(result="refer"),
                                name="inspection_referred_idx")]

    def __str__(self):
        return f"{self.producer} {self.finished_at:%Y-%m-%d}"


class Amendment(models.Model):
    """更正记录: a correction of a submitted inspection, with its reason, shown beside it."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT,
                                   related_name="amendments")
    reason = models.CharField("更正原因", max_length=300)
    changes = models.JSONField("更正内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "更正记录"
        verbose_name_plural = "更正记录"
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.inspection_id}: {self.reason}"


class Rectification(RegionScoped):
    """整改通知: items to put right by a deadline; closed by a follow-up inspection."""

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT,
                                 related_name="rectifications")
    ordered_by = models.OneToOneField(Inspection, on_delete=models.PROTECT,
                                      related_name="rectification")
    items = models.JSONField("整改事项")
    deadline = models.DateField("整改期限", db_index=True)
    closed_by = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="closed_rectifications")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "整改通知"
        verbose_name_plural = "整改通知"
        ordering = ["deadline"]
        # The open orders past their deadline (the to-do list), without walking the city's
        # closed ones in deadline order: 浦东's first page read 38,000 rows (15 ms).
        indexes = [models.Index(fields=["district", "deadline"], name="rectification_open_idx",
                                condition=models.Q(closed_by__isnull=True))]

    def __str__(self):
        return f"{self.producer} 整改至 {self.deadline}"


class RectificationReply(models.Model):
    """整改答复: the producer's answer to an order — what it put right, with photos — until
    the order is closed by a passing follow-up."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT,
                                      related_name="replies", verbose_name="整改通知")
    text = models.TextField("整改情况")
    photos = models.ManyToManyField(Media, blank=True, related_name="rectification_replies",
                                    verbose_name="整改照片")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name="答复人")
    created_at = models.DateTimeField("答复时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改答复"
        verbose_name_plural = "整改答复"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.rectification_id}: {self.text[:20]}"


class PreHarvestInterval(models.Model):
    """安全间隔期: days between the last application of a pesticide and harvest."""

    pesticide = models.CharField("农药", max_length=60, db_index=True)
    crop = models.CharField("作物", max_length=60, blank=True)  # blank: any crop
    days = models.PositiveIntegerField("安全间隔期（天）")
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "安全间隔期"
        verbose_name_plural = "安全间隔期"
        constraints = [models.UniqueConstraint(fields=["pesticide", "crop"],
                                               name="unique_interval")]

    def __str__(self):
        return f"{self.pesticide}/{self.crop or '*'}: {self.days}d"


register(ChecklistTemplate, region=None)
register(Media, personal="uploaded_by")
register(Inspection, owner="producer_id")
register(Amendment, region="inspection__", owner="inspection__producer_id")
register(Rectification, owner="producer_id")
register(RectificationReply, region="rectification__", owner="rectification__producer_id")
