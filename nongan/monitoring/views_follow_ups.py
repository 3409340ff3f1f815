"""不合格处置 pages (the follow-up of a non-compliant sample: who was told, what was
traced, the steps taken) and the user's notifications (站内通知)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of
from nongan.core.models import Notification
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible, within
from nongan.producers.models import Producer
from nongan.producers.queries import region_choices
from nongan.regions.models import Region

from . import pages, services
from .forms import TextForm
from .models import FollowUp

STATES = [("open", "处置中"), ("proposed", "已移交执法"), ("closed", "已办结"), ("all", "全部")]
# The three steps: the form's label and the service that records it.
STEPS = {
    "note": (_lazy("处置情况"), services.add_note, _lazy("已记录处置情况")),
    "propose": (_lazy("移交理由"), services.propose_case, _lazy("已移交执法")),
    "close": (_lazy("办结情况"), services.close_follow_up, _lazy("处置已办结")),
}


@login_required
@require_GET
def follow_up_list(request):
    user, params = request.user, request.GET
    state = params.get("state") or "open"
    if state not in dict(STATES):
        state = "open"
    qs = pages.follow_ups(user)
    if state != "all":
        qs = qs.filter(state=state)
    notice = None
    code = (params.get("region") or "").strip()
    if code:
        region = visible(Region, user).filter(code=code).first()
        if region is None:
            qs, notice = qs.none(), _("区域不存在或不在辖区内")
        else:
            qs = within(qs, region)
    page = page_of(qs.order_by("-opened_at", "-pk"), params.get("page"),
                   params.get("page_size"))
    rows = [{"follow_up": f, "failed": pages.failed_results(f.sample),
             "badge": pages.STATE_BADGES.get(f.state, "")} for f in page["items"]]
    return render(request, "monitoring/follow_up_list.html", {
        "page": page, "rows": rows, "states": STATES, "state": state, "notice": notice,
        "regions": region_choices(user), "region": code})


def _follow_up(request, pk) -> FollowUp:
    return get_object_or_404(pages.follow_ups(request.user), pk=pk)


def _detail(request, follow_up, forms=None, status=200):
    user = request.user
    forms = forms or {}
    notes = [{"note": n, "label": pages.NOTE_KINDS.get(n.kind, n.kind)}
             for n in follow_up.notes.select_related("author")]
    sample = follow_up.sample
    return render(request, "monitoring/follow_up_detail.html", {
        "follow_up": follow_up, "sample": sample, "notes": notes,
        "failed": pages.failed_results(sample),
        "badge": pages.STATE_BADGES.get(follow_up.state, ""),
        "can_act": allowed(user, "followup.act"),
        "forms": {step: forms.get(step) or TextForm(prefix=step, label=label)
                  for step, (label, _service, _done) in STEPS.items()},
        "can_see_producer": visible(Producer, user).filter(pk=follow_up.producer_id).exists(),
        "status_label": pages.status_label,
    }, status=status)


@login_required
@require_GET
def follow_up_detail(request, pk):
    return _detail(request, _follow_up(request, pk))


def _step(request, pk, step):
    follow_up = _follow_up(request, pk)
    require(request.user, "followup.act")
    label, service, done = STEPS[step]
    form = TextForm(request.POST, prefix=step, label=label)
    form.is_valid()
    try:
        service(follow_up, form.cleaned_data.get("text", ""), actor=request.user)
    except FieldErrors as exc:
        for message in exc.by_field().values():
            form.add_error("text", message)
        return _detail(request, _follow_up(request, pk), {step: form}, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(reverse("follow_up", args=[follow_up.pk]) + "#notes")


@login_required
@require_POST
def follow_up_note(request, pk):
    return _step(request, pk, "note")


@login_required
@require_POST
def follow_up_propose(request, pk):
    return _step(request, pk, "propose")


@login_required
@require_POST
def follow_up_close(request, pk):
    return _step(request, pk, "close")


# --- notifications ---------------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request):
    qs = visible(Notification, request.user)
    unread = request.GET.get("unread") == "1"
    page = page_of(qs.filter(read_at=None) if unread else qs, request.GET.get("page"),
                   request.GET.get("page_size"))
    return render(request, "monitoring/notifications.html", {
        "page": page, "unread_only": unread, "unread": qs.filter(read_at=None).count()})


@login_required
@require_GET
def notification_open(request, pk):
    """Open a notification: it is marked read and the page it is about opens."""
    found = visible(Notification, request.user).filter(pk=pk)
    notification = get_object_or_404(found)
    pages.mark_read(found)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, {request.get_host()}):
        return redirect(link)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read(request):
    n = pages.mark_read(visible(Notification, request.user))
    messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": n})
    return redirect("notifications")
