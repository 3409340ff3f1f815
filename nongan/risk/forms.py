"""Forms of the warning page: acknowledging, closing, and the three measures. They only
collect input; the services check it (their messages go beside the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nongan.people.models import Organisation


class NoteForm(forms.Form):
    note = forms.CharField(label=_("签收说明"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    conclusion = forms.CharField(label=_("办结结论"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("核查发现了什么、采取了哪些措施、风险是否已消除"))


class MeasureForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}
        return {"kind": self.kind, **data}


class SamplingForm(MeasureForm):
    kind = "sampling"
    lab = forms.ModelChoiceField(label=_("承检机构"), required=False,
                                 queryset=Organisation.objects.filter(kind="lab"))
    analytes = forms.CharField(label=_("检测项目"), required=False,
                               help_text=_("多个项目用顿号或逗号分隔；留空为预警涉及的农药"))
    count = forms.IntegerField(label=_("每区每类样品数"), required=False, min_value=1)
    starts_on = forms.DateField(label=_("开始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["lab", "analytes", "count", "starts_on", "ends_on", "note"]

    def payload(self) -> dict:
        data = super().payload()
        if "lab" in data:
            data["lab"] = data["lab"].pk
        if "analytes" in data:
            data["analytes"] = [a.strip() for a in data["analytes"].replace("，", "、")
                                .replace(",", "、").split("、") if a.strip()]
        return data


class InspectionForm(MeasureForm):
    kind = "inspection"
    producers = forms.TypedMultipleChoiceField(label=_("核查主体"), required=False, coerce=int,
                                               widget=forms.CheckboxSelectMultiple)
    due_on = forms.DateField(label=_("完成期限"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["producers", "due_on", "note"]

    def __init__(self, *args, producers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producers"].choices = [(p.pk, p.name) for p in producers]


class SpotCheckForm(MeasureForm):
    kind = "spot_check"
    matter = forms.TypedChoiceField(label=_("抽查事项"), required=False, coerce=int,
                                    empty_value=None)
    count = forms.IntegerField(label=_("抽取数量"), required=False, min_value=1)
    team_size = forms.IntegerField(label=_("每组检查人员数"), required=False, min_value=2,
                                   initial=2)
    period_start = forms.DateField(label=_("检查开始日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("检查结束日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["matter", "count", "team_size", "period_start", "period_end", "note"]

    def __init__(self, *args, matters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [("", "—")] + [(m.pk, str(m)) for m in matters]

    def payload(self) -> dict:
        data = super().payload()
        for key in ("period_start", "period_end"):
            if key in data:
                data[key] = data[key].isoformat()
        return data


MEASURE_FORMS = {"sampling": SamplingForm, "inspection": InspectionForm,
                 "spot_check": SpotCheckForm}
