"""Which roles may perform which actions within their own scope (403 otherwise)."""

from django.core.exceptions import PermissionDenied

from .validators import mask_id_number, mask_phone

# Register keeping (摸底、登记、造册) is done from the village up (实施方案 四.(二)).
ACTIONS = {
    "register.edit": {"city_admin", "district_officer", "town_officer", "grid_worker"},
    "register.import": {"city_admin", "district_officer", "town_officer"},
    "grid.edit": {"city_admin", "district_officer", "town_officer"},
    "regions.update": {"city_admin"},
    "audit.view": {"city_admin", "district_officer"},
    # 实施方案 三.(一): inspections are made by the grid and the town, checked by the district.
    "inspection.submit": {"district_officer", "town_officer", "grid_worker",
                          "enforcement_officer"},
    "template.edit": {"city_admin"},
    # Photos and signatures are taken by everyone who fills a form in the field, and by a
    # producer showing what it put right (rectification.reply).
    "media.upload": {"district_officer", "town_officer", "grid_worker", "enforcement_officer",
                     "lab_staff", "producer"},
    # Only the producer answers its own rectification order (整改答复).
    "rectification.reply": {"producer"},
    # 实施方案 四.(四).3: city and district offices commission monitoring; testing
    # institutions sample and test; enforcement samples for 监督抽查 (see SAMPLERS).
    "plan.create": {"city_admin", "district_officer"},
    "sample.submit": {"lab_staff", "enforcement_officer", "district_officer", "town_officer"},
    "sample.receive": {"lab_staff"},
    "result.enter": {"lab_staff"},
    "summary.submit": {"lab_staff"},
    "sample.notify": {"district_officer", "town_officer", "enforcement_officer"},
    "retest.request": {"district_officer", "enforcement_officer"},
    "followup.act": {"district_officer", "town_officer", "enforcement_officer"},
    "standard.import": {"city_admin"},
    # 双随机、一公开 and penalty cases are the district enforcement brigade's (实施方案
    # 三.(三)); the district office keeps the matters list and publishes with them.
    "matter.edit": {"city_admin", "district_officer", "enforcement_officer"},
    "conflict.declare": {"district_officer", "enforcement_officer"},
    "spotcheck.plan": {"district_officer", "enforcement_officer"},
    "spotcheck.result": {"enforcement_officer"},
    "spotcheck.publish": {"district_officer", "enforcement_officer"},
    "case.open": {"enforcement_officer"},
    "case.act": {"enforcement_officer"},
    "case.publish": {"district_officer", "enforcement_officer"},
    "credit.rules.edit": {"city_admin"},
    # 实施方案 四.(三): districts issue the letters and collect the commitments by 31 March;
    # the town and the grid deliver them and enter a paper commitment signed on the spot
    # (a producer account signs its own, see commitments.services).
    "campaign.start": {"city_admin", "district_officer"},
    "letter.deliver": {"district_officer", "town_officer", "grid_worker"},
    "commitment.sign_on_behalf": {"district_officer", "town_officer", "grid_worker"},
    "warning.handle": {"city_admin", "district_officer", "town_officer"},
    "warning.measure": {"city_admin", "district_officer", "town_officer", "enforcement_officer"},
    "risk.run": {"city_admin"},
    "stats.view": {"city_admin", "district_officer", "town_officer", "enforcement_officer"},
    "assessment.view": {"city_admin", "district_officer", "enforcement_officer"},
    "assessment.edit": {"city_admin"},
    # 实施方案 二: the city registers partner agencies, issues their keys and subscriptions.
    "agency.manage": {"city_admin"},
    "exchange.view": {"city_admin", "district_officer"},
    # Referrals (移送) leave a case's file; the brigade sends them and records the answer.
    "referral.send": {"enforcement_officer", "district_officer"},
    "referral.answer": {"enforcement_officer", "district_officer"},
    "joint.record": {"district_officer", "town_officer", "enforcement_officer"},
    # 信用中国 / the city's public credit platform: the city sends the daily file.
    "credit.publish": {"city_admin"},
    "trace.import": {"city_admin", "district_officer"},
    # Sensors are registered where the producer is supervised.
    "iot.manage": {"city_admin", "district_officer", "town_officer"},
}


def allowed(user, action: str) -> bool:
    return bool(user and user.is_authenticated and user.role in ACTIONS[action])


def require(user, action: str) -> None:
    if not allowed(user, action):
        raise PermissionDenied(action)


# --- personal data (个人信息): a producer's ID number and phone ------------------------------


def sees_personal_data(user, producer) -> bool:
    """The one rule for a producer's ID number and phone number: in full to the producer
    itself and to the officers of its own district (who register, inspect, sample and
    sanction it); masked to the city level, testing institutions, other districts and
    other producers; the public sees neither (nongan.public.masking)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == "producer":
        return user.producer_id == producer.pk
    if user.role in ("city_admin", "lab_staff"):
        return False
    return user.region.district_id == producer.district_id


def shown_id_number(user, producer) -> str:
    """A producer's ID number as `user` may see it, on a page, in an answer or an export."""
    number = producer.id_number or ""
    return number if not number or sees_personal_data(user, producer) else mask_id_number(
        number)


def shown_phone(user, producer) -> str:
    phone = producer.phone or ""
    return phone if not phone or sees_personal_data(user, producer) else mask_phone(phone)
