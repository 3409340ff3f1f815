import json

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.people.services import LockedOut, login
from nongan.regions import queries

from . import audit
from .listing import page_of
from .permissions import require


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = ""
    if request.method == "POST":
        try:
            user = login(request, request.POST.get("username", ""),
                         request.POST.get("password", ""))
        except LockedOut as exc:
            user, error = None, f"登录失败次数过多，账号已锁定至 {exc.until:%H:%M}"
        if user is not None:
            auth.login(request, user)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "home"
            return redirect(target)
        error = error or "用户名或密码错误"
    return render(request, "core/login.html", {"error": error}, status=401 if error else 200)


def logout_view(request):
    auth.logout(request)
    return redirect("login")


@login_required
@require_GET
def home(request):
    """The user's own area at a glance: the register, the grids, and what is missing."""
    user = request.user
    context = {"region": user.region}
    if user.role == "producer":
        context["producer"] = user.producer
    else:
        context["summary"] = queries.summary(user)
    return render(request, "core/home.html", context)


# --- the audit log -----------------------------------------------------------------------


def _pretty(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@login_required
@require_GET
def audit_log(request):
    """审计日志: who did what, when, from where, and what changed; filtered and paged."""
    user, params = request.user, request.GET
    require(user, "audit.view")
    scope = audit.audit_scope(user)
    entries = scope.select_related("actor")
    action = params.get("action", "").strip()
    if action:
        entries = entries.filter(action=action)
    actor = params.get("actor", "").strip()
    if actor:
        entries = entries.filter(actor_name__icontains=actor)
    object_type = params.get("object_type", "").strip()
    if object_type:
        entries = entries.filter(object_type=object_type)
    object_id = params.get("object_id", "").strip()
    if object_id:
        entries = entries.filter(object_id=object_id)
    page = page_of(entries.order_by("-seq"), params.get("page"), params.get("page_size"))
    for entry in page["items"]:
        entry.before_json = _pretty(entry.changes["before"]) if "before" in entry.changes else ""
        entry.after_json = _pretty(entry.changes["after"]) if "after" in entry.changes else ""
    distinct = scope.order_by()
    return render(request, "core/audit.html", {
        "page": page, "action": action, "actor": actor, "object_type": object_type,
        "object_id": object_id,
        "actions": sorted(distinct.values_list("action", flat=True).distinct()),
        "object_types": sorted(distinct.values_list("object_type", flat=True).distinct()),
        "can_verify": user.role == "city_admin",
    })


@login_required
@require_POST
def audit_verify(request):
    """Re-check the whole hash chain (the same as `nongan audit verify`): city admin only."""
    if request.user.role != "city_admin":
        raise PermissionDenied("audit.verify")
    intact, message = audit.verify()
    if intact:
        messages.success(request, _("审计链完整：%(message)s") % {"message": message})
    else:
        messages.error(request, _("审计链已被破坏：%(message)s") % {"message": message})
    return redirect("audit")
