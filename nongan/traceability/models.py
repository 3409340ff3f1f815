"""What the national traceability platform (国家农产品质量安全追溯管理信息平台) knows of our
producers: their registration on it, and the commitment-compliance certificates
(承诺达标合格证) they issued — imported from the platform's exports and matched to the
register by 统一社会信用代码 (individuals by ID number).

An import is one uploaded file, checked whole and written whole. Rows whose producer is not
in the register of the importer's region do not block it: they are kept on the import
(`UnmatchedRow`) and matched again when the register has grown (重新匹配).
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.producers.models import Producer
from nongan.regions.models import Region

# 承诺依据 as the certificate's template lists them (农业农村部 承诺达标合格证 样式).
BASES = [
    ("entrusted_test", "委托检测"),
    ("self_test", "自我检测"),
    ("internal_control", "内部质量控制"),
    ("self_commitment", "自我承诺"),
]
BASIS_LABELS = dict(BASES)
# Imports are the supervision office's; a testing institution has no part in them.
NOT_TRACE = ("lab_staff",)


class TraceImport(models.Model):
    """追溯平台数据导入: one file exported by the national platform (its producers or its
    certificates), checked whole; the rows of producers outside the register kept aside."""

    KINDS = [("producers", "追溯平台主体"), ("certificates", "承诺达标合格证")]
    STATUSES = [("pending", "排队中"), ("running", "校验中"), ("failed", "有错误，未导入"),
                ("done", "已导入")]
    kind = models.CharField("类型", max_length=12, choices=KINDS)
    file = models.FileField(upload_to="trace-imports/%Y/%m/")
    filename = models.CharField("文件名", max_length=200)
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="上传人")
    # The uploader's region: the rows are matched within it, and it is seen within it.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="所属区域")
    status = models.CharField("状态", max_length=8, choices=STATUSES, default="pending")
    total = models.PositiveIntegerField("数据行", default=0)
    processed = models.PositiveIntegerField("已校验", default=0)
    matched = models.PositiveIntegerField("已匹配", default=0)
    unmatched = models.PositiveIntegerField("未匹配", default=0)
    skipped = models.PositiveIntegerField("重复跳过", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "追溯平台数据导入"
        verbose_name_plural = "追溯平台数据导入"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


class TraceProducer(models.Model):
    """追溯平台主体注册: a producer of the register as the national platform records it —
    its 主体身份码, the day it registered, and its name there (flagged when it differs)."""

    producer = models.OneToOneField(Producer, on_delete=models.CASCADE,
                                    related_name="trace_registration", verbose_name="生产主体")
    code = models.CharField("主体身份码", max_length=64, unique=True)
    registered_on = models.DateField("注册日期", null=True, blank=True)
    platform_name = models.CharField("平台上的名称", max_length=200)
    name_differs = models.BooleanField("名称与名录不一致", default=False)
    platform_kind = models.CharField("平台主体类型", max_length=40, blank=True)
    industry = models.CharField("所属行业", max_length=40, blank=True)
    area = models.CharField("所在地区", max_length=100, blank=True)
    address = models.CharField("详细地址", max_length=200, blank=True)
    legal_rep = models.CharField("法定代表人/负责人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    trace_import = models.ForeignKey(TraceImport, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="来源导入")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "追溯平台主体注册"
        verbose_name_plural = "追溯平台主体注册"
        ordering = ["producer_id"]

    def __str__(self):
        return self.code


class Certificate(models.Model):
    """承诺达标合格证: one certificate a producer issued on the national platform, for a
    quantity of one product, with what the promise rests on (承诺依据)."""

    cert_no = models.CharField("合格证编号", max_length=64, unique=True)
    # The producer's own record, as its 二品一标 certificates are: it goes with the producer.
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE,
                                 related_name="trace_certificates", verbose_name="生产主体")
    product = models.CharField("产品名称", max_length=100, db_index=True)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=3)
    unit = models.CharField("单位", max_length=10)
    issued_on = models.DateField("开具日期", db_index=True)
    # One or more of BASES, comma-separated in the order of BASES.
    basis = models.CharField("承诺依据", max_length=80)
    origin = models.CharField("产地", max_length=200, blank=True)
    trace_code = models.CharField("追溯码", max_length=100, blank=True)
    trace_import = models.ForeignKey(TraceImport, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="certificates",
                                     verbose_name="来源导入")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "承诺达标合格证"
        verbose_name_plural = "承诺达标合格证"
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["producer", "issued_on"])]

    def __str__(self):
        return self.cert_no

    @property
    def quantity_text(self) -> str:
        """100.000 → 100, 12.500 → 12.5."""
        return format(self.quantity.normalize(), "f")

    @property
    def basis_display(self) -> str:
        return "、".join(BASIS_LABELS.get(code, code) for code in self.basis.split(",") if code)


class UnmatchedRow(models.Model):
    """未匹配记录: a valid row of an import whose producer is not in the register of the
    import's region, kept with its data so it can be matched once the producer is
    registered (重新匹配)."""

    trace_import = models.ForeignKey(TraceImport, on_delete=models.CASCADE,
                                     related_name="unmatched_rows", verbose_name="导入")
    row = models.PositiveIntegerField("行号")
    kind = models.CharField("类型", max_length=12, choices=TraceImport.KINDS)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    name = models.CharField("主体名称", max_length=200)
    data = models.JSONField("数据", default=dict)
    matched_at = models.DateTimeField("匹配时间", null=True, blank=True)
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="匹配到的主体")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "未匹配记录"
        verbose_name_plural = "未匹配记录"
        ordering = ["trace_import_id", "row"]

    def __str__(self):
        return f"{self.trace_import_id}:{self.row}"


register(TraceImport, region="region__", owner=None, hidden_from=NOT_TRACE)
register(UnmatchedRow, region="trace_import__region__", owner=None, hidden_from=NOT_TRACE)
register(TraceProducer, region="producer__", owner="producer_id", hidden_from=NOT_TRACE)
register(Certificate, region="producer__", owner="producer_id", hidden_from=NOT_TRACE)
