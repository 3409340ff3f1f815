import json
import sys

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST

from nongan.regions import queries

from . import audit
from .errors import Conflict
from .listing import page_of
from .permissions import require
from .validators import scrub_numbers


def attempt(request, action, done) -> None:
    """Run a state change asked for from a page: a conflict with the current state is told
    as an error message, not raised; success tells `done` (a text, or a function of what
    `action` answered)."""
    try:
        answer = action()
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done(answer) if callable(done) else done)


def logout_view(request):
    auth.logout(request)
    return redirect("login")


@login_required
@require_GET
def home(request):
    """The user's own area at a glance: the register, the grids, and what is missing."""
    user = request.user
    if user.role == "producer":
        return redirect("portal")  # a producer's own area is its portal
    return render(request, "core/home.html",
                  {"region": user.region, "summary": queries.summary(user)})


# --- the audit log -----------------------------------------------------------------------


def _pretty(value) -> str:
    # The log is read for who changed what, by the city and by districts alike: ID and phone
    # numbers in the before/after values show masked for everyone (the full ones are on the
    # record, for those nongan.core.permissions.sees_personal_data lets see them).
    return scrub_numbers(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


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


def server_error(request):
    """handler500: a 503 with Retry-After when the database is away (a restart, a failover),
    so a phone or a browser knows to ask again; any other failure is the usual 500."""
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": "数据库暂时不可用，请稍后重试"}, status=503)
    else:  # no template: rendering one may need the database that is away
        response = HttpResponse(
            "<!doctype html><meta charset=utf-8><title>系统暂时不可用</title>"
            "<h1>系统暂时不可用</h1><p>数据库正在恢复，请稍后刷新本页；已填写的内容未丢失。</p>",
            status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "30"
    return response
