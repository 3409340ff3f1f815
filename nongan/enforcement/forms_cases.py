"""Forms of the penalty-case pages. They parse what the browser sends; the rules (who may
handle a case, the order of the steps, the time limits, the amounts) are the services',
whose `FieldErrors` the views put back beside each field, in Chinese."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from nongan.people.models import User

from . import case_rules as rules
from .models import Case, LegalBasis
from .services.cases import SERVICE_METHODS, STEP_LABELS

PENALTY_ROWS = 3
SORTS = ["opened_on", "case_no", "decision_due", "party", "stage"]
DATE = {"type": "date"}


def district_officers(district_id):
    """The district's enforcement officers, those with a valid card first."""
    return (User.objects.filter(role="enforcement_officer", is_active=True,
                                region__district=district_id)
            .order_by("-enforcement_card_valid_to", "username"))


def officer_choices(district_id) -> list[tuple[str, str]]:
    today = timezone.localdate()
    choices = []
    for u in district_officers(district_id):
        valid = u.enforcement_card_valid_to and u.enforcement_card_valid_to >= today
        card = (f"执法证 {u.enforcement_card_no}" if valid and u.enforcement_card_no
                else "无有效执法证")
        choices.append((u.username, f"{u}（{card}）"))
    return choices


class CaseFilterForm(forms.Form):
    """?stage=&source=&party=&q=&from=&to=&overdue=&sort=."""

    stage = forms.ChoiceField(required=False, choices=[("", "")] + Case.STAGES)
    source = forms.ChoiceField(required=False, choices=[("", "")] + Case.SOURCES)
    party = forms.IntegerField(required=False, min_value=1)
    q = forms.CharField(required=False, max_length=80)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    overdue = forms.BooleanField(required=False)
    sort = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = data.copy()
            for param, name in (("from", "date_from"), ("to", "date_to")):
                if param in data and name not in data:
                    data[name] = data[param]
        super().__init__(data, **kwargs)

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or ""
        return sort if sort.lstrip("-") in SORTS else "-opened_on"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _lazy("截止日期不能早于起始日期"))
        return cleaned


class CaseForm(forms.Form):
    """立案: the source and its record, the party, 案由, facts and the officers."""

    source = forms.ChoiceField(label=_lazy("案件来源"), choices=Case.SOURCES, required=False)
    target = forms.IntegerField(label=_lazy("抽查对象编号"), required=False, min_value=1)
    sample = forms.CharField(label=_lazy("不合格样品编号"), required=False, max_length=24)
    inspection = forms.IntegerField(label=_lazy("巡查记录编号"), required=False, min_value=1)
    complaint = forms.CharField(label=_lazy("投诉举报内容"), required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    party = forms.IntegerField(label=_lazy("当事人（生产主体编号）"), required=False,
                               min_value=1, widget=forms.NumberInput(attrs={"list": "parties"}),
                               help_text=_lazy("有案源的，当事人为案源涉及的生产主体"))
    title = forms.CharField(label=_lazy("案由"), required=False, max_length=200)
    facts = forms.CharField(label=_lazy("案情摘要"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    officers = forms.MultipleChoiceField(label=_lazy("承办人员"), required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=_lazy("两名以上持有效执法证的执法人员"))
    opened_on = forms.DateField(label=_lazy("立案日期"), required=False,
                                widget=forms.DateInput(attrs=DATE))
    violation_on = forms.DateField(label=_lazy("违法行为发生日期"), required=False,
                                   widget=forms.DateInput(attrs=DATE),
                                   help_text=_lazy("不填则按案源日期计算两年追责时效"))
    health_harm = forms.BooleanField(label=_lazy("涉及公民生命健康安全（追责时效五年）"),
                                     required=False)

    def __init__(self, *args, district_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].choices = officer_choices(district_id)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("opened_on"):
            data.pop("opened_on", None)
        return data


# The fields each step asks for, in the order the form shows them.
STEP_FIELDS = {
    "investigation": ["occurred_on", "evidence", "officers", "site_check", "note"],
    "notice": ["occurred_on", "facts", "legal_bases"],
    "hearing_request": ["occurred_on", "hearing_on", "place", "host"],
    "hearing": ["occurred_on", "host", "summary"],
    "extension": ["occurred_on", "days", "approval", "approver", "reason"],
    "decision": ["occurred_on", "facts", "legal_bases", "serious"],
    "service": ["occurred_on", "method", "recipient", "address"],
    "payment": ["occurred_on", "amount"],
    "execution": ["occurred_on", "measure", "text"],
    "closed": ["occurred_on", "summary"],
    "revoked": ["occurred_on", "reason"],
}
WITH_PENALTIES = {"notice", "decision"}
DATE_LABELS = {"investigation": _lazy("调查日期"), "notice": _lazy("告知书送达日期"),
               "hearing_request": _lazy("申请日期"), "hearing": _lazy("听证日期"),
               "extension": _lazy("批准日期"), "decision": _lazy("决定日期"),
               "service": _lazy("送达日期"), "payment": _lazy("缴款日期"),
               "execution": _lazy("执行日期"), "closed": _lazy("结案日期"),
               "revoked": _lazy("撤销日期")}


def _all_fields(case) -> dict:
    bases = [(b.code, f"{b}：{b.violation[:40]}") for b in LegalBasis.objects.filter(active=True)]
    return {
        "occurred_on": forms.DateField(required=False, widget=forms.DateInput(attrs=DATE)),
        "evidence": forms.CharField(label=_lazy("证据清单"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_lazy("每行一项，如：抽样单、检测报告、询问笔录")),
        "officers": forms.MultipleChoiceField(
            label=_lazy("调查人员"), required=False, widget=forms.CheckboxSelectMultiple,
            choices=officer_choices(case.district_id), initial=case.officers),
        "site_check": forms.CharField(label=_lazy("现场检查情况（填写则生成现场检查笔录）"),
                                      required=False, widget=forms.Textarea(attrs={"rows": 3})),
        "note": forms.CharField(label=_lazy("备注"), required=False, max_length=2000),
        "facts": forms.CharField(label=_lazy("违法事实"), required=False, initial=case.facts,
                                 widget=forms.Textarea(attrs={"rows": 4})),
        "legal_bases": forms.MultipleChoiceField(label=_lazy("处罚依据"), required=False,
                                                 widget=forms.CheckboxSelectMultiple,
                                                 choices=bases),
        "serious": forms.BooleanField(label=_lazy("严重违法行为（公示6至36个月）"),
                                      required=False),
        "hearing_on": forms.DateField(label=_lazy("听证日期"), required=False,
                                      widget=forms.DateInput(attrs=DATE)),
        "place": forms.CharField(label=_lazy("听证地点"), required=False, max_length=200),
        "host": forms.CharField(label=_lazy("听证主持人"), required=False, max_length=50),
        "summary": forms.CharField(label=_lazy("情况说明"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3})),
        "days": forms.IntegerField(label=_lazy("延长天数"), required=False,
                                   initial=rules.EXTENSION_DAYS),
        "approval": forms.ChoiceField(label=_lazy("批准方式"), required=False,
                                      choices=[("", "—")] + rules.APPROVALS),
        "approver": forms.CharField(label=_lazy("批准人"), required=False, max_length=50),
        "reason": forms.CharField(label=_lazy("理由"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2})),
        "method": forms.ChoiceField(label=_lazy("送达方式"), required=False,
                                    choices=[("", "—")] + [(m, m) for m in SERVICE_METHODS]),
        "recipient": forms.CharField(label=_lazy("受送达人（签收人）"), required=False,
                                     max_length=50),
        "address": forms.CharField(label=_lazy("送达地点"), required=False, max_length=200),
        "amount": forms.CharField(label=_lazy("缴款金额（元）"), required=False, max_length=20),
        "measure": forms.CharField(label=_lazy("执行方式"), required=False, max_length=200,
                                   help_text=_lazy("如：没收违法所得已上缴、申请人民法院强制执行")),
        "text": forms.CharField(label=_lazy("执行情况"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3})),
    }


class StepForm(forms.Form):
    """One step of a case: only the fields of its kind (STEP_FIELDS), prefixed by it."""

    def __init__(self, *args, kind, case, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind = kind
        fields = _all_fields(case)
        for name in STEP_FIELDS[kind]:
            self.fields[name] = fields[name]
        self.fields["occurred_on"].label = DATE_LABELS[kind]
        self.fields["occurred_on"].initial = timezone.localdate()
        if kind == "hearing":
            self.fields["summary"].label = _lazy("听证情况及当事人意见")
        elif kind == "closed":
            self.fields["summary"].label = _lazy("结案意见")
        self.penalty_rows = []
        if kind in WITH_PENALTIES:
            self.penalty_rows = penalty_rows(self.data if self.is_bound else None, kind)

    @property
    def label(self) -> str:
        return STEP_LABELS[self.kind]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(r["errors"] for r in self.penalty_rows)

    def service_data(self) -> dict:
        data = {"kind": self.kind} | {k: v for k, v in self.cleaned_data.items()
                                      if v not in (None, "", [])}
        if self.kind == "investigation":
            data["evidence"] = (data.get("evidence") or "").splitlines()
        if self.kind in WITH_PENALTIES:
            data["penalties"] = [{"kind": r["kind"], "amount": r["amount"], "text": r["text"]}
                                 for r in self.penalty_rows if r["kind"] or r["amount"]
                                 or r["text"]]
        if self.kind == "decision":
            data["serious"] = bool(self.cleaned_data.get("serious"))
        # A value the form could not read goes to the service as sent, which names the
        # field's problem in its own words (instead of the value silently missing).
        for name in self.errors:
            if name in self.fields and self.data.get(self.add_prefix(name)):
                data[name] = self.data[self.add_prefix(name)]
        return data

    def show_errors(self, errors) -> None:
        """Put the service's errors beside their fields (penalty rows by row)."""
        for loc, message in errors:
            name = str(loc[0]) if loc else ""
            if name == "penalties" and len(loc) == 3 and loc[1] < len(self.penalty_rows):
                self.penalty_rows[loc[1]]["errors"][str(loc[2])] = message
            elif name == "penalties":
                self.add_error(None, message)
            else:
                self.add_error(name if name in self.fields else None, message)


def penalty_rows(post, kind) -> list[dict]:
    """The penalty table as posted (parallel lists), or its empty rows."""
    if post is None:
        return [{"kind": "", "amount": "", "text": "", "errors": {}} for _ in range(PENALTY_ROWS)]
    kinds, amounts, texts = (post.getlist(f"{kind}-p_{k}") for k in ("kind", "amount", "text"))
    n = max(PENALTY_ROWS, len(kinds), len(amounts), len(texts))
    return [{"kind": _at(kinds, i), "amount": _at(amounts, i), "text": _at(texts, i),
             "errors": {}} for i in range(n)]


def _at(values, i) -> str:
    return values[i].strip() if i < len(values) else ""


class PublishForm(forms.Form):
    """公示期: the months allowed for the case's seriousness, the longest preselected; the
    service checks the number sent."""

    display_months = forms.CharField(label=_lazy("公示期（月）"), required=False,
                                     widget=forms.Select)

    def __init__(self, *args, serious, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = rules.display_range(serious)
        field = self.fields["display_months"]
        field.widget.choices = [(str(m), str(m)) for m in range(low, high + 1)]
        field.initial = str(rules.default_display_months(serious))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_lazy("撤下理由"), required=False, max_length=200)
