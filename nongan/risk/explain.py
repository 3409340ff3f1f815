"""Plain-Chinese explanations of warnings (预警说明), each with the numbers behind it:
what was observed, what was expected, the threshold, the probability, the samples."""

from .findings import percent

METHOD_NAMES = {
    "farrington": "Farrington 灵活法（按以往各年同期推算）",
    "ears-c1": "EARS-C1 法（按此前 7 个月的水平）",
    "ears-c2": "EARS-C2 法（按此前第 3 至第 9 个月的水平）",
    "ears-c3": "EARS-C3 法（按此前第 3 至第 9 个月的水平，连续 3 个月累计）",
}


METHOD_SHORT = {"farrington": "Farrington 灵活法", "ears-c1": "EARS-C1", "ears-c2": "EARS-C2",
                "ears-c3": "EARS-C3"}
RATES = ("rate_inside", "rate_outside", "p_ref", "posterior_mean", "exceedance", "probability")


def p_text(p: float) -> str:
    return "p<0.0001" if p < 0.0001 else f"p={p:.2g}" if p < 0.01 else f"p={p:.3f}"


def display(key: str, value):
    """A figure as the warning page shows it."""
    if key == "method":
        return METHOD_SHORT.get(value, value)
    if key in RATES and isinstance(value, int | float):
        return percent(value)
    if key == "p_value" and isinstance(value, int | float):
        return p_text(value)[1:].lstrip("=")
    return value


def subject(category: str, pesticide: str) -> str:
    return f"{category or '未分类产品'}{'中' + pesticide if pesticide else ''}"


def temporal(area: str, f: dict) -> str:
    what = subject(f["category"], f["pesticide"])
    unit = f"{f['pesticide']}不合格" if f["pesticide"] else "不合格"
    text = (f"{area}{f['period_label']}{what}抽检{f['tested']}批，{unit}{f['observed']}批，"
            f"明显高于往常：预期约{f['expected']:.1f}批，预警阈值{f['upper']:.1f}批"
            f"（{METHOD_NAMES.get(f['method'], f['method'])}")
    if f.get("p_value") is not None:
        text += f"，{p_text(f['p_value'])}"
    text += (f"）。近{f['recent_months']}个月累计{unit}{f['recent_cases']}批。"
             "请核查相关生产主体的用药情况，必要时开展定向抽检。")
    return text


def spatial(members: str, f: dict) -> str:
    what = f"{f['category']}" if f["category"] else "各类产品"
    return (f"{members}（{len(f['members'])}个镇街，半径约{f['radius_km']:.1f}公里）近"
            f"{f['window_days']}天{what}抽检{f['total']}批，不合格{f['cases']}批"
            f"（{percent(f['rate_inside'])}），其余地区不合格率{percent(f['rate_outside'])}；"
            f"按全市水平预期约{f['expected']:.1f}批。空间扫描（Kulldorff 伯努利模型，"
            f"{f['replications']}次随机重排）显示该区域不合格聚集，{p_text(f['p_value'])}。"
            "请排查区域内共同的风险来源（农资供应、病虫害、用药习惯）。")


def systemic(product: str, pesticide: str, f: dict, names: dict) -> str:
    parts = "、".join(f"{names.get(code, code)}{n}批" for code, n in f["by_district"])
    return (f"近{f['window_days']}天{product}中{pesticide}在{len(f['by_district'])}个区"
            f"检出不合格：{parts}（共{f['samples']}批样品）。同一农药在同一产品中跨区不合格，"
            "提示系统性风险（农药经销渠道、用药习惯或技术指导），请各区联动排查。")


def banned(area: str, pesticide: str, f: dict) -> str:
    rows = "；".join(f"{s['producer']}的{s['product']}（样品{s['sample_no']}，"
                    f"{s['date']}{'，' + s['value'] if s['value'] else ''}）"
                    for s in f["detections"][:5])
    more = f"等{len(f['detections'])}批" if len(f["detections"]) > 5 else ""
    return (f"{area}近{f['window_days']}天检出禁用农药{pesticide}：{rows}{more}。"
            "禁用农药检出即为红色预警，请立即追溯来源、控制产品并移交执法。")


def producer_failures(name: str, f: dict) -> str:
    return (f"{name}近{f['window_days'] // 30}个月抽检{f['n']}批，不合格{f['y']}批；"
            f"全市同期主体平均不合格率{percent(f['p_ref'])}。经验贝叶斯（β-二项）修正后，"
            f"该主体不合格率估计为{percent(f['posterior_mean'])}，高于全市平均的概率为"
            f"{percent(f['exceedance'])}（阈值{percent(f['probability'])}）。"
            "请加强巡查和抽检，督促落实用药间隔期。")


def producer_near(name: str, f: dict) -> str:
    return (f"{name}近{f['window_days'] // 30}个月抽检{f['n']}批，其中{f['y']}批有农药残留"
            f"超过限量的{f['near_ratio'] * 100:.0f}%但未超标（临界）；全市同期临界率"
            f"{percent(f['p_ref'])}。经验贝叶斯（β-二项）修正后临界率估计为"
            f"{percent(f['posterior_mean'])}，高于全市平均的概率为{percent(f['exceedance'])}"
            f"（阈值{percent(f['probability'])}）。尚未超标，请在不合格发生前指导其规范用药。")
