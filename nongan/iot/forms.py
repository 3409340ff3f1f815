"""Forms of the sensor pages. They only collect input; the services check it (their
messages go beside the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import kinds


class RegisterForm(forms.Form):
    code = forms.CharField(label=_("设备编号"), max_length=64,
                           help_text=_("设备上报时使用的编号（字母、数字、- 和 _），MQTT 主题为 "
                                       "nongan/iot/<设备编号>"))
    producer = forms.CharField(label=_("生产主体"), max_length=18,
                               help_text=_("主体编号或统一社会信用代码"))
    kind = forms.ChoiceField(label=_("监测项目"), choices=())
    plot = forms.CharField(label=_("地块编号"), required=False, max_length=40,
                           help_text=_("可选；须为该主体的地块"))
    name = forms.CharField(label=_("名称/安装位置"), required=False, max_length=100,
                           help_text=_("如 1号鱼塘、2号冷库"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds.choices()


class EditForm(forms.Form):
    name = forms.CharField(label=_("名称/安装位置"), required=False, max_length=100)
    plot = forms.CharField(label=_("地块编号"), required=False, max_length=40)
    low = forms.CharField(label=_("下限"), required=False, max_length=20,
                          help_text=_("留空表示不设下限"))
    high = forms.CharField(label=_("上限"), required=False, max_length=20,
                           help_text=_("留空表示不设上限"))
    interval_minutes = forms.CharField(label=_("上报间隔（分钟）"), max_length=6)
    silence_minutes = forms.CharField(label=_("离线判定（分钟）"), max_length=6,
                                      help_text=_("超过该时长无读数即发蓝色预警"))
    active = forms.BooleanField(label=_("启用"), required=False)
