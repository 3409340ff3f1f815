"""Forms of the 双随机 pages. They parse what the browser sends; the rules are the services',
whose `FieldErrors` the views put back beside each field (`FIELD_OF` maps a service field
to the form field that shows it)."""

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from nongan.producers.models import CERT_KINDS, CREDIT_GRADES, KINDS

from .models import CHECK_RESULTS, SpotCheck
from .services.spot_checks import DEFAULT_GRADE_SHARES, GRADES, MIN_TEAM_SIZE

ALL = [("", _lazy("全部"))]
MODES = [("share", _lazy("按比例抽取")), ("count", _lazy("按数量抽取")),
         ("grade_shares", _lazy("按信用等级比例抽取"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The service's field names → the plan form's fields that show their errors.
PLAN_FIELD_OF = {"population": "region", "grade_shares": "mode",
                 **{f"population.{f}": f for f in ("region", "kind", "certification",
                                                    "credit_grade")},
                 **{f"grade_shares.{g}": f"share_{g}" for g in GRADES}}


def _share_field(grade):
    return forms.CharField(label=f"{grade}级", required=False, max_length=8,
                           initial=DEFAULT_GRADE_SHARES[grade],
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class SpotCheckForm(forms.Form):
    """制定抽查计划. Exactly one way of saying how many is sent to the service: the chosen
    `mode`'s field (the grade shares stay pre-filled with the RULES.md defaults)."""

    title = forms.CharField(label=_lazy("计划名称"), max_length=120, required=False)
    matter = forms.ChoiceField(label=_lazy("抽查事项"), required=False)
    region = forms.ChoiceField(label=_lazy("抽查区域"), required=False)
    kind = forms.ChoiceField(label=_lazy("主体类型"), required=False, choices=ALL + KINDS)
    certification = forms.ChoiceField(label=_lazy("二品一标认证"), required=False,
                                      choices=ALL + CERT_KINDS)
    credit_grade = forms.ChoiceField(label=_lazy("信用等级"), required=False,
                                     choices=ALL + CREDIT_GRADES)
    exclude_months = forms.CharField(label=_lazy("排除近几个月内已检查的对象"), required=False,
                                     initial="0", help_text=_lazy("0 为不排除"),
                                     widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    mode = forms.ChoiceField(label=_lazy("抽取方式"), choices=MODES, initial="grade_shares",
                             widget=forms.RadioSelect, required=False)
    share = forms.CharField(label=_lazy("抽取比例"), required=False, max_length=8,
                            help_text=_lazy("0–1 之间，如 0.1 即 10%"),
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    count = forms.CharField(label=_lazy("抽取数量"), required=False, max_length=6,
                            widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    share_A = _share_field("A")
    share_B = _share_field("B")
    share_C = _share_field("C")
    share_D = _share_field("D")
    stratify_by = forms.ChoiceField(label=_lazy("分层"), required=False,
                                    choices=SpotCheck.STRATIFY)
    team_size = forms.CharField(label=_lazy("每组检查人员数"), required=False,
                                initial=str(MIN_TEAM_SIZE), help_text=_lazy("不少于2人"),
                                widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    period_start = forms.CharField(label=_lazy("检查开始日期"), required=False, widget=DATE)
    period_end = forms.CharField(label=_lazy("检查结束日期"), required=False, widget=DATE)

    def __init__(self, *args, matters, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [("", _lazy("请选择"))] + [(str(m.pk), str(m))
                                                                   for m in matters]
        self.fields["region"].choices = [(r.code, r.name) for r in regions]

    def service_data(self) -> dict:
        data = self.cleaned_data
        mode = data.get("mode") or "share"
        return {
            "title": data.get("title"), "matter": data.get("matter"),
            "population": {"region": data.get("region"), "kind": data.get("kind"),
                           "certification": data.get("certification"),
                           "credit_grade": data.get("credit_grade")},
            "count": data.get("count") if mode == "count" else None,
            "share": data.get("share") if mode == "share" else None,
            "grade_shares": ({g: data.get(f"share_{g}") for g in GRADES}
                             if mode == "grade_shares" else {}),
            "stratify_by": data.get("stratify_by"), "team_size": data.get("team_size"),
            "exclude_months": data.get("exclude_months"),
            "period_start": data.get("period_start"), "period_end": data.get("period_end"),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(label=_lazy("取消理由"), required=False, max_length=200)


class ResultForm(forms.Form):
    """记录检查结果 of one target."""

    result = forms.ChoiceField(label=_lazy("检查结果"), required=False,
                               choices=[("", _lazy("请选择"))] + CHECK_RESULTS)
    note = forms.CharField(label=_lazy("结果说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    inspection = forms.CharField(label=_lazy("检查记录编号"), required=False, max_length=40,
                                 help_text=_lazy("巡查记录的编号或客户端编号（可选）"))
    samples = forms.CharField(label=_lazy("监督抽查样品编号"), required=False, max_length=400,
                              help_text=_lazy("多个用逗号或顿号分隔（可选）"))

    def service_data(self) -> dict:
        data = self.cleaned_data
        samples = (data.get("samples") or "").replace("、", ",").replace("，", ",")
        return {"result": data.get("result"), "note": data.get("note"),
                "inspection": data.get("inspection"),
                "samples": [s.strip() for s in samples.split(",") if s.strip()]}


class MatterForm(forms.Form):
    code = forms.CharField(label=_lazy("事项编码"), required=False, max_length=20)
    name = forms.CharField(label=_lazy("抽查事项"), required=False, max_length=120)
    legal_basis = forms.CharField(label=_lazy("抽查依据"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    scope = forms.CharField(label=_lazy("抽查对象"), required=False, max_length=200)
    method = forms.CharField(label=_lazy("抽查方式"), required=False, max_length=120)
    template = forms.ChoiceField(label=_lazy("检查表"), required=False)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _lazy("不使用检查表"))] + [
            (t.code, t.name) for t in templates]


class ConflictForm(forms.Form):
    officer = forms.ChoiceField(label=_lazy("执法人员"), required=False)
    producer = forms.CharField(label=_lazy("生产主体编号"), required=False, max_length=12,
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    town = forms.ChoiceField(label=_lazy("镇（街道）"), required=False)
    reason = forms.CharField(label=_lazy("回避理由"), required=False, max_length=200)

    def __init__(self, *args, officers, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [("", _lazy("请选择"))] + [
            (u.username, f"{u}（{u.username}）") for u in officers]
        self.fields["town"].choices = [("", "—")] + [(t.code, t.name) for t in towns]


def put_back(form, exc, field_of=None) -> None:
    """A service's FieldErrors beside the form's fields (others above the form)."""
    for loc, message in exc.errors:
        key = ".".join(map(str, loc))
        field = (field_of or {}).get(key, key)
        form.add_error(field if field in form.fields else None, message)
