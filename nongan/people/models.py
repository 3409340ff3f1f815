import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from nongan.core.scoping import register

ROLES = [
    ("city_admin", "市级管理员"),
    ("district_officer", "区级监管人员"),
    ("town_officer", "镇级监管人员"),
    ("grid_worker", "村级网格员"),
    ("lab_staff", "检测机构人员"),
    ("enforcement_officer", "执法人员"),
    ("producer", "生产主体"),
]
ROLE_NAMES = dict(ROLES)


class Organisation(models.Model):
    """单位: a supervising office, a testing institution or an enforcement brigade."""

    KINDS = [
        ("agriculture", "农业农村委"),
        ("station", "农产品质量安全监管站"),
        ("lab", "检测机构"),
        ("enforcement", "执法大队"),
    ]
    name = models.CharField("名称", max_length=120, unique=True)
    kind = models.CharField("类型", max_length=16, choices=KINDS)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, verbose_name="辖区")

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["region", "name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """账号: a person with one role acting within one region (CONTRACT.md roles)."""

    role = models.CharField("角色", max_length=24, choices=ROLES)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="辖区"
    )
    org = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, verbose_name="单位"
    )
    producer = models.ForeignKey(
        "producers.Producer", null=True, blank=True, on_delete=models.PROTECT,
        related_name="accounts", verbose_name="生产主体",
    )
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    enforcement_card_no = models.CharField("执法证号", max_length=40, blank=True)
    enforcement_card_valid_to = models.DateField("执法证有效期至", null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Second factor (动态验证码): a code from an authenticator app once one is enrolled,
    # otherwise one sent by SMS. The TOTP seed is sealed (people.sealed) and never shown
    # after enrolment; the last step used is kept so a code works once (RFC 6238 5.2).
    otp_required = models.BooleanField("登录需动态验证码", default=False)
    totp_secret = models.CharField(max_length=200, blank=True, editable=False)
    totp_enabled_at = models.DateTimeField("身份验证器启用时间", null=True, blank=True)
    totp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)
    # Password policy (people.passwords): an administrator may make the next login change
    # the password before anything else; the date tells how old the password is.
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    @property
    def totp_enforced(self) -> bool:
        """City administrators must use an authenticator app (NONGAN_ADMIN_TOTP)."""
        return self.role in settings.NONGAN_TOTP_ROLES

    @property
    def needs_totp_enrolment(self) -> bool:
        """An administrator without an authenticator yet: after the password the login
        goes to the enrolment page and nowhere else until one is bound."""
        return self.totp_enforced and not self.totp_enabled_at

    @property
    def second_factor(self) -> str | None:
        """"totp" or "sms" when a login needs a code after the password, else None."""
        if self.totp_enabled_at and (self.otp_required or self.totp_enforced):
            return "totp"
        if not self.otp_required or self.totp_enforced:
            return None  # an administrator not enrolled yet enrols right after the password
        return "sms"


class ApiToken(models.Model):
    """An API bearer token; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "接口令牌"

    def __str__(self):
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)


class LoginCode(models.Model):
    """短信验证码: a one-time login code sent by SMS; only its keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"code of {self.user_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class PasswordHistory(models.Model):
    """历史密码: the hash of a password an account had, so the last few are not reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"password of {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


register(Organisation, region="region__")
register(User, region="region__")
register(LoginCode, personal="user_id")
register(PasswordHistory, personal="user_id")
