"""Forms of the monitoring pages. They parse what the browser sends; the rules (required
fields, dates in order, quotas in the actor's district …) are the services', whose
`FieldErrors` the views put back beside each field, in Chinese."""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from nongan.people.models import Organisation
from nongan.regions.models import Region

from .models import KINDS, VERDICTS

# Pesticide names may hold an ASCII comma (2,4-滴): analytes split on lines and 、，；only.
ANALYTE_SPLIT = re.compile(r"[\n\r、，;；]+")
QUOTA_ROWS = 6
SORTS = ["sampled_at", "sample_no", "producer", "verdict", "results_due"]


def labs():
    return Organisation.objects.filter(kind="lab").order_by("name")


class SampleFilterForm(forms.Form):
    """?region=&kind=&verdict=&product=&category=&plan=&from=&to=&overdue=&q=&sort=."""

    producer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput())
    kind = forms.ChoiceField(label=_lazy("类型"), required=False,
                             choices=[("", _lazy("全部"))] + KINDS)
    verdict = forms.ChoiceField(label=_lazy("结论"), required=False,
                                choices=[("", _lazy("全部"))] + VERDICTS)
    product = forms.CharField(label=_lazy("样品名称"), required=False, max_length=80)
    category = forms.CharField(label=_lazy("产品类别"), required=False, max_length=80)
    plan = forms.IntegerField(label=_lazy("监测任务"), required=False, min_value=1)
    date_from = forms.DateField(label=_lazy("抽样日期起"), required=False)
    date_to = forms.DateField(label=_lazy("抽样日期止"), required=False)
    overdue = forms.BooleanField(label=_lazy("仅逾期未出结果"), required=False)
    q = forms.CharField(label=_lazy("搜索"), required=False, max_length=80)
    sort = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        # `from` and `to` are the query parameters (as on the inspection list).
        if data is not None:
            data = data.copy()
            for param, field in (("from", "date_from"), ("to", "date_to")):
                if param in data and field not in data:
                    data[field] = data[param]
        super().__init__(data, **kwargs)

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or ""
        return sort if sort.lstrip("-") in SORTS else "-sampled_at"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned


class PlanForm(forms.Form):
    """下达监测任务. Quota rows come as parallel lists (district, category, count)."""

    name = forms.CharField(label=_lazy("任务名称"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_lazy("类型"), choices=[("", _lazy("请选择"))] + KINDS,
                             required=False)
    starts_on = forms.DateField(label=_lazy("开始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_lazy("结束日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    analytes = forms.CharField(label=_lazy("检测项目"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_lazy("每行一个农药名称，或用顿号分隔"))
    lab = forms.ChoiceField(label=_lazy("承检机构"), required=False,
                            help_text=_lazy("监督抽查可暂不指定，抽样时选择"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].choices = [("", _("请选择"))] + [(str(o.pk), o.name)
                                                          for o in labs()]

    def service_data(self, quotas) -> dict:
        data = self.cleaned_data
        return {"name": data.get("name", ""), "kind": data.get("kind", ""),
                "starts_on": data.get("starts_on"), "ends_on": data.get("ends_on"),
                "analytes": [a for a in ANALYTE_SPLIT.split(data.get("analytes") or "")
                             if a.strip()],
                "lab": int(data["lab"]) if data.get("lab") else None, "quotas": quotas}


def quota_rows(post, *, rows=QUOTA_ROWS) -> tuple[list[dict], list[dict], dict]:
    """The quota table as posted: (rows shown again, quotas for the service, and for each
    quota its row number in the table). A row left blank is not a quota."""
    districts, categories, counts = (post.getlist(k) for k in ("q_district", "q_category",
                                                              "q_count"))
    n = max(rows, len(districts), len(categories), len(counts))
    shown, quotas, where = [], [], {}
    for i in range(n):
        row = {"district": _at(districts, i), "category": _at(categories, i),
               "count": _at(counts, i), "errors": []}
        shown.append(row)
        if not (row["district"] or row["category"] or row["count"]):
            continue
        try:
            count = int(row["count"])
        except ValueError:
            count = row["count"] or None
        where[len(quotas)] = i
        quotas.append({"district": row["district"], "category": row["category"],
                       "count": count})
    return shown, quotas, where


def _at(values, i) -> str:
    return values[i].strip() if i < len(values) else ""


def quota_districts(user):
    """The districts a quota may name: any for the city, the officer's own otherwise."""
    qs = Region.objects.filter(level="district", active=True).order_by("code")
    if user.region.level != "city":
        qs = qs.filter(code=user.region.district_id)
    return qs


class ReportForm(forms.Form):
    report = forms.FileField(label=_lazy("检测报告（PDF）"), required=False)
    reason = forms.CharField(label=_lazy("重新上传原因"), max_length=300, required=False)


class RetestForm(forms.Form):
    lab = forms.ChoiceField(label=_lazy("复检机构"), required=False)

    def __init__(self, *args, sample, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].choices = [("", _("请选择"))] + [
            (str(o.pk), o.name) for o in labs().exclude(pk=sample.lab_id)]


class TextForm(forms.Form):
    """One text of a follow-up step (处置记录 / 移交理由 / 办结情况)."""

    text = forms.CharField(required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class ImportForm(forms.Form):
    file = forms.FileField(label=_lazy("LIMS 导出文件（.xlsx 或 .csv）"), required=False)
