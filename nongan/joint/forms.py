"""Forms of the referral and joint-inspection pages. They collect what the browser sends;
the services check it, and their `FieldErrors` go back beside each field (`show_errors`)."""

import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from nongan.core.scoping import visible
from nongan.enforcement.models import SpotCheck
from nongan.exchange.models import Agency
from nongan.inspections.models import Inspection
from nongan.people.models import User

from .models import DOCUMENT_KINDS, KINDS
from .services import OFFICER_ROLES

PARTNER_ROWS = 4
ANSWER_CHOICES = [("received", _lazy("对方已接收（签收回执）")),
                  ("accepted", _lazy("已受理/立案")),
                  ("declined", _lazy("不予受理/退回")),
                  ("closed", _lazy("办结"))]


def date_input():
    # ISO, whatever the language: a date input reads nothing else.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def agency_choices(user) -> list[tuple[int, str]]:
    return [(a.pk, f"{a.name}（{a.get_kind_display()}）")
            for a in visible(Agency, user).filter(active=True).order_by("kind", "name")]


class Offered:
    """A choice field whose choices are what the page offers, not a rule: any value goes to
    the service, which says what is wrong with it (or answers 404 for another district's)."""

    def valid_value(self, value) -> bool:
        return True


class OfferedChoice(Offered, forms.TypedChoiceField):
    pass


class OfferedChoices(Offered, forms.TypedMultipleChoiceField):
    pass


class ShowErrors:
    def show_errors(self, errors) -> None:
        """Service messages beside their fields; the rest above the form."""
        for loc, message in errors:
            names = [str(part) for part in loc]
            field = next((n for n in names if n in self.fields), None)
            self.add_error(field, message)


class ReferralForm(ShowErrors, forms.Form):
    agency = OfferedChoice(label=_lazy("移送部门"), required=False, empty_value=None)
    kind = forms.ChoiceField(label=_lazy("移送类型"), choices=KINDS, required=False)
    reason = forms.CharField(label=_lazy("移送理由"), required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_lazy("涉嫌的违法犯罪事实，如：涉案金额、情节、后果"))
    legal_basis = forms.CharField(label=_lazy("移送依据"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_lazy("留空则按移送类型填入默认依据"))
    sent_on = forms.DateField(label=_lazy("移送日期"), required=False,
                              widget=date_input())
    reported_on = forms.DateField(label=_lazy("移送报告日期"), required=False,
                                  widget=date_input(),
                                  help_text=_lazy("涉嫌犯罪移送：专案组提出书面报告的日期"))
    approved_on = forms.DateField(label=_lazy("批准移送日期"), required=False,
                                  widget=date_input())
    approver = forms.CharField(label=_lazy("批准人"), required=False, max_length=50)
    answer_due = forms.DateField(label=_lazy("答复期限"), required=False,
                                 widget=date_input(),
                                 help_text=_lazy("留空则按规定计算"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "—")] + agency_choices(user)
        if not self.is_bound:
            self.initial.setdefault("sent_on", timezone.localdate())

    def service_data(self) -> dict:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {k: v for k, v in data.items() if v not in (None, "")}


class AnswerForm(ShowErrors, forms.Form):
    state = forms.ChoiceField(label=_lazy("对方回复"), choices=ANSWER_CHOICES, required=False)
    on = forms.DateField(label=_lazy("回复日期"), required=False,
                         widget=date_input())
    letter_no = forms.CharField(label=_lazy("对方文号"), required=False, max_length=60,
                                help_text=_lazy("如立案决定书、不予立案通知书的文号"))
    text = forms.CharField(label=_lazy("回复内容"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_lazy("不予受理须写明理由；办结须写明办理结果"))
    scan = forms.FileField(label=_lazy("回复扫描件（PDF、JPEG、PNG）"), required=False)

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["state"].choices = [c for c in ANSWER_CHOICES if c[0] in choices]


class DocumentForm(ShowErrors, forms.Form):
    kind = forms.ChoiceField(label=_lazy("材料类型"), choices=DOCUMENT_KINDS, required=False)
    name = forms.CharField(label=_lazy("名称"), required=False, max_length=120)
    file = forms.FileField(label=_lazy("文件（PDF、JPEG、PNG）"), required=False)


class HandoverForm(ShowErrors, forms.Form):
    on = forms.DateField(label=_lazy("移交日期"), required=False,
                         widget=date_input())
    note = forms.CharField(label=_lazy("移交说明"), required=False, max_length=300)


# The district's own officers and enforcement officers are offered as boxes; town officers
# and grid workers (1,576 in 浦东 at city scale) only those of the user's own town, the
# others by account name.
DISTRICT_WIDE_ROLES = ("district_officer", "enforcement_officer")


def offered_staff(user):
    staff = User.objects.filter(role__in=OFFICER_ROLES, is_active=True,
                                region__district=user.region.district_id)
    wide = Q(role__in=DISTRICT_WIDE_ROLES)
    if user.region.town_id:
        wide |= Q(region__town=user.region.town_id)
    return staff.filter(wide | Q(pk=user.pk)).order_by("role", "username")


def account_names(text: str) -> list[str]:
    return [name for name in re.split(r"[\s,，、;；]+", text or "") if name]


class JointInspectionForm(ShowErrors, forms.Form):
    """联合检查: partners come as rows (agency, name, card number, role) like the penalty rows
    of a decision; our officers are chosen among the district's accounts."""

    title = forms.CharField(label=_lazy("检查名称"), required=False, max_length=120)
    inspected_on = forms.DateField(label=_lazy("检查日期"), required=False,
                                   widget=date_input())
    agencies = OfferedChoices(label=_lazy("参加部门"), required=False,
                              widget=forms.CheckboxSelectMultiple)
    officers = OfferedChoices(label=_lazy("本区参加人员"), required=False,
                              widget=forms.CheckboxSelectMultiple, help_text=_lazy("至少两人"))
    other_officers = forms.CharField(
        label=_lazy("其他本区人员账号"), required=False, max_length=500,
        help_text=_lazy("未列出的本区人员（如其他镇的网格员），填写登录账号，多个用逗号分隔"))
    inspections = OfferedChoices(label=_lazy("关联检查记录"), required=False,
                                 widget=forms.CheckboxSelectMultiple)
    spot_check = OfferedChoice(label=_lazy("关联双随机抽查"), required=False, empty_value=None)
    note = forms.CharField(label=_lazy("说明"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, linked=(), **kwargs):
        super().__init__(*args, **kwargs)
        district = user.region.district_id
        self.agency_options = agency_choices(user)
        self.fields["agencies"].choices = self.agency_options
        self.fields["officers"].choices = [
            (u.username, f"{u}（{u.get_role_display()}"
             + (f"，执法证 {u.enforcement_card_no}" if u.enforcement_card_no else "") + "）")
            for u in offered_staff(user)]
        recent = list(visible(Inspection, user).filter(district=district)
                      .select_related("producer").order_by("-finished_at")[:30])
        extra = [i for i in visible(Inspection, user).filter(district=district,
                                                             pk__in=linked)
                 .select_related("producer") if i not in recent]
        self.fields["inspections"].choices = [
            (i.pk, f"#{i.pk} {i.producer.name} {timezone.localtime(i.finished_at):%Y-%m-%d}")
            for i in extra + recent]
        self.fields["spot_check"].choices = [("", "—")] + [
            (s.pk, s.title) for s in visible(SpotCheck, user).filter(region__district=district)
            .order_by("-created_at")[:50]]
        if not self.is_bound:
            self.initial.setdefault("inspected_on", timezone.localdate())
            self.initial.setdefault("officers", [user.username])
        self.rows = self._rows()

    def show_errors(self, errors) -> None:
        super().show_errors([(self._officer_field(tuple(loc)) or loc, msg)
                             for loc, msg in errors])

    def _officer_field(self, loc) -> tuple | None:
        """"须有2名以上本区工作人员参加" belongs beside the officers chosen; an account the
        service refused beside the box or the text it came from."""
        if loc == ("participants",):
            return ("officers",)
        if len(loc) == 3 and loc[0] == "participants" and loc[2] == "user":
            checked = len(self.cleaned_data.get("officers") or [])
            return ("officers",) if int(loc[1]) < checked else ("other_officers",)
        return None

    def _rows(self) -> list[dict]:
        if not self.is_bound:
            return [{"agency": "", "name": "", "card_no": "", "role": ""}
                    for _ in range(PARTNER_ROWS)]
        columns = [self.data.getlist(f"p_{k}") for k in ("agency", "name", "card_no", "role")]
        rows = [dict(zip(("agency", "name", "card_no", "role"), values, strict=True))
                for values in zip(*columns, strict=False)]
        rows = [r for r in rows if any(v.strip() for v in r.values())]
        return rows + [{"agency": "", "name": "", "card_no": "", "role": ""}
                       for _ in range(max(1, PARTNER_ROWS - len(rows)))]

    def service_data(self) -> dict:
        data = self.cleaned_data
        partners = [r for r in self.rows if any(v.strip() for v in r.values())]
        return {"title": data.get("title"), "inspected_on": data.get("inspected_on"),
                "agencies": data.get("agencies") or [], "note": data.get("note"),
                "inspections": data.get("inspections") or [],
                "spot_check": data.get("spot_check"),
                "participants": [{"user": u} for u in [
                    *(data.get("officers") or []), *account_names(data.get("other_officers"))]]
                + [{"agency": r["agency"] or None, "name": r["name"], "card_no": r["card_no"],
                    "role": r["role"]} for r in partners]}


class LinkForm(ShowErrors, forms.Form):
    inspections = forms.CharField(label=_lazy("检查记录编号"), required=False,
                                  help_text=_lazy("多个编号用逗号分隔"))
    spot_check = OfferedChoice(label=_lazy("双随机抽查"), required=False, empty_value=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spot_check"].choices = [("", "—")] + [
            (s.pk, s.title) for s in visible(SpotCheck, user)
            .filter(region__district=user.region.district_id).order_by("-created_at")[:50]]

    def service_data(self) -> dict:
        raw = (self.cleaned_data.get("inspections") or "").replace("，", ",")
        return {"inspections": [p.strip().lstrip("#") for p in raw.split(",") if p.strip()],
                "spot_check": self.cleaned_data.get("spot_check")}
