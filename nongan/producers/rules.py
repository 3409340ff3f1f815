"""Field rules of the producer register, shared by forms, the API and bulk import.

Each cleaner takes raw values (strings from a spreadsheet, JSON from the API) and returns
clean values or a Chinese reason; nothing here touches the database.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from nongan.core.validators import CodeError, validate_id_number, validate_uscc

from .models import CERT_KINDS, CERT_STATUSES, KINDS

KIND_CODES = dict(KINDS)
KIND_BY_NAME = {name: code for code, name in KINDS} | {
    "企业": "enterprise", "合作社": "cooperative", "种植户": "grower", "养殖户": "grower",
}
CERT_BY_NAME = {name: code for code, name in CERT_KINDS} | {
    "绿色": "green", "有机": "organic", "地理标志": "gi", "地标": "gi",
}
# 实施方案 四.(四).1: enterprises, cooperatives, family farms, and growers of 10 mu and more
# ("10亩以上" — in Chinese legal usage 以上 includes the number itself, 刑法 Art. 99).
SCALE_KINDS = {"enterprise", "cooperative", "family_farm"}
SCALE_AREA_MU = Decimal("10")
# Registered entities carry a USCC; a grower (an individual household) an ID number.
USCC_REQUIRED = {"enterprise", "cooperative"}
ID_REQUIRED = {"grower"}
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{8})$")
MAX_AREA_MU = Decimal("100000")


class Invalid(ValueError):
    pass


def is_scale(kind: str, area_mu: Decimal) -> bool:
    return kind in SCALE_KINDS or area_mu >= SCALE_AREA_MU


def text(value, *, required=False, max_length=200) -> str:
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise Invalid("不能为空")
    if len(value) > max_length:
        raise Invalid(f"不能超过{max_length}个字")
    return value


def kind(value) -> str:
    value = text(value, required=True)
    code = value if value in KIND_CODES else KIND_BY_NAME.get(value)
    if not code:
        raise Invalid("主体类型应为：" + "、".join(KIND_CODES.values()))
    return code


def cert_kind(value) -> str:
    value = text(value, required=True)
    code = value if value in dict(CERT_KINDS) else CERT_BY_NAME.get(value)
    if not code:
        raise Invalid("认证类型应为：绿色食品、有机农产品、农产品地理标志")
    return code


def cert_status(value) -> str:
    value = text(value) or "valid"
    if value not in dict(CERT_STATUSES):
        raise Invalid("状态应为 valid/suspended/revoked/expired")
    return value


def uscc(value) -> str | None:
    value = text(value)
    if not value:
        return None
    try:
        return validate_uscc(value)
    except CodeError as exc:
        raise Invalid(str(exc)) from None


def id_number(value) -> str:
    value = text(value)
    if not value:
        return ""
    try:
        return validate_id_number(value)
    except CodeError as exc:
        raise Invalid(str(exc)) from None


def phone(value) -> str:
    value = text(value).replace(" ", "")
    if value.endswith(".0"):  # spreadsheets turn phone numbers into floats
        value = value[:-2]
    if value and not PHONE.match(value):
        raise Invalid("电话号码格式不正确（手机11位或带区号的固定电话）")
    return value


def area(value, *, required=False) -> Decimal | None:
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise Invalid("不能为空")
        return None
    try:
        number = Decimal(value).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise Invalid("应为数字（亩）") from None
    if number < 0 or number > MAX_AREA_MU:
        raise Invalid(f"应在0到{MAX_AREA_MU}亩之间")
    return number


def date(value, *, required=True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    value = text(value)
    if not value:
        if required:
            raise Invalid("不能为空")
        return None
    try:
        return dt.date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise Invalid("日期格式应为 YYYY-MM-DD") from None


def products(value) -> list[dict]:
    """Accepts a list of {"name", "varieties"} or text like 番茄:粉果,红果;黄瓜."""
    if isinstance(value, list):
        items = []
        for entry in value:
            if isinstance(entry, str):
                entry = {"name": entry}
            if not isinstance(entry, dict) or not text(entry.get("name")):
                raise Invalid("每个产品须有名称")
            varieties = [text(v, max_length=60) for v in entry.get("varieties") or [] if text(v)]
            items.append({"name": text(entry["name"], max_length=60), "varieties": varieties})
        return items
    raw = text(value, max_length=1000)
    items = []
    for part in re.split(r"[;；]", raw):
        if not part.strip():
            continue
        name, _, rest = part.replace("：", ":").partition(":")
        varieties = [v.strip() for v in re.split(r"[,，、]", rest) if v.strip()]
        items.append({"name": text(name, required=True, max_length=60), "varieties": varieties})
    return items
