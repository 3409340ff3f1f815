"""What is late or coming due in enforcement, for the to-do page: spot-check results not
published within 20 working days (RULES.md 双随机、一公开), and the time limits of the
penalty cases (立案 → 决定 90 days, hearing window, service, payment, publication)."""

from django.urls import reverse
from django.utils import timezone

from .case_rules import case_alerts
from .spot_check_queries import overdue_publications


def overdue(user, today=None) -> list[dict]:
    today = today or timezone.localdate()
    items = []
    for target in overdue_publications(user):
        items.append(_item("抽查结果逾期未公示",
                           f"{target.spot_check.title} · {target.producer.name}",
                           reverse("spot_check", args=[target.spot_check_id]),
                           target.publish_due, today))
    for alert in case_alerts(user, today):
        case = alert["case"]
        items.append(_item(alert["text"], f"{case.case_no} · {case.party.name}",
                           reverse("case", args=[case.pk]), alert["due"], today))
    return sorted(items, key=lambda i: (-i["days_overdue"], i["due"]))


def _item(text, label, link, due, today) -> dict:
    return {"text": text, "label": label, "link": link, "due": due,
            "days_overdue": max(0, (today - due).days)}
