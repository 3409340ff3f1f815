"""Masking of personal data before anything is published (个人信息脱敏): names of individuals,
ID numbers and phone numbers. Published copies are made through these functions and
stored masked, so an unmasked value never reaches a public page or answer."""

from nongan.core.validators import scrub_numbers

INDIVIDUAL_KINDS = {"grower"}


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**: the surname stays, the given name goes."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_id_number(value: str) -> str:
    value = (value or "").strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 7) + value[-1]


def mask_phone(value: str) -> str:
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def scrub(text: str, names=()) -> str:
    """Free text with every ID number, phone number and each of `names` masked."""
    text = text or ""
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return scrub_numbers(text)


def party_name(producer) -> str:
    """The name of a producer as published: an individual grower's name is personal data,
    and so is the person's name inside a firm's name (张三家庭农场 → 张*家庭农场)."""
    if producer.kind in INDIVIDUAL_KINDS:
        return mask_name(producer.name)
    return scrub(producer.name, [producer.legal_rep])


def personal_names(producer) -> list[str]:
    """Names in a producer's record that belong to individuals."""
    names = [producer.legal_rep]
    if producer.kind in INDIVIDUAL_KINDS:
        names.append(producer.name)
    return names
