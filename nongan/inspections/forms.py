"""Forms of the inspection pages: list filters and the amendment (更正) form.

The amendment form names one field of the record and its corrected value; the value is
checked against the field's kind here (so the error shows beside it, in Chinese) and the
write goes through `services.amend_inspection`, whose `FieldErrors` are put back beside
the fields too.
"""

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import RESULTS

YES_NO = {"yes": _lazy("是"), "no": _lazy("否"), "na": _lazy("不适用")}
INPUT_COLUMNS = [("pesticide", _lazy("农药名称")), ("registration_no", _lazy("登记证号")),
                 ("dose", _lazy("用量")), ("crop", _lazy("作物")),
                 ("applied_on", _lazy("施药日期")), ("harvest_on", _lazy("计划采收日期"))]
DATE_FIELDS = ("applied_on", "harvest_on", "deadline")
LIST_SPLIT = re.compile(r"[,，、;；\s]+")


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


class InspectionFilterForm(forms.Form):
    """?producer=&region=&result=&from=&to= — every field optional."""

    producer = forms.IntegerField(label=_lazy("生产主体编号"), required=False, min_value=1,
                                  widget=forms.HiddenInput())
    region = forms.CharField(label=_lazy("区域"), required=False, widget=forms.Select())
    result = forms.ChoiceField(label=_lazy("结论"), required=False,
                               choices=[("", _lazy("全部"))] + [
                                   (code, _lazy(label)) for code, label in RESULTS])
    date_from = forms.DateField(label=_lazy("检查日期起"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_lazy("检查日期止"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        # `from` and `to` are the query parameters; Python forbids them as field names.
        if data is not None:
            data = data.copy()
            for param, field in (("from", "date_from"), ("to", "date_to")):
                if param in data and field not in data:
                    data[field] = data[param]
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned


class AmendmentForm(forms.Form):
    """更正: a reason, the field corrected (from the record's own fields) and the new value."""

    reason = forms.CharField(label=_lazy("更正原因"), max_length=300, required=False,
                             widget=forms.TextInput(attrs={"maxlength": 300}))
    field = forms.ChoiceField(label=_lazy("更正项目"), required=False)
    value = forms.CharField(label=_lazy("更正后的内容"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_lazy("结论填 合格／限期整改／移交执法；是否题填 是／否／不适用；"
                                            "日期填 2026-03-01；多个地块编号或整改事项用逗号分隔"))

    def __init__(self, *args, inspection, plot_numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.plot_numbers = set(plot_numbers)
        self.fields["field"].choices = [("", _("请选择"))] + [
            (key, label) for key, label in amendable_fields(inspection).items()]

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("reason") or "").strip()
        field = cleaned.get("field") or ""
        raw = (cleaned.get("value") or "").strip()
        if not reason:
            self.add_error("reason", _("须说明更正原因"))
        if not field:
            self.add_error("field", _("请选择要更正的项目"))
            return cleaned
        if not raw:
            self.add_error("value", _("须填写更正后的内容"))
            return cleaned
        try:
            cleaned["corrected"] = self._normalise(field, raw)
        except forms.ValidationError as exc:
            self.add_error("value", exc)
        cleaned["reason"] = reason
        return cleaned

    def _normalise(self, field: str, raw: str):
        if field == "result":
            by_label = {str(label): code for code, label in RESULTS}
            by_label |= {_(label): code for code, label in RESULTS}
            code = raw if raw in dict(RESULTS) else by_label.get(raw)
            if code is None:
                raise forms.ValidationError(_("结论应为 合格、限期整改 或 移交执法"))
            return code
        if field.startswith("answers."):
            item = next((i for i in self.inspection.template.items
                         if i["key"] == field.split(".", 1)[1]), {})
            if item.get("type") == "yes_no":
                by_label = {str(v): k for k, v in YES_NO.items()} | {"是": "yes", "否": "no",
                                                                      "不适用": "na"}
                code = raw.lower() if raw.lower() in YES_NO else by_label.get(raw)
                if code is None:
                    raise forms.ValidationError(_("应填 是、否 或 不适用"))
                return code
            if item.get("type") == "number":
                try:
                    number = float(raw)
                except ValueError:
                    raise forms.ValidationError(_("应填数字")) from None
                return int(number) if number.is_integer() else number
            return raw
        if field.rsplit(".", 1)[-1] in DATE_FIELDS:
            day = parse_date(raw)
            if day is None:
                raise forms.ValidationError(_("请填写有效日期，例如 2026-03-01"))
            return day.isoformat()
        if field == "plots_seen":
            numbers = [n for n in LIST_SPLIT.split(raw) if n]
            unknown = [n for n in numbers if n not in self.plot_numbers]
            if unknown:
                raise forms.ValidationError(
                    _("不是该主体的地块：%(nos)s") % {"nos": "、".join(unknown)})
            return numbers
        if field == "rectification.items":
            return [line.strip() for line in re.split(r"[\n；;]+", raw) if line.strip()]
        return raw


def amendable_fields(inspection) -> dict[str, str]:
    """The fields of a record that a correction may name, with their labels."""
    fields = {"result": _("结论")}
    for item in inspection.template.items:
        fields[f"answers.{item['key']}"] = _("检查项：%(text)s") % {"text": item["text"]}
    fields["plots_seen"] = _("核查地块")
    for n, _row in enumerate(inspection.inputs):
        for column, label in INPUT_COLUMNS:
            fields[f"inputs.{n}.{column}"] = _("投入品第 %(n)s 行：%(label)s") % {
                "n": n + 1, "label": label}
    fields["rectification.items"] = _("整改事项")
    fields["rectification.deadline"] = _("整改期限")
    fields["refused_signature"] = _("拒签说明")
    fields["other"] = _("其他")
    return fields
