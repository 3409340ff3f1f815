"""Check characters of the codes that identify producers, and the masking of the personal
ones.

USCC (统一社会信用代码) follows GB 32100-2015; a resident ID number (公民身份号码)
follows GB 11643-1999. Both are pure functions so forms, imports and the API share them.
"""

import datetime as dt
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 table 1: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


class CodeError(ValueError):
    """A code is malformed; the message says why, in Chinese, for the user."""


def uscc_check_char(body: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise CodeError("统一社会信用代码应为18位")
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise CodeError(f"统一社会信用代码含非法字符“{bad[0]}”")
    if not code[2:8].isdigit():
        raise CodeError("统一社会信用代码第3–8位应为行政区划代码（数字）")
    if uscc_check_char(code[:17]) != code[17]:
        raise CodeError("统一社会信用代码校验位错误（GB 32100-2015）")
    return code


def id_check_char(body: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise CodeError("身份证号码应为18位")
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise CodeError("身份证号码前17位应为数字，末位为数字或X")
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise CodeError("身份证号码中的出生日期无效") from None
    if not dt.date(1900, 1, 1) <= born <= dt.date.today():
        raise CodeError("身份证号码中的出生日期超出范围")
    if id_check_char(code[:17]) != code[17]:
        raise CodeError("身份证号码校验位错误（GB 11643）")
    return code


def mask_id_number(code: str) -> str:
    return f"{code[:6]}********{code[-4:]}" if code else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else phone


# Personal numbers inside free text: an 18-character resident ID (last may be X) and the old
# 15-digit form; mobile and landline numbers. Published copies (nongan.public.masking) and
# the logs (nongan.core.logmask) are scrubbed with these.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8,11}([0-9Xx])(?![0-9A-Za-z])")
# Numbers are written grouped too: 139 1234 5678, 139-1234-5678.
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?\d{7,8}(?!\d)")


def scrub_numbers(text: str) -> str:
    """Free text with every ID, mobile and landline number masked: an ID number keeps its
    area code and check character (310115***********X), a mobile its first three and last
    four digits (139****5678), a landline its area code (021-********)."""
    text = ID_NUMBER.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 7) + m.group(2),
                         text or "")
    text = MOBILE.sub(r"\1****\2", text)
    return LANDLINE.sub(lambda m: m.group(1) + "-********", text)
