"""Forms of the grid pages. They only parse input; the rules are in `services`, whose
FieldErrors are attached to these fields so each message shows beside its input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nongan.core.errors import FieldErrors
from nongan.core.scoping import visible
from nongan.people.models import User
from nongan.producers import rules

from .models import Grid

MEMBER_ROLES = [("supervisor", _("网格监管员")), ("assistant", _("协管员/信息员"))]
# Who may be named in a grid: supervising staff (a producer's account never is).
MEMBER_ACCOUNT_ROLES = ("district_officer", "town_officer", "grid_worker")


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.full_name or obj.username
        return f"{name}（{obj.username} · {obj.region.name}）"


class GridMemberForm(forms.Form):
    """网格定人、人员定责: a person in charge of a grid and the duty written for them."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False,
                           widget=forms.TextInput(attrs={"required": True}))
    phone = forms.CharField(label=_("电话"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    role = forms.ChoiceField(label=_("角色"), choices=MEMBER_ROLES, initial="supervisor")
    duty = forms.CharField(label=_("职责"), max_length=200, required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "required": True}))
    user = AccountChoice(label=_("关联账号（可选）"), queryset=User.objects.none(),
                         required=False, empty_label=_("（不关联账号）"))

    def __init__(self, *args, grid: Grid, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Accounts the actor can see whose area holds this grid: the district's and the
        # town's officers, the village's grid worker.
        self.fields["user"].queryset = (
            visible(User, actor)
            .filter(is_active=True, role__in=MEMBER_ACCOUNT_ROLES,
                    region_id__in=[grid.district_id, grid.town_id, grid.village_id])
            .select_related("region").order_by("region_id", "username")
        )

    def clean_phone(self):
        try:
            return rules.phone(self.cleaned_data.get("phone"))
        except rules.Invalid as exc:
            raise forms.ValidationError(str(exc)) from exc

    def attach(self, errors: FieldErrors) -> None:
        """Put a service's messages beside the fields they name."""
        for field, message in errors.by_field().items():
            self.add_error(field if field in self.fields else None, message)
