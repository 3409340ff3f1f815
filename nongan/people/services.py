"""Writes on accounts: creation, logins with lockout and a second factor, API tokens."""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.notifications import send

from . import totp
from .models import ROLE_NAMES, ApiToken, LoginCode, User
from .sealed import seal, unseal

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


class SecondFactorNeeded(Exception):
    """The password was right; the login completes with a code (`method`: totp or sms)."""

    def __init__(self, user):
        self.user = user
        self.method = user.second_factor
        super().__init__(f"second factor {self.method} needed")


class CodeRefused(Exception):
    """A login code was wrong, expired, used or worn out; the message says which."""


class Throttled(Exception):
    """Too many login codes asked for; ask again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        super().__init__(f"retry after {self.retry_after}s")


@transaction.atomic
def create_user(*, username, role, region, password, actor, org=None, producer=None,
                full_name="", phone="", enforcement_card_no="", enforcement_card_valid_to=None,
                otp_required=False, check_password=True) -> User:
    errors = {}
    if not username or User.objects.filter(username=username).exists():
        errors["username"] = "用户名为空或已存在"
    if role not in ROLE_NAMES:
        errors["role"] = f"角色应为 {', '.join(ROLE_NAMES)} 之一"
    elif region.level not in ROLE_LEVELS[role]:
        errors["region"] = f"{ROLE_NAMES[role]}的辖区应为{'/'.join(ROLE_LEVELS[role])}级"
    if role == "producer" and producer is None:
        errors["producer"] = "生产主体账号须关联一个生产主体"
    totp_enforced = role in settings.NONGAN_TOTP_ROLES
    if otp_required and not phone and not totp_enforced:
        errors["phone"] = "登录需动态验证码的账号须登记手机号（接收验证码）"
    # An administrator always has a second factor: an authenticator app, bound at the
    # first login (no phone needed).
    otp_required = otp_required or totp_enforced
    user = User(username=username, role=role, region=region, org=org, producer=producer,
                full_name=full_name, phone=phone, enforcement_card_no=enforcement_card_no,
                enforcement_card_valid_to=enforcement_card_valid_to, otp_required=otp_required,
                password_changed_at=timezone.now())
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = "；".join(exc.messages)
    if errors:
        raise FieldErrors(errors)
    user.set_password(password)
    user.save()
    audit.record("account.create", user, actor=actor, region_code=region.code,
                 after={"username": username, "role": role, "region": region.code,
                        "org": org.pk if org else None, "producer": producer.pk if producer else None,
                        "otp_required": otp_required})
    return user


def find_account(identifier: str) -> User | None:
    """The account a login names: its username, else its mobile number when exactly one
    account has that number (a number shared by two accounts names neither)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    user = User.objects.filter(username=identifier).first()
    if user is None:
        same_phone = list(User.objects.filter(phone=identifier)[:2])
        user = same_phone[0] if len(same_phone) == 1 else None
    return user


def login(request, identifier: str, password: str, code: str | None = None) -> User | None:
    """Authenticate by username or phone number, counting failures: after
    LOGIN_FAILURE_LIMIT the account locks. An account with a second factor also needs
    `code`; without it SecondFactorNeeded is raised (the password was right) and the
    caller asks for the code, then calls `confirm_code`."""
    candidate = find_account(identifier)
    if candidate and candidate.is_locked():
        raise LockedOut(candidate.locked_until)
    user = authenticate(request, username=candidate.username if candidate else identifier,
                        password=password)
    if user is None:
        if candidate:
            with transaction.atomic():
                _count_failure(candidate)
        return None
    if user.second_factor is None:
        return _logged_in(user)
    if code is None:
        raise SecondFactorNeeded(user)
    return confirm_code(user, code)


def confirm_code(user: User, code: str) -> User:
    """The second step: the authenticator's code, or the one sent by SMS. A refused code
    counts toward the lock-out like a wrong password (CodeRefused says why)."""
    if user.is_locked():
        raise LockedOut(user.locked_until)
    code = (code or "").strip()
    with transaction.atomic():
        refusal = _totp_refusal(user, code) if user.second_factor == "totp" \
            else _sms_refusal(user, code)
        if refusal:
            _count_failure(user, step=user.second_factor)
    if refusal:
        if user.is_locked():
            raise LockedOut(user.locked_until)
        raise CodeRefused(refusal)
    return _logged_in(user)


@transaction.atomic
def _logged_in(user: User) -> User:
    if user.failed_logins:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record("account.login", user, actor=user, region_code=user.region_id,
                 after={"second_factor": user.second_factor})
    return user


def _count_failure(user: User, step: str = "password") -> None:
    user.failed_logins += 1
    audit.record("account.login_failed", user, actor=None, region_code=user.region_id,
                 after={"step": step, "failures": user.failed_logins})
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
        # A token is a fresh login: it counts as re-authenticated for a while (core.reauth).
        token.user.token_created_at = token.created_at
        return token.user
    return None


def refused_login(user: User) -> dict | None:
    """Why a correct login may not have an API token yet: the password must be changed,
    or an administrator's authenticator bound, on the web page first."""
    if user.must_change_password:
        return {"detail": "须先在网页上修改密码", "must_change_password": True}
    if user.needs_totp_enrolment:
        return {"detail": "须先在网页上绑定身份验证器", "totp_enrolment": True}
    return None


# --- password policy ---------------------------------------------------------------------


def _store_password(user: User, new: str) -> None:
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise FieldErrors({"new_password": "；".join(exc.messages)}) from None
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])


def change_password(user: User, *, old: str, new: str, actor: User) -> User:
    """修改密码: the account's own, with the current one; the new one passes every rule of
    AUTH_PASSWORD_VALIDATORS (length, classes, username, common, last five). A wrong
    current password counts toward the lock-out."""
    if user.is_locked():
        raise LockedOut(user.locked_until)
    if not user.check_password(old or ""):
        with transaction.atomic():
            _count_failure(user, step="password_change")
        if user.is_locked():
            raise LockedOut(user.locked_until)
        raise FieldErrors({"old_password": "当前密码不正确"})
    if old == new:
        raise FieldErrors({"new_password": "新密码不得与当前密码相同"})
    with transaction.atomic():
        _store_password(user, new)
        audit.record("account.password_change", user, actor=actor,
                     region_code=user.region_id)
    return user


@transaction.atomic
def require_password_change(user: User, *, actor: User | None) -> User:
    """责令修改密码: the account's next login can do nothing but change the password."""
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.must_change_password = True
    audit.record("account.must_change_password", user, actor=actor,
                 region_code=user.region_id, after={"must_change_password": True})
    return user


def confirm_identity(user: User, *, password: str = "", code: str = "") -> None:
    """重新验证身份 before an admin change: the password, or the authenticator's code.
    A wrong one counts toward the lock-out like a wrong login (FieldErrors says which)."""
    if user.is_locked():
        raise LockedOut(user.locked_until)
    with transaction.atomic():
        if code and user.totp_enabled_at:
            refusal = _totp_refusal(user, code.strip())
            field = "code"
        else:
            refusal = "" if user.check_password(password or "") else "密码不正确"
            field = "password"
        if refusal:
            _count_failure(user, step="reauth")
        else:
            audit.record("account.reauth", user, actor=user, region_code=user.region_id,
                         after={"by": field})
    if refusal:
        if user.is_locked():
            raise LockedOut(user.locked_until)
        raise FieldErrors({field: refusal})


# --- second factor: SMS codes ------------------------------------------------------------

CODE_TTL = dt.timedelta(minutes=5)
CODE_ATTEMPTS = 5
# Each SMS costs and a flood of codes is a way to guess one: one a minute, five an hour.
CODE_RESEND_AFTER = dt.timedelta(seconds=60)
CODES_PER_HOUR = 5


def _code_hash(user: User, code: str) -> str:
    # Keyed with SECRET_KEY: a million six-digit codes are no work to hash without a key.
    return salted_hmac("nongan.people.login-code", f"{user.pk}:{code}",
                       algorithm="sha256").hexdigest()


def send_login_code(user: User) -> bool:
    """Send a fresh six-digit code by the SMS hook (valid CODE_TTL, once, CODE_ATTEMPTS
    tries); an earlier code stops working. Answers whether a channel carried it."""
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one sender at a time
        recent = list(LoginCode.objects.filter(user=user,
                                               created_at__gt=now - dt.timedelta(hours=1)))
        if recent and now - recent[0].created_at < CODE_RESEND_AFTER:
            raise Throttled(_seconds(recent[0].created_at + CODE_RESEND_AFTER - now))
        if len(recent) >= CODES_PER_HOUR:
            raise Throttled(_seconds(recent[-1].created_at + dt.timedelta(hours=1) - now))
        if not user.phone:
            raise FieldErrors({"phone": "账号未登记手机号，无法发送验证码，请联系监管部门"})
        code = f"{secrets.randbelow(10 ** totp.DIGITS):0{totp.DIGITS}d}"
        LoginCode.objects.create(user=user, code_hash=_code_hash(user, code), created_at=now,
                                 expires_at=now + CODE_TTL)
        audit.record("account.code_sent", user, actor=user, region_code=user.region_id)
    sent = send(user, "农安登录验证码",
                f"【农安】您的登录验证码为 {code}，{CODE_TTL.seconds // 60} 分钟内有效，"
                f"仅可使用一次。请勿告诉他人。")
    return sent["sms"] or sent["email"]


def _seconds(delta: dt.timedelta) -> int:
    return int(delta.total_seconds()) + 1


def _sms_refusal(user: User, code: str) -> str:
    """Why the latest code does not log in, or "" when it does (it is then used up)."""
    latest = LoginCode.objects.select_for_update().filter(user=user).first()
    now = timezone.now()
    if latest is None:
        return "请先获取验证码"
    if latest.used_at:
        return "验证码已使用，请重新获取"
    if latest.expires_at <= now:
        return "验证码已过期，请重新获取"
    if latest.attempts >= CODE_ATTEMPTS:
        return "验证码错误次数过多，请重新获取"
    latest.attempts += 1
    right = constant_time_compare(latest.code_hash, _code_hash(user, code))
    if right:
        latest.used_at = now
    latest.save(update_fields=["attempts", "used_at"])
    return "" if right else "验证码错误"


# --- second factor: an authenticator app (TOTP) ------------------------------------------


def _totp_refusal(user: User, code: str) -> str:
    secret = unseal(user.totp_secret) if user.totp_secret else None
    if secret is None:
        return "身份验证器不可用，请联系监管部门重置"
    step = totp.matching_step(secret, code, timezone.now().timestamp())
    if step is None:
        return "验证码错误"
    # A code works once (RFC 6238 5.2): only a step later than the last one used counts.
    later = Q(totp_last_step=None) | Q(totp_last_step__lt=step)
    if not User.objects.filter(later, pk=user.pk).update(totp_last_step=step):
        return "该验证码已使用，请等待身份验证器显示新的验证码"
    user.totp_last_step = step
    return ""


ISSUER = "农安"


def totp_uri(user: User, secret: str) -> str:
    return totp.provisioning_uri(secret, user.username, ISSUER)


@transaction.atomic
def enrol_totp(user: User, secret: str, code: str) -> User:
    """启用身份验证器: the app shows a code for `secret` (from the enrolment QR code);
    the right one seals the secret on the account and logins need a code from now on."""
    step = totp.matching_step(secret, (code or "").strip(), timezone.now().timestamp())
    if step is None:
        raise FieldErrors({"code": "验证码不正确：请核对手机时间后，输入身份验证器当前显示的6位数字"})
    user.totp_secret = seal(secret)
    user.totp_enabled_at = timezone.now()
    user.totp_last_step = step
    user.otp_required = True
    user.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step",
                             "otp_required"])
    audit.record("account.totp_enrol", user, actor=user, region_code=user.region_id,
                 after={"otp_required": True, "totp_enabled_at": user.totp_enabled_at})
    return user
