"""Enforcement (执法监管, 实施方案 三.(三) and 四.(四).4): 双随机、一公开 spot checks and
administrative penalty cases, with what of them the public sees.

The 一单两库 are the matters list (`Matter`), the target directory (the producer register)
and the inspector directory (enforcement officers with their certificates, people.User).
"""

from django.conf import settings
from django.db import models

from nongan.core.scoping import register
from nongan.inspections.models import ChecklistTemplate, Inspection
from nongan.monitoring.models import FollowUp, Sample
from nongan.producers.models import CREDIT_GRADES, Producer
from nongan.regions.models import Region, RegionScoped

CHECK_RESULTS = [
    ("pass", "未发现问题"),
    ("rectify", "责令整改"),
    ("refer", "立案查处"),
    ("absent", "无法检查"),
]


class Matter(models.Model):
    """随机抽查事项: one line of the spot-check list (随机抽查事项清单) — what is checked,
    on which legal basis, of whom and how. A city line (region = the city) applies in
    every district; a district adds its own."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="制定单位辖区")
    code = models.CharField("事项编码", max_length=20)
    name = models.CharField("抽查事项", max_length=120)
    legal_basis = models.TextField("抽查依据")
    scope = models.CharField("抽查对象", max_length=200)
    method = models.CharField("抽查方式", max_length=120)
    template = models.ForeignKey(ChecklistTemplate, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name="检查表")
    active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "随机抽查事项"
        verbose_name_plural = "随机抽查事项"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"],
                                               name="unique_matter_code")]

    def __str__(self):
        return f"{self.code} {self.name}"


class ConflictDeclaration(models.Model):
    """回避声明: an officer's declared interest in one producer or a whole town; a draw
    never sends the officer there."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="conflicts", verbose_name="执法人员")
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="生产主体")
    town = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="镇（街道）")
    reason = models.CharField("回避理由", max_length=200)
    declared_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "回避声明"
        verbose_name_plural = "回避声明"
        ordering = ["-declared_at"]
        constraints = [models.CheckConstraint(
            condition=models.Q(producer__isnull=False) | models.Q(town__isnull=False),
            name="conflict_names_producer_or_town")]

    def __str__(self):
        return f"{self.officer_id} 回避 {self.producer_id or self.town_id}"


class SpotCheck(models.Model):
    """双随机抽查计划: a draw of targets and inspector teams for one matter.

    At planning the population and the officer pool are frozen in `snapshot` and a random
    `seed` is chosen; only `seed_hash` (SHA-256 of the seed) and `snapshot_hash` are shown
    until the draw, so neither can be changed afterwards. The draw reveals the seed and
    derives targets and teams from seed + snapshot alone (see enforcement.draws), so anyone
    can replay it.
    """

    STATES = [("planned", "已公布待抽取"), ("drawn", "已抽取"), ("cancelled", "已取消")]
    STRATIFY = [("", "不分层"), ("town", "按镇（街道）分层")]
    title = models.CharField("计划名称", max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name="实施辖区")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="spot_checks",
                               verbose_name="抽查事项")
    population = models.JSONField("抽查对象范围", default=dict)
    count = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    share = models.DecimalField("抽取比例", max_digits=5, decimal_places=4,
                                null=True, blank=True)
    grade_shares = models.JSONField("按信用等级抽取比例", default=dict, blank=True)
    stratify_by = models.CharField("分层", max_length=8, choices=STRATIFY, blank=True)
    team_size = models.PositiveSmallIntegerField("每组检查人员数", default=2)
    exclude_months = models.PositiveSmallIntegerField("排除近N个月已检查对象", default=0)
    period_start = models.DateField("检查开始日期")
    period_end = models.DateField("检查结束日期")
    seed = models.CharField("随机种子", max_length=64)
    seed_hash = models.CharField("随机种子哈希", max_length=64)
    snapshot = models.JSONField("对象与人员快照", default=dict)
    snapshot_hash = models.CharField("快照哈希", max_length=64)
    state = models.CharField("状态", max_length=10, choices=STATES, default="planned")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "双随机抽查计划"
        verbose_name_plural = "双随机抽查计划"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class Target(models.Model):
    """抽查对象: one drawn producer, its inspector team, and what the check found."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="targets")
    position = models.PositiveIntegerField("序号")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT,
                                 related_name="spot_checks", verbose_name="抽查对象")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                             verbose_name="镇（街道）")
    grade = models.CharField("抽取时信用等级", max_length=1, choices=CREDIT_GRADES)
    team = models.JSONField("检查组（账号）", default=list)
    inspection = models.ForeignKey(Inspection, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="检查记录")
    samples = models.ManyToManyField(Sample, blank=True, related_name="+",
                                     verbose_name="监督抽检样品")
    result = models.CharField("检查结果", max_length=8, choices=CHECK_RESULTS, blank=True)
    result_note = models.TextField("结果说明", blank=True)
    concluded_on = models.DateField("结果形成日期", null=True, blank=True)
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    publish_due = models.DateField("公示期限", null=True, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查对象"
        verbose_name_plural = "抽查对象"
        ordering = ["spot_check", "position"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "producer"],
                                               name="unique_target_per_draw")]

    def __str__(self):
        return f"{self.spot_check_id}#{self.position} {self.producer_id}"


class LegalBasis(models.Model):
    """处罚依据: an article of the 农产品质量安全法 (2022) or the 农药管理条例 with the
    penalty it sets — reference data, editable."""

    code = models.CharField("编码", max_length=24, unique=True)
    law = models.CharField("法律法规", max_length=60)
    article = models.CharField("条款", max_length=30)
    violation = models.CharField("违法行为", max_length=200)
    penalty = models.TextField("处罚种类和幅度")
    serious = models.BooleanField("通常属严重违法", default=False)
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "处罚依据"
        verbose_name_plural = "处罚依据"
        ordering = ["code"]

    def __str__(self):
        return f"《{self.law}》{self.article}"


class Case(RegionScoped):
    """行政处罚案件: one case against one party, from its source to 结案; every stage is a
    `CaseStep` with its dated, numbered document. Region columns are the party's."""

    SOURCES = [
        ("spot_check", "双随机抽查"),
        ("sample", "抽检不合格"),
        ("inspection", "巡查移交"),
        ("complaint", "投诉举报"),
        ("other", "其他"),
    ]
    STAGES = [
        ("registered", "立案"),
        ("investigation", "调查取证"),
        ("notice", "事先告知"),
        ("hearing", "听证"),
        ("decision", "处罚决定"),
        ("service", "送达"),
        ("execution", "执行"),
        ("closed", "结案"),
        ("revoked", "撤销"),
    ]
    case_no = models.CharField("案件编号", max_length=60, unique=True)
    title = models.CharField("案由", max_length=200)
    source = models.CharField("案件来源", max_length=12, choices=SOURCES)
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases", verbose_name="抽查对象")
    sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="不合格样品")
    follow_up = models.ForeignKey(FollowUp, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="不合格处置")
    inspection = models.ForeignKey(Inspection, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="移交的检查")
    complaint = models.TextField("投诉举报内容", blank=True)
    party = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="cases",
                              verbose_name="当事人")
    facts = models.TextField("违法事实", blank=True)
    legal_bases = models.ManyToManyField(LegalBasis, blank=True, related_name="+",
                                         verbose_name="处罚依据")
    penalties = models.JSONField("处罚种类", default=list, blank=True)
    fine = models.DecimalField("罚款金额（元）", max_digits=12, decimal_places=2,
                               null=True, blank=True)
    serious = models.BooleanField("严重违法", default=False)
    officers = models.JSONField("承办人员（账号）", default=list)
    stage = models.CharField("当前环节", max_length=14, choices=STAGES, default="registered")
    opened_on = models.DateField("立案日期")
    decision_due = models.DateField("作出决定期限")
    decided_on = models.DateField("决定日期", null=True, blank=True)
    payment_due = models.DateField("缴款期限", null=True, blank=True)
    paid_on = models.DateField("缴款日期", null=True, blank=True)
    paid_amount = models.DecimalField("实缴金额（元）", max_digits=12, decimal_places=2,
                                      null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "行政处罚案件"
        verbose_name_plural = "行政处罚案件"
        ordering = ["-opened_on", "-pk"]

    def __str__(self):
        return self.case_no


class CaseStep(models.Model):
    """案件环节: one dated stage of a case (or an extension, a hearing request, a payment)
    with the document it produced, numbered and frozen as rendered."""

    KINDS = Case.STAGES + [
        ("extension", "延长办案期限"),
        ("hearing_request", "听证申请"),
        ("payment", "缴纳罚款"),
    ]
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField("环节", max_length=16, choices=KINDS)
    occurred_on = models.DateField("日期")
    doc_kind = models.CharField("文书", max_length=40, blank=True)
    doc_no = models.CharField("文书编号", max_length=60, blank=True)
    document = models.TextField("文书内容", blank=True)
    details = models.JSONField("事项", default=dict, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "案件环节"
        verbose_name_plural = "案件环节"
        ordering = ["occurred_on", "pk"]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.occurred_on}"


class DeclinedLead(models.Model):
    """不予立案: a lead handed to enforcement — a referred spot-check target, a failed sample
    handed over, a referred inspection — checked and not opened as a case, with the reason.
    It leaves the to-do list; a case may still be opened later within the time bar."""

    SOURCES = [s for s in Case.SOURCES if s[0] in ("spot_check", "sample", "inspection")]
    source = models.CharField("案源", max_length=12, choices=SOURCES)
    target = models.OneToOneField(Target, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="抽查对象")
    sample = models.OneToOneField(Sample, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="不合格样品")
    inspection = models.OneToOneField(Inspection, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      verbose_name="移交的检查")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="生产主体")
    reason = models.TextField("不予立案理由")
    decided_on = models.DateField("决定日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "不予立案"
        verbose_name_plural = "不予立案"
        ordering = ["-decided_on", "-pk"]

    def __str__(self):
        return f"不予立案 {self.source} {self.producer_id}"


class DocumentSequence(models.Model):
    """The last number issued per document prefix (authority, kind, year)."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "文书编号序列"

    def __str__(self):
        return f"{self.prefix}:{self.last}"


class PenaltyNotice(models.Model):
    """行政处罚决定公示: what the public sees of a decision — a masked copy made at
    publication, shown until `display_until`, taken down on revocation."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="notice")
    due_on = models.DateField("公示期限")
    content = models.JSONField("公示内容（已脱敏）", default=dict)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    display_until = models.DateField("公示截止日期", null=True, blank=True)
    withdraw_due = models.DateField("撤下期限", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤下时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤下理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "行政处罚决定公示"
        verbose_name_plural = "行政处罚决定公示"
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return f"公示 {self.case_id}"


# Penalty cases and recusals are the enforcement side's; labs and grid workers have no part.
NOT_ENFORCEMENT = ("lab_staff", "grid_worker")

register(Matter, region="region__", upward=True)
register(ConflictDeclaration, region="officer__region__", hidden_from=NOT_ENFORCEMENT)
register(SpotCheck, region="region__", upward=True)
register(Target, region="spot_check__region__", upward=True, owner="producer_id")
register(LegalBasis, region=None)
register(Case, owner="party_id", hidden_from=NOT_ENFORCEMENT)
register(CaseStep, region="case__", owner="case__party_id", hidden_from=NOT_ENFORCEMENT)
register(DeclinedLead, region="producer__", hidden_from=NOT_ENFORCEMENT)
register(DocumentSequence, region=None)
register(PenaltyNotice, region="case__", owner="case__party_id",
         hidden_from=NOT_ENFORCEMENT)
