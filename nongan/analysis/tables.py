"""The dashboard's tables, built once from its figures for both the page (cells with their
drill-down links) and the Excel export (`/analysis/?format=xlsx&table=NAME`), so the
exported rows are the rows shown."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from nongan.regions.models import LEVELS

LEVEL_NAMES = dict(LEVELS)
GRID = "网格"


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]  # cells: a value, or (value, url)

    def cells(self) -> list[list[dict]]:
        """Rows as the template shows them: value, link, and whether it is a number."""
        shown = []
        for row in self.rows:
            cells = []
            for cell in row:
                value, url = cell if isinstance(cell, tuple) else (cell, "")
                cells.append({"value": "—" if value is None else value, "url": url,
                              "num": isinstance(value, int | float)})
            shown.append(cells)
        return shown

    def values(self) -> list[list]:
        return [plain(row) for row in self.rows]


def plain(row: list) -> list:
    """A row's values without their links (what Excel gets)."""
    return [cell[0] if isinstance(cell, tuple) else cell for cell in row]


def _linked(n: int, url: str):
    return (n, url) if n else n


def tables(data: dict, scope) -> list[Table]:
    area = LEVEL_NAMES[scope.area_level]
    commitments, inspections = data["commitments"], data["inspections"]
    by_grid = inspections["area_by"] == "grid"
    found = [
        Table("areas", _("在册主体与网格覆盖"),
              [area, _("生产主体"), _("地块"), _("网格"), _("未入网格的主体"),
               _("未入网格的地块"), _("无人员的网格")],
              [[(r["name"], r["records"]), r["producers"], r["plots"], r["grids"],
                r["producers_without_grid"], r["plots_without_grid"],
                r["grids_without_person"]] for r in data["areas"]]),
        Table("commitments", _("承诺书签订（%(year)s年度）") % {"year": commitments["year"]},
              [LEVEL_NAMES["district" if scope.region.level == "city" else "town"],
               _("告知书"), _("已签订"), _("按期签订"), _("未签订"), _("签订率（%）")],
              [[r["name"], r["letters"], r["signed"], r["on_time"],
                _linked(r["unsigned"], r["records"]), r["rate"]]
               for r in commitments["areas"]]),
        Table("inspections", _("巡查频次"),
              [GRID if by_grid else LEVEL_NAMES[inspections["area_by"]], _("应巡查"),
               _("已完成"), _("待完成"), _("逾期"), _("逾期主体")],
              [[r["name"], r["total"], r["done"], r["due"],
                _linked(r["overdue"], r["records"]), r["producers_behind"]]
               for r in inspections["areas"]]),
        Table("obligations", _("巡查要求完成情况"),
              [_("巡查要求"), _("应巡查"), _("已完成"), _("待完成"), _("逾期")],
              [[(r["name"], r["records"]), r["total"], r["done"], r["due"], r["overdue"]]
               for r in inspections["by_obligation"]]),
        Table("sample_months", _("各月抽检"),
              [_("月份"), _("样品数"), _("合格"), _("不合格"), _("待检测"), _("不合格率（%）")],
              [[r["month"], r["total"], r["compliant"],
                _linked(r["non_compliant"], r["records"]), r["incomplete"], r["rate"]]
               for r in data["sample_months"]]),
        Table("sample_products", _("抽检样品较多的产品"),
              [_("样品名称"), _("样品数"), _("合格"), _("不合格"), _("待检测"),
               _("不合格率（%）")],
              [[(r["product"], r["records"]), r["total"], r["compliant"], r["non_compliant"],
                r["incomplete"], r["rate"]] for r in data["sample_products"]]),
        Table("sample_pesticides", _("不合格较多的检测项目"),
              [_("检测项目"), _("不合格次数"), _("检测次数"), _("不合格率（%）")],
              [[(r["analyte"], r["records"]), r["failed"], r["tested"], r["rate"]]
               for r in data["sample_pesticides"]]),
        Table("sample_areas", _("各区域抽检"),
              [area, _("样品数"), _("合格"), _("不合格"), _("待检测"), _("不合格率（%）")],
              [[(r["name"], r["records"]), r["total"], r["compliant"], r["non_compliant"],
                r["incomplete"], r["rate"]] for r in data["sample_areas"]]),
        Table("warnings", _("未办结的风险预警"),
              [LEVEL_NAMES["town"], *[level["name"] for level in data["warnings"]["levels"]],
               _("合计")],
              [[(t["name"], t["records"]), *t["counts"].values(), t["total"]]
               for t in _warning_rows(data["warnings"])]),
        Table("cases", _("行政处罚案件（本期立案）"), [_("当前环节"), _("案件数")],
              [[r["name"], _linked(r["count"], r["records"])] for r in data["cases"]["stages"]]),
    ]
    return found


def _warning_rows(found: dict) -> list[dict]:
    """Each town's open warnings, and those concerning a whole district or the city."""
    wider = found["without_town"]
    return found["towns"] + ([wider | {"name": _("全区或全市（未定位到镇）")}]
                             if wider["total"] else [])


def by_name(found: list[Table]) -> dict[str, Table]:
    return {table.name: table for table in found}
