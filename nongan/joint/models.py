"""Joint supervision with other agencies (联合监管, 实施方案 二): referring a penalty case to the
agency it belongs to (案件移送) with its documents and the agency's answers, and joint
inspections (联合检查) where officers of several agencies check together.

The time limits of a referral are data (`joint/data/deadlines.csv`, see its README) read by
`joint.deadlines`; `answer_due` is stored so "overdue" is a query.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from nongan.core.scoping import register

KINDS = [
    ("criminal", "涉嫌犯罪移送公安机关"),
    ("circulation", "流通环节移送市场监管部门"),
    ("environment", "环境污染移送生态环境部门"),
    ("other", "其他"),
]
STATES = [
    ("sent", "已移送"),
    ("received", "对方已接收"),
    ("accepted", "已受理/立案"),
    ("declined", "不予受理/退回"),
    ("closed", "办结"),
]
# A referral stays open until the agency declines it or reports its outcome; one open
# referral per case and agency.
OPEN_STATES = ("sent", "received", "accepted")
AWAITING_ANSWER = ("sent", "received")
DOCUMENT_KINDS = [
    ("letter", "移送书"),
    ("report", "调查报告"),
    ("items", "涉案物品清单"),
    ("test", "检验报告"),
    ("reply", "对方回复文书"),
    ("other", "其他"),
]
# Enforcement work: labs, grid workers and producers have no part in it (a producer is not
# told its case went to the police through this system).
HIDDEN_FROM = ("lab_staff", "grid_worker", "producer")


class Referral(models.Model):
    """案件移送: a penalty case referred to another agency (涉嫌犯罪移送公安机关, 移送市场监管
    部门 …) with its numbered 移送书, and what the agency answered."""

    case = models.ForeignKey("enforcement.Case", on_delete=models.PROTECT,
                             related_name="referrals", verbose_name="案件")
    agency = models.ForeignKey("exchange.Agency", on_delete=models.PROTECT,
                               related_name="referrals", verbose_name="移送部门")
    kind = models.CharField("移送类型", max_length=12, choices=KINDS)
    reason = models.TextField("移送理由")
    legal_basis = models.TextField("移送依据")
    referral_no = models.CharField("移送书编号", max_length=60, unique=True)
    state = models.CharField("状态", max_length=10, choices=STATES, default="sent")
    reported_on = models.DateField("移送报告日期", null=True, blank=True)
    approved_on = models.DateField("批准移送日期", null=True, blank=True)
    approver = models.CharField("批准人", max_length=50, blank=True)
    sent_on = models.DateField("移送日期")
    answer_due = models.DateField("答复期限", db_index=True)
    answer_due_custom = models.BooleanField("答复期限为人工设定", default=False)
    received_on = models.DateField("对方接收日期", null=True, blank=True)
    accepted_on = models.DateField("受理/立案日期", null=True, blank=True)
    declined_on = models.DateField("不予受理日期", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    agency_case_no = models.CharField("对方受理/立案文号", max_length=60, blank=True)
    decline_reason = models.TextField("不予受理/退回理由", blank=True)
    outcome = models.TextField("办理结果", blank=True)
    handed_over_on = models.DateField("涉案物品移交日期", null=True, blank=True)
    handover_note = models.CharField("移交说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "案件移送"
        verbose_name_plural = "案件移送"
        ordering = ["-sent_on", "-pk"]
        constraints = [models.UniqueConstraint(
            fields=["case", "agency"], condition=Q(state__in=OPEN_STATES),
            name="one_open_referral_per_case_and_agency")]

    def __str__(self):
        return self.referral_no

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReferralDocument(models.Model):
    """移送材料: a document sent with a referral (移送书, 调查报告, 涉案物品清单, 检验报告) or
    the agency's answer, checked by its content (PDF, JPEG, PNG) and kept in storage."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("材料类型", max_length=8, choices=DOCUMENT_KINDS)
    name = models.CharField("名称", max_length=120)
    file = models.FileField(upload_to="referrals/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    generated = models.BooleanField("系统生成", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "移送材料"
        verbose_name_plural = "移送材料"
        ordering = ["referral", "pk"]

    def __str__(self):
        return f"{self.referral_id} {self.get_kind_display()} {self.name}"


class ReferralAnswer(models.Model):
    """移送回复: one answer of the agency (接收回执, 立案/受理通知, 不予立案/退回, 办结) as its
    letter states it."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="answers")
    state = models.CharField("回复", max_length=10, choices=STATES)
    letter_on = models.DateField("回复日期")
    letter_no = models.CharField("回复文号", max_length=60, blank=True)
    text = models.TextField("回复内容", blank=True)
    document = models.ForeignKey(ReferralDocument, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name="回复扫描件")
    # Entered by our officer from the agency's letter, or sent by the agency's own system
    # with its API key (exactly one of the two).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey("exchange.ApiKey", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                verbose_name="对方系统接口密钥")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "移送回复"
        verbose_name_plural = "移送回复"
        ordering = ["referral", "letter_on", "pk"]

    def __str__(self):
        return f"{self.referral_id} {self.state} {self.letter_on}"


class JointInspection(models.Model):
    """联合检查: an inspection or spot check made together with officers of other agencies,
    with everyone who took part."""

    title = models.CharField("名称", max_length=120)
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="区")
    inspected_on = models.DateField("检查日期")
    agencies = models.ManyToManyField("exchange.Agency", related_name="joint_inspections",
                                      verbose_name="参加部门")
    inspections = models.ManyToManyField("inspections.Inspection", blank=True,
                                         related_name="joint_inspections",
                                         verbose_name="检查记录")
    spot_check = models.ForeignKey("enforcement.SpotCheck", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="joint_inspections",
                                   verbose_name="双随机抽查")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联合检查"
        verbose_name_plural = "联合检查"
        ordering = ["-inspected_on", "-pk"]

    def __str__(self):
        return self.title


class JointParticipant(models.Model):
    """联合检查人员: one person on a joint inspection — our officer (an account of the
    district, `agency` empty) or a partner agency's officer."""

    joint_inspection = models.ForeignKey(JointInspection, on_delete=models.CASCADE,
                                         related_name="participants")
    agency = models.ForeignKey("exchange.Agency", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               verbose_name="所属部门")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", verbose_name="账号")
    name = models.CharField("姓名", max_length=50)
    card_no = models.CharField("执法证号", max_length=40, blank=True)
    role_note = models.CharField("分工", max_length=100, blank=True)
    position = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        verbose_name = "联合检查人员"
        verbose_name_plural = "联合检查人员"
        ordering = ["joint_inspection", "position", "pk"]

    def __str__(self):
        return self.name


register(Referral, region="case__", owner=None, hidden_from=HIDDEN_FROM)
register(ReferralDocument, region="referral__case__", owner=None, hidden_from=HIDDEN_FROM)
register(ReferralAnswer, region="referral__case__", owner=None, hidden_from=HIDDEN_FROM)
# A joint inspection is the district's: everyone of the district (town officers too) reads it.
register(JointInspection, region="district__", upward=True, owner=None,
         hidden_from=HIDDEN_FROM)
register(JointParticipant, region="joint_inspection__district__", upward=True, owner=None,
         hidden_from=HIDDEN_FROM)
