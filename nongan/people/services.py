"""Writes on accounts: creation, logins with lockout, API tokens."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import FieldErrors

from .models import ROLE_NAMES, ApiToken, User

# The level a role works at; a role's region must be of that level (city admins at city).
ROLE_LEVELS = {
    "city_admin": {"city"},
    "district_officer": {"district"},
    "town_officer": {"town"},
    "grid_worker": {"village"},
    "lab_staff": {"city", "district"},
    "enforcement_officer": {"district"},
    "producer": {"village"},
}


class LockedOut(Exception):
    """Too many failed logins; try again after `until`."""

    def __init__(self, until):
        self.until = until
        super().__init__(f"locked until {until:%H:%M}")


@transaction.atomic
def create_user(*, username, role, region, password, actor, org=None, producer=None,
                full_name="", phone="", enforcement_card_no="", enforcement_card_valid_to=None,
                check_password=True) -> User:
    errors = {}
    if not username or User.objects.filter(username=username).exists():
        errors["username"] = "用户名为空或已存在"
    if role not in ROLE_NAMES:
        errors["role"] = f"角色应为 {', '.join(ROLE_NAMES)} 之一"
    elif region.level not in ROLE_LEVELS[role]:
        errors["region"] = f"{ROLE_NAMES[role]}的辖区应为{'/'.join(ROLE_LEVELS[role])}级"
    if role == "producer" and producer is None:
        errors["producer"] = "生产主体账号须关联一个生产主体"
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = "；".join(exc.messages)
    if errors:
        raise FieldErrors(errors)
    user = User(username=username, role=role, region=region, org=org, producer=producer,
                full_name=full_name, phone=phone, enforcement_card_no=enforcement_card_no,
                enforcement_card_valid_to=enforcement_card_valid_to)
    user.set_password(password)
    user.save()
    audit.record("account.create", user, actor=actor, region_code=region.code,
                 after={"username": username, "role": role, "region": region.code,
                        "org": org.pk if org else None, "producer": producer.pk if producer else None})
    return user


def login(request, username: str, password: str) -> User | None:
    """Authenticate, counting failures: after LOGIN_FAILURE_LIMIT the account locks."""
    candidate = User.objects.filter(username=username).first()
    if candidate and candidate.is_locked():
        raise LockedOut(candidate.locked_until)
    user = authenticate(request, username=username, password=password)
    with transaction.atomic():
        if user is None:
            if candidate:
                _count_failure(candidate)
            return None
        if user.failed_logins:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit.record("account.login", user, actor=user, region_code=user.region_id)
    return user


def _count_failure(user: User) -> None:
    user.failed_logins += 1
    fields = ["failed_logins"]
    if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
        user.locked_until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        user.failed_logins = 0
        fields.append("locked_until")
        audit.record("account.locked", user, actor=None, region_code=user.region_id,
                     after={"locked_until": user.locked_until})
    user.save(update_fields=fields)


@transaction.atomic
def issue_token(user: User) -> tuple[str, dt.datetime]:
    key = ApiToken.new_key()
    expires = timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash(key), expires_at=expires)
    audit.record("account.token", user, actor=user, region_code=user.region_id,
                 after={"expires_at": expires})
    return key, expires


def user_for_token(key: str) -> User | None:
    token = (ApiToken.objects.select_related("user", "user__region")
             .filter(key_hash=ApiToken.hash(key), expires_at__gt=timezone.now()).first())
    if token and token.user.is_active:
        return token.user
    return None
