"""ECharts options of the dashboard, built here as plain JSON (no functions), rendered by
`static/nongan/analysis.js`. A data item may carry `url`: clicking it opens the records
behind it (the same link as the table row beside the chart)."""

from django.utils.translation import gettext as _

GREEN, RED, AMBER, BLUE, GREY = "#1f6f43", "#b91c1c", "#b45309", "#2563eb", "#94a3b8"
LEVEL_COLOURS = {"red": "#dc2626", "orange": "#ea580c", "yellow": "#ca8a04", "blue": "#2563eb"}
STATUS_COLOURS = {"done": GREEN, "due": BLUE, "overdue": RED}


def _item(value, url: str = "", **extra) -> dict:
    return {"value": value, **({"url": url} if url else {}), **extra}


def _horizontal(names: list[str], series: list[dict], *, stacked=False) -> dict:
    """Bars lying down: long Chinese names stay readable on a phone."""
    return {
        "grid": {"left": 8, "right": 24, "top": 28, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "type": "scroll"} if len(series) > 1 else {"show": False},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names, "inverse": True,
                  "axisLabel": {"width": 96, "overflow": "truncate"}},
        "series": [s | {"type": "bar", **({"stack": "all"} if stacked else {})}
                   for s in series],
    }


def sample_months(rows: list[dict]) -> dict:
    return {
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [r["month"] for r in rows]},
        "yAxis": [{"type": "value", "name": _("样品数"), "minInterval": 1},
                  {"type": "value", "name": _("不合格率%"), "min": 0,
                   "axisLabel": {"formatter": "{value}%"}, "splitLine": {"show": False}}],
        "series": [
            {"type": "bar", "name": _("样品数"), "itemStyle": {"color": GREEN},
             "data": [_item(r["total"]) for r in rows]},
            {"type": "line", "name": _("不合格率"), "yAxisIndex": 1, "connectNulls": False,
             "itemStyle": {"color": RED}, "symbolSize": 8,
             "data": [_item(r["rate"], r["records"]) for r in rows]},
        ],
    }


def sample_products(rows: list[dict]) -> dict:
    return _horizontal([r["product"] for r in rows], [
        {"name": _("合格"), "itemStyle": {"color": GREEN},
         "data": [_item(r["compliant"], r["records"]) for r in rows]},
        {"name": _("不合格"), "itemStyle": {"color": RED},
         "data": [_item(r["non_compliant"], r["records"]) for r in rows]},
        {"name": _("待检测"), "itemStyle": {"color": GREY},
         "data": [_item(r["incomplete"], r["records"]) for r in rows]},
    ], stacked=True)


def sample_pesticides(rows: list[dict]) -> dict:
    return _horizontal([r["analyte"] for r in rows], [
        {"name": _("不合格次数"), "itemStyle": {"color": RED},
         "label": {"show": True, "position": "right"},
         "data": [_item(r["failed"], r["records"]) for r in rows]},
    ])


def inspections(found: dict) -> dict:
    names = {"done": _("已完成"), "due": _("待完成"), "overdue": _("逾期")}
    areas = found["areas"]
    return _horizontal([a["name"] for a in areas], [
        {"name": names[status], "itemStyle": {"color": STATUS_COLOURS[status]},
         "data": [_item(a[status], a["records"] if status == "overdue" else "")
                  for a in areas]}
        for status in ("done", "due", "overdue")], stacked=True)


def cases(found: dict) -> dict:
    stages = found["stages"]
    return _horizontal([s["name"] for s in stages], [
        {"name": _("案件数"), "itemStyle": {"color": AMBER},
         "label": {"show": True, "position": "right"},
         "data": [_item(s["count"], s["records"]) for s in stages]}])


def producer_kinds(found: dict) -> dict:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["35%", "62%"], "center": ["50%", "45%"],
                    "label": {"formatter": "{c}"},
                    "data": [_item(k["count"], k["records"], name=k["name"])
                             for k in found["by_kind"]]}],
    }


def commitments(found: dict) -> dict:
    areas = found["areas"]
    return _horizontal([a["name"] for a in areas], [
        {"name": _("签订率%"), "itemStyle": {"color": GREEN},
         "label": {"show": True, "position": "right", "formatter": "{c}%"},
         "data": [_item(a["rate"], a["records"]) for a in areas]}]) | {
        "xAxis": {"type": "value", "min": 0, "max": 100,
                  "axisLabel": {"formatter": "{value}%"}}}


def _height(option: dict) -> int:
    """Horizontal bars get room per category; other charts a fixed height."""
    categories = option.get("yAxis", {})
    if isinstance(categories, dict) and categories.get("type") == "category":
        return 60 + 30 * len(categories["data"])
    return 300


def all_charts(data: dict) -> dict:
    """Chart id → {option, height}, for every chart the page shows (a chart with nothing
    to draw is left out and its section says so)."""
    charts = {
        "chart-kinds": producer_kinds(data["register"]) if data["register"]["producers"]
        else None,
        "chart-commitments": commitments(data["commitments"])
        if data["commitments"]["areas"] else None,
        "chart-inspections": inspections(data["inspections"])
        if data["inspections"]["areas"] else None,
        "chart-months": sample_months(data["sample_months"]),
        "chart-products": sample_products(data["sample_products"])
        if data["sample_products"] else None,
        "chart-pesticides": sample_pesticides(data["sample_pesticides"])
        if data["sample_pesticides"] else None,
        "chart-cases": cases(data["cases"]) if data["cases"]["total"] else None,
    }
    return {key: {"option": option, "height": _height(option)}
            for key, option in charts.items() if option is not None}


def map_data(found: dict) -> dict:
    """The warning map: towns placed, their counts by level and the colour of the worst."""
    names = {level["level"]: level["name"] for level in found["levels"]}
    return {"towns": [t | {"colour": LEVEL_COLOURS.get(t["highest"], GREY)}
                      for t in found["towns"] if t["lon"] is not None],
            "levels": names, "colours": LEVEL_COLOURS,
            "strings": {"open": _("查看预警"), "total": _("未办结预警")}}
