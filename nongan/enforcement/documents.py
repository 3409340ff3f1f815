"""Case documents (执法文书): numbered "〈机关〉农〈文书〉〔年〕N号" and rendered from the templates
in templates/enforcement/documents/, then frozen in the CaseStep that issued them.

The authority's short name is its district's name without 新区/区, first character
(浦东新区 → 浦, 闵行区 → 闵): Shanghai's 16 districts all start differently. Numbers run per
authority, document kind and year; DocumentSequence rows are locked while a number is taken,
so two officers issuing at once never get the same number.
"""

from django.db.models import F
from django.template.loader import render_to_string

from nongan.people.models import Organisation

from .models import DocumentSequence

# Step kind → (document, abbreviation in its number, template).
DOCUMENTS = {
    "registered": ("立案审批表", "立", "registered"),
    "investigation": ("现场检查笔录", "检", "site_check"),
    "notice": ("行政处罚事先告知书", "告", "notice"),
    "hearing_request": ("听证通知书", "听", "hearing_notice"),
    "extension": ("延长办案期限审批表", "延", "extension"),
    "decision": ("行政处罚决定书", "罚", "decision"),
    "service": ("送达回证", "送", "service"),
    "closed": ("结案报告", "结", "closing"),
}
SUFFIXES = ("新区", "区")


def authority_short(district) -> str:
    """浦东新区 → 浦, 闵行区 → 闵."""
    name = district.name
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name[0]


def authority_name(district) -> str:
    """The district's agriculture commission (区农业农村委) that decides the case."""
    office = (Organisation.objects.filter(kind="agriculture", region=district)
              .order_by("pk").values_list("name", flat=True).first())
    return office or f"上海市{district.name}农业农村委员会"


def prefix(district, abbreviation: str, year: int) -> str:
    return f"{authority_short(district)}农{abbreviation}〔{year}〕"


def next_number(district, abbreviation: str, year: int) -> str:
    """The next number of a kind of document of the district's authority in `year`; call
    inside the transaction that stores it (the sequence row stays locked until then)."""
    head = prefix(district, abbreviation, year)
    sequence, _ = DocumentSequence.objects.select_for_update().get_or_create(prefix=head)
    DocumentSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db()
    return f"{head}{sequence.last}号"


def abbreviation(kind: str) -> str:
    return DOCUMENTS[kind][1]


def render(kind: str, number: str, district, day, context: dict) -> tuple[str, str]:
    """The document of a step as HTML, with its number: (document name, HTML)."""
    title, _abbreviation, template = DOCUMENTS[kind]
    html = render_to_string(f"enforcement/documents/{template}.html",
                            context | {"doc_title": title, "doc_no": number,
                                       "authority": authority_name(district),
                                       "issued_on": day})
    return title, html.strip()


def issue(kind: str, district, day, context: dict) -> tuple[str, str, str]:
    """Number and render the document of a step: (document name, number, HTML)."""
    number = next_number(district, abbreviation(kind), day.year)
    title, html = render(kind, number, district, day, context)
    return title, number, html
