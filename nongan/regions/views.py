"""Pages of divisions, grids and coverage (区域定格、网格定人、人员定责). Thin: reads go
through `queries` (all built on `visible`), writes through `services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require, shown_phone
from nongan.core.scoping import visible
from nongan.core.templatetags.nongan_ui import GRID_KIND_LABELS, MEMBER_ROLE_LABELS

from . import queries, services
from .forms import GridMemberForm
from .models import Grid, Region

COVERAGE_PAGE_SIZE = 50
GRID_TOWN_OPTIONS = ("district", "town")


def _region(request, code) -> Region:
    return get_object_or_404(visible(Region, request.user), code=code)


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


# --- regions -----------------------------------------------------------------------------


@login_required
@require_GET
def region_root(request):
    if request.user.role == "producer":
        return redirect("home")
    return redirect("region", code=request.user.region_id)


@login_required
@require_GET
def region(request, code):
    """A division: where it sits, its children with their counts, retired ones greyed."""
    found = _region(request, code)
    return render(request, "regions/region.html", {
        "region": found,
        "breadcrumb": queries.ancestors_visible(request.user, found),
        "children": queries.children_with_counts(request.user, found),
        "child_level": queries.LEVEL_BELOW.get(found.level, ""),
        "summary": queries.summary(request.user, found),
        "village_grids": (queries.with_members(queries.grids(request.user, found))
                          .order_by("code") if found.level == "village" else None),
    })


# --- grids -------------------------------------------------------------------------------


def _area_options(user):
    """Districts and towns a user can filter the grid list by."""
    return visible(Region, user).filter(active=True, level__in=GRID_TOWN_OPTIONS).order_by("code")


@login_required
@require_GET
def grid_list(request):
    """监管网格 list, filtered by region and text, with who is missing; xlsx on request."""
    user, params = request.user, request.GET
    area = _region(request, params["region"].strip()) if params.get("region", "").strip() else None
    qs = queries.with_members(queries.grids(user, area)).select_related(
        "district", "town", "village")
    q = params.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q) | Q(village__name__icontains=q))
    missing = params.get("missing", "")
    if missing == "person":
        qs = qs.filter(member_count=0)
    elif missing == "supervisor":
        qs = qs.filter(has_supervisor=False)
    qs = qs.order_by("code")
    if params.get("format") == "xlsx":
        return _grids_xlsx(qs)
    return render(request, "regions/grid_list.html", {
        "page": page_of(qs, params.get("page"), params.get("page_size")),
        "area": area, "q": q, "missing": missing, "areas": _area_options(user),
    })


def _members_text(grid) -> str:
    return "；".join(f"{m.name}（{MEMBER_ROLE_LABELS.get(m.role, m.role)}）：{m.duty}"
                    for m in grid.members.all())


def _grids_xlsx(qs):
    headers = [_("网格编码"), _("网格名称"), _("类型"), _("区"), _("镇（街道）"), _("村（居）"),
               _("村代码"), _("人员数"), _("有网格监管员"), _("人员与职责")]
    rows = (
        [g.code, g.name, str(GRID_KIND_LABELS.get(g.kind, g.kind)), g.district.name, g.town.name,
         g.village.name, g.village_id, g.member_count, _yes_no(g.has_supervisor),
         _members_text(g)]
        for g in qs.prefetch_related("members").iterator(chunk_size=2000)
    )
    return xlsx_response(f"grids-{timezone.localdate():%Y%m%d}.xlsx", headers, rows)


@login_required
@require_http_methods(["GET", "POST"])
def grid(request, code):
    """A grid: its village, its people and their duties (人员定责), what lies in it, and the
    public notice (公示). POST adds (`op=add`) or removes (`op=remove`) a member."""
    user = request.user
    found = get_object_or_404(
        visible(Grid, user).select_related("district", "town", "village"), code=code)
    form, status = None, 200
    if request.method == "POST":
        require(user, "grid.edit")
        if request.POST.get("op") == "remove":
            member_id = request.POST.get("member", "")
            if not member_id.isdigit():
                raise Http404
            member = get_object_or_404(found.members.all(), pk=int(member_id))
            services.remove_grid_member(member, actor=user)
            messages.success(request, _("已移除网格人员：%(name)s") % {"name": member.name})
            return redirect("grid", code=found.code)
        form = GridMemberForm(request.POST, grid=found, actor=user)
        if form.is_valid():
            try:
                member = services.assign_grid_member(found, actor=user, **form.cleaned_data)
            except FieldErrors as exc:
                form.attach(exc)
            else:
                messages.success(request, _("已添加网格人员：%(name)s") % {"name": member.name})
                return redirect("grid", code=found.code)
        status = 422
    if form is None and allowed(user, "grid.edit"):
        form = GridMemberForm(grid=found, actor=user)
    members = list(found.members.select_related("user").order_by("-role", "name"))  # supervisors first
    in_grid = queries.producers(user).filter(grid=found)
    return render(request, "regions/grid.html", {
        "grid": found, "members": members, "form": form,
        "breadcrumb": queries.ancestors_visible(user, found.village, include_self=True),
        "producer_count": in_grid.count(),
        "producers": in_grid.order_by("name", "id")[:20],
        "plot_count": queries.plots(user).filter(grid=found).count(),
        "today": timezone.localdate(),
    }, status=status)


# --- coverage ----------------------------------------------------------------------------


def _coverage_lists(user, region) -> dict:
    return {
        "producers": queries.producers_without_grid(user, region)
        .select_related("district", "town", "village", "grid").order_by("town_id", "village_id",
                                                                         "name", "id"),
        "plots": queries.plots_without_grid(user, region)
        .select_related("producer", "district", "town", "village", "grid")
        .order_by("town_id", "village_id", "plot_no"),
        "grids": queries.grids_without_person(user, region)
        .select_related("district", "town", "village").order_by("town_id", "code"),
    }


def _coverage_xlsx(user, which, qs, region):
    if which == "producers":
        headers = [_("名称"), _("主体类型"), _("统一社会信用代码"), _("法定代表人/负责人"),
                   _("联系电话"), _("区"), _("镇（街道）"), _("村（居）"), _("村代码"),
                   _("原网格（已撤销）")]
        rows = ([p.name, p.get_kind_display(), p.uscc or "", p.legal_rep, shown_phone(user, p),
                 p.district.name, p.town.name, p.village.name, p.village_id,
                 p.grid.code if p.grid_id else ""] for p in qs.iterator(chunk_size=2000))
    elif which == "plots":
        headers = [_("地块编号"), _("生产主体"), _("作物"), _("测算面积（亩）"), _("区"),
                   _("镇（街道）"), _("村（居）"), _("村代码"), _("原网格（已撤销）")]
        rows = ([p.plot_no, p.producer.name, p.crop, float(p.area_mu), p.district.name,
                 p.town.name, p.village.name, p.village_id, p.grid.code if p.grid_id else ""]
                for p in qs.iterator(chunk_size=2000))
    else:
        headers = [_("网格编码"), _("网格名称"), _("类型"), _("区"), _("镇（街道）"),
                   _("村（居）"), _("村代码")]
        rows = ([g.code, g.name, str(GRID_KIND_LABELS.get(g.kind, g.kind)), g.district.name,
                 g.town.name, g.village.name, g.village_id] for g in qs.iterator(chunk_size=2000))
    name = f"coverage-{which}-{region.code}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(name, headers, rows)


@login_required
@require_GET
def coverage_root(request):
    if request.user.role == "producer":
        return redirect("home")
    return redirect("coverage", code=request.user.region_id)


@login_required
@require_GET
def coverage(request, code):
    """区域定格、网格定人: every producer and plot with no grid, every grid with nobody."""
    user = request.user
    found = _region(request, code)
    if found.level == "city" and user.role != "city_admin":
        raise PermissionDenied("coverage of the city")
    lists = _coverage_lists(user, found)
    if request.GET.get("format") == "xlsx":
        which = request.GET.get("list", "")
        if which not in lists:
            raise Http404
        return _coverage_xlsx(user, which, lists[which], found)
    areas = queries.gaps_by_area(user, found)
    summary = queries.summary_of(areas)
    counted = {"producers": "producers_without_grid", "plots": "plots_without_grid",
               "grids": "grids_without_person"}
    pages = {key: page_of(qs, request.GET.get(f"{key}_page"), COVERAGE_PAGE_SIZE,
                          count=summary[counted[key]])
             for key, qs in lists.items()}
    return render(request, "regions/coverage.html", {
        "region": found, "pages": pages, "can_place": allowed(user, "grid.edit"),
        "breadcrumb": queries.ancestors_visible(user, found),
        "areas": areas, "area_level": queries.group_level(found), "summary": summary,
    })


@login_required
@require_POST
def coverage_place(request, code):
    """划入网格 from the coverage page: the gaps put in their villages' grids."""
    found = _region(request, code)
    result = services.place_in_village_grids(found, actor=request.user)
    placed, left = result["placed"], result["left"]
    messages.success(request, _("已划入所在村网格：主体 %(producers)s 家，地块 %(plots)s 块。") % placed)
    if any(left.values()):
        messages.warning(request, _("所在村无有效网格，仍未划入：主体 %(producers)s 家，地块 "
                                    "%(plots)s 块；请先设立网格。") % left)
    return redirect("coverage", code=found.code)
