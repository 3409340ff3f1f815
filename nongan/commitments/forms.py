"""Forms of the commitment pages, and the reading of a posted commitment (the page's form
and the API's multipart body alike). They only parse: the rules are the services', whose
`FieldErrors` the views put back beside each field, in Chinese."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from nongan.core.errors import FieldErrors

from .models import PRODUCTION_METHODS

TEXT_FIELDS = ("producer", "year", "area_mu", "scope", "signatory", "signed_on",
               "supersedes", "reason")
LIST_FIELDS = ("plots", "methods", "villages")


def payload_from_post(post) -> dict:
    """A commitment from form fields: lists as repeated fields, comma-separated text or JSON,
    products as text (番茄:粉果,红果;黄瓜) or JSON, new plots as a JSON list of
    {"geometry", "crop"} (or one GeoJSON geometry, as the map editor writes it)."""
    data = {field: post.get(field) for field in TEXT_FIELDS if post.get(field) not in (None, "")}
    for field in LIST_FIELDS:
        values = [v for v in post.getlist(field) if v.strip()]
        if len(values) == 1 and values[0].strip().startswith("["):
            data[field] = _json(values[0], field)
        elif values:
            data[field] = values if len(values) > 1 else values[0]
    products = (post.get("products") or "").strip()
    if products:
        data["products"] = _json(products, "products") if products.startswith("[") else products
    drawn = (post.get("new_plots") or post.get("new_plot") or "").strip()
    if drawn:
        found = _json(drawn, "new_plots")
        if isinstance(found, dict):
            found = [{"geometry": found, "crop": post.get("new_plot_crop", "")}]
        data["new_plots"] = found
    return data


def _json(text: str, field: str):
    try:
        return json.loads(text)
    except ValueError:
        raise FieldErrors({field: "JSON 格式有误，无法解析"}) from None


class CampaignForm(forms.Form):
    region = forms.ChoiceField(label=_lazy("范围"))
    year = forms.IntegerField(label=_lazy("年度"))
    deadline = forms.DateField(label=_lazy("签订截止日期"), required=False,
                               widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                               help_text=_lazy("不填则为该年3月31日（实施方案 四.(三)）"))
    letter_template = forms.CharField(label=_lazy("告知书正文模板"),
                                      widget=forms.Textarea(attrs={"rows": 16}))
    pledge = forms.CharField(label=_lazy("承诺内容"), widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]


class CommitmentForm(forms.Form):
    """What the page shows; `payload_from_post` reads what it sends."""

    area_mu = forms.CharField(label=_lazy("生产经营面积（亩）"),
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    products = forms.CharField(
        label=_lazy("农产品种类和品种"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("产品与品种用冒号分隔，多个产品用分号分隔，如：番茄:粉果,红果;黄瓜"))
    methods = forms.MultipleChoiceField(label=_lazy("生产方式"), choices=PRODUCTION_METHODS,
                                        widget=forms.CheckboxSelectMultiple)
    scope = forms.CharField(label=_lazy("生产范围"), widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_lazy("如：蔬菜种植，产品自产自销及供应本市批发市场"))
    villages = forms.MultipleChoiceField(label=_lazy("生产经营区域（村、居）"),
                                         widget=forms.CheckboxSelectMultiple)
    plots = forms.MultipleChoiceField(label=_lazy("标记已有地块"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    new_plot = forms.CharField(required=False, widget=forms.HiddenInput)
    new_plot_crop = forms.CharField(label=_lazy("新绘地块的作物"), required=False,
                                    max_length=60)
    signatory = forms.CharField(label=_lazy("签字人"), max_length=50)
    signed_on = forms.DateField(label=_lazy("纸质承诺书签订日期"), required=False,
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    scan = forms.FileField(label=_lazy("签字后的纸质承诺书扫描件（PDF 或图片）"), required=False)
    reason = forms.CharField(label=_lazy("变更原因"), required=False, max_length=300)

    def __init__(self, *args, villages=(), plots=(), on_behalf=True, change=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = [(v.code, v.name) for v in villages]
        self.fields["plots"].choices = [
            (str(p.pk), f"{p.plot_no}（{p.crop or '—'}，{p.area_mu}亩）") for p in plots]
        if not on_behalf:
            del self.fields["signed_on"], self.fields["scan"]
        if not change:
            del self.fields["reason"]
