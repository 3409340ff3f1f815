"""生产主体服务: a producer's own page (`/my/`) — its register entry, plots, certificates,
inspection results, rectification orders to answer, test results, credit grade and the
year's commitment. Every read goes through `visible(...)`, so it shows nothing of any other
producer even if a query here were wrong about the producer."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from nongan.core.scoping import visible
from nongan.credit.queries import credit_file
from nongan.inspections.models import Inspection, Rectification
from nongan.inspections.views import RESULT_BADGES
from nongan.monitoring.pages import VERDICT_BADGES, failed_results, producer_samples
from nongan.producers.models import Certification, Producer
from nongan.producers.queries import plots_for

RECENT = 10


def _orders(user, producer, today) -> list[dict]:
    """Open orders first (nearest deadline first), then the last closed ones."""
    qs = (visible(Rectification, user).filter(producer=producer)
          .select_related("ordered_by").annotate(n_replies=Count("replies")))
    open_orders = list(qs.filter(closed_by=None).order_by("deadline", "pk"))
    closed = list(qs.filter(closed_by__isnull=False).order_by("-closed_at", "-pk")[:RECENT])
    return [{"order": o, "open": o.closed_by_id is None,
             "days_left": (o.deadline - today).days, "days_over": (today - o.deadline).days}
            for o in open_orders + closed]


@login_required
@require_GET
def portal(request):
    user = request.user
    if user.role != "producer":
        raise PermissionDenied("portal")
    producer = get_object_or_404(visible(Producer, user).select_related(
        "district", "town", "village", "grid"), pk=user.producer_id)
    today = timezone.localdate()
    inspections = (visible(Inspection, user).filter(producer=producer)
                   .select_related("template").order_by("-finished_at", "-pk"))
    samples = producer_samples(user, producer, limit=RECENT)
    plots = list(plots_for(user, producer))
    orders = _orders(user, producer, today)
    return render(request, "portal/home.html", {
        "producer": producer, "plots": plots, "plots_total": sum(p.area_mu for p in plots),
        "certifications": [
            {"cert": c, "expired": c.valid_to < today}
            for c in visible(Certification, user).filter(producer=producer)],
        "inspections": [{"inspection": i, "badge": RESULT_BADGES.get(i.result, "")}
                        for i in inspections[:RECENT]],
        "inspection_count": inspections.count(),
        "orders": orders, "open_orders": sum(1 for row in orders if row["open"]),
        "samples": [{"sample": s, "badge": VERDICT_BADGES.get(s.verdict, ""),
                     "failed": failed_results(s)} for s in samples["items"]],
        "sample_count": samples["count"],
        "credit": credit_file(user, producer, today=today),
        "year": today.year, "today": today,
    })
