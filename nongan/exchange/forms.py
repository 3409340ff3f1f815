"""Forms of the data-sharing pages: they only collect; services.py checks and writes, and
its messages are put beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from .models import AGENCY_KINDS, EVENT_KINDS, SUBSCRIBABLE
from .queries import dataset_choices
from .services import allowed_regions


def _region_label(region) -> str:
    return f"{region.name}（全市）" if region.level == "city" else region.name


class AgencyForm(forms.Form):
    name = forms.CharField(label=_lazy("部门名称"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_lazy("类型"), required=False,
                             choices=[("", _lazy("请选择"))] + AGENCY_KINDS)
    region = forms.ChoiceField(label=_lazy("辖区"), required=False,
                               help_text=_lazy("市级部门可共享全市数据；区级部门只能共享本区数据"))
    uscc = forms.CharField(label=_lazy("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_lazy("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_lazy("联系电话"), max_length=20, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _lazy("请选择"))] + [
            (r.code, _region_label(r)) for r in regions]


class KeyForm(forms.Form):
    name = forms.CharField(label=_lazy("用途"), max_length=80, required=False,
                           help_text=_lazy("如：案件线索比对、信用信息归集"))
    datasets = forms.MultipleChoiceField(label=_lazy("可读数据集"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    regions = forms.MultipleChoiceField(label=_lazy("可读区域"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateField(label=_lazy("有效期至"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_lazy("留空为长期有效（可随时吊销）"))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, prefix="key", **kwargs)
        self.fields["datasets"].choices = dataset_choices()
        self.fields["regions"].choices = [(r.code, _region_label(r))
                                          for r in allowed_regions(agency)]
        self.initial.setdefault("regions", [agency.region_id])


class SubscriptionForm(forms.Form):
    url = forms.CharField(label=_lazy("接收地址"), max_length=500, required=False,
                          widget=forms.URLInput(attrs={"placeholder": "https://"}))
    kinds = forms.MultipleChoiceField(label=_lazy("事件类型"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    regions = forms.MultipleChoiceField(label=_lazy("区域"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    secret = forms.CharField(label=_lazy("签名密钥"), max_length=200, required=False,
                             help_text=_lazy("留空由系统生成；创建后只显示一次"))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, prefix="sub", **kwargs)
        labels = dict(EVENT_KINDS)
        self.fields["kinds"].choices = [(k, labels[k]) for k in SUBSCRIBABLE]
        self.fields["regions"].choices = [(r.code, _region_label(r))
                                          for r in allowed_regions(agency)]
        self.initial.setdefault("regions", [agency.region_id])

