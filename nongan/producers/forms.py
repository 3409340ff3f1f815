"""Forms of the register pages: they render fields and collect raw values only.

Validation and writes belong to `services` (shared with the API and bulk import); a
`FieldErrors` they raise is put back beside each field with `attach_errors`.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CERT_KINDS, CERT_STATUSES, KINDS

KIND_CHOICES = [("", _("请选择"))] + [(code, _(label)) for code, label in KINDS]
CERT_KIND_CHOICES = [("", _("请选择"))] + [(code, _(label)) for code, label in CERT_KINDS]
CERT_STATUS_CHOICES = [(code, _(label)) for code, label in CERT_STATUSES]


def _text(label, *, help_text="", **attrs):
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


class RawForm(forms.Form):
    """Every field optional and unchecked here: the services say what is wrong, in Chinese."""

    def raw(self) -> dict:
        """The submitted values, stripped (call after is_valid())."""
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class ProducerForm(RawForm):
    name = _text(_("名称"), maxlength=200, autocomplete="organization")
    kind = forms.CharField(label=_("主体类型"), required=False,
                           widget=forms.Select(choices=KIND_CHOICES))
    uscc = _text(_("统一社会信用代码"), help_text=_("企业、合作社必填，18位"), maxlength=18,
                 autocapitalize="characters", spellcheck="false")
    id_number = _text(_("身份证号码"), help_text=_("种养殖户必填，18位"), maxlength=18,
                      autocomplete="off", spellcheck="false")
    legal_rep = _text(_("法定代表人/负责人"), maxlength=50)
    phone = _text(_("联系电话"), inputmode="tel", autocomplete="tel", maxlength=20)
    address = _text(_("地址"), maxlength=200)
    # `town` only narrows the village list; `village` is the 12-digit code that is saved.
    town = forms.CharField(label=_("镇（街道）"), required=False, widget=forms.Select())
    village = forms.CharField(label=_("村（居）"), required=False, widget=forms.Select())
    area_mu = _text(_("种植/养殖面积（亩）"), inputmode="decimal")
    products = forms.CharField(
        label=_("产品与品种"), required=False,
        help_text=_("格式：产品:品种,品种;产品　例如 番茄:粉果,红果;黄瓜"),
        widget=forms.Textarea(attrs={"rows": 2}))

    SERVICE_FIELDS = ["name", "kind", "uscc", "id_number", "legal_rep", "phone", "address",
                      "village", "area_mu", "products"]

    def service_data(self) -> dict:
        raw = self.raw()
        return {name: raw[name] for name in self.SERVICE_FIELDS}


class CertificationForm(RawForm):
    kind = forms.CharField(label=_("认证类型"), required=False,
                           widget=forms.Select(choices=CERT_KIND_CHOICES))
    cert_no = _text(_("证书编号"), maxlength=40, spellcheck="false")
    products = _text(_("认证产品"), maxlength=200)
    valid_from = forms.CharField(label=_("有效期起"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.CharField(label=_("有效期至"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def is_blank(self) -> bool:
        return not any(self.raw().values())


class CertificationStatusForm(RawForm):
    status = forms.CharField(label=_("状态"), required=False,
                             widget=forms.Select(choices=CERT_STATUS_CHOICES))
    reason = _text(_("原因"), maxlength=200)


class PlotForm(RawForm):
    geometry = forms.CharField(required=False, widget=forms.HiddenInput())
    geometry_text = forms.CharField(
        label=_("或粘贴地块范围（GeoJSON 或 WKT）"), required=False,
        help_text=_("经度在前、纬度在后（WGS84）；填写了此处则以此处为准。"
                    "例如 POLYGON((121.70 31.19, 121.71 31.19, 121.71 31.20, 121.70 31.19))"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))
    crop = _text(_("作物"), maxlength=60)
    declared_area_mu = _text(_("申报面积（亩）"), inputmode="decimal")
    town = forms.CharField(label=_("镇（街道）"), required=False, widget=forms.Select())
    village = forms.CharField(label=_("村（居）"), required=False, widget=forms.Select())


def attach_errors(form: forms.Form, errors: dict[str, str]) -> None:
    """Put each service error beside its field (or above the form when it has none)."""
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)
