"""The registry of computations an indicator (考核指标) may name as its `method`.

A computation is `(districts, year, params, today) -> {district code: Measurement}`: it
scores every district asked in one pass (the city table asks all sixteen at once; a district
page asks one). Each method declares the parameters it takes, with their defaults and
checks, so the table's `params` are validated before they are stored.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from nongan.credit.grading import LABELS

from . import measures_enforcement as enforcement
from . import measures_register as register
from . import measures_supervision as supervision


class BadParam(ValueError):
    """A parameter value that does not fit; the message is Chinese, for the user."""


@dataclass(frozen=True)
class Param:
    label: str
    default: object
    check: object  # value -> clean value, or raises BadParam


def month_day(value) -> str:
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", text)
    try:
        day = dt.date(2024, int(match[1]), int(match[2])) if match else None  # a leap year
    except ValueError:
        day = None
    if day is None:
        raise BadParam("应为“月-日”，如 03-31")
    return f"{day.month:02d}-{day.day:02d}"


def whole(low: int, high: int):
    def check(value) -> int:
        if isinstance(value, bool) or not re.fullmatch(r"-?\d+", str(value).strip()):
            raise BadParam(f"应为 {low} 到 {high} 之间的整数")
        number = int(str(value).strip())
        if not low <= number <= high:
            raise BadParam(f"应为 {low} 到 {high} 之间的整数")
        return number
    return check


def some_of(choices: dict):
    """A non-empty list of keys of `choices` (order kept, duplicates dropped)."""
    def check(value) -> list:
        if isinstance(value, str):
            value = [v for v in re.split(r"[,，、\s]+", value) if v]
        if not isinstance(value, list) or not value:
            raise BadParam("应为非空列表，可选：" + "、".join(f"{k}（{v}）"
                                                      for k, v in choices.items()))
        unknown = [str(v) for v in value if v not in choices]
        if unknown:
            raise BadParam(f"不认识的取值：{'、'.join(unknown)}；可选："
                           + "、".join(choices))
        return list(dict.fromkeys(value))
    return check


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    description: str  # what is counted, in Chinese, for the table's readers
    compute: object
    params: dict = field(default_factory=dict)

    def clean_params(self, raw) -> tuple[dict, dict]:
        """(clean params with defaults filled, {param: Chinese error})."""
        raw = {} if raw in (None, "") else raw
        if not isinstance(raw, dict):
            return {}, {"": "参数应为 JSON 对象，如 {\"deadline\": \"03-31\"}"}
        errors = {str(k): "该计算方法没有这个参数；可用："
                  + ("、".join(self.params) or "无") for k in raw if k not in self.params}
        clean = {}
        for name, spec in self.params.items():
            if name not in raw:
                clean[name] = spec.default
                continue
            try:
                clean[name] = spec.check(raw[name])
            except BadParam as exc:
                errors[name] = f"{spec.label}{exc}"
        return clean, errors


SAMPLE_KINDS = {"routine": "例行监测", "supervisory": "监督抽查", "risk": "风险监测",
                "rapid": "快速检测"}
LAB_KINDS = ["routine", "supervisory", "risk"]
kinds = Param("样品类型", LAB_KINDS, some_of(SAMPLE_KINDS))

METHODS = {m.key: m for m in [
    Method("register_completeness", "生产主体名录信息完整率",
           "在册生产主体中，名录必填信息（默认：名称、统一社会信用代码或身份证号码、"
           "法定代表人/负责人、联系电话、所在村、生产面积）齐全的比例。",
           register.register_completeness,
           {"fields": Param("必填信息", ["name", "identity", "legal_rep", "phone", "village",
                                          "area"], some_of(register.REGISTER_FIELDS))}),
    Method("grid_coverage", "网格覆盖率（主体、地块、村级监管责任人）",
           "在册生产主体和有效地块均划入有效网格，且每个有生产主体的村都有落实了监管人员的"
           "有效网格；主体、地块、村各计一项。",
           register.grid_coverage,
           {"parts": Param("覆盖对象", ["producers", "plots", "villages"], some_of(
               {"producers": "生产主体", "plots": "地块", "villages": "有主体的村"}))}),
    Method("commitments_on_time", "承诺书按期签订率",
           "截止日（默认3月31日）前已发告知书的生产主体中，截止日前签订本年度承诺书的比例；"
           "有生产主体的区截止日后仍未发起告知承诺工作的，该项不得分。",
           register.commitments_on_time,
           {"deadline": Param("签订截止日", "03-31", month_day)}),
    Method("inspection_frequency", "巡查频次达标率",
           "巡查频次中已结束的各期：规模主体每季度1次、“二品一标”主体每月1次、绿色食品和"
           "有机农产品主体每年1次年度检查，按期完成的比例。",
           supervision.inspection_frequency,
           {"obligations": Param("巡查要求", ["quarterly", "monthly", "annual"], some_of(
               {"quarterly": "规模主体每季度巡查", "monthly": "二品一标主体每月巡查",
                "annual": "绿色有机主体年度检查", "grade_quarterly": "信用C季度巡查",
                "grade_monthly": "信用D月度巡查", "grade_sample": "信用D季度抽检"}))}),
    Method("samples_tested_on_time", "样品按期检测率",
           "本区实验室样品（默认：例行监测、监督抽查、风险监测）在检测期限（采样后10日；"
           "复检为收样后7个工作日）内完成检测的比例。",
           supervision.samples_tested_on_time, {"kinds": kinds}),
    Method("reports_uploaded_on_time", "检测报告按期上传率",
           "同类样品在检测期限内按样品编号上传检测报告的比例。",
           supervision.reports_uploaded_on_time, {"kinds": kinds}),
    Method("monthly_summaries_on_time", "月度检测汇总表按期上传率",
           "为本区样品出具结果的检测机构，每月25日前上传当月检测汇总表的比例（按机构和月份"
           "各计一项）。",
           supervision.monthly_summaries_on_time, {"kinds": kinds}),
    Method("spot_checks_done", "双随机抽查按期完成率",
           "双随机抽查对象在检查期限内形成检查结果、抽查计划在检查期限内完成抽取，以及有生产"
           "主体的区全年开展抽查不少于规定次数。",
           enforcement.spot_checks_done,
           {"min_checks": Param("全年最少抽查次数", 1, whole(0, 1000))}),
    Method("spot_checks_published", "抽查结果按期公示率",
           "本年形成的抽查结果在20个工作日内公示的比例。",
           enforcement.spot_checks_published),
    Method("leads_decided", "案源按期处理率（应上尽上）",
           "移交执法的案源（抽查发现违法线索、抽检不合格移交、巡查移交）在7个工作日内立案"
           "或作出不予立案决定的比例。",
           enforcement.leads_decided),
    Method("cases_in_time", "案件按时限办理率",
           "行政处罚案件在立案之日起90日（含依法延长）内作出处罚决定、处罚决定在7个工作日内"
           "公示的比例。",
           enforcement.cases_in_time,
           {"checks": Param("时限", ["decision", "publication"], some_of(
               {"decision": "90日内作出处罚决定", "publication": "7个工作日内公示处罚决定"}))}),
    Method("credit_files_updated", "信用档案更新率",
           "本年实验室抽检不合格、行政处罚结案、巡查移交执法的记录，在生产主体信用档案中"
           "有相应信用事件的比例。",
           enforcement.credit_files_updated,
           {"sources": Param("来源记录", ["sample_non_compliant", "penalty", "inspection_refer"],
                             some_of({k: LABELS[k] for k in enforcement.CREDIT_SOURCES}))}),
    Method("warnings_closed", "风险预警按期办结率",
           "本区本年发布的风险预警在规定天数内办结的比例（默认考核表未采用：实施方案未规定"
           "预警办结时限）。",
           enforcement.warnings_closed,
           {"days": Param("办结期限（天）", 30, whole(1, 365))}),
]}
METHOD_CHOICES = [(m.key, m.label) for m in METHODS.values()]
